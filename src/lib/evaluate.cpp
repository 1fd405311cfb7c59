// The evaluation loop: expressions, then requirements per competence and level, then the
// outcome and the gap to each level not reached. Reads top to bottom.
#include "evaluate.hpp"

#include "decision_table.hpp"
#include "jsonlogic_values.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bitset>
#include <cassert>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <numeric>

namespace masterpro::detail {
namespace {

constexpr std::size_t max_quantifier_depth = 8;

/// What is left of limits::max_evaluation_steps. Once spent, every loop stops at once and the
/// caller reports a `limit` error instead of the (meaningless) result.
struct step_budget {
    std::uint64_t left = std::numeric_limits<std::uint64_t>::max();
    bool spent = false;
    bool take() noexcept {
        if (left == 0) {
            spent = true;
            return false;
        }
        --left;
        return true;
    }
    /// take() `n` times.
    bool take(std::uint64_t n) noexcept {
        if (n > left) {
            left = 0;
            spent = true;
            return false;
        }
        left -= n;
        return true;
    }
};

/// What an expression can see while it runs.
struct frame {
    const program* rules = nullptr;
    const candidate* who = nullptr;
    date as_of;
    std::int32_t level = -1;
    std::int32_t competence = -1;
    const evidence_item* item = nullptr;
    const masterpro::assessor* expert = nullptr;
    value elements[max_quantifier_depth];
    value data;               ///< JsonLogic: the data `var` reads (the current element in map & co.)
    scratch* arena = nullptr; ///< where values made while evaluating live
    step_budget* steps = nullptr;
    struct pass_state* passes = nullptr; ///< JsonLogic: the shared passes of this evaluation
    const packed_list* packed = nullptr;  ///< JsonLogic: per pass, its list packed (or nullptr)
};

/// A shared pass (jsonlogic_fusion.hpp) of one evaluation: run on first use, then read.
struct pass_state {
    bool done = false;
    const value* results = nullptr; ///< run_pass: per operation its result
    /// run_packed_pass: per operation its count, or for the others 1 once decided (read by
    /// packed_result); `nonempty`: the list had elements.
    const std::uint32_t* tally = nullptr;
    const std::uint8_t* kinds = nullptr;
    bool nonempty = false;
};

// ---------------------------------------------------------------------------------------------
// Expressions. Null propagates; `and` / `or` follow Kleene's three-valued logic.

value eval(const frame& f, std::int32_t index);
value eval_jsonlogic(const frame& f, const expr_node& n);

/// `d` moved by `by` (add()): rules move the same date (the decision date) by the same span
/// for every item and assessor of a record, so this thread's last few results are kept.
date shifted(date d, masterpro::duration by) noexcept {
    struct remembered {
        date from;
        masterpro::duration by;
        date to; // (all zero at first: date 0 moved by nothing, which is true)
    };
    thread_local remembered last[4];
    thread_local unsigned next = 0;
    for (const remembered& r : last)
        if (r.from == d && r.by == by) return r.to;
    remembered& r = last[next++ % 4];
    r = {d, by, add(d, by)};
    return r.to;
}

date shifted_back(date d, masterpro::duration by) noexcept {
    return shifted(d, masterpro::duration{-by.years, -by.months, -by.days});
}

int compare_values(const value& l, const value& r) {
    switch (l.type) {
    case value_type::number: return l.number < r.number ? -1 : (l.number > r.number ? 1 : 0);
    case value_type::boolean: return static_cast<int>(l.boolean) - static_cast<int>(r.boolean);
    case value_type::string: {
        const int c = l.text().compare(r.text());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case value_type::duration:
        return (l.span == r.span) ? 0 : 1; // durations are only compared for equality
    default: return l.integer < r.integer ? -1 : (l.integer > r.integer ? 1 : 0);
    }
}

value element_at(const value& list, std::uint32_t i) {
    if (list.type == value_type::array) return list.elements[i];
    if (list.type == value_type::relation) {
        value v;
        v.type = value_type::relation;
        v.items = static_cast<const assessor_relation*>(list.items) + i;
        return v;
    }
    return value::of_int(list.type, static_cast<const id_index*>(list.items)[i]);
}

value list_of(value_type t, const void* items, std::size_t size) {
    value v;
    v.type = t;
    v.list = true;
    v.items = items;
    v.size = static_cast<std::uint32_t>(size);
    return v;
}

bool evidence_authentic(const frame& f, const evidence_item& item) {
    const std::int32_t rule = f.rules->authentic_if[item.type];
    if (rule < 0) return true;
    frame inner = f;
    inner.item = &item;
    const value v = eval(inner, rule);
    return v.type == value_type::boolean && v.boolean;
}

value eval(const frame& f, std::int32_t index) {
    const expr_node& n = f.rules->exprs.nodes[static_cast<std::size_t>(index)];
    const qualification& q = f.rules->descriptor;
    switch (n.code) {
    case op::constant: return n.constant;
    case op::as_of: return value::of_date(f.as_of);
    case op::candidate_id: return value::of_text(f.who->id);
    case op::candidate_employer: return value::of_text(f.who->employer);
    case op::level_current: return value::of_int(value_type::level, f.level);
    case op::level_param: {
        const auto& params = q.levels[static_cast<std::size_t>(f.level)].params;
        return value::of_number(params.at(f.rules->exprs.level_param_names[static_cast<std::size_t>(n.index)]));
    }
    case op::competence_current: return value::of_int(value_type::competence, f.competence);
    case op::competence_tags: {
        const auto& tags = q.competences[static_cast<std::size_t>(f.competence)].tags;
        return list_of(value_type::tag, tags.data(), tags.size());
    }
    case op::competence_credits: return value::of_number(q.competences[static_cast<std::size_t>(f.competence)].credits);
    case op::evidence_id: return value::of_text(f.item->id);
    case op::evidence_type_of: return value::of_int(value_type::evidence_type, f.item->type);
    case op::evidence_date: return value::of_date(f.item->dated);
    case op::evidence_covers: return list_of(value_type::criterion, f.item->covers.data(), f.item->covers.size());
    case op::evidence_direct: return value::of_bool(q.evidence_types[f.item->type].direct);
    case op::evidence_authentic: return value::of_bool(evidence_authentic(f, *f.item));
    case op::evidence_flag: return value::of_bool((f.item->flags >> n.index) & 1U);
    case op::assessor_id: return value::of_text(f.expert->id);
    case op::assessor_employer: return value::of_text(f.expert->employer);
    case op::assessor_industry: return value::of_bool(f.expert->industry);
    case op::assessor_held_level:
        return f.expert->held_level ? value::of_int(value_type::level, *f.expert->held_level) : value::null();
    case op::assessor_sector_years: return value::of_number(f.expert->sector_years);
    case op::assessor_trained: return value::of_bool(f.expert->trained);
    case op::assessor_relations:
        return list_of(value_type::relation, f.expert->relations.data(), f.expert->relations.size());
    case op::relation_kind:
        return value::of_text(static_cast<const assessor_relation*>(f.elements[n.index].items)->kind);
    case op::relation_until: {
        const auto* r = static_cast<const assessor_relation*>(f.elements[n.index].items);
        return r->until ? value::of_date(*r->until) : value::null();
    }
    case op::element: return f.elements[n.index];
    case op::negate: {
        value v = eval(f, n.a);
        if (!v.is_null()) v.number = -v.number;
        return v;
    }
    case op::logical_not: {
        value v = eval(f, n.a);
        if (!v.is_null()) v.boolean = !v.boolean;
        return v;
    }
    case op::logical_and:
    case op::logical_or: {
        const bool is_and = n.code == op::logical_and;
        const value l = eval(f, n.a);
        if (!l.is_null() && l.boolean != is_and) return l; // false and _, true or _
        const value r = eval(f, n.b);
        if (!r.is_null() && r.boolean != is_and) return r;
        if (l.is_null() || r.is_null()) return value::null();
        return r;
    }
    case op::choose: {
        const value c = eval(f, n.a);
        if (c.is_null()) return c;
        return eval(f, c.boolean ? n.b : n.c);
    }
    case op::equal:
    case op::not_equal: {
        const value l = eval(f, n.a);
        const value r = eval(f, n.b);
        bool same;
        if (l.is_null() || r.is_null()) same = l.is_null() && r.is_null();
        else same = compare_values(l, r) == 0;
        return value::of_bool(n.code == op::equal ? same : !same);
    }
    case op::less:
    case op::less_equal:
    case op::greater:
    case op::greater_equal: {
        const value l = eval(f, n.a);
        const value r = eval(f, n.b);
        if (l.is_null() || r.is_null()) return value::null();
        const int c = compare_values(l, r);
        const bool result = n.code == op::less ? c < 0
                            : n.code == op::less_equal ? c <= 0
                            : n.code == op::greater ? c > 0
                                                    : c >= 0;
        return value::of_bool(result);
    }
    case op::member_of: {
        const value e = eval(f, n.a);
        const value list = eval(f, n.b);
        if (e.is_null()) return value::null();
        for (std::uint32_t i = 0; i < list.size; ++i) {
            if (!f.steps->take()) return value::null();
            const value item = element_at(list, i);
            if (item.type == e.type && compare_values(item, e) == 0) return value::of_bool(true);
        }
        return value::of_bool(false);
    }
    case op::add:
    case op::subtract:
    case op::multiply:
    case op::divide: {
        const value l = eval(f, n.a);
        const value r = eval(f, n.b);
        if (l.is_null() || r.is_null()) return value::null();
        if (l.type == value_type::duration)
            return value::of_duration(month_span::of(std::int64_t{l.span.months} + r.span.months, std::int64_t{l.span.days} + r.span.days));
        if (l.type == value_type::date && r.type == value_type::duration)
            return value::of_date(n.code == op::add ? shifted(date{l.integer}, r.span.as_duration())
                                                    : shifted_back(date{l.integer}, r.span.as_duration()));
        if (l.type == value_type::date) return value::of_number(l.integer - r.integer);
        switch (n.code) {
        case op::add: return value::of_number(l.number + r.number);
        case op::subtract: return value::of_number(l.number - r.number);
        case op::multiply: return value::of_number(l.number * r.number);
        default: return r.number == 0 ? value::null() : value::of_number(l.number / r.number);
        }
    }
    case op::years:
    case op::months:
    case op::days: {
        const value v = eval(f, n.a);
        if (v.is_null()) return v;
        // Clamped before conversion (a number past int64 cannot be converted); month_span
        // clamps further, and NaN counts as 0.
        const double count = std::isnan(v.number) ? 0.0 : std::clamp(std::trunc(v.number), -1e12, 1e12);
        const auto whole = static_cast<std::int64_t>(count);
        if (n.code == op::years) return value::of_duration(month_span::of(whole * 12, 0));
        if (n.code == op::months) return value::of_duration(month_span::of(whole, 0));
        return value::of_duration(month_span::of(0, whole));
    }
    case op::minimum:
    case op::maximum: {
        const value l = eval(f, n.a);
        const value r = eval(f, n.b);
        if (l.is_null() || r.is_null()) return value::null();
        const bool left_smaller = compare_values(l, r) <= 0;
        return (n.code == op::minimum) == left_smaller ? l : r;
    }
    case op::years_between: {
        const value l = eval(f, n.a);
        const value r = eval(f, n.b);
        if (l.is_null() || r.is_null()) return value::null();
        const bool forward = l.integer <= r.integer;
        const civil_date from = to_civil(date{forward ? l.integer : r.integer});
        const civil_date to = to_civil(date{forward ? r.integer : l.integer});
        int years = to.year - from.year;
        if (to.month < from.month || (to.month == from.month && to.day < from.day)) --years;
        return value::of_number(forward ? years : -years);
    }
    case op::within: {
        const value d = eval(f, n.a);
        const value span = eval(f, n.b);
        if (d.is_null() || span.is_null()) return value::null();
        return value::of_bool(shifted_back(f.as_of, span.span.as_duration()) <= date{d.integer} && date{d.integer} <= f.as_of);
    }
    case op::absolute: {
        value v = eval(f, n.a);
        if (!v.is_null()) v.number = std::fabs(v.number);
        return v;
    }
    case op::any_of:
    case op::all_of:
    case op::none_of:
    case op::count_of: {
        const value list = eval(f, n.a);
        frame inner = f;
        std::uint32_t matches = 0;
        for (std::uint32_t i = 0; i < list.size; ++i) {
            if (!f.steps->take()) return value::null();
            inner.elements[n.index - 1] = element_at(list, i);
            const value c = eval(inner, n.b);
            if (c.type == value_type::boolean && c.boolean) ++matches;
        }
        if (n.code == op::count_of) return value::of_number(matches);
        if (n.code == op::any_of) return value::of_bool(matches > 0);
        if (n.code == op::all_of) return value::of_bool(matches == list.size);
        return value::of_bool(matches == 0);
    }
    default: return eval_jsonlogic(f, n);
    }
}

// ---------------------------------------------------------------------------------------------
// JsonLogic operations: JavaScript semantics on JSON-like values (jsonlogic_values.hpp).

[[gnu::always_inline]] inline value fused_result(const frame& f, std::int32_t at);
[[gnu::always_inline]] inline value pass_result(const frame& f, std::uint32_t pass, std::uint32_t operation);

/// argument()'s operands that are evaluated: JsonLogic operations, or other expressions.
[[gnu::noinline]] value evaluated_argument(const frame& f, std::int32_t index, const expr_node& operand) {
    if (operand.code >= op::jl_var && operand.code != op::table_call)
        return js::plain(eval_jsonlogic(f, operand), f.rules->descriptor, *f.arena);
    return js::plain(eval(f, index), f.rules->descriptor, *f.arena);
}

/// The argument at entry `at` of the pool's arg_lists as a plain value, read from its node:
/// inline for the usual operands, constants and results of shared passes.
[[gnu::always_inline]] inline value node_argument(const frame& f, std::uint32_t at) {
    const auto& pool = f.rules->exprs;
    const std::int32_t index = pool.arg_lists[at];
    // JsonLogic operands are mostly constants and JsonLogic operations: straight to them.
    const expr_node& operand = pool.nodes[static_cast<std::size_t>(index)];
    if (operand.fused >= 0 && f.passes) return fused_result(f, operand.fused); // plain already
    if (operand.code == op::constant) return js::plain(operand.constant, f.rules->descriptor, *f.arena);
    return evaluated_argument(f, index, operand);
}

/// node_argument() where the plan had no way of its own (a rare case: a call, out of the way).
[[gnu::noinline]] value unplanned_argument(const frame& f, std::uint32_t at) { return node_argument(f, at); }

/// The argument at entry `at` of the pool's arg_lists, `a` its entry in the rule's plan (data
/// laid out: argument_read), as a plain value. The plan says which it is: the usual ways are
/// tested first, in order of frequency (tests, not a table jump); `var`s of a slot are read here.
[[gnu::always_inline]] inline value planned_argument(const frame& f, const argument_read& a, std::uint32_t at) {
    using way = argument_read::way;
    if (a.how == way::fused) {
        if (f.passes) return pass_result(f, a.pass, a.operation); // plain already
    } else if (a.how == way::constant) {
        return a.constant;
    } else if (a.how == way::slot && js::is_row(f.data)) {
        // As read_var reads it: an absent member is null (the fallback).
        const value& v = f.data.elements[a.slot];
        return js::is_absent(v) ? value::null() : js::plain(v, f.rules->descriptor, *f.arena);
    } else if (a.how == way::operation || a.how == way::compare) { // as evaluated_argument
        return js::plain(eval_jsonlogic(f, f.rules->exprs.nodes[static_cast<std::size_t>(a.node)]), f.rules->descriptor, *f.arena);
    }
    return unplanned_argument(f, at);
}

/// The argument at entry `at` of the pool's arg_lists as a plain value: as the rule's plan
/// says where there is one (no plan: no entries, and data() is null), else from its node.
[[gnu::always_inline]] inline value argument_at(const frame& f, std::uint32_t at) {
    if (const argument_read* reads = f.rules->fusion.arguments.data()) return planned_argument(f, reads[at], at);
    return node_argument(f, at);
}

/// The i-th argument as a plain value; null when the rule gave fewer (JsonLogic allows that).
[[gnu::always_inline]] inline value argument(const frame& f, const expr_node& n, std::uint32_t i) {
    if (i >= n.count) return value::null();
    return argument_at(f, n.args + i);
}

/// Evaluates a quantifier body for one element: statically bound elements (typed lists in rule
/// files) go to their slot; otherwise the element becomes the data `var` reads.
/// `inner` is the loop's own copy of the frame (made once per loop, not per element).
value jl_body(frame& inner, const expr_node& n, const value& element, const value& typed_element) {
    if (n.index > 0) inner.elements[n.index - 1] = typed_element;
    else inner.data = element;
    return js::plain(eval(inner, n.b), inner.rules->descriptor, *inner.arena);
}

/// Follows `var` path `path` from `data`: by slot where the data is laid out for the rule
/// (jsonlogic_layout.hpp), by name elsewhere.
value read_var(const value& data, const expr_pool& pool, std::int32_t path, const value& fallback) {
    const auto& steps = pool.paths[static_cast<std::size_t>(path)];
    if (pool.path_slots.empty()) return js::lookup(data, steps, fallback);
    const auto& slots = pool.path_slots[static_cast<std::size_t>(path)];
    // A path the layout has no slots for (read in values the evaluator made, e.g. the
    // elements of a list an `if` returns) is read by name.
    if (slots.size() < steps.size()) return js::lookup(data, steps, fallback);
    value at = data;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (slots[i] >= 0 && js::is_row(at)) {
            const value& slot = at.elements[slots[i]];
            if (js::is_absent(slot)) return fallback;
            at = slot;
            continue;
        }
        if (slots[i] >= 0 && at.type == value_type::object) { // a scope the evaluator made
            const member& m = at.members[slots[i]];
            if (!m.key) return fallback; // absent
            at = m.item;
            continue;
        }
        return js::lookup(at, steps, fallback, i);
    }
    return at;
}

/// Reads slot `slot` of a laid-out object (a row, or a scope the evaluator made) into `out`,
/// which stays as it is (null) when the data did not have that member.
inline void read_slot(const value& object, std::int32_t slot, value& out) {
    if (js::is_row(object)) {
        const value& v = object.elements[slot];
        if (!js::is_absent(v)) out = v;
        return;
    }
    const member& m = object.members[slot];
    if (m.key) out = m.item;
}

/// Reads a one-step path by its slot when the element is a laid-out object, else as `var` does.
value read_field(const value& element, const expr_pool& pool, std::int32_t path, std::int32_t slot) {
    if (path < 0) return element;
    if (slot >= 0 && element.type == value_type::object) {
        value v;
        read_slot(element, slot, v);
        return v;
    }
    return read_var(element, pool, path, value::null());
}

/// jl_compare's general case: JavaScript's coercions.
[[gnu::noinline]] bool jl_compare_coercing(op code, const value& a, const value& b, scratch& arena) {
    switch (code) {
    case op::jl_loose_equal: return js::loose_equal(a, b, arena);
    case op::jl_loose_not_equal: return !js::loose_equal(a, b, arena);
    case op::jl_strict_equal: return js::strict_equal(a, b);
    case op::jl_strict_not_equal: return !js::strict_equal(a, b);
    case op::jl_less: return js::less(a, b, arena);
    case op::jl_less_equal: return js::less_equal(a, b, arena);
    case op::jl_greater: return js::less(b, a, arena);
    case op::jl_greater_equal: return js::less_equal(b, a, arena);
    default: return false;
    }
}

/// A JsonLogic comparison (==, !=, ===, !==, <, <=, >, >=) with JavaScript's semantics. Two
/// numbers, and equality of two values of one type (interned strings: their atoms), are the
/// usual cases and are decided inline.
[[gnu::always_inline]] inline bool jl_compare(op code, const value& a, const value& b, scratch& arena) {
    if (a.type == value_type::number && b.type == value_type::number) {
        switch (code) { // JavaScript's comparisons of numbers are the machine's (NaN: false)
        case op::jl_loose_equal: case op::jl_strict_equal: return a.number == b.number;
        case op::jl_loose_not_equal: case op::jl_strict_not_equal: return !(a.number == b.number);
        case op::jl_less: return a.number < b.number;
        case op::jl_less_equal: return a.number <= b.number;
        case op::jl_greater: return a.number > b.number;
        case op::jl_greater_equal: return a.number >= b.number;
        default: return false;
        }
    }
    if (a.type == b.type && code != op::jl_less && code != op::jl_less_equal && code != op::jl_greater &&
        code != op::jl_greater_equal) {
        const bool equal = code == op::jl_loose_equal || code == op::jl_strict_equal;
        if (a.type == value_type::boolean) return (a.boolean == b.boolean) == equal;
        return js::strict_equal(a, b) == equal;
    }
    return jl_compare_coercing(code, a, b, arena);
}

/// Whether `x r c` holds for numbers; with NaN only != holds, as in JavaScript.
constexpr bool relation_holds(element_test::relation r, double x, double c) noexcept {
    using relation = element_test::relation;
    switch (r) {
    case relation::equal: return x == c;
    case relation::not_equal: return !(x == c);
    case relation::less: return x < c;
    case relation::less_equal: return x <= c;
    case relation::greater: return x > c;
    case relation::greater_equal: return x >= c;
    }
    return false;
}

/// A test's usual cases (jsonlogic_fusion.cpp, plan_shortcut) decided inline on the field's
/// value `v`; the others by JsonLogic's comparison.
[[gnu::always_inline]] inline bool test_holds(const element_test& t, const value& v, scratch& arena) {
    using relation = element_test::relation;
    if (t.fast == element_test::shortcut::number && v.type == value_type::number)
        return relation_holds(t.compare, v.number, t.constant.number);
    if (t.fast == element_test::shortcut::boolean && v.type == value_type::boolean)
        return (v.boolean == t.constant.boolean) == (t.compare == relation::equal);
    switch (t.code) {
    case op::jl_truthy: return js::truthy(v);
    case op::jl_not: return !js::truthy(v);
    default: return t.constant_first ? jl_compare(t.code, t.constant, v, arena) : jl_compare(t.code, v, t.constant, arena);
    }
}

/// Whether tests [t, end) all hold for an element. `row`: the element's slots when it is a row
/// and every test reads a slot (fused_operation::slotted), else nullptr. An absent slot is
/// null to a test (its value is null).
[[gnu::always_inline]] inline bool tests_hold(const element_test* t, const element_test* end, const value& element,
                                              const value* row, const expr_pool& pool, scratch& arena) {
    for (; t != end; ++t) {
        if (row) {
            if (!test_holds(*t, row[t->slot], arena)) return false;
        } else if (!test_holds(*t, read_field(element, pool, t->path, t->slot), arena)) {
            return false;
        }
    }
    return true;
}

/// Runs a shared pass: every operation over the list, in one walk over its elements, each
/// element checked only against the operations whose key it can match.
void run_pass(const frame& f, const fused_pass& pass, pass_state& state) {
    scratch& arena = *f.arena;
    const auto& pool = f.rules->exprs;
    const std::size_t count = pass.operations.size();
    value* results = arena.make<value>(count);
    // Per operation: elements that passed (counting), or 1 once its answer is known (the rest).
    auto* tally = arena.make<std::uint32_t>(count);
    std::fill_n(results, count, value::null());
    std::fill_n(tally, count, 0U);
    state.done = true;
    state.results = results;
    std::size_t open = pass.deciding; // undecided operations that can end early
    // Passes run on the data's root (f.data): a list in a slot of a row is read there directly,
    // as its `var` would read it (an absent slot is null).
    value list;
    if (pass.root_slot >= 0 && js::is_row(f.data)) {
        const value& slot = f.data.elements[pass.root_slot];
        if (!js::is_absent(slot)) list = slot;
    } else {
        list = js::plain(eval(f, pass.list), f.rules->descriptor, arena);
    }
    std::optional<frame> inner; // for bodies that are not flat tests, made on first use
    // `from`: the first test to run (the key test, known to hold, is skipped when keyed).
    auto check = [&](std::uint32_t k, const value& element, const value* row, std::uint32_t from) __attribute__((always_inline)) {
        const fused_operation& o = pass.operations[k];
        const bool counts = o.code == op::jl_count;
        if (!counts && tally[k]) return; // decided
        bool yes;
        if (o.flat) {
            yes = tests_hold(o.tests.data() + from, o.tests.data() + o.tests.size(), element, o.slotted ? row : nullptr, pool, arena);
        } else {
            if (!inner) inner.emplace(f);
            inner->data = element;
            yes = js::truthy(js::plain(eval(*inner, o.body), f.rules->descriptor, arena));
        }
        if (counts) {
            tally[k] += yes ? 1 : 0;
            return;
        }
        if (yes == (o.code == op::jl_all)) return; // some, none: not yet; all: still
        results[k] = value::of_bool(o.code == op::jl_some);
        tally[k] = 1;
        --open;
    };
    const std::uint32_t size = list.type == value_type::array ? list.size : 0;
    const bool keyed = pass.key_path >= 0;
    const std::size_t atoms = pass.by_atom.size();
    constexpr std::uint32_t ahead = 4;
    for (std::uint32_t i = 0; i < size && i < ahead; ++i) __builtin_prefetch(list.elements[i].elements);
    for (std::uint32_t i = 0; i < size && (open > 0 || pass.counting); ++i) {
        if (!f.steps->take()) return; // the evaluation is reported as stopped
        const value& element = list.elements[i];
        const value* row = js::is_row(element) ? element.elements : nullptr;
        // Loaded populations are far larger than the caches: elements a few ahead are asked
        // for (from the start, above), so that their reads overlap. A hint, which reads
        // nothing: for an element that is not a row the address means nothing and costs
        // nothing (checking first costs more, measured).
        if (i + ahead < size) __builtin_prefetch(list.elements[i + ahead].elements);
        if (keyed) {
            value key;
            if (pass.key_slot >= 0 && row) {
                if (!js::is_absent(row[pass.key_slot])) key = row[pass.key_slot];
            } else {
                key = read_field(element, pool, pass.key_path, pass.key_slot);
            }
            if (key.type == value_type::string && key.atom != 0) {
                for (std::uint32_t k : pass.unkeyed) check(k, element, row, 0);
                if (key.atom < atoms)
                    for (std::uint32_t k : pass.by_atom[key.atom]) check(k, element, row, pass.operations[k].key_tests);
                continue;
            }
        }
        for (std::uint32_t k = 0; k < count; ++k) check(k, element, row, 0);
    }
    for (std::size_t k = 0; k < count; ++k) {
        const op code = pass.operations[k].code;
        if (code == op::jl_count) {
            results[k] = value::of_number(tally[k]);
            continue;
        }
        if (tally[k]) continue; // decided
        switch (code) {
        case op::jl_some: results[k] = value::of_bool(false); break;
        case op::jl_none: results[k] = value::of_bool(true); break;
        default: results[k] = value::of_bool(size > 0); break; // all: false for an empty list
        }
    }
}

/// A test on a packed cell outside its usual case (cell_test_mask): numbers, null and booleans
/// as test_holds decides them on values; anything else read from the element, as run_pass
/// reads it.
[[gnu::noinline]] bool packed_test_slow(const element_test& t, std::uint64_t c, const value& element,
                                        const expr_pool& pool, scratch& arena) {
    if (packed::is_number(c)) return test_holds(t, value::of_number(packed::number(c)), arena);
    switch (packed::kind_of(c)) {
    case packed::null_kind: return test_holds(t, value::null(), arena);
    case packed::boolean_kind: return test_holds(t, value::of_bool((c & 1U) != 0), arena);
    default: return test_holds(t, read_field(element, pool, t.path, t.slot), arena);
    }
}

#if defined(__SSE2__)
/// Walks the `n` cells of a block (2 <= n <= 64) four at a time, `quad(i)` reading cells i to
/// i + 3, the last four overlapping the ones before when n is no multiple of four; a block of
/// two or three cells goes by `pair(i)`, two cells each. The callers or their bits together, so
/// a cell read twice counts once.
template <class Quad, class Pair>
[[gnu::always_inline]] inline void in_groups(std::uint32_t n, Quad quad, Pair pair) {
    if (n >= 4) {
        std::uint32_t i = 0;
        for (; i + 4 <= n; i += 4) quad(i);
        if (i < n) quad(n - 4);
    } else {
        pair(0);
        if (n > 2) pair(1);
    }
}
#endif

/// The elements of a block (bit i: element `first + i`, `n` of them) whose cell is of the
/// test's usual case, and among those the ones the test holds for, scanned without branches;
/// `decide(x)` is the test on a number cell (boxes are NaNs, set aside by `usual`).
template <class Decide>
inline void number_masks(const std::uint64_t* column, std::uint32_t n, Decide decide, std::uint64_t& usual, std::uint64_t& yes) {
    std::uint64_t u = 0, y = 0;
#if defined(__SSE2__)
    if (n >= 2) {
        // Four cells at a time, or two in blocks of fewer than four (the last four or two
        // overlap the ones before when the block has no multiple: bits are or-ed, so a cell
        // read twice counts once), the numbers compared with the constant (decide.pair).
        // Boxes (top 16 bits 0xFFFA) are rare: the scan only notes whether there was one,
        // and then they are found cell by cell.
        const __m128i top = _mm_set1_epi32(static_cast<int>(0xFFFF0000U));
        const __m128i box = _mm_set1_epi32(static_cast<int>(packed::box >> 32));
        __m128i boxes = _mm_setzero_si128();
        // The high halves (those that tell boxes) of cells at and after `i`; the low ones of
        // `pair` are a copy of its high ones, which tell as much.
        auto quad = [&](std::uint32_t i) __attribute__((always_inline)) {
            const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(column + i));
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(column + i + 2));
            const __m128i high = _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b), _MM_SHUFFLE(3, 1, 3, 1)));
            boxes = _mm_or_si128(boxes, _mm_cmpeq_epi32(_mm_and_si128(high, top), box));
            const __m128 holds = _mm_shuffle_ps(_mm_castpd_ps(decide.pair(_mm_castsi128_pd(a))),
                                                _mm_castpd_ps(decide.pair(_mm_castsi128_pd(b))), _MM_SHUFFLE(3, 1, 3, 1));
            y |= std::uint64_t{static_cast<unsigned>(_mm_movemask_ps(holds))} << i;
        };
        auto pair = [&](std::uint32_t i) __attribute__((always_inline)) {
            const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(column + i));
            const __m128i high = _mm_shuffle_epi32(c, _MM_SHUFFLE(3, 3, 1, 1));
            boxes = _mm_or_si128(boxes, _mm_cmpeq_epi32(_mm_and_si128(high, top), box));
            y |= std::uint64_t{static_cast<unsigned>(_mm_movemask_pd(decide.pair(_mm_castsi128_pd(c))))} << i;
        };
        in_groups(n, quad, pair);
        if (_mm_movemask_epi8(boxes) == 0) {
            usual = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
            yes = y;
            return;
        }
        for (std::uint32_t i = 0; i < n; ++i) u |= std::uint64_t{packed::is_number(column[i])} << i;
        usual = u;
        yes = y & u;
        return;
    }
