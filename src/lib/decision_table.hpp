// Decision tables with DMN hit policies: parsing S-FEEL unary tests, load-time checks, evaluation.
#pragma once

// The JSON form of a table (one entry of a rule file's top-level "tables" array):
//
//   {"id": "score_band", "hit_policy": "unique",
//    "inputs": [{"name": "mean", "type": "number"},
//               {"name": "level", "type": "string", "values": ["M1", "M2"]}],
//    "output": {"name": "band", "type": "string", "priority": ["distinction", "merit", "pass"]},
//    "rules": [{"when": ["[3.5..4]", "-"], "then": "distinction"},
//              {"when": ["[2.5..3.5)", "'M1','M2'"], "then": "merit"}],
//    "default": "none"}
//
// - "id" (string), "hit_policy", "inputs", "output" and "rules" are required; "title" (string)
//   and "default" are optional. Rows may carry a "title" too. Other keys are errors.
// - "hit_policy": unique, any, priority, first, rule_order, output_order, collect, collect_sum,
//   collect_min, collect_max, collect_count (DMN's U, A, P, F, R, O, C, C+, C<, C>, C#).
// - An input has a "name", a "type" (number, string, boolean) and, for strings, optional
//   "values": a closed domain (entries may name only these; gap checks use exactly these).
// - The output has a "name", a "type" and an optional "priority": every output value, highest
//   priority first. It is required by priority and output_order; when present, every "then" and
//   the "default" must be in it. collect_sum / collect_min / collect_max need a number output.
// - A row's "when" has one entry per input, each an S-FEEL unary test in a string:
//     "-" any value · "< 3" "<= 3" "> 3" ">= 3" "= 3" "3" · "[1..3]" "[1..3)" "(1..3]" "(1..3)"
//     (also "]1..3[" for open ends) · "'text'" or "\"text\"" · true / false ·
//     comma lists "'a','b'", "1, [5..7]" (any of them) · "not(...)" of any of these.
//   A JSON number or boolean is accepted as an entry too and means "= that value". Entries are
//   type-checked against the input: comparisons and ranges need a number input.
// - "then" (and "default") is a JSON literal of the output type, or null.
//
// Evaluation (apply_table): an input value of the wrong type, null or NaN matches only "-".
// Single-hit policies return one output; unique with several hits and any with differing
// outputs return null (a violated policy is a domain outcome, not an engine failure).
// rule_order and collect list the outputs in row order, output_order by priority (ties in row
// order). collect_sum / collect_min / collect_max skip null outputs and return null when no
// output is left; collect_count counts the matching rows (0 when none match). When no row
// matches: "default" if declared (wrapped in a one-element list for list policies), else null;
// collect_count takes no "default" (it is a load error) and returns 0.
//
// Load-time checks (each problem at the offending JSON value; rows are numbered from 1 in
// messages, while JSON pointers count from 0): structure and types; overlapping rows under
// unique, and under any when their outputs differ; entries that match no value; under first,
// rows that never fire, and under priority, rows that never decide (a higher-priority output
// always wins); input combinations no row covers, under every policy but collect_count, unless
// a "default" is declared ("default": null keeps DMN's null and says the gaps are intended).
// Every problem is an error: the table is returned only when there is none. The checks cut each
// input's domain into elementary pieces at the boundaries its column mentions and examine every
// cell of their product; above `max_analysed_cells` cells they are skipped (no problem) and
// `decision_table::note` says so. A null input is never counted as a gap.

#include "expression.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace masterpro::detail {

enum class hit_policy : std::uint8_t {
    unique,
    any,
    priority,
    first,
    rule_order,
    output_order,
    collect,
    collect_sum,
    collect_min,
    collect_max,
    collect_count,
};

enum class table_type : std::uint8_t { number, string, boolean };

/// The JSON spelling of a hit policy ("collect_sum") and of a table type ("number").
const char* to_string(hit_policy p) noexcept;
const char* to_string(table_type t) noexcept;

