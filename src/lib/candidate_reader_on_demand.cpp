// The fast route of the candidate boundary: one forward pass of simdjson's On-Demand parser over
// a record, filling a candidate in place. It takes only what it can read exactly as the tree
// reader (candidate_reader.cpp) does, and leaves everything else to it: faults of any kind,
// repeated keys, numbers at the edges of what the parsers agree on, unusual sizes.
#include "candidate_reader.hpp"
#include "json_source.hpp"

#include "masterpro/limits.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace masterpro::detail {
namespace {

namespace od = simdjson::ondemand;
static_assert(in_place_padding == simdjson::SIMDJSON_PADDING, "in_place_padding is simdjson's padding");

/// Thrown inside the fast route only, caught at its boundary: "read this record the tree way".
struct not_here {};

[[noreturn]] void leave() { throw not_here{}; }

template <class T> T ok(simdjson::simdjson_result<T>&& result) {
    if (result.error() != simdjson::SUCCESS)
        leave();
    return std::move(result).value_unsafe();
}

/// ok() for a result read where it is (a field of an object being iterated).
template <class T> T& ok_in_place(simdjson::simdjson_result<T>& result) {
    if (result.error() != simdjson::SUCCESS)
        leave();
    return result.value_unsafe();
}

/// The lengths of a record's lists (the longest, for lists in items). The last record's, kept
/// by each thread, is what a list without storage reserves: a run of similar records then
/// allocates each list once rather than growing it step by step.
struct list_sizes {
    std::size_t experience = 0, evidence = 0, assessors = 0, assessments = 0, credentials = 0,
                covers = 0, scores = 0, relations = 0;
};

/// The element `n` of `list` for reuse (overwritten by the caller, whatever it held), the
/// list grown by one default element (after reserving `hint`) when it has no element `n`; `n`
/// is advanced.
template <class T> T& reuse(std::vector<T>& list, std::size_t& n, std::size_t hint) {
    if (n == list.size()) {
        if (n == list.capacity() && hint > n)
            list.reserve(hint);
        list.emplace_back();
    }
    return list[n++];
}

/// The most an item's inner list (covers, scores, relations) reserves from the hint: one item's
/// long list must not make every item of the next record reserve as much.
constexpr std::size_t max_inner_hint = 64;

/// Reserves `hint` (at most max_inner_hint) in an inner list that has no storage yet.
template <class T> void reserve_new(std::vector<T>& list, std::size_t hint) {
    if (list.capacity() == 0)
        list.reserve(std::min(hint, max_inner_hint));
}

/// Sets `s` to `text`: ids are short, and most fit the storage `s` has (appending skips the
/// general replacement's checks).
inline void set_text(std::string& s, std::string_view text) {
    s.clear();
    s.append(text.data(), text.size());
}

/// A key of a record object: `bits` marks those seen, so that a repeated key (which the tree
/// reader resolves to its first value) sends the record the tree way.
void first_time(std::uint32_t& seen, std::uint32_t bit) {
    if (seen & bit)
        leave();
    seen |= bit;
}

/// Whether the key `key` (as written, after its opening quote, in the padded text) is `name`:
/// its closing quote marks where it ends, so no length is needed, and a compare of known size
/// compiles to a few word compares. A key with an escape never matches (such keys go the tree
/// way).
template <std::size_t N> bool is(const char* key, const char (&name)[N]) noexcept {
    return std::memcmp(key, name, N - 1) == 0 && key[N - 1] == '"';
}

/// The most assessors the fast route reads (see the assessors list in read()).
constexpr std::size_t max_assessors = 32;

class on_demand_reader {
  public:
    /// `escapes`: whether the text has a backslash (if not, no string or key has an escape).
    /// `heads`: room for max_assessors heads, kept by the thread.
    on_demand_reader(const program& rules, bool escapes, const list_sizes& hint, text_head* heads)
        : q_(rules.descriptor), words_(rules.vocabulary), bounds_(rules.bounds), escapes_(escapes),
          hint_(hint), assessor_heads_(heads) {
        for (const std::string_view name : q_.evidence_flags)
            if (name == "id" || name == "type" || name == "date" || name == "covers")
                flag_named_like_member_ = true;
    }

