// masterpro as a JsonLogic engine: the official suite of ../shared/conformance (read in place),
// counted per section, and JsonLogic inside rule files compiling to the same program.
#include "test_support.hpp"

#include "masterpro/jsonlogic.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

namespace mt = masterpro::testing;
using mt::compact;

namespace {


} // namespace

TEST_CASE("JsonLogic: every case of the official suite, counted per section") {
    const auto file = mt::shared_dir() / "conformance" / "jsonlogic" / "tests.json";
    if (!std::filesystem::exists(file)) {
        MESSAGE("skipped: " << file.string() << " is absent (a fresh clone without ../shared)");
        return;
    }
    rapidjson::Document suite;
    suite.Parse(mt::read_text(file).c_str());
    REQUIRE(suite.IsArray());
    std::string section = "(none)";
    std::vector<std::pair<std::string, std::pair<int, int>>> counts; // section -> passed, total
    int passed = 0, total = 0;
    for (const auto& entry : suite.GetArray()) {
        if (entry.IsString()) {
            section = entry.GetString();
            counts.push_back({section, {0, 0}});
            continue;
        }
        const std::string rule = compact(entry[0]), data = compact(entry[1]), expected = compact(entry[2]);
        CAPTURE(section);
        CAPTURE(rule);
        CAPTURE(data);
        ++total;
        ++counts.back().second.second;
        auto compiled = masterpro::jsonlogic_rule::compile(rule);
        REQUIRE(compiled.has_value());
        auto result = compiled->apply(data);
        REQUIRE(result.has_value());
        rapidjson::Document got;
        got.Parse(result->c_str());
        const bool same = got == entry[2];
        CHECK_MESSAGE(same, "got " << *result << ", expected " << expected);
        if (same) ++passed, ++counts.back().second.first;
    }
    std::string report;
    for (const auto& [name, count] : counts)
        if (count.second) report += "  " + name + ": " + std::to_string(count.first) + "/" + std::to_string(count.second) + "\n";
    MESSAGE("JsonLogic suite: " << passed << "/" << total << " passed\n" << report);
    CHECK(total == 277);
    CHECK(passed == total);
}

TEST_CASE("JsonLogic: unknown operations and bad JSON are errors with positions") {
    auto unknown = masterpro::jsonlogic_rule::compile("{\"and\": [true,\n {\"frobnicate\": [1]}]}", "rule.json");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(masterpro::format_diagnostic(unknown.error()[0]) ==
          "rule.json:2:2: error: unknown JsonLogic operation 'frobnicate' [/and/1]");
    auto syntax = masterpro::jsonlogic_rule::compile("{\"var\": ");
    REQUIRE_FALSE(syntax.has_value());
    CHECK(syntax.error()[0].category == masterpro::error_category::json_syntax);
    auto rule = masterpro::jsonlogic_rule::compile(R"({"var": "a"})");
    REQUIRE(rule.has_value());
    CHECK_FALSE(rule->apply("{\"a\": ").has_value());
    CHECK(rule->apply(std::string(300, '[') + std::string(300, ']')).error().category == masterpro::error_category::limit);
    CHECK(*rule->truthy(R"({"a": [0]})"));
    CHECK_FALSE(*rule->truthy(R"({"a": []})"));
}

TEST_CASE("JsonLogic in rule files: the same names, decisions equal to the infix form") {
    // The Welder's infix expressions, written as JsonLogic instead, must decide every bundled
    // example identically.
    std::string text = mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
    auto replace = [&](const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        REQUIRE_MESSAGE(at != std::string::npos, from);
        text.replace(at, from.size(), to);
    };
    replace(R"("where": "industry")", R"("where": {"var": "industry"})");
    replace(R"("where": "employer != candidate.employer")",
            R"("where": {"!=": [{"var": "employer"}, {"var": "candidate.employer"}]})");
    replace(R"("min_size": "level.panel_size")", R"("min_size": {"var": "level.panel_size"})");
    replace(R"("authentic_if": "supervisor_attested or observed")",
            R"("authentic_if": {"or": [{"var": "supervisor_attested"}, {"var": "observed"}]})");
    auto jsonlogic = masterpro::rule_set::from_json(text, "welder-jsonlogic.json");
    REQUIRE(jsonlogic.has_value());
    const auto infix = mt::welder();
    for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl")) {
        auto a = infix.evaluate_json(line);
        auto b = jsonlogic->evaluate_json(line);
        REQUIRE(a.has_value() == b.has_value());
        if (a) CHECK(masterpro::to_json(*a, {false, false}) == masterpro::to_json(*b, {false, false}));
    }
}

