// Hostile input is refused at the published bounds (masterpro/limits.hpp) with `limit` errors
// that name the place, never with a crash, and input within the bounds is still accepted.
#include "test_support.hpp"

#include "masterpro/batch.hpp"
#include "masterpro/jsonlogic.hpp"
#include "masterpro/limits.hpp"

#include "program.hpp"

#include <cmath>
#include <sstream>

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

// ---- bounds chosen by the caller ----

namespace {

std::string welder_text() {
    return mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
}

/// The Welder's rules with the usable-evidence expression replaced by `usable`.
std::string welder_with_usable(const std::string& usable) {
    return mt::welder_text_with(R"("usable": "within(date, years(5)) and authentic")", R"("usable": ")" + usable + R"(")");
}

std::string evidence_covering(std::size_t n) {
    return R"({"id":"E","type":"practical_task","date":"2025-01-01","covers":[)" + repeated(R"("C1.1")", n) + "]}";
}

} // namespace

TEST_CASE("bounds given to rule_set apply to the rule file and to every record read with it") {
    masterpro::limits tight;
    tight.max_items = 2;
    tight.max_string_bytes = 8;
    auto rules = masterpro::rule_set::from_json(welder_text(), "welder.json", tight);
    REQUIRE(rules.has_value());
    CHECK(rules->bounds().max_items == 2);
    CHECK(rules->bounds().max_string_bytes == 8);

    const std::string evidence = R"({"id":"E","type":"cv","date":"2024-01-01","covers":["C1.1"]})";
    CHECK(rules->read_candidate(head + R"(,"evidence":[)" + repeated(evidence, 2) + "]}").has_value());
    auto three = rules->read_candidate(head + R"(,"evidence":[)" + repeated(evidence, 3) + "]}");
    REQUIRE_FALSE(three.has_value());
    CHECK(three.error().category == error_category::limit);
    CHECK(three.error().message == "a list of 3 items is longer than the limit of 2");
    auto long_id = rules->read_candidate(R"({"id":"123456789","as_of":"2026-06-30"})");
    REQUIRE_FALSE(long_id.has_value());
    CHECK(long_id.error().where.path == "id");

    masterpro::limits shallow;
    shallow.max_json_depth = 4;
    auto deep_file = masterpro::rule_set::from_json(welder_text(), "welder.json", shallow);
    REQUIRE_FALSE(deep_file.has_value());
    CHECK(deep_file.error()[0].category == error_category::limit);
    CHECK(deep_file.error()[0].message.find("deeper than 4") != std::string::npos);
    // The default rules read the record a shallow bound refuses.
    const std::string nested = head + R"(,"notes":)" + nested_array(30) + "}";
    CHECK(mt::welder().read_candidate(nested).has_value());
    masterpro::limits record_depth;
    record_depth.max_json_depth = 16;
    auto strict = masterpro::rule_set::from_json(welder_text(), "welder.json", record_depth);
    REQUIRE(strict.has_value());
    auto refused = strict->read_candidate(nested);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("deeper than 16") != std::string::npos);
}

TEST_CASE("an expression deeper than max_expression_depth is a diagnostic at its place") {
    const std::string deep = std::string(20, '(') + "authentic" + std::string(20, ')');
    CHECK(masterpro::rule_set::from_json(welder_with_usable(deep), "welder.json").has_value());
    masterpro::limits shallow;
    shallow.max_expression_depth = 10;
    auto rules = masterpro::rule_set::from_json(welder_with_usable(deep), "welder.json", shallow);
    REQUIRE_FALSE(rules.has_value());
    REQUIRE(rules.error().size() == 1);
    CHECK(rules.error()[0].message.find("nested deeper than 10 levels") != std::string::npos);
    CHECK(rules.error()[0].where.pointer.find("/usable") != std::string::npos);
}

