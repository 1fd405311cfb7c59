// Compiles JsonLogic (objects with one operator key) into expression nodes, so that JsonLogic
// and infix expressions run on one evaluator.
#include "jsonlogic_compiler.hpp"

#include "decision_table.hpp"
#include "jsonlogic_values.hpp"

#include <algorithm>
#include <map>

namespace masterpro::detail {
namespace {

using json = rapidjson::Value;

const std::map<std::string, op, std::less<>>& operations() {
    static const std::map<std::string, op, std::less<>> table = {
        {"if", op::jl_if}, {"?:", op::jl_if}, {"and", op::jl_and}, {"or", op::jl_or},
        {"!", op::jl_not}, {"!!", op::jl_truthy}, {"==", op::jl_loose_equal},
        {"!=", op::jl_loose_not_equal}, {"===", op::jl_strict_equal},
        {"!==", op::jl_strict_not_equal}, {"<", op::jl_less}, {"<=", op::jl_less_equal},
        {">", op::jl_greater}, {">=", op::jl_greater_equal}, {"+", op::jl_add},
        {"*", op::jl_multiply}, {"-", op::jl_subtract}, {"/", op::jl_divide},
        {"%", op::jl_modulo}, {"min", op::jl_min}, {"max", op::jl_max}, {"cat", op::jl_cat},
        {"substr", op::jl_substr}, {"in", op::jl_in}, {"merge", op::jl_merge},
        {"missing", op::jl_missing}, {"missing_some", op::jl_missing_some},
        {"map", op::jl_map}, {"filter", op::jl_filter}, {"all", op::jl_all},
        {"some", op::jl_some}, {"none", op::jl_none}, {"reduce", op::jl_reduce},
    };
    return table;
}

bool boolean_result(op code) {
    switch (code) {
    case op::jl_not: case op::jl_truthy: case op::jl_loose_equal: case op::jl_loose_not_equal:
    case op::jl_strict_equal: case op::jl_strict_not_equal: case op::jl_less: case op::jl_less_equal:
    case op::jl_greater: case op::jl_greater_equal: case op::jl_in: case op::jl_all: case op::jl_some:
    case op::jl_none:
        return true;
    default:
        return false;
    }
}

class translator {
  public:
    translator(const qualification& q, const scope& where, expr_pool& pool, std::vector<expr_diagnostic>& problems)
        : q_(q), scope_(where), pool_(pool), problems_(problems) {}

    std::int32_t node(const json& v) {
        if (++depth_ > pool_.max_depth) {
            problem(v, "JsonLogic nested deeper than " + std::to_string(pool_.max_depth) + " levels");
            --depth_;
            return -1;
        }
        const std::int32_t result = v.IsObject() && v.MemberCount() == 1 ? operation(v) : literal(v);
        --depth_;
        return result;
    }

  private:
    void problem(const json& at, std::string message) { problems_.push_back({0, std::move(message), &at}); }

    std::int32_t add(expr_node n, const std::vector<std::int32_t>& args = {}) { return add_node(pool_, n, args); }

    expr_node make(op code, bool boolean = false) {
        expr_node n;
        n.code = code;
        n.type.base = boolean ? value_type::boolean : value_type::dynamic;
        return n;
    }

    std::int32_t constant(value v, value_type t) {
        expr_node n;
        n.code = op::constant;
        n.type.base = t;
        n.constant = v;
        return add(n);
    }

    /// Literal JSON: scalars, arrays (evaluated element-wise) and objects that are data.
    std::int32_t literal(const json& v) {
        if (v.IsNull()) return constant(value::null(), value_type::null_t);
        if (v.IsBool()) return constant(value::of_bool(v.GetBool()), value_type::boolean);
        if (v.IsNumber()) return constant(value::of_number(v.GetDouble()), value_type::number);
        if (v.IsString()) return constant(value::of_text(pool_.keep(std::string(v.GetString(), v.GetStringLength()))), value_type::string);
        if (v.IsArray()) {
            std::vector<std::int32_t> items;
            for (const auto& e : v.GetArray()) items.push_back(node(e));
            return add(make(op::jl_array), items);
        }
        return constant(object_constant(v), value_type::object);
    }

    value constant_value(const json& v) {
        if (v.IsNull()) return value::null();
        if (v.IsBool()) return value::of_bool(v.GetBool());
        if (v.IsNumber()) return value::of_number(v.GetDouble());
        if (v.IsString()) return value::of_text(pool_.keep(std::string(v.GetString(), v.GetStringLength())));
        if (v.IsArray()) {
            auto items = std::make_unique<value[]>(v.Size() + 1);
            std::size_t i = 0;
            for (const auto& e : v.GetArray()) items[i++] = constant_value(e);
            pool_.arrays.push_back(std::move(items));
            return value::of_array(pool_.arrays.back().get(), v.Size());
        }
        return object_constant(v);
    }

