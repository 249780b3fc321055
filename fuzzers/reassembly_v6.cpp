// IPv6 reassembly as a stateful target: a log of fragments and time steps
// against a reference model (reassembly_model.hpp has the record format and
// the invariants).
#include "reassembly_model.hpp"

using namespace hardstack;
using namespace hardstack::fuzz::reasm;

namespace {

struct V6Spec {
  using Reassembler = net::Ipv6Reassembler;

  // A constant table: no guard to test on every call.
  static constexpr wire::Ipv6Address host_a = fuzz::doc_ipv6_src;  // 2001:db8::1
  static constexpr wire::Ipv6Address host_b = fuzz::doc_ipv6_dst;  // 2001:db8::2
  static constexpr wire::Ipv6Address host_c{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  static constexpr std::array<net::Ipv6FragmentKey, key_count> keys{{{host_a, host_b, 0xdeadbeef},
                                                                     {host_a, host_b, 0xdeadbef0},
                                                                     {host_c, host_b, 0xdeadbeef},
                                                                     {host_a, host_c, 0xdeadbeef},
                                                                     {host_a, host_b, 0},
                                                                     {host_a, host_b, 0xffffffff},
                                                                     {host_b, host_a, 0xdeadbeef},
                                                                     {host_a, host_b, 1}}};
  static const net::Ipv6FragmentKey& key(std::size_t i) { return keys[i]; }
  HS_FUZZ_NO_COVERAGE static bool same_key(const net::Ipv6FragmentKey& x, const net::Ipv6FragmentKey& y) {
    return x.identification == y.identification && same_octets(x.source.octets, y.source.octets) &&
           same_octets(x.destination.octets, y.destination.octets);
  }

  // Variants: no extension header before the Fragment header; Destination
  // Options (8); Hop-by-Hop (8) and Destination Options (16); the first again
  // but with next_header_offset at the Hop Limit (invalid).
  static constexpr std::array<std::size_t, 4> ext_lens{0, 8, 24, 0};
  static bool header_valid(std::uint8_t variant) { return variant != 3; }
  static std::uint8_t upper(std::uint8_t pattern) { return (pattern & 1) ? 17 : 58; }

  // The unfragmentable part; with `fragment_header` the Fragment header too,
  // else the Next Header chain ends in the upper layer (RFC 8200 4.5).
  HS_FUZZ_NO_COVERAGE static Header build(std::size_t k, std::uint8_t variant, bool more,
                                          std::size_t payload_len, std::uint8_t pattern,
                                          bool fragment_header) {
    const net::Ipv6FragmentKey& key6 = key(k);
    const std::size_t ext = ext_lens[variant];
    const std::uint8_t after_ext = fragment_header ? 44 : upper(pattern);
    Header h;
    h.len = 40 + ext + (fragment_header ? 8 : 0);
    const wire::MutableBytes b(h.bytes.data(), h.len);
    for (auto& x : b) x = std::byte{0};
    wire::store_be32(b, 0, 0x60000000u | (std::uint32_t{pattern} << 20));
    wire::store_be16(b, 4, static_cast<std::uint16_t>(h.len - 40 + payload_len));
    wire::store_u8(b, 7, 64);
    std::memcpy(h.bytes.data() + 8, key6.source.octets.data(), 16);
    std::memcpy(h.bytes.data() + 24, key6.destination.octets.data(), 16);
    h.next_header_offset = 6;
    if (variant == 1) {
      wire::store_u8(b, 6, 60);
      wire::store_u8(b, 40, after_ext);
      wire::store_u8(b, 42, 1);  // PadN, 4 bytes
      wire::store_u8(b, 43, 4);
      h.next_header_offset = 40;
    } else if (variant == 2) {
      wire::store_u8(b, 6, 0);
      wire::store_u8(b, 40, 60);
      wire::store_u8(b, 42, 1);
      wire::store_u8(b, 43, 4);
      wire::store_u8(b, 48, after_ext);
      wire::store_u8(b, 49, 1);
      wire::store_u8(b, 50, 1);  // PadN, 12 bytes
      wire::store_u8(b, 51, 12);
      h.next_header_offset = 48;
    } else {
      wire::store_u8(b, 6, after_ext);
      if (variant == 3) h.next_header_offset = 7;
    }
    if (fragment_header) {
      const std::size_t f = 40 + ext;
      wire::store_u8(b, f, upper(pattern));
      wire::store_be16(b, f + 2, more ? 1 : 0);
      wire::store_be32(b, f + 4, key6.identification);
    }
    return h;
  }
  static Header header(std::size_t k, std::uint8_t variant, bool more, std::size_t len,
                       std::uint8_t pattern) {
    return build(k, variant, more, len, pattern, true);
  }
  static Header expected_header(std::size_t k, std::uint8_t variant, std::uint8_t pattern,
                                std::size_t total) {
    return build(k, variant, false, total, pattern, false);
  }
  // RFC 8200: Payload Length counts the unfragmentable extension headers too.
  static std::size_t max_end(std::size_t header_len) {
    return header_len == 0 ? 65535 : 65535 - (header_len - 48);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return run_input<V6Spec>(data, size);
}
