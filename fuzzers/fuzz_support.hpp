// What every fuzz target shares: invariant checks that abort (so every engine
// and the replay driver report them as findings), the run-time checksum
// switch, the error-offset and error-name invariants, a by-hand RFC 1071 sum
// and pseudo-headers to check checksums against, and the RFC classes and text
// forms of the addresses a packet carries.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>

#include "hardstack/wire/address.hpp"
#include "hardstack/wire/error.hpp"

namespace hardstack::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "hardstack fuzz invariant broken: %s (%s:%d)\n", what, file, line);
  std::abort();
}

// For targets whose every allocation lives within one input: a use after
// free can only reach back into the same input, so a small ASan quarantine
// (4 MB, some twenty inputs of history) loses nothing, where ASan's default
// (256 MB) pages in fresh memory; and allocation stacks are kept 4 frames
// deep (default 30: unwinding on every malloc is most of the cost). Replay a
// crasher with ASAN_OPTIONS=malloc_context_size=30 for the whole allocation
// stack. A user's ASAN_OPTIONS still overrides both. Use once, at namespace scope.
#define HS_FUZZ_SMALL_ASAN_QUARANTINE()                                                        \
  extern "C" const char* __asan_default_options() { /* NOLINT(bugprone-reserved-identifier) */ \
    return "quarantine_size_mb=4:malloc_context_size=4";                                       \
  }

#define HS_FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::hardstack::fuzz::fail(#cond, __FILE__, __LINE__))

