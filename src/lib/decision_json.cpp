// Renders decisions as JSON (RapidJSON's writer) and as plain-language explanations, both
// from the recorded trace.
#include "masterpro/io/decision_json.hpp"

#include "program.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

void detail(writer& w, const detail_value& v) {
    if (std::holds_alternative<double>(v)) {
        const double d = std::get<double>(v);
        // Whole numbers print as integers; others keep 4 decimals, enough for FTE years.
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) w.Int64(static_cast<std::int64_t>(d));
        else if (std::isfinite(d)) w.Double(std::round(d * 10000) / 10000);
        else w.Null();
    } else if (std::holds_alternative<std::string>(v)) {
        string(w, std::get<std::string>(v));
    } else if (std::holds_alternative<std::vector<std::string>>(v)) {
        strings(w, std::get<std::vector<std::string>>(v));
    } else {
        w.Null();
    }
}

std::string detail_text(const detail_value& v) {
    if (std::holds_alternative<double>(v)) {
        char text[32];
        std::snprintf(text, sizeof text, "%.4g", std::get<double>(v));
        return text;
    }
    if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
    if (std::holds_alternative<std::vector<std::string>>(v)) {
        std::string s;
        for (const auto& part : std::get<std::vector<std::string>>(v)) s += (s.empty() ? "" : ", ") + part;
        return s.empty() ? "none" : s;
    }
    return "";
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
    if (!e.check.empty()) {
        w.Key("check");
        string(w, e.check);
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
    detail(w, e.found);
    w.Key("required");
    detail(w, e.required);
    if (!e.evidence.empty()) {
        w.Key("evidence");
        strings(w, e.evidence);
    }
    if (!e.assessors.empty()) {
        w.Key("assessors");
        strings(w, e.assessors);
    }
    if (!e.assessments.empty()) {
        w.Key("assessments");
        strings(w, e.assessments);
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
    if (!e.check.empty()) s += " [" + e.check + "]";
    s += std::string(" is ") + to_string(e.result);
    const std::string found = detail_text(e.found), required = detail_text(e.required);
    if (!found.empty() || !required.empty()) s += ": found " + (found.empty() ? "nothing" : found);
    if (!required.empty()) s += ", required " + required;
    auto ids = [&](const char* label, const std::vector<std::string>& list) {
        if (list.empty()) return;
        s += std::string("; ") + label + " ";
        for (std::size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i];
    };
    ids("evidence", e.evidence);
    ids("assessors", e.assessors);
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
