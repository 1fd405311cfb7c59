// The candidate boundary: checks one JSON record against the input contract and the
// qualification's vocabularies, and builds the typed candidate with interned ids.
#include "candidate_reader.hpp"

#include "json_source.hpp"

#include "masterpro/limits.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <unordered_map>

namespace masterpro::detail {
namespace {

/// The reader walks either tree through one of these: RapidJSON's DOM (the route that reports
/// JSON errors with their place) or simdjson's (the tree route, taking what the On-Demand route
/// of candidate_reader_on_demand.cpp leaves). `node` is a
/// value's handle; members are looked up by name (the first of repeated names, in both).
struct rapidjson_tree {
    using node = const rapidjson::Value*;
    static bool is_null(node v) { return v->IsNull(); }
    static bool is_bool(node v) { return v->IsBool(); }
    static bool is_number(node v) { return v->IsNumber(); }
    static bool is_string(node v) { return v->IsString(); }
    static bool is_array(node v) { return v->IsArray(); }
    static bool is_object(node v) { return v->IsObject(); }
    static bool is_int(node v) { return v->IsInt(); }
    static int get_int(node v) { return v->GetInt(); }
    static bool get_bool(node v) { return v->GetBool(); }
    static double get_double(node v) { return v->GetDouble(); }
    static std::string_view text(node v) { return {v->GetString(), v->GetStringLength()}; }
    static std::size_t size(node array) { return array->Size(); }
    static std::size_t member_count(node object) { return object->MemberCount(); }
    static std::optional<node> member(node object, std::string_view key) {
        auto it = object->FindMember(rapidjson::StringRef(key.data(), key.size()));
        if (it == object->MemberEnd()) return std::nullopt;
        return &it->value;
    }
    template <class Each>
    static void elements(node array, Each body) {
        for (const auto& item : array->GetArray()) body(&item);
    }
    template <class Each>
    static void members(node object, Each body) {
        for (const auto& m : object->GetObject()) body(text(&m.name), &m.value);
    }
};

struct simdjson_tree {
    using node = simdjson::dom::element;
    using type = simdjson::dom::element_type;
    static bool is_null(node v) { return v.type() == type::NULL_VALUE; }
    static bool is_bool(node v) { return v.type() == type::BOOL; }
    static bool is_number(node v) { return v.is_number(); }
    static bool is_string(node v) { return v.type() == type::STRING; }
    static bool is_array(node v) { return v.type() == type::ARRAY; }
    static bool is_object(node v) { return v.type() == type::OBJECT; }
    static bool is_int(node v) {
        if (v.type() == type::INT64) {
            const std::int64_t i = v.get_int64().value_unsafe();
            return i >= std::numeric_limits<int>::min() && i <= std::numeric_limits<int>::max();
        }
        return v.type() == type::UINT64 && v.get_uint64().value_unsafe() <= static_cast<std::uint64_t>(std::numeric_limits<int>::max());
    }
    static int get_int(node v) {
        return v.type() == type::INT64 ? static_cast<int>(v.get_int64().value_unsafe()) : static_cast<int>(v.get_uint64().value_unsafe());
    }
    static bool get_bool(node v) { return v.get_bool().value_unsafe(); }
    static double get_double(node v) {
        switch (v.type()) {
        case type::INT64: return static_cast<double>(v.get_int64().value_unsafe());
        case type::UINT64: return static_cast<double>(v.get_uint64().value_unsafe());
        default: return v.get_double().value_unsafe();
        }
    }
    static std::string_view text(node v) { return v.get_string().value_unsafe(); }
    /// Arrays of 16,777,215 elements or more count as that many (simdjson's tape holds no more).
    static std::size_t size(node array) { return as_array(array).size(); }
    static std::size_t member_count(node object) { return as_object(object).size(); }
    static std::optional<node> member(node object, std::string_view key) {
        for (simdjson::dom::key_value_pair kv : as_object(object))
            if (kv.key == key) return kv.value;
        return std::nullopt;
    }
    template <class Each>
    static void elements(node array, Each body) {
        for (simdjson::dom::element item : as_array(array)) body(item);
    }
    template <class Each>
    static void members(node object, Each body) {
        for (simdjson::dom::key_value_pair kv : as_object(object)) body(kv.key, kv.value);
    }
    // The callers have checked the type: the conversions cannot fail.
    static simdjson::dom::array as_array(node v) {
        simdjson::dom::array a{};
        if (v.get_array().get(a) != simdjson::SUCCESS) return {};
        return a;
    }
    static simdjson::dom::object as_object(node v) {
        simdjson::dom::object o{};
        if (v.get_object().get(o) != simdjson::SUCCESS) return {};
        return o;
    }
};

/// Thrown inside the reader only, caught at its boundary: the first fault of a record ends it.
struct record_fault {
    std::string message;
    error_category category = error_category::candidate_data;
};

/// A string from the record for use in a message: long ones are cut (at a UTF-8 character
/// boundary, since the record's text is valid UTF-8) so that a message stays readable.
std::string shown(std::string_view s) {
    constexpr std::size_t max_shown = 64;
    if (s.size() <= max_shown) return std::string(s);
    std::size_t cut = max_shown;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "...";
}

template <class Tree>
class reader {
    using json = typename Tree::node;