// The addresses the transport targets check against (RFC 5737 / RFC 3849
// documentation ranges): 192.0.2.1 -> 192.0.2.2 and 2001:db8::1 -> 2001:db8::2.
inline constexpr wire::Ipv4Address doc_ipv4_src{{192, 0, 2, 1}};
inline constexpr wire::Ipv4Address doc_ipv4_dst{{192, 0, 2, 2}};
inline constexpr wire::Ipv6Address doc_ipv6_src{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline constexpr wire::Ipv6Address doc_ipv6_dst{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};

// Whether `part` lies within `whole` (views and payloads never leave their
// input). An empty span is inside anything, whatever its data pointer.
inline bool inside(std::span<const std::byte> part, std::span<const std::byte> whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

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

// Every WireError value has a name of its own (lower case and `_`), the named
// values run from 0 without a gap, any other value reads "unknown_error", and
// describe() is "<name> at byte <offset>". The names are data, not input:
// checked once per process.
inline void check_error_names() {
  unsigned named = 0;
  for (unsigned v = 0; v <= 0xff; ++v) {
    const auto code = static_cast<wire::WireError>(v);
    const char* name = wire::to_string(code);
    if (std::strcmp(name, "unknown_error") == 0) continue;
    HS_FUZZ_CHECK(v == named);
    ++named;
    HS_FUZZ_CHECK(name[0] != '\0');
    for (const char* c = name; *c != '\0'; ++c) HS_FUZZ_CHECK((*c >= 'a' && *c <= 'z') || *c == '_');
    for (unsigned w = 0; w < v; ++w)
      HS_FUZZ_CHECK(std::strcmp(name, wire::to_string(static_cast<wire::WireError>(w))) != 0);
    for (const std::uint32_t offset : {0u, 42u, 0xffffffffu}) {
      char want[64];
      std::snprintf(want, sizeof want, "%s at byte %u", name, static_cast<unsigned>(offset));
      HS_FUZZ_CHECK(wire::describe(wire::ParseError{code, offset}) == want);
    }
  }
  HS_FUZZ_CHECK(named > static_cast<unsigned>(wire::WireError::incomplete_header_chain));
}

// An error has a name and points inside the input; only `truncated` may point
// one past it.
inline void check_error_offset(const wire::ParseError& e, std::size_t input_size) {
  static const bool names_checked = (check_error_names(), true);
  (void)names_checked;
  HS_FUZZ_CHECK(std::strcmp(wire::to_string(e.code), "unknown_error") != 0);
  if (e.code == wire::WireError::truncated) {
    HS_FUZZ_CHECK(e.offset <= input_size);
  } else {
    HS_FUZZ_CHECK(e.offset < input_size);
  }
}

// ---- Checksums by hand (RFC 1071), independent of checksum.hpp

// The folded one's-complement sum of `parts` read as one byte string: bytes
// pair up across part boundaries. 0 only when every byte is 0. High and low
// bytes are summed apart (RFC 1071 2(B): byte order independence), then folded.
inline std::uint16_t ones_complement_sum(std::initializer_list<std::span<const std::byte>> parts) {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  bool at_high = true;
  for (const auto part : parts) {
    std::size_t i = 0;
    if (!at_high && !part.empty()) {
      low += std::to_integer<std::uint8_t>(part[0]);
      i = 1;
      at_high = true;
    }
    for (; i + 1 < part.size(); i += 2) {
      high += std::to_integer<std::uint8_t>(part[i]);
      low += std::to_integer<std::uint8_t>(part[i + 1]);
    }
    if (i < part.size()) {
      high += std::to_integer<std::uint8_t>(part[i]);
      at_high = false;
    }
  }
  std::uint64_t sum = (high << 8) + low;
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

// A pseudo-header spelled out byte by byte, to sum by hand.
struct PseudoHeaderBytes {
  std::array<std::byte, 40> bytes{};
  std::size_t size = 0;
  std::span<const std::byte> span() const { return std::span<const std::byte>(bytes).first(size); }
};

// RFC 768 / RFC 9293 3.1: source, destination, zero, protocol, length.
inline PseudoHeaderBytes pseudo_header_bytes(const wire::Ipv4Address& src, const wire::Ipv4Address& dst,
                                             std::uint8_t protocol, std::uint16_t length) {
  PseudoHeaderBytes p;
  for (std::size_t i = 0; i < 4; ++i) p.bytes[i] = std::byte{src.octets[i]};
  for (std::size_t i = 0; i < 4; ++i) p.bytes[4 + i] = std::byte{dst.octets[i]};
  p.bytes[8] = std::byte{0};
  p.bytes[9] = std::byte{protocol};
  p.bytes[10] = std::byte{static_cast<std::uint8_t>(length >> 8)};
  p.bytes[11] = std::byte{static_cast<std::uint8_t>(length & 0xff)};
  p.size = 12;
  return p;
}

// RFC 8200 8.1: source, destination, 32-bit upper-layer length, three zero
// bytes, next header.
inline PseudoHeaderBytes pseudo_header_bytes(const wire::Ipv6Address& src, const wire::Ipv6Address& dst,
                                             std::uint8_t next_header, std::uint32_t length) {
  PseudoHeaderBytes p;
  for (std::size_t i = 0; i < 16; ++i) p.bytes[i] = std::byte{src.octets[i]};
  for (std::size_t i = 0; i < 16; ++i) p.bytes[16 + i] = std::byte{dst.octets[i]};
  for (std::size_t i = 0; i < 4; ++i)
    p.bytes[32 + i] = std::byte{static_cast<std::uint8_t>(length >> (24 - 8 * i))};
  p.bytes[39] = std::byte{next_header};
  p.size = 40;
  return p;
}

// ---- Addresses a packet carried: RFC classes computed here from the octets,
// and text forms that read back (what logs and tools print is what was on
// the wire), through text(), which formats into a fixed buffer without allocating.

inline void check_address(const wire::MacAddress& a) {
  // IEEE 802: the I/G bit (lowest bit of the first octet) marks a group address.
  HS_FUZZ_CHECK(a.is_multicast() == ((a.octets[0] & 0x01) != 0));
  bool all_ones = true;
  for (const auto o : a.octets) all_ones = all_ones && o == 0xff;
  HS_FUZZ_CHECK(a.is_broadcast() == all_ones);
  HS_FUZZ_CHECK(a.is_broadcast() == (a == wire::MacAddress::broadcast()));
  wire::AddressText text = a.text();  // no allocation per input
  HS_FUZZ_CHECK(text.size == 17);
  HS_FUZZ_CHECK(wire::MacAddress::from_string(text.view()) == a);
  // Hex digits read in either case.
  for (std::size_t i = 0; i < text.size; ++i)
    if (text.chars[i] >= 'a' && text.chars[i] <= 'f')
      text.chars[i] = static_cast<char>(text.chars[i] - 'a' + 'A');
  HS_FUZZ_CHECK(wire::MacAddress::from_string(text.view()) == a);
}

inline void check_address(const wire::Ipv4Address& a) {
  const auto& o = a.octets;
  // RFC 1122 3.2.1.3: 0.0.0.0, 255.255.255.255, 127/8; RFC 5771: 224/4.
  HS_FUZZ_CHECK(a.is_unspecified() == (o[0] == 0 && o[1] == 0 && o[2] == 0 && o[3] == 0));
  HS_FUZZ_CHECK(a.is_broadcast() == (o[0] == 0xff && o[1] == 0xff && o[2] == 0xff && o[3] == 0xff));
  HS_FUZZ_CHECK(a.is_loopback() == (o[0] == 127));
  HS_FUZZ_CHECK(a.is_multicast() == (o[0] >= 224 && o[0] <= 239));
  HS_FUZZ_CHECK(wire::Ipv4Address::from_u32(a.to_u32()) == a);
  const wire::AddressText text = a.text();
  HS_FUZZ_CHECK(text.size >= 7 && text.size <= 15);
  HS_FUZZ_CHECK(wire::Ipv4Address::from_string(text.view()) == a);
}

inline void check_address(const wire::Ipv6Address& a) {
  const auto& o = a.octets;
  bool zero_but_last = true;
  for (std::size_t i = 0; i < 15; ++i) zero_but_last = zero_but_last && o[i] == 0;
  // RFC 4291 2.5.2 (::), 2.5.3 (::1), 2.7 (ff00::/8).
  HS_FUZZ_CHECK(a.is_unspecified() == (zero_but_last && o[15] == 0));
  HS_FUZZ_CHECK(a.is_loopback() == (zero_but_last && o[15] == 1));
  HS_FUZZ_CHECK(a.is_multicast() == (o[0] == 0xff));
  wire::AddressText text = a.text();
  // RFC 5952 4.3: lower case; eight groups of four at most (45 with an
  // embedded IPv4 address, RFC 5952 5).
  HS_FUZZ_CHECK(text.size >= 2 && text.size <= 45);
  for (const char c : text.view()) HS_FUZZ_CHECK(!(c >= 'A' && c <= 'F'));
  HS_FUZZ_CHECK(wire::Ipv6Address::from_string(text.view()) == a);
  // RFC 4291 2.2: hex digits read in either case.
  for (std::size_t i = 0; i < text.size; ++i)
    if (text.chars[i] >= 'a' && text.chars[i] <= 'f')
      text.chars[i] = static_cast<char>(text.chars[i] - 'a' + 'A');
  HS_FUZZ_CHECK(wire::Ipv6Address::from_string(text.view()) == a);
}

}  // namespace hardstack::fuzz
