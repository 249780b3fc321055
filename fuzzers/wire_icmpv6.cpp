// ICMPv6 messages (RFC 4443) and Neighbor Discovery (RFC 4861). The input is
// one ICMPv6 message; the pseudo-header is fixed: source fe80::1, destination
// the solicited-node group ff02::1:ff00:2 for a Neighbor Solicitation (type
// 135), all-nodes ff02::1 otherwise (tools/corpus/wire_icmpv6.py uses the same).
// Invariants: errors point inside the input; the ND option walker never
// leaves the message and a walk that fails makes the message fail; option
// lists stay within their capacity; spans a value holds lie inside the
// input; a message that parses re-emits, with a checksum that verifies, to
// bytes that parse to an equal value; the error-quote helper keeps an error
// within 1280 bytes.
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/icmpv6.hpp"

using namespace hardstack::wire;

namespace {

constexpr Ipv6Address link_local_source{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
constexpr Ipv6Address all_nodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
constexpr Ipv6Address solicited_node{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2}};
constexpr PseudoHeader to_all_nodes = PseudoHeader::v6(link_local_source, all_nodes);
constexpr PseudoHeader to_solicited_node = PseudoHeader::v6(link_local_source, solicited_node);

bool inside(Bytes part, Bytes whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

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

  const std::size_t begin = options_begin(type);
  const bool walk_ok = begin == 0 || walk_options(input, begin);

  auto repr = Icmpv6Repr::parse(*view);
  if (!repr) {
    hardstack::fuzz::check_error_offset(repr.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(walk_ok);  // ND-1: a bad option length fails the whole message
  HS_FUZZ_CHECK(repr->type() == type);
  HS_FUZZ_CHECK(repr->buffer_len() == size);
  HS_FUZZ_CHECK(inside(payload_of(repr->message), input));
  if (const NdOptions* options = options_of(repr->message)) {
    HS_FUZZ_CHECK(options->size() <= NdOptions::capacity());
    HS_FUZZ_CHECK(begin + nd_options_len(*options) == size);
    for (const auto& option : *options) HS_FUZZ_CHECK(inside(option_span(option), input));
  }
  if (repr->is_error()) {
    // ICMP6-3: an error about the quoted packet stays within 1280 bytes.
    const Bytes invoking = payload_of(repr->message);
    const std::size_t quote = icmpv6_error_quote_len(invoking);
    HS_FUZZ_CHECK(quote <= invoking.size());
    HS_FUZZ_CHECK(icmpv6_field::ipv6_header_len + icmpv6_field::error_header_len + quote <=
                  icmpv6_error_max_len);
  }

  static std::array<std::byte, 1 << 16> out;
  if (repr->buffer_len() > out.size()) return 0;
  auto written = repr->emit(out, pseudo);
  HS_FUZZ_CHECK(written && *written == size);
  auto again = Icmpv6View::parse(Bytes(out).first(*written), pseudo, ChecksumMode::verify);
  HS_FUZZ_CHECK(again.has_value());
  auto again_repr = Icmpv6Repr::parse(*again);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
  return 0;
}
