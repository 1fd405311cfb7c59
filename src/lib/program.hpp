// The compiled, immutable form of a qualification's rules, shared by every evaluation.
#pragma once

#include "expression.hpp"
#include "id_table.hpp"
#include "jsonlogic_fusion.hpp"
#include "jsonlogic_layout.hpp"
#include "masterpro/limits.hpp"
#include "masterpro/model/decision.hpp"
#include "masterpro/model/qualification.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace masterpro::detail {

/// A numeric parameter: a constant, or an expression (e.g. `level.panel_size`).
struct number_param {
    double constant = 0;
    std::int32_t expr = -1;
    bool set = false;
};

/// "at least `min` of the items must satisfy `where`", within an evidence or panel requirement.
struct count_condition {
    number_param min;
    std::int32_t where = -1;
    std::string title;
};

enum class requirement_kind : std::uint8_t {
    all_of, at_least, sequence, when, min_total,
    competence, experience, credential, expr,
    evidence, panel, agreement, scores,
};

const char* to_string(requirement_kind k) noexcept;

/// One node of a requirement tree. Fields beyond the common ones are used by some kinds only.
struct requirement {
    requirement_kind kind = requirement_kind::all_of;
    std::string id;      ///< the rule file's id, or the JSON pointer when it gave none
    std::string title;
    std::string pointer; ///< JSON pointer of the node in the rule file
    std::vector<std::uint32_t> children;
    std::vector<double> weights; ///< min_total: weight of each child
    number_param threshold;      ///< at_least: k; min_total: n
    std::int32_t condition = -1; ///< when, expr
    // competence
    id_index competence = 0;
    std::int32_t at_level = -1;
    // experience
    number_param min_years, window_years;
    std::uint64_t roles = 0; ///< bit per experience role
    // credential
    std::vector<id_index> credential_types;
    number_param max_age_years;
    // evidence
    std::int32_t usable = -1;
    number_param min_items, min_distinct_types;
    bool cover_every_criterion = false;
    // evidence, panel
    std::vector<count_condition> counts;
    // panel
    number_param min_size;
    // scores
    number_param each_min, mean_min;
};

/// How agreed scores are derived from the valid assessors' scores of one criterion.
enum class agreed_score_rule : std::uint8_t { median_low, median_high, minimum, mean };

struct agreement_rule {
    number_param min_scorers;
    number_param max_spread;
    agreed_score_rule agreed = agreed_score_rule::median_low;
};

/// The compiled rules. Immutable after compilation, so one program serves every thread.
class program {
  public:
    qualification descriptor;
    std::string source; ///< rule file name
    limits bounds;      ///< what records evaluated with these rules may hold and cost
    expr_pool exprs;
    std::vector<requirement> requirements;
    std::vector<std::int32_t> authentic_if; ///< per evidence type; -1 = always authentic
    std::int32_t valid_assessor = -1;       ///< -1 = every assessor who scored is valid
    agreement_rule agreement;
    std::uint32_t competence_standard = 0;
    std::vector<std::uint32_t> level_requires; ///< root requirement per level

    /// Every infix expression of the rule file: where it is, its text and its root node.
    struct source_expression {
        std::string pointer;
        std::string text;
        std::int32_t node = -1;
    };
    std::vector<source_expression> infix_expressions;

    /// Conditions evaluated for each evidence item or each assessor (evidence `usable` and
    /// `where`, panel `where`, valid_assessor) that read nothing else of the scope but perhaps
    /// the level: evaluated once per record and item or assessor (and level), then recalled.
    struct recalled_conditions {
        std::vector<std::int32_t> slot; ///< per expression node: its entry, or -1
        struct entry {
            bool per_expert = false; ///< of an assessor (else of an evidence item)
            bool per_level = false;
        };
        std::vector<entry> entries;
    } recalled;

    /// Expressions that read no candidate data, used as number parameters (number_param, as
    /// `level.panel_size`) or `when` conditions (as `'safety_critical' in competence.tags`):
    /// their value for every level and competence, computed once when the rules load instead of
    /// for every candidate, with the evaluation steps (limits::max_evaluation_steps) computing
    /// it takes, which each evaluation that uses it still counts.
    struct fixed_values {
        struct entry {
            double value = 0; ///< a number parameter's number (NaN: not a number); a condition's 1 (holds) or 0
            std::uint64_t steps = 0;
        };
        std::vector<std::int32_t> slot; ///< per expression node: where its entries start, or -1
        std::vector<entry> values;      ///< from a slot on: [level][competence + 1]
    } fixed;

    /// Evidence requirements whose result for a competence is the same at every level: their
    /// conditions are recalled per item (not per level) and their parameters are constants or
    /// fixed values that read no level and take no steps. Decided once per record and
    /// competence (with a trace, the first level's entries are copied to the others).
    struct level_free_results {
        std::vector<std::int32_t> slot; ///< per requirement: its row of results, or -1
        std::size_t rows = 0;
    } level_free;

    /// Which requirements can end as `fail`, from their kind alone: the vocabulary checks of
    /// evidence, panels and agreement only ever make a result `insufficient`, so neither can
    /// they, nor a combinator or `when` all of whose children cannot. Deciding without the trace,
    /// an `all_of` with a child that is not pass stops once no child left can fail: its status
    /// is `insufficient` whatever they give.
    struct failing_results {
        std::vector<std::uint8_t> may_fail; ///< per requirement: 1 if it can end as `fail`
        /// Per requirement: 1 + the index of its last child that can fail, 0 if none can.
        std::vector<std::uint32_t> children_that_may_fail_end;
    } failing;

    /// The qualification's ids (descriptor's tables) by text, for reading candidate records.
    struct vocabulary_index {
        id_table competences, criteria, levels, experience_roles, evidence_types, credential_types;
    } vocabulary;

    /// Standalone JsonLogic rules: what loading keeps of the data (see jsonlogic_layout.hpp).
    data_layout layout;
    /// Standalone JsonLogic rules: operations over the same list, computed in one pass.
    fusion_plan fusion;
};

} // namespace masterpro::detail
