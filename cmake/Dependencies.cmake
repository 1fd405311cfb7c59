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
# SSE2 is part of every x86-64 CPU: RapidJSON then skips whitespace and scans strings 16 bytes
# at a time. Set on the target, so every part of the build parses with the same code.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set_property(TARGET RapidJSON::RapidJSON APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS RAPIDJSON_SSE2)
endif()
