// Renders decisions as JSON (RapidJSON's writer) and as plain-language explanations, both
// from the recorded trace.
#include "masterpro/io/decision_json.hpp"

#include "program.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace masterpro {

const char* to_string(status s) noexcept {
    switch (s) {
    case status::pass: return "pass";
    case status::fail: return "fail";
    case status::insufficient: return "insufficient";
    }
    return "?";
}

const char* to_string(outcome o) noexcept {
    switch (o) {
    case outcome::awarded: return "awarded";
    case outcome::partial: return "partial";
    case outcome::not_awarded: return "not_awarded";
    }
    return "?";
}

const qualification& decision::qualification() const { return rules->descriptor; }

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string(writer& w, const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void strings(writer& w, const std::vector<std::string>& list) {
    w.StartArray();
    for (const auto& s : list) string(w, s);
    w.EndArray();
}

std::string ref_text(const decision& d, const trace_ref& r) {
    const auto& q = d.qualification();
    switch (r.kind) {
    case ref_kind::evidence: return d.evidence_ids[r.index];
    case ref_kind::assessor: return d.assessor_ids[r.index];
    case ref_kind::credential: return d.credential_ids[r.index];
    case ref_kind::assessment: {
        const auto& a = d.assessments[r.index];
        return d.assessor_ids[a.assessor] + "/" + q.competences[a.competence].id + "@" + to_string(a.dated);
    }
    case ref_kind::criterion: return q.criteria[r.index].id;
    case ref_kind::evidence_type: return q.evidence_types[r.index].id;
    case ref_kind::credential_type: return q.credential_types[r.index];
    }
    return "";
}

const char* phrase_text(std::uint32_t p) {
    switch (static_cast<phrase>(p)) {
    case phrase::no_experience_recorded: return "no experience recorded";
    case phrase::no_credentials_recorded: return "no credentials recorded";
    case phrase::pass: return "pass";
    case phrase::fail: return "fail";
    case phrase::insufficient: return "insufficient";
    }
    return "";
}

void detail(writer& w, const decision& d, const detail_value& v) {
    switch (v.what) {
    case detail_value::kind::number: {
        const double n = v.number;
        // Whole numbers print as integers; others keep 4 decimals, enough for FTE years.
        if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 1e15) w.Int64(static_cast<std::int64_t>(n));
        else if (std::isfinite(n)) w.Double(std::round(n * 10000) / 10000);
        else w.Null();
        return;
    }
    case detail_value::kind::phrase: w.String(phrase_text(v.first)); return;
    case detail_value::kind::refs:
        w.StartArray();
        for (std::uint32_t i = 0; i < v.count; ++i) string(w, ref_text(d, d.refs[v.first + i]));
        w.EndArray();
        return;
    case detail_value::kind::none: w.Null(); return;
    }
}

std::string detail_text(const decision& d, const detail_value& v) {
    switch (v.what) {
    case detail_value::kind::number: {
        char text[32];
        std::snprintf(text, sizeof text, "%.4g", v.number);
        return text;
    }
    case detail_value::kind::phrase: return phrase_text(v.first);
    case detail_value::kind::refs: {
        std::string s;
        for (std::uint32_t i = 0; i < v.count; ++i) s += (i ? ", " : "") + ref_text(d, d.refs[v.first + i]);
        return s.empty() ? "none" : s;
    }
    case detail_value::kind::none: return "";
    }
    return "";
}

/// The name of the check an entry records ("" for the requirement as a whole).
std::string check_name(const decision& d, const trace_entry& e) {
    const auto& q = d.qualification();
    const auto criterion = [&] { return q.criteria[e.check_arg].id; };
    switch (e.check) {
    case check_kind::whole: return "";
    case check_kind::not_usable: return "not_usable";
    case check_kind::min_items: return "min_items";
    case check_kind::min_distinct_types: return "min_distinct_types";
    case check_kind::count_condition: return d.rules->requirements[e.requirement].counts[e.check_arg].title;
    case check_kind::cover_every_criterion: return "cover_every_criterion";
    case check_kind::not_valid: return "not_valid";
    case check_kind::min_size: return "min_size";
    case check_kind::scorers: return criterion() + " scorers";
    case check_kind::spread: return criterion() + " spread";
    case check_kind::agreed: return criterion();
    case check_kind::agreed_scores: return "agreed_scores";
    case check_kind::criterion_score: return criterion();
    case check_kind::mean: return "mean";
    }
    return "";
}

