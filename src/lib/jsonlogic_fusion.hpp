// Shared passes for JsonLogic rules: `some`, `all`, `none` and counting over the same list of the
// data are computed together in one pass over its elements, with each element's conditions
// checked only where they can hold (a condition `field == 'C1'` is checked only for elements
// whose field is 'C1'), and simple conditions run as a flat list of tests instead of the tree.
// Evaluation has no side effects, so results are those of evaluating each operation alone.
#pragma once

#include "expression.hpp"
#include "jsonlogic_layout.hpp"

#include <cstdint>
#include <vector>

namespace masterpro::detail {

/// One comparison of a condition: `path` (a pool path read from the element; -1 the element
/// itself) compared with `constant` by `code` (a JsonLogic comparison, or jl_truthy / jl_not).
struct element_test {
    std::int32_t path = -1;
    /// When the path is one step with a slot (jsonlogic_layout.hpp): that slot, read directly.
    std::int32_t slot = -1;
    op code = op::jl_truthy;
    value constant;
    bool constant_first = false; ///< the constant is the left operand
    /// How the usual case is decided inline (others go through the general comparison).
    enum class shortcut : std::uint8_t {
        none,
        /// A number constant: a number field is compared with it (`compare` below).
        number,
        /// ===, ==, !==, != with a boolean constant: a boolean field is compared with it.
        boolean,
    } fast = shortcut::none;
    /// For `number`: the field's relation to the constant, as the field's comparison with it.
    enum class relation : std::uint8_t { equal, not_equal, less, less_equal, greater, greater_equal } compare = relation::equal;
};

/// An operation of a shared pass.
struct fused_operation {
    std::int32_t node = -1; ///< the some / all / none / counting node
    op code = op::jl_some;
    std::int32_t body = -1;
    /// The body as a conjunction of tests (when `flat`), whose truthiness is the body's.
    bool flat = false;
    std::vector<element_test> tests;
    /// Filed by the pass's key (fused_pass::by_atom) with its key test first in `tests`: that
    /// test holds for every element reached through the key, and is skipped there.
    std::uint32_t key_tests = 0;
    /// Every test reads a slot (element_test::slot): on laid-out elements, read directly.
    bool slotted = false;
};

/// The operations over one list of the data, read at the data's root.
struct fused_pass {
    std::int32_t list = -1; ///< the `var` node of the list
    /// The list's slot in the data's root when its path is one step with a slot (else -1).
    std::int32_t root_slot = -1;
    std::vector<fused_operation> operations;
    /// The field elements are told apart by (a pool path; -1: none) and, per atom of its value,
    /// the operations whose body requires the field to equal that constant.
    std::int32_t key_path = -1;
    std::int32_t key_slot = -1; ///< as element_test::slot
    std::vector<std::vector<std::uint32_t>> by_atom;
    std::vector<std::uint32_t> unkeyed; ///< operations checked on every element
    /// Operations that can end the pass early (some, all, none), and whether any counts
    /// (which needs every element).
    std::size_t deciding = 0;
    bool counting = false;
};

struct fusion_plan {
    std::vector<fused_pass> passes;
    /// Per fused node (expr_node::fused): its pass and operation.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> at;
};

/// Plans the shared passes of the JsonLogic expression `root` (data laid out by `layout`) and
/// marks their nodes (expr_node::fused). Nothing is planned when the data is not laid out.
fusion_plan plan_fusion(expr_pool& pool, std::int32_t root, const data_layout& layout);

} // namespace masterpro::detail
