// libFuzzer target (c): candidate records, read, decided, rendered (candidate_input,
// fuzz_entry.hpp); and read by each route of the reader, which must agree (candidate_routes.hpp).
#include "candidate_routes.hpp"
#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // A candidate kept from input to input: each is read into what the one before left.
    static masterpro::candidate reused;
    for (const masterpro::rule_set* rules : {&masterpro::fuzz::welder(), &masterpro::fuzz::itsm()})
        masterpro::fuzz::report(masterpro::fuzz::compare_routes(*rules, text, reused));
    return masterpro::fuzz::report(masterpro::fuzz::candidate_input(text));
}
