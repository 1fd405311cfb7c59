// Date parsing and calendar arithmetic on top of Boost.Date_Time's Gregorian calendar.
#include "masterpro/model/date.hpp"

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include <cstdio>
#include <cstring>

namespace masterpro {
namespace {

using calendar = boost::gregorian::gregorian_calendar;

/// Boost's day number of 1970-01-01 (a function: dates may be read during other files' static
/// initialisation).
std::int32_t epoch_day_number() noexcept {
    static const auto number =
        static_cast<std::int32_t>(calendar::day_number(calendar::ymd_type(1970, 1, 1)));
    return number;
}

/// The date of a valid year, month and day: Boost's day count (ymd_type's range checks pass).
date day_of(unsigned year, unsigned month, unsigned day) noexcept {
    const auto number = calendar::day_number(calendar::ymd_type(static_cast<unsigned short>(year),
                                                                static_cast<unsigned short>(month),
                                                                static_cast<unsigned short>(day)));
    return date{static_cast<std::int32_t>(number) - epoch_day_number()};
}

/// The first day of each month from January of first_year to January of last_year + 1, as
/// days since 1970-01-01 (a month's length is the difference to the next): records hold many
/// dates, mostly of recent years. Computed when compiling from the Gregorian rules (tests check
/// every day against Boost's calendar).
constexpr unsigned first_year = 1900, last_year = 2155;
struct month_table {
    std::int32_t first_day[(last_year - first_year + 1) * 12 + 1] = {};
};
constexpr month_table make_month_table() noexcept {
    month_table t;
    constexpr std::int32_t days_1900_to_1970 = 70 * 365 + 17; // leap years 1904, ..., 1968
    std::int32_t day = -days_1900_to_1970;
    std::size_t i = 0;
    for (unsigned year = first_year; year <= last_year; ++year) {
        const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        const std::int32_t feb = leap ? 29 : 28;
        const std::int32_t lengths[12] = {31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        for (const std::int32_t length : lengths) {
            t.first_day[i++] = day;
            day += length;
        }
    }
    t.first_day[i] = day;
    return t;
}
constexpr month_table month_starts = make_month_table();
static_assert(month_starts.first_day[70 * 12] == 0, "1970-01-01 is day 0");

/// checked_date for a year outside the table.
[[gnu::noinline]] std::optional<date> date_far_from_now(unsigned year, unsigned month,
                                                        unsigned day) noexcept {
    if (day > calendar::end_of_month_day(static_cast<unsigned short>(year),
                                         static_cast<unsigned short>(month)))
        return std::nullopt;
    return day_of(year, month, day);
}

/// The date of year, month and day if it exists.
inline std::optional<date> checked_date(unsigned year, unsigned month, unsigned day) noexcept {
    if (year < 1400 || year > 9999 || month < 1 || month > 12 || day < 1)
        return std::nullopt;
    if (year < first_year || year > last_year)
        return date_far_from_now(year, month, day);
    const std::size_t i = (year - first_year) * 12 + (month - 1);
    const std::int32_t first = month_starts.first_day[i];
    if (day > static_cast<unsigned>(month_starts.first_day[i + 1] - first))
        return std::nullopt;
    return date{first + static_cast<std::int32_t>(day) - 1};
}

/// Whether text[0, 8) has a digit wherever `pattern` has '0' (its other bytes are checked only
/// for being close to the pattern's: the caller checks them).
bool digits_where(const char* text, const char* pattern) noexcept {
    std::uint64_t t, p;
    std::memcpy(&t, text, 8);
    std::memcpy(&p, pattern, 8);
    // Digits become 0-9; any other byte where the pattern has '0' becomes more than 9 and so
    // gets its top bit set once 0x76 is added (bytes from 0x80 up have it already; their carry
    // into the next byte only adds to a failure).
    const std::uint64_t x = t ^ p;
    return ((x | (x + 0x7676767676767676ULL)) & 0x8080808080808080ULL) == 0;
}

unsigned digit(char c) noexcept { return static_cast<unsigned>(c - '0'); }

} // namespace

std::optional<date> make_date(int year, int month, int day) noexcept {
    if (year < 0 || month < 0 || day < 0)
        return std::nullopt;
    return checked_date(static_cast<unsigned>(year), static_cast<unsigned>(month),
                        static_cast<unsigned>(day));
}

std::optional<date> parse_date(std::string_view text) noexcept {
    if (text.size() != 10 || !digits_where(text.data(), "0000-00-") || text[4] != '-' ||
        text[7] != '-' || digit(text[8]) > 9 || digit(text[9]) > 9)
        return std::nullopt;
    const char* t = text.data();
    return checked_date(digit(t[0]) * 1000 + digit(t[1]) * 100 + digit(t[2]) * 10 + digit(t[3]),
                        digit(t[5]) * 10 + digit(t[6]), digit(t[8]) * 10 + digit(t[9]));
}

civil_date to_civil(date d) noexcept {
    const auto ymd = calendar::from_day_number(
        static_cast<calendar::date_int_type>(d.days + epoch_day_number()));
    return {ymd.year, ymd.month, ymd.day};
}

std::string to_string(date d) {
    const auto c = to_civil(d);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", c.year, c.month, c.day);
    return text;
}

date add_months(date d, std::int32_t months) noexcept {
    const auto c = to_civil(d);
    const std::int32_t total = c.year * 12 + (c.month - 1) + months;
    const int year = static_cast<int>(total / 12);
    const int month = static_cast<int>(total % 12) + 1;
    if (year < 1400 || year > 9999) return d; // outside the supported calendar: leave unchanged
    const int last = calendar::end_of_month_day(static_cast<unsigned short>(year),
                                                static_cast<unsigned short>(month));
    return *make_date(year, month, c.day < last ? c.day : last);
}

date add(date d, duration by) noexcept {
    const date shifted = (by.years != 0 || by.months != 0) ? add_months(d, by.years * 12 + by.months) : d;
    return date{shifted.days + by.days};
}

date subtract(date d, duration by) noexcept {
    return add(d, duration{-by.years, -by.months, -by.days});
}

} // namespace masterpro
