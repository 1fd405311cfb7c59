// The vocabulary's id tables: every text found at its first position, nothing else found.
#include "id_table.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using masterpro::detail::id_table;

/// Checks `table` against `texts` (found at their first position) and near misses.
void check_lookups(const id_table& table, const std::vector<std::string>& texts) {
    for (std::size_t i = 0; i < texts.size(); ++i) {
        std::size_t first = 0;
        while (texts[first] != texts[i])
            ++first;
        std::string padded = texts[i] + std::string(16, '\0');
        REQUIRE(table.find(texts[i].data(), texts[i].size()) == static_cast<std::int32_t>(first));
        REQUIRE(table.find_padded(padded.data(), texts[i].size()) ==
                static_cast<std::int32_t>(first));
        for (const std::string& miss :
             {texts[i] + "x", "x" + texts[i], texts[i] + std::string(1, '\0')}) {
            bool listed = false;
            for (const std::string& t : texts)
                listed = listed || t == miss;
            if (!listed)
                REQUIRE(table.find(miss.data(), miss.size()) < 0);
        }
        if (!texts[i].empty()) {
            std::string changed = texts[i];
            changed.back() = static_cast<char>(changed.back() ^ 1);
            bool listed = false;
            for (const std::string& t : texts)
                listed = listed || t == changed;
            if (!listed)
                REQUIRE(table.find(changed.data(), changed.size()) < 0);
        }
    }
}

id_table table_of(const std::vector<std::string>& texts) {
    std::vector<std::string_view> views(texts.begin(), texts.end());
    id_table table;
    table.assign(views);
    return table;
}

} // namespace

TEST_CASE(
    "an id table finds each text at its first position, in one probe for usual vocabularies") {
    const std::vector<std::string> texts = {"C1.1",
                                            "C1.2",
                                            "C10.1",
                                            "observation",
                                            "employer_attestation",
                                            "",
                                            "M2",
                                            "a-text-longer-than-sixteen-bytes-1",
                                            "a-text-longer-than-sixteen-bytes-2",
                                            "C1.1",
                                            "c1.1",
                                            "sixteen-bytes-ab",
                                            "sixteen-bytes-ab!",
                                            "seven77",
                                            "eight888",
                                            "nine99999"};
    const id_table table = table_of(texts);
    CHECK(table.one_probe());
    check_lookups(table, texts);

    std::vector<std::string> many;
    for (int i = 0; i < 200; ++i)
        many.push_back("C" + std::to_string(i / 10) + "." + std::to_string(i % 10));
    const id_table large = table_of(many);
    CHECK(large.one_probe());
    check_lookups(large, many);

    const id_table empty = table_of({});
    CHECK(empty.find("", 0) < 0);
    CHECK(empty.find("C1", 2) < 0);
}

TEST_CASE("an id table too large for one-probe slots looks texts up in its chained table") {
    std::vector<std::string> texts;
    for (int i = 0; i < 300000; ++i)
        texts.push_back("id-" + std::to_string(i));
    const id_table table = table_of(texts);
    CHECK_FALSE(table.one_probe());
    for (int i = 0; i < 300000; i += 997) {
        const std::string& t = texts[static_cast<std::size_t>(i)];
        REQUIRE(table.find(t.data(), t.size()) == i);
    }
    CHECK(table.find("id-300000", 9) < 0);
}

TEST_CASE("texts alike in their first 16 and last 8 bytes and length are told apart by chaining") {
    const std::vector<std::string> texts = {"0123456789abcdef-middle-A-12345678",
                                            "0123456789abcdef-middle-B-12345678", "C1.1"};
    const id_table table = table_of(texts);
    CHECK_FALSE(table.one_probe());
    check_lookups(table, texts);
}