#endif
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint64_t c = column[i];
        u |= std::uint64_t{packed::is_number(c)} << i;
        y |= std::uint64_t{decide(packed::number(c))} << i;
    }
    usual = u;
    yes = y & u;
}

/// A number test's relation, one number at a time or (with SSE2) two; NaN holds only for !=.
template <element_test::relation R>
struct decide_number {
    double k;
    bool operator()(double x) const noexcept { return relation_holds(R, x, k); }
#if defined(__SSE2__)
    __m128d pair(__m128d x) const noexcept {
        using relation = element_test::relation;
        const __m128d c = _mm_set1_pd(k);
        switch (R) {
        case relation::equal: return _mm_cmpeq_pd(x, c);
        case relation::not_equal: return _mm_cmpneq_pd(x, c);
        case relation::less: return _mm_cmplt_pd(x, c);
        case relation::less_equal: return _mm_cmple_pd(x, c);
        case relation::greater: return _mm_cmpgt_pd(x, c);
        case relation::greater_equal: return _mm_cmpge_pd(x, c);
        }
        return _mm_setzero_pd();
    }
#endif
};

/// The elements of a block (bit i: element `first + i`; `n` of them) a cell test holds for
/// among those whose cell is of its usual case; `unusual` gets the others, for unusual_cells.
/// (Only cells are read here: what the others need is loaded there, out of the way.)
inline std::uint64_t cell_test_mask(const fused_pass::mask_plan::cell_test& test, const std::uint64_t* column,
                                    std::uint32_t n, std::uint64_t& unusual) {
    const std::uint64_t all = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    std::uint64_t usual = 0, yes = 0;
    using way = fused_pass::mask_plan::cell_test::way;
    if (test.fast == way::number) {
        // JavaScript's comparisons of two numbers are the machine's (NaN: only != holds).
        const double k = packed::number(test.expected);
        using relation = element_test::relation;
        switch (test.compare) {
        case relation::equal: number_masks(column, n, decide_number<relation::equal>{k}, usual, yes); break;
        case relation::not_equal: number_masks(column, n, decide_number<relation::not_equal>{k}, usual, yes); break;
        case relation::less: number_masks(column, n, decide_number<relation::less>{k}, usual, yes); break;
        case relation::less_equal: number_masks(column, n, decide_number<relation::less_equal>{k}, usual, yes); break;
        case relation::greater: number_masks(column, n, decide_number<relation::greater>{k}, usual, yes); break;
        case relation::greater_equal: number_masks(column, n, decide_number<relation::greater_equal>{k}, usual, yes); break;
        }
    } else if (test.fast == way::same_cell) {
        const std::uint64_t kind = test.expected >> 32;
        std::uint64_t equal = 0;
        std::uint32_t i = 0;
#if defined(__SSE2__)
        if (n >= 2) {
            // Four cells at a time, or two (overlapping as in number_masks): both halves equal
            // (the same cell), and whether every high half was (the same kind: the usual
            // case), else cells of other kinds found one by one.
            const __m128i expected = _mm_set1_epi64x(static_cast<long long>(test.expected));
            __m128i kinds = _mm_cmpeq_epi32(expected, expected);
            auto quad = [&](std::uint32_t at) __attribute__((always_inline)) {
                const __m128 a = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(column + at)), expected));
                const __m128 b = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(column + at + 2)), expected));
                const __m128i high = _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
                const __m128i low = _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
                kinds = _mm_and_si128(kinds, high);
                equal |= std::uint64_t{static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_and_si128(high, low))))} << at;
            };
            auto pair = [&](std::uint32_t at) __attribute__((always_inline)) {
                const __m128i halves = _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(column + at)), expected);
                kinds = _mm_and_si128(kinds, _mm_shuffle_epi32(halves, _MM_SHUFFLE(3, 3, 1, 1)));
                const __m128i both = _mm_and_si128(halves, _mm_shuffle_epi32(halves, _MM_SHUFFLE(2, 3, 0, 1)));
                equal |= std::uint64_t{static_cast<unsigned>(_mm_movemask_pd(_mm_castsi128_pd(both)))} << at;
            };
            in_groups(n, quad, pair);
            if (_mm_movemask_epi8(kinds) == 0xFFFF) {
                usual = all;
            } else {
                for (i = 0; i < n; ++i) usual |= std::uint64_t{(column[i] >> 32) == kind} << i;
            }
            i = n;
        }
