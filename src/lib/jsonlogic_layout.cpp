// Plans which parts of JsonLogic data a rule reads (jsonlogic_layout.hpp). A walk over the
// compiled rule follows each `var` path from the scope it reads (the data, or the element of a
// list being iterated) and records, per place in the data, the members read there and whether
// values there are used whole. A list that is only iterated needs its elements' read members,
// not the elements whole; anything returned, compared or combined is needed whole.
#include "jsonlogic_layout.hpp"

#include "jsonlogic_values.hpp"

#include <algorithm>

namespace masterpro::detail {
namespace {

/// The scope of values the evaluator made (map results, reduce's accumulator): read by name,
/// and everything they were made from was already needed whole.
constexpr std::int32_t made_values = -1;

class planner {
  public:
    planner(expr_pool& pool, data_layout& layout) : pool_(pool), layout_(layout) {
        layout_.shapes.emplace_back(); // the root
        var_steps_.resize(pool.paths.size());
    }

    /// Walks `index` in scope `scope`; returns the shape of the data the node's value is (for
    /// a `var` or a `filter` of one), else made_values. `whole`: the value is used as a whole.
    std::int32_t walk(std::int32_t index, std::int32_t scope, bool whole) {
        if (index < 0) return made_values;
        const expr_node& n = pool_.nodes[static_cast<std::size_t>(index)];
        switch (n.code) {
        case op::constant: return made_values;
        case op::jl_var: return variable(n, scope, whole);
        case op::jl_filter: {
            const std::int32_t list = walk(n.a, scope, false);
            walk(n.b, element_of(list), true);
            if (whole) use_whole(list);
            return list;
        }
        case op::jl_map: case op::jl_all: case op::jl_some: case op::jl_none: case op::jl_count: {
            const std::int32_t list = walk(n.a, scope, false);
            walk(n.b, element_of(list), true);
            return made_values;
        }
        case op::jl_reduce: {
            const std::int32_t list = walk(n.a, scope, false);
            walk(n.c, scope, true);
            walk(n.b, reduce_scope(element_of(list)), true);
            return made_values;
        }
        case op::jl_missing: case op::jl_missing_some: {
            missing_keys(n, scope);
            return made_values;
        }
        default:
            walk(n.a, scope, true);
            walk(n.b, scope, true);
            walk(n.c, scope, true);
            for (std::uint32_t i = 0; i < n.count; ++i) walk(pool_.arg_lists[n.args + i], scope, true);
            return made_values;
        }
    }

    /// After the walk: which shapes are loaded whole, and the slot of each `var` step.
    void finish() {
        for (std::size_t i = 0; i < layout_.shapes.size(); ++i) mark_kept_whole(static_cast<std::int32_t>(i));
        pool_.path_slots.assign(pool_.paths.size(), {});
        for (std::size_t p = 0; p < pool_.paths.size(); ++p) {
            const auto& steps = var_steps_[p];
            if (steps.empty()) continue;
            std::vector<std::int32_t> slots(pool_.paths[p].size(), -1);
            for (std::size_t i = 0; i < steps.size() && i < slots.size(); ++i) {
                if (steps[i] < 0) break;
                const data_shape& s = layout_.shapes[static_cast<std::size_t>(steps[i])];
                if (s.kept_whole && !s.made) break; // entire values keep their own member order
                slots[i] = s.slot_of(pool_.paths[p][i]);
                if (slots[i] < 0) break;
            }
            pool_.path_slots[p] = std::move(slots);
        }
    }

    bool computed_path = false;

  private:
    std::int32_t variable(const expr_node& n, std::int32_t scope, bool whole) {
        walk(n.a, scope, true);
        if (n.b >= 0) { // a path computed while the rule runs: anything may be read
            walk(n.b, scope, true);
            computed_path = true;
            return made_values;
        }
        if (scope == made_values) return made_values;
        std::int32_t at = scope;
        std::vector<std::int32_t> steps{at};
        if (n.index >= 0) {
            for (const auto& step : pool_.paths[static_cast<std::size_t>(n.index)]) {
                at = child(at, step);
                steps.push_back(at);
            }
            var_steps_[static_cast<std::size_t>(n.index)] = steps;
        }
        // With a default, the value may come from elsewhere: use it as a value, not a place.
        if (whole || n.a >= 0) {
            use_whole(at);
            return made_values;
        }
        return at;
    }

    void missing_keys(const expr_node& n, std::int32_t scope) {
        // Keys given as constants are read like `var` paths; any other key could be anything.
        bool constant_keys = true;
        std::vector<value> keys;
        for (std::uint32_t i = 0; i < n.count; ++i) {
            const expr_node& arg = pool_.nodes[static_cast<std::size_t>(pool_.arg_lists[n.args + i])];
            if (arg.code != op::constant) {
                constant_keys = false;
                walk(pool_.arg_lists[n.args + i], scope, true);
                continue;
            }
            if (arg.constant.type == value_type::array) {
                for (std::uint32_t k = 0; k < arg.constant.size; ++k) keys.push_back(arg.constant.elements[k]);
            } else if (!(n.code == op::jl_missing_some && i == 0)) {
                keys.push_back(arg.constant);
            }
        }
        if (scope == made_values) return;
        if (!constant_keys) {
            use_whole(scope);
            return;
        }
        for (const value& key : keys) {
            if (key.type != value_type::string) { // a number (or anything else) read as text
                use_whole(scope);
                return;
            }
            std::int32_t at = scope;
            for (const auto& step : js::split_path(key.text())) at = child(at, step);
            use_whole(at);
        }
    }

