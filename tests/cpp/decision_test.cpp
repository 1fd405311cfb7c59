// Decisions as data: reasons with found / required / ids, the gap to each level not reached,
// the JSON form and the explanation rendered from them.
#include "test_support.hpp"

#include <rapidjson/document.h>

namespace mt = masterpro::testing;

namespace {

/// The spec's sample trace: 9 FTE years of which 1.5 coordinating, C6 backed only by a
/// third-party report: M1 awarded, M2 failing on R1 and insufficient on C6.
masterpro::decision sample_trace() {
    const auto lines = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    for (const auto& line : lines) {
        if (line.find("\"MW-DEMO-2\"") == std::string::npos) continue;
        auto d = mt::welder().evaluate_json(line);
        REQUIRE(d.has_value());
        return *d;
    }
    FAIL("MW-DEMO-2 is missing from the bundled examples");
    return {};
}

const rapidjson::Value* find_entry(const rapidjson::Value& list, const char* requirement, const char* check = nullptr,
                                   const char* competence = nullptr) {
    for (const auto& e : list.GetArray()) {
        if (std::string(e["requirement"].GetString()) != requirement) continue;
        if (check && (!e.HasMember("check") || std::string(e["check"].GetString()) != check)) continue;
        if (competence && (!e.HasMember("competence") || std::string(e["competence"].GetString()) != competence)) continue;
        return &e;
    }
    return nullptr;
}

} // namespace

TEST_CASE("every requirement that is not pass records what was found, what was required and the ids") {
    const auto d = sample_trace();
    CHECK(d.outcome == masterpro::outcome::awarded);
    REQUIRE(d.level.has_value());
    CHECK(d.qualification().levels[*d.level].id == "M1");
    CHECK(masterpro::to_string(*d.valid_until) == "2031-06-30");

    rapidjson::Document json;
    json.Parse(masterpro::to_json(d).c_str());
    REQUIRE_FALSE(json.HasParseError());
    for (const char* key : {"id", "as_of", "outcome", "level", "partial", "levels", "competences", "reasons", "gaps"})
        CHECK_MESSAGE(json.HasMember(key), key);
    CHECK(std::string(json["levels"]["M2"].GetString()) == "fail");
    CHECK(std::string(json["competences"]["M2"]["C6"].GetString()) == "insufficient");

    const auto* coordination = find_entry(json["reasons"], "R1.coordination");
    REQUIRE(coordination != nullptr);
    CHECK(std::string((*coordination)["status"].GetString()) == "fail");
    CHECK((*coordination)["found"].GetDouble() == doctest::Approx(1.49).epsilon(0.01));
    CHECK((*coordination)["required"].GetDouble() == 2);

    const auto* items = find_entry(json["reasons"], "R4", "min_items", "C6");
    REQUIRE(items != nullptr);
    CHECK((*items)["found"].GetInt() == 1);
    CHECK((*items)["required"].GetInt() == 2);
    REQUIRE((*items).HasMember("evidence"));
    CHECK(std::string((*items)["evidence"][0].GetString()) == "EV-TPR");
    // Passing requirements are not reasons.
    CHECK(find_entry(json["reasons"], "R1.welding") == nullptr);
}

TEST_CASE("the gap to a level not reached names what stands in the way, and nothing that passes") {
    const auto d = sample_trace();
    rapidjson::Document json;
    json.Parse(masterpro::to_json(d).c_str());
    const auto& gaps = json["gaps"];
    CHECK_FALSE(gaps.HasMember("M1")); // reached
    REQUIRE(gaps.HasMember("M2"));
    CHECK(find_entry(gaps["M2"], "R1.coordination") != nullptr);
    CHECK(find_entry(gaps["M2"], "R4", "min_items", "C6") != nullptr);
    for (const auto& e : gaps["M2"].GetArray()) CHECK(std::string(e["status"].GetString()) != "pass");
    // One elective is enough: the gap closes the cheapest one, not both.
    const bool c7 = find_entry(gaps["M2"], "R7", "min_size", "C7") != nullptr;
    const bool c8 = find_entry(gaps["M2"], "R7", "min_size", "C8") != nullptr;
    CHECK(c7 != c8);
}

TEST_CASE("the explanation is rendered from the recorded reasons") {
    const auto d = sample_trace();
    const std::string text = masterpro::explain(d);
    CHECK(text.find("awarded M1") != std::string::npos);
    CHECK(text.find("valid until 2031-06-30") != std::string::npos);
    CHECK(text.find("What stands between the candidate and M2") != std::string::npos);
    CHECK(text.find("R1.coordination coordination experience is fail: found 1.492, required 2") != std::string::npos);
    CHECK(text.find("EV-TPR") != std::string::npos);
    rapidjson::Document json;
    json.Parse(masterpro::to_json(d, {false, true}).c_str());
    CHECK_FALSE(json.HasMember("reasons"));
    CHECK(std::string(json["explanation"].GetString()) == text);
}

TEST_CASE("same inputs give byte-identical decisions") {
    const auto rules = mt::welder();
    for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl")) {
        auto a = rules.evaluate_json(line);
        auto b = rules.evaluate_json(line);
        REQUIRE(a.has_value() == b.has_value());
        if (a) CHECK(masterpro::to_json(*a, {true, true}) == masterpro::to_json(*b, {true, true}));
    }
}
