// UDP datagrams. Input: one selector byte, then the datagram (the IP payload).
// Selector bit 1 chooses the pseudo-header: clear (e.g. 0x04) IPv4
// 192.0.2.1 -> 192.0.2.2, set (e.g. 0x06) IPv6 2001:db8::1 -> 2001:db8::2.
// Invariants: errors point inside the input; the datagram and payload lie
// inside the input, trimmed to the length field; checksum verification
// agrees with a by-hand RFC 1071 sum over the pseudo-header bytes, and the
// parser in `verify` mode fails exactly when it should; a datagram that
// parses re-emits to bytes that parse, with the checksum verified, to an
// equal value, and emit refuses a buffer one byte short; a NAT's RFC 1624
// checksum patch for a source address change equals recomputing it.
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/inline_vector.hpp"
#include "hardstack/wire/udp.hpp"

using namespace hardstack::wire;
using hardstack::fuzz::inside;

namespace {

constexpr Ipv4Address ipv4_src = hardstack::fuzz::doc_ipv4_src;
constexpr Ipv4Address ipv4_dst = hardstack::fuzz::doc_ipv4_dst;
constexpr Ipv6Address ipv6_src = hardstack::fuzz::doc_ipv6_src;
constexpr Ipv6Address ipv6_dst = hardstack::fuzz::doc_ipv6_dst;
constexpr auto ipv4_pseudo = PseudoHeader::v4(ipv4_src, ipv4_dst);
constexpr auto ipv6_pseudo = PseudoHeader::v6(ipv6_src, ipv6_dst);

hardstack::fuzz::PseudoHeaderBytes pseudo_bytes(bool v6, std::size_t length) {
  if (v6)
    return hardstack::fuzz::pseudo_header_bytes(ipv6_src, ipv6_dst, ip_protocol_udp,
                                                static_cast<std::uint32_t>(length));
  return hardstack::fuzz::pseudo_header_bytes(ipv4_src, ipv4_dst, ip_protocol_udp,
                                              static_cast<std::uint16_t>(length));
}

// UDP-2 / RFC 768: what `verify` mode must say about the received datagram,
// from a by-hand sum over the pseudo-header and the datagram.
void check_verification(const UdpView& view, const PseudoHeader& pseudo, bool v6) {
  const auto by_hand = pseudo_bytes(v6, view.length());
  HS_FUZZ_CHECK(pseudo.start(ip_protocol_udp, view.length()).sum() ==
                hardstack::fuzz::ones_complement_sum({by_hand.span()}));
  const bool sums = hardstack::fuzz::ones_complement_sum({by_hand.span(), view.datagram()}) == 0xffff;
  // A zero field does not verify unless the sum happens to be 0xffff (parse
  // below calls verify_checksum for the others).
  if (!view.has_checksum()) HS_FUZZ_CHECK(view.verify_checksum(pseudo) == sums);
  auto verified = UdpRepr::parse(view, pseudo, ChecksumMode::verify);
  const bool accept = view.has_checksum() ? sums : !v6;  // zero: none over IPv4, discard over IPv6
  HS_FUZZ_CHECK(verified.has_value() == accept);
  if (!verified)
    HS_FUZZ_CHECK((verified.error() == ParseError{WireError::bad_checksum, udp_field::checksum.begin}));
}

// RFC 3022 / RFC 1624: a NAT moves the source address to `moved` (here the
// 32 bits of the ports, so the fuzzer picks it) and patches the checksum
// with checksum_update32 instead of recomputing it. The patch equals the
// checksum over the new pseudo-header, the RFC 768 0 -> 0xffff rule applied
// to both (a patch can give 0, the "no checksum" value, where a full
// computation gives 0xffff). Over IPv6 the address's last 32 bits move.
void check_nat_rewrite(MutableBytes datagram, bool v6) {
  const std::uint32_t moved = static_cast<std::uint32_t>(load_be16(datagram, udp_field::source_port.begin))
                                  << 16 |
                              load_be16(datagram, udp_field::destination_port.begin);
  const std::uint16_t old_checksum = load_be16(datagram, udp_field::checksum.begin);
  PseudoHeader pseudo;
  hardstack::fuzz::PseudoHeaderBytes by_hand;
  std::uint32_t old_word = 0;
  const auto length = static_cast<std::uint16_t>(datagram.size());
  if (v6) {
    Ipv6Address src = ipv6_src;
    for (std::size_t i = 12; i < 16; ++i) {
      old_word = old_word << 8 | src.octets[i];
      src.octets[i] = static_cast<std::uint8_t>(moved >> (8 * (15 - i)));
    }
    pseudo = PseudoHeader::v6(src, ipv6_dst);
    by_hand = hardstack::fuzz::pseudo_header_bytes(src, ipv6_dst, ip_protocol_udp, length);
  } else {
    old_word = ipv4_src.to_u32();
    const Ipv4Address src = Ipv4Address::from_u32(moved);
    pseudo = PseudoHeader::v4(src, ipv4_dst);
    by_hand = hardstack::fuzz::pseudo_header_bytes(src, ipv4_dst, ip_protocol_udp, length);
  }
  HS_FUZZ_CHECK(pseudo.start(ip_protocol_udp, length).sum() ==
                hardstack::fuzz::ones_complement_sum({by_hand.span()}));
  std::uint16_t patched = checksum_update32(old_checksum, old_word, moved);
  if (patched == 0) patched = 0xffff;
  // Recomputed by hand: the sum with the checksum field left out.
  const auto sum = hardstack::fuzz::ones_complement_sum(
      {by_hand.span(), datagram.first(udp_field::checksum.begin), datagram.subspan(udp_field::header_len)});
  std::uint16_t recomputed = static_cast<std::uint16_t>(~sum & 0xffff);
  if (recomputed == 0) recomputed = 0xffff;
  HS_FUZZ_CHECK(patched == recomputed);
  // Patched, the datagram verifies over the new pseudo-header, summed by an
  // accumulator fed in two pieces split at an odd byte.
  store_be16(datagram, udp_field::checksum.begin, patched);
  const std::size_t split = (datagram.size() / 2) | 1;
  HS_FUZZ_CHECK(checksum_verifies(
      pseudo.start(ip_protocol_udp, length).add(datagram.first(split)).add(datagram.subspan(split))));
}

std::array<std::byte, udp_field::max_datagram_len> out;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool v6 = (data[0] & 0x02) != 0;
  const PseudoHeader& pseudo = v6 ? ipv6_pseudo : ipv4_pseudo;
  const auto input = hardstack::fuzz::as_bytes(data + 1, size - 1);

