// rule_set: the public face of loading (parse, schema, compile) and evaluating.
#include "masterpro/rule_set.hpp"

#include "candidate_reader.hpp"
#include "compiler.hpp"
#include "evaluate.hpp"
#include "json_source.hpp"
#include "jsonlogic_export.hpp"
#include "schema_check.hpp"

#include "masterpro/limits.hpp"

#include <algorithm>

namespace masterpro {
namespace {

tl::expected<rule_set, diagnostics> fail(error e) { return tl::make_unexpected(diagnostics{std::move(e)}); }

/// Schema problems come first in importance; a compiler problem at a place the schema already
/// faulted says the same thing twice, so it is dropped.
diagnostics merge(diagnostics schema, diagnostics semantic) {
    const auto schema_end = static_cast<std::ptrdiff_t>(schema.size());
    for (auto& d : semantic) {
        const bool repeated = std::any_of(schema.begin(), schema.begin() + schema_end, [&](const error& s) {
            // Below a place the schema faulted, or the same complaint at the same place (at the
            // root, whose pointer is "", only the same complaint counts).
            if (!s.where.pointer.empty() && d.where.pointer.rfind(s.where.pointer, 0) == 0) return true;
            return s.where.pointer == d.where.pointer && s.message.rfind(d.message, 0) == 0;
        });
        if (!repeated) schema.push_back(std::move(d));
    }
    std::stable_sort(schema.begin(), schema.end(), [](const error& a, const error& b) {
        return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
    });
    return schema;
}

} // namespace

tl::expected<rule_set, diagnostics> rule_set::from_file(const std::string& path, const limits& bounds) {
    auto source = detail::read_json_file(path, bounds.max_json_depth);
    if (!source) return fail(source.error());
    return from_json(std::move((*source)->text), path, bounds);
}

tl::expected<rule_set, diagnostics> rule_set::from_json(std::string text, std::string name, const limits& bounds) {
    auto source = detail::parse_json_source(std::move(text), std::move(name), bounds.max_json_depth);
    if (!source) return fail(source.error());
    diagnostics schema = detail::validate_with_schema(**source, detail::schema_kind::qualification);
    auto compiled = std::make_shared<detail::program>();
    compiled->bounds = bounds;
    compiled->exprs.max_depth = bounds.max_expression_depth;
    diagnostics semantic = detail::compile_rules(**source, *compiled);
    if (!schema.empty() || !semantic.empty()) return tl::make_unexpected(merge(std::move(schema), std::move(semantic)));
    detail::index_vocabulary(*compiled);
    detail::plan_recalled_conditions(*compiled);
    detail::plan_fixed_values(*compiled);
    detail::plan_level_free_results(*compiled);
    detail::plan_failing_results(*compiled);
    return rule_set(std::move(compiled));
}

const qualification& rule_set::qualification() const noexcept { return program_->descriptor; }

const limits& rule_set::bounds() const noexcept { return program_->bounds; }

tl::expected<candidate, error> rule_set::read_candidate(std::string_view json, std::optional<date> as_of) const {
    candidate c;
    auto read = detail::read_candidate_into(*program_, json, as_of, c);
    if (!read) return tl::make_unexpected(std::move(read.error()));
    return c;
}

namespace detail {

tl::expected<void, error> decide(const std::shared_ptr<const program>& rules, const candidate& who, std::optional<date> as_of,
                                 const evaluation_options& options, decision& out) {
    const std::optional<date> when = who.as_of ? who.as_of : as_of;
    if (!when) {
        error e;
        e.category = error_category::candidate_data;
        e.message = "no decision date: the candidate has no as_of and none was given";
        e.where.pointer = "/as_of";
        e.where.path = "as_of";
        return tl::make_unexpected(std::move(e));
    }
    if (out.rules != rules) out.rules = rules;
    if (!evaluate_into(*rules, who, *when, out, options.trace, options.passing_checks, options.trace && options.gaps))
        return tl::make_unexpected(steps_exceeded(rules->bounds));
    return {};
}

tl::expected<void, error> decide_json(const std::shared_ptr<const program>& rules, std::string_view json,
                                      std::optional<date> as_of, const evaluation_options& options, candidate& who,
                                      decision& out, std::size_t readable_after) {
    auto read = read_candidate_into(*rules, json, as_of, who, reader_route::fastest, readable_after);
    if (!read) return read;
    return decide(rules, who, as_of, options, out);
}

} // namespace detail

decision_or_error rule_set::evaluate(const candidate& who, std::optional<date> as_of,
                                     const evaluation_options& options) const {
    decision d;
    auto decided = detail::decide(program_, who, as_of, options, d);
    if (!decided) return tl::make_unexpected(std::move(decided.error()));
    return d;
}

tl::expected<void, error> rule_set::read_candidate_into(std::string_view json, candidate& out,
                                                        std::optional<date> as_of) const {
    return detail::read_candidate_into(*program_, json, as_of, out);
}

tl::expected<void, error> rule_set::evaluate_into(const candidate& who, decision& out, std::optional<date> as_of,
                                                  const evaluation_options& options) const {
    return detail::decide(program_, who, as_of, options, out);
}

tl::expected<void, error> rule_set::evaluate_json_into(std::string_view json, candidate& who, decision& out,
                                                       std::optional<date> as_of,
                                                       const evaluation_options& options) const {
    return detail::decide_json(program_, json, as_of, options, who, out);
}

std::vector<jsonlogic_preview> rule_set::jsonlogic_previews() const {
    std::vector<jsonlogic_preview> out;
    for (const auto& e : program_->infix_expressions) {
        jsonlogic_preview p{e.pointer, e.text, {}, {}};
        auto converted = detail::to_jsonlogic(program_->exprs, e.node, program_->descriptor);
        if (converted) p.jsonlogic = std::move(*converted);
        else p.not_expressible = std::move(converted.error());
        out.push_back(std::move(p));
    }
    return out;
}

decision_or_error rule_set::evaluate_json(std::string_view json, std::optional<date> as_of,
                                          const evaluation_options& options) const {
    candidate who;
    decision d;
    auto decided = detail::decide_json(program_, json, as_of, options, who, d);
    if (!decided) return tl::make_unexpected(std::move(decided.error()));
    return d;
}

} // namespace masterpro
