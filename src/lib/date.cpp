// Date parsing and calendar arithmetic on top of Boost.Date_Time's Gregorian calendar.
#include "masterpro/model/date.hpp"

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include <cstdio>

namespace masterpro {
namespace {

using calendar = boost::gregorian::gregorian_calendar;

const std::int32_t epoch_day_number =
    static_cast<std::int32_t>(calendar::day_number(calendar::ymd_type(1970, 1, 1)));

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int digits(std::string_view text, std::size_t from, std::size_t count) noexcept {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) value = value * 10 + (text[i] - '0');
    return value;
}

} // namespace

std::optional<date> make_date(int year, int month, int day) noexcept {
    if (year < 1400 || year > 9999 || month < 1 || month > 12 || day < 1) return std::nullopt;
    const auto last = calendar::end_of_month_day(static_cast<unsigned short>(year),
                                                 static_cast<unsigned short>(month));
    if (day > last) return std::nullopt;
    const auto number = calendar::day_number(calendar::ymd_type(
        static_cast<unsigned short>(year), static_cast<unsigned short>(month),
        static_cast<unsigned short>(day)));
    return date{static_cast<std::int32_t>(number) - epoch_day_number};
}

std::optional<date> parse_date(std::string_view text) noexcept {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!is_digit(text[i])) return std::nullopt;
    return make_date(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2));
}

civil_date to_civil(date d) noexcept {
    const auto ymd = calendar::from_day_number(
        static_cast<calendar::date_int_type>(d.days + epoch_day_number));
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