TEST_CASE("nested quantifiers past max_evaluation_steps stop with a limit error, not hours of work") {
    // Three nested quantifiers over 200 covered criteria: 8 million element visits per item.
    const std::string usable =
        "count(covers, count(covers, count(covers, it == it) >= 0) >= 0) >= 0 and authentic";
    const std::string record =
        head + R"(,"evidence":[)" + evidence_covering(200) + "]}";

    masterpro::limits bounded;
    bounded.max_evaluation_steps = 100'000;
    auto rules = masterpro::rule_set::from_json(welder_with_usable(usable), "welder.json", bounded);
    REQUIRE(rules.has_value());
    auto stopped = rules->evaluate_json(record);
    REQUIRE_FALSE(stopped.has_value());
    CHECK(stopped.error().category == error_category::limit);
    CHECK(stopped.error().message.find("evaluation stopped after 100000 steps") != std::string::npos);

    // The same record with few criteria stays well within the bound and is decided.
    auto small = rules->evaluate_json(head + R"(,"evidence":[)" + evidence_covering(5) + "]}");
    CHECK(small.has_value());

    // In a batch the stopped record is an error line in its place; the others are decided.
    std::istringstream in(record + "\n" + head + "}\n");
    std::ostringstream out;
    const auto summary = masterpro::evaluate_lines(*rules, in, out);
    CHECK(summary.records == 2);
    CHECK(summary.errors == 1);
    const auto lines = out.str();
    CHECK(lines.find(R"({"line":1,"id":"P","error":{"category":"limit")") == 0);
}

TEST_CASE("parameters and conditions that read no candidate data are computed once, their steps still counted") {
    using masterpro::detail::requirement_kind;
    using masterpro::detail::requirement;
    // The value of the first `kind` requirement's parameter (or condition) for each level
    // (competence C1), or nothing when it is left to each evaluation.
    const auto fixed_values = [](const masterpro::rule_set& rules, requirement_kind kind, auto pick) {
        const auto& p = *rules.program();
        std::vector<double> values;
        for (const auto& r : p.requirements) {
            if (r.kind != kind) continue;
            const std::int32_t expr = pick(r);
            REQUIRE(expr >= 0);
            const std::int32_t at = p.fixed.slot[static_cast<std::size_t>(expr)];
            if (at < 0) return values;
            const std::size_t row = p.descriptor.competences.size() + 1;
            for (std::size_t l = 0; l < p.descriptor.levels.size(); ++l)
                values.push_back(p.fixed.values[static_cast<std::size_t>(at) + l * row + 1].value);
            return values;
        }
        FAIL("no such requirement");
        return values;
    };
    const auto welder = mt::welder();
    CHECK(fixed_values(welder, requirement_kind::panel, [](const requirement& r) { return r.min_size.expr; }) ==
          std::vector<double>{2, 3}); // level.panel_size
    CHECK(fixed_values(welder, requirement_kind::scores, [](const requirement& r) { return r.mean_min.expr; }) ==
          std::vector<double>{2.5, 0}); // level.mean_min
    // 'safety_critical' in competence.tags, for C1 (not tagged)
    CHECK(fixed_values(welder, requirement_kind::when, [](const requirement& r) { return r.condition; }) ==
          std::vector<double>{0, 0});

    // A parameter that visits a list takes evaluation steps computing it: each evaluation still
    // counts them. With a bound just large enough for the bundled rules, the same rules with
    // such a parameter stop; with a larger one they decide the same.
    const std::string text =
        mt::welder_text_with(R"("min_items": 2,)", R"x("min_items": "2 + 0 * count(competence.tags, it == it)",)x");
    std::string record;
    for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl"))
        if (line.find("\"MW-DEMO-2\"") != std::string::npos) record = line;
    REQUIRE_FALSE(record.empty());
    const auto decides = [&](const std::string& rules_text, std::uint64_t steps) {
        masterpro::limits bounded;
        bounded.max_evaluation_steps = steps;
        auto rules = masterpro::rule_set::from_json(rules_text, "welder.json", bounded);
        REQUIRE(rules.has_value());
        auto d = rules->evaluate_json(record);
        if (!d) CHECK(d.error().category == error_category::limit);
        return d.has_value();
    };
    const std::string bundled = mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
    std::uint64_t low = 0, high = 1'000'000; // the fewest steps the bundled rules decide MW-DEMO-2 in
    REQUIRE(decides(bundled, high));
    while (low + 1 < high) {
        const std::uint64_t mid = (low + high) / 2;
        (decides(bundled, mid) ? high : low) = mid;
    }
    CHECK(high > 0);
    CHECK_FALSE(decides(text, high));
    CHECK(decides(text, high + 100));
    auto counting = masterpro::rule_set::from_json(text, "welder.json");
    REQUIRE(counting.has_value());
    CHECK(fixed_values(*counting, requirement_kind::evidence, [](const requirement& r) { return r.min_items.expr; }) ==
          std::vector<double>{2, 2});
    for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl")) {
        auto a = welder.evaluate_json(line);
        auto b = counting->evaluate_json(line);
        REQUIRE(a.has_value() == b.has_value());
        if (a) CHECK(masterpro::to_json(*a) == masterpro::to_json(*b));
    }
}

