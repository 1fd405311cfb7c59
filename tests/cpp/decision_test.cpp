// Decisions as data: reasons with found / required / ids, the gap to each level not reached,
// the JSON form and the explanation rendered from them, decisions kept for their reasons only.
#include "test_support.hpp"

#include "program.hpp"

#include <rapidjson/document.h>

#include <map>
#include <cstdio>
#include <limits>
#include <set>

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
    for (const char* key : {"id", "as_of", "outcome", "level", "partial", "levels", "competences", "reasons", "gaps", "titles"})
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
    const auto& reasons = json["reasons"];
    const auto& gaps = json["gaps"];
    CHECK_FALSE(gaps.HasMember("M1")); // reached
    REQUIRE(gaps.HasMember("M2"));
    // A gap lists indices into `reasons`: each finding is written once.
    rapidjson::Document gap(rapidjson::kArrayType);
    for (const auto& i : gaps["M2"].GetArray()) {
        REQUIRE(i.IsUint());
        REQUIRE(i.GetUint() < reasons.Size());
        const auto& reason = reasons[i.GetUint()];
        CHECK(std::string(reason["status"].GetString()) != "pass");
        bool at_m2 = false;
        for (const auto& l : reason["levels"].GetArray()) at_m2 = at_m2 || std::string(l.GetString()) == "M2";
        CHECK(at_m2);
        gap.PushBack(rapidjson::Value(reason, gap.GetAllocator()), gap.GetAllocator());
    }
    CHECK(find_entry(gap, "R1.coordination") != nullptr);
    CHECK(find_entry(gap, "R4", "min_items", "C6") != nullptr);
    // One elective is enough: the gap closes the cheapest one, not both.
    const bool c7 = find_entry(gap, "R7", "min_size", "C7") != nullptr;
    const bool c8 = find_entry(gap, "R7", "min_size", "C8") != nullptr;
    CHECK(c7 != c8);
}

TEST_CASE("reasons are the checks that decided, the same finding at several levels said once") {
    const auto d = sample_trace();
    rapidjson::Document json;
    json.Parse(masterpro::to_json(d).c_str());
    const auto& reasons = json["reasons"];
    const auto levels_of = [](const rapidjson::Value& reason) {
        std::string s;
        for (const auto& l : reason["levels"].GetArray()) s += (s.empty() ? "" : ",") + std::string(l.GetString());
        return s;
    };
    // C6's evidence is judged the same way at both levels: one reason.
    const auto* items = find_entry(reasons, "R4", "min_items", "C6");
    REQUIRE(items != nullptr);
    CHECK(levels_of(*items) == "M1,M2");
    // The panel size differs by level (2 at M1, 3 at M2): two reasons.
    int panels = 0;
    for (const auto& r : reasons.GetArray()) {
        if (std::string(r["requirement"].GetString()) != "R7" || !r.HasMember("check") ||
            std::string(r["check"].GetString()) != "min_size" || std::string(r["competence"].GetString()) != "C7")
            continue;
        ++panels;
        CHECK(r["required"].GetInt() == (levels_of(r) == "M1" ? 2 : 3));
    }
    CHECK(panels == 2);
    // Not the combinators above the checks: their statuses are in `levels` and `competences`.
    for (const auto& r : reasons.GetArray()) {
        const std::string kind = r["kind"].GetString();
        CHECK_MESSAGE(kind != "all_of", r["requirement"].GetString());
        CHECK_MESSAGE(kind != "sequence", r["requirement"].GetString());
        CHECK_MESSAGE(kind != "competence", r["requirement"].GetString());
        // A vocabulary requirement is explained by its checks, not by itself as a whole.
        if (kind == "evidence" || kind == "panel" || kind == "agreement" || kind == "scores")
            CHECK(r.HasMember("check"));
    }
    // No two reasons say the same thing.
    std::set<std::string> seen;
    for (const auto& r : reasons.GetArray()) CHECK(seen.insert(mt::compact(r)).second);
}

