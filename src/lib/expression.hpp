// Typed expressions of the rule language: values, the compiled node pool, and the compiler.
#pragma once

#include "masterpro/model/candidate.hpp"
#include "masterpro/model/date.hpp"
#include "masterpro/model/qualification.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace masterpro::detail {

/// The static type of an expression (and the tag of a runtime value).
enum class value_type : std::uint8_t {
    null_t,
    boolean,
    number,
    string,
    date,
    duration,
    level,           // index into qualification::levels, ordered
    competence,      // index into qualification::competences
    criterion,       // index into qualification::criteria
    evidence_type,   // index into qualification::evidence_types
    role,            // index into qualification::experience_roles
    tag,             // index into qualification::tags
    credential_type, // index into qualification::credential_types
    relation,        // an assessor's relation (only as a list element)
    array,           // a JSON-like array of values (JsonLogic data and results)
    object,          // a JSON-like object: members with keys (JsonLogic data)
    dynamic,         // static type only: known at run time (JsonLogic)
};

const char* to_string(value_type t) noexcept;

/// Whether values of this type are interned ids (compared as integers).
constexpr bool is_interned(value_type t) noexcept {
    return t == value_type::level || t == value_type::competence ||
           t == value_type::criterion || t == value_type::evidence_type ||
           t == value_type::role || t == value_type::tag || t == value_type::credential_type;
}

struct type_info {
    value_type base = value_type::null_t;
    bool list = false;
    bool nullable = false;
};

struct member;
struct decision_table;

/// A runtime value: 24 bytes, trivially copyable. Strings, lists, arrays and objects point into
/// the candidate, the qualification, the program's constants or a scratch arena, so values never
/// own memory.
struct value {
    value_type type = value_type::null_t;
    bool list = false; ///< a typed list (of `type`) from the candidate or qualification
    /// Strings only: 0 not interned; 1 interned, equal to no string constant of the program;
    /// k > 1 equal to the program's string constant k (see jsonlogic_layout.hpp).
    std::uint16_t atom = 0;
    std::uint32_t size = 0; ///< string length, list / array / object element count
    union {
        bool boolean;
        double number;
        std::int32_t integer; // dates (days) and interned ids
        masterpro::duration span;
        const char* chars;
        const value* elements;
        const member* members;
        const void* items; // typed lists
    };

    value() noexcept : number(0) {}
    static value null() noexcept { return value(); }
    static value of_bool(bool b) noexcept {
        value v;
        v.type = value_type::boolean;
        v.boolean = b;
        return v;
    }
    static value of_number(double n) noexcept {
        value v;
        v.type = value_type::number;
        v.number = n;
        return v;
    }
    static value of_int(value_type t, std::int32_t i) noexcept {
        value v;
        v.type = t;
        v.integer = i;
        return v;
    }
    static value of_date(date d) noexcept { return of_int(value_type::date, d.days); }
    static value of_text(const char* s, std::size_t n) noexcept {
        value v;
        v.type = value_type::string;
        v.chars = s;
        v.size = static_cast<std::uint32_t>(n);
        return v;
    }
    static value of_text(const std::string& s) noexcept { return of_text(s.data(), s.size()); }
    static value of_duration(masterpro::duration d) noexcept {
        value v;
        v.type = value_type::duration;
        v.span = d;
        return v;
    }
    static value of_array(const value* items, std::size_t n) noexcept {
        value v;
        v.type = value_type::array;
        v.elements = items;
        v.size = static_cast<std::uint32_t>(n);
        return v;
    }
    static value of_object(const member* items, std::size_t n) noexcept {
        value v;
        v.type = value_type::object;
        v.members = items;
        v.size = static_cast<std::uint32_t>(n);
        return v;
    }
    bool is_null() const noexcept { return type == value_type::null_t; }
    std::string_view text() const noexcept { return {chars, size}; }
};

static_assert(sizeof(value) <= 24, "values are passed by value everywhere: keep them small");

