// IPv4 reassembly as a stateful target: a log of fragments and time steps
// against a reference model (reassembly_model.hpp has the record format and
// the invariants).
#include "reassembly_model.hpp"

using namespace hardstack;
using namespace hardstack::fuzz::reasm;

namespace {

struct V4Spec {
  using Reassembler = net::Ipv4Reassembler;

  // Eight keys, each differing from the first in one field or two. A
  // constant table: no guard to test on every call.
  static constexpr wire::Ipv4Address host_a{{192, 0, 2, 1}};
  static constexpr wire::Ipv4Address host_b{{192, 0, 2, 2}};
  static constexpr wire::Ipv4Address host_c{{198, 51, 100, 1}};
  static constexpr std::array<net::Ipv4FragmentKey, key_count> keys{{{host_a, host_b, 1, 0x1234},
                                                                     {host_a, host_b, 1, 0x1235},
                                                                     {host_a, host_b, 17, 0x1234},
                                                                     {host_c, host_b, 1, 0x1234},
                                                                     {host_a, host_c, 1, 0x1234},
                                                                     {host_a, host_b, 1, 0},
                                                                     {host_a, host_b, 6, 0x1235},
                                                                     {host_b, host_a, 1, 0x1234}}};
  static const net::Ipv4FragmentKey& key(std::size_t i) { return keys[i]; }
  HS_FUZZ_NO_COVERAGE static bool same_key(const net::Ipv4FragmentKey& x, const net::Ipv4FragmentKey& y) {
    return x.identification == y.identification && x.protocol == y.protocol &&
           same_octets(x.source.octets, y.source.octets) &&
           same_octets(x.destination.octets, y.destination.octets);
  }

  static constexpr std::array<std::size_t, 4> header_lens{20, 24, 60, 22};
  static bool header_valid(std::uint8_t variant) { return variant != 3; }

  // The first fragment's header (reassembled = false), or the header the
  // datagram must come out with: same bytes, total length over the whole
  // datagram, MF and the reserved bit clear, DF kept, checksum recomputed.
  HS_FUZZ_NO_COVERAGE static Header build(std::size_t k, std::uint8_t variant, bool more,
                                          std::size_t payload_len, std::uint8_t pattern, bool reassembled) {
    const net::Ipv4FragmentKey& key4 = key(k);
    Header h;
    h.len = header_lens[variant];
    const wire::MutableBytes b(h.bytes.data(), h.len);
    for (auto& x : b) x = std::byte{0x01};  // NOP options
    wire::store_u8(b, 0, static_cast<std::uint8_t>(0x40 | (h.len / 4)));
    wire::store_u8(b, 1, pattern);
    wire::store_be16(b, 2, static_cast<std::uint16_t>(h.len + payload_len));
    wire::store_be16(b, 4, key4.identification);
    std::uint16_t flags = (pattern & 1) ? 0x4000 : 0;
    if (!reassembled && (pattern & 2)) flags |= 0x8000;
    if (!reassembled && more) flags |= 0x2000;
    wire::store_be16(b, 6, flags);
    wire::store_u8(b, 8, 64);
    wire::store_u8(b, 9, key4.protocol);
    wire::store_be16(b, 10, 0);
    std::memcpy(h.bytes.data() + 12, key4.source.octets.data(), 4);
    std::memcpy(h.bytes.data() + 16, key4.destination.octets.data(), 4);
    wire::store_be16(b, 10, header_checksum(h));
    return h;
  }
  // RFC 791 / RFC 1071: the complement of the one's-complement sum of the
  // header's 16-bit words, summed here rather than by the engine's checksum
  // code (every variant has an even length).
  HS_FUZZ_NO_COVERAGE static std::uint16_t header_checksum(const Header& h) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < h.len; i += 2)
      sum += static_cast<std::uint32_t>(std::to_integer<std::uint8_t>(h.bytes[i]) << 8 |
                                        std::to_integer<std::uint8_t>(h.bytes[i + 1]));
    while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
  }
  static Header header(std::size_t k, std::uint8_t variant, bool more, std::size_t len,
                       std::uint8_t pattern) {
    return build(k, variant, more, len, pattern, false);
  }
  static Header expected_header(std::size_t k, std::uint8_t variant, std::uint8_t pattern,
                                std::size_t total) {
    return build(k, variant, false, total, pattern, true);
  }
  // RFC 791: header + data <= 65535; a header is at least 20 bytes.
  static std::size_t max_end(std::size_t header_len) { return 65535 - (header_len < 20 ? 20 : header_len); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return run_input<V4Spec>(data, size);
}
