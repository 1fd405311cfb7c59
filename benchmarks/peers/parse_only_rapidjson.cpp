// The Master Welder floor: RapidJSON just parsing each JSON line into a DOM, streamed from a
// file, deciding nothing. masterpro's end-to-end time on the same file is compared with this.
//
// Usage: parse_only_rapidjson POPULATION.jsonl
// Prints one JSON object: records, bytes, seconds of the streaming pass, peak RSS.
#include "harness.hpp"

#include <rapidjson/document.h>
#include <rapidjson/rapidjson.h>

#include <chrono>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

namespace {

int run(const std::string& path) {
    // Read as masterpro's CLI reads a candidate file: a read call per MB, not per 8 KB.
    std::vector<char> buffer(std::size_t{1} << 20);
    std::ifstream in;
    in.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    in.open(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    const auto start = std::chrono::steady_clock::now();
    std::size_t records = 0, bytes = 0, members = 0, errors = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty())
            continue;
        rapidjson::Document d;
        d.Parse(line.data(), line.size());
        ++records;
        bytes += line.size() + 1;
        if (d.HasParseError() || !d.IsObject())
            ++errors;
        else
            members += d.MemberCount(); // touches the result so the parse cannot be elided
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bench::report()
        .str("engine", "RapidJSON parse only")
        .str("version", "RapidJSON " RAPIDJSON_VERSION_STRING)
        .str("status", "ok")
        .num("records", static_cast<double>(records))
        .num("bytes", static_cast<double>(bytes))
        .num("errors", static_cast<double>(errors))
        .num("members", static_cast<double>(members))
        .num("seconds", seconds)
        .num("peak_rss_kb", static_cast<double>(bench::peak_rss_kb()))
        .print();
    return errors ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: parse_only_rapidjson POPULATION.jsonl\n");
        return 2;
    }
    try {
        return run(argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "parse_only_rapidjson: %s\n", e.what());
        return 1;
    }
}