/// A member of an object value. In data laid out for a rule (jsonlogic_layout.hpp) a member the
/// data did not have is kept in its slot with a null `key`: absent, not null.
struct member {
    const char* key = nullptr;
    std::uint32_t key_size = 0;
    value item;
    std::string_view name() const noexcept { return {key, key_size}; }
};

/// A bump allocator for values made while evaluating (JsonLogic arrays, strings, loaded data).
/// reset() makes all of it reusable, so a thread keeps one and allocates nothing in steady state.
class scratch {
  public:
    scratch() = default;
    /// `block_size`: bytes of each block (the first is allocated on first use).
    explicit scratch(std::size_t block_size) : block_size_(block_size) {}
    template <class T>
    T* make(std::size_t count) {
        static_assert(std::is_trivially_destructible_v<T>);
        const std::size_t bytes = count * sizeof(T);
        // Inline while the current block has room (nearly always); allocate() moves on.
        const std::size_t start = (used_ + alignof(T) - 1) & ~(alignof(T) - 1);
        if (start + bytes <= room_) {
            used_ = start + bytes;
            return reinterpret_cast<T*>(memory_ + start);
        }
        return static_cast<T*>(allocate(bytes, alignof(T)));
    }
    void reset() noexcept {
        block_ = 0;
        used_ = 0;
        memory_ = blocks_.empty() ? nullptr : blocks_.front().first.get();
        room_ = blocks_.empty() ? 0 : blocks_.front().second;
    }
    /// Bytes of the blocks held.
    std::size_t capacity() const noexcept {
        std::size_t total = 0;
        for (const auto& b : blocks_) total += b.second;
        return total;
    }

  private:
    void* allocate(std::size_t bytes, std::size_t align);
    std::vector<std::pair<std::unique_ptr<unsigned char[]>, std::size_t>> blocks_;
    std::size_t block_ = 0;
    std::size_t used_ = 0;
    unsigned char* memory_ = nullptr; ///< blocks_[block_] once allocate() has used it
    std::size_t room_ = 0;            ///< its capacity (0: no block yet)
    std::size_t block_size_ = 64 * 1024;
};

/// Operations of compiled expression nodes. Field reads are resolved at compile time to the
/// accessor of one scope, so evaluation never looks names up. The jl_ operations carry
/// JsonLogic's dynamic semantics (truthiness, loose equality, JavaScript number conversion).
enum class op : std::uint8_t {
    constant,
    // names
    as_of, candidate_id, candidate_employer,
    level_current, level_param,
    competence_current, competence_tags, competence_credits,
    evidence_id, evidence_type_of, evidence_date, evidence_covers, evidence_direct,
    evidence_authentic, evidence_flag,
    assessor_id, assessor_employer, assessor_industry, assessor_held_level,
    assessor_sector_years, assessor_trained, assessor_relations,
    relation_kind, relation_until,
    element, // `it`: the current element of the innermost quantifier
    // operators
    negate, logical_not, logical_and, logical_or, choose,
    equal, not_equal, less, less_equal, greater, greater_equal, member_of,
    add, subtract, multiply, divide,
    years, months, days, minimum, maximum, absolute,
    date_of,        // date('YYYY-MM-DD'), folded at compile time
    years_between,  // whole calendar years from a to b
    within,         // as_of - b <= a <= as_of
    any_of, all_of, none_of, count_of,
    // JsonLogic
    jl_var,        // index: path id (-1: whole data); a: default; b: computed path
    jl_missing,    // args: keys (or one array of keys)
    jl_missing_some,
    jl_array,      // args: elements
    jl_if,         // args: cond, then, [cond, then]..., [else]
    jl_and, jl_or, // args; returns the deciding operand
    jl_not, jl_truthy,
    jl_loose_equal, jl_loose_not_equal, jl_strict_equal, jl_strict_not_equal,
    jl_less, jl_less_equal, jl_greater, jl_greater_equal, // args: 2 (or 3: between)
    jl_add, jl_multiply, jl_subtract, jl_divide, jl_modulo, jl_min, jl_max,
    jl_cat, jl_substr, jl_in, jl_merge,
    jl_map, jl_filter, jl_reduce, jl_all, jl_some, jl_none, // a: list; b: body; c: initial
    jl_count,      // a counting reduce over a filter, fused: a: list; b: condition
    jl_number, // ToNumber for a numeric parameter (NaN becomes null)
    table_call, // index: table; args: inputs
};