TEST_CASE("JsonLogic previews of infix expressions decide exactly as the infix they replace") {
    for (const char* name : {"LT-AMK-WELD-001", "LT-AMK-ITSM-001"}) {
        CAPTURE(name);
        const std::string file = std::string("rules/qualifications/") + name + ".json";
        const auto infix = mt::load_rules(file);
        rapidjson::Document doc;
        doc.Parse(mt::read_text(mt::source_dir() / file).c_str());
        int replaced = 0;
        for (const auto& preview : infix.jsonlogic_previews()) {
            if (preview.jsonlogic.empty()) {
                CHECK_FALSE(preview.not_expressible.empty());
                continue;
            }
            rapidjson::Document logic(&doc.GetAllocator());
            logic.Parse(preview.jsonlogic.c_str());
            REQUIRE_FALSE(logic.HasParseError());
            rapidjson::Pointer(preview.pointer.c_str()).Set(doc, logic);
            ++replaced;
        }
        CHECK(replaced >= 5);
        auto converted = masterpro::rule_set::from_json(compact(doc), std::string(name) + "-jsonlogic.json");
        if (!converted)
            for (const auto& e : converted.error()) MESSAGE(masterpro::format_diagnostic(e));
        REQUIRE(converted.has_value());
        CHECK(converted->jsonlogic_previews().size() + static_cast<std::size_t>(replaced) == infix.jsonlogic_previews().size());
        const std::string examples = std::string(name) == "LT-AMK-WELD-001" ? "master-welder" : "itsm";
        for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples" / examples / "candidates.jsonl")) {
            auto a = infix.evaluate_json(line);
            auto b = converted->evaluate_json(line);
            REQUIRE(a.has_value() == b.has_value());
            if (a) CHECK(masterpro::to_json(*a, {true, false}) == masterpro::to_json(*b, {true, false}));
        }
    }
}

TEST_CASE("JsonLogic: a counting reduce over a filter is fused, with the same results") {
    const std::string count = R"({"reduce": [{"filter": [{"var": "xs"}, {">=": [{"var": ""}, 2]}]}, {"+": [{"var": "accumulator"}, 1]}, 0]})";
    const std::string swapped = R"({"reduce": [{"filter": [{"var": "xs"}, {">=": [{"var": ""}, 2]}]}, {"+": [1, {"var": "accumulator"}]}, 0]})";
    const std::string general = R"({"reduce": [{"filter": [{"var": "xs"}, {">=": [{"var": ""}, 2]}]}, {"+": [{"var": "accumulator"}, 2]}, 0]})";
    for (const char* data : {R"({"xs": [1, 2, 3, "4", null]})", R"({"xs": []})", R"({"xs": "not a list"})", "{}"}) {
        CAPTURE(data);
        const auto fused = masterpro::apply_jsonlogic(count, data);
        REQUIRE(fused.has_value());
        CHECK(*fused == *masterpro::apply_jsonlogic(swapped, data));
        // The unfused general form counts twice as fast: halve it to compare.
        const auto doubled = masterpro::apply_jsonlogic(general, data);
        rapidjson::Document a, b;
        a.Parse(fused->c_str());
        b.Parse(doubled->c_str());
        CHECK(a.GetDouble() * 2 == b.GetDouble());
    }
    CHECK(*masterpro::apply_jsonlogic(count, R"({"xs": [1, 2, 3, "4", null]})") == "3");
    CHECK(*masterpro::apply_jsonlogic(R"({"some": [{"var": "xs"}, {"==": [{"var": ""}, 1]}]})", R"({"xs": [1, {"a": 1}]})") == "true");
    CHECK_FALSE(masterpro::apply_jsonlogic(R"({"var": "a"})", R"({"a": 1} {"a": 2})").has_value());
    // Operations given no operands (a fuzz finding for "!!").
    CHECK(*masterpro::apply_jsonlogic(R"({"!!": []})", "{}") == "false");
    CHECK(*masterpro::apply_jsonlogic(R"({"!": []})", "{}") == "true");
    CHECK_FALSE(masterpro::apply_jsonlogic(R"({"var": "a"})", R"({"a": 1} x)").has_value());
}

