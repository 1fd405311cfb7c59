// Entry points of the evaluation loop (evaluate.cpp).
#pragma once

#include "program.hpp"

#include "masterpro/error.hpp"
#include "masterpro/rule_set.hpp"
#include "masterpro/model/candidate.hpp"
#include "masterpro/model/decision.hpp"

#include <memory>
#include <optional>
#include <string_view>

namespace masterpro::detail {

/// Evaluates every competence at every level, every level and the outcome into `out`, whose
/// earlier contents are replaced (a decision reused from candidate to candidate keeps its lists'
/// memory). Never throws for any candidate the loader accepted. Returns false when evaluation
/// took more than limits::max_evaluation_steps (`out` is then meaningless).
/// `trace`: also the trace of every result (decision::trace and what it refers to), which
/// reasons are rendered from; without it `out` holds the outcome and statuses only.
/// `passing_checks` (with `trace`): the checks that pass are in the trace too (else only those
/// that do not, which is all that reasons, gaps and explanations show).
/// `gaps` (with `trace`): also the gap to each level not reached.
bool evaluate_into(const program& rules, const candidate& who, date as_of, decision& out, bool trace,
                   bool passing_checks, bool gaps);

/// rule_set::evaluate into `out`, which may be a decision reused from candidate to candidate (its
/// lists keep their memory): the decision date (the candidate's as_of, else `as_of`), then
/// evaluate_into.
tl::expected<void, error> decide(const std::shared_ptr<const program>& rules, const candidate& who,
                                 std::optional<date> as_of, const evaluation_options& options, decision& out);

/// rule_set::evaluate_json into `who` and `out`, both reusable from record to record: the
/// record read into `who` (read_candidate_into), then decided into `out` (decide).
/// `readable_after` as for read_candidate_into (in_place_padding bytes or more: the text is read
/// in place).
tl::expected<void, error> decide_json(const std::shared_ptr<const program>& rules, std::string_view json,
                                      std::optional<date> as_of, const evaluation_options& options, candidate& who,
                                      decision& out, std::size_t readable_after = 0);

/// Fills rules.recalled (program.hpp) once the rules are compiled.
void plan_recalled_conditions(program& rules);

/// Fills rules.fixed (program.hpp) once the rules are compiled.
void plan_fixed_values(program& rules);

/// Fills rules.level_free (program.hpp) once recalled conditions and fixed values are planned.
void plan_level_free_results(program& rules);

/// Fills rules.failing (program.hpp) once the rules are compiled.
void plan_failing_results(program& rules);

/// Evaluates an expression that reads no candidate data (see is_candidate_independent) for one
/// level and competence (-1 when not in scope); used by the compiler's load-time checks.
value evaluate_constant(const program& rules, std::int32_t node, std::int32_t level,
                        std::int32_t competence);

/// Evaluates a standalone JsonLogic expression against data (values made live in `arena`);
/// nothing when it took more than limits::max_evaluation_steps. `packed`: the data's lists
/// packed for the rule's passes (pack_lists), or nullptr.
std::optional<value> evaluate_with_data(const program& rules, std::int32_t node, value data, scratch& arena,
                                        const packed_list* packed = nullptr);

/// The `limit` error of an evaluation stopped by limits::max_evaluation_steps.
error steps_exceeded(const limits& bounds);

} // namespace masterpro::detail
