// Renders decisions as JSON (text escaped once per rule set or decision, copied into a small
// per-thread block that is appended to the caller's string) and as plain-language
// explanations, both from the recorded trace; picks the reasons a decision shows.
#include "masterpro/io/decision_json.hpp"

#include "program.hpp"

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/itoa.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <unordered_map>

// The writes of a decision's text are inlined where they are short, their rare slow paths not;
// finding the reasons stays a function of its own (with the registers to itself).
#if defined(__GNUC__)
#define MASTERPRO_WRITE_INLINE __attribute__((always_inline)) inline
#define MASTERPRO_WRITE_COLD __attribute__((noinline, cold))
#define MASTERPRO_NOINLINE __attribute__((noinline))
#else
#define MASTERPRO_WRITE_INLINE inline
#define MASTERPRO_WRITE_COLD
#define MASTERPRO_NOINLINE
#endif

namespace masterpro {

const char* to_string(status s) noexcept {
    switch (s) {
    case status::pass: return "pass";
    case status::fail: return "fail";
    case status::insufficient: return "insufficient";
    }
    return "?";
}

const char* to_string(outcome o) noexcept {
    switch (o) {
    case outcome::awarded: return "awarded";
    case outcome::partial: return "partial";
    case outcome::not_awarded: return "not_awarded";
    }
    return "?";
}

const qualification& decision::qualification() const { return rules->descriptor; }

namespace {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

// ---------------------------------------------------------------------------------------------
// JSON text escaped beforehand, and the block it is written into.

/// Copies `size` bytes in whole 32-byte blocks: up to 31 bytes past `size` are read and
/// written, which the slack after every piece and after the json_out block absorbs. `to` may
/// lie just after `from`'s bytes in the same string (a piece put together from an earlier
/// one): the bytes past `size` read may then be ones this copy wrote, hence memmove, which
/// compiles to the same 16-byte loads and stores.
MASTERPRO_WRITE_INLINE void copy_blocks(char* to, const char* from, std::size_t size) {
    std::size_t i = 0;
    do {
        std::memmove(to + i, from + i, 16);
        std::memmove(to + i + 16, from + i + 16, 16);
        i += 32;
    } while (i < size);
}

/// Pieces of JSON text kept back to back in one string, with slack after the last, so that a
/// piece is copied in whole 32-byte blocks: reading past its end stays inside the string.
class text_arena {
  public:
    static constexpr std::size_t slack = 32;
    struct piece {
        std::size_t at = 0;
        std::size_t size = 0; ///< 0 only for an empty piece (or a slot not filled yet)
    };

    text_arena() { text_.resize(256); }
    void clear() {
        // One huge decision should not pin its memory for the rest of the thread's life.
        if (text_.size() > (std::size_t{1} << 20)) std::string(256, '\0').swap(text_);
        used_ = 0;
    }
    piece add(std::string_view json) {
        char* to = room(json.size());
        std::memcpy(to, json.data(), json.size());
        return added(json.size());
    }
    /// Adds `"<parts...>"`: a JSON string of text that needs no escaping.
    template <class... Text> piece add_quoted(const Text&... parts) {
        const std::size_t size = 2 + (std::string_view(parts).size() + ...);
        char* to = room(size);
        *to++ = '"';
        ((std::memcpy(to, std::string_view(parts).data(), std::string_view(parts).size()),
          to += std::string_view(parts).size()),
         ...);
        *to = '"';
        return added(size);
    }
    const char* data() const noexcept { return text_.data(); }
    std::string_view view(piece p) const noexcept { return {text_.data() + p.at, p.size}; }

    /// Where `n` bytes go (with the slack after them), to be written and then `added`.
    char* room(std::size_t n) {
        if (used_ + n + slack > text_.size()) text_.resize(std::max(2 * text_.size(), used_ + n + slack));
        return text_.data() + used_;
    }
    piece added(std::size_t n) {
        const piece p{used_, n};
        used_ += n;
        return p;
    }

  private:
    std::string text_; ///< used_ bytes of pieces, then at least `slack` more
    std::size_t used_ = 0;
};

using piece = text_arena::piece;

/// JSON text escaped by RapidJSON's writer: the one escaper of every string rendered here.
class escaper {
  public:
    std::string_view operator()(std::string_view s) {
        buffer_.Clear();
        writer_.Reset(buffer_);
        writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
        return {buffer_.GetString(), buffer_.GetSize()};
    }
    /// After a huge string, lets its memory go.
    void trim() {
        if (buffer_.GetSize() > (std::size_t{1} << 20)) {
            buffer_.Clear();
            buffer_.ShrinkToFit();
        }
    }

  private:
    rapidjson::StringBuffer buffer_;
    rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

/// False for text that RapidJSON's writer would quote as it is (no control character, quote or
/// backslash), i.e. most ids.
bool needs_escape(std::string_view s) noexcept {
    static constexpr auto escaped = [] {
        std::array<std::uint8_t, 256> table{};
        for (int c = 0; c < 0x20; ++c) table[c] = 1;
        table['"'] = table['\\'] = 1;
        return table;
    }();
    std::uint8_t escape = 0;
    for (const char c : s) escape |= escaped[static_cast<unsigned char>(c)];
    return escape != 0;
}

std::string quoted(std::string_view s) {
    escaper e;
    return std::string(e(s));
}

/// `"YYYY-MM-DD"` into `out` (16 bytes); returns the length.
std::size_t date_json(date d, char* out) {
    // Decisions show the same few hundred dates again and again (assessments, as-of dates):
    // each is converted once per thread, into a table indexed by its day number.
    struct known_date {
        std::int64_t days = std::numeric_limits<std::int64_t>::min(); ///< none yet (no date's)
        char json[12];
    };
    constexpr std::size_t table_size = 1024;
    thread_local const std::unique_ptr<known_date[]> known(new known_date[table_size]);
    known_date& slot = known[static_cast<std::uint32_t>(d.days) % table_size];
    if (slot.days == d.days) {
        std::memcpy(out, slot.json, 12);
        return 12;
    }
    const auto c = to_civil(d);
    if (c.year < 0 || c.year > 9999) {
        const int n = std::snprintf(out, 16, "\"%04d-%02d-%02d\"", c.year, c.month, c.day);
        return static_cast<std::size_t>(std::clamp(n, 0, 15));
    }
    const auto two = [](char* p, int v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    out[0] = '"';
    two(out + 1, c.year / 100);
    two(out + 3, c.year % 100);
    out[5] = '-';
    two(out + 6, static_cast<int>(c.month));
    out[8] = '-';
    two(out + 9, static_cast<int>(c.day));
    out[11] = '"';
    slot.days = d.days;
    std::memcpy(slot.json, out, 12);
    return 12;
}

/// Where the text of a json_out goes: the caller's string, a block at a time. The writer's
/// position is passed in and out, so that it can stay in a register while text is written.
struct json_sink {
    static constexpr std::size_t block = 3968; ///< what is appended at a time, at most
    static constexpr std::size_t slack = 32;   ///< room past `block` for copies in whole blocks

    std::string& out;
    char* const begin; ///< the block's memory: block + slack bytes

    /// Appends the block up to `at`; returns where the block starts again.
    MASTERPRO_WRITE_COLD char* flush(char* at) {
        out.append(begin, static_cast<std::size_t>(at - begin));
        return begin;
    }
    /// `json`, which does not fit in the rest of the block, after the block up to `at`.
    MASTERPRO_WRITE_COLD char* put_long(char* at, std::string_view json) {
        at = flush(at);
        if (json.size() > block) {
            out.append(json);
            return at;
        }
        std::memcpy(at, json.data(), json.size());
        return at + json.size();
    }
    /// A number at `at` (at most 25 bytes): the usual counts and scores, whole and below 10^9,
    /// without the general tests; the rest as put_number.
    MASTERPRO_WRITE_INLINE static char* put_count(char* at, double n) {
        if (n >= 0 && n < 1e9) {
            const auto u = static_cast<std::uint32_t>(n);
            if (u == n) {
                if (u < 10) {
                    *at = static_cast<char>('0' + u);
                    return at + 1;
                }
                return rapidjson::internal::u32toa(u, at);
            }
        }
        return put_number(at, n);
    }
    /// A number that is not a whole one below 10^9 (see put_count), at `at`.
    MASTERPRO_WRITE_COLD static char* put_number(char* at, double n) {
        if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 1e15)
            return rapidjson::internal::i64toa(static_cast<std::int64_t>(n), at);
        const double rounded = std::round(n * 10000) / 10000;
        if (!std::isfinite(rounded)) {
            std::memcpy(at, "null", 4);
            return at + 4;
        }
        return rapidjson::internal::dtoa(rounded, at);
    }
};

/// Writes a decision's text into the block of a json_sink, a few KB that stay in cache. Writes
/// check for room, once per piece; pieces longer than the block go to the string directly.
class json_out {
  public:
    static constexpr std::size_t block = json_sink::block;

