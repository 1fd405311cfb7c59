// Tests of the JSON boundary: source positions and pointers, syntax and I/O errors, schema checks.
#include "json_source.hpp"
#include "schema_check.hpp"

#include <doctest/doctest.h>
#include <rapidjson/pointer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using masterpro::error_category;
using masterpro::detail::parse_json_source;
using masterpro::detail::read_json_file;
using masterpro::detail::schema_kind;
using masterpro::detail::validate_with_schema;

namespace {

const std::string repo = MASTERPRO_SOURCE_DIR;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::unique_ptr<masterpro::detail::json_source> parse(std::string text,
                                                      std::string file = "t.json") {
    auto source = parse_json_source(std::move(text), std::move(file));
    REQUIRE_MESSAGE(source.has_value(),
                    (source ? "" : masterpro::format_diagnostic(source.error())));
    return std::move(*source);
}

const rapidjson::Value& at(const masterpro::detail::json_source& source, const char* pointer) {
    const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(source.document);
    REQUIRE_MESSAGE(v != nullptr, pointer);
    return *v;
}

// 1-based line and column of the first occurrence of `needle` in `text`.
std::pair<std::size_t, std::size_t> line_column_of(const std::string& text,
                                                   const std::string& needle) {
    const std::size_t offset = text.find(needle);
    REQUIRE(offset != std::string::npos);
    const std::size_t line_start = text.rfind('\n', offset) + 1; // npos + 1 == 0
    return {static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n')) + 1,
            offset - line_start + 1};
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const std::size_t offset = text.find(from);
    REQUIRE_MESSAGE(offset != std::string::npos, from);
    return text.replace(offset, from.size(), to);
}

bool has_diagnostic(const masterpro::diagnostics& ds, const std::string& pointer,
                    const std::string& words) {
    return std::any_of(ds.begin(), ds.end(), [&](const masterpro::error& e) {
        return e.where.pointer == pointer && e.message.find(words) != std::string::npos;
    });
}

std::string dump(const masterpro::diagnostics& ds) {
    std::string out;
    for (const auto& e : ds)
        out += masterpro::format_diagnostic(e) + "\n";
    return out;
}

} // namespace

TEST_CASE("json_source: positions and pointers of nested values") {
    const std::string text = "{\n"
                             "  \"a/b\": [1, {\"m~n\": true}],\n"
                             "  \"c\" :\n"
                             "    \"x\",\n"
                             "  \"s\": [\"a,:\\\"b\", 2],\n"
                             "  \"\": null\n"
                             "}";
    auto source = parse(text);

    struct expected_place {
        const char* lookup; // RFC 6901, as rapidjson::Pointer reads it
        std::size_t line, column;
    };
    for (const auto& e :
         {expected_place{"", 1, 1}, expected_place{"/a~1b", 2, 10},
          expected_place{"/a~1b/0", 2, 11}, expected_place{"/a~1b/1", 2, 14},
          expected_place{"/a~1b/1/m~0n", 2, 22}, expected_place{"/c", 4, 5},
          expected_place{"/s/0", 5, 9}, expected_place{"/s/1", 5, 19}, expected_place{"/", 6, 7}}) {
        CAPTURE(std::string(e.lookup));
        const auto where = source->locate(at(*source, e.lookup));
        CHECK(where.file == "t.json");
        CHECK(where.line == e.line);
        CHECK(where.column == e.column);
        CHECK(where.pointer == e.lookup);
        CHECK(source->pointer_of(at(*source, e.lookup)) == e.lookup);
    }
    CHECK(source->pointer_of(source->document).empty());

    const auto offset = source->locate_offset(text.find("\"c\""));
    CHECK(offset.line == 3);
    CHECK(offset.column == 3);
    CHECK(offset.pointer.empty());
}

