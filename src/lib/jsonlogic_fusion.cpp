// Plans the shared passes of a JsonLogic rule (jsonlogic_fusion.hpp).
#include "jsonlogic_fusion.hpp"

#include "jsonlogic_values.hpp"

#include <algorithm>
#include <cstring>
#include <map>

namespace masterpro::detail {
namespace {

const expr_node& node_at(const expr_pool& pool, std::int32_t i) { return pool.nodes[static_cast<std::size_t>(i)]; }

std::int32_t arg(const expr_pool& pool, const expr_node& n, std::uint32_t i) { return pool.arg_lists[n.args + i]; }

/// A `var` with a constant path and no default: its path id (-1 for the element itself), or
/// -2 when `index` is not such a `var`.
std::int32_t plain_var(const expr_pool& pool, std::int32_t index) {
    const expr_node& n = node_at(pool, index);
    if (n.code != op::jl_var || n.a >= 0 || n.b >= 0) return -2;
    return n.index;
}

bool scalar_constant(const expr_pool& pool, std::int32_t index) {
    const expr_node& n = node_at(pool, index);
    if (n.code != op::constant) return false;
    const value_type t = n.constant.type;
    return t == value_type::null_t || t == value_type::boolean || t == value_type::number || t == value_type::string;
}

bool comparison(op code) {
    switch (code) {
    case op::jl_loose_equal: case op::jl_loose_not_equal: case op::jl_strict_equal: case op::jl_strict_not_equal:
    case op::jl_less: case op::jl_less_equal: case op::jl_greater: case op::jl_greater_equal:
        return true;
    default: return false;
    }
}

/// `index` as one test, when it is one.
bool as_test(const expr_pool& pool, std::int32_t index, element_test& out) {
    const expr_node& n = node_at(pool, index);
    const std::int32_t bare = plain_var(pool, index);
    if (bare != -2) {
        out = element_test{bare, -1, op::jl_truthy, value::null(), false};
        return true;
    }
    if ((n.code == op::jl_not || n.code == op::jl_truthy) && n.count == 1) {
        const std::int32_t path = plain_var(pool, arg(pool, n, 0));
        if (path == -2) return false;
        out = element_test{path, -1, n.code, value::null(), false};
        return true;
    }
    if (!comparison(n.code) || n.count != 2) return false;
    const std::int32_t left = arg(pool, n, 0), right = arg(pool, n, 1);
    const std::int32_t left_path = plain_var(pool, left), right_path = plain_var(pool, right);
    if (left_path != -2 && scalar_constant(pool, right)) {
        out = element_test{left_path, -1, n.code, node_at(pool, right).constant, false};
        return true;
    }
    if (right_path != -2 && scalar_constant(pool, left)) {
        out = element_test{right_path, -1, n.code, node_at(pool, left).constant, true};
        return true;
    }
    return false;
}

/// The body as a conjunction of tests, when every part of it is a test.
bool flatten(const expr_pool& pool, std::int32_t body, std::vector<element_test>& tests) {
    const expr_node& n = node_at(pool, body);
    if (n.code == op::jl_and) {
        if (n.count == 0) return false;
        for (std::uint32_t i = 0; i < n.count; ++i)
            if (!flatten(pool, arg(pool, n, i), tests)) return false;
        return true;
    }
    element_test t;
    if (!as_test(pool, body, t)) return false;
    tests.push_back(t);
    return true;
}

/// The key test of a body: a conjunct `field == 'text'` (or ===) that must hold for the body to.
bool key_test(const expr_pool& pool, std::int32_t body, element_test& out) {
    const expr_node& n = node_at(pool, body);
    if (n.code == op::jl_and) {
        for (std::uint32_t i = 0; i < n.count; ++i)
            if (key_test(pool, arg(pool, n, i), out)) return true;
        return false;
    }
    element_test t;
    if (!as_test(pool, body, t)) return false;
    if ((t.code != op::jl_loose_equal && t.code != op::jl_strict_equal) || t.path < 0 ||
        t.constant.type != value_type::string || t.constant.atom < 2)
        return false;
    out = t;
    return true;
}

class planner {
  public:
    planner(expr_pool& pool, fusion_plan& plan) : pool_(pool), plan_(plan) {}

