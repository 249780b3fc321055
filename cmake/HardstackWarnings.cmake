# Warning flags for project code only (never forced on consumers).
add_library(hardstack_warnings INTERFACE)
target_compile_options(hardstack_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string code for
  # plain string concatenation (GCC PR 105329, fixed in 13): not our code.
  target_compile_options(hardstack_warnings INTERFACE -Wno-restrict)
endif()
if(HARDSTACK_WERROR)
  target_compile_options(hardstack_warnings INTERFACE -Werror)
endif()