TEST_CASE("JsonLogic data and applications are bounded too") {
    masterpro::limits bounded;
    bounded.max_evaluation_steps = 1'000;
    bounded.max_items = 100;
    // The inner list is read from each element of the outer one.
    auto rule = masterpro::jsonlogic_rule::compile(
        R"({"some":[{"var":"xs"},{"some":[{"var":"ys"},{"==":[{"var":""},-1]}]}]})", "<rule>", bounded);
    REQUIRE(rule.has_value());
    std::string items = "[" + repeated(R"({"ys":[)" + repeated("1", 50) + "]}", 50) + "]";
    auto stopped = rule->apply(R"({"xs":)" + items + "}");
    REQUIRE_FALSE(stopped.has_value());
    CHECK(stopped.error().category == error_category::limit);
    CHECK(stopped.error().message.find("evaluation stopped after 1000 steps") != std::string::npos);
    auto small = rule->apply(R"({"xs":[{"ys":[1,2,-1]}]})");
    REQUIRE(small.has_value());
    CHECK(*small == "true");

    auto long_list = rule->apply(R"({"xs":)" + std::string("[") + repeated("1", 101) + "]}");
    REQUIRE_FALSE(long_list.has_value());
    CHECK(long_list.error().category == error_category::limit);
    CHECK(long_list.error().message == "data has a list of 101 items, longer than the limit of 100");
}

TEST_CASE("without the trace a combinator stops at the child that decides it: never more steps, the same statuses") {
    // The fewest steps each way that decide a record, found by bisection (rules loaded with
    // each bound). Without the trace, a `sequence` stops at its first step that is not pass and
    // `all_of` at its first failure, so the steps of later children (here the safety `when`,
    // which visits the competence's tags) are not taken.
    const std::string bundled = mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
    const auto fewest_steps = [&](const std::string& record, bool trace) {
        masterpro::evaluation_options what;
        what.trace = what.gaps = trace;
        const auto decides = [&](std::uint64_t steps) {
            masterpro::limits bounded;
            bounded.max_evaluation_steps = steps;
            auto rules = masterpro::rule_set::from_json(bundled, "welder.json", bounded);
            REQUIRE(rules.has_value());
            auto d = rules->evaluate_json(record, {}, what);
            if (!d) CHECK(d.error().category == error_category::limit);
            return d.has_value();
        };
        std::uint64_t low = 0, high = 1'000'000;
        REQUIRE(decides(high));
        while (low + 1 < high) {
            const std::uint64_t mid = (low + high) / 2;
            (decides(mid) ? high : low) = mid;
        }
        return high;
    };
    const auto welder = mt::welder();
    masterpro::evaluation_options brief;
    brief.trace = false;
    int fewer = 0, records = 0;
    for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl")) {
        auto full = welder.evaluate_json(line);
        if (!full) continue;
        CAPTURE(line);
        ++records;
        auto statuses = welder.evaluate_json(line, {}, brief);
        REQUIRE(statuses.has_value());
        CHECK(statuses->competence_status == full->competence_status);
        CHECK(statuses->level_status == full->level_status);
        const auto with = fewest_steps(line, true), without = fewest_steps(line, false);
        CHECK(without <= with);
        fewer += without < with;
    }
    CHECK(records >= 4);
    CHECK(fewer >= 1); // some record has a competence stopped before the safety step
}

