// Decision tables: S-FEEL entries, every DMN hit policy, and golden diagnostics of broken tables
// (tests/golden/tables; MASTERPRO_UPDATE_GOLDEN=1 rewrites the .expected files).
#include "test_support.hpp"

#include "decision_table.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace mt = masterpro::testing;
namespace fs = std::filesystem;
using namespace masterpro::detail;

namespace {

rapidjson::Document parse_json(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    REQUIRE_MESSAGE(!d.HasParseError(), "bad JSON in the test: " << text);
    return d;
}

/// The table of `json`, which must load without problems.
decision_table load(const std::string& json) {
    const auto d = parse_json(json);
    std::vector<table_problem> problems;
    auto t = parse_decision_table(d, problems);
    for (const auto& p : problems) MESSAGE(p.message);
    REQUIRE(t.has_value());
    REQUIRE(problems.empty());
    return std::move(*t);
}

/// The messages of the problems of `json`, in order.
std::vector<std::string> problems_of(const std::string& json) {
    const auto d = parse_json(json);
    std::vector<table_problem> problems;
    const auto t = parse_decision_table(d, problems);
    CHECK(t.has_value() == problems.empty());
    std::vector<std::string> messages;
    for (const auto& p : problems) messages.push_back(p.message);
    return messages;
}

value N(double d) { return value::of_number(d); }
value S(const char* s) { return value::of_text(s, std::char_traits<char>::length(s)); }
value B(bool b) { return value::of_bool(b); }

/// A value as compact text: 3, 'a', true, null, [1, 'a'].
std::string show(const value& v) {
    switch (v.type) {
    case value_type::null_t: return "null";
    case value_type::boolean: return v.boolean ? "true" : "false";
    case value_type::number: {
        char buffer[32];
        return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, v.number).ptr);
    }
    case value_type::string: return "'" + std::string(v.text()) + "'";
    case value_type::array: {
        std::string s = "[";
        for (std::uint32_t i = 0; i < v.size; ++i) s += (i ? ", " : "") + show(v.elements[i]);
        return s + "]";
    }
    default: return "?";
    }
}

std::string run(const decision_table& t, std::vector<value> inputs) {
    static scratch arena;
    REQUIRE(inputs.size() == t.inputs.size());
    return show(apply_table(t, inputs.data(), arena));
}

/// Whether `text` parses for an input of `type` and matches `v`.
bool entry_matches(const std::string& text, table_type type, const value& v,
                   std::vector<std::string> domain = {}) {
    std::string problem;
    const auto e = parse_table_entry(text, table_input{"x", type, std::move(domain)}, problem);
    REQUIRE_MESSAGE(e.has_value(), text << ": " << problem);
    return e->matches(v, type);
}

std::string entry_problem(const std::string& text, table_type type,
                          std::vector<std::string> domain = {}) {
    std::string problem;
    const auto e = parse_table_entry(text, table_input{"x", type, std::move(domain)}, problem);
    return e ? std::string("(none)") : problem;
}

/// RFC 6901 pointer of `target` inside `v` (found by address), or nullopt.
std::optional<std::string> pointer_to(const rapidjson::Value& v, const rapidjson::Value* target) {
    if (&v == target) return std::string();
    auto escaped = [](std::string token) {
        for (std::size_t i = 0; i < token.size(); ++i)
            if (token[i] == '~' || token[i] == '/') {
                token.replace(i, 1, token[i] == '~' ? "~0" : "~1");
                ++i;
            }
        return token;
    };
    if (v.IsArray())
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
            if (auto p = pointer_to(v[i], target)) return "/" + std::to_string(i) + *p;
    if (v.IsObject())
        for (const auto& m : v.GetObject())
            if (auto p = pointer_to(m.value, target))
                return "/" + escaped(std::string(m.name.GetString(), m.name.GetStringLength())) +
                       *p;
    return std::nullopt;
}

const char* score_band = R"J({
  "id": "score_band", "hit_policy": "unique",
  "inputs": [{"name": "mean", "type": "number"},
             {"name": "level", "type": "string", "values": ["M1", "M2"]}],
  "output": {"name": "band", "type": "string", "priority": ["distinction", "merit", "pass", "none"]},
  "rules": [{"when": ["[3.5..4]", "-"], "then": "distinction"},
            {"when": ["[2.5..3.5)", "'M1','M2'"], "then": "merit"},
            {"when": ["[2..2.5)", "'M1'"], "then": "pass"}],
  "default": "none"})J";

} // namespace