TEST_CASE("JsonLogic: data loaded for a rule gives the rule's results, and only that rule takes it") {
    // Operations over the same list share a pass; the evidence pass is keyed by competence.
    const auto rule = masterpro::jsonlogic_rule::compile(R"({"and": [
        {">=": [{"var": "years"}, 5]},
        {">=": [{"reduce": [{"filter": [{"var": "scores"}, {"and": [{"==": [{"var": "c"}, "C1"]}, {">=": [{"var": "s"}, 3]}]}]},
                            {"+": [{"var": "accumulator"}, 1]}, 0]}, 2]},
        {"some": [{"var": "scores"}, {"==": [{"var": "c"}, "E1"]}]},
        {"none": [{"var": "scores"}, {"===": [{"var": "c"}, "X"]}]},
        {"all": [{"var": "scores"}, {"<=": [{"var": "s"}, 5]}]}
    ]})");
    REQUIRE(rule.has_value());
    const std::string yes = R"({"years": 6, "unused": {"deep": [1, [2, {"x": "y"}]]},
        "scores": [{"c": "C1", "s": 3, "note": "ignored"}, {"c": "E1", "s": 1}, {"s": 4, "c": "C1"}]})";
    const std::string no = R"({"years": 6, "scores": [{"c": "C1", "s": 3}, {"c": "X", "s": 4}, {"c": "C1", "s": 5}, {"c": "E1"}]})";
    for (const auto& [text, expected] : std::map<std::string, bool>{{yes, true}, {no, false}}) {
        auto loaded = rule->load(text);
        REQUIRE(loaded.has_value());
        CHECK(loaded->memory_bytes() > 0);
        CHECK(rule->truthy(*loaded).value() == expected);
        CHECK(rule->truthy(text).value() == expected);
        CHECK(rule->apply(*loaded).value() == (expected ? "true" : "false"));
        // Applied again: loaded data is not used up.
        CHECK(rule->truthy(*loaded).value() == expected);
    }
    const auto other = masterpro::jsonlogic_rule::compile(R"({"var": "years"})");
    auto loaded = rule->load(yes);
    REQUIRE(loaded.has_value());
    const auto refused = other->truthy(*loaded);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().category == masterpro::error_category::usage);
    CHECK_FALSE(rule->truthy(masterpro::jsonlogic_data{}).has_value());
    // Moved data answers where it went; what it left is empty data.
    masterpro::jsonlogic_data moved = std::move(*loaded);
    CHECK(rule->truthy(moved).value());
    CHECK(rule->truthy(*loaded).error().category == masterpro::error_category::usage);
    *loaded = std::move(moved);
    CHECK(rule->truthy(*loaded).value());
    CHECK(rule->truthy(moved).error().category == masterpro::error_category::usage);
    // Bad data is refused at load with the same errors as apply().
    const auto bad = rule->load(R"({"years": 6, "scores": [)");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().category == masterpro::error_category::json_syntax);
}

