# Install hardstack::core and hardstack::harness with a package config, so that
# find_package(hardstack) works from an installed tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS hardstack_core hardstack_harness EXPORT hardstackTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(layer IN LISTS HARDSTACK_CORE_LAYERS_PRESENT)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/core/${layer}/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hardstack/${layer}
    FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(FILES ${HARDSTACK_HARNESS_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hardstack/harness)
install(EXPORT hardstackTargets NAMESPACE hardstack::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hardstack)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/hardstackConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/hardstackConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hardstack)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/hardstackConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/hardstackConfig.cmake"
  "${PROJECT_BINARY_DIR}/hardstackConfigVersion.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hardstack)
