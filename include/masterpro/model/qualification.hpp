// The descriptor of a qualification: levels, competences, criteria, rubric and vocabularies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace masterpro {

/// Index of an interned id in its table (levels, competences, criteria, ...).
using id_index = std::uint16_t;

/// The whole-number score scale shared by every criterion.
struct rubric {
    int min = 0;
    int max = 4;
    std::map<int, std::string> labels;
};

/// One level, with its national (LTQF) and European (EQF) framework numbers.
struct level {
    std::string id;
    std::string title;
    int ltqf = 0;
    int eqf = 0;
    /// Named numeric parameters that requirements read as `level.<name>`.
    std::map<std::string, double> params;
};

/// A performance criterion of one competence.
struct criterion {
    std::string id;
    std::string title;
    id_index competence = 0;
};

/// A competence and its criteria (as indices into qualification::criteria).
struct competence {
    std::string id;
    std::string title;
    std::vector<id_index> criteria;
    std::vector<id_index> tags; ///< indices into qualification::tags
    double credits = 0;
    std::vector<std::string> esco; ///< ESCO skill URIs
};

/// A kind of evidence a candidate may bring.
struct evidence_type {
    std::string id;
    bool direct = false;
};

/// Everything a rule file says about what is being awarded (the requirements live in the
/// compiled program). Ids are interned: the position in each vector is the id's index.
struct qualification {
    std::string id;
    std::string title;
    std::string sector;
    std::string version;
    masterpro::rubric rubric;
    std::vector<level> levels; ///< lowest first
    std::vector<competence> competences;
    std::vector<criterion> criteria;
    std::vector<std::string> tags;
    std::vector<std::string> experience_roles;
    std::vector<std::string> evidence_flags;
    std::vector<evidence_type> evidence_types;
    std::vector<std::string> credential_types;
    int valid_for_years = 0;
    std::optional<id_index> partial_level;

    /// Index of an id in a table, or nullopt.
    static std::optional<id_index> find(const std::vector<std::string>& table,
                                        const std::string& id) noexcept {
        for (std::size_t i = 0; i < table.size(); ++i)
            if (table[i] == id) return static_cast<id_index>(i);
        return std::nullopt;
    }
    template <class Item>
    static std::optional<id_index> find_id(const std::vector<Item>& table,
                                           const std::string& id) noexcept {
        for (std::size_t i = 0; i < table.size(); ++i)
            if (table[i].id == id) return static_cast<id_index>(i);
        return std::nullopt;
    }
};

} // namespace masterpro
