#include "icmpv6.hpp"

#include "overloaded.hpp"

namespace hardstack::wire {

namespace f = icmpv6_field;

namespace {

void write_error_header(MutableBytes out, std::uint32_t word, Bytes invoking) {
  store_be32(out, f::header_len, word);
  copy_into(out, f::error_header_len, invoking);
}

template <class Echo>
void write_echo(MutableBytes out, const Echo& m) {
  store_be16(out, f::identifier.begin, m.identifier);
  store_be16(out, f::sequence_number.begin, m.sequence_number);
  copy_into(out, f::echo_header_len, m.data);
}

constexpr std::uint8_t type_byte(Icmpv6Type t) { return static_cast<std::uint8_t>(t); }

template <class Nd>
ParseResult<Icmpv6Repr> parse_nd(Bytes message) {
  auto nd = Nd::parse(message);
  if (!nd) return Unexpected(nd.error());
  return Icmpv6Repr{std::move(*nd)};
}

}  // namespace

std::size_t icmpv6_min_len(std::uint8_t type) {
  switch (static_cast<Icmpv6Type>(type)) {
    case Icmpv6Type::destination_unreachable:
    case Icmpv6Type::packet_too_big:
    case Icmpv6Type::time_exceeded:
    case Icmpv6Type::parameter_problem:
      return f::error_header_len;  // RFC 4443 3: type, code, checksum, a 32-bit word
    case Icmpv6Type::echo_request:
    case Icmpv6Type::echo_reply: return f::echo_header_len;                      // RFC 4443 4.1, 4.2
    case Icmpv6Type::router_solicitation: return nd_field::rs_options_begin;     // RFC 4861 6.1.1: 8 or more
    case Icmpv6Type::router_advertisement: return nd_field::ra_options_begin;    // RFC 4861 6.1.2: 16 or more
    case Icmpv6Type::neighbor_solicitation: return nd_field::ns_options_begin;   // RFC 4861 7.1.1: 24 or more
    case Icmpv6Type::neighbor_advertisement: return nd_field::na_options_begin;  // RFC 4861 7.1.2: 24 or more
    case Icmpv6Type::redirect: return nd_field::redirect_options_begin;          // RFC 4861 8.1: 40 or more
    default: return f::header_len;
  }
}

bool icmpv6_type_has_kind(std::uint8_t type) { return icmpv6_min_len(type) != f::header_len; }

ParseResult<Icmpv6View> Icmpv6View::parse(Bytes message, const PseudoHeader& pseudo, ChecksumMode mode) {
  if (message.size() < f::header_len) return parse_error(WireError::truncated, message.size());
  // ICMP6-4 / RFC 4443 2.3: the checksum covers the pseudo-header (next
  // header 58) and the whole message. Checked before the type's length, as
  // LINUX icmpv6_rcv does.
  if (mode == ChecksumMode::verify &&
      !checksum_verifies(
          pseudo.start(f::next_header, static_cast<std::uint32_t>(message.size())).add(message)))
    return parse_error(WireError::bad_checksum, f::checksum.begin);
  if (message.size() < icmpv6_min_len(load_u8(message, f::type.begin)))
    return parse_error(WireError::truncated, message.size());
  return Icmpv6View(message);
}

ParseResult<Icmpv6Repr> Icmpv6Repr::parse(const Icmpv6View& view) {
  const Bytes b = view.bytes();
  switch (view.type()) {
    case Icmpv6Type::destination_unreachable:
      // RFC 4443 3.1: the 32-bit word after the checksum is unused.
      return Icmpv6Repr{Icmpv6DestinationUnreachable{static_cast<Icmpv6UnreachableCode>(view.code()),
                                                     b.subspan(f::error_header_len)}};
    case Icmpv6Type::packet_too_big:
      return Icmpv6Repr{Icmpv6PacketTooBig{load_be32(b, f::mtu.begin), b.subspan(f::error_header_len)}};
    case Icmpv6Type::time_exceeded:
      return Icmpv6Repr{Icmpv6TimeExceeded{static_cast<Icmpv6TimeExceededCode>(view.code()),
                                           b.subspan(f::error_header_len)}};
    case Icmpv6Type::parameter_problem:
      return Icmpv6Repr{Icmpv6ParameterProblem{static_cast<Icmpv6ParameterProblemCode>(view.code()),
                                               load_be32(b, f::pointer.begin),
                                               b.subspan(f::error_header_len)}};
    case Icmpv6Type::echo_request:
      return Icmpv6Repr{Icmpv6EchoRequest{load_be16(b, f::identifier.begin),
                                          load_be16(b, f::sequence_number.begin),
                                          b.subspan(f::echo_header_len)}};
    case Icmpv6Type::echo_reply:
      return Icmpv6Repr{Icmpv6EchoReply{load_be16(b, f::identifier.begin),
                                        load_be16(b, f::sequence_number.begin),
                                        b.subspan(f::echo_header_len)}};
    case Icmpv6Type::router_solicitation: return parse_nd<NdRouterSolicitation>(b);
    case Icmpv6Type::router_advertisement: return parse_nd<NdRouterAdvertisement>(b);
    case Icmpv6Type::neighbor_solicitation: return parse_nd<NdNeighborSolicitation>(b);
    case Icmpv6Type::neighbor_advertisement: return parse_nd<NdNeighborAdvertisement>(b);
    case Icmpv6Type::redirect: return parse_nd<NdRedirect>(b);
    default:
      // RFC 4443 2.4 (b), (d): the stack decides (upper layer for errors, discard for informational).
      return Icmpv6Repr{Icmpv6Other{static_cast<std::uint8_t>(view.type()), view.code(), view.body()}};
  }
}

std::uint8_t Icmpv6Repr::type() const {
  return std::visit(
      Overloaded{[](const Icmpv6Other& m) { return m.type; },
                 [](const NdRouterSolicitation&) { return type_byte(Icmpv6Type::router_solicitation); },
                 [](const NdRouterAdvertisement&) { return type_byte(Icmpv6Type::router_advertisement); },
                 [](const NdNeighborSolicitation&) { return type_byte(Icmpv6Type::neighbor_solicitation); },
                 [](const NdNeighborAdvertisement&) { return type_byte(Icmpv6Type::neighbor_advertisement); },
                 [](const NdRedirect&) { return type_byte(Icmpv6Type::redirect); },
                 [](const auto& m) { return static_cast<std::uint8_t>(m.type); }},
      message);
}

std::uint8_t Icmpv6Repr::code() const {
  return std::visit(
      Overloaded{[](const Icmpv6Other& m) { return m.code; },
                 [](const Icmpv6DestinationUnreachable& m) { return static_cast<std::uint8_t>(m.code); },
                 [](const Icmpv6TimeExceeded& m) { return static_cast<std::uint8_t>(m.code); },
                 [](const Icmpv6ParameterProblem& m) { return static_cast<std::uint8_t>(m.code); },
                 [](const auto&) { return std::uint8_t{0}; }},
      message);
}

std::size_t Icmpv6Repr::buffer_len() const {
  return std::visit(
      Overloaded{
          [](const Icmpv6DestinationUnreachable& m) {
            return f::error_header_len + m.invoking_packet.size();
          },
          [](const Icmpv6PacketTooBig& m) { return f::error_header_len + m.invoking_packet.size(); },
          [](const Icmpv6TimeExceeded& m) { return f::error_header_len + m.invoking_packet.size(); },
          [](const Icmpv6ParameterProblem& m) { return f::error_header_len + m.invoking_packet.size(); },
          [](const Icmpv6EchoRequest& m) { return f::echo_header_len + m.data.size(); },
          [](const Icmpv6EchoReply& m) { return f::echo_header_len + m.data.size(); },
          [](const Icmpv6Other& m) { return f::header_len + m.body.size(); },
          [](const auto& nd) { return nd.message_len(); }},
      message);
}

EmitResult Icmpv6Repr::emit(MutableBytes out, const PseudoHeader& pseudo) const {
  if (const auto* other = std::get_if<Icmpv6Other>(&message); other && icmpv6_type_has_kind(other->type))
    return emit_error(WireError::unrepresentable);
  const std::size_t len = buffer_len();
  if (out.size() < len) return emit_error(WireError::buffer_too_small);
  const MutableBytes msg = out.first(len);
  store_u8(msg, f::type.begin, type());
  store_u8(msg, f::code.begin, code());
  store_be16(msg, f::checksum.begin, 0);
  const EmitResult body = std::visit(Overloaded{
                                         [&](const Icmpv6DestinationUnreachable& m) -> EmitResult {
                                           write_error_header(msg, 0, m.invoking_packet);
                                           return len;
                                         },
                                         [&](const Icmpv6PacketTooBig& m) -> EmitResult {
                                           write_error_header(msg, m.mtu, m.invoking_packet);
                                           return len;
                                         },
                                         [&](const Icmpv6TimeExceeded& m) -> EmitResult {
                                           write_error_header(msg, 0, m.invoking_packet);
                                           return len;
                                         },
                                         [&](const Icmpv6ParameterProblem& m) -> EmitResult {
                                           write_error_header(msg, m.pointer, m.invoking_packet);
                                           return len;
                                         },
                                         [&](const Icmpv6EchoRequest& m) -> EmitResult {
                                           write_echo(msg, m);
                                           return len;
                                         },
                                         [&](const Icmpv6EchoReply& m) -> EmitResult {
                                           write_echo(msg, m);
                                           return len;
                                         },
                                         [&](const Icmpv6Other& m) -> EmitResult {
                                           copy_into(msg, f::header_len, m.body);
                                           return len;
                                         },
                                         [&](const auto& nd) -> EmitResult { return nd.emit_fields(msg); },
                                     },
                                     message);
  if (!body) return body;
  store_be16(msg, f::checksum.begin,
             pseudo.start(f::next_header, static_cast<std::uint32_t>(len)).add(msg).checksum());
  return len;
}

std::size_t icmpv6_error_quote_len(Bytes offending, std::size_t error_max_len) {
  const std::size_t headers = f::ipv6_header_len + f::error_header_len;
  if (error_max_len < headers) return 0;
  std::size_t packet_len = offending.size();
  // Quote the packet, not link padding after it. Payload Length 0 (a jumbogram
  // or a bogus header) leaves the bytes as received.
  if (offending.size() >= 6) {
    const std::size_t payload_length = load_be16(offending, 4);
    if (payload_length != 0 && f::ipv6_header_len + payload_length < packet_len)
      packet_len = f::ipv6_header_len + payload_length;
  }
  const std::size_t room = error_max_len - headers;
  return packet_len < room ? packet_len : room;
}

}  // namespace hardstack::wire
