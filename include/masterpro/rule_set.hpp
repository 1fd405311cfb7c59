// A compiled qualification: load a rule file once, then evaluate any number of candidates.
#pragma once

#include "masterpro/error.hpp"
#include "masterpro/limits.hpp"
#include "masterpro/model/candidate.hpp"
#include "masterpro/model/date.hpp"
#include "masterpro/model/decision.hpp"
#include "masterpro/model/qualification.hpp"

#include <tl/expected.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace masterpro {

/// A candidate decided, or the reason its record could not be.
using decision_or_error = tl::expected<decision, error>;

/// An infix expression of a rule file and its JsonLogic form, for previews in JsonLogic tools.
struct jsonlogic_preview {
    std::string pointer;         ///< JSON pointer of the expression in the rule file
    std::string expression;      ///< the infix text
    std::string jsonlogic;       ///< compact JsonLogic, or "" when JsonLogic cannot express it
    std::string not_expressible; ///< why not (dates, durations, level order, outer names in quantifiers)
};

/// What a decision holds beyond its outcome and statuses.
struct evaluation_options {
    /// The trace of every result (decision::trace, refs, children, the candidate's id lists and
    /// the level and competence roots), from which reasons, gaps and explanations are rendered.
    /// Callers that show no reasons (as `masterpro evaluate --no-reasons`) save most of the cost
    /// of deciding by leaving it out: the decision then holds its outcome, awarded level,
    /// partial award, validity and statuses, the same as with the trace. Without it, a
    /// combinator's children after the one that decides its status are not evaluated (for
    /// `all_of`: a failure, or a child that is not pass when none after it can fail).
    bool trace = true;
    /// With the trace: also the checks within requirements that pass (evidence that is not
    /// usable, assessors who are not valid, criteria whose scores agree or meet the bar, ...),
    /// so that the trace holds every result, pass or not. No reason, gap or explanation shows
    /// them: callers that only render those (as `masterpro evaluate`) leave them out, and
    /// to_json and explain give the same text.
    bool passing_checks = true;
    /// The gap to each level not reached (decision::gaps; needs the trace). Callers that show
    /// no reasons save its cost by leaving it out.
    bool gaps = true;
};

/// An immutable, compiled rule set. Copies share the compiled program; all member functions are
/// const and safe to call from many threads at once.
class rule_set {
  public:
    /// Loads and compiles a rule file. Errors: every problem found at once (`io` if the file
    /// cannot be read; else `json_syntax`, or all `schema` and `semantic` diagnostics), each
    /// with file, line, column and JSON pointer. `bounds` limit the rule file and are kept for
    /// every record read and evaluated with the rules (see masterpro/limits.hpp).
    static tl::expected<rule_set, diagnostics> from_file(const std::string& path,
                                                         const limits& bounds = {});

    /// Compiles rule-file text; `name` stands for the file in diagnostics.
    static tl::expected<rule_set, diagnostics> from_json(std::string text,
                                                         std::string name = "<rules>",
                                                         const limits& bounds = {});

    /// The descriptor: levels, competences, criteria, vocabularies.
    const masterpro::qualification& qualification() const noexcept;

    /// The bounds the rules were loaded with, applied to every record.
    const limits& bounds() const noexcept;

    /// Reads one candidate record (JSON text). `as_of` is used when the record has none.
    /// Errors: `json_syntax`, `candidate_data` or `limit`, naming the JSON path of the fault.
    tl::expected<candidate, error> read_candidate(std::string_view json,
                                                  std::optional<date> as_of = {}) const;

    /// Decides a candidate as of its `as_of` (or `as_of` here when the candidate has none).
    /// Errors: `candidate_data` when neither gives a date; `limit` when deciding would take more
    /// than `bounds().max_evaluation_steps`.
    decision_or_error evaluate(const candidate& who, std::optional<date> as_of = {},
                               const evaluation_options& options = {}) const;

    /// read_candidate then evaluate.
    decision_or_error evaluate_json(std::string_view json, std::optional<date> as_of = {},
                                    const evaluation_options& options = {}) const;

    // Record after record on one thread: the same, into a candidate and a decision the caller
    // keeps. Each replaces what its `out` held, and a candidate or decision reused this way keeps
    // its lists' memory, so that deciding the next record allocates nothing once the lists have
    // grown to the size records need. After an error, `out` (and, for evaluate_json_into, the
    // decision) holds nothing meaningful until the next call that succeeds.

    /// read_candidate into `out`.
    tl::expected<void, error> read_candidate_into(std::string_view json, candidate& out,
                                                  std::optional<date> as_of = {}) const;

    /// evaluate into `out`.
    tl::expected<void, error> evaluate_into(const candidate& who, decision& out, std::optional<date> as_of = {},
                                            const evaluation_options& options = {}) const;

    /// evaluate_json into `out`, the record read into `who`.
    tl::expected<void, error> evaluate_json_into(std::string_view json, candidate& who, decision& out,
                                                 std::optional<date> as_of = {},
                                                 const evaluation_options& options = {}) const;

    /// Every infix expression of the rule file with its JsonLogic form where there is one.
    std::vector<jsonlogic_preview> jsonlogic_previews() const;

    /// The compiled program (for renderers and bindings).
    const std::shared_ptr<const detail::program>& program() const noexcept { return program_; }

  private:
    explicit rule_set(std::shared_ptr<const detail::program> p) : program_(std::move(p)) {}
    std::shared_ptr<const detail::program> program_;
};

} // namespace masterpro
