// A decision: outcome, statuses per level and competence, and the recorded reasons behind them.
#pragma once

#include "masterpro/model/date.hpp"
#include "masterpro/model/qualification.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace masterpro {

namespace detail {
class program;
}

/// The three-valued result of every requirement.
enum class status : std::uint8_t {
    pass,        ///< the requirement holds
    fail,        ///< assessed, and it does not hold
    insufficient ///< the data cannot support a judgement yet (missing, too old, unverified, ...)
};

/// "pass", "fail" or "insufficient".
const char* to_string(status s) noexcept;

/// What the candidate is awarded.
enum class outcome : std::uint8_t { awarded, partial, not_awarded };

/// "awarded", "partial" or "not_awarded".
const char* to_string(outcome o) noexcept;

/// A value found or required by a requirement: nothing, a number, a text (a date, an id) or a
/// list of ids.
using detail_value = std::variant<std::monostate, double, std::string, std::vector<std::string>>;

/// The recorded result of one requirement (or one check within it) in one scope.
struct trace_entry {
    std::uint32_t requirement = 0;  ///< index into the program's requirement table
    std::string check;              ///< a named check within the requirement ("" = the whole)
    status result = status::pass;
    std::int16_t level = -1;        ///< level index the result is for
    std::int16_t competence = -1;   ///< competence index, or -1 outside competence scope
    detail_value found;
    detail_value required;
    std::vector<std::string> evidence;    ///< evidence ids it rests on
    std::vector<std::string> assessors;   ///< assessor ids it rests on
    std::vector<std::string> assessments; ///< assessments it rests on, as "assessor/competence"
    std::vector<std::uint32_t> children;  ///< trace indices of sub-results
};

/// The decision for one candidate as of one date.
struct decision {
    std::string candidate_id;
    date as_of;
    masterpro::outcome outcome = outcome::not_awarded;
    std::optional<id_index> level;              ///< awarded level
    std::vector<id_index> partial;              ///< competences awarded as a partial award
    std::optional<date> valid_until;            ///< end of validity of the awarded level
    std::vector<status> level_status;           ///< per level
    std::vector<std::vector<status>> competence_status; ///< [level][competence]

    std::vector<trace_entry> trace;
    std::vector<std::uint32_t> level_roots;                   ///< trace index per level
    std::vector<std::vector<std::uint32_t>> competence_roots; ///< [level][competence]
    /// Per level not passed: the trace entries (leaf requirements) that stand in the way; the
    /// smallest such set the combinators allow. Empty for levels that pass.
    std::vector<std::vector<std::uint32_t>> gaps;

    /// The compiled rules this decision was made with (for names, titles and rendering).
    std::shared_ptr<const detail::program> rules;

    /// The qualification decided on: resolves the level and competence indices above to ids.
    const masterpro::qualification& qualification() const;
};

} // namespace masterpro
