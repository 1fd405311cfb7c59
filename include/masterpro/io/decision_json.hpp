// Decisions rendered for machines (one JSON object) and for people (plain-language text).
#pragma once

#include "masterpro/error.hpp"
#include "masterpro/model/decision.hpp"

#include <string>

namespace masterpro {

/// Options for the JSON form of a decision.
struct decision_json_options {
    bool reasons = true;     ///< include `reasons` (every requirement that is not pass) and `gaps`
    bool explanation = false; ///< include `explanation` (the plain-language text)
};

/// One compact JSON object (no newline) with the keys `id`, `as_of`, `qualification`,
/// `version`, `outcome`, `level`, `partial`, `valid_until`, `levels` (level → status) and
/// `competences` (level → competence → status), then `reasons` and `gaps` when asked.
std::string to_json(const decision& d, const decision_json_options& options = {});

/// The decision in plain language: outcome, each level's status, why each requirement that is
/// not met is not met (found, required, ids), and what stands between the candidate and each
/// level not reached. Rendered from the recorded trace, never the other way round.
std::string explain(const decision& d);

/// `{"category": ..., "message": ..., "file"/"line"/"column"/"pointer"/"path" when known}`.
std::string to_json(const error& e);

} // namespace masterpro
