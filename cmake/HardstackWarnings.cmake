# Warning flags for project code only (never forced on consumers).
add_library(hardstack_warnings INTERFACE)
target_compile_options(hardstack_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(HARDSTACK_WERROR)
  target_compile_options(hardstack_warnings INTERFACE -Werror)
endif()
