// Decisions rendered for machines (one JSON object) and for people (plain-language text).
#pragma once

#include "masterpro/error.hpp"
#include "masterpro/model/decision.hpp"

#include <string>

namespace masterpro {

/// Options for the JSON form of a decision.
struct decision_json_options {
    bool reasons = true;      ///< include `reasons` (the results that decided) and `gaps`
    bool explanation = false; ///< include `explanation` (the plain-language text)
};

/// One compact JSON object (no newline) with the keys `id`, `as_of`, `qualification`,
/// `version`, `outcome`, `level`, `partial`, `valid_until`, `levels` (level → status) and
/// `competences` (level → competence → status), then, when asked, `reasons`, `gaps` and
/// `titles`:
///
/// - `reasons`: the requirement results that decided, i.e. every result that is not pass and
///   has no sub-result that is not pass (the checks, not the combinators above them), in
///   evaluation order; the same finding at several levels is one reason with a `levels` list.
///   Each has `requirement`, `kind`, `check` (a check within a vocabulary requirement),
///   `levels`, `competence` (in competence scope), `status`, `found`, `required` and the
///   `evidence`, `assessors`, `assessments` or `credentials` ids it rests on (a check that
///   records none rests on those of its requirement).
/// - `gaps`: level not reached → indices into `reasons` of what stands in the way.
/// - `titles`: requirement id → title, once for each requirement the reasons name. (Where
///   requirements of different levels' trees share an id but not a title, their reasons
///   carry their own `title` instead.)
std::string to_json(const decision& d, const decision_json_options& options = {});

/// to_json appended to `out`: for writing many decisions into one reused buffer. The text goes
/// onto the end of `out` as it is rendered (a few KB at a time, not copied whole from a buffer of
/// its own); if rendering throws (std::bad_alloc), `out` is left as it was.
void append_json(std::string& out, const decision& d, const decision_json_options& options = {});

/// The decision in plain language: outcome, each level's status, and for each level not
/// reached what stands in the way (found, required, ids). Rendered from the recorded trace,
/// never the other way round.
std::string explain(const decision& d);

/// Shrinks `d` to what to_json and explain show, for holding many decisions: the trace keeps
/// only the results that decided (those listed as reasons, each with the ids it rests on),
/// without sub-result links; `children`, `level_roots` and `competence_roots` are emptied and
/// `gaps` point into the shorter trace. to_json and explain give the same text before and
/// after. Idempotent.
void keep_reasons_only(decision& d);

/// `{"category": ..., "message": ..., "file"/"line"/"column"/"pointer"/"path" when known}`.
std::string to_json(const error& e);

} // namespace masterpro
