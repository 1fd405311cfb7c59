// Every example in docs/rule-language.md runs: the qualification decides its candidate as
// shown, expressions and JsonLogic give the results shown, the broken file its diagnostics.
#include "test_support.hpp"

#include "evaluate.hpp"
#include "expression.hpp"
#include "masterpro/jsonlogic.hpp"
#include "program.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

namespace mt = masterpro::testing;
using namespace masterpro::detail;

namespace {

/// Fenced blocks of a Markdown file by their info string ("json candidate", "expression", ...).
std::multimap<std::string, std::string> fenced_blocks(const std::string& markdown) {
    std::multimap<std::string, std::string> blocks;
    std::istringstream in(markdown);
    std::string line, info, body;
    bool inside = false;
    while (std::getline(in, line)) {
        if (line.rfind("```", 0) == 0) {
            if (inside) blocks.emplace(info, body);
            else info = line.substr(3), body.clear();
            inside = !inside;
        } else if (inside) {
            body += line + "\n";
        }
    }
    return blocks;
}

std::string block(const std::multimap<std::string, std::string>& blocks, const std::string& info) {
    REQUIRE_MESSAGE(blocks.count(info) == 1, "one ```" << info << " block");
    return blocks.find(info)->second;
}

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
    return s;
}

std::string value_json(const value& v) {
    switch (v.type) {
    case value_type::null_t: return "null";
    case value_type::boolean: return v.boolean ? "true" : "false";
    case value_type::number: {
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        if (v.number == static_cast<double>(static_cast<long long>(v.number))) w.Int64(static_cast<long long>(v.number));
        else w.Double(v.number);
        return b.GetString();
    }
    case value_type::date: return "\"" + masterpro::to_string(masterpro::date{v.integer}) + "\"";
    case value_type::string: return "\"" + std::string(v.text()) + "\"";
    default: return "(" + std::string(to_string(v.type)) + ")";
    }
}

const auto blocks = [] { return fenced_blocks(mt::read_text(mt::source_dir() / "docs" / "rule-language.md")); };

} // namespace

TEST_CASE("docs: the example qualification decides the example candidate as shown") {
    const auto b = blocks();
    auto rules = masterpro::rule_set::from_json(block(b, "json qualification"), "docs-example.json");
    if (!rules)
        for (const auto& e : rules.error()) MESSAGE(masterpro::format_diagnostic(e));
    REQUIRE(rules.has_value());
    std::string candidate = block(b, "json candidate");
    auto decided = rules->evaluate_json(candidate);
    REQUIRE(decided.has_value());
    rapidjson::Document got, want;
    got.Parse(masterpro::to_json(*decided).c_str());
    want.Parse(block(b, "json decision").c_str());
    REQUIRE_FALSE(want.HasParseError());
    for (const auto& m : want.GetObject()) {
        CAPTURE(m.name.GetString());
        CHECK(got[m.name.GetString()] == m.value);
    }
}

/// Checks each `expression ⇒ result` line of a block at one level and competence of `rules`.
int check_expressions(const masterpro::rule_set& rules, const std::string& block_text, std::int32_t level,
                      std::int32_t competence) {
    program p;
    p.descriptor = rules.qualification();
    p.exprs.tables = rules.program()->exprs.tables;
    std::istringstream lines(block_text);
    int checked = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto arrow = line.find("⇒");
        if (arrow == std::string::npos) continue;
        const std::string text = trim(line.substr(0, arrow)), expected = trim(line.substr(arrow + std::string("⇒").size()));
        CAPTURE(text);
        std::vector<expr_diagnostic> problems;
        const auto node = compile_expression(text, p.descriptor, scope{true, true, item_scope::none},
                                             value_type::null_t, p.exprs, problems);
        REQUIRE_MESSAGE(problems.empty(), problems.front().message);
        REQUIRE(is_candidate_independent(p.exprs, node));
        CHECK(value_json(evaluate_constant(p, node, level, competence)) == expected);
        ++checked;
    }
    return checked;
}

TEST_CASE("docs: expressions give the results shown") {
    CHECK(check_expressions(mt::welder(), block(blocks(), "expression"), 0, 3) >= 10);
}

TEST_CASE("docs: decision table calls give the results shown") {
    const auto b = blocks();
    auto rules = masterpro::rule_set::from_json(block(b, "json qualification"), "docs-example.json");
    if (!rules)
        for (const auto& e : rules.error()) MESSAGE(masterpro::format_diagnostic(e));
    REQUIRE(rules.has_value());
    CHECK(check_expressions(*rules, block(b, "expression docs-example"), 0, 1) == 3);
}

TEST_CASE("docs: JsonLogic examples give the results shown") {
    std::istringstream lines(block(blocks(), "jsonlogic"));
    int checked = 0;
    for (std::string line; std::getline(lines, line);) {
        if (trim(line).empty()) continue;
        rapidjson::Document example;
        example.Parse(line.c_str());
        REQUIRE(example.IsArray());
        rapidjson::StringBuffer rule, data;
        rapidjson::Writer<rapidjson::StringBuffer> rw(rule), dw(data);
        example[0].Accept(rw);
        example[1].Accept(dw);
        auto result = masterpro::apply_jsonlogic(rule.GetString(), data.GetString());
        REQUIRE(result.has_value());
        rapidjson::Document got;
        got.Parse(result->c_str());
        CHECK_MESSAGE(got == example[2], line << " gave " << *result);
        ++checked;
    }
    CHECK(checked >= 8);
}

TEST_CASE("docs: the broken qualification gives the diagnostics shown") {
    const auto b = blocks();
    auto rules = masterpro::rule_set::from_json(block(b, "json broken-qualification"), "example.json");
    REQUIRE_FALSE(rules.has_value());
    std::string got;
    for (const auto& e : rules.error()) got += masterpro::format_diagnostic(e) + "\n";
    CHECK(got == block(b, "text diagnostics"));
}
