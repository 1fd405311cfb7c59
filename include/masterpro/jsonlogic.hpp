// masterpro as a JsonLogic engine: compile a JsonLogic rule once, apply it to any JSON data.
#pragma once

#include "masterpro/error.hpp"
#include "masterpro/limits.hpp"

#include <tl/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace masterpro {

namespace detail {
class program;
}

class jsonlogic_rule;

/// JSON data loaded for one rule (jsonlogic_rule::load): only the parts the rule reads, laid out
/// for it (it shares the compiled rule's keys and string constants, and keeps the compiled rule
/// alive). Load a population once, then apply the rule to each record as often as needed
/// (what-if studies, benchmarks) without parsing again. Move-only.
class jsonlogic_data {
  public:
    jsonlogic_data() noexcept;
    jsonlogic_data(jsonlogic_data&&) noexcept;
    jsonlogic_data& operator=(jsonlogic_data&&) noexcept;
    ~jsonlogic_data();

    /// Bytes held (the values kept of the text, and the block an application reads: the
    /// lists the rule's shared passes walk, packed).
    std::size_t memory_bytes() const noexcept;

  private:
    friend class jsonlogic_rule;
    struct loaded;
    struct head;
    std::unique_ptr<loaded> data_;
    /// What an application reads first, at the start of the loaded values (in data_'s memory,
    /// next to the data's first values: one read from memory where there were two).
    const head* head_ = nullptr;
};

/// A compiled JsonLogic rule (the operations of jsonlogic.com, with json-logic-js's semantics).
/// It runs on the same compiler and evaluator as rule-file expressions. Immutable: apply it from
/// any number of threads.
class jsonlogic_rule {
  public:
    /// Compiles a rule (JSON text). Errors: `json_syntax`, `limit` (nesting deeper than
    /// `bounds.max_json_depth` or `bounds.max_expression_depth`), or every `semantic` problem
    /// (unknown operation, ...), each with line, column and pointer. `bounds` are kept for
    /// every application.
    static tl::expected<jsonlogic_rule, diagnostics> compile(std::string_view rule_json,
                                                             std::string name = "<rule>",
                                                             const limits& bounds = {});

    /// Applies the rule to data (JSON text) and returns the result as compact JSON text.
    /// Errors: `json_syntax` for data that is not JSON; `limit` for data nested deeper than
    /// `max_json_depth` or with an array or object of more than `max_items`, or an application
    /// that takes more than `max_evaluation_steps`.
    tl::expected<std::string, error> apply(std::string_view data_json) const;

    /// Applies the rule and returns the JsonLogic truthiness of the result.
    tl::expected<bool, error> truthy(std::string_view data_json) const;

    /// Loads data (JSON text) for this rule, to apply it later; errors as for apply().
    tl::expected<jsonlogic_data, error> load(std::string_view data_json) const;

    /// apply() and truthy() on loaded data. Errors: `usage` for data loaded by another rule
    /// (its layout is that rule's), `limit` as above.
    tl::expected<std::string, error> apply(const jsonlogic_data& data) const;
    tl::expected<bool, error> truthy(const jsonlogic_data& data) const;

    /// The compiled program and its root expression (for bindings).
    const std::shared_ptr<const detail::program>& program() const noexcept { return program_; }
    std::int32_t root() const noexcept { return root_; }

  private:
    jsonlogic_rule(std::shared_ptr<const detail::program> p, std::int32_t root)
        : program_(std::move(p)), root_(root) {}
    std::shared_ptr<const detail::program> program_;
    std::int32_t root_ = -1;
};

/// Compiles `rule` and applies it to `data` once; errors as above (rule diagnostics joined).
tl::expected<std::string, error> apply_jsonlogic(std::string_view rule, std::string_view data);

} // namespace masterpro