/// One node of the pool. Children are indices into the same pool.
struct expr_node {
    op code = op::constant;
    type_info type;
    std::int32_t a = -1, b = -1, c = -1;
    std::int32_t index = 0; ///< parameter, flag, quantifier depth or path id
    std::uint32_t args = 0;  ///< first entry in expr_pool::arg_lists (n-ary nodes)
    std::uint32_t count = 0; ///< number of arguments
    std::int32_t fused = -1; ///< JsonLogic: its entry in the rule's fusion_plan (-1: none)
    value constant;
};

/// Which names an expression may read.
/// `data`: standalone JsonLogic, where names are paths into the data the rule is applied to.
enum class item_scope : std::uint8_t { none, evidence, assessor, evidence_flags, data };
struct scope {
    bool has_level = false;
    bool has_competence = false;
    item_scope item = item_scope::none;
};

/// A problem in an expression, at a byte offset into its text (infix) or at a JSON value of
/// the rule (JsonLogic: `at` is the rapidjson::Value, kept opaque here).
struct expr_diagnostic {
    std::size_t offset = 0;
    std::string message;
    const void* at = nullptr;
};

/// Compiled expressions share one pool; constants (strings, arrays, objects) live in stable
/// storage owned by the pool.
struct expr_pool {
    /// limits::max_expression_depth of the program the pool belongs to.
    std::size_t max_depth = 256;
    std::vector<expr_node> nodes;
    std::vector<std::int32_t> arg_lists;
    std::vector<std::string> level_param_names;
    std::vector<std::vector<std::string>> paths; ///< JsonLogic var paths, split at '.'
    /// Per path: the member slot of each step in data laid out for the rule (-1: look the step
    /// up by name); empty when the data is not laid out (see jsonlogic_layout.hpp).
    std::vector<std::vector<std::int32_t>> path_slots;
    std::vector<std::unique_ptr<std::string>> strings;
    std::vector<std::unique_ptr<value[]>> arrays;
    std::vector<std::unique_ptr<member[]>> objects;
    /// Decision tables that expressions call with table('id', ...); compiled before them.
    std::vector<std::shared_ptr<const decision_table>> tables;
    /// Ids of tables the rule file declares but that failed to compile (already reported), so
    /// that calls to them do not add follow-on errors.
    std::vector<std::string> broken_tables;

    /// A string that lives as long as the pool.
    const std::string& keep(std::string text) {
        strings.push_back(std::make_unique<std::string>(std::move(text)));
        return *strings.back();
    }
};

/// Parses, type-checks and compiles `text` into `pool`. Returns the root node, or -1 with every
/// problem found appended to `problems`. `expected` (when not null_t) is the type the context
/// needs; numbers are accepted where numbers are expected, booleans where conditions are.
std::int32_t compile_expression(std::string_view text, const qualification& q, const scope& where,
                                value_type expected, expr_pool& pool,
                                std::vector<expr_diagnostic>& problems);

/// Whether the node reads nothing from the candidate (only constants, `level`, `competence`),
/// so that it can be evaluated at load time for each level and competence.
bool is_candidate_independent(const expr_pool& pool, std::int32_t node) noexcept;

/// Resolves a (dotted) name in scope to a typed accessor node, as the infix compiler does;
/// `elements` are the enclosing quantifiers' element types, innermost last. Returns -1 and sets
/// `problem` when the name is unknown here.
std::int32_t resolve_name(const std::string& name, const qualification& q, const scope& where,
                          const std::vector<value_type>& elements, expr_pool& pool,
                          std::string& problem);

/// Appends a node (and its argument list) to the pool; returns its index.
std::int32_t add_node(expr_pool& pool, expr_node node, const std::vector<std::int32_t>& args = {});

} // namespace masterpro::detail