    list_sizes sizes_; ///< the lengths of the lists of the record read

    /// Reads the record `doc` into `c` (reusing its storage); throws not_here for anything it
    /// leaves to the tree reader.
    void read(od::document& doc, std::optional<date> as_of, candidate& c) {
        od::object record = ok(doc.get_object());
        enum : std::uint32_t {
            id = 1,
            as_of_key = 2,
            employer = 4,
            experience = 8,
            evidence = 16,
            assessors = 32,
            assessments = 64,
            credentials = 128
        };
        std::uint32_t seen = 0;
        std::size_t n_experience = 0, n_evidence = 0, n_assessors = 0, n_assessments = 0,
                    n_credentials = 0;
        c.as_of.reset();
        c.employer.clear();
        c.has_experience = c.has_credentials = false;
        for (auto member : record) {
            od::field& f = ok_in_place(member);
            const char* const key = f.key().raw();
            od::value& v = f.value();
            if (is(key, "id")) {
                first_time(seen, id);
                set_text(c.id, text_of(v));
                if (c.id.empty())
                    leave();
            } else if (is(key, "as_of")) {
                first_time(seen, as_of_key);
                if (!is_null(v))
                    c.as_of = date_of(v);
            } else if (is(key, "employer")) {
                first_time(seen, employer);
                if (!is_null(v))
                    set_text(c.employer, text_of(v));
            } else if (is(key, "experience")) {
                first_time(seen, experience);
                c.has_experience = true;
                objects(v, [&](od::object item) {
                    experience_of(item, reuse(c.experience, n_experience, hint_.experience));
                });
            } else if (is(key, "evidence")) {
                first_time(seen, evidence);
                objects(v, [&](od::object item) {
                    evidence_of(item, reuse(c.evidence, n_evidence, hint_.evidence));
                });
            } else if (is(key, "assessors")) {
                first_time(seen, assessors);
                objects(v, [&](od::object item) {
                    // Assessments find their assessor by a scan: kept for short lists.
                    if (n_assessors == max_assessors)
                        leave();
                    masterpro::assessor& a = reuse(c.assessors, n_assessors, hint_.assessors);
                    assessor_of(item, a);
                    const text_head head = text_head::of(a.id.data(), a.id.size());
                    if (find_assessor(c.assessors, head, a.id, n_assessors - 1) < n_assessors - 1)
                        leave();
                    assessor_heads_[n_assessors - 1] = head;
                });
            } else if (is(key, "assessments")) {
                first_time(seen, assessments);
                objects(v, [&](od::object item) {
                    assessment_of(item, reuse(c.assessments, n_assessments, hint_.assessments),
                                  c.assessors, n_assessors);
                });
            } else if (is(key, "credentials")) {
                first_time(seen, credentials);
                c.has_credentials = true;
                objects(v, [&](od::object item) {
                    credential_of(item, reuse(c.credentials, n_credentials, hint_.credentials));
                });
            } else {
                plain_key(key_of(f));
                ignored(v, 2);
            }
        }
        // One value in the text, nothing after it.
        if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
            leave();
        if (!(seen & id))
            leave();
        if (!c.as_of)
            c.as_of = as_of;
        if (!c.as_of)
            leave();
        c.experience.resize(n_experience);
        c.evidence.resize(n_evidence);
        c.assessors.resize(n_assessors);
        c.assessments.resize(n_assessments);
        c.credentials.resize(n_credentials);
        sizes_.experience = n_experience;
        sizes_.evidence = n_evidence;
        sizes_.assessors = n_assessors;
        sizes_.assessments = n_assessments;
        sizes_.credentials = n_credentials;
    }