TEST_CASE("decision table entries: every S-FEEL unary test") {
    using T = table_type;
    CHECK(entry_matches("-", T::number, N(-1e9)));
    CHECK(entry_matches("-", T::number, value::null()));
    CHECK(entry_matches(" - ", T::string, S("anything")));
    // comparisons
    CHECK(entry_matches("< 3", T::number, N(2.99)));
    CHECK_FALSE(entry_matches("< 3", T::number, N(3)));
    CHECK(entry_matches("<= 3", T::number, N(3)));
    CHECK(entry_matches(">3", T::number, N(3.5)));
    CHECK_FALSE(entry_matches("> 3", T::number, N(3)));
    CHECK(entry_matches(">= -1.5", T::number, N(-1.5)));
    CHECK(entry_matches("= 3", T::number, N(3)));
    CHECK(entry_matches("3", T::number, N(3)));
    CHECK_FALSE(entry_matches("3", T::number, N(3.1)));
    CHECK(entry_matches("1e2", T::number, N(100)));
    CHECK(entry_matches(".5", T::number, N(0.5)));
    CHECK(entry_matches("-.5", T::number, N(-0.5)));
    // ranges, closed and open at either end
    CHECK(entry_matches("[1..3]", T::number, N(1)));
    CHECK(entry_matches("[1..3]", T::number, N(3)));
    CHECK_FALSE(entry_matches("[1..3)", T::number, N(3)));
    CHECK_FALSE(entry_matches("(1..3]", T::number, N(1)));
    CHECK(entry_matches("(1..3)", T::number, N(2)));
    CHECK_FALSE(entry_matches("]1..3[", T::number, N(1)));
    CHECK_FALSE(entry_matches("]1..3[", T::number, N(3)));
    CHECK(entry_matches("[ -2 .. -1 ]", T::number, N(-1.5)));
    // strings in either quotes, with escapes; booleans
    CHECK(entry_matches("'M1'", T::string, S("M1")));
    CHECK(entry_matches("\"M1\"", T::string, S("M1")));
    CHECK(entry_matches("= 'M1'", T::string, S("M1")));
    CHECK(entry_matches("'it\\'s'", T::string, S("it's")));
    CHECK_FALSE(entry_matches("'M1'", T::string, S("m1")));
    CHECK(entry_matches("true", T::boolean, B(true)));
    CHECK_FALSE(entry_matches("false", T::boolean, B(true)));
    // lists (any of) and not(...)
    CHECK(entry_matches("'a','b'", T::string, S("b")));
    CHECK_FALSE(entry_matches("'a', 'b'", T::string, S("c")));
    CHECK(entry_matches("1, 2, [5..7]", T::number, N(6)));
    CHECK_FALSE(entry_matches("1, 2, [5..7]", T::number, N(3)));
    CHECK(entry_matches("not('a', 'b')", T::string, S("c")));
    CHECK_FALSE(entry_matches("not('a', 'b')", T::string, S("a")));
    CHECK(entry_matches("not(< 3)", T::number, N(3)));
    CHECK_FALSE(entry_matches("not(-)", T::number, N(3)));
    CHECK(entry_matches("not(true)", T::boolean, B(false)));
    // null, NaN and values of another type match only "-"
    CHECK_FALSE(entry_matches("not(1)", T::number, value::null()));
    CHECK_FALSE(entry_matches("not(1)", T::number, N(std::nan(""))));
    CHECK_FALSE(entry_matches("not('a')", T::string, N(1)));
    CHECK(entry_matches("-", T::boolean, S("x")));
}