  public:
    reader(const program& rules) : q_(rules.descriptor), words_(rules.vocabulary), bounds(rules.bounds) { at_.reserve(8); }

    tl::expected<candidate, error> read(json record, std::optional<date> as_of) {
        try {
            candidate c = build(record, as_of);
            return c;
        } catch (const record_fault& fault) {
            error e;
            e.category = fault.category;
            e.message = fault.message;
            e.where.pointer = pointer();
            e.where.path = path();
            return tl::make_unexpected(std::move(e));
        }
    }

  private:
    // ---- where we are ----
    /// A key (pointing into the record's tree, which outlives the reader) or an index.
    struct step {
        std::string_view key;
        long index = -1;
    };
    std::vector<step> at_;

    // Steps into a key or index for the rest of a scope. When a fault unwinds the scope, the
    // step stays (fault() marks the reader first), so that the handler still knows where the
    // fault was.
    struct enter {
        enter(reader& r, std::string_view key) : r_(r) { r_.at_.push_back({key, -1}); }
        enter(reader& r, std::size_t index) : r_(r) { r_.at_.push_back({{}, static_cast<long>(index)}); }
        ~enter() {
            if (!r_.faulted_) r_.at_.pop_back();
        }
        enter(const enter&) = delete;
        enter& operator=(const enter&) = delete;
        reader& r_;
    };
    mutable bool faulted_ = false;

    std::string pointer() const {
        std::string s;
        for (const auto& st : at_) {
            s += '/';
            if (st.index >= 0) s += std::to_string(st.index);
            else {
                for (char ch : st.key) {
                    if (ch == '~') s += "~0";
                    else if (ch == '/') s += "~1";
                    else s += ch;
                }
            }
        }
        return s;
    }
    std::string path() const {
        std::string s;
        for (const auto& st : at_) {
            if (st.index >= 0) s += '[' + std::to_string(st.index) + ']';
            else {
                if (!s.empty()) s += '.';
                s += st.key;
            }
        }
        return s;
    }
    [[noreturn]] void fault(std::string message) const {
        faulted_ = true;
        throw record_fault{std::move(message)};
    }
    [[noreturn]] void limit_fault(std::string message) const {
        faulted_ = true;
        throw record_fault{std::move(message), error_category::limit};
    }

