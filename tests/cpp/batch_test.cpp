// Batches: one output line per input line, in order, byte-identical whatever the thread count.
#include "test_support.hpp"

#include "masterpro/batch.hpp"

#include <sstream>

namespace mt = masterpro::testing;

TEST_CASE("batch: every line accounted for, in order, the same on 1, 2 and 4 threads") {
    const auto rules = mt::welder();
    std::string input;
    const auto examples = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    for (int round = 0; round < 40; ++round) {
        for (const auto& line : examples) input += line + "\n";
        input += "\n";                 // blank
        input += "{\"id\": \"broken\"\n"; // truncated
    }
    const std::size_t lines = 40 * (examples.size() + 2);
    std::string reference;
    for (unsigned threads : {1U, 2U, 4U}) {
        CAPTURE(threads);
        std::istringstream in(input);
        std::ostringstream out;
        masterpro::batch_options options;
        options.threads = threads;
        options.chunk_lines = 37; // chunks that do not divide the input evenly
        std::size_t progress_calls = 0;
        options.progress = [&](std::size_t) { ++progress_calls; };
        const auto summary = masterpro::evaluate_lines(rules, in, out, options);
        CHECK(summary.records == lines);
        CHECK(summary.errors == 40 * 3); // the example's own broken record, a blank, a truncated line
        CHECK(progress_calls == (lines + 36) / 37);
        const std::string text = out.str();
        CHECK(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) == lines);
        if (reference.empty()) reference = text;
        CHECK(text == reference);
    }
    std::istringstream numbered(reference);
    std::string line;
    std::size_t n = 0;
    while (std::getline(numbered, line)) {
        ++n;
        if (line.rfind("{\"line\":", 0) == 0) CHECK(line.rfind("{\"line\":" + std::to_string(n) + ",", 0) == 0);
    }
}

TEST_CASE("batch: pieces of one line each, decided by three threads, are written in input order") {
    // Every line its own piece: threads finish them out of order all the time, and each is
    // written only once those before it are.
    const auto rules = mt::welder();
    std::string input;
    const auto examples = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    for (int round = 0; round < 30; ++round)
        for (const auto& line : examples) input += line + "\n";
    std::string reference;
    for (unsigned threads : {1U, 3U}) {
        std::istringstream in(input);
        std::ostringstream out;
        masterpro::batch_options options;
        options.threads = threads;
        options.chunk_lines = 1;
        std::vector<std::size_t> progress;
        options.progress = [&](std::size_t records) { progress.push_back(records); };
        const auto summary = masterpro::evaluate_lines(rules, in, out, options);
        CHECK(summary.records == 30 * examples.size());
        REQUIRE(progress.size() == summary.records); // once per piece written, counting up
        for (std::size_t i = 0; i < progress.size(); ++i) CHECK(progress[i] == i + 1);
        if (reference.empty()) reference = out.str();
        CHECK(out.str() == reference);
    }
}

TEST_CASE("batch: the id of a refused record is named when the line shows one") {
    CHECK(masterpro::record_id_json(R"({"id": "P-1", "as_of": 5})") == "\"P-1\"");
    CHECK(masterpro::record_id_json(R"({"id": 7})") == "null");
    CHECK(masterpro::record_id_json("not json") == "null");
}