TEST_CASE("decision table entries: malformed and mistyped ones say why") {
    using T = table_type;
    CHECK(entry_problem("", T::number) ==
          "an empty entry matches nothing: write \"-\" for any value");
    CHECK(entry_problem("[1..3", T::number) ==
          "malformed entry \"[1..3\": expected ']' or ')' to close the range");
    CHECK(entry_problem("[1,3]", T::number) ==
          "malformed entry \"[1,3]\": expected '..' between the bounds of the range");
    CHECK(entry_problem("< ", T::number) == "malformed entry \"< \": expected a number after '<'");
    CHECK(entry_problem("1,", T::number) == "malformed entry \"1,\": a test is missing");
    CHECK(entry_problem("1 2", T::number) == "malformed entry \"1 2\": unexpected '2'");
    CHECK(entry_problem("'abc", T::string) == "malformed entry \"'abc\": unterminated string");
    CHECK(entry_problem("not(1", T::number) ==
          "malformed entry \"not(1\": expected ')' to close not(");
    CHECK(
        entry_problem("not(not(1))", T::number) ==
        "malformed entry \"not(not(1))\": not(...) must be the whole entry, and cannot be nested");
    CHECK(entry_problem("M1", T::string) ==
          "malformed entry \"M1\": write strings in quotes, as in 'M1'");
    CHECK(entry_problem("null", T::number) ==
          "malformed entry \"null\": null is not a test: a null input matches only \"-\"");
    CHECK(entry_problem("inf", T::number) == "malformed entry \"inf\": unknown test 'inf'");
    CHECK(entry_problem("'M1'", T::number) == "input x is a number, but 'M1' is a string");
    CHECK(entry_problem("3", T::string) == "input x is a string, but 3 is a number");
    CHECK(entry_problem("true", T::number) == "input x is a number, but true is a boolean");
    CHECK(entry_problem("< 3", T::boolean) == "input x is a boolean, but '<' compares numbers");
    CHECK(entry_problem("[1..2]", T::string) == "input x is a string, but a range needs numbers");
    CHECK(entry_problem("'M3'", T::string, {"M1", "M2"}) ==
          "'M3' is not a value of input x ('M1', 'M2')");
    CHECK(entry_problem("[3..2]", T::number) == "(none)"); // parses; the table reports it as empty
}

TEST_CASE("decision tables: unique and any") {
    auto t = load(score_band);
    CHECK(t.id == "score_band");
    CHECK(run(t, {N(3.7), S("M2")}) == "'distinction'");
    CHECK(run(t, {N(3.5), S("M1")}) == "'distinction'");
    CHECK(run(t, {N(3), S("M2")}) == "'merit'");
    CHECK(run(t, {N(2.2), S("M1")}) == "'pass'");
    CHECK(run(t, {N(2.2), S("M2")}) == "'none'"); // the default
    CHECK(run(t, {value::null(), S("M1")}) == "'none'");
    CHECK(run(t, {N(3.9), value::null()}) == "'distinction'"); // "-" matches null
    CHECK(run(t, {N(3), S("M3")}) == "'none'");                // outside the closed domain
    CHECK_FALSE(t.returns_list());
    CHECK_FALSE(t.returns_number());
    CHECK(t.result_type().base == value_type::string);
    CHECK(t.result_type().nullable);
    CHECK(t.input_index("level") == 1);
    CHECK(t.input_index("nope") == -1);
    CHECK(t.note.empty());

    // A unique table that overlaps at run time (the load-time check skipped or bypassed): null.
    t.rows[1].when[0] = t.rows[0].when[0];
    CHECK(run(t, {N(3.7), S("M1")}) == "null");
    CHECK(run(t, {N(3.7), S("M3")}) == "'distinction'");

    auto a = load(R"J({"id": "a", "hit_policy": "any",
        "inputs": [{"name": "x", "type": "number"}],
        "output": {"name": "y", "type": "boolean"},
        "rules": [{"when": ["< 5"], "then": true}, {"when": ["[3..10]"], "then": true},
                  {"when": ["> 10"], "then": false}]})J");
    CHECK(run(a, {N(4)}) == "true");
    CHECK(run(a, {N(11)}) == "false");
    CHECK(run(a, {value::null()}) == "null");
    a.rows[1].then = B(false); // differing outputs at run time: the policy is violated
    CHECK(run(a, {N(4)}) == "null");
    CHECK(run(a, {N(6)}) == "false");
}

TEST_CASE("decision tables: priority and first") {
    const auto p = load(R"J({"id": "p", "hit_policy": "priority",
        "inputs": [{"name": "years", "type": "number"}, {"name": "trained", "type": "boolean"}],
        "output": {"name": "role", "type": "string", "priority": ["lead", "senior", "member"]},
        "rules": [{"when": ["-", "false"], "then": "member"},
                  {"when": [">= 5", "-"], "then": "senior"},
                  {"when": [">= 10", "true"], "then": "lead"},
                  {"when": ["< 5", "true"], "then": "member"}]})J");
    CHECK(run(p, {N(12), B(true)}) == "'lead'");
    CHECK(run(p, {N(12), B(false)}) == "'senior'");
    CHECK(run(p, {N(2), B(false)}) == "'member'");
    CHECK(run(p, {N(2), B(true)}) == "'member'");
    CHECK(run(p, {value::null(), B(true)}) == "null");

    const auto f = load(R"J({"id": "f", "hit_policy": "first",
        "inputs": [{"name": "score", "type": "number"}],
        "output": {"name": "grade", "type": "number"},
        "rules": [{"when": [">= 90"], "then": 4}, {"when": [">= 75"], "then": 3},
                  {"when": [">= 50"], "then": 2}, {"when": ["-"], "then": null}]})J");
    CHECK(run(f, {N(95)}) == "4");
    CHECK(run(f, {N(80)}) == "3");
    CHECK(run(f, {N(50)}) == "2");
    CHECK(run(f, {N(10)}) == "null");
    CHECK(run(f, {S("95")}) == "null"); // a string is not a number: only "-" matches it
    CHECK(f.returns_number());
    CHECK(f.result_type().base == value_type::number);
    CHECK_FALSE(f.result_type().list);
}

