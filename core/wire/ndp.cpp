#include "ndp.hpp"

#include "overloaded.hpp"

namespace hardstack::wire {

namespace o = nd_option_field;
namespace m = nd_field;

namespace {

constexpr std::size_t round_up_to_unit(std::size_t n) { return (n + o::unit - 1) / o::unit * o::unit; }

void fill_zero(MutableBytes out) {
  for (auto& b : out) b = std::byte{0};
}

// RFC 4291 2.5.6: fe80::/10.
bool is_link_local_unicast(const Ipv6Address& a) {
  return a.octets[0] == 0xfe && (a.octets[1] & 0xc0) == 0x80;
}

}  // namespace

ParseResult<std::optional<NdOptionView>> NdOptionReader::next() {
  if (pos_ >= area_.size()) return std::optional<NdOptionView>{};
  const std::size_t left = area_.size() - pos_;
  if (left < o::length.end) return parse_error(WireError::truncated, base_ + area_.size());
  const std::size_t len = std::size_t{load_u8(area_, pos_ + o::length.begin)} * o::unit;
  // ND-1 / RFC 4861 4.6: a length of 0 invalidates the message (it would
  // also loop forever); an option is bounded by the message.
  if (len == 0 || len > left)
    return parse_error(WireError::bad_option_length, base_ + pos_ + o::length.begin);
  const NdOptionView option{load_u8(area_, pos_ + o::type.begin), base_ + pos_, area_.subspan(pos_, len)};
  pos_ += len;
  return std::optional<NdOptionView>(option);
}

ParseResult<NdOption> parse_nd_option(const NdOptionView& option) {
  const Bytes b = option.bytes;
  const std::size_t units = option.length_units();
  const std::size_t length_at = option.offset + o::length.begin;
  switch (static_cast<NdOptionType>(option.type)) {
    case NdOptionType::source_link_layer_address:
      // RFC 2464 6: an Ethernet address makes a one-unit option; other link
      // layers' sizes stay raw.
      if (units == 1)
        return NdOption{NdSourceLinkLayerAddress{MacAddress::load(b, o::link_layer_address.begin)}};
      break;
    case NdOptionType::target_link_layer_address:
      if (units == 1)
        return NdOption{NdTargetLinkLayerAddress{MacAddress::load(b, o::link_layer_address.begin)}};
      break;
    case NdOptionType::prefix_information: {
      // RFC 4861 4.6.2: length 4. (LINUX skips a short one rather than
      // dropping the RA; a layer that reports errors reports it.)
      if (units != o::prefix_information_len / o::unit)
        return parse_error(WireError::bad_option_length, length_at);
      NdPrefixInformation p;
      p.prefix_length = load_u8(b, o::prefix_length.begin);
      if (p.prefix_length > 128)
        return parse_error(WireError::bad_option_value, option.offset + o::prefix_length.begin);
      const std::uint8_t flags = load_u8(b, o::prefix_flags.begin);
      p.on_link = (flags & o::prefix_flag_on_link) != 0;
      p.autonomous = (flags & o::prefix_flag_autonomous) != 0;
      p.reserved_flags =
          flags & static_cast<std::uint8_t>(~(o::prefix_flag_on_link | o::prefix_flag_autonomous));
      p.valid_lifetime = load_be32(b, o::valid_lifetime.begin);
      p.preferred_lifetime = load_be32(b, o::preferred_lifetime.begin);
      p.prefix = Ipv6Address::load(b, o::prefix.begin);
      return NdOption{p};
    }
    case NdOptionType::redirected_header:
      return NdOption{NdRedirectedHeader{b.subspan(o::redirected_packet_begin)}};
    case NdOptionType::mtu:
      // RFC 4861 4.6.4: length 1.
      if (units != 1) return parse_error(WireError::bad_option_length, length_at);
      return NdOption{NdMtu{load_be32(b, o::mtu.begin)}};
    case NdOptionType::recursive_dns_server:
      // RFC 8106 5.1: length 1 + 2n with n >= 1 addresses. An even length
      // would leave half an address (CVE-2020-16898 miscounted exactly that).
      if (units < 3 || units % 2 == 0) return parse_error(WireError::bad_option_length, length_at);
      return NdOption{
          NdRecursiveDnsServer{load_be32(b, o::rdnss_lifetime.begin), b.subspan(o::rdnss_addresses_begin)}};
    default: break;
  }
  // RFC 4861 4.6: options a receiver does not know are skipped; kept so they round-trip.
  return NdOption{NdUnknownOption{option.type, option.data()}};
}

ParseResult<NdOptions> parse_nd_options(Bytes options, std::size_t base) {
  NdOptions out;
  NdOptionReader reader(options, base);
  for (;;) {
    auto next = reader.next();
    if (!next) return Unexpected(next.error());
    if (!next->has_value()) return out;
    const NdOptionView& view = **next;
    auto option = parse_nd_option(view);
    if (!option) return Unexpected(option.error());
    if (!out.push_back(*option)) return parse_error(WireError::too_many_options, view.offset);
  }
}

std::size_t nd_option_len(const NdOption& option) {
  return std::visit(
      Overloaded{[](const NdPrefixInformation&) { return o::prefix_information_len; },
                 [](const NdRedirectedHeader& h) {
                   return o::redirected_packet_begin + round_up_to_unit(h.packet.size());
                 },
                 [](const NdRecursiveDnsServer& r) {
                   return o::rdnss_addresses_begin + round_up_to_unit(r.addresses.size());
                 },
                 [](const NdUnknownOption& u) { return round_up_to_unit(o::length.end + u.data.size()); },
                 [](const auto&) { return o::unit; }},  // link-layer addresses, MTU
      option);
}

std::size_t nd_options_len(const NdOptions& options) {
  std::size_t total = 0;
  for (const auto& option : options) total += nd_option_len(option);
  return total;
}

namespace {

// Whether the parser would read `option` back as the same value.
bool representable(const NdOption& option, std::size_t len) {
  if (len > o::max_len) return false;
  if (const auto* p = std::get_if<NdPrefixInformation>(&option))
    return p->prefix_length <= 128 &&
           (p->reserved_flags & (o::prefix_flag_on_link | o::prefix_flag_autonomous)) == 0;
  if (const auto* r = std::get_if<NdRecursiveDnsServer>(&option))
    return !r->addresses.empty() && r->addresses.size() % 16 == 0;
  if (const auto* u = std::get_if<NdUnknownOption>(&option)) {
    switch (static_cast<NdOptionType>(u->type)) {
      case NdOptionType::source_link_layer_address:
      case NdOptionType::target_link_layer_address:
        return len != o::unit;  // one unit reads back as a MAC address
      case NdOptionType::prefix_information:
      case NdOptionType::redirected_header:
      case NdOptionType::mtu:
      case NdOptionType::recursive_dns_server: return false;
      default: return true;
    }
  }
  return true;
}

}  // namespace

EmitResult emit_nd_option(const NdOption& option, MutableBytes out) {
  const std::size_t len = nd_option_len(option);
  if (!representable(option, len)) return emit_error(WireError::unrepresentable);
  if (out.size() < len) return emit_error(WireError::buffer_too_small);
  const MutableBytes b = out.first(len);
  fill_zero(b);  // reserved fields and padding
  store_u8(b, o::length.begin, static_cast<std::uint8_t>(len / o::unit));
  std::visit(
      Overloaded{
          [&](const NdSourceLinkLayerAddress& a) {
            store_u8(b, o::type.begin, static_cast<std::uint8_t>(NdOptionType::source_link_layer_address));
            a.address.store(b, o::link_layer_address.begin);
          },
          [&](const NdTargetLinkLayerAddress& a) {
            store_u8(b, o::type.begin, static_cast<std::uint8_t>(NdOptionType::target_link_layer_address));
            a.address.store(b, o::link_layer_address.begin);
          },
          [&](const NdPrefixInformation& p) {
            store_u8(b, o::type.begin, static_cast<std::uint8_t>(NdOptionType::prefix_information));
            store_u8(b, o::prefix_length.begin, p.prefix_length);
            const auto flags =
                static_cast<std::uint8_t>((p.on_link ? o::prefix_flag_on_link : 0) |
                                          (p.autonomous ? o::prefix_flag_autonomous : 0) | p.reserved_flags);
            store_u8(b, o::prefix_flags.begin, flags);
            store_be32(b, o::valid_lifetime.begin, p.valid_lifetime);
            store_be32(b, o::preferred_lifetime.begin, p.preferred_lifetime);
            p.prefix.store(b, o::prefix.begin);
          },
          [&](const NdRedirectedHeader& h) {
            store_u8(b, o::type.begin, static_cast<std::uint8_t>(NdOptionType::redirected_header));
            copy_into(b, o::redirected_packet_begin, h.packet);
          },
          [&](const NdMtu& mtu) {
            store_u8(b, o::type.begin, static_cast<std::uint8_t>(NdOptionType::mtu));
            store_be32(b, o::mtu.begin, mtu.mtu);
          },
          [&](const NdRecursiveDnsServer& r) {
            store_u8(b, o::type.begin, static_cast<std::uint8_t>(NdOptionType::recursive_dns_server));
            store_be32(b, o::rdnss_lifetime.begin, r.lifetime);
            copy_into(b, o::rdnss_addresses_begin, r.addresses);
          },
          [&](const NdUnknownOption& u) {
            store_u8(b, o::type.begin, u.type);
            copy_into(b, o::length.end, u.data);
          },
      },
      option);
  return len;
}

EmitResult emit_nd_options(const NdOptions& options, MutableBytes out) {
  std::size_t at = 0;
  for (const auto& option : options) {
    auto n = emit_nd_option(option, out.subspan(at));
    if (!n) return n;
    at += *n;
  }
  return at;
}

// ---- Messages

namespace {

// RFC 4861 6.1 / 7.1 / 8.1: the length and code checks every message shares.
std::optional<ParseError> check_message(Bytes message, std::size_t min_len) {
  if (message.size() < min_len)
    return ParseError{WireError::truncated, static_cast<std::uint32_t>(message.size())};
  if (load_u8(message, m::code.begin) != 0) return ParseError{WireError::bad_field, m::code.begin};
  return std::nullopt;
}

template <class Message>
EmitResult finish_emit(const Message& msg, MutableBytes message, std::size_t options_begin) {
  auto n = emit_nd_options(msg.options, message.subspan(options_begin));
  if (!n) return n;
  return options_begin + *n;
}

}  // namespace

ParseResult<NdRouterSolicitation> NdRouterSolicitation::parse(Bytes message) {
  if (auto e = check_message(message, m::rs_options_begin)) return Unexpected(*e);
  auto options = parse_nd_options(message.subspan(m::rs_options_begin), m::rs_options_begin);
  if (!options) return Unexpected(options.error());
  return NdRouterSolicitation{*options};
}

std::size_t NdRouterSolicitation::message_len() const {
  return m::rs_options_begin + nd_options_len(options);
}

EmitResult NdRouterSolicitation::emit_fields(MutableBytes message) const {
  if (message.size() < message_len()) return emit_error(WireError::buffer_too_small);
  store_be32(message, m::reserved.begin, 0);
  return finish_emit(*this, message, m::rs_options_begin);
}

ParseResult<NdRouterAdvertisement> NdRouterAdvertisement::parse(Bytes message) {
  if (auto e = check_message(message, m::ra_options_begin)) return Unexpected(*e);
  auto options = parse_nd_options(message.subspan(m::ra_options_begin), m::ra_options_begin);
  if (!options) return Unexpected(options.error());
  NdRouterAdvertisement ra;
  ra.cur_hop_limit = load_u8(message, m::cur_hop_limit.begin);
  const std::uint8_t flags = load_u8(message, m::ra_flags.begin);
  ra.managed_address_configuration = (flags & m::ra_flag_managed) != 0;
  ra.other_configuration = (flags & m::ra_flag_other) != 0;
  ra.reserved_flags = flags & static_cast<std::uint8_t>(~(m::ra_flag_managed | m::ra_flag_other));
  ra.router_lifetime = load_be16(message, m::router_lifetime.begin);
  ra.reachable_time = load_be32(message, m::reachable_time.begin);
  ra.retrans_timer = load_be32(message, m::retrans_timer.begin);
  ra.options = *options;
  return ra;
}

std::size_t NdRouterAdvertisement::message_len() const {
  return m::ra_options_begin + nd_options_len(options);
}

EmitResult NdRouterAdvertisement::emit_fields(MutableBytes message) const {
  // M and O have their own members; reserved_flags may not hold them too.
  if ((reserved_flags & (m::ra_flag_managed | m::ra_flag_other)) != 0)
    return emit_error(WireError::unrepresentable);
  if (message.size() < message_len()) return emit_error(WireError::buffer_too_small);
  store_u8(message, m::cur_hop_limit.begin, cur_hop_limit);
  const auto flags = static_cast<std::uint8_t>((managed_address_configuration ? m::ra_flag_managed : 0) |
                                               (other_configuration ? m::ra_flag_other : 0) | reserved_flags);
  store_u8(message, m::ra_flags.begin, flags);
  store_be16(message, m::router_lifetime.begin, router_lifetime);
  store_be32(message, m::reachable_time.begin, reachable_time);
  store_be32(message, m::retrans_timer.begin, retrans_timer);
  return finish_emit(*this, message, m::ra_options_begin);
}

ParseResult<NdNeighborSolicitation> NdNeighborSolicitation::parse(Bytes message) {
  if (auto e = check_message(message, m::ns_options_begin)) return Unexpected(*e);
  NdNeighborSolicitation ns;
  ns.target = Ipv6Address::load(message, m::target.begin);
  // RFC 4861 7.1.1: the target is not a multicast address.
  if (ns.target.is_multicast()) return parse_error(WireError::bad_field, m::target.begin);
  auto options = parse_nd_options(message.subspan(m::ns_options_begin), m::ns_options_begin);
  if (!options) return Unexpected(options.error());
  ns.options = *options;
  return ns;
}

std::size_t NdNeighborSolicitation::message_len() const {
  return m::ns_options_begin + nd_options_len(options);
}

EmitResult NdNeighborSolicitation::emit_fields(MutableBytes message) const {
  if (target.is_multicast()) return emit_error(WireError::unrepresentable);
  if (message.size() < message_len()) return emit_error(WireError::buffer_too_small);
  store_be32(message, m::reserved.begin, 0);
  target.store(message, m::target.begin);
  return finish_emit(*this, message, m::ns_options_begin);
}

ParseResult<NdNeighborAdvertisement> NdNeighborAdvertisement::parse(Bytes message) {
  if (auto e = check_message(message, m::na_options_begin)) return Unexpected(*e);
  NdNeighborAdvertisement na;
  const std::uint8_t flags = load_u8(message, m::na_flags.begin);
  na.router = (flags & m::na_flag_router) != 0;
  na.solicited = (flags & m::na_flag_solicited) != 0;
  na.override_flag = (flags & m::na_flag_override) != 0;
  na.target = Ipv6Address::load(message, m::target.begin);
  // RFC 4861 7.1.2: the target is not a multicast address.
  if (na.target.is_multicast()) return parse_error(WireError::bad_field, m::target.begin);
  auto options = parse_nd_options(message.subspan(m::na_options_begin), m::na_options_begin);
  if (!options) return Unexpected(options.error());
  na.options = *options;
  return na;
}

std::size_t NdNeighborAdvertisement::message_len() const {
  return m::na_options_begin + nd_options_len(options);
}

EmitResult NdNeighborAdvertisement::emit_fields(MutableBytes message) const {
  if (target.is_multicast()) return emit_error(WireError::unrepresentable);
  if (message.size() < message_len()) return emit_error(WireError::buffer_too_small);
  const auto flags =
      static_cast<std::uint8_t>((router ? m::na_flag_router : 0) | (solicited ? m::na_flag_solicited : 0) |
                                (override_flag ? m::na_flag_override : 0));
  store_be32(message, m::reserved.begin, std::uint32_t{flags} << 24);
  target.store(message, m::target.begin);
  return finish_emit(*this, message, m::na_options_begin);
}

ParseResult<NdRedirect> NdRedirect::parse(Bytes message) {
  if (auto e = check_message(message, m::redirect_options_begin)) return Unexpected(*e);
  NdRedirect r;
  r.target = Ipv6Address::load(message, m::target.begin);
  r.destination = Ipv6Address::load(message, m::destination.begin);
  // RFC 4861 8.1: the destination is not multicast; the target is a
  // link-local router or the destination itself (on-link).
  if (r.destination.is_multicast()) return parse_error(WireError::bad_field, m::destination.begin);
  if (!is_link_local_unicast(r.target) && r.target != r.destination)
    return parse_error(WireError::bad_field, m::target.begin);
  auto options = parse_nd_options(message.subspan(m::redirect_options_begin), m::redirect_options_begin);
  if (!options) return Unexpected(options.error());
  r.options = *options;
  return r;
}

std::size_t NdRedirect::message_len() const { return m::redirect_options_begin + nd_options_len(options); }

EmitResult NdRedirect::emit_fields(MutableBytes message) const {
  if (destination.is_multicast() || (!is_link_local_unicast(target) && target != destination))
    return emit_error(WireError::unrepresentable);
  if (message.size() < message_len()) return emit_error(WireError::buffer_too_small);
  store_be32(message, m::reserved.begin, 0);
  target.store(message, m::target.begin);
  destination.store(message, m::destination.begin);
  return finish_emit(*this, message, m::redirect_options_begin);
}

}  // namespace hardstack::wire
