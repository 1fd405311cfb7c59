// Parsing JSON with source positions: RapidJSON's SAX reader feeds the DOM and records offsets.
#include "json_source.hpp"

#include "masterpro/limits.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>

#include <simdjson.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace masterpro::detail {
namespace {

// Strict JSON; encoding validation keeps invalid UTF-8 out of decisions and diagnostics.
constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag;

// Forwards every SAX event to the document and records where each value starts. The reader
// reports an event after consuming its token, so a value starts at the first byte after the
// previous event that is not whitespace or a separator.
class recording_handler {
  public:
    recording_handler(rapidjson::Document& document, const rapidjson::MemoryStream& stream,
                      std::string_view text, std::size_t base, std::vector<std::size_t>& starts,
                      std::size_t max_depth)
        : document_(document), stream_(stream), text_(text), base_(base), previous_end_(base),
          starts_(starts), max_depth_(max_depth) {}

    bool Null() { return value() && document_.Null(); }
    bool Bool(bool b) { return value() && document_.Bool(b); }
    bool Int(int i) { return value() && document_.Int(i); }
    bool Uint(unsigned u) { return value() && document_.Uint(u); }
    bool Int64(std::int64_t i) { return value() && document_.Int64(i); }
    bool Uint64(std::uint64_t u) { return value() && document_.Uint64(u); }
    bool Double(double d) { return value() && document_.Double(d); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
        return value() && document_.RawNumber(s, n, copy);
    }
    bool String(const char* s, rapidjson::SizeType n, bool copy) {
        return value() && text({s, n}) && document_.String(s, n, copy);
    }
    bool StartObject() { return value() && enter() && document_.StartObject(); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) {
        mark_end();
        return text({s, n}) && document_.Key(s, n, copy);
    }
    bool EndObject(rapidjson::SizeType n) {
        mark_end();
        --depth_;
        return document_.EndObject(n);
    }
    bool StartArray() { return value() && enter() && document_.StartArray(); }
    bool EndArray(rapidjson::SizeType n) {
        mark_end();
        --depth_;
        return document_.EndArray(n);
    }

    bool too_deep() const { return too_deep_; }
    bool surrogate() const { return surrogate_; }

  private:
    bool text(std::string_view s) {
        surrogate_ = has_surrogate(s);
        return !surrogate_;
    }
    bool value() {
        std::size_t pos = previous_end_;
        while (pos < text_.size() && is_filler(text_[pos]))
            ++pos;
        starts_.push_back(pos);
        mark_end();
        return true;
    }
    bool enter() {
        too_deep_ = ++depth_ > max_depth_;
        return !too_deep_;
    }
    void mark_end() { previous_end_ = base_ + stream_.Tell(); }
    static bool is_filler(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':';
    }

    rapidjson::Document& document_;
    const rapidjson::MemoryStream& stream_;
    std::string_view text_;
    std::size_t base_;
    std::size_t previous_end_;
    std::vector<std::size_t>& starts_;
    // Bounds RapidJSON's recursive parser, the DOM's destructor and index_values on hostile input.
    std::size_t max_depth_;
    std::size_t depth_ = 0;
    bool too_deep_ = false;
    bool surrogate_ = false;
};

// The DOM holds values in the order the reader produced them, so a pre-order walk meets them in
// the order their starts were recorded.
void index_values(json_source& source, const rapidjson::Value& v, const rapidjson::Value* parent,
                  std::uint32_t index, const std::vector<std::size_t>& starts, std::size_t& next) {
    assert(next < starts.size());
    source.nodes_.emplace(&v, json_source::node{starts[next++], parent, index});
    std::uint32_t i = 0;
    if (v.IsObject()) {
        for (const auto& member : v.GetObject())
            index_values(source, member.value, &v, i++, starts, next);
    } else if (v.IsArray()) {
        for (const auto& element : v.GetArray())
            index_values(source, element, &v, i++, starts, next);
    }
}

std::vector<std::size_t> line_starts(std::string_view text) {
    std::vector<std::size_t> starts{0};
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n')
            starts.push_back(i + 1);
    return starts;
}

error io_error(const std::string& path, const std::string& reason) {
    error e;
    e.category = error_category::io;
    e.message = "cannot read '" + path + "': " + reason;
    e.where.file = path;
    return e;
}

} // namespace

bool has_surrogate_escape(std::string_view json) noexcept {
    // One scan for backslashes (usually none), then a look at what follows each.
    for (std::size_t i = json.find('\\'); i != std::string_view::npos; i = json.find('\\', i + 2))
        if (i + 2 < json.size() && json[i + 1] == 'u' && (json[i + 2] == 'D' || json[i + 2] == 'd')) return true;
    return false;
}

bool parse_fast(std::string_view json, std::size_t max_depth, simdjson::dom::element& root) {
    // Each thread keeps a parser and a padded copy buffer: parsing allocates nothing once they
    // have grown to the largest text seen. What one huge text made them is let go at the next
    // ordinary text (the huge one's tree may still be in use until then).
    struct thread_parser {
        simdjson::dom::parser parser;
        std::string padded;
    };
    thread_local thread_parser p;
    constexpr std::size_t ordinary = std::size_t{1} << 20;
    if (p.parser.capacity() > 4 * ordinary && json.size() <= ordinary) {
        p.parser = simdjson::dom::parser();
        std::string().swap(p.padded);
    }
    if ((p.parser.max_depth() != max_depth || p.parser.capacity() < json.size()) &&
        p.parser.allocate(std::max<std::size_t>(p.parser.capacity(), json.size()), max_depth) != simdjson::SUCCESS)
        return false;
    p.padded.assign(json.data(), json.size());
    p.padded.append(simdjson::SIMDJSON_PADDING, '\0');
    return p.parser.parse(p.padded.data(), json.size(), false).get(root) == simdjson::SUCCESS;
}

