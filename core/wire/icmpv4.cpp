#include "icmpv4.hpp"

#include "overloaded.hpp"

#include "checksum.hpp"

namespace hardstack::wire {

namespace f = icmpv4_field;

namespace {

// The 8-byte header and the data; the checksum field is zero until finish().
void write_header(MutableBytes out, std::uint8_t type, std::uint8_t code, std::uint32_t rest, Bytes data) {
  store_u8(out, f::type.begin, type);
  store_u8(out, f::code.begin, code);
  store_be16(out, f::checksum.begin, 0);
  store_be32(out, f::rest_of_header.begin, rest);
  copy_into(out, f::header_len, data);
}

std::uint32_t pack16(std::uint16_t high, std::uint16_t low) {
  return static_cast<std::uint32_t>(high) << 16 | low;
}

}  // namespace

ParseResult<Icmpv4View> Icmpv4View::parse(Bytes message, ChecksumMode mode) {
  if (message.size() < f::header_len) return parse_error(WireError::truncated, message.size());
  // RFC 792: the checksum covers the whole ICMP message. ICMP4-4: bad -> discard.
  if (mode == ChecksumMode::verify && !checksum_verifies(ChecksumAccumulator{}.add(message)))
    return parse_error(WireError::bad_checksum, f::checksum.begin);
  return Icmpv4View(message);
}

bool icmpv4_type_has_kind(std::uint8_t type) {
  switch (static_cast<Icmpv4Type>(type)) {
    case Icmpv4Type::echo_reply:
    case Icmpv4Type::destination_unreachable:
    case Icmpv4Type::redirect:
    case Icmpv4Type::echo_request:
    case Icmpv4Type::time_exceeded:
    case Icmpv4Type::parameter_problem:
    case Icmpv4Type::timestamp:
    case Icmpv4Type::timestamp_reply: return true;
    default: return false;
  }
}

namespace {

template <class Timestamp>
ParseResult<Icmpv4Repr> parse_timestamp(const Icmpv4View& view) {
  const Bytes b = view.bytes();
  if (b.size() < f::timestamp_len) return parse_error(WireError::truncated, b.size());
  // RFC 792: a timestamp message is the header plus three timestamps, nothing more.
  // (LINUX icmp_timestamp only needs the originate timestamp; we hold the RFC's size.)
  if (b.size() > f::timestamp_len) return parse_error(WireError::bad_length, f::timestamp_len);
  Timestamp t;
  t.identifier = view.identifier();
  t.sequence_number = view.sequence_number();
  t.originate_timestamp = load_be32(b, f::originate_timestamp.begin);
  t.receive_timestamp = load_be32(b, f::receive_timestamp.begin);
  t.transmit_timestamp = load_be32(b, f::transmit_timestamp.begin);
  return Icmpv4Repr{t};
}

}  // namespace

ParseResult<Icmpv4Repr> Icmpv4Repr::parse(const Icmpv4View& view) {
  switch (view.type()) {
    case Icmpv4Type::echo_request:
      return Icmpv4Repr{Icmpv4EchoRequest{view.identifier(), view.sequence_number(), view.data()}};
    case Icmpv4Type::echo_reply:
      return Icmpv4Repr{Icmpv4EchoReply{view.identifier(), view.sequence_number(), view.data()}};
    case Icmpv4Type::destination_unreachable: {
      const auto code = static_cast<Icmpv4UnreachableCode>(view.code());
      // RFC 1191: only "fragmentation needed" carries the next-hop MTU; the
      // field is unused (zero on send, ignored on receipt) for other codes.
      const std::uint16_t mtu = code == Icmpv4UnreachableCode::fragmentation_needed ? view.next_hop_mtu() : 0;
      return Icmpv4Repr{Icmpv4DestinationUnreachable{code, mtu, view.data()}};
    }
    case Icmpv4Type::time_exceeded:
      return Icmpv4Repr{Icmpv4TimeExceeded{static_cast<Icmpv4TimeExceededCode>(view.code()), view.data()}};
    case Icmpv4Type::parameter_problem:
      return Icmpv4Repr{Icmpv4ParameterProblem{static_cast<Icmpv4ParameterProblemCode>(view.code()),
                                               view.pointer(), view.data()}};
    case Icmpv4Type::redirect:
      return Icmpv4Repr{
          Icmpv4Redirect{static_cast<Icmpv4RedirectCode>(view.code()), view.gateway(), view.data()}};
    case Icmpv4Type::timestamp: return parse_timestamp<Icmpv4Timestamp>(view);
    case Icmpv4Type::timestamp_reply: return parse_timestamp<Icmpv4TimestampReply>(view);
    default:
      // ICMP4-4: unknown (and deprecated) types are the stack's to ignore.
      return Icmpv4Repr{Icmpv4Other{static_cast<std::uint8_t>(view.type()), view.code(),
                                    view.rest_of_header(), view.data()}};
  }
}

std::uint8_t Icmpv4Repr::type() const {
  return std::visit(Overloaded{[](const Icmpv4Other& m) { return m.type; },
                               [](const auto& m) { return static_cast<std::uint8_t>(m.type); }},
                    message);
}

std::uint8_t Icmpv4Repr::code() const {
  return std::visit(Overloaded{[](const Icmpv4Other& m) { return m.code; },
                               [](const Icmpv4EchoRequest&) { return std::uint8_t{0}; },
                               [](const Icmpv4EchoReply&) { return std::uint8_t{0}; },
                               [](const Icmpv4Timestamp&) { return std::uint8_t{0}; },
                               [](const Icmpv4TimestampReply&) { return std::uint8_t{0}; },
                               [](const auto& m) { return static_cast<std::uint8_t>(m.code); }},
                    message);
}

std::size_t Icmpv4Repr::buffer_len() const {
  return std::visit(Overloaded{[](const Icmpv4Timestamp&) { return f::timestamp_len; },
                               [](const Icmpv4TimestampReply&) { return f::timestamp_len; },
                               [](const Icmpv4EchoRequest& m) { return f::header_len + m.data.size(); },
                               [](const Icmpv4EchoReply& m) { return f::header_len + m.data.size(); },
                               [](const Icmpv4Other& m) { return f::header_len + m.data.size(); },
                               [](const auto& m) { return f::header_len + m.invoking_datagram.size(); }},
                    message);
}

EmitResult Icmpv4Repr::emit(MutableBytes out) const {
  if (const auto* other = std::get_if<Icmpv4Other>(&message); other && icmpv4_type_has_kind(other->type))
    return emit_error(WireError::unrepresentable);
  if (const auto* unreachable = std::get_if<Icmpv4DestinationUnreachable>(&message);
      unreachable && unreachable->code != Icmpv4UnreachableCode::fragmentation_needed &&
      unreachable->next_hop_mtu != 0)
    return emit_error(WireError::unrepresentable);
  const std::size_t len = buffer_len();
  if (out.size() < len) return emit_error(WireError::buffer_too_small);

  const std::uint8_t t = type();
  const std::uint8_t c = code();
  std::visit(
      Overloaded{
          [&](const Icmpv4EchoRequest& m) {
            write_header(out, t, c, pack16(m.identifier, m.sequence_number), m.data);
          },
          [&](const Icmpv4EchoReply& m) {
            write_header(out, t, c, pack16(m.identifier, m.sequence_number), m.data);
          },
          [&](const Icmpv4DestinationUnreachable& m) {
            write_header(out, t, c, m.next_hop_mtu, m.invoking_datagram);
          },
          [&](const Icmpv4TimeExceeded& m) { write_header(out, t, c, 0, m.invoking_datagram); },
          [&](const Icmpv4ParameterProblem& m) {
            write_header(out, t, c, static_cast<std::uint32_t>(m.pointer) << 24, m.invoking_datagram);
          },
          [&](const Icmpv4Redirect& m) { write_header(out, t, c, m.gateway.to_u32(), m.invoking_datagram); },
          [&](const auto& m) {  // timestamps
            write_header(out, t, c, pack16(m.identifier, m.sequence_number), {});
            store_be32(out, f::originate_timestamp.begin, m.originate_timestamp);
            store_be32(out, f::receive_timestamp.begin, m.receive_timestamp);
            store_be32(out, f::transmit_timestamp.begin, m.transmit_timestamp);
          },
          [&](const Icmpv4Other& m) { write_header(out, t, c, m.rest_of_header, m.data); },
      },
      message);
  store_be16(out, f::checksum.begin, internet_checksum(Bytes(out).first(len)));
  return len;
}

std::size_t icmpv4_error_quote_len(Bytes offending, std::size_t ip_header_len, std::size_t error_max_len) {
  const std::size_t headers = ip_header_len + f::header_len;
  if (error_max_len < headers) return 0;
  std::size_t datagram_len = offending.size();
  // Quote the datagram, not the link padding after it: trust Total Length when
  // it covers at least the header the IHL names and no more than was received.
  if (offending.size() >= 4) {
    const std::size_t ihl_bytes = static_cast<std::size_t>(load_u8(offending, 0) & 0x0f) * 4;
    const std::size_t total_length = load_be16(offending, 2);
    if (total_length >= ihl_bytes && total_length >= 20 && total_length < datagram_len)
      datagram_len = total_length;
  }
  const std::size_t room = error_max_len - headers;
  return datagram_len < room ? datagram_len : room;
}

}  // namespace hardstack::wire
