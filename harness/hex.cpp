#include "hex.hpp"

#include <cstdio>
#include <cstdlib>

namespace hardstack::harness {

namespace {
int digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::vector<std::byte>> parse_hex(std::string_view text) {
  std::vector<std::byte> out;
  int high = -1;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ':' || c == '-') {
      if (high >= 0) return std::nullopt;  // a separator inside a byte pair
      continue;
    }
    const int d = digit(c);
    if (d < 0) return std::nullopt;
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + d));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

std::vector<std::byte> hex(std::string_view text) {
  auto bytes = parse_hex(text);
  if (!bytes) {
    std::fprintf(stderr, "hardstack::harness::hex: bad hex literal: %.*s\n", static_cast<int>(text.size()),
                 text.data());
    std::abort();
  }
  return *bytes;
}

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    out.push_back(digits[static_cast<unsigned>(b) >> 4]);
    out.push_back(digits[static_cast<unsigned>(b) & 0xf]);
  }
  return out;
}

}  // namespace hardstack::harness
