// Concurrent evaluation: one rule_set shared by several threads decides exactly as one thread
// does (run under ThreadSanitizer by scripts/sanitize.sh, which selects the "concurrency" cases).
#include "test_support.hpp"

#include "masterpro/batch.hpp"

#include <sstream>
#include <thread>

namespace mt = masterpro::testing;

namespace {

/// Everything a decision or an error renders to, so that any difference shows.
std::string render(const masterpro::decision_or_error& decided) {
    if (!decided)
        return masterpro::to_json(decided.error());
    masterpro::decision_json_options all;
    all.explanation = true;
    return masterpro::to_json(*decided, all) + "\n" + masterpro::explain(*decided);
}

std::vector<std::string> decide_all(const masterpro::rule_set& rules,
                                    const std::vector<std::string>& records, std::size_t first) {
    std::vector<std::string> out(records.size());
    // Threads start at different records so that they evaluate different candidates at once.
    for (std::size_t k = 0; k < records.size(); ++k) {
        const std::size_t i = (first + k) % records.size();
        out[i] = render(rules.evaluate_json(records[i]));
    }
    return out;
}

} // namespace

TEST_CASE("concurrency: 4 threads sharing one rule_set decide the bundled examples "
          "byte-identically to one thread") {
    constexpr std::size_t threads = 4;
    constexpr std::size_t rounds = 5;
    const std::pair<const char*, const char*> examples[] = {
        {"rules/qualifications/LT-AMK-WELD-001.json",
         "rules/examples/master-welder/candidates.jsonl"},
        {"rules/qualifications/LT-AMK-ITSM-001.json", "rules/examples/itsm/candidates.jsonl"},
    };
    for (const auto& example : examples) {
        INFO(example.first);
        const auto rules = mt::load_rules(example.first);
        const auto records = mt::read_lines(mt::source_dir() / example.second);
        REQUIRE(!records.empty());
        const auto reference = decide_all(rules, records, 0);

        std::vector<std::vector<std::vector<std::string>>> results(threads);
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                // Half the threads use the shared object, half a copy (which shares the program).
                const masterpro::rule_set copy = rules;
                const masterpro::rule_set& mine = t % 2 ? copy : rules;
                for (std::size_t r = 0; r < rounds; ++r)
                    results[t].push_back(decide_all(mine, records, t + r));
            });
        }
        for (auto& thread : pool)
            thread.join();

        for (std::size_t t = 0; t < threads; ++t) {
            REQUIRE(results[t].size() == rounds);
            for (const auto& round : results[t])
                for (std::size_t i = 0; i < records.size(); ++i)
                    CHECK(round[i] == reference[i]);
        }
    }
}

TEST_CASE("concurrency: a batch decided on 4 pool threads writes the bytes one thread writes") {
    const auto rules = mt::welder();
    std::string input;
    const auto examples =
        mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    for (int round = 0; round < 10; ++round)
        for (const auto& line : examples)
            input += line + "\n";
    std::string reference;
    for (unsigned threads : {1U, 4U}) {
        CAPTURE(threads);
        std::istringstream in(input);
        std::ostringstream out;
        masterpro::batch_options options;
        options.threads = threads;
        options.chunk_lines = 16; // several chunks, each split across the pool
        options.json.explanation = true;
        const auto summary = masterpro::evaluate_lines(rules, in, out, options);
        CHECK(summary.records == 10 * examples.size());
        if (reference.empty())
            reference = out.str();
        CHECK(out.str() == reference);
    }
}
