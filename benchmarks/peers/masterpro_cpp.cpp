// masterpro from C++, linked as a library: the peer JsonLogic rule over the shared workload,
// the Master Welder rules in process (where the time goes), and rule loading + compiling.
//
// Usage: masterpro_cpp jsonlogic RULE.json WORKLOAD.jsonl
//        masterpro_cpp welder RULES.json POPULATION.jsonl [MAX_RECORDS]
//        masterpro_cpp load-rules RULES.json [ITERATIONS]
// Each prints one JSON object (see harness.hpp); bench.py checks verdicts before any figure.
#include "harness.hpp"

#include <masterpro/io/decision_json.hpp>
#include <masterpro/rule_set.hpp>

#ifndef MASTERPRO_BENCH_HAS_JSONLOGIC
#define MASTERPRO_BENCH_HAS_JSONLOGIC __has_include(<masterpro/jsonlogic.hpp>)
#endif
#if MASTERPRO_BENCH_HAS_JSONLOGIC
#include <masterpro/jsonlogic.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

const char* const engine_name = "masterpro C++ (library)";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The value of a masterpro call for record `i` (0-based), or the end of the run with its error.
template <class Expected>
auto value_of(Expected&& result, std::size_t i) {
    if (!result)
        bench::failed(engine_name, "record " + std::to_string(i + 1) + ": " + masterpro::format_diagnostic(result.error()));
    return std::move(*result);
}

std::string first_diagnostic(const masterpro::diagnostics& d) {
    return d.empty() ? "unknown error" : masterpro::format_diagnostic(d.front());
}

/// The peer workload: compile the JsonLogic rule once, decide every record from its JSON text.
int jsonlogic_mode(const std::string& rule_path, const std::string& workload) {
#if MASTERPRO_BENCH_HAS_JSONLOGIC
    auto rule = masterpro::jsonlogic_rule::compile(slurp(rule_path), rule_path);
    if (!rule)
        bench::failed(engine_name, "rule rejected: " + first_diagnostic(rule.error()));
    const std::vector<std::string> lines = bench::read_lines(workload);
    const std::size_t n = lines.size();

    // Evaluate only: every record loaded first (jsonlogic_rule::load keeps what the rule reads,
    // laid out for it), as the floor holds RapidJSON DOMs.
    std::vector<masterpro::jsonlogic_data> loaded;
    loaded.reserve(n);
    for (std::size_t i = 0; i < n; ++i) loaded.push_back(value_of(rule->load(lines[i]), i));
    std::vector<bool> verdicts(n), verdicts_loaded(n);
    for (std::size_t i = 0; i < n; ++i) {
        const bool t = value_of(rule->truthy(lines[i]), i);
        verdicts[i] = t;
        verdicts_loaded[i] = rule->truthy(loaded[i]).value_or(!t);
        // apply() must agree with truthy(): the result of this rule is a boolean.
        if (i < 100) {
            auto text = rule->apply(lines[i]);
            if (!text || *text != (t ? "true" : "false"))
                bench::failed(engine_name,
                              "apply() and truthy() disagree on record " + std::to_string(i + 1));
        }
    }
    std::size_t sink = 0;
    const auto eval = bench::best_of([&] {
        for (const auto& d : loaded)
            sink += rule->truthy(d).value_or(false);
    });
    const auto e2e = bench::best_of([&] {
        for (const auto& line : lines)
            sink += rule->truthy(line).value_or(false);
    });
    std::size_t held = 0;
    for (const auto& d : loaded)
        held += d.memory_bytes();
    bench::report()
        .str("engine", engine_name)
        .str("version", "masterpro (this tree)")
        .str("status", "ok")
        .num("records", static_cast<double>(n))
        .num("bytes", static_cast<double>(bench::total_bytes(lines)))
        .str("note", "evaluate only: jsonlogic_rule::load(line) once per record (the fields the rule "
                     "reads, laid out for it), then truthy(data); end to end: truthy(line)")
        .timed("eval", eval, n)
        .timed("e2e", e2e, n)
        .num("peak_rss_kb", static_cast<double>(bench::peak_rss_kb()))
        .num("loaded_bytes", static_cast<double>(held))
        .num("sink", static_cast<double>(sink))
        .str("verdicts_eval", bench::verdicts(verdicts_loaded))
        .str("verdicts_e2e", bench::verdicts(verdicts))
        .print();
    return 0;
#else
    (void)rule_path;
    (void)workload;
    bench::unavailable(engine_name, "not available yet: <masterpro/jsonlogic.hpp> not found");
#endif
}