TEST_CASE("json_source: a leading byte-order mark is skipped and counted in columns") {
    auto source = parse("\xEF\xBB\xBF{\"a\": 1}");
    const auto where = source->locate(at(*source, "/a"));
    CHECK(where.line == 1);
    CHECK(where.column == 10);
}

TEST_CASE("json_source: syntax errors name the line and column") {
    struct bad_text {
        const char* text;
        std::size_t line, column;
    };
    for (const auto& bad : {bad_text{"{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3}, // missing comma
                            bad_text{"[1,\n 2,\n]", 3, 1},                  // trailing comma
                            bad_text{"// comment\n{}", 1, 1},               // comments are not JSON
                            bad_text{"{} {}", 1, 4},                        // one root only
                            bad_text{"", 1, 1},                             // empty
                            bad_text{"[\"\xC3\x28\"]", 1, 3}}) {            // invalid UTF-8
        CAPTURE(bad.text);
        auto result = parse_json_source(bad.text, "bad.json");
        REQUIRE_FALSE(result.has_value());
        const auto& e = result.error();
        CHECK(e.category == error_category::json_syntax);
        CHECK(e.where.file == "bad.json");
        CHECK(e.where.line == bad.line);
        CHECK(e.where.column == bad.column);
        CHECK(e.where.pointer.empty());
        CHECK(e.message.find("invalid JSON") == 0);
    }
    auto missing_comma = parse_json_source("{\n  \"a\": 1\n  \"b\": 2\n}", "bad.json");
    CHECK(masterpro::format_diagnostic(missing_comma.error()) ==
          "bad.json:3:3: error: invalid JSON: Missing a comma or '}' after an object member.");
}

TEST_CASE("json_source: nesting deeper than the limit is a limit error") {
    auto result = parse_json_source(std::string(300, '[') + std::string(300, ']'), "deep.json");
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().category == error_category::limit);
    CHECK(result.error().where.line == 1);
}

TEST_CASE("json_source: an unreadable file is an io error naming the path") {
    for (const std::string& path :
         {repo + "/rules/qualifications/no-such-file.json", repo + "/rules"}) {
        CAPTURE(path);
        auto result = read_json_file(path);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().category == error_category::io);
        CHECK(result.error().where.file == path);
        CHECK(result.error().message.find(path) != std::string::npos);
    }
}

TEST_CASE("json_source: a file is read and located under its path") {
    const std::string path = repo + "/rules/qualifications/LT-AMK-WELD-001.json";
    auto result = read_json_file(path);
    REQUIRE(result.has_value());
    const auto& source = **result;
    const auto where =
        source.locate(at(source, "/levels/1/requires/all_of/0/all_of/1/experience/min_years"));
    CHECK(where.file == path);
    CHECK(std::make_pair(where.line, where.column) ==
          line_column_of(source.text, "2, \"window_years\": 10, \"roles\": [\"coordination\"]"));
}

TEST_CASE("schema: the embedded schemas are the ones in rules/schema") {
    CHECK(masterpro::detail::schema_text(schema_kind::qualification) ==
          slurp(repo + "/rules/schema/qualification.schema.json"));
    CHECK(masterpro::detail::schema_text(schema_kind::candidate) ==
          slurp(repo + "/rules/schema/candidate.schema.json"));
}

TEST_CASE("schema: every rule file in rules/qualifications conforms") {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(repo + "/rules/qualifications")) {
        if (entry.path().extension() != ".json")
            continue;
        ++files;
        auto source = read_json_file(entry.path().string());
        REQUIRE(source.has_value());
        const auto problems = validate_with_schema(**source, schema_kind::qualification);
        CHECK_MESSAGE(problems.empty(), dump(problems));
    }
    CHECK(files >= 1);
}