TEST_CASE("JsonLogic: loaded data gives apply()'s results, read by slot, by name and whole") {
    // Strings equal to the rule's constants ("C1", "E1") and others; members absent, null and
    // present; lists of objects read by shared passes, by index and by `missing`.
    const char* rules[] = {
        R"({"if": [{"some": [{"var": "xs"}, {"==": [{"var": "c"}, "C1"]}]}, {"var": "xs.0.c"}, {"var": ["xs.1.c", "none"]}]})",
        R"({"cat": [{"var": "a.c"}, "/", {"var": ["a.d", "no d"]}, "/", {"var": "a.e"}]})",
        R"({"missing": ["a.c", "a.d", "a.e", "b"]})",
        R"({"reduce": [{"filter": [{"var": "xs"}, {"and": [{"===": [{"var": "c"}, "E1"]}, {"!": [{"var": "n"}]}]}]},
                       {"+": [{"var": "accumulator"}, 1]}, 0]})",
        R"({"all": [{"var": "xs"}, {"!=": [{"var": "c"}, "C2"]}]})",
        R"({"map": [{"var": "xs"}, {"var": "c"}]})",
    };
    const char* data[] = {
        R"({"a": {"c": "C1", "d": null}, "xs": [{"c": "C1"}, {"c": "E1", "n": null}, {"n": 0}, {"c": "other"}]})",
        R"({"a": {"c": "E1x", "e": "C1"}, "b": 0, "xs": [{"c": "E1"}, {"c": "C2", "n": 1}, {}]})",
        R"({"a": {}, "xs": []})",
        R"({"xs": [{"c": ["C1"]}, {"c": 1}, 5, null]})",
    };
    const char* results[][4] = {
        {R"("C1")", R"("C2")", R"("none")", R"(["C1"])"},
        {R"("C1/null/null")", R"("E1x/no d/C1")", R"("null/no d/null")", R"("null/no d/null")"},
        {R"(["a.d","a.e","b"])", R"(["a.d"])", R"(["a.c","a.d","a.e","b"])", R"(["a.c","a.d","a.e","b"])"},
        {"1", "1", "0", "0"},
        {"true", "false", "false", "true"},
        {R"(["C1","E1",null,"other"])", R"(["E1","C2",null])", "[]", R"([["C1"],1,null,null])"},
    };
    for (std::size_t r = 0; r < std::size(rules); ++r) {
        CAPTURE(rules[r]);
        auto rule = masterpro::jsonlogic_rule::compile(rules[r]);
        REQUIRE(rule.has_value());
        for (std::size_t i = 0; i < std::size(data); ++i) {
            const char* d = data[i];
            CAPTURE(d);
            const auto expected = rule->apply(d);
            REQUIRE(expected.has_value());
            CHECK(*expected == results[r][i]);
            auto loaded = rule->load(d);
            REQUIRE(loaded.has_value());
            auto copy = *rule;
            rule = masterpro::jsonlogic_rule::compile(R"({"var": "a"})"); // the loading rule object is gone
            CHECK(copy.apply(*loaded).value() == *expected);
            rule = std::move(copy);
        }
    }
}

TEST_CASE("JsonLogic data: validation and bounds are the same whichever parser reads the text") {
    masterpro::limits bounds;
    bounds.max_json_depth = 4;
    bounds.max_items = 3;
    const auto a = masterpro::jsonlogic_rule::compile(R"({"var": "a"})", "<rule>", bounds);
    const auto whole = masterpro::jsonlogic_rule::compile(R"({"var": ""})", "<rule>", bounds);
    REQUIRE(a.has_value());
    REQUIRE(whole.has_value());
    struct case_t {
        const char* data;
        const char* result; // nullptr: an error of `category`
        masterpro::error_category category = masterpro::error_category::json_syntax;
    };
    const case_t cases[] = {
        {R"({"a": "\ud83d\ude00"})", "\"\xF0\x9F\x98\x80\""},
        {R"({"a": "\udc00"})", nullptr},
        {R"({"a": 1, "unread": "\ud800"})", nullptr}, // invalid text is refused even where unread
        {R"({"a": 1, "unread": [1, tru]})", nullptr},
        {"{\"a\": \"\xFF\"}", nullptr},
        {R"({"a": 1, "a": 2})", "2"}, // the last of repeated keys, as JSON.parse
        {R"({"a": [[[[1]]]]})", nullptr, masterpro::error_category::limit},
        {R"({"a": [[[1]]]})", "[[[1]]]"}, // four levels: the bound itself
        {R"({"a": 1, "unread": [[[[1]]]]})", nullptr, masterpro::error_category::limit},
        {R"({"a": [1, 2, 3, 4]})", nullptr, masterpro::error_category::limit},
        {R"({"a": 1, "unread": [1, 2, 3, 4]})", "1"}, // lists the rule never reads are not bounded
        {R"({"a": 123456789012345678901234567890})", "1.2345678901234568e29"},
        {R"({"a": 1} x)", nullptr},
        {"{\"a\": 1}\n", "1"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.data);
        const auto got = a->apply(c.data);
        const auto loaded = a->load(c.data);
        if (c.result) {
            REQUIRE(got.has_value());
            CHECK(*got == c.result);
            REQUIRE(loaded.has_value());
            CHECK(a->apply(*loaded).value() == c.result);
        } else {
            REQUIRE_FALSE(got.has_value());
            CHECK(got.error().category == c.category);
            REQUIRE_FALSE(loaded.has_value());
            CHECK(loaded.error().category == c.category);
        }
    }
    // Keys and constants of every length are found (the lookup chains texts by length).
    for (std::size_t n : {0, 1, 7, 8, 9, 16, 17, 62, 63, 64, 100}) {
        CAPTURE(n);
        const std::string key(n, 'k'), text(n, 't');
        const auto rule = masterpro::jsonlogic_rule::compile(
            R"({"some": [{"var": "xs"}, {"==": [{"var": ")" + key + R"("}, ")" + text + R"("]}]})");
        REQUIRE(rule.has_value());
        const std::string other(n + 1, 'k');
        CHECK(rule->apply(R"({"xs": [{")" + other + R"(": 1}, {")" + key + R"(": ")" + text + R"("}]})").value() ==
              (n == 0 ? "false" : "true")); // a key "" is not a path: var "" is the element
        CHECK(rule->apply(R"({"xs": [{")" + key + R"(": ")" + text + R"(x"}]})").value() == "false");
    }
    // The whole data read back: members in their order, every one of them.
    CHECK(whole->apply(R"({"b": 1, "a": [true, null], "c": {"d": "e"}})").value() == R"({"b":1,"a":[true,null],"c":{"d":"e"}})");
}

