// A vocabulary's ids by text for reading records: one probe, the hash chosen at load to give each
// id a slot.
#pragma once

#include "jsonlogic_layout.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace masterpro::detail {

class id_table {
  public:
    /// Indexes `texts` (which must outlive the table), each by its position; a text listed
    /// twice keeps its first position.
    void assign(const std::vector<std::string_view>& texts);

    /// The position of `s[0, n)`, or -1.
    MASTERPRO_HOT_INLINE std::int32_t find(const char* s, std::size_t n) const noexcept {
        return find(text_head::of(s, n), s, n);
    }
    /// find() for a text followed by at least 16 readable bytes.
    MASTERPRO_HOT_INLINE std::int32_t find_padded(const char* s, std::size_t n) const noexcept {
        return find(text_head::of_padded(s, n), s, n);
    }
    /// Whether each text has a slot of its own (else lookups go through a chained table).
    bool one_probe() const noexcept { return one_probe_; }

  private:
    struct entry {
        text_head head;
        std::string_view text;
        std::int32_t id;
    };
    /// The slot of s[0, n) with head `head`. Past 16 bytes, the last 8 count too (texts alike
    /// in all three share a slot, and the table falls back to chaining).
    std::size_t slot(const text_head& head, const char* s, std::size_t n) const noexcept {
        std::uint64_t mixed = head.low ^ (head.high * 0x9E3779B97F4A7C15ULL) ^ n;
        if (n > 16)
            mixed ^= text_head::load8(s + n - 8) * 0xC2B2AE3D27D4EB4FULL;
        return static_cast<std::size_t>((mixed * seed_) >> shift_);
    }
    MASTERPRO_HOT_INLINE std::int32_t find(const text_head& head, const char* s,
                                           std::size_t n) const noexcept {
        if (!one_probe_)
            return chained_.find(s, n);
        const std::int32_t e = slots_[slot(head, s, n)];
        if (e < 0)
            return -1;
        const entry& x = entries_[static_cast<std::size_t>(e)];
        if (x.head == head && x.text.size() == n &&
            (n <= 16 || std::memcmp(x.text.data() + 16, s + 16, n - 16) == 0))
            return x.id;
        return -1;
    }

    std::vector<entry> entries_;
    std::vector<std::int32_t> slots_ = std::vector<std::int32_t>(2, -1); ///< entry, or -1
    std::uint64_t seed_ = 1;
    unsigned shift_ = 63; ///< 64 - log2(slots_.size())
    bool one_probe_ = true;
    text_table chained_; ///< used when no hash tried gives each text its own slot
};

} // namespace masterpro::detail