    // ---- typed fields ----
    static const char* kind_of(json v) {
        if (Tree::is_null(v)) return "null";
        if (Tree::is_bool(v)) return "a boolean";
        if (Tree::is_number(v)) return "a number";
        if (Tree::is_string(v)) return "a string";
        if (Tree::is_array(v)) return "an array";
        return "an object";
    }
    auto text() const {
        return [this](json v) { return text_of(v); };
    }
    auto a_date() const {
        return [this](json v) { return date_of(v); };
    }
    auto a_bool() const {
        return [this](json v) { return bool_of(v); };
    }
    std::string text_of(json v) const { return std::string(bounded_text(v)); }
    /// A string of the record, at most max_string_bytes long.
    std::string_view bounded_text(json v) const {
        if (!Tree::is_string(v)) fault(std::string("expected a string, found ") + kind_of(v));
        return bounded(Tree::text(v));
    }
    std::string_view bounded(std::string_view s) const {
        if (s.size() > bounds.max_string_bytes)
            limit_fault("a string of " + std::to_string(s.size()) + " bytes is longer than the limit of " +
                        std::to_string(bounds.max_string_bytes));
        return s;
    }
    date date_of(json v) const {
        if (!Tree::is_string(v)) fault(std::string("expected a date (YYYY-MM-DD), found ") + kind_of(v));
        const auto d = parse_date(Tree::text(v));
        if (!d) fault("'" + shown(Tree::text(v)) + "' is not a calendar date (YYYY-MM-DD)");
        return *d;
    }
    void check_size(json array) const {
        const std::size_t size = Tree::size(array);
        if (size > bounds.max_items)
            limit_fault("a list of " + std::to_string(size) + " items is longer than the limit of " + std::to_string(bounds.max_items));
    }
    bool bool_of(json v) const {
        if (!Tree::is_bool(v)) fault(std::string("expected true or false, found ") + kind_of(v));
        return Tree::get_bool(v);
    }
    double number_of(json v) const {
        if (!Tree::is_number(v)) fault(std::string("expected a number, found ") + kind_of(v));
        return Tree::get_double(v);
    }
    static std::optional<json> field(json object, const char* key) { return Tree::member(object, key); }
    template <class Read>
    auto required(json object, const char* key, Read parse) {
        const std::optional<json> v = field(object, key);
        enter e(*this, key);
        if (!v) fault(std::string("missing required '") + key + "'");
        return parse(*v);
    }
    template <class T, class Read>
    std::optional<T> optional_field(json object, const char* key, Read parse) {
        const std::optional<json> v = field(object, key);
        if (!v || Tree::is_null(*v)) return std::nullopt;
        enter e(*this, key);
        return parse(*v);
    }
    /// Reads each object of the array `key` of `object` with `body`; `reserve` is told their
    /// number first. False when there is no such member.
    template <class Each, class Reserve = void (*)(std::size_t)>
    bool each(json object, const char* key, Each body, Reserve reserve = [](std::size_t) {}) {
        const std::optional<json> v = field(object, key);
        if (!v) return false;
        enter e(*this, key);
        if (!Tree::is_array(*v)) fault(std::string("expected an array, found ") + kind_of(*v));
        check_size(*v);
        reserve(Tree::size(*v));
        std::size_t i = 0;
        Tree::elements(*v, [&](json item) {
            enter at_item(*this, i++);
            if (!Tree::is_object(item)) fault(std::string("expected an object, found ") + kind_of(item));
            body(item);
        });
        return true;
    }
    /// An id of the qualification's vocabulary `index` (program::vocabulary): its index.
    id_index lookup(const id_table& index, json v, const char* what) const {
        const std::string_view id = bounded_text(v);
        const std::int32_t found = index.find(id.data(), id.size());
        if (found < 0) fault(std::string("unknown ") + what + " '" + std::string(id) + "'");
        return static_cast<id_index>(found);
    }

    // ---- the record ----
    candidate build(json record, std::optional<date> as_of) {
        if (!Tree::is_object(record)) fault(std::string("a candidate record must be a JSON object, found ") + kind_of(record));
        candidate c;
        c.id = required(record, "id", [this](json v) {
            std::string id = text_of(v);
            if (id.empty()) fault("the candidate id must not be empty");
            return id;
        });
        c.as_of = optional_field<date>(record, "as_of", a_date());
        if (!c.as_of) c.as_of = as_of;
        if (!c.as_of) {
            enter e(*this, "as_of");
            fault("no decision date: the record has no 'as_of' and none was given");
        }
        c.employer = optional_field<std::string>(record, "employer", text()).value_or("");
        c.has_experience = each(record, "experience", [&](json item) { c.experience.push_back(experience_of(item)); },
                                [&](std::size_t n) { c.experience.reserve(n); });
        each(record, "evidence", [&](json item) { c.evidence.push_back(evidence_of(item)); }, [&](std::size_t n) { c.evidence.reserve(n); });
        // Assessments name assessors by id; the index keeps that linear in the record's size.
        std::unordered_map<std::string, std::uint32_t> assessor_index;
        each(record, "assessors", [&](json item) {
            masterpro::assessor a = assessor_of(item);
            if (!assessor_index.emplace(a.id, static_cast<std::uint32_t>(c.assessors.size())).second) {
                enter e(*this, "id");
                fault("duplicate assessor id '" + a.id + "'");
            }
            c.assessors.push_back(std::move(a));
        }, [&](std::size_t n) { c.assessors.reserve(n); });
        each(record, "assessments", [&](json item) { c.assessments.push_back(assessment_of(item, assessor_index)); },
             [&](std::size_t n) { c.assessments.reserve(n); });
        c.has_credentials = each(record, "credentials", [&](json item) { c.credentials.push_back(credential_of(item)); });
        return c;
    }