  private:
    // ---- values ----
    // Keys and strings are read in place in the padded text (which has at least
    // SIMDJSON_PADDING readable bytes past its end): stage 1 has checked their quotes, control
    // characters and UTF-8, and what has no backslash needs no unescaping.

    /// Whether s[0, n) holds a backslash; reads up to 7 bytes past s + n.
    bool has_backslash(const char* s, std::size_t n) const noexcept {
        if (!escapes_)
            return false;
        constexpr std::uint64_t ones = 0x0101010101010101ULL;
        for (std::size_t i = 0; i < n; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, s + i, 8);
            w ^= ones * '\\'; // a backslash byte becomes zero
            std::uint64_t zero = (w - ones) & ~w & (ones << 7);
            // Only the bytes of s count (a zero byte past its end marks bytes after it only).
            if (n - i < 8)
                zero &= (std::uint64_t{1} << (8 * (n - i))) - 1;
            if (zero)
                return true;
        }
        return false;
    }
    /// A key as written: keys the contract names have no escape, and a key with one goes the
    /// tree way (see plain_key).
    static std::string_view key_of(od::field& f) {
        const char* const key = f.key().raw();
        const char* const value = f.value().raw_json_token().data();
        if (value[-1] == ':' && value[-2] == '"')
            return {key, static_cast<std::size_t>(value - 2 - key)};
        std::size_t n = 0; // whitespace around the colon
        while (key[n] != '"')
            n += key[n] == '\\' ? 2 : 1;
        return {key, n};
    }
    /// A key that names none of the contract's members, as read (it must have no escape).
    std::string_view plain_key(std::string_view key) const {
        if (has_backslash(key.data(), key.size()))
            leave();
        return key;
    }
    static bool is_null(od::value& v) {
        if (v.raw_json_token().front() != 'n')
            return false;
        if (!ok(v.is_null()))
            leave();
        return true;
    }
    /// A string, unescaped, at most max_string_bytes long.
    std::string_view text_of(od::value& v) const {
        const std::string_view raw = v.raw_json_token();
        if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"' &&
            !has_backslash(raw.data() + 1, raw.size() - 2) &&
            raw.size() - 2 <= bounds_.max_string_bytes) {
            consume(v);
            return raw.substr(1, raw.size() - 2);
        }
        return unescaped_text_of(v);
    }
    /// Moves past the string `v` once it has been read from its raw token. A value left
    /// unconsumed would be skipped, and simdjson's skipping does not check what it skips.
    static void consume(od::value& v) { ok(v.get_raw_json_string()); }
    /// text_of for a string with escapes or space after it.
    [[gnu::noinline]] std::string_view unescaped_text_of(od::value& v) const {
        const std::string_view s = ok(v.get_string());
        if (s.size() > bounds_.max_string_bytes)
            leave();
        return s;
    }
    date date_of(od::value& v) const {
        // A date as written is 10 characters in quotes (with an escape, it fails the digits'
        // and dashes' checks, as text_of then parse_date would make it fail).
        const std::string_view raw = v.raw_json_token();
        if (raw.size() == 12 && raw.front() == '"' && raw.back() == '"') {
            consume(v);
            const auto d = parse_date(raw.substr(1, 10));
            if (!d)
                leave();
            return *d;
        }
        const auto d = parse_date(text_of(v));
        if (!d)
            leave();
        return *d;
    }
    bool bool_of(od::value& v) const { return ok(v.get_bool()); }
    /// A number as the tree reader sees it: simdjson's tree holds an integer token as a 64-bit
    /// integer (so `-0` is 0, not -0.0) and refuses integers past 64 bits, which RapidJSON then
    /// reads its own way: those are left to it.
    static double number_of(od::value& v) {
        const std::string_view raw = v.raw_json_token();
        // One or two digits alone before the next token (years, counts) are read from the text
        // and left for the iterator to step over (as score_of does).
        if (raw.size() <= 2 && is_digit(raw[0]) &&
            (raw.size() == 1 || (raw[0] != '0' && is_digit(raw[1]))))
            return raw.size() == 1 ? raw[0] - '0' : (raw[0] - '0') * 10 + (raw[1] - '0');
        if (raw.find_first_of(".eE") != std::string_view::npos)
            return ok(v.get_double());
        if (raw.size() > 19)
            leave();
        std::int64_t i = 0;
        if (v.get_int64().get(i) == simdjson::SUCCESS)
            return static_cast<double>(i);
        return static_cast<double>(ok(v.get_uint64()));
    }
    static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
    /// A score: an integer of 64 bits. One digit alone before the next token (the usual score) is
    /// read from the text and left for the object's iterator to step over, as it steps over
    /// any value; anything else is simdjson's to parse.
    static std::int64_t score_of(od::value& v) {
        const std::string_view raw = v.raw_json_token();
        if (raw.size() == 1 && is_digit(raw[0]))
            return raw[0] - '0';
        return ok(v.get_int64());
    }
    /// The index of the id `v` (a string) in `index`.
    [[gnu::always_inline]] id_index lookup(const id_table& index, od::value& v) const {
        const std::string_view raw = v.raw_json_token();
        std::int32_t found;
        if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"' &&
            !has_backslash(raw.data() + 1, raw.size() - 2) &&
            raw.size() - 2 <= bounds_.max_string_bytes) {
            consume(v);
            found = index.find_padded(raw.data() + 1,
                                      raw.size() - 2); // read in place: the text goes on
        } else {
            const std::string_view id = unescaped_text_of(v);
            found = index.find(id.data(), id.size());
        }
        if (found < 0)
            leave();
        return static_cast<id_index>(found);
    }
    /// The index of the assessor with id `id` (whose head is `head`) among the first `n` of
    /// `assessors`, or n.
    std::size_t find_assessor(const std::vector<masterpro::assessor>& assessors,
                              const text_head& head, std::string_view id,
                              std::size_t n) const noexcept {
        std::size_t i = 0;
        while (i < n && !(assessor_heads_[i] == head && assessors[i].id.size() == id.size() &&
                          (id.size() <= 16 || std::memcmp(assessors[i].id.data() + 16,
                                                          id.data() + 16, id.size() - 16) == 0)))
            ++i;
        return i;
    }
    /// Calls `body` with each object of the array `v`.
    template <class Each> void objects(od::value& v, Each body) {
        od::array list = ok(v.get_array());
        std::size_t n = 0;
        for (auto element : list) {
            od::value& item = ok_in_place(element);
            if (++n > bounds_.max_items)
                leave();
            body(ok(item.get_object()));
        }
    }
    /// A value the reader does not use: checked as a tree parser would (it must be valid
    /// JSON within max_json_depth), then dropped. `depth` is its own depth, the record's 1.
    void ignored(od::value v, std::size_t depth) {
        switch (ok(v.type())) {
        case od::json_type::object: {
            if (depth >= bounds_.max_json_depth)
                leave();
            for (auto member : ok(v.get_object())) {
                od::field& f = ok_in_place(member);
                plain_key(key_of(f));
                ignored(f.value(), depth + 1);
            }
            break;
        }
        case od::json_type::array:
            if (depth >= bounds_.max_json_depth)
                leave();
            for (auto element : ok(v.get_array()))
                ignored(ok(std::move(element)), depth + 1);
            break;
        case od::json_type::string:
            ok(v.get_string());
            break;
        case od::json_type::number:
            number_of(v);
            break;
        case od::json_type::boolean:
            ok(v.get_bool());
            break;
        case od::json_type::null:
            if (!is_null(v))
                leave();
            break;
        }
    }

    // ---- the lists' items ----
    void experience_of(od::object item, experience_record& e) {
        enum : std::uint32_t { from = 1, to = 2, fte = 4, role = 8 };
        std::uint32_t seen = 0;
        e.to.reset();
        for (auto member : item) {
            od::field& f = ok_in_place(member);
            const char* const key = f.key().raw();
            od::value& v = f.value();
            if (is(key, "from")) {
                first_time(seen, from);
                e.from = date_of(v);
            } else if (is(key, "to")) {
                first_time(seen, to);
                if (!is_null(v))
                    e.to = date_of(v);
            } else if (is(key, "fte")) {
                first_time(seen, fte);
                e.fte = number_of(v);
                if (!(e.fte > 0 && e.fte <= 1))
                    leave();
            } else if (is(key, "role")) {
                first_time(seen, role);
                e.role = lookup(words_.experience_roles, v);
            } else {
                plain_key(key_of(f));
                ignored(v, 4);
            }
        }
        if ((seen & (from | fte | role)) != (from | fte | role))
            leave();
        if (e.to && *e.to < e.from)
            leave();
    }

    void evidence_of(od::object item, evidence_item& e) {
        // A flag named like a member of the contract is read the tree way.
        if (flag_named_like_member_)
            leave();
        enum : std::uint32_t { id = 1, type = 2, dated = 4, covers = 8 };
        std::uint32_t seen = 0;
        std::uint32_t flags_seen = 0;
        e.covers.clear();
        e.flags = 0;
        for (auto member : item) {
            od::field& f = ok_in_place(member);
            const char* const key = f.key().raw();
            od::value& v = f.value();
            if (is(key, "id")) {
                first_time(seen, id);
                set_text(e.id, text_of(v));
            } else if (is(key, "type")) {
                first_time(seen, type);
                e.type = lookup(words_.evidence_types, v);
            } else if (is(key, "date")) {
                first_time(seen, dated);
                e.dated = date_of(v);
            } else if (is(key, "covers")) {
                first_time(seen, covers);
                reserve_new(e.covers, hint_.covers);
                std::size_t n = 0;
                for (auto element : ok(v.get_array())) {
                    od::value& k = ok_in_place(element);
                    if (++n > bounds_.max_items)
                        leave();
                    e.covers.push_back(lookup(words_.criteria, k));
                }
                sizes_.covers = std::max(sizes_.covers, n);
            } else if (!flag_of(plain_key(key_of(f)), v, e, flags_seen)) {
                ignored(v, 4);
            }
        }
        if ((seen & (id | type | dated)) != (id | type | dated))
            leave();
    }

    /// Whether `key` names an evidence flag; if so, reads it into e.flags.
    bool flag_of(std::string_view key, od::value& v, evidence_item& e, std::uint32_t& seen) const {
        const auto& names = q_.evidence_flags;
        std::size_t f = 0;
        while (f < names.size() && names[f] != key)
            ++f;
        if (f == names.size())
            return false;
        first_time(seen, std::uint32_t{1} << f);
        if (!is_null(v) && bool_of(v))
            for (; f < names.size();
                 ++f) // a name listed twice sets both bits, as in the tree reader
                if (names[f] == key)
                    e.flags |= std::uint32_t{1} << f;
        return true;
    }

    void assessor_of(od::object item, masterpro::assessor& a) {
        enum : std::uint32_t {
            id = 1,
            employer = 2,
            industry = 4,
            trained = 8,
            held_level = 16,
            sector_years = 32,
            relations = 64
        };
        std::uint32_t seen = 0;
        a.employer.clear();
        a.industry = a.trained = false;
        a.held_level.reset();
        a.sector_years = 0;
        std::size_t n_relations = 0;
        for (auto member : item) {
            od::field& f = ok_in_place(member);
            const char* const key = f.key().raw();
            od::value& v = f.value();
            if (is(key, "id")) {
                first_time(seen, id);
                set_text(a.id, text_of(v));
            } else if (is(key, "employer")) {
                first_time(seen, employer);
                if (!is_null(v))
                    set_text(a.employer, text_of(v));
            } else if (is(key, "industry")) {
                first_time(seen, industry);
                if (!is_null(v))
                    a.industry = bool_of(v);
            } else if (is(key, "trained")) {
                first_time(seen, trained);
                if (!is_null(v))
                    a.trained = bool_of(v);
            } else if (is(key, "held_level")) {
                first_time(seen, held_level);
                if (!is_null(v))
                    a.held_level = lookup(words_.levels, v);
            } else if (is(key, "sector_years")) {
                first_time(seen, sector_years);
                if (!is_null(v)) {
                    a.sector_years = number_of(v);
                    if (a.sector_years < 0)
                        leave();
                }
            } else if (is(key, "relations")) {
                first_time(seen, relations);
                objects(v, [&](od::object r) {
                    relation_of(r, reuse(a.relations, n_relations,
                                         std::min(hint_.relations, max_inner_hint)));
                });
            } else {
                plain_key(key_of(f));
                ignored(v, 4);
            }
        }
        if (!(seen & id))
            leave();
        a.relations.resize(n_relations);
        sizes_.relations = std::max(sizes_.relations, n_relations);
    }

    void relation_of(od::object item, assessor_relation& r) {
        enum : std::uint32_t { kind = 1, until = 2 };
        std::uint32_t seen = 0;
        r.until.reset();
        for (auto member : item) {
            od::field& f = ok_in_place(member);
            const char* const key = f.key().raw();
            od::value& v = f.value();
            if (is(key, "kind")) {
                first_time(seen, kind);
                set_text(r.kind, text_of(v));
            } else if (is(key, "until")) {
                first_time(seen, until);
                if (!is_null(v))
                    r.until = date_of(v);
            } else {
                plain_key(key_of(f));
                ignored(v, 6);
            }
        }
        if (!(seen & kind))
            leave();
    }

    /// `assessors`: the first `n` of them are the record's so far (assessments name only those
    /// listed before them; any other order is read the tree way).
    void assessment_of(od::object item, masterpro::assessment& a,
                       const std::vector<masterpro::assessor>& assessors, std::size_t n) {
        enum : std::uint32_t { assessor = 1, competence = 2, dated = 4, scores = 8 };
        std::uint32_t seen = 0;
        a.scores.clear();
        for (auto member : item) {
            od::field& f = ok_in_place(member);
            const char* const key = f.key().raw();
            od::value& v = f.value();
            if (is(key, "assessor")) {
                first_time(seen, assessor);
                const std::string_view id = text_of(v);
                const std::size_t i =
                    find_assessor(assessors, text_head::of(id.data(), id.size()), id, n);
                if (i == n)
                    leave();
                a.assessor = static_cast<std::uint32_t>(i);
            } else if (is(key, "competence")) {
                first_time(seen, competence);
                a.competence = lookup(words_.competences, v);
            } else if (is(key, "date")) {
                first_time(seen, dated);
                a.dated = date_of(v);
            } else if (is(key, "scores")) {
                // Scores are checked against the competence, which may come after them.
                first_time(seen, scores);
                scores_in(v, a);
            } else {
                plain_key(key_of(f));
                ignored(v, 4);
            }
        }
        if (seen != (assessor | competence | dated | scores))
            leave();
        for (const criterion_score& s : a.scores)
            if (q_.criteria[s.criterion].competence != a.competence)
                leave();
    }

    /// Reads the scores object `v` into a.scores (criteria not yet checked against the
    /// competence).
    void scores_in(od::value& v, masterpro::assessment& a) {
        reserve_new(a.scores, hint_.scores);
        std::uint64_t scored = 0;
        for (auto member : ok(v.get_object())) {
            od::field& f = ok_in_place(member);
            const std::string_view key = plain_key(key_of(f));
            if (key.size() > bounds_.max_string_bytes)
                leave();
            const std::int32_t found =
                words_.criteria.find_padded(key.data(), key.size()); // the text goes on
            if (found < 0)
                leave();
            const auto k = static_cast<id_index>(found);
            od::value& s = f.value();
            const std::int64_t score = score_of(s);
            if (score < q_.rubric.min || score > q_.rubric.max)
                leave();
            if (k < 64) { // a criterion scored twice: most ids are told by a bit
                if (scored & (std::uint64_t{1} << k))
                    leave();
                scored |= std::uint64_t{1} << k;
            } else if (std::any_of(a.scores.begin(), a.scores.end(),
                                   [&](const criterion_score& c) { return c.criterion == k; })) {
                leave();
            }
            // Its fields stored one by one in place: a score made on the stack and copied in
            // would be read back whole before its two narrower stores are done (a stall).
            criterion_score& added = a.scores.emplace_back();
            added.criterion = k;
            added.score = static_cast<int>(score);
        }
        sizes_.scores = std::max(sizes_.scores, a.scores.size());
    }

    void credential_of(od::object item, masterpro::credential& cr) {
        enum : std::uint32_t { id = 1, type = 2, issued = 4, valid_until = 8 };
        std::uint32_t seen = 0;
        cr.valid_until.reset();
        for (auto member : item) {
            od::field& f = ok_in_place(member);
            const char* const key = f.key().raw();
            od::value& v = f.value();
            if (is(key, "id")) {
                first_time(seen, id);
                set_text(cr.id, text_of(v));
            } else if (is(key, "type")) {
                first_time(seen, type);
                cr.type = lookup(words_.credential_types, v);
            } else if (is(key, "issued")) {
                first_time(seen, issued);
                cr.issued = date_of(v);
            } else if (is(key, "valid_until")) {
                first_time(seen, valid_until);
                if (!is_null(v))
                    cr.valid_until = date_of(v);
            } else {
                plain_key(key_of(f));
                ignored(v, 4);
            }
        }
        if ((seen & (id | type | issued)) != (id | type | issued))
            leave();
        if (cr.valid_until && *cr.valid_until < cr.issued)
            leave();
    }

    const qualification& q_;
    const program::vocabulary_index& words_;
    const limits& bounds_;
    bool escapes_;
    const list_sizes& hint_;
    bool flag_named_like_member_ = false;
    /// The heads of the ids of the record's assessors read so far.
    text_head* assessor_heads_;
};

} // namespace

