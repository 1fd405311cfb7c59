// The floor: the peer award rule hand-written in C++ over a RapidJSON DOM, timed on DOMs parsed
// beforehand (evaluate only) and from JSON lines (parse + evaluate). Every ratio is against this.
//
// Usage: floor_rapidjson WORKLOAD.jsonl
// Written the way a C++ engineer would code the rule by hand against a DOM: one scan of the
// array per condition, string compares for the competence ids, no precomputed layout.
#include "harness.hpp"

#include <rapidjson/document.h>
#include <rapidjson/rapidjson.h>

#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

using rapidjson::Value;

constexpr const char* mandatory[] = {"C1", "C2", "C3", "C4"};
constexpr const char* electives[] = {"E1", "E2", "E3", "E4"};

/// The member `key` of an object, or nullptr when absent (a record missing a field is not
/// eligible rather than undefined behaviour).
const Value* member(const Value& object, const char* key) {
    if (!object.IsObject())
        return nullptr;
    auto it = object.FindMember(key);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

bool is(const Value& object, const char* key, const char* text) {
    const Value* v = member(object, key);
    return v && v->IsString() && std::strcmp(v->GetString(), text) == 0;
}

double number(const Value& object, const char* key) {
    const Value* v = member(object, key);
    return v && v->IsNumber() ? v->GetDouble() : 0.0;
}

bool flag(const Value& object, const char* key) {
    const Value* v = member(object, key);
    return v && v->IsBool() && v->GetBool();
}

const Value& array(const Value& object, const char* key) {
    static const Value empty(rapidjson::kArrayType);
    const Value* v = member(object, key);
    return v && v->IsArray() ? *v : empty;
}

/// The rule of shared/bench/README.md, condition by condition.
bool eligible(const Value& record) {
    if (!(number(record, "experience_years") >= 5))
        return false;
    const Value& assessments = array(record, "assessments");
    const Value& evidence = array(record, "evidence");
    for (const char* c : mandatory) {
        int passing = 0;
        for (const Value& a : assessments.GetArray())
            if (is(a, "competence", c) && number(a, "score") >= 3 && flag(a, "independent"))
                ++passing;
        if (passing < 2)
            return false;
        bool fresh = false;
        for (const Value& e : evidence.GetArray())
            if (is(e, "competence", c) && flag(e, "verified") && number(e, "age_days") <= 1826) {
                fresh = true;
                break;
            }
        if (!fresh)
            return false;
    }
    int held = 0;
    for (const char* c : electives)
        for (const Value& a : assessments.GetArray())
            if (is(a, "competence", c) && number(a, "score") >= 3) {
                ++held;
                break;
            }
    return held >= 2;
}

int run(const std::string& path) {
    const std::vector<std::string> lines = bench::read_lines(path);
    const std::size_t n = lines.size();
    if (n == 0)
        throw std::runtime_error(path + " holds no records");

    // Loaded once for evaluate-only: the DOMs stay in memory, as an application would keep them.
    std::vector<rapidjson::Document> docs(n);
    for (std::size_t i = 0; i < n; ++i) {
        docs[i].Parse(lines[i].data(), lines[i].size());
        if (docs[i].HasParseError())
            throw std::runtime_error("record " + std::to_string(i + 1) + " is not JSON");
    }

    std::vector<bool> from_dom(n), from_text(n);
    for (std::size_t i = 0; i < n; ++i)
        from_dom[i] = eligible(docs[i]);
    for (std::size_t i = 0; i < n; ++i) {
        rapidjson::Document d;
        d.Parse(lines[i].data(), lines[i].size());
        from_text[i] = eligible(d);
    }

    std::size_t sink = 0; // keeps the optimiser from dropping the loops
    const auto eval = bench::best_of([&] {
        for (const auto& d : docs)
            sink += eligible(d);
    });
    const auto e2e = bench::best_of([&] {
        for (const auto& line : lines) {
            rapidjson::Document d;
            d.Parse(line.data(), line.size());
            sink += eligible(d);
        }
    });

    bench::report()
        .str("engine", "floor: hand-written C++ over RapidJSON DOM")
        .str("version", "RapidJSON " RAPIDJSON_VERSION_STRING)
        .str("status", "ok")
        .num("records", static_cast<double>(n))
        .num("bytes", static_cast<double>(bench::total_bytes(lines)))
        .timed("eval", eval, n)
        .timed("e2e", e2e, n)
        .num("peak_rss_kb", static_cast<double>(bench::peak_rss_kb()))
        .num("sink", static_cast<double>(sink))
        .str("verdicts_eval", bench::verdicts(from_dom))
        .str("verdicts_e2e", bench::verdicts(from_text))
        .print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: floor_rapidjson WORKLOAD.jsonl\n");
        return 2;
    }
    try {
        return run(argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "floor_rapidjson: %s\n", e.what());
        return 1;
    }
}
