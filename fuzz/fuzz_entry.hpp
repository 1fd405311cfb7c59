// The fuzzed entry points, shared by the libFuzzer targets and the regression test that replays
// every kept input: each takes raw bytes, must return normally, and reports broken invariants.
#pragma once

#include "evaluate.hpp"
#include "expression.hpp"
#include "json_source.hpp"
#include "jsonlogic_compiler.hpp"
#include "jsonlogic_export.hpp"
#include "program.hpp"

#include "masterpro/batch.hpp"
#include "masterpro/jsonlogic.hpp"
#include "masterpro/masterpro.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef MASTERPRO_SOURCE_DIR
#error "MASTERPRO_SOURCE_DIR must name the repository (rule files and examples are read from it)"
#endif

namespace masterpro::fuzz {

/// An invariant that an input broke; empty when all hold.
using finding = std::string;

inline std::string read_file(const std::string& relative) {
    std::ifstream in(std::string(MASTERPRO_SOURCE_DIR) + "/" + relative, std::ios::binary);
    if (!in) {
        std::cerr << "fuzz: cannot read " << relative << "\n";
        std::abort();
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline rule_set load_rules(const std::string& relative) {
    auto rules = rule_set::from_json(read_file(relative), relative);
    if (!rules) {
        std::cerr << "fuzz: " << relative << " does not compile\n";
        std::abort();
    }
    return *rules;
}

inline const rule_set& welder() {
    static const rule_set rules = load_rules("rules/qualifications/LT-AMK-WELD-001.json");
    return rules;
}

inline const rule_set& itsm() {
    static const rule_set rules = load_rules("rules/qualifications/LT-AMK-ITSM-001.json");
    return rules;
}

/// The bundled example records of both qualifications, evaluated against fuzzed rule files.
inline const std::vector<std::string>& example_records() {
    static const std::vector<std::string> records = [] {
        std::vector<std::string> all;
        for (const char* file : {"rules/examples/master-welder/candidates.jsonl",
                                 "rules/examples/itsm/candidates.jsonl"}) {
            std::istringstream in(read_file(file));
            for (std::string line; std::getline(in, line);)
                if (!line.empty())
                    all.push_back(line);
        }
        return all;
    }();
    return records;
}

/// The date used for records without `as_of`, so that most mutated records still get decided.
inline date fuzz_date() { return *make_date(2026, 6, 30); }

/// Whether `text` is one valid JSON value in valid UTF-8 (every line masterpro writes must be).
inline bool is_json(const std::string& text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                    text.size());
    return !d.HasParseError();
}

/// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
inline bool is_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80         ? 0
                        : (c >> 5) == 6  ? 1
                        : (c >> 4) == 14 ? 2
                        : (c >> 3) == 30 ? 3
                                         : 9;
        if (n == 9 || i + n >= s.size())
            return false;
        std::uint32_t cp = n == 0 ? c : c & (0x3F >> n);
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static const std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
        if (cp < smallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/// Renders a decision every way there is; the JSON must be valid.
inline finding render_decision(const rule_set& rules, const candidate& who) {
    auto decided = rules.evaluate(who, fuzz_date());
    if (!decided)
        return "evaluate refused a candidate that read_candidate accepted";
    decision_json_options all;
    all.explanation = true;
    const std::string json = to_json(*decided, all);
    if (!is_json(json))
        return "to_json(decision) is not valid JSON: " + json;
    if (explain(*decided).empty())
        return "explain() is empty";
    // Without the checks that pass: the same text.
    evaluation_options shown_only;
    shown_only.passing_checks = false;
    auto shown = rules.evaluate(who, fuzz_date(), shown_only);
    if (!shown)
        return "evaluate without the checks that pass refused a candidate decided with them";
    if (to_json(*shown, all) != json)
        return "the decision without the checks that pass renders differently: " + to_json(*shown, all) + " vs " + json;
    // Without the trace: the same outcome and statuses.
    evaluation_options statuses_only;
    statuses_only.trace = false;
    auto brief = rules.evaluate(who, fuzz_date(), statuses_only);
    if (!brief)
        return "evaluate without the trace refused a candidate decided with it";
    decision_json_options no_reasons;
    no_reasons.reasons = false;
    if (to_json(*brief, no_reasons) != to_json(*decided, no_reasons))
        return "the decision without the trace differs: " + to_json(*brief, no_reasons) + " vs " +
               to_json(*decided, no_reasons);
    return {};
}

inline finding render_error(const error& e) {
    const std::string json = to_json(e);
    if (!is_json(json))
        return "to_json(error) is not valid JSON: " + json;
    if (format_diagnostic(e).empty())
        return "format_diagnostic() is empty";
    return {};
}

/// (a) A rule file: load and compile it; when it compiles, decide the bundled examples with it.
inline finding rules_input(std::string_view data) {
    auto rules = rule_set::from_json(std::string(data), "fuzz.json");
    if (!rules) {
        if (rules.error().empty())
            return "a rule file was refused without a diagnostic";
        for (const auto& e : rules.error())
            if (auto f = render_error(e); !f.empty())
                return f;
        return {};
    }
    for (const auto& record : example_records()) {
        auto who = rules->read_candidate(record, fuzz_date());
        if (!who) {
            if (auto f = render_error(who.error()); !f.empty())
                return f;
            continue;
        }
        if (auto f = render_decision(*rules, *who); !f.empty())
            return f;
    }
    return {};
}

/// Evaluates a compiled expression that reads no candidate data for every level and competence
/// in scope, as the compiler does at load time.
inline void evaluate_constants(const detail::program& p, std::int32_t node,
                               const detail::scope& where) {
    if (!detail::is_candidate_independent(p.exprs, node))
        return;
    const auto levels = static_cast<std::int32_t>(p.descriptor.levels.size());
    const auto competences = static_cast<std::int32_t>(p.descriptor.competences.size());
    for (std::int32_t l = where.has_level ? 0 : -1; l < (where.has_level ? levels : 0); ++l)
        for (std::int32_t c = where.has_competence ? 0 : -1;
             c < (where.has_competence ? competences : 0); ++c)
            (void)detail::evaluate_constant(p, node, l, c);
}

/// Every problem must come with a message that is valid UTF-8 (when the input was) and an
/// offset inside the text.
inline finding check_problems(const std::vector<detail::expr_diagnostic>& problems,
                              std::string_view text) {
    if (problems.empty())
        return "an expression was refused without a diagnostic";
    // Expressions come from rule files, whose text is valid UTF-8: only then must the
    // diagnostics be too.
    const bool from_a_rule_file = is_utf8(text);
    for (const auto& d : problems) {
        if (d.offset > text.size())
            return "a diagnostic offset is past the end";
        error e;
        e.message = d.message;
        if (auto f = render_error(e); from_a_rule_file && !f.empty())
            return f;
    }
    return {};
}

/// (b) An expression against the Master Welder qualification. The first byte picks the scope
/// (bits 0-1: item scope, bit 2: level, bit 3: competence), the expected type (bits 4-6) and,
/// with bit 7, standalone JsonLogic (applied to a fixed data document); the rest is the
/// expression: infix text, and when it is JSON, also a JsonLogic rule. What compiles is
/// evaluated at load time where it reads no candidate data, and infix is previewed as JsonLogic.
inline finding expression_input(std::string_view data) {
    using namespace masterpro::detail;
    if (data.empty())
        return {};
    const auto selector = static_cast<unsigned char>(data.front());
    const std::string_view text = data.substr(1);
    if (selector & 0x80) {
        auto rule = jsonlogic_rule::compile(text, "fuzz.json");
        if (!rule) {
            for (const auto& e : rule.error())
                if (auto f = render_error(e); !f.empty())
                    return f;
            return {};
        }
        // The same rule read with the data entire (a computed `var` path turns the layout and
        // shared passes off) must give the same results, as must data loaded beforehand.
        const std::string wrapped = R"({"if":[{"var":{"cat":[""]}},)" + std::string(text) + "," + std::string(text) + "]}";
        auto entire = jsonlogic_rule::compile(wrapped, "fuzz.json");
        static const char* const data_documents[] = {
            R"({"a":1,"b":[1,2,"3",null],"c":{"d":"x","e":[{"f":true}]},"s":"abc","n":-0.5})",
            R"({"a":"C1","b":[{"a":"C1","b":3,"c":true},{"a":"C2","b":1},{"b":"3","a":["C1"]},{"a":1,"a":"x"}],"c":{"d":null}})",
            R"([{"a":2},[1,"C1"],"C1",0,{"0":"x"}])",
        };
        for (const char* data_json : data_documents) {
            auto applied = rule->apply(data_json);
            if (applied && !is_json(*applied))
                return "a JsonLogic result is not valid JSON: " + *applied;
            if (!applied) {
                if (auto f = render_error(applied.error()); !f.empty())
                    return f;
                continue;
            }
            auto loaded = rule->load(data_json);
            if (!loaded)
                return "data applied as text could not be loaded: " + loaded.error().message;
            auto from_loaded = rule->apply(*loaded);
            if (!from_loaded || *from_loaded != *applied)
                return "loaded data gave another result: " + from_loaded.value_or("(error)") + " vs " + *applied;
            if (entire) {
                auto reference = entire->apply(data_json);
                if (reference && *reference != *applied)
                    return "laid-out data gave another result than entire data: " + *applied + " vs " + *reference;
            }
        }
        return {};
    }
    static const item_scope items[] = {item_scope::none, item_scope::evidence, item_scope::assessor,
                                       item_scope::evidence_flags};
    static const value_type expected_types[] = {
        value_type::null_t, value_type::boolean,  value_type::number, value_type::date,
        value_type::string, value_type::duration, value_type::level,  value_type::boolean};
    const scope where{(selector & 4) != 0, (selector & 8) != 0, items[selector & 3]};
    const value_type expected = expected_types[(selector >> 4) & 7];

    static program p = [] {
        program fresh;
        fresh.descriptor = welder().qualification();
        return fresh;
    }();
    p.exprs = expr_pool{};
    std::vector<expr_diagnostic> problems;
    const std::int32_t node =
        compile_expression(text, p.descriptor, where, expected, p.exprs, problems);
    if (node < 0) {
        if (auto f = check_problems(problems, text); !f.empty())
            return f;
    } else {
        if (!problems.empty())
            return "an expression compiled with diagnostics";
        evaluate_constants(p, node, where);
        // A preview must be JSON and the compiler must take it back in the same scope (for text
        // a rule file can hold: valid UTF-8).
        auto preview = to_jsonlogic(p.exprs, node, p.descriptor);
        if (preview && is_utf8(text)) {
            auto doc = parse_json_source(*preview, "preview.json");
            if (!doc)
                return "a JsonLogic preview cannot be read back (" + doc.error().message +
                       "): " + *preview;
            std::vector<expr_diagnostic> back;
            if (compile_jsonlogic((*doc)->document, p.descriptor, where, expected, p.exprs, back) <
                0)
                return "the JsonLogic preview " + *preview +
                       " does not compile: " + back.front().message;
        }
    }

    // The same text as a JsonLogic rule in a rule file, when it is JSON.
    auto doc = parse_json_source(std::string(text), "fuzz.json");
    if (!doc)
        return {};
    p.exprs = expr_pool{};
    problems.clear();
    const std::int32_t logic =
        compile_jsonlogic((*doc)->document, p.descriptor, where, expected, p.exprs, problems);
    if (logic < 0) {
        if (problems.empty())
            return "a JsonLogic rule was refused without a diagnostic";
        for (const auto& d : problems) {
            error e;
            e.message = d.message;
            if (auto f = render_error(e); !f.empty())
                return f;
        }
        return {};
    }
    evaluate_constants(p, logic, where);
    return {};
}

/// The input as a batch of JSON lines: exactly one valid JSON line out per line in, and the
/// summary counts every line once.
inline finding batch_input(std::string_view data) {
    std::istringstream in{std::string(data)};
    std::ostringstream out;
    batch_options options;
    options.threads = 1;
    options.as_of = fuzz_date();
    options.json.reasons = false; // the decision was rendered in full already
    const batch_summary summary = evaluate_lines(welder(), in, out, options);
    const auto newlines = static_cast<std::size_t>(std::count(data.begin(), data.end(), '\n'));
    const std::size_t lines = newlines + (data.empty() || data.back() == '\n' ? 0 : 1);
    std::size_t counted = summary.errors;
    for (const auto& [outcome, n] : summary.outcomes)
        counted += n;
    if (summary.records != lines || counted != lines)
        return "the batch summary does not count every line once";
    std::istringstream written(out.str());
    std::size_t written_lines = 0;
    for (std::string line; std::getline(written, line); ++written_lines)
        if (!is_json(line))
            return "a batch output line is not valid JSON: " + line;
    if (written_lines != lines)
        return "the batch wrote " + std::to_string(written_lines) + " lines for " +
               std::to_string(lines);
    return {};
}

/// (c) A candidate record: load it and decide it against the Master Welder and the IT service
/// management rules, rendering every decision and error; then the same bytes as a batch.
/// The record with a first member holding a \uD escape, which sends it the RapidJSON way (the
/// way that checks surrogates and reports JSON errors with their place) instead of simdjson's;
/// nothing when the text does not start as an object.
inline std::optional<std::string> read_the_other_way(std::string_view data) {
    const std::size_t open = data.find_first_not_of(" \t\n\r");
    if (open == std::string_view::npos || data[open] != '{') return std::nullopt;
    const std::size_t next = data.find_first_not_of(" \t\n\r", open + 1);
    std::string text(data.substr(0, open + 1));
    text += R"("note\u0020":"\uD83D\uDE00")";
    if (next != std::string_view::npos && data[next] != '}') text += ',';
    text += data.substr(open + 1);
    return text;
}

/// A candidate read, as compared between the two ways: the decision, or the error (JSON syntax
/// errors only by category: their byte offsets differ).
inline std::string read_outcome(const rule_set& rules, const tl::expected<candidate, error>& who) {
    if (!who) {
        const error& e = who.error();
        if (e.category == error_category::json_syntax) return "json_syntax";
        return std::to_string(static_cast<int>(e.category)) + " " + e.message + " at " + e.where.pointer + " " + e.where.path;
    }
    auto decided = rules.evaluate(*who, fuzz_date());
    return decided ? to_json(*decided) : "evaluation error " + decided.error().message;
}

inline finding candidate_input(std::string_view data) {
    for (const rule_set* rules : {&welder(), &itsm()}) {
        auto who = rules->read_candidate(data, fuzz_date());
        // Compared when both parsers accept the text: they differ at the edges of JSON numbers
        // (RapidJSON refuses 0e309, whose value is 0), and there the reader has nothing to do.
        if (const auto other = read_the_other_way(data)) {
            const std::string here = read_outcome(*rules, who);
            const std::string there = read_outcome(*rules, rules->read_candidate(*other, fuzz_date()));
            if (here != "json_syntax" && there != "json_syntax" && here != there)
                return "the record read through simdjson and through RapidJSON differs: " + here + " / " + there;
        }
        if (!who) {
            if (auto f = render_error(who.error()); !f.empty())
                return f;
            continue;
        }
        if (auto f = render_decision(*rules, *who); !f.empty())
            return f;
        auto direct = rules->evaluate_json(data, fuzz_date());
        if (!direct)
            return "evaluate_json refused a record that read_candidate accepted";
    }
    return batch_input(data);
}

/// For the libFuzzer targets: a broken invariant is a crash, with the reason on stderr.
inline int report(const finding& f) {
    if (!f.empty()) {
        std::cerr << "fuzz: invariant broken: " << f << "\n";
        std::abort();
    }
    return 0;
}

} // namespace masterpro::fuzz