#endif
        for (; i < n; ++i) {
            const std::uint64_t c = column[i];
            usual |= std::uint64_t{(c >> 32) == kind} << i;
            equal |= std::uint64_t{c == test.expected} << i;
        }
        yes = (test.negate ? ~equal : equal) & usual;
    }
    unusual = all & ~usual;
    return yes;
}

/// The elements among `rest` (bit i: elements[i], its cell column[i]) test `general` holds for,
/// the cells cell_test_mask left to it.
[[gnu::noinline]] std::uint64_t unusual_cells(const frame& f, const element_test& general, const std::uint64_t* column,
                                              const value* elements, std::uint64_t rest) {
    std::uint64_t yes = 0;
    for (; rest; rest &= rest - 1) {
        const unsigned i = static_cast<unsigned>(__builtin_ctzll(rest));
        if (packed_test_slow(general, column[i], elements[i], f.rules->exprs, *f.arena)) yes |= std::uint64_t{1} << i;
    }
    return yes;
}

/// The key tests on the elements of a block whose key is not an interned string (`other`, bit
/// i: elements[i]), each test run on them; their bits go to the tests' masks (key_mask).
[[gnu::noinline]] void other_keys(const fused_pass::mask_plan& m, std::uint64_t other, const std::uint64_t* column,
                                  const value* elements, std::uint64_t* masks, const expr_pool& pool, scratch& arena) {
    for (std::size_t t = 0; t < m.key_tests.size(); ++t) {
        for (std::uint64_t rest = other; rest; rest &= rest - 1) {
            const unsigned i = static_cast<unsigned>(__builtin_ctzll(rest));
            if (packed_test_slow(m.key_tests[t], column[i], elements[i], pool, arena)) masks[m.key_mask[t]] |= std::uint64_t{1} << i;
        }
    }
}

/// Zeroes `words` 8-byte words from `at`, which has room for the next multiple of 8: 64 bytes
/// at a time, each a memset of a constant size, which compilers make a few stores (a loop of
/// stores becomes a call to memset, which costs more for the few bytes here).
inline void zero_words(void* at, std::size_t words) noexcept {
    auto* p = static_cast<unsigned char*>(at);
    for (std::size_t i = 0; i < words; i += 8) std::memset(p + 8 * i, 0, 64);
}

/// The masks (mask_plan) of the block of a packed pass's list from element `first` (`n` of
/// them, bits `all`): the key column's scan, then each cell test's. A function of its own: the
/// walk over blocks and operations keeps fewer values at hand.
[[gnu::noinline]] void block_masks(const frame& f, const fused_pass& pass, const packed_list& list, std::uint32_t first,
                                   std::uint32_t n, std::uint64_t all, std::uint64_t* masks) {
    const auto& m = pass.masks;
    const std::uint32_t keys = m.key_count, size = list.size;
    const std::size_t atoms = m.atoms;
    std::uint64_t* by_atom = masks + m.atom_masks;
    masks[m.every_mask] = all;
    if (keys > 0) {
        // One scan of the key column: the elements of each atom, and those whose key is
        // not an interned string (each key test run on them). An atom's cell less the
        // first atom cell is the atom; any other cell's is 2^32 or more (no number has the
        // bits of a box).
        zero_words(by_atom, atoms);
        std::uint64_t other = 0, bit = 1;
        const std::uint64_t* column = list.cells + static_cast<std::size_t>(pass.key_column) * size + first;
        constexpr std::uint64_t atom_cell = packed::cell(packed::atom_kind);
        auto file = [&](std::uint64_t cell, std::uint64_t of) __attribute__((always_inline)) {
            const std::uint64_t atom = cell - atom_cell;
            if (atom < atoms) by_atom[atom] |= of;
            else if (atom >> 32) other |= of;
        };
        const std::uint64_t* cell = column;
        for (const std::uint64_t* pairs_end = column + (n & ~1U); cell != pairs_end; cell += 2, bit <<= 2) {
            file(cell[0], bit); // two at a time: half the loop's own work
            file(cell[1], bit << 1);
        }
        if (n & 1U) file(*cell, bit);
        for (const std::uint32_t t : m.derived) {
            const std::uint64_t of_atom = by_atom[m.key_atoms[t]];
            masks[t] = m.key_equal[t] ? of_atom : all & ~of_atom & ~other;
        }
        if (other) other_keys(m, other, column, list.elements + first, masks, f.rules->exprs, *f.arena);
    }
    for (std::uint32_t t = 0; t < m.test_count; ++t) {
        const auto& test = m.cell_tests[t];
        const std::uint64_t* column = list.cells + std::size_t{test.column} * size + first;
        std::uint64_t unusual;
        masks[keys + t] = cell_test_mask(test, column, n, unusual);
        if (unusual) masks[keys + t] |= unusual_cells(f, m.tests[t], column, list.elements + first, unusual);
    }
}