TEST_CASE("each requirement's title is given once, in `titles`, not on every reason") {
    const auto titles_of = [](const masterpro::rule_set& rules, const std::string& line) {
        auto d = rules.evaluate_json(line);
        REQUIRE(d.has_value());
        rapidjson::Document json;
        json.Parse(masterpro::to_json(*d).c_str());
        REQUIRE_FALSE(json.HasParseError());
        REQUIRE(json.HasMember("titles"));
        std::map<std::string, std::string> titles, own;
        for (const auto& t : json["titles"].GetObject()) titles[t.name.GetString()] = t.value.GetString();
        std::set<std::string> named;
        for (const auto& r : json["reasons"].GetArray()) {
            named.insert(r["requirement"].GetString());
            if (r.HasMember("title")) own[r["requirement"].GetString()] = r["title"].GetString();
        }
        for (const auto& t : titles) CHECK_MESSAGE(named.count(t.first), t.first); // only what reasons name
        return std::make_pair(titles, own);
    };
    const auto line = [] {
        for (const auto& l : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl"))
            if (l.find("\"MW-DEMO-2\"") != std::string::npos) return l;
        return std::string();
    }();
    REQUIRE_FALSE(line.empty());
    const auto [titles, own] = titles_of(mt::welder(), line);
    CHECK(own.empty());
    CHECK(titles.at("R4") == "sufficient, current and authentic evidence");
    CHECK(titles.at("R1.coordination") == "coordination experience");

    // No experience at all: R1 fails at M1. At M2, "R1" is the `all_of` above R1.welding and
    // R1.coordination, which is never a reason itself: the title is M1's.
    auto inexperienced = line;
    const auto experience = inexperienced.find("\"experience\":[") + 14;
    inexperienced.erase(experience, inexperienced.find(']', experience) - experience);
    CHECK(titles_of(mt::welder(), inexperienced).first.at("R1") == "welding experience");

    // Ids are unique within a level's tree only: two requirements that can be reasons, one id,
    // two titles. Their reasons carry their own titles.
    auto text = mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
    const auto replace = [&](const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), to);
    };
    replace(R"("id": "R1",
            "title": "experience",)", R"("id": "R1.all",
            "title": "experience",)");
    replace(R"("id": "R1.welding",
                "title": "welding experience",)", R"("id": "R1",
                "title": "welding experience at M2",)");
    const auto renamed = masterpro::rule_set::from_json(text, "renamed.json");
    REQUIRE(renamed.has_value());
    const auto [shared_titles, shared_own] = titles_of(*renamed, inexperienced);
    CHECK_FALSE(shared_titles.count("R1"));
    CHECK(shared_titles.at("R1.coordination") == "coordination experience");
    REQUIRE(shared_own.count("R1"));
    auto d = renamed->evaluate_json(inexperienced);
    rapidjson::Document json;
    json.Parse(masterpro::to_json(*d).c_str());
    std::set<std::string> r1_titles;
    for (const auto& r : json["reasons"].GetArray())
        if (std::string(r["requirement"].GetString()) == "R1") r1_titles.insert(r["title"].GetString());
    CHECK(r1_titles == std::set<std::string>{"welding experience", "welding experience at M2"});
}

TEST_CASE("every result that is not pass is traced down to reasons with found, required and ids") {
    const auto rules = mt::welder();
    int decisions = 0, traced = 0;
    for (const auto& line : mt::welder_candidates()) {
        auto d = rules.evaluate_json(line);
        if (!d) continue;
        ++decisions;
        rapidjson::Document json;
        json.Parse(masterpro::to_json(*d).c_str());
        REQUIRE_FALSE(json.HasParseError());
        const auto& q = d->qualification();
        // Whether a reason shows this trace entry: same requirement, check, competence and
        // status, with the entry's level among its levels.
        const auto shown = [&](const masterpro::trace_entry& e) {
            const auto& r = rules.program()->requirements[e.requirement];
            for (const auto& reason : json["reasons"].GetArray()) {
                if (r.id != reason["requirement"].GetString() || std::string(reason["status"].GetString()) != masterpro::to_string(e.result))
                    continue;
                if ((e.competence >= 0) != reason.HasMember("competence")) continue;
                if (e.competence >= 0 && q.competences[static_cast<std::size_t>(e.competence)].id != reason["competence"].GetString())
                    continue;
                if ((e.check != masterpro::check_kind::whole) != reason.HasMember("check")) continue;
                for (const auto& l : reason["levels"].GetArray())
                    if (q.levels[static_cast<std::size_t>(e.level)].id == l.GetString()) return true;
            }
            return false;
        };
        for (const auto& e : d->trace) {
            if (e.result == masterpro::status::pass) continue;
            // Down the results that are not pass, every path ends at a reason.
            std::vector<const masterpro::trace_entry*> todo{&e};
            while (!todo.empty()) {
                const auto* x = todo.back();
                todo.pop_back();
                bool deeper = false;
                for (std::uint32_t k = 0; k < x->children_count; ++k) {
                    const auto& child = d->trace[d->children[x->children_first + k]];
                    if (child.result != masterpro::status::pass) deeper = true, todo.push_back(&child);
                }
                if (!deeper) {
                    CHECK_MESSAGE(shown(*x), d->candidate_id << " " << rules.program()->requirements[x->requirement].id);
                    ++traced;
                }
            }
        }
        for (const auto& reason : json["reasons"].GetArray())
            for (const char* key : {"requirement", "kind", "levels", "status", "found", "required"})
                CHECK_MESSAGE(reason.HasMember(key), key);
    }
    CHECK(decisions > (mt::has_shared_candidates() ? 70 : 4)); // 80 shared records, or the 6 bundled
    CHECK(traced > 1000);
}