    experience_record experience_of(json item) {
        experience_record e;
        e.from = required(item, "from", a_date());
        e.to = optional_field<date>(item, "to", a_date());
        if (e.to && *e.to < e.from) {
            enter at(*this, "to");
            fault("'to' (" + to_string(*e.to) + ") is before 'from' (" + to_string(e.from) + ")");
        }
        e.fte = required(item, "fte", [this](json v) {
            const double fte = number_of(v);
            if (!(fte > 0 && fte <= 1)) fault("fte must be in (0, 1]");
            return fte;
        });
        e.role = required(item, "role", [&](json v) { return lookup(words_.experience_roles, v, "experience role"); });
        return e;
    }

    evidence_item evidence_of(json item) {
        evidence_item e;
        e.id = required(item, "id", text());
        e.type = required(item, "type", [&](json v) { return lookup(words_.evidence_types, v, "evidence type"); });
        e.dated = required(item, "date", a_date());
        if (const std::optional<json> covers = field(item, "covers")) {
            enter at(*this, "covers");
            if (!Tree::is_array(*covers)) fault(std::string("expected an array of criterion ids, found ") + kind_of(*covers));
            check_size(*covers);
            e.covers.reserve(Tree::size(*covers));
            std::size_t i = 0;
            Tree::elements(*covers, [&](json k) {
                enter at_k(*this, i++);
                e.covers.push_back(lookup(words_.criteria, k, "criterion"));
            });
        }
        for (std::size_t f = 0; f < q_.evidence_flags.size(); ++f) {
            const auto set = optional_field<bool>(item, q_.evidence_flags[f].c_str(), a_bool());
            if (set.value_or(false)) e.flags |= std::uint32_t{1} << f;
        }
        return e;
    }

    masterpro::assessor assessor_of(json item) {
        masterpro::assessor a;
        a.id = required(item, "id", text());
        a.employer = optional_field<std::string>(item, "employer", text()).value_or("");
        a.industry = optional_field<bool>(item, "industry", a_bool()).value_or(false);
        a.trained = optional_field<bool>(item, "trained", a_bool()).value_or(false);
        a.held_level = optional_field<id_index>(item, "held_level", [&](json v) { return lookup(words_.levels, v, "level"); });
        a.sector_years = optional_field<double>(item, "sector_years", [this](json v) {
                             const double years = number_of(v);
                             if (years < 0) fault("sector_years must not be negative");
                             return years;
                         }).value_or(0);
        each(item, "relations", [&](json r) {
            assessor_relation rel;
            rel.kind = required(r, "kind", text());
            rel.until = optional_field<date>(r, "until", a_date());
            a.relations.push_back(std::move(rel));
        });
        return a;
    }

