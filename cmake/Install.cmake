# Install and export rules: the library, its headers, the CLI, the schemas and a CMake package.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MASTERPRO_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/masterpro)

# Destinations default to GNUInstallDirs; the include path is the target's INSTALL_INTERFACE.
install(TARGETS masterpro EXPORT masterproTargets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/masterpro
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

if(TARGET masterpro_cli)
    install(TARGETS masterpro_cli)
endif()

# Globbed so that a checkout without schemas still installs; CONFIGURE_DEPENDS picks up new ones.
file(GLOB MASTERPRO_SCHEMAS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/rules/schema/*.json)
if(MASTERPRO_SCHEMAS)
    install(FILES ${MASTERPRO_SCHEMAS} DESTINATION ${CMAKE_INSTALL_DATADIR}/masterpro/schema)
endif()

install(EXPORT masterproTargets
    NAMESPACE masterpro::
    FILE masterproTargets.cmake
    DESTINATION ${MASTERPRO_CMAKE_INSTALL_DIR})

# One config file serves the install tree and the build tree: it only includes the targets file
# beside it, so a consumer may point masterpro_DIR at this build directory too.
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/masterproConfig.cmake.in
    ${PROJECT_BINARY_DIR}/masterproConfig.cmake
    INSTALL_DESTINATION ${MASTERPRO_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/masterproConfigVersion.cmake
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMajorVersion)
install(FILES
    ${PROJECT_BINARY_DIR}/masterproConfig.cmake
    ${PROJECT_BINARY_DIR}/masterproConfigVersion.cmake
    DESTINATION ${MASTERPRO_CMAKE_INSTALL_DIR})

export(EXPORT masterproTargets
    NAMESPACE masterpro::
    FILE ${PROJECT_BINARY_DIR}/masterproTargets.cmake)
