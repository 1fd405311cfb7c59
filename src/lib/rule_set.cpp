// rule_set: the public face of loading (parse, schema, compile) and evaluating.
#include "masterpro/rule_set.hpp"

#include "candidate_reader.hpp"
#include "compiler.hpp"
#include "evaluate.hpp"
#include "json_source.hpp"
#include "jsonlogic_export.hpp"
#include "schema_check.hpp"

#include "masterpro/limits.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <algorithm>

namespace masterpro {
namespace {

tl::expected<rule_set, diagnostics> fail(error e) { return tl::make_unexpected(diagnostics{std::move(e)}); }

/// Builds a document from SAX events, refusing nesting deeper than `max_depth`, so that a
/// hostile record is refused at the bound rather than held in memory in full.
template <class Document>
class depth_bounded_handler {
  public:
    /// `escapes`: the text has \uD escapes, so strings are checked for lone surrogates.
    depth_bounded_handler(Document& document, std::size_t max_depth, bool escapes)
        : d_(document), max_depth_(max_depth), escapes_(escapes) {}
    bool Null() { return d_.Null(); }
    bool Bool(bool b) { return d_.Bool(b); }
    bool Int(int i) { return d_.Int(i); }
    bool Uint(unsigned u) { return d_.Uint(u); }
    bool Int64(std::int64_t i) { return d_.Int64(i); }
    bool Uint64(std::uint64_t u) { return d_.Uint64(u); }
    bool Double(double x) { return d_.Double(x); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return d_.RawNumber(s, n, copy); }
    bool String(const char* s, rapidjson::SizeType n, bool copy) { return text({s, n}) && d_.String(s, n, copy); }
    bool StartObject() { return enter() && d_.StartObject(); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return text({s, n}) && d_.Key(s, n, copy); }
    bool EndObject(rapidjson::SizeType n) { return --depth_, d_.EndObject(n); }
    bool StartArray() { return enter() && d_.StartArray(); }
    bool EndArray(rapidjson::SizeType n) { return --depth_, d_.EndArray(n); }
    bool too_deep() const { return too_deep_; }
    bool surrogate() const { return surrogate_; }

  private:
    bool enter() {
        too_deep_ = ++depth_ > max_depth_;
        return !too_deep_;
    }
    bool text(std::string_view s) {
        surrogate_ = escapes_ && detail::has_surrogate(s);
        return !surrogate_;
    }
    Document& d_;
    std::size_t max_depth_;
    bool escapes_;
    std::size_t depth_ = 0;
    bool too_deep_ = false;
    bool surrogate_ = false;
};

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
    return rule_set(std::move(compiled));
}

const qualification& rule_set::qualification() const noexcept { return program_->descriptor; }

const limits& rule_set::bounds() const noexcept { return program_->bounds; }

tl::expected<candidate, error> rule_set::read_candidate(std::string_view json, std::optional<date> as_of) const {
    auto refuse = [](error_category category, std::string message, std::size_t offset) {
        error e;
        e.category = category;
        e.message = std::move(message) + " at byte " + std::to_string(offset);
        e.where.column = offset + 1;
        return tl::make_unexpected(std::move(e));
    };
    // RapidJSON reads NUL as the end of input, which would accept `{...}<NUL>garbage`.
    if (const auto nul = json.find('\0'); nul != std::string_view::npos)
        return refuse(error_category::json_syntax, "invalid JSON: NUL character", nul);
    // The fast path: simdjson, then the reader on its tree. Anything simdjson refuses, and text
    // with \uD escapes (whose surrogates the RapidJSON path checks), goes the RapidJSON way,
    // which says where a fault is.
    simdjson::dom::element root;
    if (!detail::has_surrogate_escape(json) && detail::parse_fast(json, program_->bounds.max_json_depth, root))
        return detail::read_candidate(*program_, root, as_of);
    // Iterative parsing keeps hostile nesting off the call stack; the reader then walks only
    // the fixed shape of the contract. The text is parsed in place in a copy each thread keeps,
    // into a document whose memory is a buffer each thread keeps too: reading a record
    // allocates nothing once they have grown. UTF-8 is validated only when there is a byte
    // outside ASCII.
    struct thread_buffers {
        std::vector<char> text;
        std::vector<char> pool = std::vector<char>(64 * 1024);
        rapidjson::CrtAllocator stack_allocator;
    };
    thread_local thread_buffers buffers;
    // What a huge record made the copy is let go at the next ordinary one.
    constexpr std::size_t ordinary = std::size_t{1} << 20;
    if (buffers.text.capacity() > ordinary && json.size() <= ordinary) std::vector<char>().swap(buffers.text);
    buffers.text.assign(json.begin(), json.end());
    buffers.text.push_back('\0');
    rapidjson::MemoryPoolAllocator<> pool(buffers.pool.data(), buffers.pool.size());
    using document_type = rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>, rapidjson::CrtAllocator>;
    document_type document(&pool, 1024, &buffers.stack_allocator);
    rapidjson::InsituStringStream bytes(buffers.text.data());
    rapidjson::Reader reader;
    rapidjson::ParseResult result;
    bool too_deep = false;
    bool surrogate = false;
    const bool validate = !detail::is_ascii(json);
    auto generate = [&](document_type& into) {
        // Only a \uD800-\uDFFF escape can make a lone surrogate: text without one is not checked.
        depth_bounded_handler handler(into, program_->bounds.max_json_depth, detail::has_surrogate_escape(json));
        constexpr unsigned base = rapidjson::kParseIterativeFlag | rapidjson::kParseInsituFlag;
        result = validate ? reader.Parse<base | rapidjson::kParseValidateEncodingFlag>(bytes, handler) : reader.Parse<base>(bytes, handler);
        too_deep = handler.too_deep();
        surrogate = handler.surrogate();
        return !result.IsError();
    };
    document.Populate(generate);
    if (too_deep)
        return refuse(error_category::limit, "JSON nested deeper than " + std::to_string(program_->bounds.max_json_depth) + " levels",
                      result.Offset());
    if (surrogate)
        return refuse(error_category::json_syntax, "invalid JSON: a \\u escape of a lone UTF-16 surrogate in a string",
                      result.Offset());
    if (result.IsError())
        return refuse(error_category::json_syntax, rapidjson::GetParseError_En(result.Code()), result.Offset());
    return detail::read_candidate(*program_, document, as_of);
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
    if (!evaluate_into(*rules, who, *when, out, options.trace, options.trace && options.gaps))
        return tl::make_unexpected(steps_exceeded(rules->bounds));
    return {};
}

} // namespace detail

decision_or_error rule_set::evaluate(const candidate& who, std::optional<date> as_of,
                                     const evaluation_options& options) const {
    decision d;
    auto decided = detail::decide(program_, who, as_of, options, d);
    if (!decided) return tl::make_unexpected(std::move(decided.error()));
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

decision_or_error rule_set::evaluate_json(std::string_view json, std::optional<date> as_of,
                                          const evaluation_options& options) const {
    return read_candidate(json, as_of).and_then([&](const candidate& c) { return evaluate(c, as_of, options); });
}

} // namespace masterpro
