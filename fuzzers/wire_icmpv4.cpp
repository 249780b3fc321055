// ICMPv4 messages (RFC 792, RFC 1191). The input is one ICMP message, as
// the IPv4 layer would hand it up.
// Invariants: errors point inside the input; spans a value holds lie inside
// the input; a message that parses re-emits, with a checksum that verifies,
// to bytes that parse to an equal value; the error-quote helper stays within
// the bytes it is given and the 576-byte bound.
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/icmpv4.hpp"

using namespace hardstack::wire;

namespace {

bool inside(Bytes part, Bytes whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = hardstack::fuzz::as_bytes(data, size);
  auto view = Icmpv4View::parse(input, hardstack::fuzz::checksum_mode(ChecksumMode::ignore));
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(view->data().size() + icmpv4_field::header_len == size);

  // ICMP4-3: what an error about this datagram would quote.
  const Bytes datagram = view->data();
  const std::size_t quote = icmpv4_error_quote_len(datagram);
  HS_FUZZ_CHECK(quote <= datagram.size());
  HS_FUZZ_CHECK(20 + icmpv4_field::header_len + quote <= icmpv4_error_max_len);

  auto repr = Icmpv4Repr::parse(*view);
  if (!repr) {
    hardstack::fuzz::check_error_offset(repr.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(repr->type() == static_cast<std::uint8_t>(view->type()));
  HS_FUZZ_CHECK(inside(payload_of(repr->message), input));
  // Every kind accounts for every byte (timestamps are exactly 20).
  HS_FUZZ_CHECK(repr->buffer_len() == size);

  static std::array<std::byte, 1 << 16> out;
  if (repr->buffer_len() > out.size()) return 0;
  auto written = repr->emit(out);
  HS_FUZZ_CHECK(written && *written == size);
  auto again = Icmpv4View::parse(Bytes(out).first(*written), ChecksumMode::verify);
  HS_FUZZ_CHECK(again.has_value());
  auto again_repr = Icmpv4Repr::parse(*again);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
  return 0;
}