    value object_constant(const json& v) {
        auto members = std::make_unique<member[]>(v.MemberCount() + 1);
        std::size_t i = 0;
        for (const auto& m : v.GetObject()) {
            const std::string& key = pool_.keep(std::string(m.name.GetString(), m.name.GetStringLength()));
            members[i++] = member{key.data(), static_cast<std::uint32_t>(key.size()), constant_value(m.value)};
        }
        pool_.objects.push_back(std::move(members));
        return value::of_object(pool_.objects.back().get(), v.MemberCount());
    }

    std::int32_t operation(const json& v) {
        const auto& m = *v.MemberBegin();
        const std::string name(m.name.GetString(), m.name.GetStringLength());
        // A single non-array argument stands for a one-element list, as in json-logic-js.
        std::vector<const json*> args;
        if (m.value.IsArray())
            for (const auto& a : m.value.GetArray()) args.push_back(&a);
        else
            args.push_back(&m.value);
        if (name == "var") return variable(v, args);
        if (name == "table") return table(v, args);
        const auto found = operations().find(name);
        if (found == operations().end()) {
            problem(v, "unknown JsonLogic operation '" + name + "'");
            return -1;
        }
        const op code = found->second;
        const bool data_only = code == op::jl_missing || code == op::jl_missing_some || code == op::jl_reduce;
        if (data_only && scope_.item != item_scope::data) {
            problem(v, "'" + name + "' reads the data directly, which rule files do not have; use named values");
            return -1;
        }
        switch (code) {
        case op::jl_map: case op::jl_filter: case op::jl_all: case op::jl_some: case op::jl_none: case op::jl_reduce:
            return quantifier(v, code, args);
        default: break;
        }
        std::vector<std::int32_t> compiled;
        for (const json* a : args) compiled.push_back(node(*a));
        return add(make(code, boolean_result(code)), compiled);
    }

    std::int32_t variable(const json& v, const std::vector<const json*>& args) {
        const json* path = args.empty() ? nullptr : args[0];
        const bool constant_path = !path || path->IsNull() || path->IsString() || path->IsNumber();
        if (scope_.item != item_scope::data) {
            // Rule files: names resolve at load time to the same accessors infix names use.
            if (!path || !path->IsString()) {
                problem(v, "in rule files 'var' takes a name, e.g. {\"var\": \"level.panel_size\"}");
                return -1;
            }
            std::string problem_text;
            const std::string name = *path->GetString() ? path->GetString() : "it";
            const std::int32_t n = resolve_name(name, q_, scope_, elements_, pool_, problem_text);
            if (n < 0) problem(*path, problem_text);
            return n;
        }
        expr_node n = make(op::jl_var);
        if (args.size() > 1) n.a = node(*args[1]);
        if (!constant_path) {
            n.b = node(*path);
            return add(n);
        }
        std::string text;
        if (path && path->IsString()) text.assign(path->GetString(), path->GetStringLength());
        else if (path && path->IsNumber()) {
            const double d = path->GetDouble();
            // A whole number within long long's range is written as one; a cast from outside
            // that range would be undefined.
            const bool whole = d > -9.2e18 && d < 9.2e18 && d == static_cast<double>(static_cast<long long>(d));
            text = whole ? std::to_string(static_cast<long long>(d)) : std::to_string(d);
        }
        if (text.empty()) {
            n.index = -1;
        } else {
            pool_.paths.push_back(js::split_path(text));
            n.index = static_cast<std::int32_t>(pool_.paths.size() - 1);
        }
        return add(n);
    }

    /// {"table": ["id", input...]}: masterpro's decision tables, as an added operation.
    std::int32_t table(const json& v, const std::vector<const json*>& args) {
        if (args.empty() || !args[0]->IsString()) {
            problem(v, "'table' takes a table id, then one value per input");
            return -1;
        }
        const std::string id = args[0]->GetString();
        std::int32_t index = -1;
        for (std::size_t i = 0; i < pool_.tables.size(); ++i)
            if (pool_.tables[i]->id == id) index = static_cast<std::int32_t>(i);
        if (index < 0) {
            const auto& broken = pool_.broken_tables;
            if (std::find(broken.begin(), broken.end(), id) == broken.end()) problem(*args[0], "unknown table '" + id + "'");
            return -1;
        }
        const auto inputs = pool_.tables[static_cast<std::size_t>(index)]->inputs.size();
        if (args.size() - 1 != inputs || inputs > 16) {
            problem(v, "table '" + id + "' takes " + std::to_string(inputs) + " input(s)");
            return -1;
        }
        std::vector<std::int32_t> compiled;
        for (std::size_t i = 1; i < args.size(); ++i) compiled.push_back(node(*args[i]));
        expr_node n = make(op::table_call);
        n.index = index;
        return add(n, compiled);
    }