TEST_CASE("decision tables: rule order, output order and collect return lists") {
    const std::string rows = R"J(
        "inputs": [{"name": "tag", "type": "string"}],
        "rules": [{"when": ["'x', 'y'"], "then": "c"}, {"when": ["'x'"], "then": "a"},
                  {"when": ["-"], "then": "b"}, {"when": ["'y'"], "then": "a"}])J";
    const auto r = load(R"J({"id": "r", "hit_policy": "rule_order",
        "output": {"name": "o", "type": "string"},)J" +
                        rows + "}");
    CHECK(run(r, {S("x")}) == "['c', 'a', 'b']");
    CHECK(run(r, {S("z")}) == "['b']");
    CHECK(run(r, {value::null()}) == "['b']");
    CHECK(r.returns_list());
    CHECK(r.result_type().list);
    CHECK(r.result_type().base == value_type::string);

    const auto o = load(R"J({"id": "o", "hit_policy": "output_order",
        "output": {"name": "o", "type": "string", "priority": ["a", "b", "c"]},)J" +
                        rows + "}");
    CHECK(run(o, {S("x")}) == "['a', 'b', 'c']");
    CHECK(run(o, {S("y")}) == "['a', 'b', 'c']");

    const auto c = load(R"J({"id": "c", "hit_policy": "collect",
        "inputs": [{"name": "n", "type": "number"}],
        "output": {"name": "o", "type": "number"},
        "rules": [{"when": ["< 0"], "then": -1}, {"when": ["[0..10]"], "then": 1},
                  {"when": ["[5..20]"], "then": 2}],
        "default": 0})J");
    CHECK(run(c, {N(7)}) == "[1, 2]");
    CHECK(run(c, {N(-3)}) == "[-1]");
    CHECK(run(c, {N(99)}) == "[0]"); // the default, as a one-element list
    CHECK_FALSE(c.returns_number()); // a list of numbers
    const auto empty = load(R"J({"id": "c", "hit_policy": "collect",
        "inputs": [{"name": "n", "type": "number"}], "output": {"name": "o", "type": "number"},
        "rules": [{"when": ["-"], "then": 1}]})J");
    CHECK(run(empty, {N(1)}) == "[1]");
}

TEST_CASE("decision tables: collect with sum, min, max and count") {
    auto table = [](const char* policy, const char* extra = "") {
        return load(std::string(R"J({"id": "t", "hit_policy": ")J") + policy + R"J(",
            "inputs": [{"name": "n", "type": "number"}, {"name": "b", "type": "boolean"}],
            "output": {"name": "o", "type": "number"},
            "rules": [{"when": [">= 1", "-"], "then": 10}, {"when": [">= 2", "true"], "then": 5},
                      {"when": [">= 3", "-"], "then": null}, {"when": [">= 4", "-"], "then": -2}])J" +
                    extra + "}");
    };
    const auto sum = table("collect_sum", R"(, "default": null)"); // null: gaps intended
    CHECK(run(sum, {N(2), B(true)}) == "15");
    CHECK(run(sum, {N(5), B(true)}) == "13");   // the null output is skipped
    CHECK(run(sum, {N(0), B(true)}) == "null"); // no hits
    auto no_default = sum;
    no_default.has_default = false;
    CHECK(run(no_default, {N(0), B(true)}) == "null"); // no hits: null, as DMN's sum of []
    CHECK(sum.returns_number());
    const auto min = table("collect_min", R"(, "default": null)");
    CHECK(run(min, {N(5), B(false)}) == "-2");
    CHECK(run(min, {N(2), B(true)}) == "5");
    CHECK(run(min, {N(0), B(false)}) == "null");
    const auto max = table("collect_max", R"J(, "default": 0)J");
    CHECK(run(max, {N(5), B(true)}) == "10");
    CHECK(run(max, {N(0), B(true)}) == "0"); // the default
    const auto count = table("collect_count");
    CHECK(run(count, {N(5), B(true)}) == "4"); // rows, null outputs included
    CHECK(run(count, {N(1), B(false)}) == "1");
    CHECK(run(count, {N(0), B(false)}) == "0"); // never null
    CHECK_FALSE(count.result_type().nullable);
    CHECK(count.result_type().base == value_type::number);

    // An only-null hit leaves nothing to aggregate.
    const auto only_null = load(R"J({"id": "t", "hit_policy": "collect_sum",
        "inputs": [{"name": "n", "type": "number"}], "output": {"name": "o", "type": "number"},
        "rules": [{"when": ["-"], "then": null}]})J");
    CHECK(run(only_null, {N(1)}) == "null");
    // collect_count counts outputs of any type.
    const auto strings = load(R"J({"id": "t", "hit_policy": "collect_count",
        "inputs": [{"name": "n", "type": "number"}], "output": {"name": "o", "type": "string"},
        "rules": [{"when": ["< 3"], "then": "a"}, {"when": ["< 5"], "then": "b"}]})J");
    CHECK(run(strings, {N(1)}) == "2");
    CHECK(strings.returns_number());
}