  auto view = UdpView::parse(input);
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), input.size());
    HS_FUZZ_CHECK(view.error().code == WireError::truncated ||
                  view.error().offset == udp_field::length.begin);
    return 0;
  }
  // UDP-1: the datagram is the first `length` bytes, the payload inside it.
  HS_FUZZ_CHECK(view->datagram().data() == input.data());
  HS_FUZZ_CHECK(view->datagram().size() == view->length());
  HS_FUZZ_CHECK(view->length() >= udp_field::header_len && view->length() <= input.size());
  HS_FUZZ_CHECK(inside(view->payload(), view->datagram()));
  HS_FUZZ_CHECK(view->payload().size() + udp_field::header_len == view->length());
  HS_FUZZ_CHECK(view->trailing_len() == input.size() - view->length());
  check_verification(*view, pseudo, v6);

  auto repr = UdpRepr::parse(*view, pseudo, hardstack::fuzz::checksum_mode(ChecksumMode::ignore));
  if (!repr) {
    // The only value-level error: the checksum, at its field.
    HS_FUZZ_CHECK((repr.error() == ParseError{WireError::bad_checksum, udp_field::checksum.begin}));
    hardstack::fuzz::check_error_offset(repr.error(), input.size());
    return 0;
  }
  HS_FUZZ_CHECK(repr->payload_len == view->payload().size());
  HS_FUZZ_CHECK(repr->datagram_len() == UdpRepr::header_len() + repr->payload_len);

  auto too_small = repr->emit(MutableBytes(out).first(repr->datagram_len() - 1), view->payload(), pseudo);
  HS_FUZZ_CHECK(!too_small && too_small.error() == WireError::buffer_too_small);
  auto written = repr->emit(out, view->payload(), pseudo);
  HS_FUZZ_CHECK(written && *written == repr->datagram_len());
  auto again = UdpView::parse(Bytes(out).first(*written));
  HS_FUZZ_CHECK(again.has_value());
  // UDP-2: the emitted checksum is never 0 and always verifies.
  HS_FUZZ_CHECK(again->has_checksum() && again->verify_checksum(pseudo));
  auto again_repr = UdpRepr::parse(*again, pseudo, ChecksumMode::verify);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
  HS_FUZZ_CHECK(same_bytes(again->payload(), view->payload()));
  check_nat_rewrite(MutableBytes(out).first(*written), v6);
  return 0;
}