TEST_CASE("JsonLogic: packed lists of loaded data decide as the general interpreter, on odd data too") {
    // Each rule's shared passes run on packed lists when data is loaded (every body is tests of
    // element fields). The reference: the same rule with each list behind an `if`, which no
    // pass takes, so that every operation runs alone on the general interpreter.
    const std::vector<std::string> bodies = {
        R"({"and": [{"==": [{"var": "c"}, "C1"]}, {">=": [{"var": "s"}, 3]}, {"==": [{"var": "ok"}, true]}]})",
        R"({"and": [{"===": [{"var": "c"}, "C2"]}, {"<": [2, {"var": "s"}]}, {"!": [{"var": "ok"}]}]})",
        R"({"and": [{"!=": [{"var": "c"}, "C1"]}, {"!==": [{"var": "s"}, 4]}, {"!=": [{"var": "ok"}, false]}]})",
        R"({"and": [{"==": [{"var": "c"}, "E1"]}, {"==": [{"var": "s"}, "3"]}, {"!!": [{"var": "ok"}]}]})",
        R"({"and": [{"==": [{"var": "c"}, "C1"]}, {"<=": [{"var": "s"}, 1826]}, {">": [{"var": "s"}, -1]}]})",
        R"({"and": [{"==": [{"var": "s"}, 0]}, {"===": [{"var": "ok"}, null]}]})",
        R"({"and": [{"==": [{"var": "c"}, "C2"]}, {"var": "ok"}]})",
        R"({"==": [{"var": "c"}, 1]})",
        R"({"!==": [{"var": "c"}, "E1"]})",
    };
    std::vector<std::pair<std::string, std::string>> rules; // fused, reference
    for (const char* list : {"xs"}) {
        std::string fused = R"({"cat": [)", reference = fused;
        const std::string var = std::string(R"({"var": ")") + list + R"("})";
        const std::string hidden = R"({"if": [true, )" + var + ", null]}";
        bool first = true;
        for (const auto& body : bodies) {
            for (const char* op : {"some", "all", "none", "count"}) {
                auto quantifier = [&](const std::string& l) {
                    if (std::string(op) == "count")
                        return R"({"reduce": [{"filter": [)" + l + ", " + body + R"(]}, {"+": [{"var": "accumulator"}, 1]}, 0]})";
                    return "{\"" + std::string(op) + "\": [" + l + ", " + body + "]}";
                };
                fused += (first ? "" : ", \",\", ") + quantifier(var);
                reference += (first ? "" : ", \",\", ") + quantifier(hidden);
                first = false;
            }
        }
        rules.emplace_back(fused + "]}", reference + "]}");
        // Each body alone: its key test is then the only one of its constant (it reads the
        // elements of that key as the key column's scan leaves them, not a copy).
        for (const auto& body : bodies) {
            std::string one = R"({"cat": [)", one_reference = one;
            for (const char* op : {"some", "all", "none", "count"}) {
                auto quantifier = [&](const std::string& l) {
                    if (std::string(op) == "count")
                        return R"({"reduce": [{"filter": [)" + l + ", " + body + R"(]}, {"+": [{"var": "accumulator"}, 1]}, 0]})";
                    return "{\"" + std::string(op) + "\": [" + l + ", " + body + "]}";
                };
                one += (std::string(op) == "some" ? "" : ", \",\", ") + quantifier(var);
                one_reference += (std::string(op) == "some" ? "" : ", \",\", ") + quantifier(hidden);
            }
            rules.emplace_back(one + "]}", one_reference + "]}");
        }
    }
    // A `var` read in the elements of a list an operation returned (no slots of the layout;
    // read by name, once a read past the end of an empty slot list).
    CHECK(*masterpro::apply_jsonlogic(R"({"some": [{"if": [true, {"var": "xs"}, null]}, {"==": [{"var": "c"}, "C1"]}]})",
                                      R"({"xs": [{"c": "C1"}]})") == "true");
    // A short-circuit over packed passes: only what `and` reaches is evaluated.
    rules.emplace_back(R"({"and": [{"some": [{"var": "xs"}, {"==": [{"var": "c"}, "C1"]}]}, {"var": "n"}]})",
                       R"({"and": [{"some": [{"if": [true, {"var": "xs"}, null]}, {"==": [{"var": "c"}, "C1"]}]}, {"var": "n"}]})");
    const char* data[] = {
        R"({"n": 1, "xs": [{"c": "C1", "s": 3, "ok": true}, {"c": "C1", "s": 4, "ok": false}, {"c": "C2", "s": 5, "ok": true}]})",
        R"({"xs": [{"c": "C1", "s": "3", "ok": 1}, {"c": "C1", "s": "x", "ok": "true"}, {"c": "C2", "s": true, "ok": 0}]})",
        R"({"xs": [{"c": "C1"}, {"s": 3}, {"ok": true}, {}, {"c": null, "s": null, "ok": null}]})",
        R"({"xs": [{"c": 1, "s": [3], "ok": [true]}, {"c": ["C1"], "s": {"a": 1}, "ok": {}}, {"c": "", "s": "", "ok": ""}]})",
        R"({"xs": [5, null, "C1", [1, 2], true, {"c": "E1", "s": "3", "ok": "yes"}]})",
        R"({"xs": [{"c": "other", "s": 1e300, "ok": false}, {"c": "E1", "s": -0.0, "ok": true}, {"c": "E1", "s": 0, "ok": null}]})",
        R"({"xs": [{"c": "C1", "s": 3, "ok": true, "c": "C2"}, {"c": true, "s": 1826, "ok": true}]})",
        R"({"xs": []})",
        R"({"xs": "C1"})",
        R"({"xs": {"c": "C1"}})",
        R"({"xs": null})",
        R"({})",
        R"([1, 2])",
    };
    // Lists longer than a block of 64 elements, the odd cells scattered through them.
    std::vector<std::string> long_lists;
    for (int n : {63, 64, 65, 130}) {
        const char* cells[] = {R"({"c": "C1", "s": 3, "ok": true})", R"({"c": "C2", "s": "4", "ok": false})",
                               R"({"c": "E1", "s": 3, "ok": 1})", R"({"s": 2, "ok": null})", R"({"c": "x", "s": 5})", "7"};
        std::string text = R"({"n": 1, "xs": [)";
        for (int i = 0; i < n; ++i) text += std::string(i ? ", " : "") + cells[(i * 7 + n) % std::size(cells)];
        long_lists.push_back(text + (n == 130 ? R"(, {"c": "C1", "s": 3, "ok": true}]})" : "]}"));
    }
    // Short lists (read four or two cells at a time, the last ones overlapping), each with one
    // cell outside the usual case, at every place.
    for (int n = 1; n <= 9; ++n) {
        for (int odd = 0; odd < n; ++odd) {
            std::string text = R"({"n": 1, "xs": [)";
            for (int i = 0; i < n; ++i) {
                const char* usual = i % 2 ? R"({"c": "C1", "s": 4, "ok": true})" : R"({"c": "C2", "s": 2, "ok": false})";
                text += std::string(i ? ", " : "") + (i == odd ? (n % 2 ? R"({"c": "C1", "s": "4", "ok": 1})" : R"({"c": 7, "ok": null})") : usual);
            }
            long_lists.push_back(text + "]}");
        }
    }
    for (const auto& texts : rules) {
        const std::string& fused_text = texts.first; // (a lambda in CAPTURE cannot name a structured binding)
        const std::string& reference_text = texts.second;
        CAPTURE(fused_text);
        const auto fused = masterpro::jsonlogic_rule::compile(fused_text);
        const auto reference = masterpro::jsonlogic_rule::compile(reference_text);
        REQUIRE(fused.has_value());
        REQUIRE(reference.has_value());
        std::vector<std::string> all(std::begin(data), std::end(data));
        all.insert(all.end(), long_lists.begin(), long_lists.end());
        for (const auto& d : all) {
            CAPTURE(d);
            const auto expected = reference->apply(d);
            REQUIRE(expected.has_value());
            CHECK(fused->apply(d).value() == *expected);
            auto loaded = fused->load(d);
            REQUIRE(loaded.has_value());
            CHECK(fused->apply(*loaded).value() == *expected);
            CHECK(fused->truthy(*loaded).value() == reference->truthy(d).value());
        }
    }
}

TEST_CASE("JsonLogic: packed passes take the evaluation steps the unpacked ones take") {
    // `some` stops at its first match, `none` and a count walk the whole list: the fewest steps
    // an application needs are the same whether the list was packed at load or not.
    const std::string rule = R"({"and": [
        {"some": [{"var": "xs"}, {"and": [{"==": [{"var": "c"}, "C2"]}, {">=": [{"var": "s"}, 4]}]}]},
        {"none": [{"var": "xs"}, {"==": [{"var": "c"}, "C9"]}]},
        {">=": [{"reduce": [{"filter": [{"var": "xs"}, {"==": [{"var": "c"}, "C1"]}]}, {"+": [{"var": "accumulator"}, 1]}, 0]}, 1]}]})";
    const std::string some_first = R"({"some": [{"var": "xs"}, {"and": [{"==": [{"var": "c"}, "C2"]}, {">=": [{"var": "s"}, 4]}]}]})";
    for (const std::string& text : {rule, some_first}) {
        CAPTURE(text);
        std::string data = R"({"xs": [)";
        for (int i = 0; i < 100; ++i)
            data += std::string(i ? ", " : "") + (i == 70 ? R"({"c": "C2", "s": 4})" : i % 3 ? R"({"c": "C1", "s": 1})" : R"({"c": "C2", "s": "1"})");
        data += "]}";
        auto decides = [&](std::uint64_t steps, bool loaded) {
            masterpro::limits bounded;
            bounded.max_evaluation_steps = steps;
            const auto compiled = masterpro::jsonlogic_rule::compile(text, "<rule>", bounded);
            REQUIRE(compiled.has_value());
            if (!loaded) return compiled->truthy(data).has_value();
            const auto d = compiled->load(data);
            REQUIRE(d.has_value());
            const auto result = compiled->truthy(*d);
            if (!result) CHECK(result.error().category == masterpro::error_category::limit);
            return result.has_value();
        };
        std::uint64_t low = 0, high = 10'000; // the fewest steps truthy(text) decides in
        REQUIRE(decides(high, false));
        while (low + 1 < high) {
            const std::uint64_t mid = (low + high) / 2;
            (decides(mid, false) ? high : low) = mid;
        }
        CHECK(high > 70);
        CHECK(decides(high, true));
        CHECK_FALSE(decides(high - 1, true));
    }
}

