// libFuzzer target (b): expressions compiled in every scope (expression_input in fuzz_entry.hpp).
#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return masterpro::fuzz::report(
        masterpro::fuzz::expression_input({reinterpret_cast<const char*>(data), size}));
}
