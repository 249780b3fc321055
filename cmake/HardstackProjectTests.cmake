# Whole-project checks registered with CTest (label in brackets):
#  corpus_deterministic [corpus]  tools/gen_corpus.py --check: the committed corpus is what Scapy makes
#  install_consumers    [install] find_package from an installed tree, and add_subdirectory
find_program(HARDSTACK_DEBIAN_PYTHON /usr/bin/python3)
add_test(NAME corpus_deterministic
  COMMAND ${HARDSTACK_DEBIAN_PYTHON} "${PROJECT_SOURCE_DIR}/tools/gen_corpus.py" --check)
set_tests_properties(corpus_deterministic PROPERTIES LABELS "corpus")

add_test(NAME install_consumers
  COMMAND "${PROJECT_SOURCE_DIR}/tools/check_install.sh" "${PROJECT_BINARY_DIR}" "${PROJECT_SOURCE_DIR}")
set_tests_properties(install_consumers PROPERTIES LABELS "install" ENVIRONMENT "CXX=${CMAKE_CXX_COMPILER}")

#  crosscheck_scapy     [crosscheck] packets built by Scapy decode in hardstack to Scapy's field values
#  crosscheck_tshark    [crosscheck] frames hardstack emits dissect cleanly in tshark, checksums verified
if(HARDSTACK_TOOLS)
  add_test(NAME crosscheck_scapy
    COMMAND ${HARDSTACK_DEBIAN_PYTHON} "${PROJECT_SOURCE_DIR}/tools/crosscheck_scapy.py" "${PROJECT_BINARY_DIR}")
  add_test(NAME crosscheck_tshark
    COMMAND ${HARDSTACK_DEBIAN_PYTHON} "${PROJECT_SOURCE_DIR}/tools/check_pcap_tshark.py" "${PROJECT_BINARY_DIR}")
  add_test(NAME crosscheck_tshark_selftest
    COMMAND ${HARDSTACK_DEBIAN_PYTHON} "${PROJECT_SOURCE_DIR}/tools/check_pcap_tshark.py" --selftest)
  set_tests_properties(crosscheck_scapy crosscheck_tshark crosscheck_tshark_selftest PROPERTIES LABELS "crosscheck")
endif()

#  tools_selftests      [unit] the Python tools' own tests (conformance report)
add_test(NAME tools_selftests
  COMMAND ${HARDSTACK_DEBIAN_PYTHON} -m unittest discover -s "${PROJECT_SOURCE_DIR}/tools/tests" -v)
set_tests_properties(tools_selftests PROPERTIES LABELS "unit")

#  tap_selftest         [tap] TapDevice against the kernel in a throwaway network namespace: ARP + ping over
#                             a TAP, ping over a TUN (root; SKIPPED otherwise, exit 77)
add_test(NAME tap_selftest
  COMMAND "${PROJECT_SOURCE_DIR}/tools/tap_selftest.sh" $<TARGET_FILE:unit_devices_tap_kernel_peer_test>)
set_tests_properties(tap_selftest PROPERTIES LABELS "tap" SKIP_RETURN_CODE 77 TIMEOUT 60 RESOURCE_LOCK netns)

#  tap_server           [tap] examples/tap_server in a network namespace, pinged by Linux's ping and ping -6
#                             from a peer namespace, its UDP echo (port 7) checked by tools/udp_echo_check on
#                             the kernel's sockets, v4 and v6, fragmented both ways (root; SKIPPED otherwise, exit 77)
if(HARDSTACK_EXAMPLES AND HARDSTACK_TOOLS)  # the targets are defined later, in examples/ and tools/
  add_test(NAME tap_server COMMAND "${PROJECT_SOURCE_DIR}/tools/tap_server_test.sh" $<TARGET_FILE:tap_server>
                                   $<TARGET_FILE:udp_echo_check>)
  set_tests_properties(tap_server PROPERTIES LABELS "tap" SKIP_RETURN_CODE 77 TIMEOUT 120 RESOURCE_LOCK netns)
endif()

# The TAP peer is a program tap_selftest runs inside its namespace; on its own it
# checks nothing, so it is not a unit test of its own.
set_tests_properties(unit_devices_tap_kernel_peer_test PROPERTIES DISABLED TRUE)

#  unit_harness_kernel_dut_test [tap] harness/kernel_dut_test.cpp: TestBench scenarios against the Linux kernel
#                             in a throwaway namespace (root; prints "SKIP:" and is reported skipped otherwise)
set_tests_properties(unit_harness_kernel_dut_test PROPERTIES LABELS "tap" SKIP_REGULAR_EXPRESSION "SKIP: " TIMEOUT 60
  RESOURCE_LOCK netns)