TEST_CASE("a check that records no ids of its own rests on those of its requirement") {
    const auto rules = mt::welder();
    bool seen_mean = false;
    for (const auto& line : mt::welder_candidates()) {
        auto d = rules.evaluate_json(line);
        if (!d) continue;
        rapidjson::Document json;
        json.Parse(masterpro::to_json(*d).c_str());
        for (const auto& r : json["reasons"].GetArray()) {
            if (!r.HasMember("check") || std::string(r["check"].GetString()) != "mean") continue;
            // The mean of the agreed scores: the counted assessments of the competence.
            REQUIRE(r.HasMember("assessments"));
            const std::string competence = r["competence"].GetString();
            for (const auto& a : r["assessments"].GetArray())
                CHECK(std::string(a.GetString()).find("/" + competence + "@") != std::string::npos);
            seen_mean = true;
        }
    }
    CHECK(seen_mean);
}

TEST_CASE("a decision kept for its reasons only renders the same, in less memory") {
    const auto rules = mt::welder();
    auto lines = mt::welder_candidates();
    int kept = 0;
    for (const auto& line : lines) {
        auto d = rules.evaluate_json(line);
        if (!d) continue;
        const std::string json = masterpro::to_json(*d, {true, true});
        const std::string text = masterpro::explain(*d);
        const std::size_t before = d->trace.size();
        masterpro::keep_reasons_only(*d);
        CHECK(d->trace.size() < before);
        CHECK(d->children.empty());
        for (const auto& e : d->trace) CHECK(e.result != masterpro::status::pass);
        CHECK(masterpro::to_json(*d, {true, true}) == json);
        CHECK(masterpro::explain(*d) == text);
        masterpro::keep_reasons_only(*d); // idempotent
        CHECK(masterpro::to_json(*d, {true, true}) == json);
        ++kept;
    }
    CHECK(kept > (mt::has_shared_candidates() ? 70 : 4));
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

TEST_CASE("a candidate and a decision reused record after record decide as fresh ones do") {
    // Every example of both rule files and the spec's candidates, each rule file's in order and
    // then in reverse (a record after a larger or a smaller one), each way of deciding in turn
    // into the same candidate and decision (kept from one rule file to the other too), a broken
    // record among them.
    masterpro::evaluation_options statuses_only, shown_only;
    statuses_only.trace = false;
    shown_only.passing_checks = false;
    const masterpro::evaluation_options ways[] = {{}, shown_only, statuses_only};
    std::vector<std::pair<masterpro::rule_set, std::vector<std::string>>> files;
    mt::for_each_example([&](const masterpro::rule_set& rules, const std::string& line) {
        if (files.empty() || files.back().first.program() != rules.program()) files.push_back({rules, {}});
        files.back().second.push_back(line);
    });
    REQUIRE(files.size() == 2);
    for (const auto& line : mt::welder_candidates()) files.front().second.push_back(line);
    int decided = 0, refused = 0;
    masterpro::candidate who, read;
    masterpro::decision reused;
    // Welder, ITSM, then Welder again: a decision and candidate of either rule file reused for
    // the other's.
    for (const std::size_t file : {0, 1, 0}) {
        const auto& [rules, lines] = files[file];
        std::vector<std::string> order = lines;
        order.insert(order.end(), lines.rbegin(), lines.rend());
        for (std::size_t i = 0; i < order.size(); ++i) {
            const std::string& line = order[i];
            const auto& options = ways[i % std::size(ways)];
            CAPTURE(line);
            CAPTURE(i);
            auto fresh = rules.evaluate_json(line, {}, options);
            auto into = rules.evaluate_json_into(line, who, reused, {}, options);
            REQUIRE(fresh.has_value() == into.has_value());
            if (!fresh) {
                ++refused;
                CHECK(masterpro::to_json(fresh.error()) == masterpro::to_json(into.error()));
                auto read_error = rules.read_candidate_into(line, read);
                REQUIRE_FALSE(read_error.has_value());
                CHECK(masterpro::to_json(read_error.error()) == masterpro::to_json(fresh.error()));
                continue;
            }
            ++decided;
            CHECK(masterpro::to_json(reused, {true, true}) == masterpro::to_json(*fresh, {true, true}));
            CHECK(reused.trace.size() == fresh->trace.size());
            CHECK(reused.gaps == fresh->gaps);
            // The same from a candidate read into one kept too, and decided into the decision
            // that holds the previous record's.
            REQUIRE(rules.read_candidate_into(line, read).has_value());
            REQUIRE(rules.evaluate_into(read, reused, {}, options).has_value());
            CHECK(masterpro::to_json(reused, {true, true}) == masterpro::to_json(*fresh, {true, true}));
        }
    }
    CHECK(decided >= 24);
    CHECK(refused >= 4);
}

TEST_CASE("deciding into a kept decision says why it could not, as evaluate does") {
    const auto rules = mt::welder();
    const auto lines = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    masterpro::candidate who;
    REQUIRE(rules.read_candidate_into(lines.front(), who).has_value());
    who.as_of.reset();
    masterpro::decision out;
    auto undated = rules.evaluate_into(who, out);
    REQUIRE_FALSE(undated.has_value());
    CHECK(undated.error().category == masterpro::error_category::candidate_data);
    CHECK(undated.error().where.pointer == "/as_of");
    // Given a date, the same candidate is decided, into the same decision.
    const masterpro::date as_of = masterpro::parse_date("2026-06-30").value();
    REQUIRE(rules.evaluate_into(who, out, as_of).has_value());
    auto fresh = rules.evaluate(who, as_of);
    REQUIRE(fresh.has_value());
    CHECK(masterpro::to_json(out) == masterpro::to_json(*fresh));
}

TEST_CASE("without the trace a decision has the same outcome and statuses, and no trace") {
    masterpro::evaluation_options brief;
    brief.trace = false;
    int decided = 0;
    mt::for_each_example([&](const masterpro::rule_set& rules, const std::string& line) {
        CAPTURE(line);
        auto full = rules.evaluate_json(line);
        auto statuses = rules.evaluate_json(line, {}, brief);
        REQUIRE(full.has_value() == statuses.has_value());
        if (!full) {
            CHECK(masterpro::to_json(full.error()) == masterpro::to_json(statuses.error()));
            return;
        }
        ++decided;
        CHECK(masterpro::to_json(*full, {false, false}) == masterpro::to_json(*statuses, {false, false}));
        CHECK(full->level_status == statuses->level_status);
        CHECK(full->competence_status == statuses->competence_status);
        CHECK_FALSE(full->trace.empty());
        CHECK(statuses->trace.empty());
        CHECK(statuses->refs.empty());
        CHECK(statuses->children.empty());
        CHECK(statuses->level_roots.empty());
        CHECK(statuses->competence_roots.empty());
        CHECK(statuses->gaps.empty());
        CHECK(statuses->evidence_ids.empty());
    });
    CHECK(decided >= 8);
}

TEST_CASE("a trace without the checks that pass renders the same reasons, gaps and explanation") {
    masterpro::evaluation_options shown_only;
    shown_only.passing_checks = false;
    int decided = 0;
    std::size_t full_size = 0, shown_size = 0;
    mt::for_each_example([&](const masterpro::rule_set& rules, const std::string& line) {
        CAPTURE(line);
        auto full = rules.evaluate_json(line);
        auto shown = rules.evaluate_json(line, {}, shown_only);
        REQUIRE(full.has_value() == shown.has_value());
        if (!full) return;
        ++decided;
        CHECK(masterpro::to_json(*full, {true, true}) == masterpro::to_json(*shown, {true, true}));
        CHECK(masterpro::explain(*full) == masterpro::explain(*shown));
        for (const auto& e : shown->trace) CHECK((e.check == masterpro::check_kind::whole || e.result != masterpro::status::pass));
        full_size += full->trace.size();
        shown_size += shown->trace.size();
    });
    CHECK(decided >= 8);
    CHECK(shown_size < full_size);
}

TEST_CASE("evidence the same at every level is decided once per competence without the trace, and only then") {
    const auto slot_of_evidence = [](const masterpro::rule_set& rules) {
        const auto& p = *rules.program();
        for (std::size_t i = 0; i < p.requirements.size(); ++i)
            if (p.requirements[i].kind == masterpro::detail::requirement_kind::evidence) return p.level_free.slot[i];
        FAIL("no evidence requirement");
        return -2;
    };
    CHECK(slot_of_evidence(mt::welder()) >= 0);

    // A level parameter makes the evidence requirement differ between levels (2 items at M1,
    // 3 at M2): it is decided at each level, with or without the trace.
    const std::string text = mt::welder_text_with(R"("min_items": 2,)", R"("min_items": "level.panel_size",)");
    auto per_level = masterpro::rule_set::from_json(text, "welder.json");
    REQUIRE(per_level.has_value());
    CHECK(slot_of_evidence(*per_level) == -1);
    masterpro::evaluation_options brief;
    brief.trace = false;
    bool differs = false; // some competence status differs between M1 and M2 because of it
    for (const auto& rules : {mt::welder(), *per_level}) {
        for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl")) {
            auto full = rules.evaluate_json(line);
            auto statuses = rules.evaluate_json(line, {}, brief);
            REQUIRE(full.has_value() == statuses.has_value());
            if (!full) continue;
            CHECK(full->competence_status == statuses->competence_status);
            CHECK(full->level_status == statuses->level_status);
            differs = differs || statuses->competence_status[0] != statuses->competence_status[1];
        }
    }
    CHECK(differs);
}

