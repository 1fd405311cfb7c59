// The standalone JsonLogic API: rule compilation, data loading into arena values (RapidJSON
// SAX), evaluation on the shared evaluator, and JSON output of results.
#include "masterpro/jsonlogic.hpp"

#include "evaluate.hpp"
#include "json_source.hpp"
#include "jsonlogic_compiler.hpp"
#include "jsonlogic_values.hpp"
#include "program.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>

namespace masterpro {
namespace {

using detail::member;
using detail::scratch;
using detail::value;

/// Builds arena values straight from SAX events: no DOM in between.
class data_builder {
  public:
    // The value and key stacks live as long as the thread, so building allocates nothing once
    // they have grown to the largest record seen.
    data_builder(scratch& arena, const limits& bounds)
        : arena_(arena), bounds_(bounds), items_(stack()), keys_(key_stack()) {
        items_.clear();
        keys_.clear();
    }

    bool Null() { return put(value::null()); }
    bool Bool(bool b) { return put(value::of_bool(b)); }
    bool Int(int i) { return put(value::of_number(i)); }
    bool Uint(unsigned u) { return put(value::of_number(u)); }
    bool Int64(std::int64_t i) { return put(value::of_number(static_cast<double>(i))); }
    bool Uint64(std::uint64_t u) { return put(value::of_number(static_cast<double>(u))); }
    bool Double(double d) { return put(value::of_number(d)); }
    bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
    // Parsing is in situ: strings stay where they are in the arena's copy of the text.
    bool String(const char* s, rapidjson::SizeType n, bool) { return put(value::of_text(s, n)); }
    bool StartObject() { return open(true); }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        keys_.push_back(value::of_text(s, n));
        return true;
    }
    bool EndObject(rapidjson::SizeType count) {
        if (!within_items(count)) return false;
        member* members = arena_.make<member>(count + 1);
        const std::size_t first = items_.size() - count;
        for (std::size_t i = 0; i < count; ++i) {
            const value& key = keys_[keys_.size() - count + i];
            members[i] = member{key.chars, key.size, items_[first + i]};
        }
        items_.resize(first);
        keys_.resize(keys_.size() - count);
        depth_--;
        return put(value::of_object(members, count));
    }
    bool StartArray() { return open(false); }
    bool EndArray(rapidjson::SizeType count) {
        if (!within_items(count)) return false;
        value* elements = arena_.make<value>(count + 1);
        const std::size_t first = items_.size() - count;
        for (std::size_t i = 0; i < count; ++i) elements[i] = items_[first + i];
        items_.resize(first);
        depth_--;
        return put(value::of_array(elements, count));
    }

    value result() const { return items_.empty() ? value::null() : items_.back(); }
    /// Why building stopped at a bound ("" when it did not).
    const std::string& refused() const { return refused_; }

