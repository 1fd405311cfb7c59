// Shared helpers for the C++ tests: where the repository and ../shared are, reading files.
#pragma once

#include "masterpro/masterpro.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace masterpro::testing {

inline std::filesystem::path source_dir() { return MASTERPRO_SOURCE_DIR; }
inline std::filesystem::path shared_dir() { return MASTERPRO_SHARED_DIR; }

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
    std::istringstream in(read_text(p));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

/// Compact JSON text of a RapidJSON value.
inline std::string compact(const rapidjson::Value& v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return b.GetString();
}

inline rule_set load_rules(const std::string& relative) {
    auto rules = rule_set::from_file((source_dir() / relative).string());
    if (!rules) {
        for (const auto& e : rules.error()) MESSAGE(format_diagnostic(e));
    }
    REQUIRE(rules.has_value());
    return *rules;
}

inline rule_set welder() { return load_rules("rules/qualifications/LT-AMK-WELD-001.json"); }

/// Whether ../shared's 80 Master Welder candidates are there (not on a fresh clone alone).
inline bool has_shared_candidates() {
    return std::filesystem::exists(shared_dir() / "spec/master-welder/candidates.jsonl");
}

/// Master Welder candidate records: the bundled examples, and the 80 of ../shared/spec when it is
/// there (a fresh clone without ../shared has only the bundled ones; the test says so).
inline std::vector<std::string> welder_candidates() {
    auto lines = read_lines(source_dir() / "rules/examples/master-welder/candidates.jsonl");
    const auto shared = shared_dir() / "spec/master-welder/candidates.jsonl";
    if (has_shared_candidates()) {
        for (auto& line : read_lines(shared)) lines.push_back(std::move(line));
    } else {
        MESSAGE("only the bundled candidates: " << shared.string() << " is absent (a fresh clone without ../shared)");
    }
    return lines;
}

/// The Master Welder rule file's text with `original` (which must occur in it) replaced.
inline std::string welder_text_with(const std::string& original, const std::string& replacement) {
    std::string text = read_text(source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
    const auto at = text.find(original);
    REQUIRE_MESSAGE(at != std::string::npos, original);
    return text.replace(at, original.size(), replacement);
}

/// Calls `f(rules, record)` for every example record bundled with a qualification
/// (rules/examples/<name>/candidates.jsonl with rules/qualifications/<its rule file>).
template <class F>
void for_each_example(F&& f) {
    const std::pair<const char*, const char*> examples[] = {{"master-welder", "LT-AMK-WELD-001.json"},
                                                            {"itsm", "LT-AMK-ITSM-001.json"}};
    for (const auto& [name, file] : examples) {
        const auto rules = load_rules(std::string("rules/qualifications/") + file);
        for (const auto& line : read_lines(source_dir() / "rules/examples" / name / "candidates.jsonl")) f(rules, line);
    }
}

} // namespace masterpro::testing