    explicit json_out(json_sink& sink) : sink_(sink), at_(sink.begin), end_(sink.begin + block) {}
    json_out(const json_out&) = delete;
    json_out& operator=(const json_out&) = delete;
    /// Appends what the block still holds.
    void finish() { at_ = sink_.flush(at_); }

    MASTERPRO_WRITE_INLINE void put(char c) {
        room(1);
        *at_++ = c;
    }
    /// Text known at compile time, copied with a fixed-size copy the compiler inlines.
    template <std::size_t N> MASTERPRO_WRITE_INLINE void put(const char (&json)[N]) {
        static_assert(N - 1 <= block);
        room(N - 1);
        std::memcpy(at_, json, N - 1);
        at_ += N - 1;
    }
    /// A piece of an arena: copied 16 bytes at a time, its slack and the block's absorbing
    /// what is copied past its end (overwritten by what comes next).
    MASTERPRO_WRITE_INLINE void put(const text_arena& arena, piece p) { put(arena.data(), p); }
    /// A piece of the arena whose text starts at `text`.
    MASTERPRO_WRITE_INLINE void put(const char* text, piece p) {
        char* const at = at_;
        const char* from = text + p.at;
        if (p.size > static_cast<std::size_t>(end_ - at)) {
            at_ = sink_.put_long(at, {from, p.size});
            return;
        }
        // (16 bytes a loop: what is written this way is mostly short, ids of levels and competences.)
        std::size_t i = 0;
        do {
            std::memcpy(at + i, from + i, 16);
            i += 16;
        } while (i < p.size);
        at_ = at + p.size;
    }
    /// Any text.
    MASTERPRO_WRITE_INLINE void put(std::string_view json) {
        if (json.size() > static_cast<std::size_t>(end_ - at_)) {
            at_ = sink_.put_long(at_, json);
            return;
        }
        std::memcpy(at_, json.data(), json.size());
        at_ += json.size();
    }
    MASTERPRO_WRITE_INLINE void put_uint(std::uint32_t u) {
        room(10);
        if (u < 10) {
            *at_++ = static_cast<char>('0' + u);
        } else if (u < 100) {
            std::memcpy(at_, rapidjson::internal::GetDigitsLut() + 2 * u, 2);
            at_ += 2;
        } else {
            at_ = rapidjson::internal::u32toa(u, at_);
        }
    }
    /// Whole numbers as integers; others keep 4 decimals, enough for FTE years; null when not
    /// finite. The same digits as RapidJSON's writer.
    MASTERPRO_WRITE_INLINE void put_number(double n) {
        room(25);
        at_ = json_sink::put_count(at_, n);
    }
    void put_date(date d) {
        room(16);
        at_ += date_json(d, at_);
    }

    /// Where `n` bytes (at most `block`) go, to be written without checks (see raw_out); then
    /// `written` says where they end.
    MASTERPRO_WRITE_INLINE char* reserve(std::size_t n) {
        room(n);
        return at_;
    }
    MASTERPRO_WRITE_INLINE void written(char* at) { at_ = at; }

  private:
    MASTERPRO_WRITE_INLINE void room(std::size_t n) {
        if (static_cast<std::size_t>(end_ - at_) < n) at_ = sink_.flush(at_);
    }

    json_sink& sink_;
    char* at_;
    char* const end_;
};

/// Writes into room a json_out reserved, without checking for room (the writer keeps its
/// position in a register): the same calls as json_out, for text whose length is known to fit.
struct raw_out {
    char* at;

    MASTERPRO_WRITE_INLINE void put(char c) { *at++ = c; }
    template <std::size_t N> MASTERPRO_WRITE_INLINE void put(const char (&json)[N]) {
        std::memcpy(at, json, N - 1);
        at += N - 1;
    }
    MASTERPRO_WRITE_INLINE void put(const char* text, piece p) {
        copy_blocks(at, text + p.at, p.size);
        at += p.size;
    }
    MASTERPRO_WRITE_INLINE void put(std::string_view json) {
        std::memcpy(at, json.data(), json.size());
        at += json.size();
    }
    MASTERPRO_WRITE_INLINE void put_number(double n) {
        at = json_sink::put_count(at, n);
    }
};

/// The memory of this thread's json_out block.
char* block_memory() {
    thread_local const std::unique_ptr<char[]> memory(new char[json_sink::block + json_sink::slack]);
    return memory.get();
}

// ---------------------------------------------------------------------------------------------
// Text that depends only on the rules, escaped once per rule set and thread.

/// What reasons are merged by besides their finding: requirement, check and competence.
/// (Packed in two words, compared and hashed as such.)
struct reason_key {
    std::uint64_t requirement_and_arg = 0; ///< requirement << 32 | check_arg
    std::uint32_t check_and_competence = 0; ///< check << 16 | competence (as 16 bits)

    static reason_key of(const trace_entry& e) noexcept {
        return {std::uint64_t{e.requirement} << 32 | e.check_arg,
                std::uint32_t{static_cast<std::uint8_t>(e.check)} << 16 | static_cast<std::uint16_t>(e.competence)};
    }
    friend bool operator==(const reason_key& a, const reason_key& b) noexcept {
        return a.requirement_and_arg == b.requirement_and_arg && a.check_and_competence == b.check_and_competence;
    }
    std::size_t hash() const noexcept {
        const std::uint64_t x = (requirement_and_arg ^ std::uint64_t{check_and_competence} << 8) * 0x9E3779B97F4A7C15ULL;
        return static_cast<std::size_t>(x >> 32);
    }
    std::uint32_t requirement() const noexcept { return static_cast<std::uint32_t>(requirement_and_arg >> 32); }
    std::uint32_t check_arg() const noexcept { return static_cast<std::uint32_t>(requirement_and_arg); }
    check_kind check() const noexcept { return static_cast<check_kind>(check_and_competence >> 16); }
    std::int16_t competence() const noexcept { return static_cast<std::int16_t>(check_and_competence & 0xFFFF); }
};

struct fragments {
    std::weak_ptr<const detail::program> owner; ///< tells a rule set from a later one at the same address
    const detail::program* rules = nullptr;
    text_arena text; ///< every piece below
    /// `,"qualification":...,"version":...,"outcome":` and the outcome, per outcome.
    piece head[3];
    std::vector<piece> level, competence, criterion, evidence_type, credential_type;
    std::vector<piece> scorers, spread;         ///< per criterion: the check names "<id> scorers", "<id> spread"
    /// Per requirement: `"requirement":..,"kind":..`, with its `"title":..` between where its id
    /// does not name one title.
    std::vector<std::string> requirement;
    std::vector<piece> title;                   ///< `"<id>":"<title>"` per requirement, or empty
    std::vector<std::uint32_t> title_from;      ///< per requirement: whose `title` is its in `titles`, or none
    std::vector<std::vector<piece>> count_title; ///< per requirement: each `at_least` entry's title

    /// Each reason key seen so far in this rule set's decisions, numbered in the order seen, and
    /// the text of a reason with that key: `{"requirement":..,"kind":..,"check":..,"levels":[`
    /// before its levels, `],"competence":..,"status":"` after them. A rule set has few keys.
    struct key_slot {
        reason_key key;
        std::uint32_t number = none; ///< none: an empty slot
    };
    std::vector<key_slot> key_slots; ///< hash table of the keys and their numbers (power-of-2 size)
    std::vector<reason_key> keys;
    std::vector<piece> key_head, key_tail;
    std::vector<std::uint32_t> key_title; ///< per key: its requirement's title_from
    /// The text of a reason up to its found value, whole: key_head, its levels, key_tail, its
    /// status and `","found":`, made the first time a key is seen with those levels and that
    /// status (a key has few such variants), so that writing a reason's head is one copy.
    /// Only where the rules have at most 64 levels (the levels as bits of a word).
    struct head_variant {
        std::uint64_t levels;
        status result;
        std::uint32_t next; ///< the key's next variant, or none
        piece text;
    };
    bool levels_as_bits = false;
    std::size_t rule_ref_room = 0; ///< the longest text of a criterion, evidence type or credential type, and 1
    std::size_t competence_room = 0; ///< the longest competence id, quoted
    std::vector<std::uint32_t> key_variant; ///< per key: its first variant, or none
    std::vector<head_variant> variants;

