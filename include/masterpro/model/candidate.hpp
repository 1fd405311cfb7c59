// A candidate record in typed form, its ids interned against one qualification.
#pragma once

#include "masterpro/model/date.hpp"
#include "masterpro/model/qualification.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace masterpro {

/// A period of work; `to` absent means ongoing.
struct experience_record {
    date from;
    std::optional<date> to;
    double fte = 1.0;
    id_index role = 0; ///< index into qualification::experience_roles
};

/// One piece of evidence in the portfolio.
struct evidence_item {
    std::string id;
    id_index type = 0; ///< index into qualification::evidence_types
    date dated;
    std::vector<id_index> covers; ///< criterion indices
    std::uint32_t flags = 0;      ///< bit i set = qualification::evidence_flags[i] is true
};

/// A declared relationship between an assessor and the candidate; `until` absent means ongoing.
struct assessor_relation {
    std::string kind;
    std::optional<date> until;
};

/// An expert who scored the candidate.
struct assessor {
    std::string id;
    std::string employer;
    bool industry = false;
    std::optional<id_index> held_level; ///< index into qualification::levels
    double sector_years = 0;
    bool trained = false;
    std::vector<assessor_relation> relations;
};

/// One criterion score within an assessment.
struct criterion_score {
    id_index criterion = 0;
    int score = 0;
};

/// One assessor's scoring of one competence.
struct assessment {
    std::uint32_t assessor = 0; ///< index into candidate::assessors
    id_index competence = 0;
    date dated;
    std::vector<criterion_score> scores;
};

/// A credential (certificate) the candidate holds; `valid_until` absent means it never expires.
struct credential {
    std::string id;
    id_index type = 0; ///< index into qualification::credential_types
    date issued;
    std::optional<date> valid_until;
};

/// A candidate record. `has_experience` / `has_credentials` tell an absent key (not enough
/// data) from an empty list (assessed, nothing found).
struct candidate {
    std::string id;
    std::optional<date> as_of;
    std::string employer;
    bool has_experience = false;
    bool has_credentials = false;
    std::vector<experience_record> experience;
    std::vector<evidence_item> evidence;
    std::vector<masterpro::assessor> assessors;
    std::vector<masterpro::assessment> assessments;
    std::vector<masterpro::credential> credentials;
};

} // namespace masterpro