TEST_CASE("evidence the same at every level has the same trace whether decided once or at each level") {
    // `2 + 0 * level.panel_size` is 2 but reads the level: that evidence requirement is decided
    // at each level, the bundled one once (its entries copied).
    const std::string text = mt::welder_text_with(R"("min_items": 2,)", R"("min_items": "2 + 0 * level.panel_size",)");
    auto per_level = masterpro::rule_set::from_json(text, "welder.json");
    REQUIRE(per_level.has_value());
    const auto once = mt::welder();
    const auto refs_of = [](const masterpro::decision& d, std::uint32_t first, std::uint32_t count) {
        std::vector<std::pair<int, std::uint32_t>> out;
        for (std::uint32_t i = 0; i < count; ++i)
            out.emplace_back(static_cast<int>(d.refs[first + i].kind), d.refs[first + i].index);
        return out;
    };
    const auto same_value = [&](const masterpro::decision& a, const masterpro::detail_value& x, const masterpro::decision& b,
                                const masterpro::detail_value& y) {
        if (x.what != y.what) return false;
        if (x.what == masterpro::detail_value::kind::refs) return refs_of(a, x.first, x.count) == refs_of(b, y.first, y.count);
        return x.number == y.number && x.first == y.first && x.count == y.count;
    };
    std::size_t compared = 0;
    for (bool passing : {true, false}) {
        masterpro::evaluation_options options;
        options.passing_checks = passing;
        for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl")) {
            auto a = once.evaluate_json(line, {}, options);
            auto b = per_level->evaluate_json(line, {}, options);
            REQUIRE(a.has_value() == b.has_value());
            if (!a) continue;
            REQUIRE(a->trace.size() == b->trace.size());
            for (std::size_t i = 0; i < a->trace.size(); ++i) {
                const auto& x = a->trace[i];
                const auto& y = b->trace[i];
                CAPTURE(i);
                CHECK(x.requirement == y.requirement);
                CHECK(x.check == y.check);
                CHECK(x.result == y.result);
                CHECK(x.level == y.level);
                CHECK(x.competence == y.competence);
                CHECK(x.check_arg == y.check_arg);
                CHECK(same_value(*a, x.found, *b, y.found));
                CHECK(same_value(*a, x.required, *b, y.required));
                CHECK(refs_of(*a, x.refs_first, x.refs_count) == refs_of(*b, y.refs_first, y.refs_count));
                CHECK(std::vector<std::uint32_t>(a->children.begin() + x.children_first,
                                                 a->children.begin() + x.children_first + x.children_count) ==
                      std::vector<std::uint32_t>(b->children.begin() + y.children_first,
                                                 b->children.begin() + y.children_first + y.children_count));
                ++compared;
            }
            CHECK(a->gaps == b->gaps);
        }
    }
    CHECK(compared > 1000);
}