bool is_ascii(std::string_view text) noexcept {
    // Eight bytes at a time: any byte with its high bit set is not ASCII.
    std::uint64_t any = 0;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t chunk;
        std::memcpy(&chunk, text.data() + i, 8);
        any |= chunk;
    }
    for (; i < text.size(); ++i) any |= static_cast<unsigned char>(text[i]);
    return (any & 0x8080808080808080ULL) == 0;
}

bool has_surrogate(std::string_view text) noexcept {
    for (std::size_t i = text.find('\xED'); i != std::string_view::npos; i = text.find('\xED', i + 1))
        if (i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0xA0)
            return true;
    return false;
}

void append_pointer_token(std::string& pointer, std::string_view token) {
    pointer += '/';
    for (char c : token) {
        if (c == '~')
            pointer += "~0";
        else if (c == '/')
            pointer += "~1";
        else
            pointer += c;
    }
}

source_location json_source::locate_offset(std::size_t offset) const {
    source_location where;
    where.file = file;
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    if (it == line_starts_.begin())
        return where;
    --it;
    where.line = static_cast<std::size_t>(it - line_starts_.begin()) + 1;
    where.column = offset - *it + 1;
    return where;
}

std::string json_source::pointer_of(const rapidjson::Value& v) const {
    std::vector<const rapidjson::Value*> chain;
    for (const rapidjson::Value* p = &v;;) {
        auto it = nodes_.find(p);
        assert(it != nodes_.end() && "value does not belong to this json_source");
        if (it == nodes_.end() || it->second.parent == nullptr)
            break;
        chain.push_back(p);
        p = it->second.parent;
    }
    std::string pointer;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const node& n = nodes_.at(*it);
        if (n.parent->IsObject()) {
            const auto& name = (n.parent->MemberBegin() + n.index)->name;
            append_pointer_token(pointer, {name.GetString(), name.GetStringLength()});
        } else {
            pointer += '/';
            pointer += std::to_string(n.index);
        }
    }
    return pointer;
}

source_location json_source::locate(const rapidjson::Value& v) const {
    auto it = nodes_.find(&v);
    assert(it != nodes_.end() && "value does not belong to this json_source");
    if (it == nodes_.end()) {
        source_location unknown;
        unknown.file = file;
        return unknown;
    }
    source_location where = locate_offset(it->second.offset);
    where.pointer = pointer_of(v);
    return where;
}

tl::expected<std::unique_ptr<json_source>, error> parse_json_source(std::string text,
                                                                    std::string file,
                                                                    std::size_t max_depth) {
    auto source = std::make_unique<json_source>();
    source->file = std::move(file);
    source->text = std::move(text);
    source->line_starts_ = line_starts(source->text);
    const std::string_view all = source->text;
    auto fail = [&](error_category category, std::string message, std::size_t offset) {
        return tl::make_unexpected(
            error{category, std::move(message), source->locate_offset(offset)});
    };

    // RapidJSON reads NUL as the end of input; raw NUL is never valid JSON anyway.
    if (auto nul = all.find('\0'); nul != std::string_view::npos)
        return fail(error_category::json_syntax, "invalid JSON: NUL character", nul);
    const std::size_t base = all.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;

    rapidjson::MemoryStream stream(all.data() + base, all.size() - base);
    std::vector<std::size_t> starts;
    rapidjson::Reader reader;
    rapidjson::ParseResult result;
    bool too_deep = false;
    bool surrogate = false;
    auto generate = [&](rapidjson::Document& document) {
        recording_handler handler(document, stream, all, base, starts, max_depth);
        result = reader.Parse<parse_flags>(stream, handler);
        too_deep = handler.too_deep();
        surrogate = handler.surrogate();
        return !result.IsError();
    };
    source->document.Populate(generate);

    if (too_deep)
        return fail(error_category::limit,
                    "JSON nested deeper than " + std::to_string(max_depth) + " levels",
                    starts.back());
    if (surrogate)
        return fail(error_category::json_syntax,
                    "invalid JSON: a \\u escape of a lone UTF-16 surrogate in a string",
                    base + result.Offset());
    if (result.IsError())
        return fail(error_category::json_syntax,
                    std::string("invalid JSON: ") + rapidjson::GetParseError_En(result.Code()),
                    base + result.Offset());

    std::size_t next = 0;
    source->nodes_.reserve(starts.size());
    index_values(*source, source->document, nullptr, 0, starts, next);
    assert(next == starts.size());
    return source;
}

tl::expected<std::unique_ptr<json_source>, error> read_json_file(const std::string& path,
                                                                 std::size_t max_depth) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return tl::make_unexpected(io_error(path, "is a directory"));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return tl::make_unexpected(io_error(path, std::strerror(errno)));
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad())
        return tl::make_unexpected(io_error(path, std::strerror(errno)));
    return parse_json_source(std::move(text), path, max_depth);
}

} // namespace masterpro::detail
