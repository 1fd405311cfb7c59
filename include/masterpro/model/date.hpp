// Calendar dates and durations as small values; year arithmetic as the MASTER-PRO spec defines it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace masterpro {

/// A calendar day, stored as days since 1970-01-01 so that comparisons and differences are
/// integer operations.
struct date {
    std::int32_t days = 0;

    friend constexpr bool operator==(date a, date b) noexcept { return a.days == b.days; }
    friend constexpr bool operator!=(date a, date b) noexcept { return a.days != b.days; }
    friend constexpr bool operator<(date a, date b) noexcept { return a.days < b.days; }
    friend constexpr bool operator<=(date a, date b) noexcept { return a.days <= b.days; }
    friend constexpr bool operator>(date a, date b) noexcept { return a.days > b.days; }
    friend constexpr bool operator>=(date a, date b) noexcept { return a.days >= b.days; }
};

/// A calendar duration: years and months shift the calendar, days count days.
struct duration {
    std::int32_t years = 0;
    std::int32_t months = 0;
    std::int32_t days = 0;

    friend constexpr bool operator==(duration a, duration b) noexcept {
        return a.years == b.years && a.months == b.months && a.days == b.days;
    }
};

/// Parses a strict `YYYY-MM-DD` calendar date; nullopt if the text is not one (e.g. 2023-02-30).
std::optional<date> parse_date(std::string_view text) noexcept;

/// Builds a date from year, month (1-12) and day; nullopt if it does not exist.
std::optional<date> make_date(int year, int month, int day) noexcept;

/// `YYYY-MM-DD`.
std::string to_string(date d);

/// Year, month, day of a date.
struct civil_date {
    int year;
    int month;
    int day;
};
civil_date to_civil(date d) noexcept;

/// Shifts by whole months: same day of month, clamped to the month's last day (so 29 February
/// minus one year is 28 February).
date add_months(date d, std::int32_t months) noexcept;

/// Applies a duration: years and months first (calendar), then days.
date add(date d, duration by) noexcept;

/// Applies a duration backwards.
date subtract(date d, duration by) noexcept;

} // namespace masterpro
