// The candidate contract: each fault is an error naming the JSON path; defaults apply otherwise.
#include "candidate_reader.hpp"
#include "candidate_routes.hpp"
#include "test_support.hpp"

#include "masterpro/io/decision_json.hpp"

#include <filesystem>

namespace mt = masterpro::testing;

namespace {

std::string fault_path(const masterpro::rule_set& rules, const std::string& record) {
    auto c = rules.read_candidate(record);
    if (c) return "(accepted)";
    CHECK(c.error().category != masterpro::error_category::usage);
    return c.error().where.path;
}

const char* const assessors = R"("assessors":[{"id":"A1","employer":"E"},{"id":"A2"}])";

} // namespace

TEST_CASE("a record that breaks the contract gets an error at the JSON path of the fault") {
    const auto rules = mt::welder();
    const std::string head = R"({"id":"P","as_of":"2026-06-30",)";
    CHECK(fault_path(rules, R"({"as_of":"2026-06-30"})") == "id");
    CHECK(fault_path(rules, R"({"id":7,"as_of":"2026-06-30"})") == "id");
    CHECK(fault_path(rules, R"({"id":"P","as_of":"2026-02-30"})") == "as_of");
    CHECK(fault_path(rules, head + R"("experience":[{"from":"2020-01-01","to":"2019-01-01","fte":1,"role":"welding"}]})") == "experience[0].to");
    CHECK(fault_path(rules, head + R"("experience":[{"from":"2020-01-01","fte":0,"role":"welding"}]})") == "experience[0].fte");
    CHECK(fault_path(rules, head + R"("experience":[{"from":"2020-01-01","fte":1.5,"role":"welding"}]})") == "experience[0].fte");
    CHECK(fault_path(rules, head + R"("experience":[{"from":"2020-01-01","fte":1,"role":"painting"}]})") == "experience[0].role");
    CHECK(fault_path(rules, head + R"("experience":{}})") == "experience");
    CHECK(fault_path(rules, head + R"("evidence":[{"id":"E","type":"selfie","date":"2024-01-01","covers":[]}]})") == "evidence[0].type");
    CHECK(fault_path(rules, head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":["C1.1","C9.9"]}]})") == "evidence[0].covers[1]");
    CHECK(fault_path(rules, head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","observed":"yes"}]})") == "evidence[0].observed");
    CHECK(fault_path(rules, head + R"("assessors":[{"id":"A1"},{"id":"A1"}]})") == "assessors[1].id");
    CHECK(fault_path(rules, head + R"("assessors":[{"id":"A1","held_level":"M3"}]})") == "assessors[0].held_level");
    CHECK(fault_path(rules, head + assessors + R"(,"assessments":[{"assessor":"A9","competence":"C1","date":"2026-01-01","scores":{}}]})") == "assessments[0].assessor");
    CHECK(fault_path(rules, head + assessors + R"(,"assessments":[{"assessor":"A1","competence":"C9","date":"2026-01-01","scores":{}}]})") == "assessments[0].competence");
    CHECK(fault_path(rules, head + assessors + R"(,"assessments":[{"assessor":"A1","competence":"C1","date":"2026-01-01","scores":{"C2.1":3}}]})") == "assessments[0].scores.C2.1");
    CHECK(fault_path(rules, head + assessors + R"(,"assessments":[{"assessor":"A1","competence":"C1","date":"2026-01-01","scores":{"C1.1":5}}]})") == "assessments[0].scores.C1.1");
    CHECK(fault_path(rules, head + assessors + R"(,"assessments":[{"assessor":"A1","competence":"C1","date":"2026-01-01","scores":{"C1.1":2.5}}]})") == "assessments[0].scores.C1.1");
    CHECK(fault_path(rules, head + assessors + R"(,"assessments":[{"assessor":"A1","competence":"C1","date":"2026-01-01","scores":{"C1.1":"3"}}]})") == "assessments[0].scores.C1.1");
    CHECK(fault_path(rules, R"([1,2])") == "");
}

