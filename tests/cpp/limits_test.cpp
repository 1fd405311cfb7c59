// Hostile input is refused at the published bounds (masterpro/limits.hpp) with `limit` errors
// that name the place, never with a crash, and input within the bounds is still accepted.
#include "test_support.hpp"

#include "masterpro/limits.hpp"

namespace mt = masterpro::testing;
using masterpro::error_category;

namespace {

const masterpro::limits bounds;
const std::string head = R"({"id":"P","as_of":"2026-06-30")";

std::string repeated(const std::string& item, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s += (i ? "," : "") + item;
    return s;
}

std::string nested_array(std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

} // namespace

TEST_CASE("a nested array 100000 deep is a limit error in a candidate record and in a rule file") {
    const auto rules = mt::welder();
    auto record = rules.read_candidate(head + R"(,"notes":)" + nested_array(100'000) + "}");
    REQUIRE_FALSE(record.has_value());
    CHECK(record.error().category == error_category::limit);
    CHECK(record.error().message.find("deeper than 256") != std::string::npos);

    auto file = masterpro::rule_set::from_json(R"({"format":)" + nested_array(100'000) + "}");
    REQUIRE_FALSE(file.has_value());
    REQUIRE(file.error().size() == 1);
    CHECK(file.error()[0].category == error_category::limit);

    // At the bound itself the record is still read (the unknown key is ignored).
    CHECK(
        rules.read_candidate(head + R"(,"notes":)" + nested_array(bounds.max_json_depth - 1) + "}")
            .has_value());
}

TEST_CASE("lists longer than the limit are refused at their path and lists at the limit are read") {
    const auto rules = mt::welder();
    const std::string evidence = R"({"id":"E","type":"cv","date":"2024-01-01","covers":["C1.1"]})";
    auto at_limit = rules.read_candidate(head + R"(,"evidence":[)" +
                                         repeated(evidence, bounds.max_items) + "]}");
    REQUIRE(at_limit.has_value());
    CHECK(at_limit->evidence.size() == bounds.max_items);

    struct case_t {
        std::string record;
        std::string path;
    };
    const std::string many = std::to_string(bounds.max_items + 1);
    const case_t cases[] = {
        {head + R"(,"evidence":[)" + repeated(evidence, bounds.max_items + 1) + "]}", "evidence"},
        {head + R"(,"experience":[)" +
             repeated(R"({"from":"2020-01-01","fte":1,"role":"welding"})", bounds.max_items + 1) +
             "]}",
         "experience"},
        {head + R"(,"assessments":[)" + repeated("{}", bounds.max_items + 1) + "]}", "assessments"},
        {head + R"(,"assessors":[)" + repeated("{}", bounds.max_items + 1) + "]}", "assessors"},
        {head + R"(,"credentials":[)" + repeated("{}", bounds.max_items + 1) + "]}", "credentials"},
        {head + R"(,"evidence":[{"id":"E","type":"cv","date":"2024-01-01","covers":[)" +
             repeated(R"("C1.1")", bounds.max_items + 1) + "]}]}",
         "evidence[0].covers"},
        {head + R"(,"assessors":[{"id":"A","relations":[)" +
             repeated(R"({"kind":"k"})", bounds.max_items + 1) + "]}]}",
         "assessors[0].relations"},
    };
    for (const auto& c : cases) {
        INFO(c.path);
        auto read = rules.read_candidate(c.record);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().category == error_category::limit);
        CHECK(read.error().where.path == c.path);
        CHECK(read.error().message == "a list of " + many + " items is longer than the limit of " +
                                          std::to_string(bounds.max_items));
    }
}

TEST_CASE("strings longer than the limit are refused at their path and long text never floods a "
          "message") {
    const auto rules = mt::welder();
    const std::string at_limit(bounds.max_string_bytes, 'x');
    const std::string over(bounds.max_string_bytes + 1, 'x');
    CHECK(rules.read_candidate(R"({"id":")" + at_limit + R"(","as_of":"2026-06-30"})").has_value());

    struct case_t {
        std::string record;
        std::string path;
    };
    const case_t cases[] = {
        {R"({"id":")" + over + R"(","as_of":"2026-06-30"})", "id"},
        {head + R"(,"employer":")" + over + R"("})", "employer"},
        {head + R"(,"evidence":[{"id":")" + over + R"(","type":"cv","date":"2024-01-01"}]})",
         "evidence[0].id"},
        {head + R"(,"evidence":[{"id":"E","type":")" + over + R"(","date":"2024-01-01"}]})",
         "evidence[0].type"},
        {head + R"(,"assessors":[{"id":"A","relations":[{"kind":")" + over + R"("}]}]})",
         "assessors[0].relations[0].kind"},
        {head +
             R"(,"assessors":[{"id":"A"}],"assessments":[{"assessor":"A","competence":"C1","date":"2026-01-01","scores":{")" +
             over + R"(":3}}]})",
         "assessments[0].scores"},
    };
    for (const auto& c : cases) {
        INFO(c.path);
        auto read = rules.read_candidate(c.record);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().category == error_category::limit);
        CHECK(read.error().where.path == c.path);
        CHECK(read.error().message.size() < 200);
    }

    // A date is not an id: a long one is a plain contract error, shown cut short.
    auto date =
        rules.read_candidate(R"({"id":"P","as_of":")" + std::string(1'000'000, '9') + R"("})");
    REQUIRE_FALSE(date.has_value());
    CHECK(date.error().category == error_category::candidate_data);
    CHECK(date.error().message.size() < 200);
    // Cut at a character boundary: after "x", the two-byte 'é's straddle byte 64.
    std::string text = "x";
    for (int i = 0; i < 40; ++i)
        text += "\xC3\xA9";
    auto cut = rules.read_candidate(R"({"id":"P","as_of":")" + text + R"("})");
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().message ==
          "'" + text.substr(0, 63) + "...' is not a calendar date (YYYY-MM-DD)");
}

TEST_CASE("a NUL byte makes a record invalid JSON even after a complete object") {
    const auto rules = mt::welder();
    auto read =
        rules.read_candidate(std::string(R"({"id":"P","as_of":"2026-06-30"})") + '\0' + "garbage");
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().category == error_category::json_syntax);
    CHECK(read.error().message == "invalid JSON: NUL character at byte 31");
}