TEST_CASE("JsonLogic: arguments read as the rule's plan says give the general interpreter's results") {
    // Where data is laid out, constants, `var`s of a slot, results of shared passes and the
    // comparisons `and` and `or` decide are read by the rule's plan. The reference: the same
    // rule behind a `var` of a computed path, which leaves the data not laid out (no plan).
    const char* rules[] = {
        R"({"and": [{"var": "a"}, {">=": [{"var": "b"}, 1]}, {"<": [{"var": "b"}, 5]}]})",
        R"({"or": [{"==": [{"var": "a"}, "x"]}, {"!=": [{"var": "b"}, 2]}, {"var": "a"}]})",
        R"({"+": [{"var": "b"}, 1, {"var": "missing"}, {"var": "a"}]})",
        R"({"map": [{"var": "xs"}, {"var": "a"}]})",
        R"({"filter": [{"var": "xs"}, {"and": [{"var": "c"}, {"!=": [{"var": "a"}, 1]}]}]})",
        R"({"and": [{"some": [{"var": "xs"}, {"==": [{"var": "c"}, "C1"]}]}, {"if": [{"none": [{"var": "xs"}, {"==": [{"var": "c"}, "C2"]}]}, 1, 0]}]})",
        R"({"or": [{"<": [{"reduce": [{"filter": [{"var": "xs"}, {"==": [{"var": "c"}, "C1"]}]}, {"+": [{"var": "accumulator"}, 1]}, 0]}, 1]}, {"all": [{"var": "xs"}, {"var": "a"}]}]})",
        R"({"==": [{"var": "b"}, [3]]})",
        R"({"cat": [{"var": "a"}, null, "-", {"var": "b"}]})",
    };
    const char* data[] = {
        R"({"a": "x", "b": 3, "xs": [{"c": "C1", "a": 1}, {"c": "C2"}, 5]})",
        R"({"a": 0, "b": "2", "xs": [{"c": "C2", "a": 2}, {"c": "C1", "a": "1"}]})",
        R"({"a": null, "b": null, "xs": []})",
        R"({"a": [1], "b": [3], "xs": [[1], {"a": true}, null]})",
        R"({"b": 7})",
        R"([1, 2])",
        "5",
        "null",
    };
    for (const char* text : rules) {
        CAPTURE(text);
        const auto rule = masterpro::jsonlogic_rule::compile(text);
        const auto reference = masterpro::jsonlogic_rule::compile(std::string(R"({"if": [{"var": {"cat": ["no", "pe"]}}, null, )") + text + "]}");
        REQUIRE(rule.has_value());
        REQUIRE(reference.has_value());
        for (const char* d : data) {
            CAPTURE(d);
            const auto expected = reference->apply(d);
            REQUIRE(expected.has_value());
            CHECK(rule->apply(d).value() == *expected);
            const auto loaded = rule->load(d);
            REQUIRE(loaded.has_value());
            CHECK(rule->apply(*loaded).value() == *expected);
            CHECK(rule->truthy(*loaded).value() == reference->truthy(d).value());
        }
    }
}

