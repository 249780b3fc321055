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