TEST_CASE("records read the fast way (simdjson) and the reporting way (RapidJSON) give the same candidate or error") {
    // A record whose text has a \uD escape is read the RapidJSON way (which checks surrogates);
    // the same record with the escape in a member the reader ignores shows both routes.
    const auto rules = mt::welder();
    const auto decision_of = [&](const std::string& record) {
        auto d = rules.evaluate_json(record);
        if (!d) {
            const auto& e = d.error();
            return "error " + std::to_string(static_cast<int>(e.category)) + " " + e.message + " at " + e.where.pointer + " / " +
                   e.where.path;
        }
        return masterpro::to_json(*d);
    };
    const std::string head = R"({"id":"P","as_of":"2026-06-30",)";
    const std::string scored = std::string(assessors) + R"(,"assessments":[{"assessor":"A1","competence":"C1","date":"2026-01-01","scores":)";
    std::vector<std::string> records = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    for (const std::string& body : {
             std::string(R"("experience":[{"from":"2020-01-01","to":"2019-01-01","fte":1,"role":"welding"}]})"),
             std::string(R"("experience":[{"from":"2020-01-01","fte":1.5,"role":"welding"}]})"),
             std::string(R"("experience":[{"from":"2020-01-01","fte":"1","role":"welding"}]})"),
             std::string(R"("experience":[{"from":"2020-01-01","fte":1,"role":"painting"}]})"),
             std::string(R"("experience":{}})"),
             std::string(R"("experience":[7]})"),
             std::string(R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":["C1.1","C9.9"]}]})"),
             std::string(R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":"C1.1"}]})"),
             std::string(R"("evidence":[{"id":"E","type":"cv","date":"2024-13-01"}]})"),
             std::string(R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","observed":"yes"}]})"),
             std::string(R"("assessors":[{"id":"A1"},{"id":"A1"}]})"),
             std::string(R"("assessors":[{"id":"A1","sector_years":-1}]})"),
             std::string(R"("assessors":[{"id":"A1","held_level":null,"trained":null}]})"),
             scored + R"({"C1.1":3,"C1.1":4}}]})",
             scored + R"({"C1.1":2.5}}]})",
             scored + R"({"C1.1":4.0}}]})",
             scored + R"({"C1.1":3000000000}}]})",
             scored + R"({"C1.1":-2147483649}}]})",
             scored + R"([]}]})",
             scored + R"({"C2.1":3}}]})",
         })
        records.push_back(head + body);
    records.push_back(R"({"id":"","as_of":"2026-06-30"})");
    records.push_back(R"({"id":"P","id":"Q","as_of":"2026-06-30"})");
    for (const auto& record : records) {
        REQUIRE(record.front() == '{');
        const std::string escaped = R"({"note":"\uD83D\uDE00",)" + record.substr(1);
        CAPTURE(record);
        CHECK(decision_of(record) == decision_of(escaped));
    }
}

TEST_CASE("defaults: flags false, absent arrays empty, absent experience distinct from empty") {
    const auto rules = mt::welder();
    auto c = rules.read_candidate(R"({"id":"P","as_of":"2026-06-30","assessors":[{"id":"A"}],"extra":{"ignored":true}})");
    REQUIRE(c.has_value());
    CHECK_FALSE(c->has_experience);
    CHECK(c->assessors[0].sector_years == 0);
    CHECK_FALSE(c->assessors[0].trained);
    CHECK_FALSE(c->assessors[0].held_level.has_value());
    auto empty = rules.read_candidate(R"({"id":"P","as_of":"2026-06-30","experience":[]})");
    REQUIRE(empty.has_value());
    CHECK(empty->has_experience);

    auto none = rules.evaluate(*c);
    auto zero = rules.evaluate(*empty);
    REQUIRE(none.has_value());
    REQUIRE(zero.has_value());
    // R1: no experience key is not enough data; an empty list is assessed and fails.
    CHECK(none->level_status[0] == masterpro::status::insufficient);
    CHECK(zero->level_status[0] == masterpro::status::fail);
}

TEST_CASE("text that is not JSON is a json_syntax error") {
    auto c = mt::welder().read_candidate(R"({"id": "P", )");
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().category == masterpro::error_category::json_syntax);
}

