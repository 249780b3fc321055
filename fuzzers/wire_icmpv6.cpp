// ICMPv6 messages (RFC 4443) and Neighbor Discovery (RFC 4861). The input is
// one ICMPv6 message; the pseudo-header is fixed: source fe80::1, destination
// the solicited-node group ff02::1:ff00:2 for a Neighbor Solicitation (type
// 135), all-nodes ff02::1 otherwise (tools/corpus/wire_icmpv6.py uses the same).
// Invariants: errors point inside the input; checksum verification agrees
// with a by-hand RFC 1071 sum over the pseudo-header bytes; the ND option
// walker never leaves the message and a walk that fails makes the message
// fail; an option's bytes, wrapped as an unknown option, emit back to the
// same bytes exactly when the parser reads them as unknown; option lists stay
// within their capacity; spans a value holds lie inside the input; the
// addresses carried classify and read back as text; a message that parses
// re-emits, with a checksum that verifies, to bytes that parse to an equal
// value, and emit refuses a buffer one byte short and what the parser
// refuses (a type with its own kind as Icmpv6Other, a multicast ND target or
// Redirect destination, M/O among the RA's reserved flags); the error-quote
// helper keeps an error within 1280 bytes.
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/icmpv6.hpp"

using namespace hardstack::wire;
using hardstack::fuzz::inside;

