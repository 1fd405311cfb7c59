// Calendar dates: strict parsing and the spec's year arithmetic (29 February becomes 28 February).
#include "test_support.hpp"

using masterpro::parse_date;

TEST_CASE("dates parse strictly as YYYY-MM-DD calendar days") {
    CHECK(parse_date("2024-02-29").has_value());
    CHECK_FALSE(parse_date("2023-02-29").has_value());
    CHECK_FALSE(parse_date("2023-13-01").has_value());
    CHECK_FALSE(parse_date("2023-1-01").has_value());
    CHECK_FALSE(parse_date("2023-01-01T00:00").has_value());
    CHECK_FALSE(parse_date("").has_value());
    CHECK(masterpro::to_string(*parse_date("1999-12-31")) == "1999-12-31");
    CHECK(parse_date("2024-03-01")->days - parse_date("2024-02-28")->days == 2);
}

TEST_CASE("D minus n years is the same month and day, 29 February becoming 28 February") {
    auto minus_years = [](const char* d, int n) {
        return masterpro::to_string(masterpro::subtract(*parse_date(d), masterpro::duration{n, 0, 0}));
    };
    CHECK(minus_years("2026-06-30", 10) == "2016-06-30");
    CHECK(minus_years("2028-02-29", 1) == "2027-02-28");
    CHECK(minus_years("2028-02-29", 4) == "2024-02-29");
    CHECK(minus_years("2025-02-28", 1) == "2024-02-28"); // not snapped to the month's end
    CHECK(masterpro::to_string(masterpro::add(*parse_date("2024-02-29"), masterpro::duration{5, 0, 0})) == "2029-02-28");
    CHECK(masterpro::to_string(masterpro::add(*parse_date("2024-01-31"), masterpro::duration{0, 1, 0})) == "2024-02-29");
    CHECK(masterpro::to_string(masterpro::add(*parse_date("2024-01-31"), masterpro::duration{0, 0, 1})) == "2024-02-01");
}
