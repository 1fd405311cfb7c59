// Typed expressions of the rule language: values, the compiled node pool, and the compiler.
#pragma once

#include "masterpro/model/candidate.hpp"
#include "masterpro/model/date.hpp"
#include "masterpro/model/qualification.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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

/// A runtime value. Lists point into the candidate or the qualification; strings into either or
/// into the program's constants, so values never own memory.
struct value {
    value_type type = value_type::null_t;
    bool list = false;
    union {
        bool boolean;
        double number;
        std::int32_t integer; // dates (days) and interned ids
        masterpro::duration span;
        const std::string* text;
        const void* items;
    };
    std::uint32_t size = 0; // list length

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
    static value of_text(const std::string* s) noexcept {
        value v;
        v.type = value_type::string;
        v.text = s;
        return v;
    }
    static value of_duration(masterpro::duration d) noexcept {
        value v;
        v.type = value_type::duration;
        v.span = d;
        return v;
    }
    bool is_null() const noexcept { return type == value_type::null_t; }
};

/// Operations of compiled expression nodes. Field reads are resolved at compile time to the
/// accessor of one scope, so evaluation never looks names up.
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
    any_of, all_of, none_of, count_of,
};

/// One node of the pool. Children are indices into the same pool.
struct expr_node {
    op code = op::constant;
    type_info type;
    std::int32_t a = -1, b = -1, c = -1;
    std::int32_t index = 0; ///< parameter, flag or quantifier depth
    value constant;
};

/// Which names an expression may read.
enum class item_scope : std::uint8_t { none, evidence, assessor, evidence_flags };
struct scope {
    bool has_level = false;
    bool has_competence = false;
    item_scope item = item_scope::none;
};

/// A problem in an expression, at a byte offset into its text.
struct expr_diagnostic {
    std::size_t offset = 0;
    std::string message;
};

/// Compiled expressions share one pool; string constants live in a stable list.
struct expr_pool {
    std::vector<expr_node> nodes;
    std::vector<std::string> level_param_names;
    std::vector<std::unique_ptr<std::string>> strings;
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

} // namespace masterpro::detail