    /// The head of a reason with key number `key`, levels `levels` (bits) and status `result`;
    /// empty once the rule set has max_variants (the levels a finding is found at are the
    /// candidates', not the rules': their variants are bounded so that memory is).
    static constexpr std::size_t max_variants = std::size_t{1} << 14;
    MASTERPRO_WRITE_INLINE piece reason_head(std::uint32_t key, std::uint64_t levels, status result) {
        std::uint32_t* link = &key_variant[key];
        for (; *link != none; link = &variants[*link].next) {
            const head_variant& v = variants[*link];
            if (v.levels == levels && v.result == result) return v.text;
        }
        if (variants.size() >= max_variants) return {};
        *link = static_cast<std::uint32_t>(variants.size());
        variants.push_back({levels, result, none, add_head(key, levels, result)});
        return variants.back().text;
    }

    /// The number of the key of entry `e`, found by index: a row per requirement and check, in it
    /// a cell per check argument and competence (filled as keys are seen).
    static constexpr std::uint32_t check_kinds = 16; ///< more than check_kind has
    static constexpr std::size_t max_rows = std::size_t{1} << 16, max_row = 4096; ///< (cells)
    std::vector<std::uint32_t> key_rows;  ///< per requirement * check_kinds + check: where its row starts, or none
    /// Rows: how many arguments, then per argument and competence (+ 1) the key's number or none.
    std::vector<std::uint32_t> key_cells;
    std::uint32_t competence_span = 1; ///< competences + 1 (cells per argument)

    MASTERPRO_WRITE_INLINE std::uint32_t key_number(const trace_entry& e) {
        const std::size_t row_index = std::size_t{e.requirement} * check_kinds + static_cast<std::uint8_t>(e.check);
        if (row_index < key_rows.size() && key_rows[row_index] != none) {
            const std::uint32_t* row = key_cells.data() + key_rows[row_index];
            const auto column = static_cast<std::uint32_t>(e.competence + 1); // (outside competence scope, 0)
            if (e.check_arg < row[0] && column < competence_span) {
                const std::uint32_t number = row[1 + e.check_arg * competence_span + column];
                if (number != none) return number;
            }
        }
        return key_number_slow(e);
    }
    /// key_number the first time (by the key's hash).
    MASTERPRO_WRITE_COLD std::uint32_t key_number_slow(const trace_entry& e);

    /// The number of `k`, made (with its text) the first time it is seen.
    std::uint32_t key_number(const reason_key& k) {
        const std::size_t mask = key_slots.size() - 1;
        for (std::size_t slot = k.hash() & mask;; slot = (slot + 1) & mask) {
            const key_slot& known = key_slots[slot];
            if (known.number == none) return new_key(k, slot);
            if (known.key == k) return known.number;
        }
    }