TEST_CASE("schema: a violation is located by pointer, line and column") {
    const std::string text =
        "{\n"
        "  \"format\": \"masterpro.qualification/1\",\n"
        "  \"id\": \"Q\", \"title\": \"Q\", \"version\": \"1\",\n"
        "  \"rubric\": {\"min\": 0, \"max\": 4},\n"
        "  \"levels\": [\n"
        "    {\"id\": \"L1\", \"ltqf\": \"five\", \"requires\": {\"competence\": \"C1\"}}\n"
        "  ],\n"
        "  \"competences\": [{\"id\": \"C1\", \"criteria\": [{\"id\": \"C1.1\"}]}],\n"
        "  \"experience_roles\": [\"work\"], \"evidence_types\": [{\"id\": \"cv\"}],\n"
        "  \"competence_standard\": {\"agreement\": {}}, \"award\": {\"valid_for_years\": 5}\n"
        "}\n";
    auto source = parse(text, "q.json");
    const auto problems = validate_with_schema(*source, schema_kind::qualification);
    REQUIRE_MESSAGE(problems.size() == 1, dump(problems));
    const auto& e = problems.front();
    CHECK(e.category == error_category::schema);
    CHECK(e.where.file == "q.json");
    CHECK(e.where.pointer == "/levels/0/ltqf");
    CHECK(std::make_pair(e.where.line, e.where.column) == line_column_of(text, "\"five\""));
    CHECK(e.message.find("expected integer, found string") != std::string::npos);
    CHECK(e.message.find("'type'") != std::string::npos);
    CHECK(e.message.find("#/definitions/level/properties/ltqf") != std::string::npos);
}

TEST_CASE("schema: a broken rule file gets every problem at once, in document order") {
    std::string text = slurp(repo + "/rules/qualifications/LT-AMK-WELD-001.json");
    text = replace_once(text, "\"sector\": \"metalworking\",",
                        "\"sector\": \"metalworking\", \"owner\": \"x\",");
    text = replace_once(text, "\"ltqf\": 6,", "\"ltqf\": 9,");
    text = replace_once(
        text, "{ \"competence\": \"C7\" }, { \"competence\": \"C8\" }",
        "{ \"competence\": \"C7\", \"all_of\": [] }, { \"competence\": \"C8\", \"weight\": 2 }");
    text = replace_once(text, "{ \"id\": \"observation\", \"direct\": true }",
                        "{ \"id\": \"observation\", \"direct\": \"yes\" }");
    text = replace_once(text, "\"agreed_score\": \"median_low\"", "\"agreed_score\": \"median\"");
    text = replace_once(
        text, "{ \"id\": \"R8\", \"title\": \"inter-assessor agreement\", \"agreement\": {} }",
        "{ \"id\": \"R8\", \"title\": \"inter-assessor agreement\" }");
    text = replace_once(text, "\"min_items\": 2,", "\"min_items\": 1.5,");
    auto source = parse(text, "broken.json");

    const auto problems = validate_with_schema(*source, schema_kind::qualification);
    INFO(dump(problems));
    CHECK(problems.size() == 8);
    CHECK(has_diagnostic(problems, "/owner", "unknown key 'owner'"));
    CHECK(has_diagnostic(problems, "/levels/1/ltqf", "must be at most 8"));
    CHECK(has_diagnostic(problems, "/levels/0/requires/all_of/2/of/1",
                         "several alternatives (all_of, competence)"));
    CHECK(has_diagnostic(problems, "/levels/0/requires/all_of/2/of/2/weight",
                         "unknown key 'weight'"));
    CHECK(has_diagnostic(problems, "/competence_standard/sequence/0/all_of/0/evidence/min_items",
                         "expected integer"));
    CHECK(has_diagnostic(problems, "/competence_standard/sequence/0/all_of/2", "none of the keys"));
    CHECK(has_diagnostic(problems, "/evidence_types/0/direct", "expected boolean, found string"));
    CHECK(has_diagnostic(problems, "/assessment/agreement/agreed_score", "expected one of"));
    for (std::size_t i = 0; i < problems.size(); ++i) {
        CHECK(problems[i].category == error_category::schema);
        CHECK(problems[i].where.line > 0);
        if (i > 0)
            CHECK(problems[i - 1].where.line <= problems[i].where.line);
    }
    const auto owner = std::find_if(problems.begin(), problems.end(),
                                    [](const auto& e) { return e.where.pointer == "/owner"; });
    REQUIRE(owner != problems.end());
    CHECK(std::make_pair(owner->where.line, owner->where.column) == line_column_of(text, "\"x\""));
}

