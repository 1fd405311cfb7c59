// libFuzzer target (a): rule files, loaded, compiled and used (rules_input in fuzz_entry.hpp).
#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return masterpro::fuzz::report(
        masterpro::fuzz::rules_input({reinterpret_cast<const char*>(data), size}));
}