TEST_CASE("docs: decisions.md shows MW-DEMO-2's reason, gaps and explanation as they are") {
    const std::string page = mt::read_text(mt::source_dir() / "docs" / "decisions.md");
    const auto d = sample_trace();
    rapidjson::Document json;
    json.Parse(masterpro::to_json(d).c_str());

    // The fenced block that starts with `opening` (after `after`, when given).
    const auto block = [&](const std::string& opening, const std::string& after = "") {
        const auto start = page.find(opening, page.find(after));
        REQUIRE(start != std::string::npos);
        const auto body = page.find('\n', start) + 1;
        return page.substr(body, page.find("```", body) - body);
    };
    // The reason shown is one of the decision's reasons, key for key.
    rapidjson::Document reason;
    reason.Parse(block("```json\n{\"requirement\"").c_str());
    REQUIRE_FALSE(reason.HasParseError());
    const auto* same = find_entry(json["reasons"], "R4", "min_items", "C6");
    REQUIRE(same != nullptr);
    CHECK(mt::compact(*same) == mt::compact(reason));
    // So are the gaps in the decision object.
    const std::string object = block("```json", "## The decision object");
    const auto gaps = object.find("\"gaps\": ");
    REQUIRE(gaps != std::string::npos);
    rapidjson::Document shown;
    shown.Parse(object.substr(gaps + 8, object.find('}', gaps) - gaps - 7).c_str());
    REQUIRE_FALSE(shown.HasParseError());
    CHECK(mt::compact(shown) == mt::compact(json["gaps"]));
    // Every line of the explanation shown, but those abridged with "...".
    const std::string text = masterpro::explain(d);
    std::istringstream lines(block("```text"));
    int checked = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.find("...") != std::string::npos) continue;
        CHECK_MESSAGE(text.find(line + "\n") != std::string::npos, line);
        ++checked;
    }
    CHECK(checked >= 3);
}

namespace {

using replacements = std::vector<std::pair<std::string, std::string>>;

/// `text` with each `from` replaced by its `to` everywhere.
std::string replaced(std::string text, const replacements& by) {
    for (const auto& [from, to] : by)
        for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    return text;
}

/// A bundled Master Welder example's record text (`"MW-DEMO-n"`), with replacements.
std::string demo_with(const std::string& id, const replacements& by = {}) {
    for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl"))
        if (line.find("\"" + id + "\"") != std::string::npos) return replaced(line, by);
    FAIL(id << " is missing from the bundled examples");
    return {};
}

/// Every string in `v` (keys and values).
void strings_of(const rapidjson::Value& v, std::set<std::string>& out) {
    if (v.IsString()) out.emplace(v.GetString(), v.GetStringLength());
    if (v.IsArray())
        for (const auto& e : v.GetArray()) strings_of(e, out);
    if (v.IsObject())
        for (const auto& m : v.GetObject()) {
            out.emplace(m.name.GetString(), m.name.GetStringLength());
            strings_of(m.value, out);
        }
}

} // namespace

