// Every example candidate gets exactly the decision its expected.jsonl gives: the Master Welder
// scenario of ../shared/spec (read in place) and the examples bundled in rules/examples.
#include "test_support.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mt = masterpro::testing;
using mt::compact;

namespace {


/// Checks the decision or error of every record against the expectation on the same line;
/// returns how many records were compared.
std::size_t check_examples(const masterpro::rule_set& rules, const std::filesystem::path& candidates,
                           const std::filesystem::path& expected) {
    const auto inputs = mt::read_lines(candidates);
    const auto wanted = mt::read_lines(expected);
    REQUIRE(inputs.size() == wanted.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        rapidjson::Document want;
        want.Parse(wanted[i].c_str());
        REQUIRE_FALSE(want.HasParseError());
        const std::string id = want["id"].GetString();
        CAPTURE(id);
        auto got = rules.evaluate_json(inputs[i]);
        if (want.HasMember("error")) {
            REQUIRE_FALSE(got.has_value());
            CHECK(got.error().category == masterpro::error_category::candidate_data);
            CHECK(got.error().where.path == want["where"].GetString());
            continue;
        }
        if (!got) FAIL("unexpected error: " << got.error().message << " at " << got.error().where.path);
        rapidjson::Document have;
        have.Parse(masterpro::to_json(*got, {false, false}).c_str());
        REQUIRE_FALSE(have.HasParseError());
        CHECK(have["id"] == want["id"]);
        for (const char* key : {"outcome", "level", "partial", "levels", "competences"}) {
            CAPTURE(key);
            // RapidJSON compares objects regardless of member order.
            CHECK_MESSAGE(have[key] == want[key], compact(have[key]) << " != " << compact(want[key]));
        }
    }
    return inputs.size();
}

} // namespace

TEST_CASE("Master Welder scenario of ../shared/spec: every expected decision and error") {
    const auto dir = mt::shared_dir() / "spec" / "master-welder";
    if (!std::filesystem::exists(dir / "expected.jsonl")) {
        MESSAGE("skipped: " << dir.string() << " is absent (a fresh clone without ../shared)");
        return;
    }
    CHECK(check_examples(mt::welder(), dir / "candidates.jsonl", dir / "expected.jsonl") == 80);
}

TEST_CASE("bundled Master Welder examples") {
    const auto dir = mt::source_dir() / "rules" / "examples" / "master-welder";
    CHECK(check_examples(mt::welder(), dir / "candidates.jsonl", dir / "expected.jsonl") >= 6);
}

TEST_CASE("bundled IT service management examples: a second qualification of another shape") {
    const auto rules = mt::load_rules("rules/qualifications/LT-AMK-ITSM-001.json");
    CHECK(rules.qualification().levels.size() == 3);
    const auto dir = mt::source_dir() / "rules" / "examples" / "itsm";
    CHECK(check_examples(rules, dir / "candidates.jsonl", dir / "expected.jsonl") >= 8);
}

TEST_CASE("the record's as_of wins over the caller's; without either the record is an error") {
    const auto rules = mt::welder();
    const std::string dated = R"({"id":"X","as_of":"2026-06-30"})";
    auto d = rules.evaluate_json(dated, masterpro::parse_date("2020-01-01"));
    REQUIRE(d.has_value());
    CHECK(masterpro::to_string(d->as_of) == "2026-06-30");
    auto undated = rules.evaluate_json(R"({"id":"Y"})", masterpro::parse_date("2025-03-01"));
    REQUIRE(undated.has_value());
    CHECK(masterpro::to_string(undated->as_of) == "2025-03-01");
    auto missing = rules.evaluate_json(R"({"id":"Z"})");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().where.path == "as_of");
}