    /// Whether `v` is {"op": [a, b]} (either order when `commutative`) with a, b as given.
    static const json* only_operation(const json& v, const char* name) {
        if (!v.IsObject() || v.MemberCount() != 1 || std::string(v.MemberBegin()->name.GetString()) != name) return nullptr;
        return &v.MemberBegin()->value;
    }
    static bool is_var(const json& v, const char* name) {
        const json* arg = only_operation(v, "var");
        return arg && arg->IsString() && std::string(arg->GetString()) == name;
    }
    static bool is_number(const json& v, double n) { return v.IsNumber() && v.GetDouble() == n; }

    /// The usual JsonLogic way to count matches, {"reduce": [{"filter": [list, cond]},
    /// {"+": [{"var": "accumulator"}, 1]}, 0]}: the list and condition when `args` is one.
    static bool counting_reduce(const std::vector<const json*>& args, const json*& list, const json*& cond) {
        if (args.size() != 3 || !is_number(*args[2], 0)) return false;
        const json* filter = only_operation(*args[0], "filter");
        const json* plus = only_operation(*args[1], "+");
        if (!filter || !filter->IsArray() || filter->Size() != 2 || !plus || !plus->IsArray() || plus->Size() != 2) return false;
        const json& p0 = (*plus)[0];
        const json& p1 = (*plus)[1];
        if (!((is_var(p0, "accumulator") && is_number(p1, 1)) || (is_var(p1, "accumulator") && is_number(p0, 1)))) return false;
        list = &(*filter)[0];
        cond = &(*filter)[1];
        return true;
    }

    std::int32_t quantifier(const json& v, op code, const std::vector<const json*>& args) {
        const json* counted = nullptr;
        const json* condition = nullptr;
        if (code == op::jl_reduce && counting_reduce(args, counted, condition)) {
            expr_node n = make(op::jl_count);
            n.type.base = value_type::number;
            n.a = node(*counted);
            n.b = node(*condition);
            return add(n);
        }
        if (args.size() < 2) {
            problem(v, "this operation takes a list and a rule");
            return -1;
        }
        expr_node n = make(code, boolean_result(code));
        n.a = node(*args[0]);
        const type_info list = n.a >= 0 ? pool_.nodes[static_cast<std::size_t>(n.a)].type : type_info{};
        const bool typed = list.list && scope_.item != item_scope::data;
        if (typed) {
            if (elements_.size() >= 8) {
                problem(v, "quantifiers nest at most 8 deep");
                return -1;
            }
            elements_.push_back(list.base);
            n.index = static_cast<std::int32_t>(elements_.size());
        }
        n.b = node(*args[1]);
        if (typed) elements_.pop_back();
        if (code == op::jl_reduce && args.size() > 2) n.c = node(*args[2]);
        return add(n);
    }

    const qualification& q_;
    scope scope_;
    expr_pool& pool_;
    std::vector<expr_diagnostic>& problems_;
    std::vector<value_type> elements_;
    std::size_t depth_ = 0;
};

} // namespace

std::int32_t compile_jsonlogic(const rapidjson::Value& rule, const qualification& q, const scope& where,
                               value_type expected, expr_pool& pool,
                               std::vector<expr_diagnostic>& problems) {
    const std::size_t before = problems.size();
    std::int32_t root = translator(q, where, pool, problems).node(rule);
    if (problems.size() != before || root < 0) return -1;
    const value_type got = pool.nodes[static_cast<std::size_t>(root)].type.base;
    if (expected == value_type::boolean && got != value_type::boolean) {
        expr_node n;
        n.code = op::jl_truthy;
        n.type.base = value_type::boolean;
        n.a = root;
        root = add_node(pool, n);
    } else if (expected == value_type::number && got != value_type::number) {
        expr_node n;
        n.code = op::jl_number;
        n.type = {value_type::number, false, true};
        n.a = root;
        root = add_node(pool, n);
    }
    return root;
}

} // namespace masterpro::detail