TEST_CASE("append_json appends to what the string holds, and to_json is append_json to nothing") {
    const auto d = sample_trace();
    for (const masterpro::decision_json_options options :
         {masterpro::decision_json_options{true, false}, masterpro::decision_json_options{false, false},
          masterpro::decision_json_options{true, true}}) {
        const std::string alone = masterpro::to_json(d, options);
        // Prefixes around the size of the block the text is written in, and one far longer.
        for (const std::size_t prefix : {std::size_t{0}, std::size_t{1}, std::size_t{3967}, std::size_t{3968},
                                         std::size_t{3969}, std::size_t{100000}}) {
            std::string out(prefix, 'x');
            masterpro::append_json(out, d, options);
            CHECK(out.size() == prefix + alone.size());
            CHECK(out.compare(0, prefix, std::string(prefix, 'x')) == 0);
            CHECK(out.compare(prefix, std::string::npos, alone) == 0);
            masterpro::append_json(out, d, options); // again, after itself
            CHECK(out == std::string(prefix, 'x') + alone + alone);
        }
    }
}

TEST_CASE("ids that need escaping, and ids longer than the rendering block, are rendered as RapidJSON writes them") {
    const auto rules = mt::welder();
    // MW-DEMO-4's reasons name evidence EV-2, assessors AS-A and AS-B and their assessments.
    const std::string long_id(4000, 'e'); // longer than the block the text is written in
    const std::string control_id = std::string(700, '\x01') + "\"\\"; // escaped, longer than the block too
    std::string control_json = "\"";
    for (int i = 0; i < 700; ++i) control_json += "\\u0001";
    control_json += "\\\"\\\\"; // still open
    const replacements ids = {{"\"MW-DEMO-4\"", "\"MW \\\"DEMO\\\" 4\""},
                              {"\"EV-2\"", "\"" + long_id + "\""},
                              {"\"AS-A\"", "\"AS-\\\"A\\\"\\t\""},
                              {"\"AS-B\"", control_json + "\""}};
    auto d = rules.evaluate_json(demo_with("MW-DEMO-4", ids));
    REQUIRE(d.has_value());
    for (const masterpro::decision_json_options options :
         {masterpro::decision_json_options{true, false}, masterpro::decision_json_options{true, true}}) {
        const std::string json = masterpro::to_json(*d, options);
        rapidjson::Document parsed;
        parsed.Parse(json.c_str(), json.size());
        REQUIRE_FALSE(parsed.HasParseError());
        // The same bytes as RapidJSON's writer gives for what was read back: the escaping is its.
        CHECK(mt::compact(parsed) == json);
        CHECK(std::string(parsed["id"].GetString()) == "MW \"DEMO\" 4");
        std::set<std::string> strings;
        strings_of(parsed, strings);
        CHECK(strings.count(long_id) == 1);
        CHECK(strings.count(control_id) == 1);
        CHECK(strings.count("AS-\"A\"\t") == 1);
        CHECK(strings.count("AS-\"A\"\t/C1@2026-05-11") == 1); // assessments, named by their assessor
        CHECK(strings.count(control_id + "/C1@2026-05-12") == 1);
    }
    // The same as the decision with the plain ids, but for the ids.
    const auto plain = rules.evaluate_json(demo_with("MW-DEMO-4"));
    REQUIRE(plain.has_value());
    replacements in_output = ids;
    in_output.push_back({"\"AS-A/", "\"AS-\\\"A\\\"\\t/"});
    in_output.push_back({"\"AS-B/", control_json + "/"});
    CHECK(masterpro::to_json(*d) == replaced(masterpro::to_json(*plain), in_output));
}

TEST_CASE("decisions of different rule sets rendered in turn on one thread render as they do alone") {
    const auto welder = mt::welder();
    const auto itsm = mt::load_rules("rules/qualifications/LT-AMK-ITSM-001.json");
    std::vector<masterpro::decision> decisions;
    for (const char* folder : {"master-welder", "itsm"}) {
        const auto& rules = std::string(folder) == "itsm" ? itsm : welder;
        for (const auto& line : mt::read_lines(mt::source_dir() / "rules/examples" / folder / "candidates.jsonl"))
            if (auto d = rules.evaluate_json(line)) decisions.push_back(std::move(*d));
    }
    REQUIRE(decisions.size() > 10);
    std::vector<std::string> alone;
    for (const auto& d : decisions) alone.push_back(masterpro::to_json(d, {true, true}));
    // Interleaved: welder, itsm, welder, ... from both ends of the list.
    for (std::size_t i = 0, j = decisions.size() - 1; i < decisions.size(); ++i, j = (j + decisions.size() - 1) % decisions.size()) {
        CHECK(masterpro::to_json(decisions[i], {true, true}) == alone[i]);
        CHECK(masterpro::to_json(decisions[j], {true, true}) == alone[j]);
    }
    // A rule set loaded again (perhaps at the same address) renders the same.
    for (int round = 0; round < 3; ++round) {
        const auto again = mt::welder();
        const auto d = again.evaluate_json(demo_with("MW-DEMO-2"));
        REQUIRE(d.has_value());
        CHECK(masterpro::to_json(*d, {true, true}) == masterpro::to_json(sample_trace(), {true, true}));
    }
}

