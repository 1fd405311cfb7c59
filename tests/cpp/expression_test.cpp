// Typed expressions: name resolution per scope, load-time type errors, interned ids, null logic.
#include "test_support.hpp"

#include "evaluate.hpp"
#include "expression.hpp"
#include "program.hpp"

namespace mt = masterpro::testing;
using namespace masterpro::detail;

namespace {

struct compiled {
    std::int32_t node = -1;
    std::vector<expr_diagnostic> problems;
};

compiled compile(const std::string& text, scope where, value_type expected = value_type::boolean) {
    static const auto rules = mt::welder();
    static expr_pool pool;
    compiled c;
    c.node = compile_expression(text, rules.qualification(), where, expected, pool, c.problems);
    return c;
}

std::string first_problem(const std::string& text, scope where = {true, true, item_scope::none},
                          value_type expected = value_type::boolean) {
    auto c = compile(text, where, expected);
    return c.problems.empty() ? std::string("(none)") : c.problems.front().message;
}

/// Evaluates a candidate-independent expression in a program holding just that expression.
value run(const std::string& text, std::int32_t level, std::int32_t competence) {
    static const auto rules = mt::welder();
    program p;
    p.descriptor = rules.qualification();
    std::vector<expr_diagnostic> problems;
    const auto node = compile_expression(text, p.descriptor, scope{true, true, item_scope::none}, value_type::null_t,
                                         p.exprs, problems);
    REQUIRE_MESSAGE(problems.empty(), problems.front().message);
    REQUIRE(is_candidate_independent(p.exprs, node));
    return evaluate_constant(p, node, level, competence);
}

} // namespace

TEST_CASE("names resolve by scope, and unknown or out-of-scope names are load-time errors") {
    const scope assessor{true, true, item_scope::assessor};
    const scope evidence{true, true, item_scope::evidence};
    CHECK(first_problem("trained and held_level >= level", assessor) == "(none)");
    CHECK(first_problem("none(relations, until == null or until >= as_of - years(3))", assessor) == "(none)");
    CHECK(first_problem("direct and date >= as_of - years(3) and supervisor_attested", evidence) == "(none)");
    CHECK(first_problem("trained", evidence) == "unknown name 'trained' here");
    CHECK(first_problem("level.panel_size > 1", scope{false, false, item_scope::none}) == "unknown name 'level.panel_size' here");
    CHECK(first_problem("level.no_such_param > 1") == "level parameter 'no_such_param' is not defined on every level");
}

TEST_CASE("type errors are reported with their offset in the expression") {
    const scope evidence{true, true, item_scope::evidence};
    auto c = compile("date >= 5", evidence);
    REQUIRE(c.problems.size() == 1);
    CHECK(c.problems[0].message == "cannot compare date with number");
    CHECK(c.problems[0].offset == 5);
    CHECK(first_problem("direct + 1", evidence) == "'+' cannot combine bool and number");
    CHECK(first_problem("years('3')") == "years() takes one number");
    CHECK(first_problem("level.panel_size", scope{true, true, item_scope::none}) ==
          "expected a bool expression, but this is number");
    CHECK(first_problem("1 +", scope{true, true, item_scope::none}, value_type::number) ==
          "syntax error: unexpected end of expression");
    CHECK(first_problem("'abc", scope{true, true, item_scope::none}) == "syntax error: unexpected unterminated string");
}

TEST_CASE("string literals next to interned ids become ids, so misspellings fail at load time") {
    const scope evidence{true, true, item_scope::evidence};
    CHECK(first_problem("type == 'work_sample'", evidence) == "(none)");
    CHECK(first_problem("type == 'worksample'", evidence) == "unknown evidence type 'worksample'");
    CHECK(first_problem("'C1.1' in covers", evidence) == "(none)");
    CHECK(first_problem("'C9.1' in covers", evidence) == "unknown criterion 'C9.1'");
    CHECK(first_problem("level >= 'M3'") == "level 'M3' is outside the qualification's levels");
    CHECK(first_problem("'safety_criticl' in competence.tags") == "unknown tag 'safety_criticl'");
}

TEST_CASE("levels compare by order; tags, arithmetic and choice evaluate") {
    CHECK(run("level >= 'M2'", 1, 0).boolean);
    CHECK_FALSE(run("level >= 'M2'", 0, 0).boolean);
    CHECK(run("level.panel_size * 2 + 1", 1, 0).number == 7);
    CHECK(run("'safety_critical' in competence.tags", 0, 3).boolean);
    CHECK_FALSE(run("'safety_critical' in competence.tags", 0, 2).boolean);
    CHECK(run("max(level.criterion_min, 'safety_critical' in competence.tags ? 3 : 0)", 0, 3).number == 3);
    CHECK(run("count(competence.tags, it == 'safety_critical')", 0, 3).number == 1);
    CHECK(run("abs(-2.5)", 0, 0).number == 2.5);
}

