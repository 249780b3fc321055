// What every fuzz target shares: invariant checks that abort (so every engine
// and the replay driver report them as findings), the run-time checksum
// switch, and the error-offset invariant.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "hardstack/wire/error.hpp"

namespace hardstack::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "hardstack fuzz invariant broken: %s (%s:%d)\n", what, file, line);
  std::abort();
}

#define HS_FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::hardstack::fuzz::fail(#cond, __FILE__, __LINE__))

inline std::span<const std::byte> as_bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

// HARDSTACK_FUZZ_CHECKSUMS=verify|ignore chooses at run time whether parsers
// verify checksums; each target passes its own default (all `ignore` but the
// one that repairs checksums after mutation and keeps verification on).
inline wire::ChecksumMode checksum_mode(wire::ChecksumMode target_default) {
  static const int mode = [] {
    const char* env = std::getenv("HARDSTACK_FUZZ_CHECKSUMS");
    if (env == nullptr) return -1;
    if (std::strcmp(env, "verify") == 0) return 0;
    if (std::strcmp(env, "ignore") == 0) return 1;
    std::fprintf(stderr, "HARDSTACK_FUZZ_CHECKSUMS must be verify or ignore, not '%s'\n", env);
    std::exit(2);
  }();
  if (mode < 0) return target_default;
  return mode == 0 ? wire::ChecksumMode::verify : wire::ChecksumMode::ignore;
}

// An error has a name and points inside the input; only `truncated` may point
// one past it.
inline void check_error_offset(const wire::ParseError& e, std::size_t input_size) {
  HS_FUZZ_CHECK(std::strcmp(wire::to_string(e.code), "unknown_error") != 0);
  if (e.code == wire::WireError::truncated) {
    HS_FUZZ_CHECK(e.offset <= input_size);
  } else {
    HS_FUZZ_CHECK(e.offset < input_size);
  }
}

}  // namespace hardstack::fuzz