TEST_CASE("a reason found at several levels lists each level once, in order") {
    const auto d = sample_trace();
    const std::string json = masterpro::to_json(d);
    rapidjson::Document before;
    before.Parse(json.c_str());
    const auto& reasons = before["reasons"];
    REQUIRE(reasons.Size() > 0);
    REQUIRE(d.level_status.size() == 2);
    std::uint32_t first = 0; // the first reason's entry
    while (first < d.trace.size() && (d.trace[first].result == masterpro::status::pass || d.trace[first].children_count))
        ++first;
    REQUIRE(first < d.trace.size());
    // The first reason's finding again, at levels out of order and outside any level: a few (as
    // reasons have) and more than a reason usually has. Still one reason, its levels sorted, once.
    for (const std::vector<std::int16_t>& levels :
         {std::vector<std::int16_t>{1, 0, -1}, std::vector<std::int16_t>{0, -1, 1},
          std::vector<std::int16_t>{1, 0, -1, 1, 1, 0, -1, 0, 1, 0, 1, 1}}) {
        auto changed = d;
        for (const std::int16_t level : levels) {
            auto e = changed.trace[first];
            e.level = level;
            changed.trace.push_back(e);
        }
        rapidjson::Document after;
        const std::string text = masterpro::to_json(changed);
        after.Parse(text.c_str());
        REQUIRE_FALSE(after.HasParseError());
        CHECK(after["reasons"].Size() == reasons.Size());
        const auto& merged = after["reasons"][0];
        REQUIRE(merged["levels"].Size() == 2);
        CHECK(std::string(merged["levels"][0].GetString()) == "M1");
        CHECK(std::string(merged["levels"][1].GetString()) == "M2");
        for (rapidjson::SizeType k = 1; k < reasons.Size(); ++k)
            CHECK(mt::compact(after["reasons"][k]) == mt::compact(reasons[k]));
    }
}