/// The ids an entry rests on, grouped by kind, as (JSON key, ids).
std::vector<std::pair<const char*, std::vector<std::string>>> grouped_ids(const decision& d, const trace_entry& e) {
    std::vector<std::pair<const char*, std::vector<std::string>>> groups;
    for (std::uint32_t i = 0; i < e.refs_count; ++i) {
        const trace_ref& r = d.refs[e.refs_first + i];
        const char* key = r.kind == ref_kind::assessor ? "assessors" : r.kind == ref_kind::assessment ? "assessments"
                          : r.kind == ref_kind::credential ? "credentials" : "evidence";
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return std::string(g.first) == key; });
        if (it == groups.end()) it = groups.insert(groups.end(), {key, {}});
        it->second.push_back(ref_text(d, r));
    }
    return groups;
}

void entry(writer& w, const decision& d, const trace_entry& e) {
    const auto& p = *d.rules;
    const auto& q = p.descriptor;
    const auto& r = p.requirements[e.requirement];
    w.StartObject();
    w.Key("requirement");
    string(w, r.id);
    if (!r.title.empty()) {
        w.Key("title");
        string(w, r.title);
    }
    w.Key("kind");
    w.String(detail::to_string(r.kind));
    if (e.check != check_kind::whole) {
        w.Key("check");
        string(w, check_name(d, e));
    }
    if (e.level >= 0) {
        w.Key("level");
        string(w, q.levels[static_cast<std::size_t>(e.level)].id);
    }
    if (e.competence >= 0) {
        w.Key("competence");
        string(w, q.competences[static_cast<std::size_t>(e.competence)].id);
    }
    w.Key("status");
    w.String(to_string(e.result));
    w.Key("found");
    detail(w, d, e.found);
    w.Key("required");
    detail(w, d, e.required);
    for (const auto& [key, list] : grouped_ids(d, e)) {
        w.Key(key);
        strings(w, list);
    }
    w.EndObject();
}

std::string scope_text(const decision& d, const trace_entry& e) {
    const auto& q = d.rules->descriptor;
    std::string s;
    if (e.competence >= 0) {
        const auto& c = q.competences[static_cast<std::size_t>(e.competence)];
        s += c.id + " (" + c.title + ") at " + q.levels[static_cast<std::size_t>(e.level)].id + ": ";
    }
    return s;
}

std::string entry_text(const decision& d, const trace_entry& e) {
    const auto& r = d.rules->requirements[e.requirement];
    std::string s = scope_text(d, e);
    s += r.title.empty() ? r.id : r.id + " " + r.title;
    if (e.check != check_kind::whole) s += " [" + check_name(d, e) + "]";
    s += std::string(" is ") + to_string(e.result);
    const std::string found = detail_text(d, e.found), required = detail_text(d, e.required);
    if (!found.empty() || !required.empty()) s += ": found " + (found.empty() ? "nothing" : found);
    if (!required.empty()) s += ", required " + required;
    for (const auto& [key, list] : grouped_ids(d, e)) {
        s += std::string("; ") + key + " ";
        for (std::size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i];
    }
    return s;
}

} // namespace