    masterpro::assessment assessment_of(json item, const std::unordered_map<std::string, std::uint32_t>& assessors) {
        masterpro::assessment a;
        a.assessor = required(item, "assessor", [&](json v) {
            const std::string id = text_of(v);
            const auto found = assessors.find(id);
            if (found == assessors.end()) fault("assessor '" + id + "' is not in 'assessors'");
            return found->second;
        });
        a.competence = required(item, "competence", [&](json v) { return lookup(words_.competences, v, "competence"); });
        a.dated = required(item, "date", a_date());
        const std::optional<json> scores = field(item, "scores");
        enter at(*this, "scores");
        if (!scores) fault("missing required 'scores'");
        if (!Tree::is_object(*scores)) fault(std::string("expected an object of criterion scores, found ") + kind_of(*scores));
        a.scores.reserve(Tree::member_count(*scores));
        Tree::members(*scores, [&](std::string_view name, json v) {
            const std::string_view key = bounded(name); // bounded before it becomes part of the path
            enter at_k(*this, key);
            const std::int32_t found = words_.criteria.find(key.data(), key.size());
            if (found < 0) fault("unknown criterion '" + std::string(key) + "'");
            const auto k = static_cast<id_index>(found);
            if (q_.criteria[k].competence != a.competence)
                fault("criterion '" + std::string(key) + "' is not a criterion of " + q_.competences[a.competence].id);
            const bool whole = Tree::is_int(v) || (Tree::is_number(v) && std::floor(Tree::get_double(v)) == Tree::get_double(v) &&
                                                   std::fabs(Tree::get_double(v)) < 1e9);
            if (!whole) fault(std::string("a score must be a whole number ") + std::to_string(q_.rubric.min) + "-" +
                              std::to_string(q_.rubric.max) + ", found " + (Tree::is_number(v) ? std::to_string(Tree::get_double(v)) : kind_of(v)));
            const int score = Tree::is_int(v) ? Tree::get_int(v) : static_cast<int>(Tree::get_double(v));
            if (score < q_.rubric.min || score > q_.rubric.max)
                fault("score " + std::to_string(score) + " is outside the rubric " + std::to_string(q_.rubric.min) + "-" +
                      std::to_string(q_.rubric.max));
            if (std::any_of(a.scores.begin(), a.scores.end(), [&](const criterion_score& s) { return s.criterion == k; }))
                fault("criterion '" + std::string(key) + "' is scored twice");
            a.scores.push_back({k, score});
        });
        return a;
    }

    masterpro::credential credential_of(json item) {
        masterpro::credential cr;
        cr.id = required(item, "id", text());
        cr.type = required(item, "type", [&](json v) { return lookup(words_.credential_types, v, "credential type"); });
        cr.issued = required(item, "issued", a_date());
        cr.valid_until = optional_field<date>(item, "valid_until", a_date());
        if (cr.valid_until && *cr.valid_until < cr.issued) {
            enter at(*this, "valid_until");
            fault("'valid_until' is before 'issued'");
        }
        return cr;
    }

    const qualification& q_;
    const program::vocabulary_index& words_;
    const limits& bounds;
};

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
        surrogate_ = escapes_ && has_surrogate(s);
        return !surrogate_;
    }
    Document& d_;
    std::size_t max_depth_;
    bool escapes_;
    std::size_t depth_ = 0;
    bool too_deep_ = false;
    bool surrogate_ = false;
};

/// A JSON fault found before the reader runs: where it is, as a byte offset into the text.
tl::unexpected<error> refuse(error_category category, std::string message, std::size_t offset) {
    error e;
    e.category = category;
    e.message = std::move(message) + " at byte " + std::to_string(offset);
    e.where.column = offset + 1;
    return tl::make_unexpected(std::move(e));
}

/// The reporting route: RapidJSON's tree, whose errors say where a JSON fault is.
tl::expected<candidate, error> read_reporting(const program& rules, std::string_view json, std::optional<date> as_of) {
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
    const bool validate = !is_ascii(json);
    auto generate = [&](document_type& into) {
        // Only a \uD800-\uDFFF escape can make a lone surrogate: text without one is not checked.
        depth_bounded_handler handler(into, rules.bounds.max_json_depth, has_surrogate_escape(json));
        constexpr unsigned base = rapidjson::kParseIterativeFlag | rapidjson::kParseInsituFlag;
        result = validate ? reader.Parse<base | rapidjson::kParseValidateEncodingFlag>(bytes, handler) : reader.Parse<base>(bytes, handler);
        too_deep = handler.too_deep();
        surrogate = handler.surrogate();
        return !result.IsError();
    };
    document.Populate(generate);
    if (too_deep)
        return refuse(error_category::limit, "JSON nested deeper than " + std::to_string(rules.bounds.max_json_depth) + " levels",
                      result.Offset());
    if (surrogate)
        return refuse(error_category::json_syntax, "invalid JSON: a \\u escape of a lone UTF-16 surrogate in a string",
                      result.Offset());
    if (result.IsError())
        return refuse(error_category::json_syntax, rapidjson::GetParseError_En(result.Code()), result.Offset());
    return read_candidate(rules, document, as_of);
}

} // namespace