namespace {

/// The byte ranges of `json`'s scalars and keys (strings, numbers, literals), in order.
std::vector<std::pair<std::size_t, std::size_t>> tokens_of(const std::string& json) {
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (std::size_t i = 0; i < json.size();) {
        const char c = json[i];
        if (c == '"') {
            std::size_t end = i + 1;
            while (json[end] != '"') end += json[end] == '\\' ? 2 : 1;
            spans.emplace_back(i, end + 1);
            i = end + 1;
        } else if (std::string_view("-0123456789tfn").find(c) != std::string_view::npos) {
            std::size_t end = i;
            while (end < json.size() && std::string_view(",]} ").find(json[end]) == std::string_view::npos) ++end;
            spans.emplace_back(i, end);
            i = end;
        } else {
            ++i;
        }
    }
    return spans;
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

/// Checks that every route reads `record` alike (compare_routes), naming the record if not.
void check_routes(const masterpro::rule_set& rules, const std::string& record, masterpro::candidate& reused) {
    CAPTURE(record);
    const std::string finding = masterpro::fuzz::compare_routes(rules, record, reused);
    CHECK_MESSAGE(finding.empty(), finding);
}

} // namespace

TEST_CASE("the On-Demand route reads ordinary records itself, and leaves the unusual ones to the tree reader") {
    const auto welder = mt::welder();
    const auto& program = *welder.program();
    masterpro::candidate c;
    const auto on_demand = [&](const std::string& record) { return masterpro::detail::read_candidate_on_demand(program, record, {}, c); };
    // The examples that are read at all (some show faults).
    std::size_t read = 0;
    for (const auto& record : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl")) {
        CAPTURE(record);
        if (!welder.read_candidate(record)) continue;
        CHECK(on_demand(record));
        ++read;
    }
    const auto itsm = mt::load_rules("rules/qualifications/LT-AMK-ITSM-001.json");
    for (const auto& record : mt::read_lines(mt::source_dir() / "rules/examples/itsm/candidates.jsonl")) {
        CAPTURE(record);
        if (!itsm.read_candidate(record)) continue;
        CHECK(masterpro::detail::read_candidate_on_demand(*itsm.program(), record, {}, c));
        ++read;
    }
    CHECK(read >= 10);
    const std::string head = R"({"id":"P","as_of":"2026-06-30")";
    // Taken: unknown members (checked, then dropped), escapes and text beyond ASCII, nulls.
    CHECK(on_demand(head + R"(,"note":{"a":[1,-2.5e3,true,null,"\u00e9\n"]},"employer":"\u00c9\"s"})"));
    CHECK(c.employer == "\xC3\x89\"s");
    CHECK(on_demand(R"({"id" : "Žydrūnas", "as_of" : "2026-06-30", "employer" : null })"));
    CHECK(c.id == "Žydrūnas");
    CHECK(on_demand(head + R"(,"assessors":[{"id":"A","held_level":null,"trained":null,"relations":[{"kind":"k","until":null}]}]})"));
    CHECK(on_demand(head + R"(,"assessors":[{"id":"assessor-long-id-1"},{"id":"assessor-long-id-2"}],"assessments":[{"assessor":"assessor-long-id-2","competence":"C1","date":"2026-01-01","scores":{"C1.1":3}}]})"));
    CHECK(c.assessments.at(0).assessor == 1);
    // Left: repeated keys, keys with escapes, an assessment before its assessor, faults, integers
    // past 64 bits, a byte-order mark, text after the record.
    CHECK_FALSE(on_demand(R"({"id":"P","id":"Q","as_of":"2026-06-30"})"));
    CHECK_FALSE(on_demand(R"({"\u0069d":"P","as_of":"2026-06-30"})"));
    CHECK_FALSE(on_demand(head + R"(,"assessments":[{"assessor":"A","competence":"C1","date":"2026-01-01","scores":{"C1.1":3}}],"assessors":[{"id":"A"}]})"));
    CHECK_FALSE(on_demand(head + R"(,"evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":["C9.9"]}]})"));
    CHECK_FALSE(on_demand(head + R"(,"note":123456789012345678901234})"));
    CHECK_FALSE(on_demand("\xEF\xBB\xBF" + head + "}"));
    CHECK_FALSE(on_demand(head + "} {}"));
    CHECK_FALSE(on_demand(head + R"(,"note":)" + nested(welder.bounds().max_json_depth) + "}"));
}

TEST_CASE("every route gives the same candidate or error when any scalar or key of a record is replaced") {
    // Each key and scalar of an example record of each qualification in turn becomes each of
    // these: wrong types at every member, unknown ids, escapes, text beyond ASCII, numbers at
    // the parsers' edges, nesting.
    const std::vector<std::string> replacements = {
        "null", "true", "-0", "-0.0", "9223372036854775808", "0.5", "4.0", "1e400", "123456789012345678901234", R"("")", R"("C1.1")", R"("2024-02-30")",
        R"("\u00e9")", R"("\u0041\"")", "[]", R"({"a":[{"b":null}]})", nested(300),
    };
    std::size_t taken = 0;
    for (const auto& [qualification, examples] : {std::pair{"rules/qualifications/LT-AMK-WELD-001.json", "rules/examples/master-welder/candidates.jsonl"},
                                                  std::pair{"rules/qualifications/LT-AMK-ITSM-001.json", "rules/examples/itsm/candidates.jsonl"}}) {
        const auto rules = mt::load_rules(qualification);
        const std::string record = mt::read_lines(mt::source_dir() / examples).front();
        masterpro::candidate reused, scratch;
        for (const auto& [from, to] : tokens_of(record))
            for (const auto& replacement : replacements) {
                const std::string changed = record.substr(0, from) + replacement + record.substr(to);
                check_routes(rules, changed, reused);
                taken += masterpro::detail::read_candidate_on_demand(*rules.program(), changed, {}, scratch);
            }
    }
    // The On-Demand route took its share (a replaced unknown-to-the-contract value, a null
    // in an optional member, an equal number, ...), so that the comparison tested it.
    CHECK(taken > 300);
}

