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
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <optional>
#include <utility>

namespace masterpro {
namespace {

using detail::member;
using detail::scratch;
using detail::value;

/// Builds arena values straight from SAX events, keeping only what the rule reads (its
/// data_layout): members the rule never reads are skipped, objects the rule reads members of get
/// them in fixed slots, strings there are interned; values the rule uses whole are kept entire.
/// Strings must be followed by text_padding readable bytes (the loader's copy of the text is).
class data_loader {
  public:
    // The stacks live as long as the thread, so loading allocates nothing once they have grown
    // to the largest record seen.
    /// `escapes`: the text has \uD escapes, so strings are checked for lone surrogates.
    data_loader(scratch& arena, const detail::program& rules, bool escapes)
        : arena_(arena), bounds_(rules.bounds), layout_(rules.layout), items_(stack()), keys_(key_stack()),
          open_(open_stack()), next_(layout_.laid_out ? 0 : entire), escapes_(escapes) {
        items_.clear();
        keys_.clear();
        open_.clear();
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
    bool String(const char* s, rapidjson::SizeType n, bool) {
        if (!whole_characters(s, n)) return false;
        if (next_ == skip) return true;
        value v = value::of_text(s, n);
        // Strings the rule reads (those in laid-out objects and arrays) are interned.
        if (open_.empty() ? layout_.laid_out : open_.back().shape >= 0) v.atom = layout_.atom_of_padded(s, n);
        return put(v);
    }
    bool StartObject() { return open(true); }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        if (!whole_characters(s, n)) return false;
        if (skipping_) return true;
        container& top = open_.back();
        if (top.shape >= 0) {
            const detail::data_shape& shape = layout_.shapes[static_cast<std::size_t>(top.shape)];
            top.slot = shape.slots.find_padded(s, n);
            next_ = top.slot < 0 ? skip : shape.load_children[static_cast<std::size_t>(top.slot)];
            return true;
        }
        keys_.push_back(value::of_text(s, n));
        return true;
    }
    bool EndObject(rapidjson::SizeType count) {
        depth_--;
        if (skipping_) return close_skipped();
        if (!within_items(count)) return false;
        const container top = open_.back();
        open_.pop_back();
        member* members;
        std::size_t size = count;
        if (top.shape >= 0) {
            // Laid out: one member per slot, in slot order; a member the data lacked is absent.
            const auto& keys = layout_.shapes[static_cast<std::size_t>(top.shape)].keys;
            size = keys.size();
            members = arena_.make<member>(std::max<std::size_t>(size, 1));
            const value* slots = items_.data() + top.first;
            for (std::size_t i = 0; i < size; ++i) {
                const bool absent = slots[i].is_null() && slots[i].list;
                members[i] = absent ? member{nullptr, 0, value::null()}
                                    : member{keys[i].data(), static_cast<std::uint32_t>(keys[i].size()), slots[i]};
            }
        } else {
            members = arena_.make<member>(count + 1);
            const value* keys = keys_.data() + (keys_.size() - count);
            for (std::size_t i = 0; i < count; ++i) members[i] = member{keys[i].chars, keys[i].size, items_[top.first + i]};
            keys_.resize(keys_.size() - count);
        }
        items_.resize(top.first);
        restore_next();
        return put(value::of_object(members, size));
    }
    bool StartArray() { return open(false); }
    bool EndArray(rapidjson::SizeType count) {
        depth_--;
        if (skipping_) return close_skipped();
        if (!within_items(count)) return false;
        const container top = open_.back();
        open_.pop_back();
        const std::size_t size = items_.size() - top.first; // elements the rule reads none of are not kept
        value* elements = arena_.make<value>(size + 1);
        std::copy(items_.begin() + static_cast<std::ptrdiff_t>(top.first), items_.end(), elements);
        items_.resize(top.first);
        restore_next();
        return put(value::of_array(elements, size));
    }

    value result() const { return items_.empty() ? value::null() : items_.back(); }
    /// Why loading stopped at a bound ("" when it did not).
    const std::string& refused() const { return refused_; }
    /// Why loading stopped at text that is not JSON RapidJSON noticed ("" when it did not).
    const std::string& refused_syntax() const { return refused_syntax_; }

  private:
    /// A \u escape of a lone UTF-16 surrogate would put invalid UTF-8 into results.
    bool whole_characters(const char* s, std::size_t n) {
        if (!escapes_ || !detail::has_surrogate(std::string_view(s, n))) return true;
        refused_syntax_ = "invalid JSON data: a \\u escape of a lone UTF-16 surrogate in a string";
        return false;
    }