  private:
    MASTERPRO_WRITE_COLD std::uint32_t new_key(const reason_key& k, std::size_t slot);
    void add_key(const reason_key& k);
    piece add_head(std::uint32_t key, std::uint64_t levels, status result);
};

/// The check's name as JSON text (`"min_items"`), or empty for the requirement as a whole.
std::string check_json(const fragments& f, const reason_key& k) {
    switch (k.check()) {
    case check_kind::whole: return "";
    case check_kind::not_usable: return "\"not_usable\"";
    case check_kind::min_items: return "\"min_items\"";
    case check_kind::min_distinct_types: return "\"min_distinct_types\"";
    case check_kind::cover_every_criterion: return "\"cover_every_criterion\"";
    case check_kind::not_valid: return "\"not_valid\"";
    case check_kind::min_size: return "\"min_size\"";
    case check_kind::agreed_scores: return "\"agreed_scores\"";
    case check_kind::mean: return "\"mean\"";
    case check_kind::count_condition: return std::string(f.text.view(f.count_title[k.requirement()][k.check_arg()]));
    case check_kind::scorers: return std::string(f.text.view(f.scorers[k.check_arg()]));
    case check_kind::spread: return std::string(f.text.view(f.spread[k.check_arg()]));
    case check_kind::agreed:
    case check_kind::criterion_score: return std::string(f.text.view(f.criterion[k.check_arg()]));
    }
    return "";
}

void fragments::add_key(const reason_key& k) {
    keys.push_back(k);
    std::string text_before = "{" + requirement[k.requirement()];
    const std::string check = check_json(*this, k);
    if (!check.empty()) text_before += ",\"check\":" + check;
    text_before += ",\"levels\":[";
    std::string tail = "]";
    if (k.competence() >= 0) tail += ",\"competence\":" + std::string(text.view(competence[static_cast<std::size_t>(k.competence())]));
    tail += ",\"status\":\"";
    key_head.push_back(text.add(text_before));
    key_tail.push_back(text.add(tail));
    key_title.push_back(title_from[k.requirement()]);
    key_variant.push_back(none);
}

std::uint32_t fragments::key_number_slow(const trace_entry& e) {
    const std::uint32_t number = key_number(reason_key::of(e));
    const std::size_t row_index = std::size_t{e.requirement} * check_kinds + static_cast<std::uint8_t>(e.check);
    const auto column = static_cast<std::uint32_t>(e.competence + 1);
    if (row_index >= key_rows.size() || column >= competence_span) return number;
    if (key_rows[row_index] == none) {
        // As many arguments as the check can have: an `at_least` entry, a criterion, or none.
        std::uint32_t args = 1;
        switch (e.check) {
        case check_kind::count_condition:
            args = static_cast<std::uint32_t>(rules->requirements[e.requirement].counts.size());
            break;
        case check_kind::scorers:
        case check_kind::spread:
        case check_kind::agreed:
        case check_kind::criterion_score:
            args = static_cast<std::uint32_t>(rules->descriptor.criteria.size());
            break;
        default: break;
        }
        if (std::size_t{args} * competence_span > max_row) return number; // (found by hash)
        key_rows[row_index] = static_cast<std::uint32_t>(key_cells.size());
        key_cells.push_back(args);
        key_cells.resize(key_cells.size() + std::size_t{args} * competence_span, none);
    }
    std::uint32_t* row = key_cells.data() + key_rows[row_index];
    if (e.check_arg < row[0]) row[1 + e.check_arg * competence_span + column] = number;
    return number;
}

static_assert(static_cast<std::uint32_t>(check_kind::mean) < fragments::check_kinds, "a row per check kind");

std::uint32_t fragments::new_key(const reason_key& k, std::size_t slot) {
    const auto number = static_cast<std::uint32_t>(keys.size());
    add_key(k);
    if (2 * keys.size() > key_slots.size()) {
        key_slots.assign(2 * key_slots.size(), {});
        const std::size_t mask = key_slots.size() - 1;
        for (std::uint32_t n = 0; n < keys.size(); ++n) {
            std::size_t s = keys[n].hash() & mask;
            while (key_slots[s].number != none) s = (s + 1) & mask;
            key_slots[s] = {keys[n], n};
        }
    } else {
        key_slots[slot] = {k, number};
    }
    return number;
}

piece fragments::add_head(std::uint32_t key, std::uint64_t levels, status result) {
    std::string t(text.view(key_head[key]));
    bool first = true;
    for (std::size_t l = 0; levels != 0; ++l, levels >>= 1) {
        if (!(levels & 1)) continue;
        if (!first) t += ',';
        first = false;
        t += text.view(level[l]);
    }
    t += text.view(key_tail[key]);
    t += to_string(result);
    t += "\",\"found\":";
    return text.add(t);
}

/// False for a combinator whose status, when not pass, is that of a child that is not pass
/// (`all_of`, `sequence`, `when`, a competence): never a reason itself. (`at_least` and
/// `min_total` can fail with every child passed, when they ask for more than the children give.)
bool can_be_reason(const detail::requirement& r) {
    switch (r.kind) {
    case detail::requirement_kind::all_of:
    case detail::requirement_kind::sequence:
    case detail::requirement_kind::when:
    case detail::requirement_kind::competence: return false;
    default: return true;
    }
}

fragments& fragments_of(const std::shared_ptr<const detail::program>& rules) {
    thread_local fragments f;
    if (f.rules == rules.get() && !f.owner.expired()) return f;
    f = fragments{};
    const auto& q = rules->descriptor;
    auto& text = f.text;
    const auto add = [&](std::string_view s) { return text.add(quoted(s)); };
    for (const outcome o : {outcome::awarded, outcome::partial, outcome::not_awarded})
        f.head[static_cast<int>(o)] = text.add(",\"qualification\":" + quoted(q.id) + ",\"version\":" + quoted(q.version) +
                                               ",\"outcome\":" + quoted(to_string(o)));
    for (const auto& l : q.levels) f.level.push_back(add(l.id));
    for (const auto& c : q.competences) f.competence.push_back(add(c.id));
    for (const auto& k : q.criteria) {
        f.criterion.push_back(add(k.id));
        f.scorers.push_back(add(k.id + " scorers"));
        f.spread.push_back(add(k.id + " spread"));
    }
    for (const auto& t : q.evidence_types) f.evidence_type.push_back(add(t.id));
    for (const auto& t : q.credential_types) f.credential_type.push_back(add(t));
    // `titles` gives each requirement id's title once, by the first requirement with that id
    // that can be a reason. Ids are unique within a tree only: where trees share an id but not
    // its title, the reasons of those requirements carry their own `title` instead.
    const auto& requirements = rules->requirements;
    std::unordered_map<std::string_view, std::uint32_t> first_with_id;
    std::vector<std::uint8_t> one_title(requirements.size(), 1);
    for (std::uint32_t i = 0; i < requirements.size(); ++i) {
        if (!can_be_reason(requirements[i])) continue;
        const std::uint32_t first = first_with_id.emplace(requirements[i].id, i).first->second;
        if (requirements[i].title != requirements[first].title) one_title[first] = 0;
    }
    for (std::uint32_t i = 0; i < requirements.size(); ++i) {
        const auto& r = requirements[i];
        const auto found = first_with_id.find(r.id);
        const std::uint32_t first = found != first_with_id.end() && can_be_reason(r) ? found->second : i;
        const bool own = !one_title[first] && !r.title.empty();
        f.requirement.push_back("\"requirement\":" + quoted(r.id) +
                                (own ? ",\"title\":" + quoted(r.title) : "") +
                                ",\"kind\":" + quoted(detail::to_string(r.kind)));
        const bool names = i == first && one_title[i] && !r.title.empty();
        f.title.push_back(text.add(names ? quoted(r.id) + ":" + quoted(r.title) : ""));
        f.title_from.push_back(one_title[first] && !r.title.empty() ? first : none);
        f.count_title.emplace_back();
        for (const auto& c : r.counts) f.count_title.back().push_back(add(c.title));
    }
    f.key_slots.assign(64, {});
    // (Without rows for rules of very many requirements: their keys are found by hash.)
    if (requirements.size() * fragments::check_kinds <= fragments::max_rows)
        f.key_rows.assign(requirements.size() * fragments::check_kinds, none);
    f.competence_span = static_cast<std::uint32_t>(q.competences.size() + 1);
    f.levels_as_bits = q.levels.size() <= 64;
    for (const auto* pieces : {&f.criterion, &f.evidence_type, &f.credential_type})
        for (const piece p : *pieces) f.rule_ref_room = std::max(f.rule_ref_room, p.size + 1);
    for (const piece p : f.competence) f.competence_room = std::max(f.competence_room, p.size);
    f.owner = rules;
    f.rules = rules.get();
    return f;
}

// ---------------------------------------------------------------------------------------------
// Which results a decision shows as reasons.

/// The reasons of one decision: the results that decided, i.e. every trace entry that is not
/// pass and has no sub-result that is not pass (plus anything a gap names), with the same
/// finding at several levels merged into one reason.
struct reason_list {
    // Filled by find_shown. The lists only grow (from decision to decision nothing is filled
    // or cleared): what a decision does not write is not read.
    std::vector<std::uint32_t> shown;    ///< trace entries shown (as a reason or part of one), in order
    std::uint32_t shown_count = 0;       ///< how many of `shown` this decision's
    std::vector<std::uint32_t> ids_from; ///< per trace entry shown: the entry whose ids it rests on
    /// Per trace entry: the decision (stamp) whose parent made `ids_from` its own; stamped so
    /// that no decision has to clear them.
    std::vector<std::uint32_t> ids_stamp;
    std::uint32_t shown_stamp = 0; ///< this decision's, in ids_stamp
    // Filled by find_reasons.
    struct reason {
        std::uint32_t first;    ///< its first trace entry
        std::uint32_t key;      ///< its key's number (fragments::keys)
        std::uint32_t last;     ///< its last trace entry
        std::uint32_t same_key; ///< the next reason with its key, or none
        std::uint64_t levels;   ///< its levels as bits (when the rules have at most 64 levels)
        piece head;             ///< its text up to `"found":` (fragments::reason_head), or empty
    };
    std::vector<reason> reasons;
    std::uint32_t reason_count = 0; ///< how many of `reasons` this decision's
    struct entry {
        std::uint32_t number; ///< its reason
        /// The next entry of the same reason, or none: a reason's entries (and so its levels)
        /// are found from its first entry.
        std::uint32_t next;
    };
    std::vector<entry> entries; ///< per trace entry shown
    // Working memory, kept between decisions.
    struct key_state {
        std::uint32_t stamp;  ///< the decision that last saw the key
        std::uint32_t reason; ///< in that decision: the first reason with the key
    };
    std::vector<key_state> keys; ///< per key number
    std::vector<std::uint32_t> title_stamp;           ///< per requirement: its title is in `titles` already
    std::vector<std::uint32_t> titles; ///< the requirements whose titles the reasons name, in order
    std::vector<std::int16_t> levels;
    std::uint32_t stamp = 0; ///< this decision's
};

MASTERPRO_WRITE_INLINE bool same_refs(const trace_ref* refs, std::uint32_t a, std::uint32_t a_count, std::uint32_t b,
                                      std::uint32_t b_count) {
    if (a_count != b_count) return false;
    for (std::uint32_t i = 0; i < a_count; ++i)
        if (refs[a + i].kind != refs[b + i].kind || refs[a + i].index != refs[b + i].index) return false;
    return true;
}

MASTERPRO_WRITE_INLINE bool same_value(const trace_ref* refs, const detail_value& a, const detail_value& b) {
    if (a.what != b.what) return false;
    switch (a.what) {
    case detail_value::kind::none: return true;
    case detail_value::kind::number: return a.number == b.number || (std::isnan(a.number) && std::isnan(b.number));
    case detail_value::kind::phrase: return a.first == b.first;
    case detail_value::kind::refs: return same_refs(refs, a.first, a.count, b.first, b.count);
    }
    return false;
}

/// Same status, found, required and ids (requirement, check and competence are compared by
/// the caller): the same finding, whatever the level. `ids_from` as in reason_list.
MASTERPRO_WRITE_INLINE bool same_finding(const trace_entry* trace, const trace_ref* refs, const std::uint32_t* ids_from,
                                         std::uint32_t a, std::uint32_t b) {
    const trace_entry& x = trace[a];
    const trace_entry& y = trace[b];
    const trace_entry& x_ids = trace[ids_from[a]];
    const trace_entry& y_ids = trace[ids_from[b]];
    return x.result == y.result && same_value(refs, x.found, y.found) && same_value(refs, x.required, y.required) &&
           same_refs(refs, x_ids.refs_first, x_ids.refs_count, y_ids.refs_first, y_ids.refs_count);
}

/// find_shown; `Rules`: the decision has its rules (which tell combinators from the rest).
template <bool Rules> void find_shown_in(const decision& d, reason_list& r) {
    const auto n = static_cast<std::uint32_t>(d.trace.size());
    const trace_entry* trace = d.trace.data();
    const std::uint32_t* all_children = d.children.data();
    // Grown, never filled: an entry's ids_from counts only where ids_stamp says this decision
    // set it, and every entry shown gets one.
    if (r.ids_from.size() < n) {
        r.ids_from.resize(n);
        r.ids_stamp.resize(n, 0);
        r.shown.resize(n);
    }
    if (++r.shown_stamp == 0) { // after 2^32 decisions: stamps of old decisions could match again
        std::fill(r.ids_stamp.begin(), r.ids_stamp.end(), 0);
        r.shown_stamp = 1;
    }
    const std::uint32_t stamp = r.shown_stamp;
    const detail::requirement* requirements = Rules ? d.rules->requirements.data() : nullptr;
    std::uint32_t* ids_from = r.ids_from.data();
    std::uint32_t* ids_stamp = r.ids_stamp.data();
    std::uint32_t* shown = r.shown.data();
    std::uint32_t count = 0;
    // Children come after their parent: by the time an entry is reached, its parent has said
    // whose ids it rests on. What a gap names is a result without sub-results that is not
    // pass, so it is shown already.
    for (std::uint32_t i = 0; i < n; ++i) {
        const trace_entry& e = trace[i];
        // A result that passes is no reason, and the checks of a requirement that passes pass.
        if (e.result == status::pass) continue;
        if (e.children_count == 0) { // a leaf: shown
            if (ids_stamp[i] != stamp) ids_from[i] = i;
            shown[count++] = i;
            continue;
        }
        // A combinator that is not pass (`all_of`, `sequence`, `when`, a competence) has a
        // sub-result that is not pass, its status being decided by its sub-results' (as
        // docs/decisions.md says: follow a status that is not pass and it ends at reasons), and
        // its sub-results are requirements, none resting on its ids: nothing to look for there.
        if (Rules && !can_be_reason(requirements[e.requirement])) {
            assert(std::any_of(all_children + e.children_first, all_children + e.children_first + e.children_count,
                               [&](std::uint32_t c) { return trace[c].result != status::pass; }));
            continue;
        }
        bool deepest = true;
        const std::uint32_t* children = all_children + e.children_first;
        const std::uint32_t* const children_end = children + e.children_count;
        for (; children != children_end; ++children) {
            const std::uint32_t c = *children;
            const trace_entry& child = trace[c];
            if (child.result == status::pass) continue; // never shown: whose ids does not matter
            deepest = false;
            // A check that records no ids of its own (a mean, a coverage, a count of none) is
            // judged over the ids of its requirement.
            if (child.check != check_kind::whole && child.refs_count == 0) {
                ids_from[c] = i;
                ids_stamp[c] = stamp;
            }
        }
        if (!deepest) continue;
        if (ids_stamp[i] != stamp) ids_from[i] = i;
        shown[count++] = i;
    }
    r.shown_count = count;
    for (const auto& gap : d.gaps)
        for ([[maybe_unused]] std::uint32_t g : gap)
            assert(std::binary_search(shown, shown + count, g) && "a gap names a result that is not shown");
}

/// The trace entries shown and whose ids each rests on (`shown`, `ids_from`).
void find_shown(const decision& d, reason_list& r) {
    if (d.rules) find_shown_in<true>(d, r);
    else find_shown_in<false>(d, r);
}

/// find_shown, then the reasons: the same check of the same requirement and competence at
/// several levels is one reason per distinct finding, named by its first entry. The first
/// reason with a key is found through the key's number; its other findings follow in
/// `same_key`.
MASTERPRO_NOINLINE void find_reasons(const decision& d, reason_list& r, fragments& f) {
    find_shown(d, r);
    const std::size_t shown_count = r.shown_count;
    // Grown, never filled: what this decision reads it writes first.
    if (r.entries.size() < d.trace.size()) r.entries.resize(d.trace.size());
    // At most one reason per entry shown, and one new key.
    if (r.reasons.size() < shown_count) r.reasons.resize(shown_count);
    const std::size_t keys_at_most = f.keys.size() + shown_count;
    if (r.keys.size() < keys_at_most) r.keys.resize(keys_at_most, {0, none});
    r.title_stamp.resize(f.title.size(), 0);
    r.titles.clear();
    if (++r.stamp == 0) { // after 2^32 decisions: stamps of old decisions could match again
        std::fill(r.keys.begin(), r.keys.end(), reason_list::key_state{0, none});
        std::fill(r.title_stamp.begin(), r.title_stamp.end(), 0);
        r.stamp = 1;
    }
    // The lists by their memory, which nothing below moves.
    const trace_entry* trace = d.trace.data();
    const trace_ref* refs = d.refs.data();
    const std::uint32_t* ids_from = r.ids_from.data();
    reason_list::reason* reasons = r.reasons.data();
    reason_list::entry* entries = r.entries.data();
    reason_list::key_state* keys = r.keys.data();
    const bool levels_as_bits = f.levels_as_bits;
    const std::uint32_t stamp = r.stamp;
    std::uint32_t count = 0;
    const std::uint32_t* shown = r.shown.data();
    for (std::size_t s = 0; s < shown_count; ++s) {
        const std::uint32_t i = shown[s];
        const trace_entry& e = trace[i];
        const std::uint32_t key = f.key_number(e);
        // A level's bit (none outside a level; unused when the rules have more than 64).
        const std::uint64_t level = e.level >= 0 ? std::uint64_t{1} << (e.level & 63) : 0;
        reason_list::key_state& state = keys[key];
        std::uint32_t reason;
        if (state.stamp != stamp) { // the key's first reason
            reason = count++;
            state = {stamp, reason};
            reasons[reason] = {i, key, i, none, level, {}};
        } else {
            std::uint32_t* link = &state.reason;
            while (*link != none && !same_finding(trace, refs, ids_from, reasons[*link].first, i))
                link = &reasons[*link].same_key;
            reason = *link;
            if (reason == none) {
                reason = count++;
                *link = reason;
                reasons[reason] = {i, key, i, none, level, {}};
            } else {
                entries[reasons[reason].last].next = i;
                reasons[reason].last = i;
                reasons[reason].levels |= level;
            }
        }
        entries[i] = {reason, none};
    }
    r.reason_count = count;
    // The title of each requirement the reasons name, once, in the order they name it; and the
    // reasons' heads, now that their levels are known.
    std::uint32_t* title_stamp = r.title_stamp.data();
    for (std::uint32_t k = 0; k < count; ++k) {
        const std::uint32_t title = f.key_title[reasons[k].key];
        if (title != none && title_stamp[title] != stamp) {
            title_stamp[title] = stamp;
            r.titles.push_back(title);
        }
        if (levels_as_bits)
            reasons[k].head = f.reason_head(reasons[k].key, reasons[k].levels, trace[reasons[k].first].result);
    }
}

reason_list& thread_reasons() {
    thread_local reason_list r;
    return r;
}

// ---------------------------------------------------------------------------------------------
// JSON.

const char* phrase_text(std::uint32_t p) {
    switch (static_cast<phrase>(p)) {
    case phrase::no_experience_recorded: return "no experience recorded";
    case phrase::no_credentials_recorded: return "no credentials recorded";
    case phrase::pass: return "pass";
    case phrase::fail: return "fail";
    case phrase::insufficient: return "insufficient";
    }
    return "";
}

/// phrase_text as a JSON string.
std::string_view phrase_json(std::uint32_t p) {
    switch (static_cast<phrase>(p)) {
    case phrase::no_experience_recorded: return "\"no experience recorded\"";
    case phrase::no_credentials_recorded: return "\"no credentials recorded\"";
    case phrase::pass: return "\"pass\"";
    case phrase::fail: return "\"fail\"";
    case phrase::insufficient: return "\"insufficient\"";
    }
    return "\"\"";
}

/// The candidate's ids as JSON strings, each escaped the first time the decision shows it:
/// reasons name the same few items again and again.
class id_cache {
  public:
    void reset(const decision& d, const fragments& rules) {
        d_ = &d;
        rules_ = &rules;
        text_.clear();
        ref_room_ = 0;
        slots_[0].assign(d.evidence_ids.size(), {});
        slots_[1].assign(d.assessor_ids.size(), {});
        slots_[2].assign(d.assessments.size(), {});
        slots_[3].assign(d.credential_ids.size(), {});
    }
    /// At least the length of any id's text, and a comma.
    std::size_t ref_room() {
        if (ref_room_) return ref_room_;
        const decision& d = *d_;
        // Escaping makes a byte at most six ("\u001f"); an assessment is "assessor/competence@date".
        std::size_t longest = 0;
        for (const auto* ids : {&d.evidence_ids, &d.credential_ids})
            for (const std::string& id : *ids) longest = std::max(longest, id.size());
        std::size_t longest_assessor = 0;
        for (const std::string& id : d.assessor_ids) longest_assessor = std::max(longest_assessor, id.size());
        ref_room_ = 6 * std::max(longest, longest_assessor + rules_->competence_room + 12) + 3;
        return ref_room_;
    }