TEST_CASE("every route gives the same candidate or error on hand-made records") {
    const auto rules = mt::welder();
    const std::string head = R"({"id":"P","as_of":"2026-06-30",)";
    const std::string scored = std::string(assessors) + R"(,"assessments":[{"assessor":"A1","competence":"C1","date":"2026-01-01","scores":)";
    const std::string evidence = R"({"id":"E","type":"cv","date":"2024-01-01","covers":["C1.1"]})";
    std::string many_assessors, many_covers;
    for (int i = 0; i < 40; ++i) many_assessors += (i ? "," : "") + std::string(R"({"id":"A)") + std::to_string(i) + R"("})";
    for (std::size_t i = 0; i <= rules.bounds().max_items; ++i) many_covers += (i ? "," : "") + std::string(R"("C1.1")");
    std::vector<std::string> records = {
        head + R"("id":"Q"})",
        head + R"("employer":"E","employer":"F"})",
        head + R"("experience":[{"from":"2020-01-01","from":"2021-01-01","fte":1,"role":"welding"}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","observed":true,"observed":false}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","observed":null,"identity_verified":true}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":null}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":[)" + many_covers + "]}]}",
        head + R"("evidence":[)" + evidence + "," + evidence + "]}",
        head + R"("assessors":[)" + many_assessors + "]}",
        head + R"("assessors":[{"id":"A1","relations":[{"kind":"k","kind":"l"}]}]})",
        head + R"("assessors":[{"id":"A1","sector_years":18446744073709551616}]})",
        head + R"("assessors":[{"id":"A1","sector_years":1e308}]})",
        head + R"("assessors":[{"id":"A1","sector_years":07}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-\t1"}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-0\u0031"}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01 "}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-02-30"}]})",
        head + R"("assessors":[{"id":"A1","sector_years":42}]})",
        head + R"("note":[0,7,42,-1,100]})",
        head + R"("note":[00]})",
        head + R"("assessors":[{"id":"A1","sector_years":0e309}]})",
        head + R"("assessors":[{"id":"A1","employer":")" + std::string(rules.bounds().max_string_bytes, 'x') + R"("}]})",
        head + R"("assessors":[{"id":"A1","employer":")" + std::string(rules.bounds().max_string_bytes + 1, 'x') + R"("}]})",
        head + R"("assessors":[{"id":")" + std::string(rules.bounds().max_string_bytes - 1, 'x') + R"(\u00e9"}]})",
        scored + R"({"C1.1":3,"C1.1":4}}]})",
        scored + R"({"C1\u002e1":3}}]})",
        scored + R"({"C1.1":-0}}]})",
        scored + R"({"C1.1":3.0}}]})",
        scored + R"({"C1.1":1e0}}]})",
        scored + R"({"C1.1": 3 }}]})",
        scored + R"({"C1.1":30}}]})",
        scored + R"({"C1.1":-3}}]})",
        scored + R"({"C1.1":3}},{"assessor":"A2","competence":"C2","date":"2026-01-01","scores":{"C1.1":3}}]})",
        scored + R"({"C1.1":7}}]})",
        scored + R"({"C1.1":3,"C1.2":4,"C1.1":3}}]})",
        // Assessors told apart only past their ids' first 16 bytes; keys that begin like the
        // contract's, or are the contract's with an escape.
        head + R"("assessors":[{"id":"assessor-long-id-1"},{"id":"assessor-long-id-2"}],"assessments":[{"assessor":"assessor-long-id-2","competence":"C1","date":"2026-01-01","scores":{"C1.1":3}}]})",
        head + R"("assessors":[{"id":"assessor-long-id-1"},{"id":"assessor-long-id-1"}]})",
        head + R"("assessors":[{"id":"assessor-long-id-1"}],"assessments":[{"assessor":"assessor-long-id-2","competence":"C1","date":"2026-01-01","scores":{"C1.1":3}}]})",
        head + R"("ids":"Q","i":1,"as_of_x":2,"employers":"E"})",
        head + R"("evidence":[{"id":"E","type":"cv","dates":"2024-01-01","date":"2024-01-01","cover":["C1.1"]}]})",
        scored + R"({"C1.1":3},"assessorX":"A1","date":"2026-01-01"}]})",
        head + R"("note":)" + nested(rules.bounds().max_json_depth - 2) + "}",
        head + R"("note":)" + nested(rules.bounds().max_json_depth - 1) + "}",
        head + R"("note":)" + nested(rules.bounds().max_json_depth) + "}",
        head + R"("note":"\uD83D\uDE00","employer":"\uDC00"})",
        head + R"("note":"\u00"})",
        head + R"("note":"\x"})",
        head + "\"note\":\"\x01\"}",
        head + "\"note\":\"\xC3\"}",
        // A value followed by what is not a comma or a closing bracket (simdjson skips values
        // without checking them: each one read must be moved past by the parser).
        R"({"id":"P":"x","as_of":"2026-06-30"})",
        R"({"id":"P":1},"as_of":"2026-06-30"})",
        head + R"("evidence":[{"id":"E","type":"cv":1},"date":"2024-01-01"}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":["C1.1":1],"C1.2"]}]})",
        head + R"("employer":"E":1})",
        head + R"("experience":[{"from":"2020-01-01","fte":1,"role":"welding":"x"}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":["C1.1":"x"]}]})",
        head + R"("evidence":[{"id":"E","type":"cv","date":"2024-01-01","observed":true:1}]})",
        head + R"("assessors":[{"id":"A1","held_level":"M2" "x"}]})",
        scored + R"({"C1.1":3:4}}]})",
        scored + R"({"C1.1":3 4}}]})",
        head + R"("note":"a":"b"})",
        head + R"("note":[1:2]})",
        head + R"("note":tru})",
        head + R"("note":nul})",
        head + R"("note":01})",
        head + R"("note":[1 2]})",
        head + R"("note":{"a" 1}})",
        head + R"("note":1,})",
        head + R"("note":1})" + " ",
        head + R"("note":1})" + "x",
        head + R"("note":1})" + "\n{}",
        "\xEF\xBB\xBF" + head + R"("note":1})",
        " \t" + head + R"("note":1})",
        head + R"("note":1})" + std::string(1, '\0'),
        head + R"("note":1)" + std::string(1, '\0') + "}",
        head + R"("note":")" + std::string(1, '\0') + R"("})",
        head + R"("note":)" + std::string(1, '\0') + "1}",
        head + R"("note":[1,)" + std::string(1, '\0') + "]}",
        head + std::string(1, '\0') + R"("note":1})",
        head + R"("note":1)",
        R"({"id":"P"})",
        R"("P")",
        "",
        R"({"id":"","as_of":"2026-06-30"})",
        R"({"id":"P","as_of":null})",
    };
    masterpro::candidate reused;
    for (const auto& record : records) check_routes(rules, record, reused);
    // A candidate that held a long record, then a short one, then the long one again.
    const auto examples = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    for (const auto& record : examples) check_routes(rules, record, reused);
    for (auto it = examples.rbegin(); it != examples.rend(); ++it) check_routes(rules, *it, reused);
}

TEST_CASE("every route gives the same candidate or error on the fuzzer's kept candidate inputs") {
    masterpro::candidate reused;
    std::size_t files = 0;
    for (const char* kind : {"seeds", "regressions"})
        for (const auto& entry : std::filesystem::directory_iterator(mt::source_dir() / "fuzz" / kind / "candidate")) {
            const std::string text = mt::read_text(entry.path());
            for (const auto& rules : {mt::welder(), mt::load_rules("rules/qualifications/LT-AMK-ITSM-001.json")}) check_routes(rules, text, reused);
            ++files;
        }
    CHECK(files > 0);
}
