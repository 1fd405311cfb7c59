// The layout of JsonLogic data for one compiled rule: which parts of the data the rule can read,
// so that loading keeps only those, with object members in fixed slots (a `var` reads a slot, not
// a name) and strings interned against the rule's string constants (equality is an integer
// comparison).
#pragma once

#include "expression.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace masterpro::detail {

/// For the few small functions of the loading loops that the compiler would otherwise call.
#if defined(__GNUC__)
#define MASTERPRO_HOT_INLINE __attribute__((always_inline)) inline
#else
#define MASTERPRO_HOT_INLINE inline
#endif

/// Zero bytes after loaded data text, so that a string's first 16 bytes can be read at once.
constexpr std::size_t text_padding = 16;

/// A text's first 16 bytes (zero beyond its end) as two integers: texts of equal length and
/// head need comparing only beyond 16 bytes.
struct text_head {
    std::uint64_t low = 0, high = 0;
    bool operator==(const text_head& o) const noexcept { return low == o.low && high == o.high; }

    /// Reads only the text's own bytes (overlapping fixed-size loads, no call to memcpy).
    MASTERPRO_HOT_INLINE static text_head of(const char* s, std::size_t n) noexcept {
        text_head h;
        if (n >= 16) {
            h.low = load8(s);
            h.high = load8(s + 8);
        } else if (n > 8) {
            h.low = load8(s);
            h.high = load8(s + n - 8) >> (8 * (16 - n));
        } else if (n == 8) {
            h.low = load8(s);
        } else if (n >= 4) {
            const std::uint64_t first = load4(s), last = load4(s + n - 4);
            h.low = first | ((last >> (8 * (8 - n))) << 32);
        } else if (n > 0) {
            h.low = static_cast<unsigned char>(s[0]);
            if (n > 1) h.low |= std::uint64_t{static_cast<unsigned char>(s[1])} << 8;
            if (n > 2) h.low |= std::uint64_t{static_cast<unsigned char>(s[2])} << 16;
        }
        return h;
    }
    static std::uint64_t load8(const char* s) noexcept {
        std::uint64_t v;
        std::memcpy(&v, s, 8);
        return v;
    }
    static std::uint64_t load4(const char* s) noexcept {
        std::uint32_t v;
        std::memcpy(&v, s, 4);
        return v;
    }
    /// Reads 16 bytes whatever the length: `s` must have 16 readable bytes (text_padding).
    static text_head of_padded(const char* s, std::size_t n) noexcept {
        text_head h;
        std::memcpy(&h.low, s, 8);
        std::memcpy(&h.high, s + 8, 8);
        if (n < 8) {
            h.low &= (std::uint64_t{1} << (8 * n)) - 1;
            h.high = 0;
        } else if (n < 16) {
            h.high &= (std::uint64_t{1} << (8 * (n - 8))) - 1;
        }
        return h;
    }
};

/// A set of texts to look strings up in while data loads: texts are hashed by length and head
/// into buckets (at least twice as many as texts), so a lookup usually compares one head (two
/// integers) and no bytes.
class text_table {
  public:
    /// Adds `text` (which must outlive the table) as `id`.
    void add(std::string_view text, std::int32_t id) {
        lengths_ |= std::uint64_t{1} << std::min<std::size_t>(text.size(), 63);
        entries_.push_back({text_head::of(text.data(), text.size()), text, id, -1});
        if (entries_.size() * 2 > buckets_.size()) {
            rehash(buckets_.size() * 2);
        } else {
            place(entries_.size() - 1);
        }
    }
    /// The id of `text`, or -1.
    MASTERPRO_HOT_INLINE std::int32_t find(const char* s, std::size_t n) const noexcept {
        return holds_length(n) ? find(text_head::of(s, n), s, n) : -1;
    }
    /// find() for a text followed by at least 16 readable bytes.
    std::int32_t find_padded(const char* s, std::size_t n) const noexcept {
        return holds_length(n) ? find(text_head::of_padded(s, n), s, n) : -1;
    }
    /// Whether some text of the table has length `n` (lengths past 62 are not told apart).
    bool holds_length(std::size_t n) const noexcept { return (lengths_ >> std::min<std::size_t>(n, 63)) & 1U; }
    std::size_t size() const noexcept { return entries_.size(); }

