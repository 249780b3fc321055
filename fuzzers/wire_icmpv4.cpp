// ICMPv4 messages (RFC 792, RFC 1191). The input is one ICMP message, as
// the IPv4 layer would hand it up.
// Invariants: errors point inside the input; checksum verification agrees
// with a by-hand RFC 1071 sum; spans a value holds lie inside the input; a
// message that parses re-emits, with a checksum that verifies, to bytes that
// parse to an equal value, and emit refuses a buffer one byte short and
// values the parser never produces (a type with a kind of its own as
// Icmpv4Other, a next-hop MTU on a code other than 4); the error-quote helper
// stays within the bytes it is given and the 576-byte bound.
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/icmpv4.hpp"

using namespace hardstack::wire;
using hardstack::fuzz::inside;

namespace {

Bytes payload_of(const Icmpv4Message& message) {
  if (const auto* m = std::get_if<Icmpv4EchoRequest>(&message)) return m->data;
  if (const auto* m = std::get_if<Icmpv4EchoReply>(&message)) return m->data;
  if (const auto* m = std::get_if<Icmpv4DestinationUnreachable>(&message)) return m->invoking_datagram;
  if (const auto* m = std::get_if<Icmpv4TimeExceeded>(&message)) return m->invoking_datagram;
  if (const auto* m = std::get_if<Icmpv4ParameterProblem>(&message)) return m->invoking_datagram;
  if (const auto* m = std::get_if<Icmpv4Redirect>(&message)) return m->invoking_datagram;
  if (const auto* m = std::get_if<Icmpv4Other>(&message)) return m->data;
  return {};
}

std::array<std::byte, 1 << 16> out;

// What emit refuses: a value the parser would read back as something else.
void check_refusals(const Icmpv4View& view, const Icmpv4Repr& repr) {
  // A type with a kind of its own is never Icmpv4Other, and cannot be sent as one.
  const std::uint8_t type = repr.type();
  HS_FUZZ_CHECK(icmpv4_type_has_kind(type) == !std::holds_alternative<Icmpv4Other>(repr.message));
  const Icmpv4Repr wrapped{Icmpv4Other{type, view.code(), view.rest_of_header(), view.data()}};
  if (icmpv4_type_has_kind(type)) {
    auto refused = wrapped.emit(out);
    HS_FUZZ_CHECK(!refused && refused.error() == WireError::unrepresentable);
  } else {
    HS_FUZZ_CHECK(wrapped == repr);
  }
  // RFC 1191: only "fragmentation needed" carries a next-hop MTU.
  if (const auto* m = std::get_if<Icmpv4DestinationUnreachable>(&repr.message)) {
    const bool frag_needed = m->code == Icmpv4UnreachableCode::fragmentation_needed;
    HS_FUZZ_CHECK(frag_needed ? m->next_hop_mtu == view.next_hop_mtu() : m->next_hop_mtu == 0);
    if (!frag_needed) {
      Icmpv4DestinationUnreachable with_mtu = *m;
      with_mtu.next_hop_mtu = 1280;
      auto refused = Icmpv4Repr{with_mtu}.emit(out);
      HS_FUZZ_CHECK(!refused && refused.error() == WireError::unrepresentable);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = hardstack::fuzz::as_bytes(data, size);
  auto view = Icmpv4View::parse(input, hardstack::fuzz::checksum_mode(ChecksumMode::ignore));
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(view->data().size() + icmpv4_field::header_len == size);

  // RFC 792 / ICMP4-4: `verify` accepts exactly the messages whose sum is 0xffff.
  const bool sums = hardstack::fuzz::ones_complement_sum({input}) == 0xffff;
  auto verified = Icmpv4View::parse(input, ChecksumMode::verify);
  HS_FUZZ_CHECK(verified.has_value() == sums);
  if (!verified)
    HS_FUZZ_CHECK((verified.error() == ParseError{WireError::bad_checksum, icmpv4_field::checksum.begin}));

  // ICMP4-3: what an error about this datagram would quote.
  const Bytes datagram = view->data();
  const std::size_t quote = icmpv4_error_quote_len(datagram);
  HS_FUZZ_CHECK(quote <= datagram.size());
  HS_FUZZ_CHECK(20 + icmpv4_field::header_len + quote <= icmpv4_error_max_len);
  const Bytes quoted = icmpv4_error_quote(datagram);
  HS_FUZZ_CHECK(quoted.data() == datagram.data() && quoted.size() == quote);

  auto repr = Icmpv4Repr::parse(*view);
  if (!repr) {
    hardstack::fuzz::check_error_offset(repr.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(repr->type() == static_cast<std::uint8_t>(view->type()));
  HS_FUZZ_CHECK(inside(payload_of(repr->message), input));
  // Every kind accounts for every byte (timestamps are exactly 20).
  HS_FUZZ_CHECK(repr->buffer_len() == size);

  if (repr->buffer_len() > out.size()) return 0;
  check_refusals(*view, *repr);
  auto too_small = repr->emit(MutableBytes(out).first(size - 1));
  HS_FUZZ_CHECK(!too_small && too_small.error() == WireError::buffer_too_small);
  auto written = repr->emit(out);
  HS_FUZZ_CHECK(written && *written == size);
  const Bytes emitted = Bytes(out).first(*written);
  auto again = Icmpv4View::parse(emitted, ChecksumMode::verify);
  HS_FUZZ_CHECK(again.has_value());
  auto again_repr = Icmpv4Repr::parse(*again);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
  return 0;
}
