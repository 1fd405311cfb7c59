// The JsonLogic front end of the expression compiler: JsonLogic JSON into the same nodes.
#pragma once

#include "expression.hpp"

#include <rapidjson/document.h>

namespace masterpro::detail {

/// Compiles a JsonLogic rule into `pool`. In rule-file scopes `var` names resolve statically,
/// exactly like infix names (unknown names are errors); in `item_scope::data` they are paths
/// into the data the rule is applied to. Where `expected` is bool or number the result is
/// converted (truthiness, ToNumber). Returns -1 with problems (each `at` a rapidjson::Value of
/// `rule`) appended.
std::int32_t compile_jsonlogic(const rapidjson::Value& rule, const qualification& q, const scope& where,
                               value_type expected, expr_pool& pool,
                               std::vector<expr_diagnostic>& problems);

} // namespace masterpro::detail
