# One Boost.Test executable per *_test.cpp, registered with CTest under a label.
# Unit tests sit beside what they test: core/wire/ipv4.cpp -> core/wire/ipv4_test.cpp.
function(hardstack_add_unit_tests dir label)
  file(GLOB tests CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${dir}/*_test.cpp")
  foreach(src IN LISTS tests)
    get_filename_component(stem "${src}" NAME_WE)
    set(exe "unit_${label}_${stem}")
    add_executable(${exe} "${src}")
    target_compile_definitions(${exe} PRIVATE BOOST_TEST_DYN_LINK BOOST_TEST_MODULE=${stem}
      HARDSTACK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(${exe} PRIVATE hardstack::core hardstack::harness
      Boost::unit_test_framework hardstack_warnings)
    add_test(NAME ${exe} COMMAND ${exe} --log_level=test_suite)
    set_tests_properties(${exe} PROPERTIES LABELS "unit")
  endforeach()
endfunction()