  private:
    bool put(value v) {
        items_.push_back(v);
        return true;
    }
    bool open(bool) {
        if (++depth_ <= bounds_.max_json_depth) return true;
        refused_ = "data nested deeper than " + std::to_string(bounds_.max_json_depth) + " levels";
        return false;
    }
    bool within_items(std::size_t count) {
        if (count <= bounds_.max_items) return true;
        refused_ = "data has a list of " + std::to_string(count) + " items, longer than the limit of " +
                   std::to_string(bounds_.max_items);
        return false;
    }
    static std::vector<value>& stack() {
        thread_local std::vector<value> items;
        return items;
    }
    static std::vector<value>& key_stack() {
        thread_local std::vector<value> keys;
        return keys;
    }
    scratch& arena_;
    const limits& bounds_;
    std::vector<value>& items_;
    std::vector<value>& keys_;
    std::size_t depth_ = 0;
    std::string refused_;
};

bool ascii(std::string_view text) noexcept {
    unsigned char any = 0;
    for (char c : text) any |= static_cast<unsigned char>(c);
    return any < 0x80;
}

tl::expected<value, error> load_data(std::string_view json, scratch& arena, const limits& bounds) {
    data_builder builder(arena, bounds);
    rapidjson::Reader reader;
    // The text is copied into the arena and parsed in place, so that strings need no copies of
    // their own; UTF-8 is validated only when there is a byte outside ASCII.
    char* text = arena.make<char>(json.size() + 1);
    std::copy(json.begin(), json.end(), text);
    text[json.size()] = '\0';
    rapidjson::InsituStringStream stream(text);
    // The recursive parser is safe here: the builder refuses nesting past max_json_depth.
    constexpr unsigned base = rapidjson::kParseInsituFlag | rapidjson::kParseStopWhenDoneFlag;
    const auto ok = ascii(json) ? reader.Parse<base>(stream, builder)
                                : reader.Parse<base | rapidjson::kParseValidateEncodingFlag>(stream, builder);
    // In situ parsing reads up to a NUL: the whole text must have been one value.
    if (!ok.IsError()) {
        std::size_t end = stream.Tell();
        while (end < json.size() && (json[end] == ' ' || json[end] == '\t' || json[end] == '\n' || json[end] == '\r')) ++end;
        if (end != json.size()) {
            error e{error_category::json_syntax, "invalid JSON data: The document root must not be followed by other values.", {}};
            e.where.column = end + 1;
            return tl::make_unexpected(std::move(e));
        }
    }
    if (!builder.refused().empty()) {
        error e{error_category::limit, builder.refused(), {}};
        e.where.column = ok.Offset() + 1;
        return tl::make_unexpected(std::move(e));
    }
    if (ok.IsError()) {
        error e{error_category::json_syntax,
                std::string("invalid JSON data: ") + rapidjson::GetParseError_En(ok.Code()), {}};
        e.where.column = ok.Offset() + 1;
        return tl::make_unexpected(std::move(e));
    }
    return builder.result();
}

void write(rapidjson::Writer<rapidjson::StringBuffer>& w, const value& v) {
    switch (v.type) {
    case detail::value_type::null_t: w.Null(); break;
    case detail::value_type::boolean: w.Bool(v.boolean); break;
    case detail::value_type::number:
        if (!std::isfinite(v.number)) w.Null(); // JSON has no NaN or Infinity
        else if (v.number == std::floor(v.number) && std::fabs(v.number) < 9007199254740992.0) w.Int64(static_cast<std::int64_t>(v.number));
        else w.Double(v.number);
        break;
    case detail::value_type::string: w.String(v.chars, v.size); break;
    case detail::value_type::array:
        w.StartArray();
        for (std::uint32_t i = 0; i < v.size; ++i) write(w, v.elements[i]);
        w.EndArray();
        break;
    case detail::value_type::object:
        w.StartObject();
        for (std::uint32_t i = 0; i < v.size; ++i) {
            w.Key(v.members[i].key, v.members[i].key_size);
            write(w, v.members[i].item);
        }
        w.EndObject();
        break;
    default: w.Null(); break;
    }
}

/// Each thread keeps its arena: apply() allocates nothing once it is warm.
scratch& thread_arena() {
    thread_local scratch arena;
    arena.reset();
    return arena;
}

} // namespace

tl::expected<jsonlogic_rule, diagnostics> jsonlogic_rule::compile(std::string_view rule_json, std::string name,
                                                                  const limits& bounds) {
    auto source = detail::parse_json_source(std::string(rule_json), std::move(name), bounds.max_json_depth);
    if (!source) return tl::make_unexpected(diagnostics{source.error()});
    auto compiled = std::make_shared<detail::program>();
    compiled->bounds = bounds;
    compiled->exprs.max_depth = bounds.max_expression_depth;
    std::vector<detail::expr_diagnostic> problems;
    const std::int32_t root = detail::compile_jsonlogic((*source)->document, compiled->descriptor,
                                                        detail::scope{false, false, detail::item_scope::data},
                                                        detail::value_type::null_t, compiled->exprs, problems);
    if (!problems.empty() || root < 0) {
        diagnostics out;
        for (const auto& p : problems) {
            error e{error_category::semantic, p.message, {}};
            if (p.at) e.where = (*source)->locate(*static_cast<const rapidjson::Value*>(p.at));
            out.push_back(std::move(e));
        }
        return tl::make_unexpected(std::move(out));
    }
    return jsonlogic_rule(std::move(compiled), root);
}

tl::expected<std::string, error> jsonlogic_rule::apply(std::string_view data_json) const {
    scratch& arena = thread_arena();
    return load_data(data_json, arena, program_->bounds).and_then([&](const value& data) -> tl::expected<std::string, error> {
        const auto result = detail::evaluate_with_data(*program_, root_, data, arena);
        if (!result) return tl::make_unexpected(detail::steps_exceeded(program_->bounds));
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        write(w, detail::js::plain(*result, program_->descriptor, arena));
        return std::string(buffer.GetString(), buffer.GetSize());
    });
}

tl::expected<bool, error> jsonlogic_rule::truthy(std::string_view data_json) const {
    scratch& arena = thread_arena();
    return load_data(data_json, arena, program_->bounds).and_then([&](const value& data) -> tl::expected<bool, error> {
        const auto result = detail::evaluate_with_data(*program_, root_, data, arena);
        if (!result) return tl::make_unexpected(detail::steps_exceeded(program_->bounds));
        return detail::js::truthy(*result);
    });
}

tl::expected<std::string, error> apply_jsonlogic(std::string_view rule, std::string_view data) {
    auto compiled = jsonlogic_rule::compile(rule);
    if (!compiled) {
        std::string message;
        for (const auto& e : compiled.error()) message += (message.empty() ? "" : "; ") + format_diagnostic(e);
        return tl::make_unexpected(error{compiled.error().front().category, message, compiled.error().front().where});
    }
    return compiled->apply(data);
}

} // namespace masterpro