  private:
    struct entry {
        text_head head;
        std::string_view text;
        std::int32_t id;
        std::int32_t next; ///< the next entry of the same bucket, or -1
    };
    std::size_t bucket(const text_head& head, std::size_t n) const noexcept {
        const std::uint64_t mixed = (head.low ^ (head.high * 0x9E3779B97F4A7C15ULL) ^ n) * 0xC2B2AE3D27D4EB4FULL;
        return static_cast<std::size_t>(mixed >> 32) & (buckets_.size() - 1);
    }
    void place(std::size_t e) {
        entry& x = entries_[e];
        std::int32_t& first = buckets_[bucket(x.head, x.text.size())];
        x.next = first;
        first = static_cast<std::int32_t>(e);
    }
    void rehash(std::size_t count) {
        buckets_.assign(count, -1);
        for (std::size_t e = 0; e < entries_.size(); ++e) place(e);
    }
    MASTERPRO_HOT_INLINE std::int32_t find(const text_head& head, const char* s, std::size_t n) const noexcept {
        for (std::int32_t e = buckets_[bucket(head, n)]; e >= 0;) {
            const entry& x = entries_[static_cast<std::size_t>(e)];
            if (x.head == head && x.text.size() == n && (n <= 16 || std::memcmp(x.text.data() + 16, s + 16, n - 16) == 0))
                return x.id;
            e = x.next;
        }
        return -1;
    }
    std::vector<entry> entries_;
    std::uint64_t lengths_ = 0; ///< bit min(length, 63) set for each text's length
    std::vector<std::int32_t> buckets_ = std::vector<std::int32_t>(16, -1); ///< a power of two
};

/// What the rule reads of the values at one place of the data.
struct data_shape {
    /// The rule uses the values here as a whole (returns, compares, joins them): keep them
    /// entire, members in their order, everything below them too.
    bool whole = false;
    /// Objects here keep only these members, in these slots (absent ones as absent members).
    std::vector<std::string> keys;
    std::vector<std::int32_t> children; ///< the shape of each key's value
    /// The shape of array elements here; -1: the rule reads no element (arrays are kept empty).
    std::int32_t element = -1;
    std::int32_t parent = -1;
    /// A scope the evaluator makes (reduce's {current, accumulator}), never loaded: its
    /// members are always in slot order.
    bool made = false;
    /// Loaded entire: this shape or one above it is `whole`.
    bool kept_whole = false;
    /// How loading treats the value of each key and of array elements (filled when planning
    /// ends): a shape index, or one of the codes below.
    std::vector<std::int32_t> load_children;
    std::int32_t load_element = -2;
    static constexpr std::int32_t load_entire = -1;
    static constexpr std::int32_t load_skip = -2;
    /// `keys` for lookups while loading (filled when planning ends).
    text_table slots;

    std::int32_t slot_of(std::string_view key) const noexcept {
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return static_cast<std::int32_t>(i);
        return -1;
    }
};

/// The layout of a rule's data, planned once when the rule is compiled.
struct data_layout {
    /// false: the rule reads the data in ways not known before it runs (a computed `var` path):
    /// data is loaded entire and read by name.
    bool laid_out = false;
    std::vector<data_shape> shapes; ///< [0]: the data's root
    /// The rule's string constants: text → atom (>= 2) for value::atom.
    text_table atoms;
    /// Per atom (>= 2): its text, which lives as long as the rule's pool.
    std::vector<const char*> atom_texts;

    /// The atom a string of the data gets: its constant's, or 1 when it equals none.
    MASTERPRO_HOT_INLINE std::uint16_t atom_of(const char* s, std::size_t n) const noexcept {
        const std::int32_t a = atoms.find(s, n);
        return a < 0 ? 1 : static_cast<std::uint16_t>(a);
    }
    /// atom_of for a string followed by at least 16 readable bytes. `s` is
    /// followed by at least 16 readable bytes.
    std::uint16_t atom_of_padded(const char* s, std::size_t n) const noexcept {
        const std::int32_t a = atoms.find_padded(s, n);
        return a < 0 ? 1 : static_cast<std::uint16_t>(a);
    }
};

/// Plans the layout of the data `root` (a JsonLogic expression of `pool`) reads, fills
/// pool.path_slots, and gives the pool's string constants their atoms.
data_layout plan_layout(expr_pool& pool, std::int32_t root);

} // namespace masterpro::detail
