// Infix expressions as JsonLogic, for previews in other ecosystems' tools.
#pragma once

#include "expression.hpp"

#include <tl/expected.hpp>

#include <string>

namespace masterpro::detail {

/// The JsonLogic form of a compiled infix expression (compact JSON text), or why JsonLogic
/// cannot say the same thing (dates and durations, level order, outer names inside quantifiers).
tl::expected<std::string, std::string> to_jsonlogic(const expr_pool& pool, std::int32_t node, const qualification& q);

} // namespace masterpro::detail
