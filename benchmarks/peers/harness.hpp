// What every C++ benchmark program shares: reading JSON lines, best-of timing, peak memory, and
// the one-line JSON report that benchmarks/bench.py reads (verdicts first, figures after).
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

/// Every line of a JSON-lines file, in order (empty lines dropped).
inline std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            lines.push_back(std::move(line));
    return lines;
}

inline std::size_t total_bytes(const std::vector<std::string>& lines) {
    std::size_t n = 0;
    for (const auto& l : lines)
        n += l.size() + 1; // the newline is part of the input
    return n;
}

/// A timed loop over all records: the best pass, and how many passes were made.
struct timing {
    double best_ns = 0;
    int passes = 0;
};

/// Runs `pass` (one loop over every record) repeatedly and keeps the fastest pass. Stops after
/// `min_seconds` of total time once at least `min_passes` ran; the best pass, not the mean, is
/// the least disturbed by other processes on a shared machine.
template <class Pass>
timing best_of(Pass&& pass, double min_seconds = 0.5, int min_passes = 3, int max_passes = 50) {
    using clock = std::chrono::steady_clock;
    timing t;
    double spent = 0;
    while (t.passes < max_passes && (t.passes < min_passes || spent < min_seconds)) {
        const auto start = clock::now();
        pass();
        const double ns = std::chrono::duration<double, std::nano>(clock::now() - start).count();
        t.best_ns = t.passes == 0 ? ns : std::min(t.best_ns, ns);
        spent += ns / 1e9;
        ++t.passes;
    }
    return t;
}

/// Peak resident set size of this process so far, in KiB.
inline long peak_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

/// Builds the report line: a flat JSON object, keys in the order added.
class report {
  public:
    report& str(const char* key, const std::string& value) {
        std::string quoted = "\"";
        for (char c : value) {
            if (c == '"' || c == '\\')
                quoted += '\\';
            if (static_cast<unsigned char>(c) >= 0x20)
                quoted += c;
        }
        return raw(key, quoted + "\"");
    }
    report& num(const char* key, double value) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", value);
        return raw(key, buf);
    }
    report& timed(const char* key, const timing& t, std::size_t records) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "{\"ns_per_record\":%.6g,\"passes\":%d}",
                      t.best_ns / static_cast<double>(records), t.passes);
        return raw(key, buf);
    }
    report& raw(const char* key, const std::string& json) {
        text_ += (text_.empty() ? "{\"" : ",\"") + std::string(key) + "\":" + json;
        return *this;
    }
    void print() const { std::printf("%s}\n", text_.c_str()); }

  private:
    std::string text_;
};

/// One character per record: '1' eligible, '0' not.
inline std::string verdicts(const std::vector<bool>& v) {
    std::string s(v.size(), '0');
    for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i])
            s[i] = '1';
    return s;
}

/// Reports an engine that cannot run here (an API not there yet), with the reason, and exits 0.
[[noreturn]] inline void unavailable(const std::string& engine, const std::string& why) {
    report().str("engine", engine).str("status", "unavailable").str("reason", why).print();
    std::exit(0);
}

/// Reports an engine that ran but failed (rejected the rule or a record), and exits 1.
[[noreturn]] inline void failed(const std::string& engine, const std::string& why) {
    report().str("engine", engine).str("status", "error").str("reason", why).print();
    std::exit(1);
}

} // namespace bench