/// run_pass over a packed list (fused_pass::mask_plan): blocks of up to 64 elements, each test
/// a mask of the elements it holds for, each operation the AND of its tests' masks. Results
/// and steps are run_pass's: an operation's answer is its first deciding element's, and the
/// pass stops after the element that decides the last undecided operation.
[[gnu::always_inline]] inline void run_packed_pass(const frame& f, const fused_pass& pass, const packed_list& list, pass_state& state) {
    scratch& arena = *f.arena;
    const auto& m = pass.masks;
    const std::uint32_t count = m.operations;
    // Per operation: its count, or for the others 1 once decided.
    auto* tally = arena.make<std::uint32_t>((count + 15) & ~15U);
    zero_words(tally, (count + 1) / 2);
    state.done = true;
    state.tally = tally;
    state.kinds = m.kinds.data();
    state.nonempty = list.size > 0;
    // A block's masks (mask_plan), on the stack unless the rule has very many tests.
    constexpr std::size_t on_stack = 48;
    std::uint64_t local[on_stack];
    std::uint64_t* masks = m.mask_count <= on_stack ? local : arena.make<std::uint64_t>(m.mask_count);
    std::size_t open = pass.deciding;
    const bool counting = pass.counting;
    const std::uint32_t size = list.size;
    const auto* ops = m.ops.data();
    const std::uint32_t counters = m.counters;
    const std::uint32_t* more_masks = m.more_masks.data();
    std::uint32_t visited = size; // elements run_pass would walk
    std::uint32_t last = 0;       // the element that decided the last operation decided
    for (std::uint32_t first = 0; first < size; first += 64) {
        const std::uint32_t n = std::min<std::uint32_t>(64, size - first);
        const std::uint64_t all = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
        block_masks(f, pass, list, first, n, all, masks);
        auto holds = [&](const fused_pass::mask_plan::operation& o) __attribute__((always_inline)) {
            std::uint64_t h = masks[o.quad[0]] & masks[o.quad[1]] & masks[o.quad[2]] & masks[o.quad[3]];
            for (std::uint32_t j = o.more_from; j < o.more_to; ++j) h &= masks[more_masks[j]];
            return h;
        };
        for (const auto* o = ops; o != ops + counters; ++o) {
            // Bits counted one by one: few are set, and a portable build has no popcnt.
            std::uint32_t t = tally[o->index];
            for (std::uint64_t h = holds(*o); h; h &= h - 1) ++t;
            tally[o->index] = t;
        }
        for (const auto* op = ops + counters; op != ops + count; ++op) {
            const auto& o = *op;
            if (tally[o.index]) continue; // decided
            // some, none: decided by an element that holds; all: by one that does not.
            const std::uint64_t h = holds(o);
            const std::uint64_t deciding = o.kind == 3 ? all & ~h : h;
            if (!deciding) continue;
            tally[o.index] = 1;
            --open;
            last = std::max<std::uint32_t>(last, first + static_cast<std::uint32_t>(__builtin_ctzll(deciding)));
        }
        if (open == 0 && !counting) {
            visited = last + 1;
            break;
        }
    }
    // One step per element run_pass visits (evaluation has no side effects, so taking them
    // after the walk stops it with the same outcome).
    f.steps->take(visited);
}

/// An operation's result from run_packed_pass's tally.
[[gnu::always_inline]] inline value packed_result(const pass_state& state, std::uint32_t k) noexcept {
    const std::uint32_t t = state.tally[k];
    switch (state.kinds[k]) {
    case 0: return value::of_number(t);
    case 1: return value::of_bool(t != 0);                   // some: true once decided
    case 2: return value::of_bool(t == 0);                   // none: false once decided
    default: return value::of_bool(t == 0 && state.nonempty); // all: false for an empty list
    }
}

/// Runs pass `pass` of the rule's plan, packed when its list is.
[[gnu::noinline]] void run_fused_pass(const frame& f, std::uint32_t pass, pass_state& state) {
    const auto& plan = f.rules->fusion;
    if (f.packed && f.packed[pass].packed) run_packed_pass(f, plan.passes[pass], f.packed[pass], state);
    else run_pass(f, plan.passes[pass], state);
}

[[gnu::always_inline]] inline value fused_result(const frame& f, std::int32_t at) {
    const auto [pass, operation] = f.rules->fusion.at[static_cast<std::size_t>(at)];
    return pass_result(f, pass, operation);
}

/// The result of operation `operation` of shared pass `pass`, the pass run on first use.
[[gnu::always_inline]] inline value pass_result(const frame& f, std::uint32_t pass, std::uint32_t operation) {
    pass_state& state = f.passes[pass];
    if (!state.done) run_fused_pass(f, pass, state);
    return state.tally ? packed_result(state, operation) : state.results[operation];
}

value jl_missing_keys(const frame& f, const std::vector<value>& keys) {
    std::vector<value> missing;
    for (const auto& key : keys) {
        const auto path = js::split_path(js::to_text(key, *f.arena));
        const value found = path.empty() ? f.data : js::lookup(f.data, path, value::null());
        if (found.is_null() || (found.type == value_type::string && found.size == 0)) missing.push_back(key);
    }
    return js::make_array(missing, *f.arena);
}

std::vector<value> jl_keys(const frame& f, const expr_node& n, std::uint32_t from) {
    std::vector<value> keys;
    for (std::uint32_t i = from; i < n.count; ++i) {
        const value k = argument(f, n, i);
        if (i == from && k.type == value_type::array) {
            for (std::uint32_t j = 0; j < k.size; ++j) keys.push_back(k.elements[j]);
            return keys;
        }
        keys.push_back(k);
    }
    return keys;
}

value substring(const frame& f, const expr_node& n) {
    const std::string_view source = js::to_text(argument(f, n, 0), *f.arena);
    // Positions count code points, as JavaScript counts UTF-16 units for the usual characters.
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < source.size(); ++i)
        if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) starts.push_back(i);
    const auto length = static_cast<double>(starts.size());
    auto offset = [&](double position) { return position >= length ? source.size() : starts[static_cast<std::size_t>(position)]; };
    double start = n.count > 1 ? std::trunc(js::to_number(argument(f, n, 1), *f.arena)) : 0;
    if (std::isnan(start)) start = 0;
    if (start < 0) start = std::max(0.0, length + start);
    start = std::min(start, length);
    double end = length;
    if (n.count > 2) {
        const double count = std::trunc(js::to_number(argument(f, n, 2), *f.arena));
        if (std::isnan(count)) end = start;
        else end = count < 0 ? std::max(start, length + count) : std::min(length, start + count);
    }
    const std::size_t from = offset(start), to = offset(end);
    return js::make_text(source.substr(from, to - from), *f.arena);
}

/// The comparisons whose value with two operands is jl_compare's.
constexpr bool two_operand_comparison(op code) noexcept {
    switch (code) {
    case op::jl_loose_equal: case op::jl_loose_not_equal: case op::jl_strict_equal: case op::jl_strict_not_equal:
    case op::jl_less: case op::jl_less_equal: case op::jl_greater: case op::jl_greater_equal:
        return true;
    default: return false;
    }
}

/// eval_jsonlogic's other operations: a function of their own, so that the usual ones do not
/// pay, call after call, for the larger frame of these (strings, vectors, more registers).
[[gnu::noinline]] value eval_jsonlogic_other(const frame& f, const expr_node& n) {
    scratch& arena = *f.arena;
    const auto& pool = f.rules->exprs;
    switch (n.code) {
    case op::jl_var: {
        const value fallback = n.a >= 0 ? js::plain(eval(f, n.a), f.rules->descriptor, arena) : value::null();
        if (n.b >= 0) {
            const value key = js::plain(eval(f, n.b), f.rules->descriptor, arena);
            if (key.is_null()) return f.data;
            const auto path = js::split_path(js::to_text(key, arena));
            return path.empty() ? f.data : js::lookup(f.data, path, fallback);
        }
        if (n.index < 0) return f.data;
        return read_var(f.data, pool, n.index, fallback);
    }
    case op::jl_missing: return jl_missing_keys(f, jl_keys(f, n, 0));
    case op::jl_missing_some: {
        const double need = n.count > 0 ? js::to_number(argument(f, n, 0), arena) : 0;
        const std::vector<value> keys = jl_keys(f, n, 1);
        const value missing = jl_missing_keys(f, keys);
        if (static_cast<double>(keys.size() - missing.size) >= need) return js::make_array({}, arena);
        return missing;
    }
    case op::jl_array: {
        std::vector<value> items;
        for (std::uint32_t i = 0; i < n.count; ++i) items.push_back(argument(f, n, i));
        return js::make_array(items, arena);
    }
    case op::jl_not: return value::of_bool(!js::truthy(n.count ? argument(f, n, 0) : value::null()));
    case op::jl_truthy: {
        // {"!!": [x]} has its operand as an argument; the truthiness a rule file asks of an
        // expression has it in `a`; {"!!": []} has neither (undefined: false).
        if (n.count) return value::of_bool(js::truthy(argument(f, n, 0)));
        return value::of_bool(n.a >= 0 && js::truthy(js::plain(eval(f, n.a), f.rules->descriptor, arena)));
    }
    case op::jl_loose_equal:
    case op::jl_loose_not_equal:
    case op::jl_strict_equal:
    case op::jl_strict_not_equal:
    case op::jl_greater:
    case op::jl_greater_equal:
        return value::of_bool(jl_compare(n.code, argument(f, n, 0), argument(f, n, 1), arena));
    case op::jl_less:
    case op::jl_less_equal: {
        // With three arguments, "between": a < b < c (or <=).
        const value b = argument(f, n, 1);
        const bool first = jl_compare(n.code, argument(f, n, 0), b, arena);
        if (n.count < 3 || !first) return value::of_bool(first);
        return value::of_bool(jl_compare(n.code, b, argument(f, n, 2), arena));
    }
    case op::jl_multiply: {
        if (n.count == 0) return value::null();
        if (n.count == 1) return argument(f, n, 0);
        double product = js::parse_float(argument(f, n, 0), arena);
        for (std::uint32_t i = 1; i < n.count; ++i) product *= js::parse_float(argument(f, n, i), arena);
        return value::of_number(product);
    }
    case op::jl_subtract: {
        const double a = js::to_number(argument(f, n, 0), arena);
        if (n.count < 2) return value::of_number(-a);
        return value::of_number(a - js::to_number(argument(f, n, 1), arena));
    }
    case op::jl_divide:
        return value::of_number(js::to_number(argument(f, n, 0), arena) / js::to_number(n.count > 1 ? argument(f, n, 1) : value::null(), arena));
    case op::jl_modulo:
        return value::of_number(std::fmod(js::to_number(argument(f, n, 0), arena), js::to_number(n.count > 1 ? argument(f, n, 1) : value::null(), arena)));
    case op::jl_min:
    case op::jl_max: {
        const bool is_min = n.code == op::jl_min;
        double best = is_min ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
        for (std::uint32_t i = 0; i < n.count; ++i) {
            const double d = js::to_number(argument(f, n, i), arena);
            if (std::isnan(d)) return value::of_number(d);
            best = is_min ? std::min(best, d) : std::max(best, d);
        }
        return value::of_number(best);
    }
    case op::jl_cat: {
        std::string joined;
        for (std::uint32_t i = 0; i < n.count; ++i) joined += js::to_text(argument(f, n, i), arena);
        return js::make_text(joined, arena);
    }
    case op::jl_substr: return substring(f, n);
    case op::jl_in: {
        const value needle = argument(f, n, 0);
        const value haystack = n.count > 1 ? argument(f, n, 1) : value::null();
        if (haystack.type == value_type::string)
            return value::of_bool(haystack.text().find(js::to_text(needle, arena)) != std::string_view::npos);
        if (haystack.type == value_type::array) {
            for (std::uint32_t i = 0; i < haystack.size; ++i) {
                if (!f.steps->take()) return value::null();
                if (js::strict_equal(haystack.elements[i], needle)) return value::of_bool(true);
            }
        }
        return value::of_bool(false);
    }
    case op::jl_merge: {
        std::vector<value> items;
        for (std::uint32_t i = 0; i < n.count; ++i) {
            const value v = argument(f, n, i);
            if (v.type == value_type::array) items.insert(items.end(), v.elements, v.elements + v.size);
            else items.push_back(v);
        }
        return js::make_array(items, arena);
    }
    case op::jl_map:
    case op::jl_filter:
    case op::jl_all:
    case op::jl_some:
    case op::jl_none:
    case op::jl_reduce: {
        const value raw = eval(f, n.a);
        const value list = js::plain(raw, f.rules->descriptor, arena);
        if (n.code == op::jl_reduce) {
            value accumulator = n.c >= 0 ? js::plain(eval(f, n.c), f.rules->descriptor, arena) : value::null();
            if (list.type != value_type::array) return accumulator;
            frame inner = f;
            for (std::uint32_t i = 0; i < list.size; ++i) {
                if (!f.steps->take()) return value::null();
                member* scope = arena.make<member>(2);
                scope[0] = member{"current", 7, list.elements[i]};
                scope[1] = member{"accumulator", 11, accumulator};
                inner.data = value::of_object(scope, 2);
                accumulator = js::plain(eval(inner, n.b), f.rules->descriptor, arena);
            }
            return accumulator;
        }
        if (list.type != value_type::array) return n.code == op::jl_map || n.code == op::jl_filter ? js::make_array({}, arena) : value::of_bool(n.code == op::jl_none);
        if (n.code == op::jl_all && list.size == 0) return value::of_bool(false);
        // map and filter build their result in the arena directly; the rest only count, and
        // stop as soon as the answer is known (evaluation has no side effects).
        const bool builds = n.code == op::jl_map || n.code == op::jl_filter;
        value* kept = builds ? arena.make<value>(list.size + 1) : nullptr;
        std::uint32_t matches = 0;
        frame inner = f;
        for (std::uint32_t i = 0; i < list.size; ++i) {
            if (!f.steps->take()) return value::null();
            const value typed = raw.list ? element_at(raw, i) : list.elements[i];
            const value result = jl_body(inner, n, list.elements[i], typed);
            if (n.code == op::jl_map) {
                kept[matches++] = result;
                continue;
            }
            const bool yes = js::truthy(result);
            if (yes && n.code == op::jl_filter) kept[matches] = list.elements[i];
            matches += yes ? 1 : 0;
            if (n.code == op::jl_all && !yes) return value::of_bool(false);
            if (yes && (n.code == op::jl_some || n.code == op::jl_none)) return value::of_bool(n.code == op::jl_some);
        }
        switch (n.code) {
        case op::jl_all: return value::of_bool(true);
        case op::jl_some: return value::of_bool(false);
        case op::jl_none: return value::of_bool(true);
        default: return value::of_array(kept, matches);
        }
    }
    case op::jl_count: {
        // {"reduce": [{"filter": [list, cond]}, {"+": [{"var": "accumulator"}, 1]}, 0]}, fused
        // into one counting pass that builds nothing.
        const value raw = eval(f, n.a);
        const value list = js::plain(raw, f.rules->descriptor, arena);
        if (list.type != value_type::array) return value::of_number(0);
        std::uint32_t matches = 0;
        frame inner = f;
        for (std::uint32_t i = 0; i < list.size; ++i) {
            if (!f.steps->take()) return value::null();
            const value typed = raw.list ? element_at(raw, i) : list.elements[i];
            matches += js::truthy(jl_body(inner, n, list.elements[i], typed)) ? 1 : 0;
        }
        return value::of_number(matches);
    }
    case op::table_call: {
        value inputs[16];
        const std::uint32_t count = std::min<std::uint32_t>(n.count, 16);
        for (std::uint32_t i = 0; i < count; ++i) inputs[i] = argument(f, n, i);
        return apply_table(*pool.tables[static_cast<std::size_t>(n.index)], inputs, arena);
    }
    case op::jl_number: {
        const double d = js::to_number(js::plain(eval(f, n.a), f.rules->descriptor, arena), arena);
        return std::isnan(d) ? value::null() : value::of_number(d);
    }
    default: return value::null();
    }
}