std::string to_json(const decision& d, const decision_json_options& options) {
    const auto& q = d.rules->descriptor;
    rapidjson::StringBuffer buffer;
    writer w(buffer);
    w.StartObject();
    w.Key("id");
    string(w, d.candidate_id);
    w.Key("as_of");
    string(w, to_string(d.as_of));
    w.Key("qualification");
    string(w, q.id);
    w.Key("version");
    string(w, q.version);
    w.Key("outcome");
    w.String(to_string(d.outcome));
    w.Key("level");
    if (d.level) string(w, q.levels[*d.level].id);
    else w.Null();
    w.Key("partial");
    w.StartArray();
    for (id_index c : d.partial) string(w, q.competences[c].id);
    w.EndArray();
    w.Key("valid_until");
    if (d.valid_until) string(w, to_string(*d.valid_until));
    else w.Null();
    w.Key("levels");
    w.StartObject();
    for (std::size_t l = 0; l < d.level_status.size(); ++l) {
        string(w, q.levels[l].id);
        w.String(to_string(d.level_status[l]));
    }
    w.EndObject();
    w.Key("competences");
    w.StartObject();
    for (std::size_t l = 0; l < d.competence_status.size(); ++l) {
        string(w, q.levels[l].id);
        w.StartObject();
        for (std::size_t c = 0; c < d.competence_status[l].size(); ++c) {
            string(w, q.competences[c].id);
            w.String(to_string(d.competence_status[l][c]));
        }
        w.EndObject();
    }
    w.EndObject();
    if (options.reasons) {
        w.Key("reasons");
        w.StartArray();
        for (const auto& e : d.trace)
            if (e.result != status::pass) entry(w, d, e);
        w.EndArray();
        w.Key("gaps");
        w.StartObject();
        for (std::size_t l = 0; l < d.gaps.size(); ++l) {
            if (d.level_status[l] == status::pass) continue;
            string(w, q.levels[l].id);
            w.StartArray();
            for (std::uint32_t i : d.gaps[l]) entry(w, d, d.trace[i]);
            w.EndArray();
        }
        w.EndObject();
    }
    if (options.explanation) {
        w.Key("explanation");
        string(w, explain(d));
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string explain(const decision& d) {
    const auto& q = d.rules->descriptor;
    std::string s = "Candidate " + d.candidate_id + ", " + q.title + " (" + q.id + " " + q.version + "), as of " +
                    to_string(d.as_of) + ": ";
    if (d.outcome == outcome::awarded) {
        const auto& l = q.levels[*d.level];
        s += "awarded " + l.id + (l.title.empty() ? "" : " (" + l.title + ")") + ", LTQF " + std::to_string(l.ltqf) +
             " / EQF " + std::to_string(l.eqf);
        if (d.valid_until) s += ", valid until " + to_string(*d.valid_until);
        s += ".\n";
    } else if (d.outcome == outcome::partial) {
        s += "partial award of";
        for (std::size_t i = 0; i < d.partial.size(); ++i) s += (i ? ", " : " ") + q.competences[d.partial[i]].id;
        s += " (no level reached).\n";
    } else {
        s += "not awarded.\n";
    }
    for (std::size_t l = 0; l < d.level_status.size(); ++l) {
        s += "Level " + q.levels[l].id + ": " + to_string(d.level_status[l]) + ". Competences:";
        for (std::size_t c = 0; c < d.competence_status[l].size(); ++c)
            s += " " + q.competences[c].id + " " + to_string(d.competence_status[l][c]) + (c + 1 < d.competence_status[l].size() ? "," : ".");
        s += "\n";
    }
    for (std::size_t l = 0; l < d.gaps.size(); ++l) {
        if (d.level_status[l] == status::pass) continue;
        s += "What stands between the candidate and " + q.levels[l].id + ":\n";
        for (std::uint32_t i : d.gaps[l]) s += "  - " + entry_text(d, d.trace[i]) + "\n";
    }
    return s;
}

std::string to_json(const error& e) {
    rapidjson::StringBuffer buffer;
    writer w(buffer);
    w.StartObject();
    w.Key("category");
    w.String(to_string(e.category));
    w.Key("message");
    string(w, e.message);
    if (!e.where.file.empty()) {
        w.Key("file");
        string(w, e.where.file);
    }
    if (e.where.line) {
        w.Key("line");
        w.Uint64(e.where.line);
    }
    if (e.where.column) {
        w.Key("column");
        w.Uint64(e.where.column);
    }
    w.Key("pointer");
    string(w, e.where.pointer);
    if (!e.where.path.empty()) {
        w.Key("path");
        string(w, e.where.path);
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

} // namespace masterpro