    escaper& escape() { return escape_; }
    /// The slots of ref kind `kind` (< 4): each id's text once escaped, empty before.
    text_arena::piece* slots(std::size_t kind) { return slots_[kind].data(); }
    /// Where the slots' text starts (until the next escape).
    const char* text() const noexcept { return text_.data(); }

    MASTERPRO_WRITE_COLD piece escape(std::size_t kind, std::uint32_t index) {
        if (kind == 2) {
            // Usually put together from the assessor's text (escaped first, kept for the
            // assessor), the competence's (the rules') and the date, copied in whole blocks.
            const auto& a = d_->assessments[index];
            piece& assessor = slots_[1][a.assessor];
            if (assessor.size == 0) assessor = escape(1, a.assessor);
            const piece competence = rules_->competence[a.competence];
            char dated[16];
            const std::size_t n = date_json(a.dated, dated);
            if (assessor.size == d_->assessor_ids[a.assessor].size() + 2 && n == 12 &&
                competence.size == d_->qualification().competences[a.competence].id.size() + 2) { // nothing escaped
                // `"assessor` `/` `competence` `@` `YYYY-MM-DD` `"`
                const std::size_t size = assessor.size + competence.size + 10;
                char* to = text_.room(size);
                copy_blocks(to, text_.data() + assessor.at, assessor.size - 1);
                to += assessor.size - 1;
                *to++ = '/';
                copy_blocks(to, rules_->text.data() + competence.at + 1, competence.size - 2);
                to += competence.size - 2;
                *to++ = '@';
                std::memcpy(to, dated + 1, 11); // the date and its closing quote
                return text_.added(size);
            }
        }
        if (kind == 2) { // an assessor or competence to escape (or a year outside 0-9999)
            const auto& a = d_->assessments[index];
            const std::string& assessor = d_->assessor_ids[a.assessor];
            const std::string& competence = d_->qualification().competences[a.competence].id;
            if (!needs_escape(assessor) && !needs_escape(competence)) {
                char dated[16];
                const std::size_t n = date_json(a.dated, dated);
                return text_.add_quoted(assessor, std::string_view("/"), competence, std::string_view("@"),
                                        std::string_view(dated + 1, n - 2));
            }
        }
        const std::string& text = kind == 0   ? d_->evidence_ids[index]
                                  : kind == 1 ? d_->assessor_ids[index]
                                  : kind == 2 ? assessment_label(index)
                                              : d_->credential_ids[index];
        if (!needs_escape(text)) return text_.add_quoted(text);
        const piece p = text_.add(escape_(text));
        escape_.trim();
        return p;
    }
    /// "assessor/competence@date", as an assessment is shown.
    const std::string& assessment_label(std::uint32_t index) {
        const auto& a = d_->assessments[index];
        char dated[16];
        const std::size_t n = date_json(a.dated, dated);
        label_.assign(d_->assessor_ids[a.assessor]);
        label_ += '/';
        label_ += d_->qualification().competences[a.competence].id;
        label_ += '@';
        label_.append(dated + 1, n - 2);
        return label_;
    }