value eval_jsonlogic(const frame& f, const expr_node& n) {
    scratch& arena = *f.arena;
    const auto& pool = f.rules->exprs;
    if (n.fused >= 0 && f.passes) return fused_result(f, n.fused);
    switch (n.code) {
    case op::jl_if: {
        std::uint32_t i = 0;
        for (; i + 1 < n.count; i += 2) {
            const value condition = argument(f, n, i);
            if (condition.type == value_type::boolean ? condition.boolean : js::truthy(condition)) return argument(f, n, i + 1);
        }
        return i < n.count ? argument(f, n, i) : value::null();
    }
    case op::jl_and:
    case op::jl_or: {
        value current;
        const argument_read* reads = f.rules->fusion.arguments.data();
        for (std::uint32_t i = 0; i < n.count; ++i) {
            // A comparison of two operands (the usual conjunct) is decided here, its operands
            // read inline, rather than through a call for the comparison itself.
            if (reads) { // said by the rule's plan (argument_read::way::compare)
                const argument_read& a = reads[n.args + i];
                if (a.how == argument_read::way::compare)
                    current = value::of_bool(jl_compare(a.code, planned_argument(f, reads[a.args], a.args),
                                                        planned_argument(f, reads[a.args + 1], a.args + 1), arena));
                else
                    current = planned_argument(f, a, n.args + i);
            } else if (const expr_node& operand = pool.nodes[static_cast<std::size_t>(pool.arg_lists[n.args + i])];
                       operand.count == 2 && operand.fused < 0 && two_operand_comparison(operand.code)) {
                current = value::of_bool(jl_compare(operand.code, argument(f, operand, 0), argument(f, operand, 1), arena));
            } else {
                current = argument(f, n, i);
            }
            const bool yes = current.type == value_type::boolean ? current.boolean : js::truthy(current);
            if (yes == (n.code == op::jl_or)) return current;
        }
        return current;
    }
    case op::jl_add: {
        double sum = 0;
        for (std::uint32_t i = 0; i < n.count; ++i) {
            const value v = argument(f, n, i);
            sum += v.type == value_type::number ? v.number : js::parse_float(v, arena); // (a number is itself)
        }
        return value::of_number(sum);
    }
    default: return eval_jsonlogic_other(f, n);
    }
}

/// A filter holds only when its condition is true (null counts as not holding).
bool holds(const frame& f, std::int32_t condition) {
    if (condition < 0) return true;
    const value v = eval(f, condition);
    return v.type == value_type::boolean && v.boolean;
}

/// The value of `node` computed when the rules loaded (program::fixed_values) for the level and
/// competence of `f`, its steps counted; nullptr when there is none.
const double* fixed_value(const frame& f, std::int32_t node) {
    const program::fixed_values& fixed = f.rules->fixed;
    if (f.level < 0 || node < 0 || static_cast<std::size_t>(node) >= fixed.slot.size()) return nullptr;
    const std::int32_t at = fixed.slot[static_cast<std::size_t>(node)];
    if (at < 0) return nullptr;
    const auto& e = fixed.values[static_cast<std::size_t>(at) +
                                 static_cast<std::size_t>(f.level) * (f.rules->descriptor.competences.size() + 1) +
                                 static_cast<std::size_t>(f.competence + 1)];
    if (e.steps) f.steps->take(e.steps);
    return &e.value;
}

/// holds() for a condition in level (and competence) scope, as computed when the rules loaded
/// when it reads no candidate data.
bool holds_in_scope(const frame& f, std::int32_t condition) {
    if (const double* fixed = fixed_value(f, condition)) return *fixed == 1;
    return holds(f, condition);
}

double number(const frame& f, const number_param& p) {
    if (p.expr < 0) return p.constant;
    if (const double* fixed = fixed_value(f, p.expr)) return *fixed;
    const value v = eval(f, p.expr);
    return v.type == value_type::number ? v.number : std::nan("");
}

// ---------------------------------------------------------------------------------------------
// Requirements.

status combine_at_least(std::size_t passed, std::size_t undecided, double k) {
    if (static_cast<double>(passed) >= k) return status::pass;
    if (static_cast<double>(passed + undecided) < k) return status::fail;
    return status::insufficient;
}

/// The panel of one competence at one level, computed once and shared by the panel,
/// agreement and scores requirements.
struct panel_state {
    bool computed = false; ///< valid, assessments and excluded
    bool scored = false;   ///< criteria (needed by agreement and scores, not by the panel's own checks)
    std::vector<std::uint32_t> valid;       ///< assessor indices
    std::vector<std::uint32_t> assessments; ///< their counted assessment, same order
    std::vector<std::uint32_t> excluded;    ///< assessors who scored but are not valid
    struct criterion_state {
        id_index criterion = 0;
        std::vector<std::uint32_t> scorers; ///< assessor indices (kept with the trace only)
        std::vector<int> scores;            ///< their scores, sorted
        status agreement = status::insufficient;
        double agreed = 0;
        int spread = 0;
    };
    std::vector<criterion_state> criteria;
};

/// A way to close the gap to an `at_least` or `min_total`: a child not passed, the leaves that
/// stand in its way and what its passing would add.
struct gap_option {
    std::vector<std::uint32_t> leaves;
    double weight = 0;
    std::uint32_t order = 0; ///< the child's position, which breaks ties
};

/// Working memory of the evaluator, kept per thread and cleared (not freed) between
/// candidates, so that a warm thread allocates almost nothing while it evaluates.
struct evaluation_scratch {
    scratch arena;
    std::vector<std::vector<std::uint32_t>> latest; ///< per competence: counted assessments
    std::vector<panel_state> panels;               ///< per (level, competence)
    std::vector<std::uint32_t> pending;            ///< children of entries being evaluated
    std::vector<std::uint32_t> usable, unusable, matching, held, types, covered;
    /// Recalled conditions (program::recalled) of the current record: -1 not yet evaluated,
    /// else 0 or 1; `recall_at` is where each entry's results start.
    std::vector<std::int8_t> recall;
    std::vector<std::size_t> recall_at;
    /// Per evidence item of the current record: the competences its criteria belong to (a bit
    /// each, for the first 64).
    std::vector<std::uint64_t> supported;
    /// collect_gap's lists.
    struct gap_scratch {
        /// Options, per depth of `at_least` / `min_total` nesting (a deque, so that a deeper
        /// level never moves a shallower one's).
        std::deque<std::vector<gap_option>> options;
        /// The level's gap being collected; per trace entry, the stamp of the level whose gap
        /// names it already.
        const std::vector<std::uint32_t>* level = nullptr;
        std::vector<std::uint32_t> marks;
        std::uint32_t stamp = 0;
    } gaps;
    /// Without a trace: the status of each entry of the root being evaluated.
    std::vector<status> results;
    /// Per row of program::level_free and competence: without a trace, its result once known
    /// (-1: not yet); with one, the entry of the first level's result (or none).
    std::vector<std::int8_t> level_free;
    std::vector<std::uint32_t> level_free_entries;
    /// How long the last decision's trace, refs and children got: the next decision reserves as
    /// much, instead of growing its lists from nothing (copying them each time they double).
    std::size_t trace_size = 0, refs_size = 0, children_size = 0;

    void reset(std::size_t competences, std::size_t levels) {
        arena.reset();
        latest.resize(competences);
        for (auto& l : latest) l.clear();
        panels.resize(levels * competences);
        for (auto& p : panels) {
            p.computed = p.scored = false;
            p.valid.clear();
            p.assessments.clear();
            p.excluded.clear();
        }
        pending.clear();
        results.clear();
    }
};

evaluation_scratch& thread_scratch() {
    thread_local evaluation_scratch s;
    return s;
}

/// `Record`: whether the trace is kept (evaluate_into's `trace`); without it every recording
/// step compiles to nothing. `Full` (with `Record`): checks that pass are kept too
/// (evaluate_into's `passing_checks`).
template <bool Record, bool Full>
class evaluator {
  public:
    evaluator(const program& rules, const candidate& who, date as_of, decision& out, evaluation_scratch& work,
              step_budget& steps)
        : rules_(rules), q_(rules.descriptor), who_(who), out_(out), recall_(work.recall), recall_at_(work.recall_at),
          supported_(work.supported),
          arena_(work.arena), latest_(work.latest),
          panels_(work.panels), pending_(work.pending), usable_(work.usable), unusable_(work.unusable),
          matching_(work.matching), held_(work.held), types_(work.types), covered_(work.covered),
          gaps_(work.gaps), results_(work.results), level_free_(work.level_free),
          level_free_entries_(work.level_free_entries),
          entries_(Record ? static_cast<std::uint32_t>(out.trace.size()) : 0) {
        work.reset(q_.competences.size(), q_.levels.size());
        // Room for each recalled condition's results: per item or assessor (and level).
        recall_at_.clear();
        std::size_t total = 0;
        for (const auto& e : rules.recalled.entries) {
            recall_at_.push_back(total);
            total += (e.per_expert ? who.assessors.size() : who.evidence.size()) * (e.per_level ? q_.levels.size() : 1);
        }
        recall_.assign(total, -1);
        supported_.assign(who.evidence.size(), 0);
        if (Record) level_free_entries_.assign(rules.level_free.rows * q_.competences.size(), no_entry);
        else level_free_.assign(rules.level_free.rows * q_.competences.size(), -1);
        for (std::size_t i = 0; i < who.evidence.size(); ++i)
            for (id_index k : who.evidence[i].covers)
                if (q_.criteria[k].competence < 64) supported_[i] |= std::uint64_t{1} << q_.criteria[k].competence;
        base_.rules = &rules;
        base_.who = &who;
        base_.as_of = as_of;
        base_.arena = &arena_;
        base_.steps = &steps;
        // The counted assessment per (assessor, competence): the latest date, and on equal
        // dates the later entry.
        for (std::uint32_t i = 0; i < who.assessments.size(); ++i) {
            const auto& a = who.assessments[i];
            auto& list = latest_[a.competence];
            auto same = std::find_if(list.begin(), list.end(), [&](std::uint32_t j) {
                return who.assessments[j].assessor == a.assessor;
            });
            if (same == list.end()) list.push_back(i);
            else if (who.assessments[*same].dated <= a.dated) *same = i;
        }
    }

    /// Decides the candidate: statuses and outcome, with the trace when `Record` (and then the
    /// gaps when `gaps`).
    void run(bool gaps) {
        const std::size_t levels = q_.levels.size();
        const std::size_t competences = q_.competences.size();
        out_.competence_status.resize(levels);
        for (auto& row : out_.competence_status) row.assign(competences, status::insufficient);
        if (record_) {
            out_.competence_roots.resize(levels); // rows keep their memory when the decision is reused
            for (auto& row : out_.competence_roots) row.assign(competences, 0);
        } else {
            out_.competence_roots.clear();
        }
        for (std::size_t l = 0; l < levels; ++l) {
            for (std::size_t c = 0; c < competences; ++c) {
                frame f = base_;
                f.level = static_cast<std::int32_t>(l);
                f.competence = static_cast<std::int32_t>(c);
                const std::uint32_t root = requirement_result(rules_.competence_standard, f);
                out_.competence_status[l][c] = result_of(root);
                if (record_) out_.competence_roots[l][c] = root;
                results_.clear(); // without a trace, a finished root's entries are not read again
            }
        }
        for (std::size_t l = 0; l < levels; ++l) {
            frame f = base_;
            f.level = static_cast<std::int32_t>(l);
            const std::uint32_t root = requirement_result(rules_.level_requires[l], f);
            out_.level_status.push_back(result_of(root));
            if (record_) out_.level_roots.push_back(root);
            results_.clear();
        }
        decide_outcome();
        out_.gaps.resize(record_ ? levels : 0);
        for (auto& gap : out_.gaps) gap.clear();
        if (record_ && gaps) gaps_.marks.resize(out_.trace.size());
        for (std::size_t l = 0; l < levels && record_ && gaps; ++l) {
            if (out_.level_status[l] == status::pass) continue;
            if (++gaps_.stamp == 0) { // after 2^32 gaps: marks of old ones could match again
                std::fill(gaps_.marks.begin(), gaps_.marks.end(), 0);
                gaps_.stamp = 1;
            }
            gaps_.level = &out_.gaps[l];
            collect_gap(out_.level_roots[l], out_.gaps[l]);
        }
    }

  private:
    /// holds() for a condition of the item or assessor in `f`, recalled when the rules allow.
    bool holds_for(const frame& f, std::int32_t condition) {
        const std::int32_t slot = condition < 0 ? -1 : rules_.recalled.slot[static_cast<std::size_t>(condition)];
        if (slot < 0) return holds(f, condition);
        const auto& e = rules_.recalled.entries[static_cast<std::size_t>(slot)];
        if (e.per_level && f.level < 0) return holds(f, condition);
        const std::size_t count = e.per_expert ? who_.assessors.size() : who_.evidence.size();
        const std::size_t whom = e.per_expert ? static_cast<std::size_t>(f.expert - who_.assessors.data())
                                              : static_cast<std::size_t>(f.item - who_.evidence.data());
        const std::size_t at = recall_at_[static_cast<std::size_t>(slot)] + (e.per_level ? static_cast<std::size_t>(f.level) * count : 0) + whom;
        std::int8_t& known = recall_[at];
        if (known < 0) known = holds(f, condition) ? 1 : 0;
        return known == 1;
    }

