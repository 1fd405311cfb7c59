// The candidate reader's routes compared (candidate_reader.hpp): the On-Demand route must give
// exactly what the tree readers give, into a fresh candidate or into one that held another
// record. Used by the candidate fuzz target and by tests/cpp/candidate_reader_test.cpp.
#pragma once

#include "candidate_reader.hpp"

#include "masterpro/rule_set.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace masterpro::fuzz {

/// Every member of a candidate, in one line (doubles in full: routes must agree to the bit).
inline std::string describe(const candidate& c) {
    std::string s;
    auto add = [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>)
            s += '"' + x + '"';
        else if constexpr (std::is_same_v<T, date>)
            s += std::to_string(x.days);
        else if constexpr (std::is_same_v<T, std::optional<date>>)
            s += x ? std::to_string(x->days) : "-";
        else if constexpr (std::is_same_v<T, std::optional<id_index>>)
            s += x ? std::to_string(*x) : "-";
        else if constexpr (std::is_same_v<T, double>) {
            char text[32];
            std::snprintf(text, sizeof text, "%a", x);
            s += text;
        } else
            s += std::to_string(x);
        s += ' ';
    };
    add(c.id), add(c.as_of), add(c.employer), add(c.has_experience), add(c.has_credentials);
    s += "| experience ";
    for (const auto& e : c.experience)
        add(e.from), add(e.to), add(e.fte), add(e.role);
    s += "| evidence ";
    for (const auto& e : c.evidence) {
        add(e.id), add(e.type), add(e.dated), add(e.flags);
        for (id_index k : e.covers)
            add(k);
        s += "; ";
    }
    s += "| assessors ";
    for (const auto& a : c.assessors) {
        add(a.id), add(a.employer), add(a.industry), add(a.held_level), add(a.sector_years),
            add(a.trained);
        for (const auto& r : a.relations)
            add(r.kind), add(r.until);
        s += "; ";
    }
    s += "| assessments ";
    for (const auto& a : c.assessments) {
        add(a.assessor), add(a.competence), add(a.dated);
        for (const auto& k : a.scores)
            add(k.criterion), add(k.score);
        s += "; ";
    }
    s += "| credentials ";
    for (const auto& cr : c.credentials)
        add(cr.id), add(cr.type), add(cr.issued), add(cr.valid_until);
    return s;
}

/// What reading `json` by `route` into `into` gives: the candidate described, or the error.
inline std::string read_by(const rule_set& rules, std::string_view json, detail::reader_route route,
                           candidate& into, std::size_t readable_after = 0) {
    const auto read = detail::read_candidate_into(*rules.program(), json, *make_date(2026, 6, 30), into, route,
                                                  readable_after);
    if (!read) {
        const error& e = read.error();
        return "error " + std::to_string(static_cast<int>(e.category)) + " " + e.message + " at " +
               e.where.pointer + " / " + e.where.path + " column " + std::to_string(e.where.column);
    }
    return describe(into);
}

/// The fastest route against the tree route, into a fresh candidate and into `reused` (which
/// may hold an earlier record, and is left holding this one): empty when all agree.
inline std::string compare_routes(const rule_set& rules, std::string_view json, candidate& reused) {
    candidate fresh, tree;
    const std::string by_tree = read_by(rules, json, detail::reader_route::tree, tree);
    const std::string fastest = read_by(rules, json, detail::reader_route::fastest, fresh);
    if (fastest != by_tree)
        return "the fastest route and the tree route differ: " + fastest + " / " + by_tree;
    const std::string again = read_by(rules, json, detail::reader_route::fastest, reused);
    if (again != by_tree)
        return "reading into a used candidate differs: " + again + " / " + by_tree;
    // Read in place: the text followed by bytes that could continue JSON (quotes, backslashes,
    // digits, brackets), which the reader may read but must not take as part of the record.
    std::string buffer(json);
    for (std::size_t i = 0; i < detail::in_place_padding + 7; ++i)
        buffer += "\"\\1{[:,e-"[i % 9];
    candidate in_place;
    const std::string read_in_place = read_by(rules, std::string_view(buffer.data(), json.size()),
                                              detail::reader_route::fastest, in_place, buffer.size() - json.size());
    if (read_in_place != by_tree)
        return "reading the text in place differs: " + read_in_place + " / " + by_tree;
    return {};
}

} // namespace masterpro::fuzz