TEST_CASE("JsonLogic: a packed pass with more tests than a block's masks kept at hand") {
    // 40 operations over one list, each with a key constant of its own and some with a second
    // test: more masks than the walk keeps on the stack (they are then in the arena).
    std::string fused = R"({"cat": [)", reference = fused;
    for (int k = 0; k < 40; ++k) {
        const std::string body = k % 3 ? R"({"==": [{"var": "c"}, "K)" + std::to_string(k) + R"("]})"
                                        : R"({"and": [{"==": [{"var": "c"}, "K)" + std::to_string(k) + R"("]}, {">=": [{"var": "s"}, 2]}]})";
        auto quantifier = [&](const std::string& list) {
            if (k % 2) return R"({"some": [)" + list + ", " + body + "]}";
            return R"({"reduce": [{"filter": [)" + list + ", " + body + R"(]}, {"+": [{"var": "accumulator"}, 1]}, 0]})";
        };
        fused += (k ? ", " : "") + quantifier(R"({"var": "xs"})");
        reference += (k ? ", " : "") + quantifier(R"({"if": [true, {"var": "xs"}, null]})");
    }
    fused += "]}";
    reference += "]}";
    const auto rule = masterpro::jsonlogic_rule::compile(fused);
    const auto general = masterpro::jsonlogic_rule::compile(reference);
    REQUIRE(rule.has_value());
    REQUIRE(general.has_value());
    std::string data = R"({"xs": [)";
    for (int i = 0; i < 70; ++i)
        data += std::string(i ? ", " : "") + R"({"c": "K)" + std::to_string((i * 7) % 45) + R"(", "s": )" + std::to_string(i % 4) + "}";
    data += R"(, {"c": 3}, {"s": 2}, "K1"]})";
    const auto expected = general->apply(data);
    REQUIRE(expected.has_value());
    CHECK(rule->apply(data).value() == *expected);
    const auto loaded = rule->load(data);
    REQUIRE(loaded.has_value());
    CHECK(rule->apply(*loaded).value() == *expected);
}
