# Dependencies, all from the machine's package registry (Debian), found with find_package only.
include(GNUInstallDirs)
find_package(tl-expected REQUIRED)
find_package(Boost 1.71 REQUIRED)
find_package(RapidJSON REQUIRED)
find_package(simdjson REQUIRED)

# Debian's RapidJSON config sets variables but defines no target.
if(NOT TARGET RapidJSON::RapidJSON)
    add_library(RapidJSON::RapidJSON INTERFACE IMPORTED)
    set(_masterpro_rapidjson_inc "${RapidJSON_INCLUDE_DIRS}${RAPIDJSON_INCLUDE_DIRS}")
    if(_masterpro_rapidjson_inc)
        set_target_properties(RapidJSON::RapidJSON PROPERTIES
            INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_masterpro_rapidjson_inc}"
            INTERFACE_INCLUDE_DIRECTORIES "${_masterpro_rapidjson_inc}")
    endif()
endif()
# RAPIDJSON_SSE2 / RAPIDJSON_SSE42 stay off: RapidJSON 1.1.0's SIMD string scanning lets the
# control characters 0x1A-0x1F through unescaped (writer) and unrefused (reader); the fuzzer
# found it (fuzz/regressions/expression/control-characters-0x1a-0x1f-in-a-string.bin).
