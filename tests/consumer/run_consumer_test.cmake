# Driven by CTest: builds and runs the consumer project against masterpro's CMake package, either
# installed into a fresh prefix (MODE=install) or straight from the build tree (MODE=build_tree).
# Inputs: MODE, BINARY_DIR (masterpro's build), SOURCE_DIR (this folder), WORK_DIR, CONFIG,
# GENERATOR, MAKE_PROGRAM, CXX_COMPILER; optional CXX_FLAGS and EXE_LINKER_FLAGS (sanitizer builds).
cmake_minimum_required(VERSION 3.16)

function(run_step what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "consumer test: ${what} failed (${result}): ${ARGN}")
    endif()
endfunction()

foreach(input MODE BINARY_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
    if(NOT ${input})
        message(FATAL_ERROR "consumer test: -D${input}=... is required")
    endif()
endforeach()

# Start clean so that nothing left by an earlier run can make this one pass.
file(REMOVE_RECURSE ${WORK_DIR})
set(config_args)
if(CONFIG)
    set(config_args --config ${CONFIG})
endif()

if(MODE STREQUAL "install")
    set(prefix ${WORK_DIR}/prefix)
    run_step("install" ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix} ${config_args})
    set(package_args -DCMAKE_PREFIX_PATH=${prefix})
    set(expected_dir ${prefix}/)
elseif(MODE STREQUAL "build_tree")
    set(package_args -Dmasterpro_DIR=${BINARY_DIR})
    set(expected_dir ${BINARY_DIR})
else()
    message(FATAL_ERROR "consumer test: unknown MODE '${MODE}'")
endif()

set(consumer_build ${WORK_DIR}/build)
set(configure_args -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
if(MAKE_PROGRAM)
    list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(CONFIG)
    list(APPEND configure_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
if(CXX_FLAGS)
    list(APPEND configure_args "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
endif()
if(EXE_LINKER_FLAGS)
    list(APPEND configure_args "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
endif()
run_step("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${consumer_build}
    ${configure_args} ${package_args} -DMASTERPRO_RULES_DIR=${RULES_DIR})

# The package must come from where this test put it, not from another masterpro on the machine.
file(STRINGS ${consumer_build}/CMakeCache.txt found_dir REGEX "^masterpro_DIR:")
string(REGEX REPLACE "^masterpro_DIR:[A-Z]+=" "" found_dir "${found_dir}")
string(FIND "${found_dir}" "${expected_dir}" at)
if(NOT at EQUAL 0)
    message(FATAL_ERROR "consumer test: masterpro found in '${found_dir}', not '${expected_dir}'")
endif()

run_step("build" ${CMAKE_COMMAND} --build ${consumer_build} ${config_args})
set(ctest_config)
if(CONFIG)
    set(ctest_config -C ${CONFIG})
endif()
run_step("run" ${CMAKE_COMMAND} -E chdir ${consumer_build}
    ${CMAKE_CTEST_COMMAND} --output-on-failure --no-tests=error ${ctest_config})