namespace {

constexpr Ipv6Address link_local_source{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
constexpr Ipv6Address all_nodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
constexpr Ipv6Address solicited_node{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2}};
constexpr PseudoHeader to_all_nodes = PseudoHeader::v6(link_local_source, all_nodes);
constexpr PseudoHeader to_solicited_node = PseudoHeader::v6(link_local_source, solicited_node);

constexpr std::uint8_t next_header_icmpv6 = 58;

std::array<std::byte, 1 << 16> out;
std::array<std::byte, nd_option_field::max_len> option_out;

// Where a Neighbor Discovery type's options start; 0 for other types.
std::size_t options_begin(std::uint8_t type) {
  switch (static_cast<Icmpv6Type>(type)) {
    case Icmpv6Type::router_solicitation: return nd_field::rs_options_begin;
    case Icmpv6Type::router_advertisement: return nd_field::ra_options_begin;
    case Icmpv6Type::neighbor_solicitation: return nd_field::ns_options_begin;
    case Icmpv6Type::neighbor_advertisement: return nd_field::na_options_begin;
    case Icmpv6Type::redirect: return nd_field::redirect_options_begin;
    default: return 0;
  }
}

// Walks the options area; returns whether the walk succeeded.
bool walk_options(Bytes message, std::size_t begin) {
  NdOptionReader reader(message.subspan(begin), begin);
  std::size_t expected_offset = begin;
  for (;;) {
    auto next = reader.next();
    if (!next) {
      hardstack::fuzz::check_error_offset(next.error(), message.size());
      HS_FUZZ_CHECK(next.error().offset >= begin);
      return false;
    }
    if (!next->has_value()) {
      HS_FUZZ_CHECK(expected_offset == message.size());
      return true;
    }
    const NdOptionView& option = **next;
    HS_FUZZ_CHECK(option.offset == expected_offset);
    HS_FUZZ_CHECK(!option.bytes.empty() && option.bytes.size() % nd_option_field::unit == 0);
    HS_FUZZ_CHECK(inside(option.bytes, message));
    HS_FUZZ_CHECK(option.bytes.data() == message.data() + option.offset);
    // RFC 4861 4.6: what the parser keeps as an unknown option, and only
    // that, emits from its type and data back to the same bytes; anything
    // else would read back as a typed option (or not at all) and is refused.
    const auto parsed = parse_nd_option(option);
    const bool unknown = parsed && std::holds_alternative<NdUnknownOption>(*parsed);
    const NdUnknownOption wrapped{option.type, option.data()};
    if (unknown) HS_FUZZ_CHECK(std::get<NdUnknownOption>(*parsed) == wrapped);
    auto emitted = emit_nd_option(NdOption{wrapped}, option_out);
    HS_FUZZ_CHECK(emitted.has_value() == unknown);
    if (emitted) {
      HS_FUZZ_CHECK(*emitted == option.bytes.size() &&
                    same_bytes(Bytes(option_out).first(*emitted), option.bytes));
    } else {
      HS_FUZZ_CHECK(emitted.error() == WireError::unrepresentable);
    }
    expected_offset += option.bytes.size();
  }
}

const NdOptions* options_of(const Icmpv6Message& message) {
  if (const auto* m = std::get_if<NdRouterSolicitation>(&message)) return &m->options;
  if (const auto* m = std::get_if<NdRouterAdvertisement>(&message)) return &m->options;
  if (const auto* m = std::get_if<NdNeighborSolicitation>(&message)) return &m->options;
  if (const auto* m = std::get_if<NdNeighborAdvertisement>(&message)) return &m->options;
  if (const auto* m = std::get_if<NdRedirect>(&message)) return &m->options;
  return nullptr;
}

Bytes payload_of(const Icmpv6Message& message) {
  if (const auto* m = std::get_if<Icmpv6DestinationUnreachable>(&message)) return m->invoking_packet;
  if (const auto* m = std::get_if<Icmpv6PacketTooBig>(&message)) return m->invoking_packet;
  if (const auto* m = std::get_if<Icmpv6TimeExceeded>(&message)) return m->invoking_packet;
  if (const auto* m = std::get_if<Icmpv6ParameterProblem>(&message)) return m->invoking_packet;
  if (const auto* m = std::get_if<Icmpv6EchoRequest>(&message)) return m->data;
  if (const auto* m = std::get_if<Icmpv6EchoReply>(&message)) return m->data;
  if (const auto* m = std::get_if<Icmpv6Other>(&message)) return m->body;
  return {};
}

// The addresses an option carries: RDNSS entries are whole addresses.
void check_option_addresses(const NdOption& option) {
  if (const auto* o = std::get_if<NdSourceLinkLayerAddress>(&option))
    hardstack::fuzz::check_address(o->address);
  if (const auto* o = std::get_if<NdTargetLinkLayerAddress>(&option))
    hardstack::fuzz::check_address(o->address);
  if (const auto* o = std::get_if<NdRecursiveDnsServer>(&option)) {
    // RFC 8106 5.1: 1..127 addresses of 16 bytes.
    HS_FUZZ_CHECK(o->count() >= 1 && o->count() <= 127 && o->count() * 16 == o->addresses.size());
    const Ipv6Address last = o->address(o->count() - 1);
    HS_FUZZ_CHECK(
        same_bytes(Bytes(reinterpret_cast<const std::byte*>(last.octets.data()), 16), o->addresses.last(16)));
    hardstack::fuzz::check_address(o->address(0));
  }
}

// Emit refuses what the parser refuses: the value with one field changed to a
// value RFC 4861 forbids does not go out.
void check_refusals(const Icmpv6View& view, const Icmpv6Repr& repr, const PseudoHeader& pseudo) {
  // A type with a kind of its own is never Icmpv6Other, and cannot be sent as one.
  const std::uint8_t type = repr.type();
  HS_FUZZ_CHECK(icmpv6_type_has_kind(type) == !std::holds_alternative<Icmpv6Other>(repr.message));
  const Icmpv6Repr wrapped{Icmpv6Other{type, view.code(), view.body()}};
  const auto refused = [&](const Icmpv6Repr& r) {
    auto n = r.emit(out, pseudo);
    return !n && n.error() == WireError::unrepresentable;
  };
  if (icmpv6_type_has_kind(type)) {
    HS_FUZZ_CHECK(refused(wrapped));
  } else {
    HS_FUZZ_CHECK(wrapped == repr);
  }
  if (const auto* m = std::get_if<NdNeighborSolicitation>(&repr.message)) {
    hardstack::fuzz::check_address(m->target);
    NdNeighborSolicitation bad = *m;
    bad.target = all_nodes;  // RFC 4861 7.1.1
    HS_FUZZ_CHECK(refused(Icmpv6Repr{bad}));
  }
  if (const auto* m = std::get_if<NdNeighborAdvertisement>(&repr.message)) {
    hardstack::fuzz::check_address(m->target);
    NdNeighborAdvertisement bad = *m;
    bad.target = all_nodes;  // RFC 4861 7.1.2
    HS_FUZZ_CHECK(refused(Icmpv6Repr{bad}));
  }
  if (const auto* m = std::get_if<NdRedirect>(&repr.message)) {
    hardstack::fuzz::check_address(m->target);
    hardstack::fuzz::check_address(m->destination);
    NdRedirect bad = *m;
    bad.destination = all_nodes;  // RFC 4861 8.1
    HS_FUZZ_CHECK(refused(Icmpv6Repr{bad}));
  }
  if (const auto* m = std::get_if<NdRouterAdvertisement>(&repr.message)) {
    // RFC 4861 4.2: M and O have members of their own.
    NdRouterAdvertisement bad = *m;
    bad.reserved_flags = static_cast<std::uint8_t>(bad.reserved_flags | nd_field::ra_flag_managed);
    HS_FUZZ_CHECK(refused(Icmpv6Repr{bad}));
  }
}

Bytes option_span(const NdOption& option) {
  if (const auto* o = std::get_if<NdRedirectedHeader>(&option)) return o->packet;
  if (const auto* o = std::get_if<NdRecursiveDnsServer>(&option)) return o->addresses;
  if (const auto* o = std::get_if<NdUnknownOption>(&option)) return o->data;
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = hardstack::fuzz::as_bytes(data, size);
  const bool solicitation =
      size > 0 && data[0] == static_cast<std::uint8_t>(Icmpv6Type::neighbor_solicitation);
  const PseudoHeader& pseudo = solicitation ? to_solicited_node : to_all_nodes;
  auto view = Icmpv6View::parse(input, pseudo, hardstack::fuzz::checksum_mode(ChecksumMode::ignore));
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), size);
    return 0;
  }
  const auto type = static_cast<std::uint8_t>(view->type());
  HS_FUZZ_CHECK(size >= icmpv6_min_len(type));
  HS_FUZZ_CHECK(view->is_error() == (type < 128));  // RFC 4443 2.1

  // RFC 4443 2.3 / ICMP6-4: `verify` accepts exactly the messages whose sum
  // with the pseudo-header (RFC 8200 8.1, written out by hand) is 0xffff.
  const auto by_hand =
      hardstack::fuzz::pseudo_header_bytes(link_local_source, solicitation ? solicited_node : all_nodes,
                                           next_header_icmpv6, static_cast<std::uint32_t>(size));
  HS_FUZZ_CHECK(pseudo.start(next_header_icmpv6, static_cast<std::uint32_t>(size)).sum() ==
                hardstack::fuzz::ones_complement_sum({by_hand.span()}));
  const bool sums = hardstack::fuzz::ones_complement_sum({by_hand.span(), input}) == 0xffff;
  auto verified = Icmpv6View::parse(input, pseudo, ChecksumMode::verify);
  HS_FUZZ_CHECK(verified.has_value() == sums);
  if (!verified)
    HS_FUZZ_CHECK((verified.error() == ParseError{WireError::bad_checksum, icmpv6_field::checksum.begin}));

  const std::size_t begin = options_begin(type);
  const bool walk_ok = begin == 0 || walk_options(input, begin);

  auto repr = Icmpv6Repr::parse(*view);
  if (!repr) {
    hardstack::fuzz::check_error_offset(repr.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(walk_ok);  // ND-1: a bad option length fails the whole message
  HS_FUZZ_CHECK(repr->type() == type);
  HS_FUZZ_CHECK(repr->is_error() == view->is_error());
  HS_FUZZ_CHECK(repr->buffer_len() == size);
  HS_FUZZ_CHECK(inside(payload_of(repr->message), input));
  if (const NdOptions* options = options_of(repr->message)) {
    HS_FUZZ_CHECK(options->size() <= NdOptions::capacity());
    HS_FUZZ_CHECK(begin + nd_options_len(*options) == size);
    for (const auto& option : *options) {
      HS_FUZZ_CHECK(inside(option_span(option), input));
      check_option_addresses(option);
    }
  }
  if (repr->is_error()) {
    // ICMP6-3: an error about the quoted packet stays within 1280 bytes.
    const Bytes invoking = payload_of(repr->message);
    const std::size_t quote = icmpv6_error_quote_len(invoking);
    HS_FUZZ_CHECK(quote <= invoking.size());
    HS_FUZZ_CHECK(icmpv6_field::ipv6_header_len + icmpv6_field::error_header_len + quote <=
                  icmpv6_error_max_len);
    const Bytes quoted = icmpv6_error_quote(invoking);
    HS_FUZZ_CHECK(quoted.data() == invoking.data() && quoted.size() == quote);
  }

  if (repr->buffer_len() > out.size()) return 0;
  check_refusals(*view, *repr, pseudo);
  auto too_small = repr->emit(MutableBytes(out).first(size - 1), pseudo);
  HS_FUZZ_CHECK(!too_small && too_small.error() == WireError::buffer_too_small);
  auto written = repr->emit(out, pseudo);
  HS_FUZZ_CHECK(written && *written == size);
  const Bytes emitted = Bytes(out).first(*written);
  auto again = Icmpv6View::parse(emitted, pseudo, ChecksumMode::verify);
  HS_FUZZ_CHECK(again.has_value());
  auto again_repr = Icmpv6Repr::parse(*again);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
  return 0;
}
