// Golden diagnostics: each broken rule file in tests/golden/rules yields exactly the problems of
// its .expected file, all at once, GCC-style. MASTERPRO_UPDATE_GOLDEN=1 rewrites the files.
#include "test_support.hpp"

#include <algorithm>
#include <cstdlib>

namespace mt = masterpro::testing;
namespace fs = std::filesystem;

TEST_CASE("golden diagnostics of broken rule files") {
    const fs::path dir = mt::source_dir() / "tests" / "golden" / "rules";
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 3);
    const bool update = std::getenv("MASTERPRO_UPDATE_GOLDEN") != nullptr;
    for (const auto& file : files) {
        const std::string name = "tests/golden/rules/" + file.filename().string();
        CAPTURE(name);
        auto rules = masterpro::rule_set::from_json(mt::read_text(file), name);
        REQUIRE_FALSE(rules.has_value());
        std::string got;
        for (const auto& e : rules.error()) got += masterpro::format_diagnostic(e) + "\n";
        fs::path expected = file;
        expected.replace_extension(".expected");
        if (update) {
            std::ofstream(expected, std::ios::binary) << got;
            continue;
        }
        CHECK(got == mt::read_text(expected));
    }
}

TEST_CASE("the shipped rule files are clean") {
    for (const auto& entry : fs::directory_iterator(mt::source_dir() / "rules" / "qualifications")) {
        CAPTURE(entry.path().string());
        auto rules = masterpro::rule_set::from_file(entry.path().string());
        if (!rules)
            for (const auto& e : rules.error()) MESSAGE(masterpro::format_diagnostic(e));
        CHECK(rules.has_value());
    }
}

TEST_CASE("an unreadable rule file is an io error naming the path") {
    auto rules = masterpro::rule_set::from_file("/nonexistent/rules.json");
    REQUIRE_FALSE(rules.has_value());
    REQUIRE(rules.error().size() == 1);
    CHECK(rules.error()[0].category == masterpro::error_category::io);
    CHECK(rules.error()[0].where.file == "/nonexistent/rules.json");
}

TEST_CASE("a diagnostic stays on one line whatever characters the input held") {
    masterpro::error e;
    e.message = "unknown key 'a\nb'";
    e.where.file = "x.json";
    e.where.line = 2;
    e.where.column = 3;
    e.where.pointer = "/a\nb\t\x01";
    CHECK(masterpro::format_diagnostic(e) == "x.json:2:3: error: unknown key 'a\\nb' [/a\\nb\\t\\x01]");
}

TEST_CASE("a part of min_total may carry a weight; elsewhere 'weight' is an unknown key") {
    std::string text = mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-ITSM-001.json");
    const auto at = text.find("\"min_total\"");
    REQUIRE(at != std::string::npos);
    const auto part = text.find("{ \"competence\"", at);
    const auto part2 = text.find("{\"competence\"", at);
    const auto first = std::min(part, part2);
    REQUIRE(first != std::string::npos);
    std::string weighted = text;
    weighted.insert(first + 1, "\"weight\": 1, ");
    auto ok = masterpro::rule_set::from_json(weighted, "weighted.json");
    if (!ok)
        for (const auto& e : ok.error()) MESSAGE(masterpro::format_diagnostic(e));
    CHECK(ok.has_value());
    std::string misplaced = mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
    const auto c1 = misplaced.find("{ \"competence\": \"C1\" }");
    REQUIRE(c1 != std::string::npos);
    misplaced.insert(c1 + 1, "\"weight\": 1, ");
    auto bad = masterpro::rule_set::from_json(misplaced, "misplaced.json");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().front().message.find("'weight'") != std::string::npos);
}