/// The Master Welder rules in process: reading records, deciding loaded ones, rendering JSON.
int welder_mode(const std::string& rules_path, const std::string& population,
                std::size_t max_records) {
    auto rules = masterpro::rule_set::from_file(rules_path);
    if (!rules)
        bench::failed(engine_name, "rules rejected: " + first_diagnostic(rules.error()));
    std::vector<std::string> lines = bench::read_lines(population);
    if (max_records > 0 && lines.size() > max_records)
        lines.resize(max_records);
    const std::size_t n = lines.size();

    std::vector<masterpro::candidate> loaded;
    loaded.reserve(n);
    for (std::size_t i = 0; i < n; ++i) loaded.push_back(value_of(rules->read_candidate(lines[i]), i));
    // One letter per record, the outcome's initial (awarded, partial, not_awarded): bench.py
    // checks these against the CLI's decisions on the same file.
    std::string outcomes(n, '?');
    for (std::size_t i = 0; i < n; ++i) {
        auto d = rules->evaluate(loaded[i]);
        if (!d)
            bench::failed(engine_name, "record " + std::to_string(i + 1) + " undecided");
        outcomes[i] = masterpro::to_string(d->outcome)[0];
    }

    std::size_t sink = 0;
    masterpro::decision_json_options no_reasons;
    no_reasons.reasons = false;
    // As `masterpro evaluate --no-reasons` decides: outcome and statuses, no trace.
    masterpro::evaluation_options statuses_only;
    statuses_only.trace = false;
    // As `masterpro evaluate` decides: the trace that reasons, gaps and titles are rendered
    // from (no checks that pass), with and without the gaps.
    masterpro::evaluation_options reasons_only;
    reasons_only.passing_checks = false;
    masterpro::evaluation_options reasons_no_gaps = reasons_only;
    reasons_no_gaps.gaps = false;
    // One candidate, decision and output buffer kept from record to record, as the CLI keeps
    // them per thread.
    masterpro::candidate who;
    masterpro::decision kept;
    std::string text;
    auto decided = [&](const tl::expected<void, masterpro::error>& r) {
        if (!r) bench::failed(engine_name, "undecided: " + r.error().message);
        return 1;
    };
    // Fewer passes than the peer loops: each pass over a real population takes seconds.
    const auto read = bench::best_of(
        [&] {
            for (const auto& line : lines)
                sink += decided(rules->read_candidate_into(line, who));
        },
        0.5, 2);
    auto evaluate_all = [&](const masterpro::evaluation_options& options) {
        return bench::best_of(
            [&] {
                for (const auto& c : loaded)
                    sink += decided(rules->evaluate_into(c, kept, {}, options));
            },
            0.5, 2);
    };
    const auto eval_statuses = evaluate_all(statuses_only);
    const auto eval_trace = evaluate_all(reasons_no_gaps);
    const auto eval_trace_gaps = evaluate_all(reasons_only);
    const auto eval_full = evaluate_all({});
    const auto e2e_json = bench::best_of(
        [&] {
            for (const auto& line : lines) {
                sink += decided(rules->evaluate_json_into(line, who, kept, {}, statuses_only));
                text.clear();
                masterpro::append_json(text, kept, no_reasons);
                sink += text.size();
            }
        },
        0.5, 2);
    const auto e2e_json_reasons = bench::best_of(
        [&] {
            for (const auto& line : lines) {
                sink += decided(rules->evaluate_json_into(line, who, kept, {}, reasons_only));
                text.clear();
                masterpro::append_json(text, kept);
                sink += text.size();
            }
        },
        0.5, 2);
    const auto e2e_fresh_reasons = bench::best_of(
        [&] {
            for (const auto& line : lines)
                sink += masterpro::to_json(*rules->evaluate_json(line)).size();
        },
        0.5, 2);
    bench::report()
        .str("engine", engine_name)
        .str("status", "ok")
        .num("records", static_cast<double>(n))
        .num("bytes", static_cast<double>(bench::total_bytes(lines)))
        .timed("read", read, n)
        .timed("eval_statuses", eval_statuses, n)
        .timed("eval_trace", eval_trace, n)
        .timed("eval_trace_gaps", eval_trace_gaps, n)
        .timed("eval_full", eval_full, n)
        .timed("e2e_json", e2e_json, n)
        .timed("e2e_json_reasons", e2e_json_reasons, n)
        .timed("e2e_fresh_reasons", e2e_fresh_reasons, n)
        .num("peak_rss_kb", static_cast<double>(bench::peak_rss_kb()))
        .num("sink", static_cast<double>(sink))
        .str("outcomes", outcomes)
        .print();
    return 0;
}

/// Loading and compiling a rule file, in process: best and median of many iterations.
int load_rules_mode(const std::string& rules_path, int iterations) {
    using clock = std::chrono::steady_clock;
    std::vector<double> ns;
    ns.reserve(static_cast<std::size_t>(iterations));
    for (int i = 0; i < iterations; ++i) {
        const auto start = clock::now();
        auto rules = masterpro::rule_set::from_file(rules_path);
        ns.push_back(std::chrono::duration<double, std::nano>(clock::now() - start).count());
        if (!rules)
            bench::failed(engine_name, "rules rejected: " + first_diagnostic(rules.error()));
    }
    std::sort(ns.begin(), ns.end());
    bench::report()
        .str("engine", engine_name)
        .str("status", "ok")
        .num("iterations", iterations)
        .num("best_ns", ns.front())
        .num("median_ns", ns[ns.size() / 2])
        .num("peak_rss_kb", static_cast<double>(bench::peak_rss_kb()))
        .print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    try {
        if (mode == "jsonlogic" && argc == 4)
            return jsonlogic_mode(argv[2], argv[3]);
        if (mode == "welder" && (argc == 4 || argc == 5))
            return welder_mode(argv[2], argv[3], argc == 5 ? std::stoul(argv[4]) : 0);
        if (mode == "load-rules" && (argc == 3 || argc == 4))
            return load_rules_mode(argv[2], argc == 4 ? std::stoi(argv[3]) : 1000);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "masterpro_cpp: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: masterpro_cpp jsonlogic RULE.json WORKLOAD.jsonl\n"
                         "       masterpro_cpp welder RULES.json POPULATION.jsonl [MAX_RECORDS]\n"
                         "       masterpro_cpp load-rules RULES.json [ITERATIONS]\n");
    return 2;
}