    // ---- recording ----
    // With a trace (Record), every result is an entry of decision::trace. Children of the entry
    // being evaluated gather on a stack and move to the decision as one range when it is done,
    // so that every entry's children are contiguous. Without one, an entry is only its status
    // (results_), and what it found, required and rests on is not kept.
    std::uint32_t new_entry(std::uint32_t req, const frame& f, check_kind check = check_kind::whole, std::uint32_t arg = 0) {
        if (!record_) {
            results_.push_back(status::pass);
            return static_cast<std::uint32_t>(results_.size() - 1);
        }
        // Made in place: the rest of the entry keeps its defaults until the checks set it.
        trace_entry& e = out_.trace.emplace_back();
        e.requirement = req;
        e.check = check;
        e.check_arg = arg;
        e.level = static_cast<std::int16_t>(f.level);
        e.competence = static_cast<std::int16_t>(f.competence);
        return entries_++;
    }
    trace_entry& at(std::uint32_t i) { return out_.trace[i]; }
    status result_of(std::uint32_t e) const { return record_ ? out_.trace[e].result : results_[e]; }
    void set_result(std::uint32_t e, status s) {
        if (record_) out_.trace[e].result = s;
        else results_[e] = s;
    }
    void found(std::uint32_t e, const detail_value& v) {
        if (record_) at(e).found = v;
    }
    void required(std::uint32_t e, const detail_value& v) {
        if (record_) at(e).required = v;
    }
    /// Makes `child` a sub-result of the entry being evaluated.
    void adopt(std::uint32_t child) {
        if (record_) pending_.push_back(child);
    }

    void close_children(std::uint32_t self, std::size_t mark) {
        if (!record_) return;
        std::vector<std::uint32_t>& children = out_.children;
        const std::size_t first = children.size();
        const std::size_t count = pending_.size() - mark;
        trace_entry& e = at(self);
        e.children_first = static_cast<std::uint32_t>(first);
        e.children_count = static_cast<std::uint32_t>(count);
        if (count == 0) return; // a leaf, the usual case
        const std::uint32_t* adopted = pending_.data() + mark;
        for (std::size_t k = 0; k < count; ++k) children.push_back(adopted[k]);
        pending_.resize(mark);
    }

    /// Appends ids to decision::refs and returns them as a value (nothing without a trace).
    template <class Ids>
    detail_value ids(ref_kind kind, const Ids& indices) {
        detail_value v;
        if (!record_) return v;
        v.what = detail_value::kind::refs;
        v.first = static_cast<std::uint32_t>(out_.refs.size());
        for (auto i : indices) out_.refs.push_back({kind, static_cast<std::uint32_t>(i)});
        v.count = static_cast<std::uint32_t>(out_.refs.size()) - v.first;
        return v;
    }
    /// Makes the ids of `v` (a refs value) the ids entry `e` rests on.
    void rests_on(std::uint32_t e, const detail_value& v) {
        if (!record_ || e == no_entry) return;
        at(e).refs_first = v.first;
        at(e).refs_count = v.count;
    }
    template <class Ids>
    void rests_on(std::uint32_t e, ref_kind kind, const Ids& indices) {
        if (!record_ || e == no_entry) return;
        rests_on(e, ids(kind, indices));
    }
    /// Makes entry `self` (of the level in `f`) what `from` found, with copies of its checks: the
    /// same result at another level.
    void copy_result(std::uint32_t from, std::uint32_t self, const frame& f) {
        const trace_entry source = at(from);
        set_result(self, source.result);
        found(self, source.found);
        required(self, source.required);
        at(self).refs_first = source.refs_first; // ids are never changed once recorded: shared
        at(self).refs_count = source.refs_count;
        for (std::uint32_t k = 0; k < source.children_count; ++k) {
            trace_entry copy = at(out_.children[source.children_first + k]);
            copy.level = static_cast<std::int16_t>(f.level);
            out_.trace.push_back(copy);
            adopt(entries_++);
        }
    }
    /// Whether a check with this outcome is kept: with the trace, a check that does not pass;
    /// with the full trace, every check.
    static constexpr bool shows(bool ok) { return record_ && (full_ || !ok); }

    /// Evaluates one requirement into a new trace entry and returns its index.
    std::uint32_t requirement_result(std::uint32_t req_index, const frame& f) {
        const requirement& r = rules_.requirements[req_index];
        const std::uint32_t self = new_entry(req_index, f);
        const std::size_t mark = pending_.size();
        switch (r.kind) {
        case requirement_kind::all_of:
        case requirement_kind::at_least:
        case requirement_kind::sequence:
        case requirement_kind::min_total: combinator(r, req_index, self, f); break;
        case requirement_kind::when: {
            const bool applies = holds_in_scope(f, r.condition);
            found(self, detail_value::of(applies ? 1.0 : 0.0));
            if (applies) {
                const std::uint32_t child = requirement_result(r.children.front(), f);
                adopt(child);
                set_result(self, result_of(child));
            }
            break;
        }
        case requirement_kind::competence: {
            const std::int32_t level = r.at_level >= 0 ? r.at_level : f.level;
            const status decided = out_.competence_status[static_cast<std::size_t>(level)][r.competence];
            set_result(self, decided);
            if (!record_) break;
            at(self).level = static_cast<std::int16_t>(level);
            at(self).competence = static_cast<std::int16_t>(r.competence);
            adopt(out_.competence_roots[static_cast<std::size_t>(level)][r.competence]);
            found(self, detail_value::of(static_cast<phrase>(static_cast<std::uint32_t>(phrase::pass) + static_cast<std::uint32_t>(decided))));
            required(self, detail_value::of(phrase::pass));
            break;
        }
        case requirement_kind::experience: experience(r, self, f); break;
        case requirement_kind::credential: credential_check(r, self, f); break;
        case requirement_kind::expr: {
            const value v = eval(f, r.condition);
            set_result(self, v.is_null() ? status::insufficient : (v.boolean ? status::pass : status::fail));
            break;
        }
        case requirement_kind::evidence: {
            // The same at every level: decided at the first (with a trace, its entries are
            // copied to the others).
            const std::int32_t row = rules_.level_free.slot[req_index];
            if (row < 0 || f.competence < 0) {
                evidence(r, self, f);
                break;
            }
            const std::size_t at = static_cast<std::size_t>(row) * q_.competences.size() + static_cast<std::size_t>(f.competence);
            if (record_) {
                std::uint32_t& first = level_free_entries_[at];
                if (first == no_entry) {
                    evidence(r, self, f);
                    first = self;
                } else {
                    copy_result(first, self, f);
                }
                break;
            }
            std::int8_t& known = level_free_[at];
            if (known < 0) {
                evidence(r, self, f);
                known = static_cast<std::int8_t>(result_of(self));
            }
            set_result(self, static_cast<status>(known));
            break;
        }
        case requirement_kind::panel: panel(r, self, f); break;
        case requirement_kind::agreement: agreement(self, f); break;
        case requirement_kind::scores: scores(r, self, f); break;
        }
        close_children(self, mark);
        assert((!record_ || result_of(self) != status::fail || rules_.failing.may_fail[req_index]) &&
               "a requirement planned as unable to fail failed (plan_failing_results)");
        return self;
    }

    void combinator(const requirement& r, std::uint32_t req_index, std::uint32_t self, const frame& f) {
        const bool counted = r.kind == requirement_kind::at_least || r.kind == requirement_kind::min_total;
        const double need = counted ? number(f, r.threshold) : 0;
        // Without the trace only the status is kept: the children after the one that decides
        // it are not evaluated. Weight not yet seen, for `min_total`:
        double weight_left = 0;
        if (!record_ && r.kind == requirement_kind::min_total)
            weight_left = r.weights.empty() ? static_cast<double>(r.children.size())
                                            : std::accumulate(r.weights.begin(), r.weights.end(), 0.0);
        std::size_t passed = 0, failed = 0, undecided = 0;
        double weight_passed = 0, weight_undecided = 0;
        status first_not_pass = status::pass;
        for (std::size_t i = 0; i < r.children.size(); ++i) {
            const std::uint32_t child = requirement_result(r.children[i], f);
            adopt(child);
            const status s = result_of(child);
            const double w = r.weights.empty() ? 1.0 : r.weights[i];
            if (s == status::pass) ++passed, weight_passed += w;
            else if (s == status::fail) ++failed;
            else ++undecided, weight_undecided += w;
            if (s != status::pass && first_not_pass == status::pass) first_not_pass = s;
            if (!record_ && decided(r, rules_.failing.children_that_may_fail_end[req_index], i + 1, need, passed,
                                    failed, undecided, weight_passed, weight_undecided, weight_left -= w))
                break;
        }
        status result = status::pass;
        switch (r.kind) {
        case requirement_kind::all_of:
            result = failed ? status::fail : (undecided ? status::insufficient : status::pass);
            found(self, detail_value::of(static_cast<double>(passed)));
            required(self, detail_value::of(static_cast<double>(r.children.size())));
            break;
        case requirement_kind::at_least:
            result = combine_at_least(passed, undecided, need);
            found(self, detail_value::of(static_cast<double>(passed)));
            required(self, detail_value::of(need));
            break;
        case requirement_kind::min_total:
            result = weight_passed >= need ? status::pass
                     : (weight_passed + weight_undecided < need ? status::fail : status::insufficient);
            found(self, detail_value::of(weight_passed));
            required(self, detail_value::of(need));
            break;
        default: result = first_not_pass; break;
        }
        set_result(self, result);
    }

    /// Whether the children seen so far (`seen` of them) decide a combinator's status whatever
    /// the others' results: all but `sequence`'s first child that is not pass could still change.
    /// `may_fail_end`: 1 + the index of the last child that can end as `fail` (0: none can).
    static bool decided(const requirement& r, std::uint32_t may_fail_end, std::size_t seen, double need,
                        std::size_t passed, std::size_t failed, std::size_t undecided, double weight_passed,
                        double weight_undecided, double weight_left) {
        const std::size_t left = r.children.size() - seen;
        switch (r.kind) {
        case requirement_kind::all_of:
            // Fail, whatever follows; or not pass, and no child left can fail: insufficient.
            return failed > 0 || (undecided > 0 && may_fail_end <= seen);
        case requirement_kind::at_least:
            // Passed already, or cannot be reached even if every other child passes.
            return static_cast<double>(passed) >= need || static_cast<double>(passed + undecided + left) < need;
        case requirement_kind::min_total:
            return weight_passed >= need || weight_passed + weight_undecided + weight_left < need;
        default: return passed < seen; // sequence: its first child that is not pass
        }
    }

    void experience(const requirement& r, std::uint32_t self, const frame& f) {
        const double minimum = number(f, r.min_years);
        required(self, detail_value::of(minimum));
        if (!who_.has_experience) {
            set_result(self, status::insufficient);
            found(self, detail_value::of(phrase::no_experience_recorded));
            return;
        }
        const double window = number(f, r.window_years);
        const date start = shifted_back(f.as_of, masterpro::duration{static_cast<std::int32_t>(window), 0, 0});
        double days = 0;
        for (const auto& e : who_.experience) {
            if (!((r.roles >> e.role) & 1U)) continue;
            const date from = std::max(e.from, start);
            const date to = std::min(e.to ? *e.to : f.as_of, f.as_of);
            if (to.days > from.days) days += (to.days - from.days) * e.fte;
        }
        const double years = days / 365.25;
        found(self, detail_value::of(years));
        set_result(self, years >= minimum ? status::pass : status::fail);
    }

    void credential_check(const requirement& r, std::uint32_t self, const frame& f) {
        required(self, ids(ref_kind::credential_type, r.credential_types));
        if (!who_.has_credentials) {
            set_result(self, status::insufficient);
            found(self, detail_value::of(phrase::no_credentials_recorded));
            return;
        }
        const bool limited = r.max_age_years.set;
        const date oldest = limited ? shifted_back(f.as_of, masterpro::duration{static_cast<std::int32_t>(number(f, r.max_age_years)), 0, 0})
                                    : date{};
        held_.clear();
        for (std::uint32_t i = 0; i < who_.credentials.size(); ++i) {
            const auto& c = who_.credentials[i];
            if (std::find(r.credential_types.begin(), r.credential_types.end(), c.type) == r.credential_types.end()) continue;
            const bool current = c.issued <= f.as_of && (!c.valid_until || *c.valid_until >= f.as_of) &&
                                 (!limited || c.issued >= oldest);
            if (current) {
                set_result(self, status::pass);
                const detail_value current_ids = ids(ref_kind::credential, std::array<std::uint32_t, 1>{i});
                found(self, current_ids);
                rests_on(self, current_ids);
                return;
            }
            held_.push_back(i);
        }
        set_result(self, status::fail);
        const detail_value held_ids = ids(ref_kind::credential, held_);
        found(self, held_ids);
        rests_on(self, held_ids);
    }

    // A check within a vocabulary requirement: a child entry when shows(ok) (else only its
    // effect on the parent's status, and no_entry).
    std::uint32_t check(std::uint32_t parent, const frame& f, check_kind kind, std::uint32_t arg, bool ok, status otherwise,
                        const detail_value& what_found, const detail_value& what_required) {
        if (!ok && result_of(parent) == status::pass) set_result(parent, otherwise);
        if (!shows(ok)) return no_entry;
        const std::uint32_t e = new_entry(at(parent).requirement, f, kind, arg);
        set_result(e, ok ? status::pass : otherwise);
        found(e, what_found);
        required(e, what_required);
        adopt(e);
        return e;
    }

