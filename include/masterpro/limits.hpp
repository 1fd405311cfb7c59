// Bounds on hostile input: how deep, how long, how large and how costly an input may be before
// it is refused.
#pragma once

#include <cstddef>
#include <cstdint>

namespace masterpro {

/// Bounds that keep a malicious or broken input from exhausting the stack, memory or time.
/// Input beyond a bound is refused with an error of category `limit` that names the bound and,
/// for candidate records, the JSON path of the offending value. The defaults are far above
/// anything a real rule file or record needs; pass other values to `rule_set::from_file`,
/// `rule_set::from_json` or `jsonlogic_rule::compile`, which keep them for every record.
///
/// Raising the two depth bounds raises how deep the parsers and the evaluator recurse: keep
/// them within what the threads' stacks hold (the defaults need well under 1 MB).
struct limits {
    /// Nesting of arrays and objects in any JSON read: rule files, JsonLogic rules, candidate
    /// records, JsonLogic data.
    std::size_t max_json_depth = 256;
    /// Depth of an expression (infix or JsonLogic) once compiled: each parenthesis, operator,
    /// call or JsonLogic operation is a level; also the longest run of operators in a row.
    std::size_t max_expression_depth = 256;
    /// Items in any one list of a candidate record (`experience`, `evidence`, `assessors`,
    /// `assessments`, `credentials`, an item's `covers`, an assessor's `relations`), and in any
    /// one array or object of JsonLogic data that the rule reads.
    std::size_t max_items = 10'000;
    /// Bytes in any one string a candidate record is read for: ids, `employer`, types, kinds.
    std::size_t max_string_bytes = 4'096;
    /// Evaluation steps for one record (or one JsonLogic application): each element a
    /// quantifier or a JsonLogic array operation visits (`any`/`all`/`none`/`count`, `in`,
    /// `some`/`all`/`none`/`map`/`filter`/`reduce`) is a step. Nested quantifiers over long
    /// lists multiply; this bound stops them with an error instead of running for hours. The
    /// steps counted are those taken: deciding without the trace skips the combinator children
    /// that cannot change a status, so it takes no more steps than deciding with it.
    std::uint64_t max_evaluation_steps = 10'000'000;
};

} // namespace masterpro