    // What becomes of the next value: a shape of the layout (>= 0), kept entire, or skipped.
    static constexpr std::int32_t entire = detail::data_shape::load_entire;
    static constexpr std::int32_t skip = detail::data_shape::load_skip;

    /// An array or object being read. `shape`: its place in the layout (or entire); `slot`: the
    /// slot of the member being read.
    struct container {
        std::size_t first = 0;
        std::int32_t shape = entire;
        std::int32_t slot = -1;
        bool object = false;
    };

    bool put(const value& v) {
        if (next_ == skip) return true;
        if (!open_.empty()) {
            const container& top = open_.back();
            if (top.shape >= 0 && top.object) {
                items_[top.first + static_cast<std::size_t>(top.slot)] = v;
                return true;
            }
        }
        items_.push_back(v);
        return true;
    }
    /// After a container closes: what becomes of its parent's next value (arrays: the next
    /// element; objects: decided by the next key).
    void restore_next() {
        if (open_.empty()) {
            next_ = layout_.laid_out ? 0 : entire;
            return;
        }
        const container& top = open_.back();
        if (top.shape < 0) next_ = entire;
        else if (top.object) next_ = layout_.shapes[static_cast<std::size_t>(top.shape)].load_children[static_cast<std::size_t>(top.slot)];
        else next_ = layout_.shapes[static_cast<std::size_t>(top.shape)].load_element;
    }
    bool close_skipped() {
        --skipping_;
        if (skipping_ == 0) restore_next_after_skip();
        return true;
    }
    /// The skipped value is done: back to the container it was in.
    void restore_next_after_skip() {
        if (open_.empty()) return;
        const container& top = open_.back();
        // A skipped member: the next key decides; a skipped element: the next is skipped too.
        next_ = top.object ? skip : layout_.shapes[static_cast<std::size_t>(top.shape)].load_element;
    }
    bool open(bool object) {
        if (++depth_ > bounds_.max_json_depth) {
            refused_ = "data nested deeper than " + std::to_string(bounds_.max_json_depth) + " levels";
            return false;
        }
        if (skipping_ || next_ == skip) {
            ++skipping_;
            next_ = skip;
            return true;
        }
        container c;
        c.shape = next_;
        c.object = object;
        c.first = items_.size();
        if (c.shape >= 0) {
            const detail::data_shape& shape = layout_.shapes[static_cast<std::size_t>(c.shape)];
            if (object) {
                value absent = value::null();
                absent.list = true; // marks a slot no member filled
                for (std::size_t i = shape.keys.size(); i > 0; --i) items_.push_back(absent);
                next_ = skip; // until a key says otherwise
            } else {
                next_ = shape.load_element;
            }
        }
        open_.push_back(c);
        return true;
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
    static std::vector<container>& open_stack() {
        thread_local std::vector<container> open;
        return open;
    }
    scratch& arena_;
    const limits& bounds_;
    const detail::data_layout& layout_;
    std::vector<value>& items_;
    std::vector<value>& keys_;
    std::vector<container>& open_;
    std::int32_t next_;
    std::size_t depth_ = 0;
    std::size_t skipping_ = 0; ///< depth inside a value the rule does not read
    bool escapes_;
    std::string refused_;
    std::string refused_syntax_;
};

/// Builds arena values from a simdjson document (parsed and fully validated in one SIMD pass),
/// keeping only what the rule reads, as data_loader does from SAX events. `copy_strings`: strings
/// are copied into the arena (the parser's own copies last only until its next document).
class document_loader {
  public:
    document_loader(scratch& arena, const detail::program& rules, bool copy_strings)
        : arena_(arena), bounds_(rules.bounds), layout_(rules.layout), copy_(copy_strings) {}

    /// The value, or nothing when a bound is crossed (the SAX loader then reports it).
    std::optional<value> load(simdjson::dom::element root) {
        value v;
        if (!child(root, layout_.laid_out ? 0 : entire, layout_.laid_out, 1, v)) return std::nullopt;
        return v;
    }

  private:
    static constexpr std::int32_t entire = detail::data_shape::load_entire;
    static constexpr std::int32_t skip = detail::data_shape::load_skip;

