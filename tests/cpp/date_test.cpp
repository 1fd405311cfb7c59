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

TEST_CASE("every calendar day from 1400 to 9999 parses to itself, and no other text does") {
    // to_civil and to_string come from Boost's calendar, independently of parse_date's checks.
    const auto first = *masterpro::make_date(1400, 1, 1), last = *masterpro::make_date(9999, 12, 31);
    std::int32_t count = 0;
    for (masterpro::date d = first; d <= last; d.days += 1, ++count) {
        const auto parsed = parse_date(masterpro::to_string(d));
        REQUIRE(parsed.has_value());
        REQUIRE(parsed->days == d.days);
    }
    CHECK(count == last.days - first.days + 1);
    CHECK(parse_date("1399-12-31") == std::nullopt);
    CHECK(parse_date("0000-01-01") == std::nullopt);
    for (const char* bad : {"2023-00-10", "2023-12-00", "2023-04-31", "2100-02-29", "2023-01-32",
                            "2023-19-01", "2023/01/01", "2023-01-1x", "2023-0:-01", "20/3-01-01",
                            "2023-01-0/", "2023-01-01 ", " 2023-01-01"})
        CHECK_MESSAGE(parse_date(bad) == std::nullopt, std::string(bad));
    CHECK(parse_date("2000-02-29").has_value());
    // A non-digit anywhere is refused, whichever byte it is.
    std::string text = "2024-06-15";
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        for (int c = 0; c < 256; ++c) {
            if (c >= '0' && c <= '9')
                continue;
            std::string t = text;
            t[i] = static_cast<char>(c);
            REQUIRE_MESSAGE(parse_date(t) == std::nullopt, t);
        }
    for (int c = 0; c < 256; ++c) {
        std::string t = text;
        t[4] = static_cast<char>(c);
        CHECK(parse_date(t).has_value() == (c == '-'));
    }
}
