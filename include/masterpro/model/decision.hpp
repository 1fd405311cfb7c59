// A decision: outcome, statuses per level and competence, and the recorded reasons behind them.
#pragma once

#include "masterpro/model/date.hpp"
#include "masterpro/model/qualification.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

/// What an id in a trace refers to.
enum class ref_kind : std::uint8_t {
    evidence,     ///< decision::evidence_ids
    assessor,     ///< decision::assessor_ids
    assessment,   ///< decision::assessments
    credential,   ///< decision::credential_ids
    criterion,      ///< qualification::criteria
    evidence_type,  ///< qualification::evidence_types
    credential_type ///< qualification::credential_types
};

/// One id a result rests on, by index (rendered to text only when asked).
struct trace_ref {
    ref_kind kind = ref_kind::evidence;
    std::uint32_t index = 0;
};

/// Fixed phrases a found or required value can be.
enum class phrase : std::uint32_t { no_experience_recorded, no_credentials_recorded, pass, fail, insufficient };

/// A value found or required: nothing, a number, a list of ids (a range of decision::refs) or a
/// fixed phrase. Plain data, so recording it allocates nothing.
struct detail_value {
    enum class kind : std::uint8_t { none, number, refs, phrase };
    kind what = kind::none;
    double number = 0;
    std::uint32_t first = 0; ///< refs: first index into decision::refs; phrase: the phrase
    std::uint32_t count = 0; ///< refs: how many

    static detail_value of(double n) noexcept { return {kind::number, n, 0, 0}; }
    static detail_value of(masterpro::phrase p) noexcept { return {kind::phrase, 0, static_cast<std::uint32_t>(p), 0}; }
};

/// Which check within a vocabulary requirement an entry records.
enum class check_kind : std::uint8_t {
    whole,              ///< the requirement itself
    not_usable,         ///< evidence supporting the competence but not usable (informational)
    min_items,
    min_distinct_types,
    count_condition,    ///< an `at_least` entry; arg: its index in the requirement
    cover_every_criterion,
    not_valid,          ///< assessors who scored but are not valid (informational)
    min_size,
    scorers,            ///< arg: criterion
    spread,             ///< arg: criterion
    agreed,             ///< arg: criterion
    agreed_scores,
    criterion_score,    ///< arg: criterion
    mean
};

/// The recorded result of one requirement (or one check within it) in one scope.
struct trace_entry {
    std::uint32_t requirement = 0; ///< index into the program's requirement table
    check_kind check = check_kind::whole;
    status result = status::pass;
    std::int16_t level = -1;      ///< level index the result is for
    std::int16_t competence = -1; ///< competence index, or -1 outside competence scope
    std::uint32_t check_arg = 0;
    detail_value found;
    detail_value required;
    std::uint32_t refs_first = 0;     ///< ids it rests on: a range of decision::refs
    std::uint32_t refs_count = 0;
    std::uint32_t children_first = 0; ///< sub-results: a range of decision::children
    std::uint32_t children_count = 0;
};

/// An assessment a result rests on, as rendered: "assessor/competence@date".
struct assessment_label {
    std::uint32_t assessor = 0;
    id_index competence = 0;
    date dated;
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
    std::vector<trace_ref> refs;              ///< ids of trace entries, by range
    std::vector<std::uint32_t> children;      ///< sub-results of trace entries, by range
    std::vector<std::string> evidence_ids;    ///< the candidate's evidence ids, by index
    std::vector<std::string> assessor_ids;    ///< the candidate's assessor ids, by index
    std::vector<std::string> credential_ids;  ///< the candidate's credential ids, by index
    std::vector<assessment_label> assessments; ///< the candidate's assessments, by index
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
