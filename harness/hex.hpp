// Hex text <-> bytes, for tests, tools and the wire dumper.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hardstack::harness {

// Parses hex digits, ignoring whitespace, ':' and '-' between byte pairs.
// Returns nullopt on any other character or an odd digit count.
std::optional<std::vector<std::byte>> parse_hex(std::string_view text);

// Like parse_hex, for literals in tests: aborts with a message on bad input.
std::vector<std::byte> hex(std::string_view text);

std::string to_hex(std::span<const std::byte> bytes);

}  // namespace hardstack::harness
