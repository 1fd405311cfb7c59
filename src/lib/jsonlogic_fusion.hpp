// Shared passes for JsonLogic rules: `some`, `all`, `none` and counting over the same list of the
// data are computed together in one pass over its elements, with each element's conditions
// checked only where they can hold (a condition `field == 'C1'` is checked only for elements
// whose field is 'C1'), and simple conditions run as a flat list of tests instead of the tree.
// Evaluation has no side effects, so results are those of evaluating each operation alone.
// The plan also says how each argument of the rule's operations is read (argument_read), so
// that the evaluator reads constants, pass results and slots without going to their nodes.
#pragma once

#include "expression.hpp"
#include "jsonlogic_layout.hpp"

#include <cstdint>
#include <cstring>
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
        /// ===, ==, !==, != with a string constant (atom >= 2): an interned string field is
        /// compared by atom (in packed lists; elsewhere as `none`).
        text,
    } fast = shortcut::none;
    /// For `number`: the field's relation to the constant, as the field's comparison with it.
    enum class relation : std::uint8_t { equal, not_equal, less, less_equal, greater, greater_equal } compare = relation::equal;
    /// In a packed pass (fused_pass::packed): the cell of the element the test reads.
    std::int32_t column = -1;
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
    /// The list can be packed when data is loaded (pack_lists): it is a slot of the root, and
    /// every operation's body is flat tests of element slots. `columns`: the element slots read
    /// (the key's first), one cell each per element.
    bool packed = false;
    std::vector<std::int32_t> columns;
    std::int32_t key_column = -1;
    /// How a packed pass runs: column by column over blocks of up to 64 elements, each distinct
    /// test of its operations giving a mask of the elements it holds for, each operation the
    /// AND of its tests' masks (counted, or its first element that decides it found).
    struct mask_plan {
        /// A test's usual case on a cell (the `fast` of element_test): numbers compared with a
        /// number (by the test's `compare`), booleans and interned strings compared with a
        /// cell (`expected`: the test holds when the cell equals it, or differs from it when
        /// `negate`). Other cells go to the test itself.
        struct cell_test {
            std::uint64_t expected = 0; ///< number: the constant's bits
            std::uint32_t column = 0;
            /// How the usual case is decided: not at all (every cell goes to the test), numbers
            /// by `compare`, or cells equal to `expected`.
            enum class way : std::uint8_t { none, number, same_cell } fast = way::none;
            bool negate = false;
            element_test::relation compare = element_test::relation::equal; ///< the test's (number)
        };
        /// Tests [0, key_tests.size()) are the key column's comparisons with string constants,
        /// read off one scan of the key column (the elements of each atom); the others are
        /// `cell_tests` (with `tests` for their other cases), one scan each.
        std::vector<element_test> key_tests;
        std::vector<std::uint16_t> key_atoms;
        std::size_t atoms = 0; ///< key atoms below this are told apart
        std::vector<cell_test> cell_tests;
        std::vector<element_test> tests;
        /// The masks of a block, by index: [0, key_count) the key tests' own, [key_count,
        /// every_mask) the cell tests', `every_mask` one of every element, then from
        /// `atom_masks` one per atom below `atoms`: the elements whose key is that atom.
        /// `mask_count`: room for them all, the atoms' rounded up to 8 (they are cleared 64
        /// bytes at a time).
        std::uint32_t every_mask = 0, atom_masks = 0, mask_count = 0;
        /// Per key test: the mask it reads. An equality (==, ===) that is the only key test of
        /// its atom reads its atom's mask itself, as the scan leaves it (no copy per block);
        /// the others (`derived`) get their own, made from it.
        std::vector<std::uint32_t> key_mask;
        std::vector<std::uint32_t> derived;
        /// An operation as the walk reads it, in one place: the masks of its first four tests
        /// (every_mask where it has fewer), the masks of the others (more_masks[more_from ..
        /// more_to)), which it is (`index`: its tally) and what it is (0: counting, 1: some,
        /// 2: none, 3: all).
        struct operation {
            std::uint32_t quad[4] = {0, 0, 0, 0};
            std::uint32_t more_from = 0, more_to = 0;
            std::uint32_t index = 0;
            std::uint8_t kind = 0;
        };
        /// The counting operations first (`counters` of them), then those that decide: each
        /// kind walked in a loop of its own.
        std::vector<operation> ops;
        std::uint32_t counters = 0;
        std::vector<std::uint32_t> more_masks;
        std::vector<std::uint8_t> kinds; ///< per operation its kind (as above), for its result
        /// Sizes of the above, and the key tests' relations (== or !=).
        std::uint32_t operations = 0, key_count = 0, test_count = 0;
        std::vector<std::uint8_t> key_equal;
    } masks;
};