    /// Finds the operations over lists of the root data: nodes outside every iteration body.
    void walk(std::int32_t index) {
        if (index < 0) return;
        const expr_node& n = node_at(pool_, index);
        switch (n.code) {
        case op::jl_some: case op::jl_all: case op::jl_none: case op::jl_count:
            if (plain_var(pool_, n.a) >= 0) {
                candidates_.push_back(index);
                return; // its body runs on elements: not the root's scope
            }
            walk(n.a);
            return;
        case op::jl_map: case op::jl_filter: case op::jl_reduce:
            walk(n.a);
            if (n.code == op::jl_reduce) walk(n.c);
            return;
        default:
            walk(n.a);
            walk(n.b);
            walk(n.c);
            for (std::uint32_t i = 0; i < n.count; ++i) walk(arg(pool_, n, i));
        }
    }

    void group() {
        std::map<std::vector<std::string>, std::uint32_t> by_list;
        for (std::int32_t index : candidates_) {
            const expr_node& n = node_at(pool_, index);
            const auto& path = pool_.paths[static_cast<std::size_t>(node_at(pool_, n.a).index)];
            auto [it, added] = by_list.emplace(path, static_cast<std::uint32_t>(plan_.passes.size()));
            if (added) {
                plan_.passes.emplace_back();
                plan_.passes.back().list = n.a;
                plan_.passes.back().root_slot = direct_slot(node_at(pool_, n.a).index);
            }
            fused_pass& pass = plan_.passes[it->second];
            fused_operation o;
            o.node = index;
            o.code = n.code;
            o.body = n.b;
            o.flat = n.b >= 0 && flatten(pool_, n.b, o.tests);
            o.slotted = o.flat;
            for (auto& t : o.tests) {
                t.slot = direct_slot(t.path);
                plan_shortcut(t);
                o.slotted = o.slotted && t.slot >= 0;
            }
            if (o.code == op::jl_count) pass.counting = true;
            else ++pass.deciding;
            pool_.nodes[static_cast<std::size_t>(index)].fused = static_cast<std::int32_t>(plan_.at.size());
            plan_.at.emplace_back(it->second, static_cast<std::uint32_t>(pass.operations.size()));
            pass.operations.push_back(std::move(o));
        }
        for (auto& pass : plan_.passes) {
            key(pass);
            pass.key_slot = direct_slot(pass.key_path);
            plan_packing(pass);
        }
    }

  private:
    /// The inline decision of a test's usual case: a number field against a number constant,
    /// a boolean field against a boolean constant (no coercion can happen in either).
    static void plan_shortcut(element_test& t) {
        using relation = element_test::relation;
        if (!comparison(t.code)) return;
        if (t.constant.type == value_type::number) {
            relation r = relation::equal;
            switch (t.code) { // as `field OP constant`; flipped when the constant is on the left
            case op::jl_loose_equal: case op::jl_strict_equal: r = relation::equal; break;
            case op::jl_loose_not_equal: case op::jl_strict_not_equal: r = relation::not_equal; break;
            case op::jl_less: r = t.constant_first ? relation::greater : relation::less; break;
            case op::jl_less_equal: r = t.constant_first ? relation::greater_equal : relation::less_equal; break;
            case op::jl_greater: r = t.constant_first ? relation::less : relation::greater; break;
            case op::jl_greater_equal: r = t.constant_first ? relation::less_equal : relation::greater_equal; break;
            default: return;
            }
            t.fast = element_test::shortcut::number;
            t.compare = r;
            return;
        }
        if (t.constant.type == value_type::boolean &&
            (t.code == op::jl_loose_equal || t.code == op::jl_strict_equal || t.code == op::jl_loose_not_equal ||
             t.code == op::jl_strict_not_equal)) {
            t.fast = element_test::shortcut::boolean;
            t.compare = t.code == op::jl_loose_equal || t.code == op::jl_strict_equal ? relation::equal : relation::not_equal;
            return;
        }
        if (t.constant.type == value_type::string && t.constant.atom >= 2 &&
            (t.code == op::jl_loose_equal || t.code == op::jl_strict_equal || t.code == op::jl_loose_not_equal ||
             t.code == op::jl_strict_not_equal)) {
            t.fast = element_test::shortcut::text;
            t.compare = t.code == op::jl_loose_equal || t.code == op::jl_strict_equal ? relation::equal : relation::not_equal;
        }
    }

    /// Whether the pass's list can be packed, and its columns: the element slots its key and
    /// tests read.
    static void plan_packing(fused_pass& pass) {
        pass.packed = pass.root_slot >= 0 && (pass.key_path < 0 || pass.key_slot >= 0);
        for (const auto& o : pass.operations) pass.packed = pass.packed && o.flat && o.slotted;
        if (!pass.packed) return;
        auto column = [&](std::int32_t slot) {
            auto at = std::find(pass.columns.begin(), pass.columns.end(), slot);
            if (at == pass.columns.end()) at = pass.columns.insert(pass.columns.end(), slot);
            return static_cast<std::int32_t>(at - pass.columns.begin());
        };
        if (pass.key_slot >= 0) pass.key_column = column(pass.key_slot);
        for (auto& o : pass.operations)
            for (auto& t : o.tests) t.column = column(t.slot);
        plan_masks(pass);
    }