bool read_candidate_on_demand(const program& rules, std::string_view json,
                              std::optional<date> as_of, candidate& out, std::size_t readable_after) {
    // The record's deepest member of the contract (a relation) is at depth 5; a byte-order mark
    // is read the tree way, and so is text with a \uD escape (lone surrogates are checked there).
    const bool escapes = json.find('\\') != std::string_view::npos;
    if (rules.bounds.max_json_depth < 6 || json.empty() ||
        static_cast<unsigned char>(json.front()) == 0xEF || (escapes && has_surrogate_escape(json)))
        return false;
    // Each thread keeps a parser and a padded copy buffer: reading allocates nothing once they
    // have grown to the largest record seen; what a huge record made them is let go at the
    // next ordinary one.
    struct thread_parser {
        od::parser parser;
        std::string padded;
        list_sizes last;
        text_head assessor_heads[max_assessors];
    };
    thread_local thread_parser p;
    constexpr std::size_t ordinary = std::size_t{1} << 20;
    if (p.parser.capacity() > 4 * ordinary && json.size() <= ordinary) {
        p.parser = od::parser();
        std::string().swap(p.padded);
    }
    // simdjson reads (never writes) up to SIMDJSON_PADDING bytes past the text: when the caller
    // says that many are readable, the text is read where it is; else it is copied, padded.
    const char* text = json.data();
    std::size_t readable = json.size() + readable_after;
    if (readable_after < simdjson::SIMDJSON_PADDING) {
        p.padded.assign(json.data(), json.size());
        p.padded.append(simdjson::SIMDJSON_PADDING, '\0');
        text = p.padded.data();
        readable = p.padded.size();
    }
    od::document doc;
    if (p.parser.iterate(text, json.size(), readable).get(doc) != simdjson::SUCCESS) return false;
    try {
        on_demand_reader reader(rules, escapes, p.last, p.assessor_heads);
        reader.read(doc, as_of, out);
        p.last = reader.sizes_;
        return true;
    } catch (const not_here&) {
        return false;
    }
}

} // namespace masterpro::detail
