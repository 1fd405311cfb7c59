// Entry point of the rule compiler (compiler.cpp).
#pragma once

#include "json_source.hpp"
#include "program.hpp"

#include "masterpro/error.hpp"

namespace masterpro::detail {

/// Compiles a parsed rule file into `out`. Returns every semantic problem found (unknown ids,
/// duplicates, type errors in expressions, thresholds off the rubric, unreachable requirements),
/// sorted by position; `out` is only usable when the list is empty.
diagnostics compile_rules(const json_source& src, program& out);

} // namespace masterpro::detail