TEST_CASE("decision tables: a copy keeps its output strings alive") {
    std::optional<decision_table> copy;
    {
        const auto t = load(score_band);
        copy = t;
    }
    CHECK(run(*copy, {N(3), S("M1")}) == "'merit'");
    CHECK(copy->output.priority.size() == 4);
    CHECK(show(copy->output.priority[1]) == "'merit'");
}

TEST_CASE("decision tables: checks are skipped, with a note, beyond the cell budget") {
    // 3 inputs with 60 distinct points each: 121^3 cells, far more than the budget.
    std::string rules;
    for (int i = 0; i < 60; ++i) {
        const std::string v = "\"" + std::to_string(i) + "\"";
        rules += std::string(i ? "," : "") + R"J({"when": [)J" + v + "," + v + "," + v +
                 R"J(], "then": 1})J";
    }
    const auto t = load(R"J({"id": "big", "hit_policy": "unique",
        "inputs": [{"name": "a", "type": "number"}, {"name": "b", "type": "number"}, {"name": "c", "type": "number"}],
        "output": {"name": "o", "type": "number"}, "rules": [)J" +
                        rules + "]}");
    CHECK(t.note ==
          "overlap, gap and unreachable-row checks skipped: more than 200000 input combinations");
    CHECK(run(t, {N(7), N(7), N(7)}) == "1");
    CHECK(run(t, {N(7), N(8), N(7)}) == "null");
}

TEST_CASE("decision tables: problems are all reported at once") {
    const auto messages = problems_of(R"J({"id": "", "hit_policy": "U", "extra": 1,
        "inputs": [{"name": "x", "type": "int"}],
        "output": {"name": "o"},
        "rules": [{"when": ["-"]}, {"then": 1}, 3]})J");
    const std::vector<std::string> expected{
        "unknown key 'extra' in a decision table (id, title, hit_policy, inputs, output, rules or "
        "default expected)",
        "\"id\" of a decision table must be a non-empty string",
        "unknown hit policy 'U': use unique, any, priority, first, rule_order, output_order, "
        "collect, collect_sum, collect_min, collect_max or collect_count",
        "unknown type 'int' of input x: use number, string or boolean",
        "the output needs \"type\" (a string)",
        "row 1 needs \"then\": the output value",
        "row 2 needs \"when\": one entry per input",
        "row 3 must be an object with \"when\" and \"then\""};
    CHECK(messages == expected);
    CHECK(problems_of("[]") ==
          std::vector<std::string>{"a decision table is an object with \"id\", \"hit_policy\", "
                                   "\"inputs\", \"output\" and \"rules\""});
}

