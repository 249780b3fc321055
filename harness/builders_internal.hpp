// What the builders' source files share; not part of the harness API.
#pragma once

#include <cstddef>

#include "hardstack/wire/error.hpp"

namespace hardstack::harness::detail {

// Prints "hardstack::harness builders: <message>" and aborts: a test asked
// for a packet the builders cannot make.
[[noreturn]] void builder_failure(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The length an emit wrote, or a builder_failure naming `what`.
std::size_t emitted(const wire::EmitResult& r, const char* what);

}  // namespace hardstack::harness::detail