tl::expected<void, error> read_candidate_into(const program& rules, std::string_view json, std::optional<date> as_of,
                                              candidate& out, reader_route route, std::size_t readable_after) {
    // On-Demand takes no text with a NUL (simdjson refuses it in a string and as a token).
    if (route == reader_route::fastest && read_candidate_on_demand(rules, json, as_of, out, readable_after))
        return {};
    // RapidJSON reads NUL as the end of input, which would accept `{...}<NUL>garbage`.
    if (const auto nul = json.find('\0'); nul != std::string_view::npos)
        return refuse(error_category::json_syntax, "invalid JSON: NUL character", nul);
    // Then simdjson's tree and the reader on it. Anything simdjson refuses, and text with \uD
    // escapes (whose surrogates the RapidJSON route checks), goes the RapidJSON way, which says
    // where a fault is.
    simdjson::dom::element root;
    auto read = route != reader_route::reporting && !has_surrogate_escape(json) &&
                              parse_fast(json, rules.bounds.max_json_depth, root)
                          ? read_candidate(rules, root, as_of)
                          : read_reporting(rules, json, as_of);
    if (!read) return tl::make_unexpected(std::move(read.error()));
    out = std::move(*read);
    return {};
}

tl::expected<candidate, error> read_candidate(const program& rules, const rapidjson::Value& record,
                                              std::optional<date> as_of) {
    return reader<rapidjson_tree>(rules).read(&record, as_of);
}

tl::expected<candidate, error> read_candidate(const program& rules, const simdjson::dom::element& record,
                                              std::optional<date> as_of) {
    return reader<simdjson_tree>(rules).read(record, as_of);
}

void id_table::assign(const std::vector<std::string_view>& texts) {
    *this = id_table();
    for (std::size_t i = 0; i < texts.size(); ++i)
        if (chained_.find(texts[i].data(), texts[i].size()) < 0) { // the first wins
            chained_.add(texts[i], static_cast<std::int32_t>(i));
            entries_.push_back({text_head::of(texts[i].data(), texts[i].size()), texts[i],
                                static_cast<std::int32_t>(i)});
        }
    // A hash gives n texts slots of their own in 2^bits slots with odds of about
    // exp(-n^2 / 2^(bits+1)): from 4n slots up, each size tries a few seeds.
    unsigned bits = 1;
    while ((std::size_t{1} << bits) < 4 * entries_.size())
        ++bits;
    std::vector<std::int32_t> slots;
    for (const unsigned last = bits + 4; bits <= last && bits <= 20; ++bits) {
        shift_ = 64 - bits;
        std::uint64_t state = 0;
        for (int attempt = 0; attempt < 32; ++attempt) {
            // splitmix64: well-mixed odd multipliers, the same on every run.
            state += 0x9E3779B97F4A7C15ULL;
            std::uint64_t z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            seed_ = (z ^ (z >> 31)) | 1;
            slots.assign(std::size_t{1} << bits, -1);
            bool apart = true;
            for (std::size_t e = 0; e < entries_.size() && apart; ++e) {
                const std::string_view text = entries_[e].text;
                std::int32_t& s = slots[slot(entries_[e].head, text.data(), text.size())];
                apart = s < 0;
                s = static_cast<std::int32_t>(e);
            }
            if (apart) {
                slots_ = std::move(slots);
                one_probe_ = true;
                return;
            }
        }
    }
    one_probe_ = false;
}

void index_vocabulary(program& rules) {
    const qualification& q = rules.descriptor;
    auto index = [](id_table& into, const auto& table) {
        std::vector<std::string_view> texts;
        texts.reserve(table.size());
        for (const auto& item : table) {
            if constexpr (std::is_same_v<std::decay_t<decltype(item)>, std::string>)
                texts.push_back(item);
            else
                texts.push_back(item.id);
        }
        into.assign(texts);
    };
    index(rules.vocabulary.competences, q.competences);
    index(rules.vocabulary.criteria, q.criteria);
    index(rules.vocabulary.levels, q.levels);
    index(rules.vocabulary.experience_roles, q.experience_roles);
    index(rules.vocabulary.evidence_types, q.evidence_types);
    index(rules.vocabulary.credential_types, q.credential_types);
}

} // namespace masterpro::detail