TEST_CASE("decision tables: the load-time checks agree with evaluation on random tables") {
    // Random unique and first tables over a small vocabulary; the samples hit every elementary
    // piece, so a reported overlap, gap or unreachable row must show in evaluation, and only then.
    const std::vector<std::string> numbers{"-",      "< 1",         "<= 2",   "> 2", ">= 1",
                                           "[1..2]", "(0..3)",      "[0..1)", "2",   "1, 3",
                                           "not(2)", "not([1..2])", "-"};
    const std::vector<std::string> strings{"-", "'a'", "'b'", "'a','b'", "not('a')", "-"};
    const std::vector<value> number_samples{N(-1), N(0),   N(0.5), N(1), N(1.5),
                                            N(2),  N(2.5), N(3),   N(4)};
    const std::vector<value> string_samples{S("a"), S("b"), S("zzz")};
    const table_input x{"x", table_type::number, {}}, k{"k", table_type::string, {}};
    std::uint32_t seed = 12345;
    auto pick = [&](std::size_t n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 16) % n;
    };
    int loaded = 0, overlaps = 0, gaps = 0, unreachable = 0;
    for (int round = 0; round < 400; ++round) {
        const bool first = round % 2 == 1;
        const std::size_t count = 1 + pick(4);
        std::vector<std::pair<table_entry, table_entry>> rows;
        std::string json = std::string(R"({"id": "r", "hit_policy": ")") +
                           (first ? "first" : "unique") +
                           R"(", "inputs": [{"name": "x", "type": "number"},
            {"name": "k", "type": "string"}], "output": {"name": "o", "type": "number"}, "rules": [)";
        for (std::size_t r = 0; r < count; ++r) {
            const auto& a = numbers[pick(numbers.size())];
            const auto& b = strings[pick(strings.size())];
            std::string problem;
            rows.emplace_back(*parse_table_entry(a, x, problem), *parse_table_entry(b, k, problem));
            json += (r ? "," : "") + std::string(R"({"when": [")") + a + "\", \"" + b +
                    "\"], \"then\": " + std::to_string(r) + "}";
        }
        json += "]}";
        CAPTURE(json);
        bool any_overlap = false, any_gap = false;
        std::vector<bool> fires(count, false);
        for (const auto& xv : number_samples)
            for (const auto& kv : string_samples) {
                std::vector<std::size_t> hits;
                for (std::size_t r = 0; r < count; ++r)
                    if (rows[r].first.matches(xv, table_type::number) &&
                        rows[r].second.matches(kv, table_type::string))
                        hits.push_back(r);
                any_overlap = any_overlap || hits.size() > 1;
                any_gap = any_gap || hits.empty();
                if (!hits.empty()) fires[hits[0]] = true;
            }
        const auto messages = problems_of(json);
        auto reported = [&](const std::string& needle) {
            return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) {
                return m.find(needle) != std::string::npos;
            });
        };
        CHECK(reported("no row covers") == any_gap);
        if (!first) CHECK(reported(" overlap") == any_overlap);
        for (std::size_t r = 0; first && r < count; ++r)
            CHECK(reported("row " + std::to_string(r + 1) + " never fires") == !fires[r]);
        loaded += messages.empty();
        overlaps += !first && any_overlap;
        gaps += any_gap;
        unreachable += static_cast<int>(std::count(fires.begin(), fires.end(), false));
    }
    // the vocabulary gives every outcome often enough to mean something
    MESSAGE("random tables: " << loaded << " clean, " << overlaps << " overlapping, " << gaps
                              << " with gaps, " << unreachable << " unreachable rows");
    CHECK(loaded > 5);
    CHECK(overlaps > 20);
    CHECK(gaps > 20);
    CHECK(unreachable > 20);
}

TEST_CASE("golden diagnostics of broken decision tables") {
    const fs::path dir = mt::source_dir() / "tests" / "golden" / "tables";
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 4);
    const bool update = std::getenv("MASTERPRO_UPDATE_GOLDEN") != nullptr;
    for (const auto& file : files) {
        const std::string name = "tests/golden/tables/" + file.filename().string();
        CAPTURE(name);
        const auto document = parse_json(mt::read_text(file));
        REQUIRE(document.IsArray());
        std::string got;
        for (const auto& table : document.GetArray()) {
            std::vector<table_problem> problems;
            const auto t = parse_decision_table(table, problems);
            CHECK(t.has_value() == problems.empty());
            for (const auto& p : problems) {
                const auto pointer = pointer_to(document, p.at);
                REQUIRE_MESSAGE(pointer.has_value(),
                                "a problem outside the document: " << p.message);
                got += name + ":" + *pointer + ": " + p.message + "\n";
            }
        }
        fs::path expected = file;
        expected.replace_extension(".expected");
        if (update) {
            std::ofstream(expected, std::ios::binary) << got;
            continue;
        }
        CHECK(got == mt::read_text(expected));
    }
}