TEST_CASE("null: equality is exact, ordering and arithmetic give null, and/or follow Kleene") {
    CHECK(run("null == null", 0, 0).boolean);
    CHECK_FALSE(run("1 == null", 0, 0).boolean);
    CHECK(run("(1 / 0) == null", 0, 0).boolean);
    CHECK(run("((1 / 0) > 1)", 0, 0).is_null());
    CHECK(run("((1 / 0) > 1) or true", 0, 0).boolean);
    CHECK_FALSE(run("((1 / 0) > 1) and false", 0, 0).boolean);
    CHECK(run("((1 / 0) > 1) and true", 0, 0).is_null());
    CHECK(run("not ((1 / 0) > 1)", 0, 0).is_null());
}

TEST_CASE("dates and durations: literals, calendar years between, windows, duration sums") {
    CHECK(run("date('2024-02-29') + years(1) == date('2025-02-28')", 0, 0).boolean);
    CHECK(run("date('2024-01-31') + months(1) == date('2024-02-29')", 0, 0).boolean);
    CHECK(run("date('2024-03-01') - date('2024-02-28')", 0, 0).number == 2);
    CHECK(run("years_between(date('2016-06-30'), date('2026-06-29'))", 0, 0).number == 9);
    CHECK(run("years_between(date('2016-06-30'), date('2026-06-30'))", 0, 0).number == 10);
    CHECK(run("years_between(date('2026-06-30'), date('2016-06-30'))", 0, 0).number == -10);
    CHECK(run("date('2020-01-15') + (years(1) + months(1) + days(1)) == date('2021-02-16')", 0, 0).boolean);
    CHECK(first_problem("date('2023-02-29') > as_of") == "not a calendar date (YYYY-MM-DD)");
    CHECK(first_problem("within(date('2020-01-01'), 5)") == "within() takes a date and a duration, e.g. within(date, years(5))");
    CHECK(first_problem("within(date, years(5))", scope{true, true, item_scope::evidence}) == "(none)");
}

TEST_CASE("durations count years as 12 months and are clamped to a million years") {
    CHECK(run("years(1) == months(12)", 0, 0).boolean);
    CHECK(run("years(1) + months(6) == months(18)", 0, 0).boolean);
    CHECK_FALSE(run("months(1) == days(30)", 0, 0).boolean);
    CHECK(run("years(10000000000) == years(1000000)", 0, 0).boolean);
    CHECK(run("years(-10000000000) == years(-1000000)", 0, 0).boolean);
    CHECK_FALSE(run("years(999999) == years(1000000)", 0, 0).boolean);
    // Past the calendar (years 1400-9999) a date is left as it is, without overflow.
    CHECK(run("date('2020-01-01') + years(10000000000) == date('2020-01-01')", 0, 0).boolean);
    CHECK(run("date('2020-01-01') - years(10000000000) == date('2020-01-01')", 0, 0).boolean);
}

TEST_CASE("what an expression reads of its scope decides whether its results can be recalled") {
    // Conditions of an evidence item or assessor that read nothing else but the level are
    // evaluated once per record and item (program::recalled): scope_reads tells which.
    const scope evidence{true, true, item_scope::evidence}, assessor{true, true, item_scope::assessor};
    const auto reads = [](const std::string& text, scope where) {
        static const auto rules = mt::welder();
        expr_pool pool;
        std::vector<expr_diagnostic> problems;
        const auto node = compile_expression(text, rules.qualification(), where, value_type::boolean, pool, problems);
        REQUIRE_MESSAGE(problems.empty(), problems.front().message);
        return scope_reads(pool, node);
    };
    CHECK(reads("within(date, years(5)) and authentic", evidence) == reads_item);
    CHECK(reads("direct and within(date, years(3))", evidence) == reads_item);
    CHECK(reads("industry", assessor) == reads_expert);
    CHECK(reads("employer != candidate.employer", assessor) == reads_expert);
    CHECK(reads("trained and (held_level >= level or sector_years >= 10)", assessor) == (reads_expert | reads_level));
    CHECK(reads("none(relations, until == null or until >= as_of - years(3))", assessor) == reads_expert);
    CHECK(reads("'safety_critical' in competence.tags", evidence) == reads_competence);
    CHECK(reads("as_of > date('2020-01-01')", evidence) == 0U);
}

TEST_CASE("hostile expressions are bounded: deep nesting, long chains, stray bytes") {
    const scope none{true, true, item_scope::none};
    CHECK(first_problem(std::string(5000, '(') + "1" + std::string(5000, ')'), none, value_type::number)
              .find("nested deeper than") != std::string::npos);
    CHECK(first_problem(std::string(10000, '-') + "1", none, value_type::number).find("nested deeper than") != std::string::npos);
    std::string chain = "1";
    for (int i = 0; i < 300; ++i) chain += " + 1";
    CHECK(first_problem(chain, none, value_type::number).find("operators in a row") != std::string::npos);
    // Chains within chains: each is short, together they build a tree too deep to walk.
    std::string outer = "1";
    for (int level = 0; level < 3; ++level) {
        outer = "(" + outer + ")";
        for (int i = 0; i < 100; ++i) outer += "+1";
    }
    CHECK(first_problem(outer, none, value_type::number).find("deeper than 256") != std::string::npos);
    CHECK(first_problem("trained \xC3\xA9", scope{true, true, item_scope::assessor}) == "syntax error: unexpected '\xC3\xA9'");
}