/// The value type a table type stands for (number, string, boolean).
value_type to_value_type(table_type t) noexcept;

struct table_input {
    std::string name;
    table_type type = table_type::number;
    std::vector<std::string> values; ///< a closed domain of a string input (empty: open)
};

struct table_output {
    std::string name;
    table_type type = table_type::number;
    /// Output values, highest priority first (strings owned by the table).
    std::vector<value> priority;
};

/// One test of an entry: a number interval (a comparison, a range or a single number), a string
/// or a boolean, according to the input's type.
struct unary_test {
    double low = -std::numeric_limits<double>::infinity();
    double high = std::numeric_limits<double>::infinity();
    bool low_open = true;
    bool high_open = true;
    std::string text;
    bool boolean = false;

    /// Whether `v` (already known to be of the input's type) passes the test.
    bool matches(const value& v, table_type type) const noexcept;
};

/// A compiled input entry: "-" (`any`), or any of `tests`; `negated` for not(...).
struct table_entry {
    bool any = false;
    bool negated = false;
    std::vector<unary_test> tests;
    std::string source; ///< the entry as written (for messages)

    /// Whether the input value `v` matches; null, NaN or a value of another type matches only "-".
    bool matches(const value& v, table_type type) const noexcept;
};

struct table_row {
    std::vector<table_entry> when; ///< one entry per input
    value then;                    ///< strings point into decision_table::strings
    std::uint32_t rank = 0;        ///< index of `then` in output.priority (0 when there is none)
};

struct decision_table {
    std::string id;
    hit_policy policy = hit_policy::unique;
    std::vector<table_input> inputs;
    table_output output;
    std::vector<table_row> rows;
    bool has_default = false;
    value default_output; ///< meaningful when has_default
    std::uint32_t default_rank = 0;
    /// Set when the overlap / gap / unreachable-row checks were skipped (too many cells).
    std::string note;
    /// Storage of the output strings the values above point to; shared, so copies stay valid.
    std::vector<std::shared_ptr<const std::string>> strings;

    /// Gap and overlap checks examine at most this many input combinations (cells).
    static constexpr std::size_t max_analysed_cells = 200000;

    /// Whether apply_table returns a list (rule_order, output_order, collect).
    bool returns_list() const noexcept;
    /// Whether apply_table returns a number (collect_sum/min/max/count, or a single-hit policy
    /// with a number output). A list of numbers is a list, not a number.
    bool returns_number() const noexcept;
    /// The type of apply_table's result, for the expression type checker: the output's type
    /// (number for aggregates), a list for list policies, nullable except for collect_count.
    type_info result_type() const noexcept;
    /// The position of the input called `name`, or -1.
    int input_index(std::string_view name) const noexcept;
};

struct table_problem {
    const rapidjson::Value* at;
    std::string message;
};

/// Parses one unary-test entry for `input` (see the comment at the top). Returns nullopt and
/// sets `problem` when it is malformed or does not fit the input's type or closed domain.
std::optional<table_entry> parse_table_entry(std::string_view text, const table_input& input,
                                             std::string& problem);

/// Parses one entry of a rule file's "tables" array; appends every problem found (never stops
/// at the first). Returns the table only when it has no problem at all: structure and types
/// first; the overlap / gap / unreachable-row checks run once the structure is sound.
std::optional<decision_table> parse_decision_table(const rapidjson::Value& v,
                                                   std::vector<table_problem>& problems);

/// Applies the table to one value per input (number / string / boolean values; a null input
/// matches only "-" entries). Result per hit policy (see the top of this file); null when
/// nothing matches (and no "default" is declared) or when the policy is violated at run time
/// (unique with several hits, any with differing outputs). Lists it makes live in `arena`;
/// strings point into the table, which must outlive the result. Never throws (but for the
/// arena running out of memory).
value apply_table(const decision_table& t, const value* inputs, scratch& arena);

} // namespace masterpro::detail
