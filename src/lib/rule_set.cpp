// rule_set: the public face of loading (parse, schema, compile) and evaluating.
#include "masterpro/rule_set.hpp"

#include "candidate_reader.hpp"
#include "compiler.hpp"
#include "evaluate.hpp"
#include "json_source.hpp"
#include "jsonlogic_export.hpp"
#include "schema_check.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

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
            return !s.where.pointer.empty() && d.where.pointer.rfind(s.where.pointer, 0) == 0;
        });
        if (!repeated) schema.push_back(std::move(d));
    }
    std::stable_sort(schema.begin(), schema.end(), [](const error& a, const error& b) {
        return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
    });
    return schema;
}

} // namespace

tl::expected<rule_set, diagnostics> rule_set::from_file(const std::string& path) {
    auto source = detail::read_json_file(path);
    if (!source) return fail(source.error());
    return from_json(std::move((*source)->text), path);
}

tl::expected<rule_set, diagnostics> rule_set::from_json(std::string text, std::string name) {
    auto source = detail::parse_json_source(std::move(text), std::move(name));
    if (!source) return fail(source.error());
    diagnostics schema = detail::validate_with_schema(**source, detail::schema_kind::qualification);
    auto compiled = std::make_shared<detail::program>();
    diagnostics semantic = detail::compile_rules(**source, *compiled);
    if (!schema.empty() || !semantic.empty()) return tl::make_unexpected(merge(std::move(schema), std::move(semantic)));
    return rule_set(std::move(compiled));
}

const qualification& rule_set::qualification() const noexcept { return program_->descriptor; }

tl::expected<candidate, error> rule_set::read_candidate(std::string_view json, std::optional<date> as_of) const {
    // RapidJSON reads NUL as the end of input, which would accept `{...}<NUL>garbage`.
    if (const auto nul = json.find('\0'); nul != std::string_view::npos) {
        error e;
        e.category = error_category::json_syntax;
        e.message = "invalid JSON: NUL character at byte " + std::to_string(nul);
        e.where.column = nul + 1;
        return tl::make_unexpected(std::move(e));
    }
    // Iterative parsing keeps hostile nesting off the call stack; the reader then walks only
    // the fixed shape of the contract.
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    if (document.HasParseError()) {
        error e;
        e.category = error_category::json_syntax;
        e.message = std::string(rapidjson::GetParseError_En(document.GetParseError())) + " at byte " +
                    std::to_string(document.GetErrorOffset());
        e.where.column = document.GetErrorOffset() + 1;
        return tl::make_unexpected(std::move(e));
    }
    return detail::read_candidate(*program_, document, as_of);
}

decision_or_error rule_set::evaluate(const candidate& who, std::optional<date> as_of) const {
    const std::optional<date> when = who.as_of ? who.as_of : as_of;
    if (!when) {
        error e;
        e.category = error_category::candidate_data;
        e.message = "no decision date: the candidate has no as_of and none was given";
        e.where.pointer = "/as_of";
        e.where.path = "as_of";
        return tl::make_unexpected(std::move(e));
    }
    decision d;
    d.rules = program_;
    detail::evaluate_into(*program_, who, *when, d);
    return d;
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

decision_or_error rule_set::evaluate_json(std::string_view json, std::optional<date> as_of) const {
    return read_candidate(json, as_of).and_then([&](const candidate& c) { return evaluate(c, as_of); });
}

} // namespace masterpro
