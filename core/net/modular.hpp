// Marks functions whose unsigned arithmetic wraps by definition (hashes,
// generators), so the intwrap preset's -fsanitize=unsigned-integer-overflow
// keeps watching length arithmetic everywhere else. GCC has no such check.
#pragma once

#if defined(__clang__)
#define HARDSTACK_MODULAR_ARITHMETIC __attribute__((no_sanitize("unsigned-integer-overflow")))
#else
#define HARDSTACK_MODULAR_ARITHMETIC
#endif