    bool text(std::string_view s, bool intern, value& v) {
        // A string equal to one of the rule's constants needs no copy: the constant's text is
        // the same and lives as long as the rule.
        const std::uint16_t atom = intern ? layout_.atom_of(s.data(), s.size()) : 0;
        if (atom > 1) {
            v = value::of_text(layout_.atom_texts[atom], s.size());
        } else if (copy_) {
            char* kept = arena_.make<char>(s.size() + 1);
            std::memcpy(kept, s.data(), s.size());
            v = value::of_text(kept, s.size());
        } else {
            v = value::of_text(s.data(), s.size());
        }
        v.atom = atom;
        return true;
    }

    /// A scalar: true with `out` set; false for an array or object (`out` untouched).
    MASTERPRO_HOT_INLINE bool scalar(simdjson::dom::element e, bool in_layout, value& out) {
        using type = simdjson::dom::element_type;
        switch (e.type()) {
        case type::NULL_VALUE: out = value::null(); return true;
        case type::BOOL: out = value::of_bool(e.get_bool().value_unsafe()); return true;
        case type::INT64: out = value::of_number(static_cast<double>(e.get_int64().value_unsafe())); return true;
        case type::UINT64: out = value::of_number(static_cast<double>(e.get_uint64().value_unsafe())); return true;
        case type::DOUBLE: out = value::of_number(e.get_double().value_unsafe()); return true;
        case type::STRING: return text(e.get_string().value_unsafe(), in_layout, out);
        default: return false;
        }
    }

    /// `how`: a shape of the layout or entire; `in_layout`: the value's container is laid out.
    /// Scalars are read inline (scalar()); build() is called for containers.
    MASTERPRO_HOT_INLINE bool child(simdjson::dom::element e, std::int32_t how, bool in_layout, std::size_t depth, value& out) {
        return scalar(e, in_layout, out) || build(e, how, depth, out);
    }

    bool build(simdjson::dom::element e, std::int32_t how, std::size_t depth, value& out) {
        using type = simdjson::dom::element_type;
        switch (e.type()) {
        case type::ARRAY: {
            if (depth > bounds_.max_json_depth) return false;
            const simdjson::dom::array a = e.get_array().value_unsafe();
            const std::size_t count = a.size();
            if (count > bounds_.max_items) return false;
            const std::int32_t element = how >= 0 ? shape(how).load_element : entire;
            value* items = arena_.make<value>(count + 1);
            std::size_t kept = 0;
            for (simdjson::dom::element child : a) {
                if (element == skip) continue;
                if (!this->child(child, element, how >= 0, depth + 1, items[kept])) return false;
                ++kept;
            }
            out = value::of_array(items, kept);
            return true;
        }
        case type::OBJECT: {
            if (depth > bounds_.max_json_depth) return false;
            const simdjson::dom::object o = e.get_object().value_unsafe();
            const std::size_t count = o.size();
            if (count > bounds_.max_items) return false;
            if (how < 0) { // entire: every member, in order
                member* members = arena_.make<member>(count + 1);
                std::size_t i = 0;
                for (simdjson::dom::key_value_pair kv : o) {
                    value key;
                    if (!text(kv.key, false, key)) return false;
                    members[i].key = key.chars;
                    members[i].key_size = key.size;
                    if (!child(kv.value, entire, false, depth + 1, members[i].item)) return false;
                    ++i;
                }
                out = value::of_object(members, count);
                return true;
            }
            // Laid out: a row, one value per slot; the last of repeated keys wins, as in
            // JSON.parse.
            const detail::data_shape& s = shape(how);
            value* row = detail::js::new_row(s.keys, arena_);
            for (simdjson::dom::key_value_pair kv : o) {
                const std::int32_t slot = s.slots.find(kv.key.data(), kv.key.size());
                const std::int32_t load = slot < 0 ? skip : s.load_children[static_cast<std::size_t>(slot)];
                if (load == skip) continue;
                if (!child(kv.value, load, true, depth + 1, row[slot])) return false;
            }
            out = detail::js::make_row(row, s.keys.size());
            return true;
        }
        default: return false; // scalars: scalar()
        }
    }

    const detail::data_shape& shape(std::int32_t s) const { return layout_.shapes[static_cast<std::size_t>(s)]; }