    void evidence(const requirement& r, std::uint32_t self, const frame& f) {
        const competence& c = q_.competences[static_cast<std::size_t>(f.competence)];
        usable_.clear();
        unusable_.clear();
        frame g = f;
        for (std::uint32_t i = 0; i < who_.evidence.size(); ++i) {
            const auto& item = who_.evidence[i];
            bool supports = false;
            if (f.competence < 64) supports = (supported_[i] >> f.competence) & 1U;
            else for (id_index k : item.covers) supports = supports || q_.criteria[k].competence == f.competence;
            if (!supports) continue;
            g.item = &item;
            if (holds_for(g, r.usable)) usable_.push_back(i);
            else if (full_) unusable_.push_back(i); // only the full trace lists them
        }
        const detail_value usable_ids = ids(ref_kind::evidence, usable_);
        rests_on(self, usable_ids);
        found(self, detail_value::of(static_cast<double>(usable_.size())));
        if (!unusable_.empty()) {
            // Items that support the competence but are too old, too new or not authentic.
            const detail_value unusable_ids = ids(ref_kind::evidence, unusable_);
            rests_on(check(self, f, check_kind::not_usable, 0, true, status::pass, unusable_ids, {}), unusable_ids);
        }
        if (r.min_items.set) {
            const double need = number(f, r.min_items);
            rests_on(check(self, f, check_kind::min_items, 0, static_cast<double>(usable_.size()) >= need,
                           status::insufficient, detail_value::of(static_cast<double>(usable_.size())), detail_value::of(need)),
                     usable_ids);
        }
        if (r.min_distinct_types.set) {
            std::uint64_t seen = 0; // evidence types are few: a bit each (a qualification declares at most 64)
            types_.clear();
            for (std::uint32_t i : usable_) {
                const id_index t = who_.evidence[i].type;
                if (t >= 64 || ((seen >> t) & 1U)) continue;
                seen |= std::uint64_t{1} << t;
                if (record_) types_.push_back(t); // the types, by index, for the trace
            }
            if (record_) std::sort(types_.begin(), types_.end());
            const double need = number(f, r.min_distinct_types);
            const auto distinct = static_cast<double>(std::bitset<64>(seen).count());
            const bool ok = distinct >= need;
            rests_on(check(self, f, check_kind::min_distinct_types, 0, ok, status::insufficient,
                           shows(ok) ? ids(ref_kind::evidence_type, types_) : detail_value{}, detail_value::of(need)),
                     usable_ids);
        }
        for (std::size_t ci = 0; ci < r.counts.size(); ++ci) {
            const auto& cond = r.counts[ci];
            matching_.clear();
            std::size_t matches = 0;
            for (std::uint32_t i : usable_) {
                g.item = &who_.evidence[i];
                if (!holds_for(g, cond.where)) continue;
                ++matches;
                if (record_) matching_.push_back(i);
            }
            const double need = number(f, cond.min);
            rests_on(check(self, f, check_kind::count_condition, static_cast<std::uint32_t>(ci),
                           static_cast<double>(matches) >= need, status::insufficient,
                           detail_value::of(static_cast<double>(matches)), detail_value::of(need)),
                     ref_kind::evidence, matching_);
        }
        if (r.cover_every_criterion) {
            covered_.clear();
            std::size_t covered_count = 0;
            for (id_index k : c.criteria) {
                bool covered = false;
                for (std::uint32_t i : usable_) {
                    const auto& covers = who_.evidence[i].covers;
                    if (std::find(covers.begin(), covers.end(), k) != covers.end()) {
                        covered = true;
                        break;
                    }
                }
                if (!covered) continue;
                ++covered_count;
                if (record_) covered_.push_back(k);
            }
            const bool ok = covered_count == c.criteria.size();
            check(self, f, check_kind::cover_every_criterion, 0, ok, status::insufficient,
                  shows(ok) ? ids(ref_kind::criterion, covered_) : detail_value{},
                  shows(ok) ? ids(ref_kind::criterion, c.criteria) : detail_value{});
        }
    }

    panel_state& panel_of(const frame& f) {
        panel_state& p = panels_[static_cast<std::size_t>(f.level) * q_.competences.size() +
                                 static_cast<std::size_t>(f.competence)];
        if (p.computed) return p;
        p.computed = true;
        frame g = f;
        for (std::uint32_t a : latest_[static_cast<std::size_t>(f.competence)]) {
            const std::uint32_t who = who_.assessments[a].assessor;
            g.expert = &who_.assessors[who];
            if (holds_for(g, rules_.valid_assessor)) p.valid.push_back(who), p.assessments.push_back(a);
            else if (full_) p.excluded.push_back(who); // only the full trace tells who was excluded
        }
        return p;
    }

    /// panel_of with the valid assessors' scores sorted into the competence's criteria, and
    /// each criterion's agreement: worked out once asked for (a panel that is too small or
    /// lacks a kind of assessor decides a competence without them).
    panel_state& scored_panel_of(const frame& f) {
        panel_state& p = panel_of(f);
        if (p.scored) return p;
        p.scored = true;
        const double min_scorers = number(f, rules_.agreement.min_scorers);
        const double max_spread = number(f, rules_.agreement.max_spread);
        const auto& criteria = q_.competences[static_cast<std::size_t>(f.competence)].criteria;
        // The states (and their lists' memory) are reused from the previous candidate.
        p.criteria.resize(criteria.size());
        for (std::size_t ki = 0; ki < criteria.size(); ++ki) {
            panel_state::criterion_state& cs = p.criteria[ki];
            cs.scorers.clear();
            cs.scores.clear();
            cs.agreed = 0;
            cs.criterion = criteria[ki];
        }
        // Each valid assessor's scores go to their criteria's states, in assessor order. A
        // competence's criteria are consecutive indices (as the compiler numbers them), so a
        // score's criterion finds its state by subtraction.
        const bool consecutive =
            criteria.empty() || static_cast<std::size_t>(criteria.back()) + 1 - criteria.front() == criteria.size();
        for (std::size_t i = 0; i < p.valid.size(); ++i)
            for (const auto& s : who_.assessments[p.assessments[i]].scores) {
                std::size_t ki = consecutive ? static_cast<std::size_t>(s.criterion) - criteria.front()
                                             : static_cast<std::size_t>(std::find(criteria.begin(), criteria.end(), s.criterion) - criteria.begin());
                if (ki >= criteria.size()) continue; // (criteria.front() > s.criterion wraps around too)
                panel_state::criterion_state& cs = p.criteria[ki];
                cs.scores.push_back(s.score);
                if (record_) cs.scorers.push_back(p.valid[i]); // only the trace names them
            }
        for (auto& cs : p.criteria) {
            // Sorted in place: panels are small (insertion sort).
            std::vector<int>& sorted = cs.scores;
            for (std::size_t i = 1; i < sorted.size(); ++i)
                for (std::size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; --j) std::swap(sorted[j - 1], sorted[j]);
            cs.spread = sorted.empty() ? 0 : sorted.back() - sorted.front();
            const bool enough = static_cast<double>(sorted.size()) >= min_scorers && !sorted.empty();
            cs.agreement = enough && cs.spread <= max_spread ? status::pass : status::insufficient;
            if (cs.agreement == status::pass) cs.agreed = agreed_score(sorted);
        }
        return p;
    }

    double agreed_score(const std::vector<int>& sorted) const {
        const std::size_t n = sorted.size();
        switch (rules_.agreement.agreed) {
        case agreed_score_rule::median_low: return sorted[(n - 1) / 2];
        case agreed_score_rule::median_high: return sorted[n / 2];
        case agreed_score_rule::minimum: return sorted.front();
        case agreed_score_rule::mean:
            return std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(n);
        }
        return sorted.front();
    }

    void panel(const requirement& r, std::uint32_t self, const frame& f) {
        panel_state& p = panel_of(f);
        const detail_value valid = ids(ref_kind::assessor, p.valid);
        rests_on(self, valid);
        found(self, detail_value::of(static_cast<double>(p.valid.size())));
        if (!p.excluded.empty()) {
            const detail_value excluded = ids(ref_kind::assessor, p.excluded);
            rests_on(check(self, f, check_kind::not_valid, 0, true, status::pass, excluded, {}), excluded);
        }
        if (r.min_size.set) {
            const double need = number(f, r.min_size);
            rests_on(check(self, f, check_kind::min_size, 0, static_cast<double>(p.valid.size()) >= need, status::insufficient,
                           detail_value::of(static_cast<double>(p.valid.size())), detail_value::of(need)),
                     valid);
        }
        frame g = f;
        for (std::size_t ci = 0; ci < r.counts.size(); ++ci) {
            const auto& cond = r.counts[ci];
            matching_.clear();
            std::size_t matches = 0;
            for (std::uint32_t a : p.valid) {
                g.expert = &who_.assessors[a];
                if (!holds_for(g, cond.where)) continue;
                ++matches;
                if (record_) matching_.push_back(a);
            }
            const double need = number(f, cond.min);
            rests_on(check(self, f, check_kind::count_condition, static_cast<std::uint32_t>(ci),
                           static_cast<double>(matches) >= need, status::insufficient,
                           detail_value::of(static_cast<double>(matches)), detail_value::of(need)),
                     ref_kind::assessor, matching_);
        }
    }

    void agreement(std::uint32_t self, const frame& f) {
        panel_state& p = scored_panel_of(f);
        const double min_scorers = number(f, rules_.agreement.min_scorers);
        const double max_spread = number(f, rules_.agreement.max_spread);
        rests_on(self, ref_kind::assessor, p.valid);
        for (const auto& cs : p.criteria) {
            std::uint32_t e;
            const std::size_t scored = cs.scores.size();
            if (static_cast<double>(scored) < min_scorers || scored == 0)
                e = check(self, f, check_kind::scorers, cs.criterion, false, status::insufficient,
                          detail_value::of(static_cast<double>(scored)), detail_value::of(min_scorers));
            else if (cs.agreement != status::pass)
                e = check(self, f, check_kind::spread, cs.criterion, false, status::insufficient,
                          detail_value::of(static_cast<double>(cs.spread)), detail_value::of(max_spread));
            else
                e = check(self, f, check_kind::agreed, cs.criterion, true, status::pass, detail_value::of(cs.agreed), {});
            rests_on(e, ref_kind::assessor, cs.scorers);
        }
    }

    void scores(const requirement& r, std::uint32_t self, const frame& f) {
        panel_state& p = scored_panel_of(f);
        rests_on(self, ref_kind::assessment, p.assessments);
        covered_.clear();
        bool complete = true;
        double total = 0;
        for (const auto& cs : p.criteria) {
            if (cs.agreement == status::pass) covered_.push_back(cs.criterion);
            else complete = false;
            total += cs.agreed;
        }
        if (!complete) {
            const auto& all = q_.competences[static_cast<std::size_t>(f.competence)].criteria;
            check(self, f, check_kind::agreed_scores, 0, false, status::insufficient, ids(ref_kind::criterion, covered_),
                  ids(ref_kind::criterion, all));
            return;
        }
        if (r.each_min.set) {
            const double need = number(f, r.each_min);
            for (const auto& cs : p.criteria)
                rests_on(check(self, f, check_kind::criterion_score, cs.criterion, cs.agreed >= need, status::fail,
                               detail_value::of(cs.agreed), detail_value::of(need)),
                         ref_kind::assessor, cs.scorers);
        }
        if (r.mean_min.set && !p.criteria.empty()) {
            const double need = number(f, r.mean_min);
            const double mean = total / static_cast<double>(p.criteria.size());
            check(self, f, check_kind::mean, 0, mean >= need, status::fail, detail_value::of(mean), detail_value::of(need));
        }
    }

    void decide_outcome() {
        const std::size_t levels = q_.levels.size();
        for (std::size_t l = levels; l-- > 0;) {
            if (out_.level_status[l] == status::pass) {
                out_.level = static_cast<id_index>(l);
                out_.outcome = outcome::awarded;
                out_.valid_until = add(base_.as_of, masterpro::duration{q_.valid_for_years, 0, 0});
                return;
            }
        }
        if (q_.partial_level) {
            const auto& at_level = out_.competence_status[*q_.partial_level];
            for (std::size_t c = 0; c < at_level.size(); ++c)
                if (at_level[c] == status::pass) out_.partial.push_back(static_cast<id_index>(c));
            std::sort(out_.partial.begin(), out_.partial.end(), [&](id_index a, id_index b) {
                return q_.competences[a].id < q_.competences[b].id;
            });
        }
        out_.outcome = out_.partial.empty() ? outcome::not_awarded : outcome::partial;
    }

    /// Adds `leaf` to `gap` unless there already: the level's gap knows by its marks, an
    /// option's few leaves (collect_gap's `at_least`) by looking.
    void add_to_gap(std::vector<std::uint32_t>& gap, std::uint32_t leaf) {
        if (&gap == gaps_.level) {
            std::uint32_t& mark = gaps_.marks[leaf];
            if (mark == gaps_.stamp) return;
            mark = gaps_.stamp;
        } else if (std::find(gap.begin(), gap.end(), leaf) != gap.end()) {
            return;
        }
        gap.push_back(leaf);
    }

