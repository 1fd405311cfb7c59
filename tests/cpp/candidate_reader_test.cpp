// The candidate contract: each fault is an error naming the JSON path; defaults apply otherwise.
#include "test_support.hpp"

#include "masterpro/io/decision_json.hpp"

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