    std::int32_t child(std::int32_t parent, const std::string& key) {
        if (parent == made_values) return made_values;
        data_shape& p = layout_.shapes[static_cast<std::size_t>(parent)];
        std::int32_t slot = p.slot_of(key);
        if (slot >= 0) return p.children[static_cast<std::size_t>(slot)];
        // A scope the evaluator makes has only its own members: any other name is absent there.
        if (p.made) return made_values;
        // A numeric step reads an array element as well as a member of that name.
        const bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
        const std::int32_t made = numeric ? element_of(parent) : add_shape(parent);
        data_shape& q = layout_.shapes[static_cast<std::size_t>(parent)];
        q.keys.push_back(key);
        q.children.push_back(made);
        return made;
    }

    std::int32_t element_of(std::int32_t list) {
        if (list == made_values) return made_values;
        if (layout_.shapes[static_cast<std::size_t>(list)].element < 0) {
            const std::int32_t e = add_shape(list);
            layout_.shapes[static_cast<std::size_t>(list)].element = e;
        }
        return layout_.shapes[static_cast<std::size_t>(list)].element;
    }

    /// reduce's scope {current, accumulator}: the evaluator makes it with members in this order.
    std::int32_t reduce_scope(std::int32_t element) {
        const std::int32_t scope = add_shape(-1);
        const std::int32_t accumulator = add_shape(scope);
        layout_.shapes[static_cast<std::size_t>(accumulator)].whole = true; // made values
        // The current element is a place of the data when the list is; otherwise made values.
        std::int32_t current = element;
        if (current == made_values) {
            current = add_shape(scope);
            layout_.shapes[static_cast<std::size_t>(current)].whole = true;
        }
        data_shape& r = layout_.shapes[static_cast<std::size_t>(scope)];
        r.made = true;
        r.keys = {"current", "accumulator"};
        r.children = {current, accumulator};
        return scope;
    }

    std::int32_t add_shape(std::int32_t parent) {
        data_shape s;
        s.parent = parent;
        layout_.shapes.push_back(std::move(s));
        return static_cast<std::int32_t>(layout_.shapes.size() - 1);
    }

    void use_whole(std::int32_t shape) {
        if (shape != made_values) layout_.shapes[static_cast<std::size_t>(shape)].whole = true;
    }

    bool mark_kept_whole(std::int32_t index) {
        data_shape& s = layout_.shapes[static_cast<std::size_t>(index)];
        if (s.whole) return s.kept_whole = true;
        bool above = false;
        if (s.parent >= 0 && !s.made) above = mark_kept_whole(s.parent);
        return s.kept_whole = above;
    }

    expr_pool& pool_;
    data_layout& layout_;
    std::vector<std::vector<std::int32_t>> var_steps_; ///< per path: the shapes it walks
};

/// Gives string constants (also inside constant arrays and objects) their atoms.
void intern(value& v, data_layout& layout) {
    if (v.type == value_type::string) {
        std::int32_t atom = layout.atoms.find(v.chars, v.size);
        if (atom < 0 && layout.atoms.size() < 0xFFFD) {
            atom = static_cast<std::int32_t>(layout.atoms.size() + 2);
            layout.atoms.add(v.text(), atom);
            layout.atom_texts.resize(static_cast<std::size_t>(atom) + 1, nullptr);
            layout.atom_texts[static_cast<std::size_t>(atom)] = v.chars;
        }
        if (atom >= 0) v.atom = static_cast<std::uint16_t>(atom);
    } else if (v.type == value_type::array && !v.list) {
        auto* items = const_cast<value*>(v.elements); // owned by the pool, made for this pool
        for (std::uint32_t i = 0; i < v.size; ++i) intern(items[i], layout);
    } else if (v.type == value_type::object) {
        auto* members = const_cast<member*>(v.members);
        for (std::uint32_t i = 0; i < v.size; ++i) intern(members[i].item, layout);
    }
}

} // namespace

data_layout plan_layout(expr_pool& pool, std::int32_t root) {
    data_layout layout;
    for (auto& n : pool.nodes)
        if (n.code == op::constant) intern(n.constant, layout);
    planner p(pool, layout);
    p.walk(root, 0, true);
    if (p.computed_path) {
        // Nothing can be left out: load entire, read by name.
        pool.path_slots.clear();
        data_layout whole;
        whole.atoms = std::move(layout.atoms);
        whole.atom_texts = std::move(layout.atom_texts);
        whole.shapes.emplace_back().whole = true;
        whole.shapes[0].kept_whole = true;
        return whole;
    }
    p.finish();
    auto load_as = [&](std::int32_t shape) {
        if (shape < 0) return data_shape::load_skip;
        return layout.shapes[static_cast<std::size_t>(shape)].kept_whole ? data_shape::load_entire : shape;
    };
    for (auto& shape : layout.shapes) {
        for (std::size_t k = 0; k < shape.keys.size(); ++k) {
            shape.slots.add(shape.keys[k], static_cast<std::int32_t>(k));
            shape.load_children.push_back(load_as(shape.children[k]));
        }
        shape.load_element = load_as(shape.element);
    }
    layout.laid_out = !layout.shapes[0].kept_whole;
    if (!layout.laid_out) pool.path_slots.clear();
    return layout;
}

} // namespace masterpro::detail