  private:
    const decision* d_ = nullptr;
    const fragments* rules_ = nullptr; ///< of d_'s rules
    text_arena text_;
    std::vector<piece> slots_[4]; ///< per ref kind and index: its text, once escaped
    std::string label_;
    escaper escape_;
    std::size_t ref_room_ = 0; ///< 0 until ref_room() is asked
};

static_assert(static_cast<int>(ref_kind::evidence) == 0 && static_cast<int>(ref_kind::assessor) == 1 &&
              static_cast<int>(ref_kind::assessment) == 2 && static_cast<int>(ref_kind::credential) == 3,
              "id_cache's slots are indexed by ref kind");

/// What a decision is rendered with: the decision, its rules' fragments, working memory.
struct render {
    const decision& d;
    const fragments& f;
    id_cache& ids;
};

/// What reasons are written from, by their memory: loaded once, not again after every write of
/// text (which, as far as the compiler knows, could change any of it).
struct reason_view {
    const trace_entry* trace;
    const trace_ref* refs;
    const char* text; ///< the fragments' arena
    const piece* level;
    const piece* rule_refs[3]; ///< criterion, evidence_type, credential_type
    const piece* key_head;
    const piece* key_tail;
    const reason_list::reason* reasons;
    const reason_list::entry* entries;
    const std::uint32_t* ids_from;
    std::size_t ref_room; ///< at least the length of any ref's text, and a comma
    id_cache* ids;
    piece* id_slots[4]; ///< evidence, assessor, assessment, credential
    const char* id_text;