TEST_CASE("numbers in the explanation are written as printf's %.4g writes them") {
    auto d = sample_trace();
    REQUIRE(d.gaps.size() == 2);
    REQUIRE_FALSE(d.gaps[1].empty());
    auto& entry = d.trace[d.gaps[1].front()];
    for (const double n : {0.0, -0.0, 3.0, -3.0, 9999.0, -9999.0, 10000.0, 12345.0, 0.5, 1.4921, -2.5, 1e300,
                           std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        entry.found = masterpro::detail_value::of(n);
        char expected[32];
        std::snprintf(expected, sizeof expected, "%.4g", n);
        CHECK_MESSAGE(masterpro::explain(d).find(std::string("found ") + expected + ",") != std::string::npos, expected);
    }
}

TEST_CASE("a gap names each result once, a leaf that is not pass, the same decision after decision") {
    // A level that requires a competence twice reaches the same results twice while its gap is
    // collected; the levels share the competences' results.
    const std::string text = mt::welder_text_with(R"({ "competence": "C1" },)", R"({ "competence": "C1" }, { "competence": "C1" },)");
    auto twice = masterpro::rule_set::from_json(text, "welder.json");
    REQUIRE(twice.has_value());
    const auto lines = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    std::size_t named = 0;
    for (const auto& rules : {mt::welder(), *twice}) {
        for (int round = 0; round < 2; ++round) { // the second round: gaps of earlier decisions are no guide
            for (const auto& line : lines) {
                const auto d = rules.evaluate_json(line);
                if (!d.has_value()) continue;
                REQUIRE(d->gaps.size() == d->level_status.size());
                for (std::size_t l = 0; l < d->gaps.size(); ++l) {
                    const auto& gap = d->gaps[l];
                    CHECK(std::set<std::uint32_t>(gap.begin(), gap.end()).size() == gap.size());
                    if (d->level_status[l] == masterpro::status::pass) CHECK(gap.empty());
                    else CHECK_FALSE(gap.empty());
                    for (const std::uint32_t g : gap) {
                        REQUIRE(g < d->trace.size());
                        const auto& e = d->trace[g];
                        CHECK(e.result != masterpro::status::pass);
                        CHECK((e.check != masterpro::check_kind::whole || e.children_count == 0));
                        ++named;
                    }
                }
            }
        }
    }
    CHECK(named > 0);
}

namespace {

/// The Master Welder rules with `count` levels: M1, M2 and copies of M2 named M3, M4, ...
masterpro::rule_set welder_with_levels(std::size_t count) {
    rapidjson::Document rules;
    const std::string text = mt::read_text(mt::source_dir() / "rules/qualifications/LT-AMK-WELD-001.json");
    rules.Parse(text.c_str(), text.size());
    REQUIRE_FALSE(rules.HasParseError());
    auto& levels = rules["levels"];
    REQUIRE(levels.Size() == 2);
    for (std::size_t l = 3; l <= count; ++l) {
        rapidjson::Value copy(levels[1], rules.GetAllocator());
        copy["id"].SetString(("M" + std::to_string(l)).c_str(), rules.GetAllocator());
        levels.PushBack(copy, rules.GetAllocator());
    }
    auto loaded = masterpro::rule_set::from_json(mt::compact(rules), "welder.json");
    REQUIRE(loaded.has_value());
    return *loaded;
}

/// The level's index from its id ("M12": 11).
int level_index(const rapidjson::Value& id) { return std::stoi(std::string(id.GetString()).substr(1)) - 1; }

} // namespace

TEST_CASE("a reason found at many levels lists them all, in order, with rules of up to 64 levels and more") {
    // Reasons' levels are rendered from a word of bits where the rules have at most 64 levels,
    // and from the list of their entries otherwise: both give the levels in order, once.
    const auto two = mt::welder();
    const auto lines = mt::read_lines(mt::source_dir() / "rules/examples/master-welder/candidates.jsonl");
    for (const std::size_t count : {std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{70}}) {
        const auto many = welder_with_levels(count);
        std::size_t all_levels = 0; // reasons found at every level from M2 on
        for (const auto& line : lines) {
            const auto d2 = two.evaluate_json(line);
            const auto d = many.evaluate_json(line);
            REQUIRE(d2.has_value() == d.has_value());
            if (!d) continue;
            const std::string json = masterpro::to_json(*d);
            rapidjson::Document parsed, parsed2;
            parsed.Parse(json.c_str(), json.size());
            REQUIRE_FALSE(parsed.HasParseError());
            CHECK(mt::compact(parsed) == json);
            const std::string json2 = masterpro::to_json(*d2);
            parsed2.Parse(json2.c_str(), json2.size());
            // Each reason's levels in order, once (a competence's reason may be found at every
            // copy of M2). What is found at M1 and M2 is what the rules with two levels find.
            std::vector<std::string> at_first_two;
            for (auto& reason : parsed["reasons"].GetArray()) {
                auto& reason_levels = reason["levels"];
                REQUIRE(reason_levels.Size() > 0);
                for (rapidjson::SizeType l = 1; l < reason_levels.Size(); ++l)
                    CHECK(level_index(reason_levels[l - 1]) < level_index(reason_levels[l]));
                if (level_index(reason_levels[0]) <= 1 && reason_levels.Size() == count - level_index(reason_levels[0]))
                    ++all_levels;
                rapidjson::Value first_two(rapidjson::kArrayType);
                for (auto& l : reason_levels.GetArray())
                    if (level_index(l) < 2) first_two.PushBack(rapidjson::Value(l, parsed.GetAllocator()), parsed.GetAllocator());
                if (first_two.Empty()) continue; // found at a copy of M2 only (its own requirements)
                reason_levels = first_two;
                at_first_two.push_back(mt::compact(reason));
            }
            std::vector<std::string> expected;
            for (const auto& reason : parsed2["reasons"].GetArray()) expected.push_back(mt::compact(reason));
            CHECK(at_first_two == expected);
        }
        CHECK(all_levels > 0);
    }
}

TEST_CASE("reasons whose ids escape to many times their length render whole wherever the block ends") {
    // A reason is written into room reserved for it when a bound on its length fits the block:
    // ids of control characters (six bytes each, escaped) near that bound, after text that
    // leaves the block more or less full.
    const auto rules = mt::welder();
    for (const std::size_t length : {std::size_t{1}, std::size_t{100}, std::size_t{500}, std::size_t{600},
                                     std::size_t{640}, std::size_t{700}}) {
        std::string id_json = "\"AS-";
        for (std::size_t i = 0; i < length; ++i) id_json += "\\u0002";
        id_json += "\"";
        const std::string id = "AS-" + std::string(length, '\x02');
        auto d = rules.evaluate_json(demo_with("MW-DEMO-4", {{"\"AS-B\"", id_json}}));
        REQUIRE(d.has_value());
        const std::string alone = masterpro::to_json(*d);
        rapidjson::Document parsed;
        parsed.Parse(alone.c_str(), alone.size());
        REQUIRE_FALSE(parsed.HasParseError());
        CHECK(mt::compact(parsed) == alone);
        std::set<std::string> strings;
        strings_of(parsed, strings);
        CHECK(strings.count(id) == 1);
        for (std::size_t prefix = 0; prefix < 4100; prefix += 97) {
            std::string out(prefix, 'x');
            masterpro::append_json(out, *d);
            CHECK(out.compare(prefix, std::string::npos, alone) == 0);
        }
    }
}