    static bool same_constant(const value& a, const value& b) {
        if (a.type != b.type) return false;
        switch (a.type) {
        case value_type::null_t: return true;
        case value_type::boolean: return a.boolean == b.boolean;
        case value_type::number: return std::memcmp(&a.number, &b.number, sizeof a.number) == 0;
        case value_type::string: return a.atom == b.atom && a.text() == b.text();
        default: return false;
        }
    }
    static bool same_test(const element_test& a, const element_test& b) {
        return a.column == b.column && a.code == b.code && a.constant_first == b.constant_first &&
               same_constant(a.constant, b.constant);
    }

    /// The mask plan of a packed pass (fused_pass::mask_plan).
    static void plan_masks(fused_pass& pass) {
        auto& m = pass.masks;
        std::vector<element_test> distinct;
        std::vector<std::vector<std::uint32_t>> tests_of(pass.operations.size());
        for (std::size_t k = 0; k < pass.operations.size(); ++k) {
            for (const auto& t : pass.operations[k].tests) {
                auto at = std::find_if(distinct.begin(), distinct.end(), [&](const element_test& d) { return same_test(d, t); });
                if (at == distinct.end()) at = distinct.insert(distinct.end(), t);
                tests_of[k].push_back(static_cast<std::uint32_t>(at - distinct.begin()));
            }
        }
        // Key tests first, then the others; `index`: a distinct test's place in that order.
        std::vector<std::uint32_t> index(distinct.size());
        auto keyed = [&](const element_test& t) { return pass.key_column >= 0 && t.column == pass.key_column && t.fast == element_test::shortcut::text; };
        for (std::uint32_t d = 0; d < distinct.size(); ++d) {
            if (!keyed(distinct[d])) continue;
            index[d] = static_cast<std::uint32_t>(m.key_tests.size());
            m.key_tests.push_back(distinct[d]);
            m.key_atoms.push_back(distinct[d].constant.atom);
            m.atoms = std::max<std::size_t>(m.atoms, std::size_t{distinct[d].constant.atom} + 1);
        }
        for (std::uint32_t d = 0; d < distinct.size(); ++d) {
            const element_test& t = distinct[d];
            if (keyed(t)) continue;
            index[d] = static_cast<std::uint32_t>(m.key_tests.size() + m.tests.size());
            m.tests.push_back(t);
            fused_pass::mask_plan::cell_test c;
            c.column = static_cast<std::uint32_t>(t.column);
            c.negate = t.compare != element_test::relation::equal;
            c.compare = t.compare;
            switch (t.fast) {
            case element_test::shortcut::number:
                c.fast = fused_pass::mask_plan::cell_test::way::number;
                std::memcpy(&c.expected, &t.constant.number, sizeof c.expected);
                break;
            case element_test::shortcut::boolean:
                c.fast = fused_pass::mask_plan::cell_test::way::same_cell;
                c.expected = packed::cell(packed::boolean_kind, t.constant.boolean ? 1 : 0);
                break;
            case element_test::shortcut::text:
                c.fast = fused_pass::mask_plan::cell_test::way::same_cell;
                c.expected = packed::cell(packed::atom_kind, t.constant.atom);
                break;
            default: break;
            }
            m.cell_tests.push_back(c);
        }
        m.operations = static_cast<std::uint32_t>(pass.operations.size());
        m.key_count = static_cast<std::uint32_t>(m.key_tests.size());
        m.test_count = static_cast<std::uint32_t>(m.cell_tests.size());
        m.every_mask = m.key_count + m.test_count;
        m.atom_masks = m.every_mask + 1;
        m.mask_count = m.atom_masks + static_cast<std::uint32_t>((m.atoms + 7) & ~std::size_t{7});
        for (std::uint32_t t = 0; t < m.key_count; ++t) {
            const bool equal = m.key_tests[t].compare == element_test::relation::equal;
            m.key_equal.push_back(equal ? 1 : 0);
            const auto same_atom = std::count(m.key_atoms.begin(), m.key_atoms.end(), m.key_atoms[t]);
            if (equal && same_atom == 1) {
                m.key_mask.push_back(m.atom_masks + m.key_atoms[t]);
            } else {
                m.key_mask.push_back(t);
                m.derived.push_back(t);
            }
        }
        // A test's mask: a key test's is key_mask's, a cell test's its own.
        auto mask_of = [&](std::uint32_t test) { return test < m.key_count ? m.key_mask[test] : test; };
        for (std::size_t k = 0; k < pass.operations.size(); ++k) {
            fused_pass::mask_plan::operation o;
            const auto& own = tests_of[k];
            for (std::size_t j = 0; j < 4; ++j) o.quad[j] = j < own.size() ? mask_of(index[own[j]]) : m.every_mask;
            o.more_from = static_cast<std::uint32_t>(m.more_masks.size());
            for (std::size_t j = 4; j < own.size(); ++j) m.more_masks.push_back(mask_of(index[own[j]]));
            o.more_to = static_cast<std::uint32_t>(m.more_masks.size());
            const op code = pass.operations[k].code;
            o.kind = code == op::jl_count ? 0 : code == op::jl_some ? 1 : code == op::jl_none ? 2 : 3;
            o.index = static_cast<std::uint32_t>(k);
            m.kinds.push_back(o.kind);
            m.ops.push_back(o);
        }
        std::stable_partition(m.ops.begin(), m.ops.end(), [](const fused_pass::mask_plan::operation& o) { return o.kind == 0; });
        m.counters = static_cast<std::uint32_t>(std::count(m.kinds.begin(), m.kinds.end(), 0));
    }

