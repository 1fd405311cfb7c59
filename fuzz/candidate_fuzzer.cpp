// libFuzzer target (c): candidate records, read, decided, rendered (candidate_input,
// fuzz_entry.hpp).
#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return masterpro::fuzz::report(
        masterpro::fuzz::candidate_input({reinterpret_cast<const char*>(data), size}));
}