TEST_CASE("schema: missing keys and wrong kinds of a requirement") {
    auto source = parse(R"({"format": "masterpro.qualification/2", "id": "Q", "title": "Q",
        "levels": [{"id": "L1", "requires": {"at_least": 1}}],
        "competences": [{"id": "C1", "criteria": []}]})");
    const auto problems = validate_with_schema(*source, schema_kind::qualification);
    INFO(dump(problems));
    CHECK(has_diagnostic(problems, "", "missing required key 'version'"));
    CHECK(has_diagnostic(problems, "", "missing required key 'rubric'"));
    CHECK(has_diagnostic(problems, "/format", "expected one of [\"masterpro.qualification/1\"]"));
    CHECK(has_diagnostic(problems, "/levels/0/requires", "none of the keys"));
    CHECK(has_diagnostic(problems, "/competences/0/criteria", "needs at least 1 item"));
    for (const char* key : {"experience_roles", "evidence_types", "competence_standard", "award"})
        CHECK(has_diagnostic(problems, "", std::string("missing required key '") + key + "'"));
    CHECK(problems.size() == 9);
}

TEST_CASE("schema: candidate records are checked for types and shapes") {
    const std::string text = R"({
  "as_of": "2026-6-30",
  "future_field": {"anything": [1, 2]},
  "experience": [{"from": "2012-03-01", "fte": 0, "role": "welding"}],
  "evidence": [{"id": "EV1", "type": "work_sample", "date": "2024-05-02", "covers": ["C1.1"], "observed": "yes"}],
  "assessors": [{"id": "AS-1", "held_level": null, "industry": 1}],
  "assessments": [{"assessor": "AS-1", "competence": "C1", "scores": {"C1.1": 2.5, "C1.2": 3}}]
})";
    auto source = parse(text, "records.jsonl");
    const auto problems = validate_with_schema(*source, schema_kind::candidate);
    INFO(dump(problems));
    CHECK(problems.size() == 6);
    CHECK(has_diagnostic(problems, "", "missing required key 'id'"));
    CHECK(has_diagnostic(problems, "/as_of", "does not match the pattern"));
    CHECK(has_diagnostic(problems, "/experience/0/fte", "must be greater than 0"));
    CHECK(has_diagnostic(problems, "/evidence/0/observed", "expected boolean, found string"));
    CHECK(has_diagnostic(problems, "/assessors/0/industry", "expected boolean, found integer"));
    CHECK(has_diagnostic(problems, "/assessments/0/scores/C1.1", "expected integer, found number"));
}

TEST_CASE("schema: the Master Welder candidates that are not errors conform") {
    const std::string dir = MASTERPRO_SHARED_DIR "/spec/master-welder";
    std::ifstream candidates(dir + "/candidates.jsonl");
    std::ifstream expected(dir + "/expected.jsonl");
    if (!candidates || !expected) {
        MESSAGE("skipped: " << dir << " is absent");
        return;
    }
    std::string record;
    std::string outcome;
    int checked = 0;
    for (std::size_t line = 1; std::getline(candidates, record) && std::getline(expected, outcome);
         ++line) {
        if (outcome.find("\"error\": true") != std::string::npos)
            continue;
        auto source = parse(record, "candidates.jsonl:" + std::to_string(line));
        const auto problems = validate_with_schema(*source, schema_kind::candidate);
        CHECK_MESSAGE(problems.empty(), dump(problems));
        ++checked;
    }
    CHECK(checked > 0);
}