    std::int32_t direct_slot(std::int32_t path) const {
        if (path < 0 || pool_.path_slots.empty()) return -1;
        const auto& slots = pool_.path_slots[static_cast<std::size_t>(path)];
        return slots.size() == 1 ? slots[0] : -1;
    }

    /// Picks the field most bodies require to equal a constant, and files operations by it.
    /// `all` needs its body on every element, so it is never filed.
    void key(fused_pass& pass) {
        std::map<std::vector<std::string>, std::pair<std::size_t, std::int32_t>> fields;
        std::vector<element_test> keys(pass.operations.size());
        std::vector<bool> keyed(pass.operations.size(), false);
        for (std::size_t i = 0; i < pass.operations.size(); ++i) {
            const auto& o = pass.operations[i];
            if (o.code == op::jl_all || o.body < 0 || !key_test(pool_, o.body, keys[i])) continue;
            keyed[i] = true;
            auto& f = fields[pool_.paths[static_cast<std::size_t>(keys[i].path)]];
            f.first++;
            f.second = keys[i].path;
        }
        const std::vector<std::string>* best = nullptr;
        std::size_t most = 0;
        for (const auto& [path, count] : fields)
            if (count.first > most) most = count.first, best = &path, pass.key_path = count.second;
        for (std::size_t i = 0; i < pass.operations.size(); ++i) {
            const bool by_key = keyed[i] && best && pool_.paths[static_cast<std::size_t>(keys[i].path)] == *best;
            if (!by_key) {
                pass.unkeyed.push_back(static_cast<std::uint32_t>(i));
                continue;
            }
            const std::size_t atom = keys[i].constant.atom;
            if (pass.by_atom.size() <= atom) pass.by_atom.resize(atom + 1);
            pass.by_atom[atom].push_back(static_cast<std::uint32_t>(i));
            // An element reached through the key has that text: its key test is known to hold.
            auto& o = pass.operations[i];
            if (!o.flat) continue;
            auto same = std::find_if(o.tests.begin(), o.tests.end(), [&](const element_test& t) {
                return t.path == keys[i].path && t.code == keys[i].code && t.constant_first == keys[i].constant_first &&
                       t.constant.type == value_type::string && t.constant.atom == keys[i].constant.atom;
            });
            if (same == o.tests.end()) continue;
            std::rotate(o.tests.begin(), same, same + 1);
            o.key_tests = 1;
        }
    }

