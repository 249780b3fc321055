// UDP datagrams. Input: one selector byte, then the datagram (the IP payload).
// Selector bit 1 chooses the pseudo-header: clear (e.g. 0x04) IPv4
// 192.0.2.1 -> 192.0.2.2, set (e.g. 0x06) IPv6 2001:db8::1 -> 2001:db8::2.
// Invariants: errors point inside the input; the datagram and payload lie
// inside the input, trimmed to the length field; a datagram that parses
// re-emits to bytes that parse, with the checksum verified, to an equal value.
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/inline_vector.hpp"
#include "hardstack/wire/udp.hpp"

using namespace hardstack::wire;

namespace {

constexpr auto ipv4_pseudo = PseudoHeader::v4(Ipv4Address{{192, 0, 2, 1}}, Ipv4Address{{192, 0, 2, 2}});
constexpr auto ipv6_pseudo =
    PseudoHeader::v6(Ipv6Address{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
                     Ipv6Address{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}});

bool inside(Bytes part, Bytes whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
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

  auto repr = UdpRepr::parse(*view, pseudo, hardstack::fuzz::checksum_mode(ChecksumMode::ignore));
  if (!repr) {
    // The only value-level error: the checksum, at its field.
    HS_FUZZ_CHECK((repr.error() == ParseError{WireError::bad_checksum, udp_field::checksum.begin}));
    hardstack::fuzz::check_error_offset(repr.error(), input.size());
    return 0;
  }
  HS_FUZZ_CHECK(repr->payload_len == view->payload().size());

  auto written = repr->emit(out, view->payload(), pseudo);
  HS_FUZZ_CHECK(written && *written == repr->datagram_len());
  auto again = UdpView::parse(Bytes(out).first(*written));
  HS_FUZZ_CHECK(again.has_value());
  // UDP-2: the emitted checksum is never 0 and always verifies.
  HS_FUZZ_CHECK(again->has_checksum() && again->verify_checksum(pseudo));
  auto again_repr = UdpRepr::parse(*again, pseudo, ChecksumMode::verify);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
  HS_FUZZ_CHECK(same_bytes(again->payload(), view->payload()));
  return 0;
}