TEST_CASE("requirements that cannot fail never do, and without the trace an all_of stops once no child left can") {
    // Evidence, panels and agreement only ever make a result `insufficient`; so does a
    // combinator all of whose children cannot fail. Checked against the full trace of every
    // bundled candidate under both bundled rule files.
    for (const auto& [rules_file, candidates] :
         {std::pair{"rules/qualifications/LT-AMK-WELD-001.json", "rules/examples/master-welder/candidates.jsonl"},
          std::pair{"rules/qualifications/LT-AMK-ITSM-001.json", "rules/examples/itsm/candidates.jsonl"}}) {
        const auto rules = mt::load_rules(rules_file);
        const auto& failing = rules.program()->failing;
        REQUIRE(failing.may_fail.size() == rules.program()->requirements.size());
        int cannot = 0;
        for (std::size_t i = 0; i < failing.may_fail.size(); ++i) cannot += failing.may_fail[i] == 0;
        CHECK(cannot > 0);
        for (const auto& line : mt::read_lines(mt::source_dir() / candidates)) {
            auto d = rules.evaluate_json(line);
            if (!d) continue;
            for (const auto& e : d->trace) {
                if (e.check != masterpro::check_kind::whole || e.result != masterpro::status::fail) continue;
                CAPTURE(rules.program()->requirements[e.requirement].pointer);
                CHECK(failing.may_fail[e.requirement] == 1);
            }
        }
    }

    // No evidence at all: every competence's `data` step is insufficient at its evidence, and
    // its panel and agreement, which cannot fail, need not be looked at. The only assessor's
    // validity would take 5,000 steps (`none` over 5,000 relations), more than the bound.
    std::string relations;
    for (int i = 0; i < 5000; ++i) relations += std::string(i ? "," : "") + R"({"kind":"colleague","until":"2001-01-01"})";
    const std::string record =
        R"({"id":"NO-EVIDENCE","as_of":"2026-06-30","employer":"E1","evidence":[],)"
        R"("assessors":[{"id":"A1","employer":"E2","industry":true,"held_level":"M2","sector_years":12,"trained":true,"relations":[)" +
        relations + R"(]}],"assessments":[{"assessor":"A1","competence":"C1","date":"2026-01-10","scores":{"C1.1":3,"C1.2":3}}]})";
    masterpro::limits bounded;
    bounded.max_evaluation_steps = 2000;
    auto rules = masterpro::rule_set::from_json(
        mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json"), "welder.json", bounded);
    REQUIRE(rules.has_value());
    masterpro::evaluation_options brief;
    brief.trace = false;
    auto without = rules->evaluate_json(record, {}, brief);
    REQUIRE_MESSAGE(without.has_value(), without.error().message);
    auto with = rules->evaluate_json(record);
    REQUIRE_FALSE(with.has_value());
    CHECK(with.error().category == error_category::limit);
    auto unbounded = mt::welder().evaluate_json(record);
    REQUIRE(unbounded.has_value());
    CHECK(without->competence_status == unbounded->competence_status);
    CHECK(without->level_status == unbounded->level_status);
    CHECK(without->outcome == unbounded->outcome);
}