    // The smallest set of leaf results that, were they to pass, would make `entry` pass.
    void collect_gap(std::uint32_t entry, std::vector<std::uint32_t>& gap) {
        const trace_entry& e = out_.trace[entry];
        if (e.result == status::pass) return;
        const requirement& r = rules_.requirements[e.requirement];
        const std::uint32_t* children = out_.children.data() + e.children_first;
        const std::uint32_t count = e.children_count;
        if (e.check != check_kind::whole || count == 0) {
            add_to_gap(gap, entry);
            return;
        }
        switch (r.kind) {
        case requirement_kind::sequence: {
            // Steps after the first that is not pass are judged only once it passes: of those,
            // only outright failures are known to stand in the way.
            bool first = true;
            for (std::uint32_t i = 0; i < count; ++i) {
                const status s = out_.trace[children[i]].result;
                if (s == status::pass || (!first && s != status::fail)) continue;
                collect_child_gap(children[i], gap);
                first = false;
            }
            return;
        }
        case requirement_kind::all_of:
        case requirement_kind::when:
        case requirement_kind::competence:
            for (std::uint32_t i = 0; i < count; ++i) collect_child_gap(children[i], gap);
            return;
        case requirement_kind::at_least:
        case requirement_kind::min_total: {
            // Close the gap with the cheapest children: fewest leaves first (for a weighted
            // total, the heaviest first among equals).
            const std::size_t depth = gap_depth_++;
            if (gaps_.options.size() == depth) gaps_.options.emplace_back();
            std::vector<gap_option>& options = gaps_.options[depth];
            std::size_t used = 0;
            double have = 0;
            for (std::uint32_t i = 0; i < count; ++i) {
                const double w = r.weights.empty() ? 1.0 : r.weights[i];
                if (out_.trace[children[i]].result == status::pass) {
                    have += w;
                    continue;
                }
                if (options.size() == used) options.emplace_back();
                gap_option& o = options[used++];
                o.leaves.clear();
                o.weight = w;
                o.order = i;
                collect_gap(children[i], o.leaves);
            }
            std::sort(options.begin(), options.begin() + static_cast<std::ptrdiff_t>(used),
                      [](const gap_option& a, const gap_option& b) {
                          if (a.leaves.size() != b.leaves.size()) return a.leaves.size() < b.leaves.size();
                          if (a.weight != b.weight) return a.weight > b.weight;
                          return a.order < b.order;
                      });
            const double need = e.required.number;
            for (std::size_t k = 0; k < used && have < need; ++k) {
                have += options[k].weight;
                for (std::uint32_t leaf : options[k].leaves) add_to_gap(gap, leaf);
            }
            --gap_depth_;
            return;
        }
        default:
            // A vocabulary requirement: its failing checks are the gap.
            for (std::uint32_t i = 0; i < count; ++i) collect_child_gap(children[i], gap);
            return;
        }
    }
    /// collect_gap of a child, without a call for one that passes or is a leaf (most are).
    void collect_child_gap(std::uint32_t child, std::vector<std::uint32_t>& gap) {
        const trace_entry& c = out_.trace[child];
        if (c.result == status::pass) return;
        if (c.check != check_kind::whole || c.children_count == 0) add_to_gap(gap, child);
        else collect_gap(child, gap);
    }

    const program& rules_;
    const qualification& q_;
    const candidate& who_;
    decision& out_;
    std::vector<std::int8_t>& recall_;
    std::vector<std::size_t>& recall_at_;
    std::vector<std::uint64_t>& supported_;
    frame base_;
    scratch& arena_;
    std::vector<std::vector<std::uint32_t>>& latest_;
    std::vector<panel_state>& panels_;
    std::vector<std::uint32_t>& pending_;
    std::vector<std::uint32_t>&usable_, &unusable_, &matching_, &held_, &types_, &covered_;
    evaluation_scratch::gap_scratch& gaps_;
    std::size_t gap_depth_ = 0;
    static constexpr bool record_ = Record;
    static constexpr bool full_ = Record && Full;
    /// What check() returns for a check that is not kept.
    static constexpr std::uint32_t no_entry = std::numeric_limits<std::uint32_t>::max();
    std::vector<status>& results_;
    std::vector<std::int8_t>& level_free_;
    std::vector<std::uint32_t>& level_free_entries_;
    /// With a trace: how many entries decision::trace has (its size, without dividing by an
    /// entry's size).
    std::uint32_t entries_;
};

} // namespace

error steps_exceeded(const limits& bounds) {
    return error{error_category::limit,
                 "evaluation stopped after " + std::to_string(bounds.max_evaluation_steps) +
                     " steps (elements visited by quantifiers and list operations; limits::max_evaluation_steps)",
                 {}};
}

void plan_recalled_conditions(program& rules) {
    auto& plan = rules.recalled;
    plan.slot.assign(rules.exprs.nodes.size(), -1);
    plan.entries.clear();
    // `of`: reads_item or reads_expert, the scope the condition is evaluated in.
    const auto consider = [&](std::int32_t node, unsigned of) {
        if (node < 0 || plan.slot[static_cast<std::size_t>(node)] >= 0) return;
        const unsigned reads = scope_reads(rules.exprs, node);
        if ((reads & ~(of | reads_level)) != 0) return; // reads the competence, or anything else
        plan.slot[static_cast<std::size_t>(node)] = static_cast<std::int32_t>(plan.entries.size());
        plan.entries.push_back({of == reads_expert, (reads & reads_level) != 0});
    };
    for (const auto& r : rules.requirements) {
        if (r.kind == requirement_kind::evidence) {
            consider(r.usable, reads_item);
            for (const auto& c : r.counts) consider(c.where, reads_item);
        } else if (r.kind == requirement_kind::panel) {
            for (const auto& c : r.counts) consider(c.where, reads_expert);
        }
    }
    consider(rules.valid_assessor, reads_expert);
}

namespace {

/// A frame for expressions evaluated without a candidate (load-time values, JsonLogic data):
/// no candidate, no level or competence, values in `arena`, steps counted in `steps`.
const candidate nobody;

frame frame_without_candidate(const program& rules, scratch& arena, step_budget& steps) {
    frame f;
    f.rules = &rules;
    f.who = &nobody;
    f.arena = &arena;
    f.steps = &steps;
    return f;
}

/// Evaluates an expression that reads no candidate data for one level and competence (-1 when
/// not in scope), counting its steps in `steps`; values it makes live in `arena`.
value evaluate_without_candidate(const program& rules, std::int32_t node, std::int32_t level, std::int32_t competence,
                                 scratch& arena, step_budget& steps) {
    frame f = frame_without_candidate(rules, arena, steps);
    f.level = level;
    f.competence = competence;
    return eval(f, node);
}

} // namespace

void plan_fixed_values(program& rules) {
    auto& fixed = rules.fixed;
    fixed.slot.assign(rules.exprs.nodes.size(), -1);
    fixed.values.clear();
    scratch arena;
    // `condition`: the node is a `when` condition, whose value kept is whether it holds.
    const auto consider = [&](std::int32_t node, bool condition) {
        if (node < 0 || fixed.slot[static_cast<std::size_t>(node)] >= 0 || !is_candidate_independent(rules.exprs, node))
            return;
        const std::size_t start = fixed.values.size();
        // One that reads the competence is only in competence scope: outside it (competence -1)
        // it is never asked for.
        const bool in_competence_scope = (scope_reads(rules.exprs, node) & reads_competence) != 0;
        for (std::size_t l = 0; l < rules.descriptor.levels.size(); ++l) {
            for (std::int32_t c = -1; c < static_cast<std::int32_t>(rules.descriptor.competences.size()); ++c) {
                if (c < 0 && in_competence_scope) {
                    fixed.values.push_back({std::nan(""), 0});
                    continue;
                }
                arena.reset();
                step_budget steps;
                const value v = evaluate_without_candidate(rules, node, static_cast<std::int32_t>(l), c, arena, steps);
                const std::uint64_t taken = step_budget{}.left - steps.left;
                if (condition) fixed.values.push_back({v.type == value_type::boolean && v.boolean ? 1.0 : 0.0, taken});
                else fixed.values.push_back({v.type == value_type::number ? v.number : std::nan(""), taken});
            }
        }
        fixed.slot[static_cast<std::size_t>(node)] = static_cast<std::int32_t>(start);
    };
    for (const auto& r : rules.requirements) {
        for (const number_param* p : {&r.threshold, &r.min_years, &r.window_years, &r.max_age_years, &r.min_items,
                                      &r.min_distinct_types, &r.min_size, &r.each_min, &r.mean_min})
            consider(p->expr, false);
        for (const auto& c : r.counts) consider(c.min.expr, false);
        if (r.kind == requirement_kind::when) consider(r.condition, true);
    }
    consider(rules.agreement.min_scorers.expr, false);
    consider(rules.agreement.max_spread.expr, false);
}

void plan_level_free_results(program& rules) {
    auto& plan = rules.level_free;
    plan.slot.assign(rules.requirements.size(), -1);
    plan.rows = 0;
    const auto recalled_once = [&](std::int32_t node) {
        if (node < 0) return true;
        const std::int32_t slot = rules.recalled.slot[static_cast<std::size_t>(node)];
        return slot >= 0 && !rules.recalled.entries[static_cast<std::size_t>(slot)].per_level;
    };
    const auto same_everywhere = [&](const number_param& p) {
        if (p.expr < 0) return true;
        if ((scope_reads(rules.exprs, p.expr) & reads_level) != 0) return false;
        const std::int32_t at = rules.fixed.slot[static_cast<std::size_t>(p.expr)];
        if (at < 0) return false;
        const std::size_t count = rules.descriptor.levels.size() * (rules.descriptor.competences.size() + 1);
        for (std::size_t i = 0; i < count; ++i)
            if (rules.fixed.values[static_cast<std::size_t>(at) + i].steps != 0) return false;
        return true;
    };
    for (std::size_t i = 0; i < rules.requirements.size(); ++i) {
        const requirement& r = rules.requirements[i];
        if (r.kind != requirement_kind::evidence) continue;
        bool free = recalled_once(r.usable) && same_everywhere(r.min_items) && same_everywhere(r.min_distinct_types);
        for (const auto& c : r.counts) free = free && recalled_once(c.where) && same_everywhere(c.min);
        if (free) plan.slot[i] = static_cast<std::int32_t>(plan.rows++);
    }
}

void plan_failing_results(program& rules) {
    auto& plan = rules.failing;
    const std::size_t n = rules.requirements.size();
    plan.may_fail.assign(n, 0);
    plan.children_that_may_fail_end.assign(n, 0);
    // 0: not yet known, 1: being found (a cycle, which the compiler does not make: assume it
    // may fail), 2: known.
    std::vector<std::uint8_t> state(n, 0);
    const std::function<bool(std::uint32_t)> may_fail = [&](std::uint32_t i) -> bool {
        if (state[i] == 2) return plan.may_fail[i] != 0;
        if (state[i] == 1) return true;
        state[i] = 1;
        const requirement& r = rules.requirements[i];
        bool result = true;
        switch (r.kind) {
        case requirement_kind::evidence:
        case requirement_kind::panel:
        case requirement_kind::agreement: result = false; break; // their checks make `insufficient`
        case requirement_kind::competence: result = may_fail(rules.competence_standard); break;
        case requirement_kind::all_of:
        case requirement_kind::sequence:
        case requirement_kind::when:
            result = false;
            for (std::uint32_t k = 0; k < r.children.size(); ++k) {
                if (!may_fail(r.children[k])) continue;
                result = true;
                plan.children_that_may_fail_end[i] = k + 1;
            }
            break;
        default: break; // at_least and min_total fail by count; scores, experience, credential, expr by value
        }
        plan.may_fail[i] = result ? 1 : 0;
        state[i] = 2;
        return result;
    };
    for (std::uint32_t i = 0; i < n; ++i) may_fail(i);
}

bool evaluate_into(const program& rules, const candidate& who, date as_of, decision& out, bool trace,
                   bool passing_checks, bool gaps) {
    out.candidate_id = who.id;
    out.as_of = as_of;
    out.outcome = outcome::not_awarded;
    out.level.reset();
    out.partial.clear();
    out.valid_until.reset();
    out.level_status.clear();
    out.trace.clear();
    out.refs.clear();
    out.children.clear();
    out.evidence_ids.clear();
    out.assessor_ids.clear();
    out.credential_ids.clear();
    out.assessments.clear();
    out.level_roots.clear(); // competence_roots and gaps, lists of lists, are set by the run
    evaluation_scratch& work = thread_scratch();
    if (trace) {
        for (const auto& e : who.evidence) out.evidence_ids.push_back(e.id);
        for (const auto& a : who.assessors) out.assessor_ids.push_back(a.id);
        for (const auto& c : who.credentials) out.credential_ids.push_back(c.id);
        for (const auto& a : who.assessments) out.assessments.push_back({a.assessor, a.competence, a.dated});
        out.trace.reserve(work.trace_size);
        out.refs.reserve(work.refs_size);
        out.children.reserve(work.children_size);
    }
    step_budget steps{rules.bounds.max_evaluation_steps};
    if (!trace) evaluator<false, false>(rules, who, as_of, out, work, steps).run(false);
    else if (passing_checks) evaluator<true, true>(rules, who, as_of, out, work, steps).run(gaps);
    else evaluator<true, false>(rules, who, as_of, out, work, steps).run(gaps);
    if (trace) {
        work.trace_size = out.trace.size();
        work.refs_size = out.refs.size();
        work.children_size = out.children.size();
    }
    return !steps.spent;
}

value evaluate_constant(const program& rules, std::int32_t node, std::int32_t level, std::int32_t competence) {
    // Results may point into the arena, so it outlives the call; load-time checks only read
    // numbers and booleans from them.
    thread_local scratch arena;
    arena.reset();
    step_budget unbounded; // load-time checks read no candidate lists
    return evaluate_without_candidate(rules, node, level, competence, arena, unbounded);
}

std::optional<value> evaluate_with_data(const program& rules, std::int32_t node, value data, scratch& arena,
                                        const packed_list* packed) {
    step_budget steps{rules.bounds.max_evaluation_steps};
    frame f = frame_without_candidate(rules, arena, steps); // JsonLogic data has no candidate
    f.data = data;
    f.packed = packed;
    if (!rules.fusion.passes.empty()) {
        f.passes = arena.make<pass_state>(rules.fusion.passes.size());
        std::fill(f.passes, f.passes + rules.fusion.passes.size(), pass_state{});
    }
    const expr_node& root = rules.exprs.nodes[static_cast<std::size_t>(node)];
    const value result = root.code >= op::jl_var && root.code != op::table_call ? eval_jsonlogic(f, root) : eval(f, node);
    if (steps.spent) return std::nullopt;
    return result;
}

} // namespace masterpro::detail