    expr_pool& pool_;
    fusion_plan& plan_;
    std::vector<std::int32_t> candidates_;
};

/// Fills plan.arguments: each argument read as the evaluator's argument() reads it, the usual
/// ones (results of shared passes, constants, `var`s of a slot, comparisons) said here.
void plan_arguments(const expr_pool& pool, fusion_plan& plan) {
    plan.arguments.resize(pool.arg_lists.size());
    for (std::size_t i = 0; i < pool.arg_lists.size(); ++i) {
        const expr_node& n = pool.nodes[static_cast<std::size_t>(pool.arg_lists[i])];
        argument_read& a = plan.arguments[i];
        a.node = pool.arg_lists[i];
        using way = argument_read::way;
        if (n.fused >= 0) {
            a.how = way::fused;
            a.pass = plan.at[static_cast<std::size_t>(n.fused)].first;
            a.operation = plan.at[static_cast<std::size_t>(n.fused)].second;
            continue;
        }
        switch (n.code) {
        case op::constant:
            // Plain values only (js::plain returns them as they are): typed ones are evaluated.
            switch (n.constant.type) {
            case value_type::null_t: case value_type::boolean: case value_type::number:
            case value_type::string: case value_type::array: case value_type::object:
                if (!n.constant.list) {
                    a.how = way::constant;
                    a.constant = n.constant;
                }
                break;
            default: break;
            }
            break;
        case op::jl_var:
            // No default, a constant path of one step that has a slot.
            if (n.a < 0 && n.b < 0 && n.index >= 0 && !pool.path_slots.empty()) {
                const auto& steps = pool.paths[static_cast<std::size_t>(n.index)];
                const auto& slots = pool.path_slots[static_cast<std::size_t>(n.index)];
                if (steps.size() == 1 && slots.size() == 1 && slots[0] >= 0) {
                    a.how = way::slot;
                    a.slot = slots[0];
                }
            }
            break;
        case op::jl_loose_equal: case op::jl_loose_not_equal: case op::jl_strict_equal: case op::jl_strict_not_equal:
        case op::jl_less: case op::jl_less_equal: case op::jl_greater: case op::jl_greater_equal:
            a.how = way::operation;
            if (n.count == 2) {
                a.how = way::compare;
                a.code = n.code;
                a.args = n.args;
            }
            break;
        default:
            // (The evaluator's JsonLogic operations: from jl_var on, but for table calls.)
            if (n.code >= op::jl_var && n.code != op::table_call) a.how = way::operation;
            break;
        }
    }
}

} // namespace

fusion_plan plan_fusion(expr_pool& pool, std::int32_t root, const data_layout& layout) {
    fusion_plan plan;
    if (!layout.laid_out || pool.path_slots.empty()) return plan;
    planner p(pool, plan);
    p.walk(root);
    p.group();
    plan_arguments(pool, plan);
    return plan;
}

namespace packed {

std::uint64_t of(const value& v) noexcept {
    switch (v.type) {
    case value_type::number: {
        if (v.number != v.number) return 0x7FF8000000000000ULL; // one NaN, never a box
        std::uint64_t bits;
        std::memcpy(&bits, &v.number, sizeof bits);
        return bits;
    }
    case value_type::null_t: return cell(null_kind); // absent too: a test reads both as null
    case value_type::boolean: return cell(boolean_kind, v.boolean ? 1 : 0);
    case value_type::string: return !v.list && v.atom >= 2 ? cell(atom_kind, v.atom) : cell(other_kind);
    default: return cell(other_kind);
    }
}

} // namespace packed

namespace {

/// The list a packed pass walks in `root` (null when the data has none there).
const value* packed_source(const fused_pass& pass, const value& root) noexcept {
    const value& list = root.elements[pass.root_slot]; // absent: null, as its `var` reads it
    return list.type == value_type::array && !list.list ? &list : nullptr;
}

} // namespace

std::size_t packed_bytes(const fusion_plan& plan, const value& root) noexcept {
    if (plan.passes.empty() || !js::is_row(root)) return 0;
    std::size_t bytes = plan.passes.size() * sizeof(packed_list);
    for (const auto& pass : plan.passes) {
        if (!pass.packed) continue;
        if (const value* list = packed_source(pass, root)) bytes += std::size_t{list->size} * pass.columns.size() * sizeof(std::uint64_t);
    }
    return bytes;
}

packed_list* pack_lists(const fusion_plan& plan, const value& root, unsigned char* memory) noexcept {
    auto* out = reinterpret_cast<packed_list*>(memory);
    auto* cells = reinterpret_cast<std::uint64_t*>(memory + plan.passes.size() * sizeof(packed_list));
    for (std::size_t p = 0; p < plan.passes.size(); ++p) {
        const fused_pass& pass = plan.passes[p];
        out[p] = packed_list{};
        if (!pass.packed) continue;
        out[p].packed = true;
        const value* list = packed_source(pass, root);
        if (!list) continue;
        const std::size_t columns = pass.columns.size();
        for (std::uint32_t i = 0; i < list->size; ++i) {
            const value& element = list->elements[i];
            for (std::size_t c = 0; c < columns; ++c)
                cells[c * list->size + i] = js::is_row(element) ? packed::of(element.elements[pass.columns[c]]) : packed::cell(packed::other_kind);
        }
        out[p].size = list->size;
        out[p].elements = list->elements;
        out[p].cells = cells;
        cells += list->size * columns;
    }
    return out;
}

} // namespace masterpro::detail
