// Entry points of the evaluation loop (evaluate.cpp).
#pragma once

#include "program.hpp"

#include "masterpro/error.hpp"
#include "masterpro/model/candidate.hpp"
#include "masterpro/model/decision.hpp"

#include <optional>

namespace masterpro::detail {

/// Evaluates every competence at every level, every level, the outcome and the gaps into `out`
/// (which should be empty). Never throws for any candidate the loader accepted. Returns false
/// when evaluation took more than limits::max_evaluation_steps (`out` is then meaningless).
/// `gaps`: also the gap to each level not reached.
bool evaluate_into(const program& rules, const candidate& who, date as_of, decision& out, bool gaps = true);

/// Fills rules.recalled (program.hpp) once the rules are compiled.
void plan_recalled_conditions(program& rules);

/// Evaluates an expression that reads no candidate data (see is_candidate_independent) for one
/// level and competence (-1 when not in scope); used by the compiler's load-time checks.
value evaluate_constant(const program& rules, std::int32_t node, std::int32_t level,
                        std::int32_t competence);

/// Evaluates a standalone JsonLogic expression against data (values made live in `arena`);
/// nothing when it took more than limits::max_evaluation_steps.
std::optional<value> evaluate_with_data(const program& rules, std::int32_t node, value data, scratch& arena);

/// The `limit` error of an evaluation stopped by limits::max_evaluation_steps.
error steps_exceeded(const limits& bounds);

} // namespace masterpro::detail