    reason_view(const decision& d, const fragments& f, const reason_list& r, id_cache& cache)
        : trace(d.trace.data()), refs(d.refs.data()), text(f.text.data()), level(f.level.data()),
          rule_refs{f.criterion.data(), f.evidence_type.data(), f.credential_type.data()},
          key_head(f.key_head.data()), key_tail(f.key_tail.data()), reasons(r.reasons.data()),
          entries(r.entries.data()), ids_from(r.ids_from.data()),
          ref_room(std::max(f.rule_ref_room, cache.ref_room())), ids(&cache),
          id_slots{cache.slots(0), cache.slots(1), cache.slots(2), cache.slots(3)}, id_text(cache.text()) {}
};

static_assert(static_cast<int>(ref_kind::criterion) == 4 && static_cast<int>(ref_kind::evidence_type) == 5 &&
              static_cast<int>(ref_kind::credential_type) == 6, "reason_view::rule_refs is indexed by ref kind");

/// The id of a ref, escaped the first time the decision shows it.
MASTERPRO_WRITE_INLINE piece& id_slot(reason_view& v, std::size_t kind, std::uint32_t index) {
    piece& slot = v.id_slots[kind][index];
    if (slot.size == 0) { // a JSON string is never empty
        slot = v.ids->escape(kind, index);
        v.id_text = v.ids->text();
    }
    return slot;
}

template <class Out> MASTERPRO_WRITE_INLINE void write_ref(reason_view& v, Out& out, const trace_ref& ref) {
    const auto kind = static_cast<std::size_t>(ref.kind);
    if (kind < 4) {
        // The slot first: escaping an id may move the text that id_text points into.
        const piece slot = id_slot(v, kind, ref.index);
        out.put(v.id_text, slot);
        return;
    }
    out.put(v.text, v.rule_refs[kind - 4][ref.index]);
}

/// At least the length of write_value's text, `ref_room` at least that of any ref.
MASTERPRO_WRITE_INLINE std::size_t value_room(const detail_value& value, std::size_t ref_room) {
    if (value.what != detail_value::kind::refs) return 32; // a number, a phrase, null
    return 2 + value.count * ref_room;
}

template <class Out> MASTERPRO_WRITE_INLINE void write_value(reason_view& v, Out& out, const detail_value& value) {
    switch (value.what) {
    case detail_value::kind::number: out.put_number(value.number); return;
    case detail_value::kind::phrase: out.put(phrase_json(value.first)); return;
    case detail_value::kind::refs: {
        out.put('[');
        const trace_ref* refs = v.refs + value.first;
        for (std::uint32_t i = 0; i < value.count; ++i) {
            if (i) out.put(',');
            write_ref(v, out, refs[i]);
        }
        out.put(']');
        return;
    }
    case detail_value::kind::none: out.put("null"); return;
    }
}

/// The JSON key ids of a kind are listed under; also the order of the groups in a reason.
int id_group(ref_kind k) {
    switch (k) {
    case ref_kind::assessor: return 1;
    case ref_kind::assessment: return 2;
    case ref_kind::credential: return 3;
    default: return 0;
    }
}

constexpr std::string_view id_keys[] = {"\"evidence\"", "\"assessors\"", "\"assessments\"", "\"credentials\""};

/// The ids an entry rests on, grouped by kind (`,"evidence":[...]`, ...), groups in the order
/// their first id appears.
template <class Out> MASTERPRO_WRITE_INLINE void write_ids(reason_view& v, Out& out, const trace_entry& e) {
    const std::uint32_t count = e.refs_count;
    const trace_ref* refs = v.refs + e.refs_first;
    unsigned written = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        const int group = id_group(refs[i].kind);
        if (written & (1U << group)) continue;
        written |= 1U << group;
        switch (group) {
        case 0: out.put(",\"evidence\":["); break;
        case 1: out.put(",\"assessors\":["); break;
        case 2: out.put(",\"assessments\":["); break;
        default: out.put(",\"credentials\":["); break;
        }
        write_ref(v, out, refs[i]);
        for (std::uint32_t j = i + 1; j < count; ++j) {
            if (id_group(refs[j].kind) != group) continue;
            out.put(',');
            write_ref(v, out, refs[j]);
        }
        out.put(']');
    }
}

/// A reason's levels, sorted, each once: those of its entries (in trace order).
MASTERPRO_WRITE_INLINE void write_levels(reason_view& v, json_out& out, reason_list& reasons, std::uint32_t first) {
    const trace_entry* trace = v.trace;
    if (v.entries[first].next == none) { // one entry, the usual case
        const std::int16_t level = trace[first].level;
        if (level >= 0) out.put(v.text, v.level[static_cast<std::size_t>(level)]);
        return;
    }
    // A few levels on the stack; any number in `reasons.levels`.
    std::int16_t few[8];
    std::int16_t* levels = few;
    std::size_t count = 0;
    for (std::uint32_t i = first; i != none; i = v.entries[i].next) {
        if (count == std::size(few)) {
            reasons.levels.assign(few, few + count);
            for (; i != none; i = v.entries[i].next) reasons.levels.push_back(trace[i].level);
            levels = reasons.levels.data();
            count = reasons.levels.size();
            break;
        }
        few[count++] = trace[i].level;
    }
    if (count <= std::size(few)) { // few, and mostly in order already: an insertion sort
        for (std::size_t l = 1; l < count; ++l)
            for (std::size_t m = l; m > 0 && levels[m] < levels[m - 1]; --m) std::swap(levels[m], levels[m - 1]);
    } else {
        std::sort(levels, levels + count);
    }
    bool written = false;
    for (std::size_t l = 0; l < count; ++l) {
        if (levels[l] < 0 || (l && levels[l] == levels[l - 1])) continue;
        if (written) out.put(',');
        out.put(v.text, v.level[static_cast<std::size_t>(levels[l])]);
        written = true;
    }
}

/// A reason (after a comma unless it is the first). The usual reason, a few hundred bytes, is
/// written into room reserved for it whole, without a check per piece.
MASTERPRO_WRITE_INLINE void write_reason(reason_view& v, json_out& out, reason_list& reasons, std::size_t k) {
    const std::uint32_t i = v.reasons[k].first;
    const trace_entry& e = v.trace[i];
    const trace_entry& ids = v.trace[v.ids_from[i]];
    const piece head = v.reasons[k].head;
    if (head.size != 0) { // (a head is never empty text)
        // The comma, head, found, `,"required":`, required, ids (at most four groups' keys and
        // brackets, a comma after each id) and `}`.
        const std::size_t ref_room = v.ref_room;
        const std::size_t room = 1 + head.size + value_room(e.found, ref_room) + 12 + value_room(e.required, ref_room) +
                                 64 + ids.refs_count * ref_room + 1;
        if (room <= json_out::block) {
            raw_out raw{out.reserve(room)};
            if (k) raw.put(',');
            raw.put(v.text, head);
            if (e.found.what == detail_value::kind::number && e.required.what == detail_value::kind::number) {
                raw.put_number(e.found.number); // the usual counts
                raw.put(",\"required\":");
                raw.put_number(e.required.number);
            } else {
                write_value(v, raw, e.found);
                raw.put(",\"required\":");
                write_value(v, raw, e.required);
            }
            write_ids(v, raw, ids);
            raw.put('}');
            assert(static_cast<std::size_t>(raw.at - out.reserve(0)) <= room);
            out.written(raw.at);
            return;
        }
    }
    if (k) out.put(',');
    if (head.size != 0) {
        out.put(v.text, head);
    } else {
        const std::uint32_t key = v.reasons[k].key;
        out.put(v.text, v.key_head[key]);
        write_levels(v, out, reasons, i);
        out.put(v.text, v.key_tail[key]);
        switch (e.result) {
        case status::pass: out.put("pass\",\"found\":"); break;
        case status::fail: out.put("fail\",\"found\":"); break;
        case status::insufficient: out.put("insufficient\",\"found\":"); break;
        }
    }
    write_value(v, out, e.found);
    out.put(",\"required\":");
    write_value(v, out, e.required);
    write_ids(v, out, ids);
    out.put('}');
}

/// `,"reasons":[...],"gaps":{...},"titles":{...}`.
MASTERPRO_WRITE_INLINE void write_reasons(const render& r, json_out& out, fragments& f) {
    const decision& d = r.d;
    reason_list& reasons = thread_reasons();
    find_reasons(d, reasons, f);
    reason_view v(d, f, reasons, r.ids);
    out.put(",\"reasons\":[");
    const std::size_t count = reasons.reason_count;
    for (std::size_t k = 0; k < count; ++k) write_reason(v, out, reasons, k);
    out.put("],\"gaps\":{");
    bool first = true;
    for (std::size_t l = 0; l < d.gaps.size(); ++l) {
        if (d.level_status[l] == status::pass) continue;
        if (!first) out.put(',');
        first = false;
        out.put(f.text, f.level[l]);
        out.put(":[");
        const std::uint32_t* gap = d.gaps[l].data();
        const std::size_t gap_count = d.gaps[l].size();
        for (std::size_t g = 0; g < gap_count; ++g) {
            if (g) out.put(',');
            out.put_uint(v.entries[gap[g]].number);
        }
        out.put(']');
    }
    out.put("},\"titles\":{");
    for (std::size_t t = 0; t < reasons.titles.size(); ++t) {
        if (t) out.put(',');
        out.put(f.text, f.title[reasons.titles[t]]);
    }
    out.put('}');
}

MASTERPRO_WRITE_INLINE void write_status(json_out& out, status s) {
    switch (s) {
    case status::pass: out.put(":\"pass\""); return;
    case status::fail: out.put(":\"fail\""); return;
    case status::insufficient: out.put(":\"insufficient\""); return;
    }
}

MASTERPRO_WRITE_INLINE void write_decision(const render& r, json_out& out, fragments& f, const decision_json_options& options) {
    const decision& d = r.d;
    out.put("{\"id\":");
    if (needs_escape(d.candidate_id)) {
        out.put(r.ids.escape()(d.candidate_id));
    } else {
        out.put('"');
        out.put(d.candidate_id);
        out.put('"');
    }
    out.put(",\"as_of\":");
    out.put_date(d.as_of);
    out.put(f.text, f.head[static_cast<int>(d.outcome)]);
    out.put(",\"level\":");
    if (d.level) out.put(f.text, f.level[*d.level]);
    else out.put("null");
    out.put(",\"partial\":[");
    for (std::size_t i = 0; i < d.partial.size(); ++i) {
        if (i) out.put(',');
        out.put(f.text, f.competence[d.partial[i]]);
    }
    out.put("],\"valid_until\":");
    if (d.valid_until) out.put_date(*d.valid_until);
    else out.put("null");
    out.put(",\"levels\":{");
    for (std::size_t l = 0; l < d.level_status.size(); ++l) {
        if (l) out.put(',');
        out.put(f.text, f.level[l]);
        write_status(out, d.level_status[l]);
    }
    out.put("},\"competences\":{");
    for (std::size_t l = 0; l < d.competence_status.size(); ++l) {
        if (l) out.put(',');
        out.put(f.text, f.level[l]);
        out.put(":{");
        for (std::size_t c = 0; c < d.competence_status[l].size(); ++c) {
            if (c) out.put(',');
            out.put(f.text, f.competence[c]);
            write_status(out, d.competence_status[l][c]);
        }
        out.put('}');
    }
    out.put('}');
    if (options.reasons) write_reasons(r, out, f);
    if (options.explanation) {
        out.put(",\"explanation\":");
        out.put(r.ids.escape()(explain(d)));
    }
    out.put('}');
    r.ids.escape().trim();
}

// ---------------------------------------------------------------------------------------------
// Text.

// Each piece of text is appended to the one string being written, without strings of its own.

/// `YYYY-MM-DD`.
void append_date(std::string& s, date d) {
    char text[16];
    const std::size_t n = date_json(d, text);
    if (n == 12) s.append(text + 1, 10);
    else s += to_string(d); // a year outside 0-9999
}

void append_ref(std::string& s, const decision& d, const trace_ref& r) {
    const auto& q = d.qualification();
    switch (r.kind) {
    case ref_kind::evidence: s += d.evidence_ids[r.index]; return;
    case ref_kind::assessor: s += d.assessor_ids[r.index]; return;
    case ref_kind::credential: s += d.credential_ids[r.index]; return;
    case ref_kind::assessment: {
        const auto& a = d.assessments[r.index];
        s += d.assessor_ids[a.assessor];
        s += '/';
        s += q.competences[a.competence].id;
        s += '@';
        append_date(s, a.dated);
        return;
    }
    case ref_kind::criterion: s += q.criteria[r.index].id; return;
    case ref_kind::evidence_type: s += q.evidence_types[r.index].id; return;
    case ref_kind::credential_type: s += q.credential_types[r.index]; return;
    }
}

/// True when detail_text would write nothing.
bool detail_empty(const detail_value& v) {
    return v.what == detail_value::kind::none || (v.what == detail_value::kind::phrase && *phrase_text(v.first) == 0);
}

/// A value found or required, in words: a number with 4 significant digits, ids (`none` if
/// none), a phrase.
void append_detail(std::string& s, const decision& d, const detail_value& v) {
    switch (v.what) {
    case detail_value::kind::number: {
        char text[32];
        const double n = v.number;
        // Whole numbers below 10^4 as printf's %.4g writes them, without asking it.
        if (n > -1e4 && n < 1e4 && n == static_cast<double>(static_cast<int>(n)) && !(n == 0 && std::signbit(n))) {
            const auto digits = rapidjson::internal::i32toa(static_cast<int>(n), text);
            s.append(text, static_cast<std::size_t>(digits - text));
            return;
        }
        std::snprintf(text, sizeof text, "%.4g", n);
        s += text;
        return;
    }
    case detail_value::kind::phrase: s += phrase_text(v.first); return;
    case detail_value::kind::refs:
        if (v.count == 0) s += "none";
        for (std::uint32_t i = 0; i < v.count; ++i) {
            if (i) s += ", ";
            append_ref(s, d, d.refs[v.first + i]);
        }
        return;
    case detail_value::kind::none: return;
    }
}

/// The name of the check an entry records (nothing for the requirement as a whole).
void append_check_name(std::string& s, const decision& d, const trace_entry& e) {
    const auto& q = d.qualification();
    switch (e.check) {
    case check_kind::whole: return;
    case check_kind::not_usable: s += "not_usable"; return;
    case check_kind::min_items: s += "min_items"; return;
    case check_kind::min_distinct_types: s += "min_distinct_types"; return;
    case check_kind::count_condition: s += d.rules->requirements[e.requirement].counts[e.check_arg].title; return;
    case check_kind::cover_every_criterion: s += "cover_every_criterion"; return;
    case check_kind::not_valid: s += "not_valid"; return;
    case check_kind::min_size: s += "min_size"; return;
    case check_kind::scorers: s += q.criteria[e.check_arg].id; s += " scorers"; return;
    case check_kind::spread: s += q.criteria[e.check_arg].id; s += " spread"; return;
    case check_kind::agreed: s += q.criteria[e.check_arg].id; return;
    case check_kind::agreed_scores: s += "agreed_scores"; return;
    case check_kind::criterion_score: s += q.criteria[e.check_arg].id; return;
    case check_kind::mean: s += "mean"; return;
    }
}

/// One result in words; `ids` is the entry whose ids it rests on.
void append_entry(std::string& s, const decision& d, const trace_entry& e, const trace_entry& ids) {
    const auto& q = d.qualification();
    const auto& r = d.rules->requirements[e.requirement];
    if (e.competence >= 0) {
        const auto& c = q.competences[static_cast<std::size_t>(e.competence)];
        s += c.id;
        s += " (";
        s += c.title;
        s += ") at ";
        s += q.levels[static_cast<std::size_t>(e.level)].id;
        s += ": ";
    }
    s += r.id;
    if (!r.title.empty()) {
        s += ' ';
        s += r.title;
    }
    if (e.check != check_kind::whole) {
        s += " [";
        append_check_name(s, d, e);
        s += ']';
    }
    s += " is ";
    s += to_string(e.result);
    const bool no_found = detail_empty(e.found), no_required = detail_empty(e.required);
    if (!no_found || !no_required) {
        s += ": found ";
        if (no_found) s += "nothing";
        else append_detail(s, d, e.found);
    }
    if (!no_required) {
        s += ", required ";
        append_detail(s, d, e.required);
    }
    const trace_ref* refs = d.refs.data() + ids.refs_first;
    unsigned written = 0;
    for (std::uint32_t i = 0; i < ids.refs_count; ++i) {
        const int group = id_group(refs[i].kind);
        if (written & (1U << group)) continue;
        written |= 1U << group;
        const auto key = id_keys[group];
        s += "; ";
        s += key.substr(1, key.size() - 2);
        s += ' ';
        for (std::uint32_t j = i, n = 0; j < ids.refs_count; ++j) {
            if (id_group(refs[j].kind) != group) continue;
            if (n++) s += ", ";
            append_ref(s, d, refs[j]);
        }
    }
}

} // namespace

void append_json(std::string& out, const decision& d, const decision_json_options& options) {
    thread_local id_cache ids;
    fragments& f = fragments_of(d.rules);
    ids.reset(d, f);
    const std::size_t before = out.size();
    try {
        json_sink sink{out, block_memory()};
        json_out text(sink);
        write_decision(render{d, f, ids}, text, f, options);
        text.finish();
    } catch (...) {
        out.resize(before); // nothing of a decision that could not be rendered whole
        throw;
    }
}

std::string to_json(const decision& d, const decision_json_options& options) {
    std::string s;
    append_json(s, d, options);
    return s;
}

std::string explain(const decision& d) {
    const auto& q = d.rules->descriptor;
    std::string s;
    s.reserve(4096);
    s += "Candidate ";
    s += d.candidate_id;
    s += ", ";
    s += q.title;
    s += " (";
    s += q.id;
    s += ' ';
    s += q.version;
    s += "), as of ";
    append_date(s, d.as_of);
    s += ": ";
    if (d.outcome == outcome::awarded) {
        const auto& l = q.levels[*d.level];
        s += "awarded ";
        s += l.id;
        if (!l.title.empty()) {
            s += " (";
            s += l.title;
            s += ')';
        }
        s += ", LTQF " + std::to_string(l.ltqf) + " / EQF " + std::to_string(l.eqf);
        if (d.valid_until) {
            s += ", valid until ";
            append_date(s, *d.valid_until);
        }
        s += ".\n";
    } else if (d.outcome == outcome::partial) {
        s += "partial award of";
        for (std::size_t i = 0; i < d.partial.size(); ++i) {
            s += i ? ", " : " ";
            s += q.competences[d.partial[i]].id;
        }
        s += " (no level reached).\n";
    } else {
        s += "not awarded.\n";
    }
    for (std::size_t l = 0; l < d.level_status.size(); ++l) {
        s += "Level ";
        s += q.levels[l].id;
        s += ": ";
        s += to_string(d.level_status[l]);
        s += ". Competences:";
        const std::size_t count = d.competence_status[l].size();
        for (std::size_t c = 0; c < count; ++c) {
            s += ' ';
            s += q.competences[c].id;
            s += ' ';
            s += to_string(d.competence_status[l][c]);
            s += c + 1 < count ? ',' : '.';
        }
        s += '\n';
    }
    reason_list& reasons = thread_reasons();
    find_shown(d, reasons);
    for (std::size_t l = 0; l < d.gaps.size(); ++l) {
        if (d.level_status[l] == status::pass) continue;
        s += "What stands between the candidate and ";
        s += q.levels[l].id;
        s += ":\n";
        for (std::uint32_t i : d.gaps[l]) {
            s += "  - ";
            append_entry(s, d, d.trace[i], d.trace[reasons.ids_from[i]]);
            s += '\n';
        }
    }
    return s;
}

void keep_reasons_only(decision& d) {
    reason_list& r = thread_reasons();
    find_shown(d, r);
    thread_local std::vector<trace_ref> refs;
    refs.clear();
    const auto copy = [&](std::uint32_t first, std::uint32_t count) {
        const auto at = static_cast<std::uint32_t>(refs.size());
        refs.insert(refs.end(), d.refs.begin() + first, d.refs.begin() + first + count);
        return at;
    };
    std::vector<trace_entry> trace;
    trace.reserve(r.shown_count);
    // The old index of each kept entry maps to its new one.
    thread_local std::vector<std::uint32_t> new_index;
    new_index.resize(d.trace.size());
    for (std::uint32_t s = 0; s < r.shown_count; ++s) {
        const std::uint32_t i = r.shown[s];
        const trace_entry& old = d.trace[i];
        const trace_entry& ids = d.trace[r.ids_from[i]];
        trace_entry e = old;
        e.children_first = e.children_count = 0;
        const bool found_ids = old.found.what == detail_value::kind::refs;
        if (found_ids) e.found.first = copy(old.found.first, old.found.count);
        if (old.required.what == detail_value::kind::refs)
            e.required.first = copy(old.required.first, old.required.count);
        e.refs_count = ids.refs_count;
        if (ids.refs_count == 0) e.refs_first = 0;
        else if (found_ids && ids.refs_first == old.found.first && ids.refs_count == old.found.count)
            e.refs_first = e.found.first; // the same ids, shared as before
        else e.refs_first = copy(ids.refs_first, ids.refs_count);
        new_index[i] = static_cast<std::uint32_t>(trace.size());
        trace.push_back(e);
    }
    for (auto& gap : d.gaps) {
        for (auto& i : gap) i = new_index[i];
        gap.shrink_to_fit();
    }
    d.trace = std::move(trace);
    d.refs.assign(refs.begin(), refs.end());
    d.refs.shrink_to_fit();
    decltype(d.children)().swap(d.children);
    decltype(d.level_roots)().swap(d.level_roots);
    decltype(d.competence_roots)().swap(d.competence_roots);
    d.evidence_ids.shrink_to_fit();
    d.assessor_ids.shrink_to_fit();
    d.credential_ids.shrink_to_fit();
    d.assessments.shrink_to_fit();
    d.partial.shrink_to_fit();
    d.level_status.shrink_to_fit();
    d.gaps.shrink_to_fit();
    if (refs.capacity() > (std::size_t{1} << 16)) decltype(refs)().swap(refs);
    if (new_index.capacity() > (std::size_t{1} << 16)) decltype(new_index)().swap(new_index);
}

std::string to_json(const error& e) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("category");
    w.String(to_string(e.category));
    w.Key("message");
    w.String(e.message.data(), static_cast<rapidjson::SizeType>(e.message.size()));
    if (!e.where.file.empty()) {
        w.Key("file");
        w.String(e.where.file.data(), static_cast<rapidjson::SizeType>(e.where.file.size()));
    }
    if (e.where.line) {
        w.Key("line");
        w.Uint64(e.where.line);
    }
    if (e.where.column) {
        w.Key("column");
        w.Uint64(e.where.column);
    }
    w.Key("pointer");
    w.String(e.where.pointer.data(), static_cast<rapidjson::SizeType>(e.where.pointer.size()));
    if (!e.where.path.empty()) {
        w.Key("path");
        w.String(e.where.path.data(), static_cast<rapidjson::SizeType>(e.where.path.size()));
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

} // namespace masterpro