    scratch& arena_;
    const limits& bounds_;
    const detail::data_layout& layout_;
    bool copy_;
};

/// Loads data with the SAX loader: slower, but it names the place of any fault.
tl::expected<value, error> load_data_reporting(std::string_view json, scratch& arena, const detail::program& rules);

/// Loads data: simdjson first (fast, fully validating); anything it refuses, or a bound crossed,
/// goes to the RapidJSON SAX loader, whose errors say where.
tl::expected<value, error> load_data(std::string_view json, scratch& arena, const detail::program& rules,
                                     bool copy_strings = false) {
    // Text with \uD escapes (UTF-16 surrogates) goes to the SAX loader, which checks that each
    // one is half of a pair.
    if (detail::has_surrogate_escape(json)) return load_data_reporting(json, arena, rules);
    // The parser refuses nesting past the bound (in values the rule skips too); the SAX loader
    // then says where.
    simdjson::dom::element root;
    if (detail::parse_fast(json, rules.bounds.max_json_depth, root)) {
        document_loader loader(arena, rules, copy_strings);
        if (auto v = loader.load(root)) return *v;
    }
    return load_data_reporting(json, arena, rules);
}

tl::expected<value, error> load_data_reporting(std::string_view json, scratch& arena, const detail::program& rules) {
    data_loader builder(arena, rules, detail::has_surrogate_escape(json));
    rapidjson::Reader reader;
    // The text is copied into the arena and parsed in place, so that strings need no copies of
    // their own; UTF-8 is validated only when there is a byte outside ASCII. The copy ends in
    // zeros (text_padding of them), so that lookups may read a string's first 16 bytes at once.
    char* text = arena.make<char>(json.size() + detail::text_padding);
    std::copy(json.begin(), json.end(), text);
    std::fill(text + json.size(), text + json.size() + detail::text_padding, '\0');
    rapidjson::InsituStringStream stream(text);
    // The recursive parser is safe here: the builder refuses nesting past max_json_depth.
    constexpr unsigned base = rapidjson::kParseInsituFlag | rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseFullPrecisionFlag;
    const auto ok = detail::is_ascii(json) ? reader.Parse<base>(stream, builder)
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
    if (!builder.refused_syntax().empty()) {
        error e{error_category::json_syntax, builder.refused_syntax(), {}};
        e.where.column = ok.Offset() + 1;
        return tl::make_unexpected(std::move(e));
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
        if (detail::js::is_row(v)) {
            for (std::uint32_t i = 0; i < v.size; ++i) {
                if (detail::js::is_absent(v.elements[i])) continue;
                const std::string& key = detail::js::row_key(v, i);
                w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
                write(w, v.elements[i]);
            }
            w.EndObject();
            break;
        }
        for (std::uint32_t i = 0; i < v.size; ++i) {
            if (!v.members[i].key) continue; // absent (data laid out for the rule)
            w.Key(v.members[i].key, v.members[i].key_size);
            write(w, v.members[i].item);
        }
        w.EndObject();
        break;
    default: w.Null(); break;
    }
}

/// Each thread keeps its arena: apply() allocates nothing once it is warm.
inline scratch& thread_arena() {
    thread_local scratch arena;
    arena.reset();
    return arena;
}

error foreign_data() {
    return error{error_category::usage, "the data was loaded by another rule: load it with the rule that applies it", {}};
}

} // namespace

namespace {

/// Where the blocks an evaluation reads (jsonlogic_data::head and what follows it) are made:
/// chunks shared by the data a thread loads one after another, so that the blocks of a
/// population lie next to each other and a pass over it reads memory in order. A chunk lives
/// as long as data in it.
class block_chunks {
  public:
    struct chunk {
        explicit chunk(std::size_t n) : memory(new unsigned char[n]), size(n) {}
        std::unique_ptr<unsigned char[]> memory;
        std::size_t size;
        std::size_t used = 0;
    };
    /// `bytes` (a multiple of 16) in the thread's current chunk, which `owner` then holds.
    static unsigned char* make(std::size_t bytes, std::shared_ptr<const chunk>& owner) {
        thread_local std::shared_ptr<chunk> current;
        if (!current || current->used + bytes > current->size) current = std::make_shared<chunk>(std::max<std::size_t>(bytes, 64 * 1024));
        unsigned char* at = current->memory.get() + current->used;
        current->used += bytes;
        owner = current;
        return at;
    }
};

} // namespace

struct jsonlogic_data::loaded {
    explicit loaded(std::size_t text_size) : arena(text_size / 2 + 512) {}
    /// The rule's program, kept alive: loaded values point at its keys and string constants.
    std::shared_ptr<const detail::program> rules;
    scratch arena;
    /// The chunk of the evaluation's block (block_chunks), and the block's size.
    std::shared_ptr<const block_chunks::chunk> block;
    std::size_t block_bytes = 0;
};

struct jsonlogic_data::head {
    const detail::program* rules = nullptr; ///< held alive by loaded::rules
    value root;
    /// The lists the rule's shared passes walk, packed (jsonlogic_fusion.hpp), or nullptr.
    const detail::packed_list* packed = nullptr;
};

jsonlogic_data::jsonlogic_data() noexcept = default;
jsonlogic_data::jsonlogic_data(jsonlogic_data&& other) noexcept
    : data_(std::move(other.data_)), head_(std::exchange(other.head_, nullptr)) {}
jsonlogic_data& jsonlogic_data::operator=(jsonlogic_data&& other) noexcept {
    data_ = std::move(other.data_);
    head_ = std::exchange(other.head_, nullptr);
    return *this;
}
jsonlogic_data::~jsonlogic_data() = default;

std::size_t jsonlogic_data::memory_bytes() const noexcept {
    return data_ ? data_->arena.capacity() + sizeof(loaded) + data_->block_bytes : 0;
}

tl::expected<jsonlogic_data, error> jsonlogic_rule::load(std::string_view data_json) const {
    auto state = std::make_unique<jsonlogic_data::loaded>(data_json.size());
    // First in the arena, so that the data's first values (the root object) follow it.
    auto* head = new (state->arena.make<jsonlogic_data::head>(1)) jsonlogic_data::head();
    auto root = load_data(data_json, state->arena, *program_, true);
    if (!root) return tl::make_unexpected(std::move(root.error()));
    state->rules = program_;
    const std::size_t packed = detail::packed_bytes(program_->fusion, *root);
    if (packed > 0) {
        // What an application reads, together: a new head, a copy of the root row (its slots,
        // after the keys' place) and the packed lists, in one block (block_chunks).
        const std::size_t slots = root->size + 1;
        const std::size_t words = (sizeof(jsonlogic_data::head) + slots * sizeof(value) + packed + 15) / 16 * 2;
        unsigned char* block = block_chunks::make(words * 8, state->block);
        state->block_bytes = words * 8;
        head = new (block) jsonlogic_data::head();
        auto* row = reinterpret_cast<value*>(block + sizeof(jsonlogic_data::head));
        std::copy(root->elements - 1, root->elements + root->size, row);
        head->root = detail::js::make_row(row + 1, root->size);
        head->packed = detail::pack_lists(program_->fusion, head->root, block + sizeof(jsonlogic_data::head) + slots * sizeof(value));
    } else {
        head->root = *root;
    }
    head->rules = program_.get();
    jsonlogic_data out;
    out.data_ = std::move(state);
    out.head_ = head;
    return out;
}

tl::expected<std::string, error> jsonlogic_rule::apply(const jsonlogic_data& data) const {
    if (!data.head_ || data.head_->rules != program_.get()) return tl::make_unexpected(foreign_data());
    scratch& arena = thread_arena();
    const auto result = detail::evaluate_with_data(*program_, root_, data.head_->root, arena, data.head_->packed);
    if (!result) return tl::make_unexpected(detail::steps_exceeded(program_->bounds));
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    write(w, detail::js::plain(*result, program_->descriptor, arena));
    return std::string(buffer.GetString(), buffer.GetSize());
}

tl::expected<bool, error> jsonlogic_rule::truthy(const jsonlogic_data& data) const {
    if (!data.head_ || data.head_->rules != program_.get()) return tl::make_unexpected(foreign_data());
    scratch& arena = thread_arena();
    const auto result = detail::evaluate_with_data(*program_, root_, data.head_->root, arena, data.head_->packed);
    if (!result) return tl::make_unexpected(detail::steps_exceeded(program_->bounds));
    // Rules mostly decide a boolean: its truthiness is itself, without a call.
    return result->type == detail::value_type::boolean ? result->boolean : detail::js::truthy(*result);
}

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
    compiled->layout = detail::plan_layout(compiled->exprs, root);
    compiled->fusion = detail::plan_fusion(compiled->exprs, root, compiled->layout);
    return jsonlogic_rule(std::move(compiled), root);
}

tl::expected<std::string, error> jsonlogic_rule::apply(std::string_view data_json) const {
    scratch& arena = thread_arena();
    return load_data(data_json, arena, *program_).and_then([&](const value& data) -> tl::expected<std::string, error> {
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
    return load_data(data_json, arena, *program_).and_then([&](const value& data) -> tl::expected<bool, error> {
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
