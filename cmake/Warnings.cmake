# Warning flags on an interface target linked PRIVATE, so consumers never inherit them.
add_library(masterpro_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(masterpro_warnings INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wdouble-promotion)
endif()