/// How the evaluator reads an argument of an operation of a rule whose data is laid out (one
/// per entry of expr_pool::arg_lists, at its index), the usual ones without going to the
/// argument's node.
struct argument_read {
    enum class way : std::uint8_t {
        evaluate, ///< evaluated from its node
        constant, ///< `constant`, a plain value
        fused,    ///< the result of operation `operation` of shared pass `pass`
        slot,     ///< a `var` of one step that has a slot: slot `slot` of a row (else evaluated)
        /// A comparison of two operands (==, <, ... : `code` of the arguments at `args` and
        /// `args + 1`), which `and` and `or` decide inline; elsewhere evaluated.
        compare,
        /// Another JsonLogic operation (node `node`): evaluated as one, without looking.
        operation,
    } how = way::evaluate;
    std::int32_t node = -1; ///< the argument's node
    op code = op::constant;
    std::int32_t slot = -1;
    std::uint32_t pass = 0, operation = 0;
    std::uint32_t args = 0;
    value constant;
};

struct fusion_plan {
    std::vector<fused_pass> passes;
    /// Per fused node (expr_node::fused): its pass and operation.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> at;
    /// Per entry of expr_pool::arg_lists: how it is read (empty when the data is not laid out).
    std::vector<argument_read> arguments;
};

/// Plans the shared passes of the JsonLogic expression `root` (data laid out by `layout`) and
/// marks their nodes (expr_node::fused). Nothing is planned when the data is not laid out.
fusion_plan plan_fusion(expr_pool& pool, std::int32_t root, const data_layout& layout);

/// A packed list: a pass's list of loaded data (fused_pass::packed) with, per element, one
/// 8-byte cell per column (stored column by column), so that the pass reads a few bytes per
/// element in one block instead of following each element to its row. A cell holds a number as its double, or a box: null
/// (or absent), a boolean, an interned string's atom (>= 2), or `other` (anything else: a
/// string equal to no constant, an array, an object, or an element that is not a row), which
/// the pass reads from the element as it would unpacked.
namespace packed {
constexpr std::uint64_t box = 0xFFFAULL << 48; ///< a NaN no arithmetic makes (NaNs are canonical)
enum kind : std::uint64_t { null_kind = 0, boolean_kind = 1, atom_kind = 2, other_kind = 3 };
constexpr std::uint64_t cell(kind k, std::uint32_t payload = 0) noexcept { return box | (std::uint64_t{k} << 32) | payload; }
inline bool is_number(std::uint64_t c) noexcept { return (c >> 48) != (box >> 48); }
inline std::uint64_t kind_of(std::uint64_t c) noexcept { return (c >> 32) & 0xFFFF; }
inline double number(std::uint64_t c) noexcept {
    double d;
    std::memcpy(&d, &c, sizeof d);
    return d;
}
std::uint64_t of(const value& v) noexcept;
} // namespace packed

struct packed_list {
    bool packed = false;         ///< false: the pass reads the list as it is
    std::uint32_t size = 0;      ///< elements (0 when the data's value there is not an array)
    const value* elements = nullptr;
    const std::uint64_t* cells = nullptr; ///< columns × size: column c of element i at [c * size + i]
};

/// Bytes pack_lists needs for `root` (data laid out for the rule): 0 when nothing is packed.
std::size_t packed_bytes(const fusion_plan& plan, const value& root) noexcept;

/// Packs the lists of `plan`'s packed passes of `root` into `memory` (packed_bytes of it,
/// aligned for doubles): one packed_list per pass (unpacked for the passes that are not
/// packed), then their cells.
packed_list* pack_lists(const fusion_plan& plan, const value& root, unsigned char* memory) noexcept;

} // namespace masterpro::detail
