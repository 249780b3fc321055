// Stack: configuration, interfaces and addresses, the link layer (Ethernet,
// raw IP, loopback), ARP, neighbour resolution on output, timers and drop
// accounting. IPv4 is in stack_ipv4.cpp, IPv6 in stack_ipv6.cpp.

#include "stack.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "stack_internal.hpp"

namespace hardstack::net {

namespace {

constexpr std::size_t kMaxIpMtu = 65535;
constexpr std::size_t kLoopbackMtu = 65536;  // LINUX: lo's MTU
constexpr std::size_t kIpv4MinMtu = 68;      // RFC 791
constexpr std::size_t kIpv6MinMtu = 1280;    // RFC 8200 5
// The largest frame a device may hand us: an IP datagram of 65535 bytes plus a
// tagged Ethernet header. Longer ones are truncated by the device and then fail
// the IP length checks.
constexpr std::size_t kRxBufferSize = kMaxIpMtu + wire::ethernet_field::tagged_header_len;

Unexpected<ConfigError> config_error(ConfigErrorCode code, std::uint8_t detail = 0) {
  return Unexpected(ConfigError{code, detail});
}

template <typename E>
std::uint8_t detail_of(E e) {
  return static_cast<std::uint8_t>(e);
}

wire::Ipv4Address ipv4_mask(std::uint8_t prefix_length) {
  if (prefix_length == 0) return wire::Ipv4Address{};
  return wire::Ipv4Address::from_u32(~std::uint32_t{0} << (32 - prefix_length));
}

bool same_ipv6_prefix(const wire::Ipv6Address& a, const wire::Ipv6Address& b, std::uint8_t prefix_length) {
  std::size_t bits = prefix_length;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    const auto n = static_cast<unsigned>(std::min<std::size_t>(bits, 8));
    const auto mask = static_cast<std::uint8_t>(0xff00u >> n);
    if ((a.octets[i] & mask) != (b.octets[i] & mask)) return false;
    bits -= n;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Names

const char* to_string(ConfigErrorCode c) {
  switch (c) {
    case ConfigErrorCode::reassembly_v4: return "IPv4 reassembly settings refused";
    case ConfigErrorCode::reassembly_v6: return "IPv6 reassembly settings refused";
    case ConfigErrorCode::neighbor_arp: return "ARP cache settings refused";
    case ConfigErrorCode::neighbor_nd: return "neighbour discovery cache settings refused";
    case ConfigErrorCode::routes: return "route refused";
    case ConfigErrorCode::icmp_rate_limit: return "ICMP rate limit refused";
    case ConfigErrorCode::icmpv6_rate_limit: return "ICMPv6 rate limit refused";
    case ConfigErrorCode::bad_ttl: return "default TTL / hop limit must be 1..255";
    case ConfigErrorCode::bad_limits: return "a stack size limit is 0";
    case ConfigErrorCode::too_many_interfaces: return "too many interfaces";
    case ConfigErrorCode::no_such_interface: return "no such interface";
    case ConfigErrorCode::mac_required: return "an Ethernet interface needs a unicast MAC address";
    case ConfigErrorCode::mtu_too_small_ipv4: return "IPv4 needs an MTU of at least 68 bytes (RFC 791)";
    case ConfigErrorCode::mtu_too_small_ipv6: return "IPv6 needs an MTU of at least 1280 bytes (RFC 8200)";
    case ConfigErrorCode::mtu_too_large: return "MTU above 65535 bytes";
    case ConfigErrorCode::bad_prefix_length: return "prefix length longer than the address";
    case ConfigErrorCode::address_not_unicast: return "the address is not a unicast address";
    case ConfigErrorCode::duplicate_address: return "the address is already configured";
    case ConfigErrorCode::too_many_addresses: return "too many addresses on the interface";
    case ConfigErrorCode::protocol_taken: return "a handler is already registered for the protocol";
    case ConfigErrorCode::protocol_reserved: return "the protocol number belongs to the stack itself";
  }
  return "unknown configuration error";
}

std::string ConfigError::message() const {
  std::string m = to_string(code);
  const char* why = nullptr;
  switch (code) {
    case ConfigErrorCode::reassembly_v4:
    case ConfigErrorCode::reassembly_v6: why = to_string(static_cast<ReassemblyConfigError>(detail)); break;
    case ConfigErrorCode::neighbor_arp:
    case ConfigErrorCode::neighbor_nd: why = to_string(static_cast<NeighborConfigError>(detail)); break;
    case ConfigErrorCode::routes: why = to_string(static_cast<RouteError>(detail)); break;
    case ConfigErrorCode::icmp_rate_limit:
    case ConfigErrorCode::icmpv6_rate_limit:
      why = to_string(static_cast<TokenBucketConfigError>(detail));
      break;
    default: break;
  }
  if (why != nullptr) {
    m += ": ";
    m += why;
  }
  return m;
}

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::frame_too_short: return "frame_too_short";
    case DropReason::frame_not_for_us: return "frame_not_for_us";
    case DropReason::unknown_ethertype: return "unknown_ethertype";
    case DropReason::arp_malformed: return "arp_malformed";
    case DropReason::arp_not_for_us: return "arp_not_for_us";
    case DropReason::interface_down: return "interface_down";
    case DropReason::loopback_queue_full: return "loopback_queue_full";
    case DropReason::ipv4_bad_version: return "ipv4_bad_version";
    case DropReason::ipv4_header_malformed: return "ipv4_header_malformed";
    case DropReason::ipv4_truncated: return "ipv4_truncated";
    case DropReason::ipv4_bad_checksum: return "ipv4_bad_checksum";
    case DropReason::ipv4_martian_source: return "ipv4_martian_source";
    case DropReason::ipv4_loopback_on_device: return "ipv4_loopback_on_device";
    case DropReason::ipv4_not_for_us: return "ipv4_not_for_us";
    case DropReason::ipv4_bad_options: return "ipv4_bad_options";
    case DropReason::ipv4_source_route: return "ipv4_source_route";
    case DropReason::ipv4_unknown_protocol: return "ipv4_unknown_protocol";
    case DropReason::ipv4_fragment: return "ipv4_fragment";
    case DropReason::ipv4_reassembly_timeout: return "ipv4_reassembly_timeout";
    case DropReason::ipv6_bad_version: return "ipv6_bad_version";
    case DropReason::ipv6_truncated: return "ipv6_truncated";
    case DropReason::ipv6_martian_source: return "ipv6_martian_source";
    case DropReason::ipv6_loopback_on_device: return "ipv6_loopback_on_device";
    case DropReason::ipv6_not_for_us: return "ipv6_not_for_us";
    case DropReason::ipv6_bad_extension: return "ipv6_bad_extension";
    case DropReason::ipv6_option_discard: return "ipv6_option_discard";
    case DropReason::ipv6_unknown_next_header: return "ipv6_unknown_next_header";
    case DropReason::ipv6_routing_header: return "ipv6_routing_header";
    case DropReason::ipv6_incomplete_chain: return "ipv6_incomplete_chain";
    case DropReason::ipv6_fragment: return "ipv6_fragment";
    case DropReason::ipv6_reassembly_timeout: return "ipv6_reassembly_timeout";
    case DropReason::icmp_malformed: return "icmp_malformed";
    case DropReason::icmp_bad_checksum: return "icmp_bad_checksum";
    case DropReason::icmp_unknown_type: return "icmp_unknown_type";
    case DropReason::icmp_echo_ignored: return "icmp_echo_ignored";
    case DropReason::nd_bad_hop_limit: return "nd_bad_hop_limit";
    case DropReason::nd_bad_option: return "nd_bad_option";
    case DropReason::nd_malformed: return "nd_malformed";
    case DropReason::no_transport: return "no_transport";
    case DropReason::no_route: return "no_route";
    case DropReason::neighbor_unreachable: return "neighbor_unreachable";
    case DropReason::neighbor_queue: return "neighbor_queue";
    case DropReason::message_too_big: return "message_too_big";
    case DropReason::device_busy: return "device_busy";
    case DropReason::count_: break;
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// Addresses

wire::Ipv6Address solicited_node(const wire::Ipv6Address& a) {
  wire::Ipv6Address m{};
  m.octets[0] = 0xff;
  m.octets[1] = 0x02;
  m.octets[11] = 0x01;
  m.octets[12] = 0xff;
  m.octets[13] = a.octets[13];
  m.octets[14] = a.octets[14];
  m.octets[15] = a.octets[15];
  return m;
}

wire::MacAddress multicast_mac(const wire::Ipv6Address& a) {
  return {{0x33, 0x33, a.octets[12], a.octets[13], a.octets[14], a.octets[15]}};
}

wire::MacAddress multicast_mac(const wire::Ipv4Address& a) {
  return {{0x01, 0x00, 0x5e, static_cast<std::uint8_t>(a.octets[1] & 0x7f), a.octets[2], a.octets[3]}};
}

wire::Ipv6Address eui64_link_local(const wire::MacAddress& mac) {
  wire::Ipv6Address a{};
  a.octets[0] = 0xfe;
  a.octets[1] = 0x80;
  a.octets[8] = static_cast<std::uint8_t>(mac.octets[0] ^ 0x02);  // RFC 4291 2.5.1: flip U/L
  a.octets[9] = mac.octets[1];
  a.octets[10] = mac.octets[2];
  a.octets[11] = 0xff;
  a.octets[12] = 0xfe;
  a.octets[13] = mac.octets[3];
  a.octets[14] = mac.octets[4];
  a.octets[15] = mac.octets[5];
  return a;
}

const Ipv4Address4* Interface::find_ipv4(const wire::Ipv4Address& a) const {
  for (const auto& x : ipv4)
    if (x.address == a) return &x;
  return nullptr;
}

const Ipv6Address6* Interface::find_ipv6(const wire::Ipv6Address& a) const {
  for (const auto& x : ipv6)
    if (x.address == a) return &x;
  return nullptr;
}

bool Interface::is_ipv4_broadcast(const wire::Ipv4Address& a) const {
  if (a.is_broadcast()) return true;
  for (const auto& x : ipv4)
    if (x.prefix_length < 31 && x.broadcast == a) return true;
  return false;
}

bool Interface::joined_ipv6_group(const wire::Ipv6Address& a) const {
  if (a == all_nodes_group) return true;
  for (const auto& x : ipv6)
    if (solicited_node(x.address) == a) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Construction and configuration

Result<Stack, ConfigError> Stack::create(const StackConfig& config, Entropy& entropy) {
  if (config.default_ttl == 0 || config.default_hop_limit == 0) return config_error(ConfigErrorCode::bad_ttl);
  if (config.max_interfaces == 0 || config.max_addresses_per_interface == 0 ||
      config.poll_frame_budget == 0 || config.loopback_queue_packets == 0)
    return config_error(ConfigErrorCode::bad_limits);
  auto routes = RouteTable::create(config.routes);
  if (!routes) return config_error(ConfigErrorCode::routes, detail_of(routes.error()));
  auto r4 = Reassembler<Ipv4Family>::create(config.reassembly_v4, entropy);
  if (!r4) return config_error(ConfigErrorCode::reassembly_v4, detail_of(r4.error()));
  auto r6 = Reassembler<Ipv6Family>::create(config.reassembly_v6, entropy);
  if (!r6) return config_error(ConfigErrorCode::reassembly_v6, detail_of(r6.error()));
  auto b4 = TokenBucket::create(config.icmp_rate_limit);
  if (!b4) return config_error(ConfigErrorCode::icmp_rate_limit, detail_of(b4.error()));
  auto b6 = TokenBucket::create(config.icmpv6_rate_limit);
  if (!b6) return config_error(ConfigErrorCode::icmpv6_rate_limit, detail_of(b6.error()));
  // The neighbour caches are made per interface; refuse bad settings now, not at add_interface.
  if (auto c = ArpCache::validate(config.arp); !c)
    return config_error(ConfigErrorCode::neighbor_arp, detail_of(c.error()));
  if (auto c = NdCache::validate(config.nd); !c)
    return config_error(ConfigErrorCode::neighbor_nd, detail_of(c.error()));

  auto impl = std::make_unique<Impl>(config, entropy, std::move(routes.value()), std::move(r4.value()),
                                     std::move(r6.value()), b4.value(), b6.value());
  // The receive buffer is made at the first poll() (input() needs none) and
  // the frame buffer is sized by add_interface and grown on demand: a stack
  // made per fuzz input does not zero 128 KiB it never uses.
  impl->ipv4_next_id = entropy.next_u32();

  Interface& lo = impl->interfaces.emplace_back();
  lo.id = loopback_interface;
  lo.name = "lo";
  lo.mtu = kLoopbackMtu;
  lo.arp_events.stack = impl.get();
  lo.nd_events.stack = impl.get();
  Stack stack(std::move(impl));
  const auto lo_v4 = wire::Ipv4Address{{127, 0, 0, 1}};
  const auto lo_v6 = wire::Ipv6Address{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  if (auto r = stack.add_address(loopback_interface, lo_v4, 8); !r) return Unexpected(r.error());
  if (auto r = stack.add_address(loopback_interface, lo_v6, 128); !r) return Unexpected(r.error());
  return stack;
}

Stack Stack::checkpoint() const {
  Stack copy(std::make_unique<Impl>(*impl_));
  copy.impl_->point_adapters_here();
  return copy;
}

void Stack::restore(const Stack& checkpoint) {
  if (checkpoint.impl_ == impl_) return;
  *impl_ = *checkpoint.impl_;
  impl_->point_adapters_here();
}

void Stack::Impl::point_adapters_here() {
  for (auto& i : interfaces) {
    i.arp_events.stack = this;
    i.nd_events.stack = this;
  }
}

Stack::Stack(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stack::Stack(Stack&&) noexcept = default;
Stack& Stack::operator=(Stack&&) noexcept = default;
Stack::~Stack() = default;

Result<InterfaceId, ConfigError> Stack::add_interface(Device& device, const InterfaceConfig& config) {
  Impl& s = *impl_;
  if (s.interfaces.size() >= s.config.max_interfaces)
    return config_error(ConfigErrorCode::too_many_interfaces);
  const LinkType link = device.link_type();
  if (link == LinkType::ethernet &&
      (!config.mac || config.mac->is_multicast() || *config.mac == wire::MacAddress{}))
    return config_error(ConfigErrorCode::mac_required);
  const std::size_t mtu = config.mtu.value_or(device.mtu());
  if (mtu > kMaxIpMtu) return config_error(ConfigErrorCode::mtu_too_large);

  std::optional<ArpCache> arp;
  std::optional<NdCache> nd;
  if (link == LinkType::ethernet) {
    auto a = ArpCache::create(s.config.arp, *s.entropy);
    if (!a) return config_error(ConfigErrorCode::neighbor_arp, detail_of(a.error()));
    auto n = NdCache::create(s.config.nd, *s.entropy);
    if (!n) return config_error(ConfigErrorCode::neighbor_nd, detail_of(n.error()));
    arp.emplace(std::move(a.value()));
    nd.emplace(std::move(n.value()));
  }

  const std::size_t frame_len = mtu + wire::ethernet_field::tagged_header_len;
  if (s.tx_buffer.size() < frame_len) s.tx_buffer.resize(std::min(frame_len, kRxBufferSize));

  Interface& i = s.interfaces.emplace_back();
  i.id = InterfaceId{static_cast<std::uint16_t>(s.interfaces.size() - 1)};
  i.name = config.name;
  i.device = &device;
  i.link_type = link;
  i.mac = config.mac.value_or(wire::MacAddress{});
  i.mtu = mtu;
  i.arp = std::move(arp);
  i.nd = std::move(nd);
  i.arp_events.stack = &s;
  i.arp_events.interface = i.id;
  i.nd_events.stack = &s;
  i.nd_events.interface = i.id;
  const InterfaceId id = i.id;
  if (link == LinkType::ethernet && config.ipv6_link_local && mtu >= kIpv6MinMtu) {
    if (auto r = add_address(id, eui64_link_local(i.mac), 64); !r) {
      s.interfaces.pop_back();
      return Unexpected(r.error());
    }
  }
  return id;
}

Result<void, ConfigError> Stack::add_address(InterfaceId interface, const wire::Ipv4Address& address,
                                             std::uint8_t prefix_length) {
  Impl& s = *impl_;
  Interface* i = s.interface(interface);
  if (i == nullptr) return config_error(ConfigErrorCode::no_such_interface);
  if (prefix_length > 32) return config_error(ConfigErrorCode::bad_prefix_length);
  if (address.is_unspecified() || address.is_multicast() || address.is_broadcast() ||
      address.is_loopback() != i->is_loopback() || (address.octets[0] & 0xf0) == 0xf0)
    return config_error(ConfigErrorCode::address_not_unicast);
  if (i->mtu < kIpv4MinMtu) return config_error(ConfigErrorCode::mtu_too_small_ipv4);
  if (s.ipv4_owner(address) != nullptr) return config_error(ConfigErrorCode::duplicate_address);
  if (i->ipv4.size() >= s.config.max_addresses_per_interface)
    return config_error(ConfigErrorCode::too_many_addresses);
  const auto mask = ipv4_mask(prefix_length);
  const auto network = wire::Ipv4Address::from_u32(address.to_u32() & mask.to_u32());
  // RFC 1122 3.3.6: the host part all zeros or all ones is not an address.
  if (prefix_length < 31 && (address == network || address.to_u32() == (network.to_u32() | ~mask.to_u32())))
    return config_error(ConfigErrorCode::address_not_unicast);
  bool route_exists = false;
  for (const auto& x : i->ipv4)
    if (x.prefix_length == prefix_length && (x.address.to_u32() & mask.to_u32()) == network.to_u32())
      route_exists = true;
  if (!route_exists) {
    if (auto r = s.routes.add_connected(interface, address, prefix_length); !r)
      return config_error(ConfigErrorCode::routes, detail_of(r.error()));
  }
  const auto broadcast =
      prefix_length >= 31 ? address : wire::Ipv4Address::from_u32(network.to_u32() | ~mask.to_u32());
  i->ipv4.push_back(Ipv4Address4{address, prefix_length, broadcast});
  return {};
}

Result<void, ConfigError> Stack::add_address(InterfaceId interface, const wire::Ipv6Address& address,
                                             std::uint8_t prefix_length) {
  Impl& s = *impl_;
  Interface* i = s.interface(interface);
  if (i == nullptr) return config_error(ConfigErrorCode::no_such_interface);
  if (prefix_length > 128) return config_error(ConfigErrorCode::bad_prefix_length);
  if (address.is_unspecified() || address.is_multicast() || address.is_loopback() != i->is_loopback())
    return config_error(ConfigErrorCode::address_not_unicast);
  if (i->mtu < kIpv6MinMtu) return config_error(ConfigErrorCode::mtu_too_small_ipv6);
  if (s.ipv6_owner(address) != nullptr) return config_error(ConfigErrorCode::duplicate_address);
  if (i->ipv6.size() >= s.config.max_addresses_per_interface)
    return config_error(ConfigErrorCode::too_many_addresses);
  bool route_exists = false;
  for (const auto& x : i->ipv6)
    if (x.prefix_length == prefix_length && same_ipv6_prefix(x.address, address, prefix_length))
      route_exists = true;
  if (!route_exists) {
    if (auto r = s.routes.add_connected(interface, address, prefix_length); !r)
      return config_error(ConfigErrorCode::routes, detail_of(r.error()));
  }
  if (is_link_local(address))
    i->ipv6.insert(i->ipv6.begin(), Ipv6Address6{address, prefix_length});
  else
    i->ipv6.push_back(Ipv6Address6{address, prefix_length});
  return {};
}

Result<void, ConfigError> Stack::set_default_gateway(const wire::Ipv4Address& gateway) {
  if (auto r = impl_->routes.set_default_gateway(gateway); !r)
    return config_error(ConfigErrorCode::routes, detail_of(r.error()));
  return {};
}

Result<void, ConfigError> Stack::set_default_gateway(const wire::Ipv6Address& gateway) {
  if (auto r = impl_->routes.set_default_gateway(gateway); !r)
    return config_error(ConfigErrorCode::routes, detail_of(r.error()));
  return {};
}

Result<void, ConfigError> Stack::register_protocol(std::uint8_t protocol, TransportProtocol& handler) {
  switch (protocol) {
    case 0:   // Hop-by-Hop Options
    case 1:   // ICMP
    case 43:  // Routing
    case 44:  // Fragment
    case 58:  // ICMPv6
    case 59:  // No Next Header
    case 60:  // Destination Options
      return config_error(ConfigErrorCode::protocol_reserved);
    default: break;
  }
  auto& slot = impl_->protocols[protocol];
  if (slot != nullptr) return config_error(ConfigErrorCode::protocol_taken);
  slot = &handler;
  auto& t = impl_->transports;
  if (std::find(t.begin(), t.end(), &handler) == t.end()) t.push_back(&handler);
  return {};
}

// ---------------------------------------------------------------------------
// Time and input

Instant Stack::Impl::clamp(Instant now) {
  if (now > latest) latest = now;
  return latest;
}

void Stack::poll(Instant now) {
  Impl& s = *impl_;
  now = s.clamp(now);
  // Any frame a device may hand over, whatever its MTU says (a device that
  // delivers more than its MTU is not refused here; IP's checks decide).
  if (!s.rx_buffer.bytes) s.rx_buffer.bytes = std::make_unique_for_overwrite<std::byte[]>(kRxBufferSize);
  const std::span<std::byte> buffer(s.rx_buffer.bytes.get(), kRxBufferSize);
  for (auto& i : s.interfaces) {
    if (i.device == nullptr) continue;
    for (std::size_t n = 0; n < s.config.poll_frame_budget; ++n) {
      const auto got = i.device->receive(buffer);
      if (!got) break;
      const std::size_t len = std::min(*got, buffer.size());
      // rx_buffer is reused by the next receive: link_input finishes with it first.
      s.link_input(i, buffer.first(len), now);
    }
  }
  for (TransportProtocol* t : s.transports) t->on_timer(now);
  s.drain_loopback(now);
  s.ipv4_poll(now);
  s.ipv6_poll(now);
  for (auto& i : s.interfaces) {
    if (i.arp) {
      i.arp_events.now = now;
      i.arp->poll(now, i.arp_events);
    }
    if (i.nd) {
      i.nd_events.now = now;
      i.nd->poll(now, i.nd_events);
    }
  }
}

Instant Stack::next_deadline() const {
  const Impl& s = *impl_;
  if (!s.loopback_queue.empty()) return s.latest;
  Instant d = std::min(s.reassembly_v4.next_deadline(), s.reassembly_v6.next_deadline());
  for (const auto& i : s.interfaces) {
    if (i.arp) d = std::min(d, i.arp->next_deadline());
    if (i.nd) d = std::min(d, i.nd->next_deadline());
  }
  for (const TransportProtocol* t : s.transports) d = std::min(d, t->next_deadline());
  return d;
}

void Stack::input(InterfaceId interface, wire::Bytes frame, Instant now) {
  Impl& s = *impl_;
  Interface* i = s.interface(interface);
  if (i == nullptr) return;
  s.link_input(*i, frame, s.clamp(now));
}

void Stack::Impl::link_input(Interface& in, wire::Bytes frame, Instant now) {
  ++stats.link.rx_frames;
  if (!in.ethernet()) {
    // Raw IP (TUN) and loopback: the version nibble says which.
    if (frame.empty()) return drop(DropReason::frame_too_short);
    const LinkInfo link{in.is_loopback() ? LinkDestination::loopback : LinkDestination::host, {}};
    const auto version = static_cast<std::uint8_t>(frame[0]) >> 4;
    if (version == 6) return ipv6_input(in, frame, link, now);
    return ipv4_input(in, frame, link, now);  // other versions fail V4-HDR-1 there
  }
  const auto eth = wire::EthernetView::parse(frame);
  if (!eth) return drop(DropReason::frame_too_short);
  LinkInfo link;
  link.source_mac = eth->source();
  const auto dst = eth->destination();
  if (dst == in.mac) {
    link.destination = LinkDestination::host;
  } else if (dst.is_broadcast()) {
    link.destination = LinkDestination::broadcast;
  } else if (dst.is_multicast()) {
    link.destination = LinkDestination::multicast;  // group membership is checked by IP
  } else {
    return drop(DropReason::frame_not_for_us);  // LINUX: PACKET_OTHERHOST
  }
  if (eth->is_tagged()) return drop(DropReason::unknown_ethertype);  // no VLAN interfaces
  switch (eth->ethertype()) {
    case wire::EtherType::ipv4: return ipv4_input(in, eth->payload(), link, now);
    case wire::EtherType::ipv6: return ipv6_input(in, eth->payload(), link, now);
    case wire::EtherType::arp: return arp_input(in, eth->payload(), link, now);
    default: return drop(DropReason::unknown_ethertype);
  }
}

// ---------------------------------------------------------------------------
// ARP (RFC 826, RFC 1122 2.3.2; LINUX arp_process)

void Stack::Impl::arp_input(Interface& in, wire::Bytes packet, const LinkInfo& link, Instant now) {
  (void)link;
  const auto view = wire::ArpView::parse(packet);
  if (!view) return drop(DropReason::arp_malformed);
  const auto arp = wire::ArpRepr::parse(*view);
  if (!arp) return drop(DropReason::arp_malformed);
  const auto& sip = arp->sender_protocol_address;
  const auto& tip = arp->target_protocol_address;
  const auto& sha = arp->sender_hardware_address;
  // LINUX arp_process: a sender that is multicast, loopback, or a hardware
  // address that is multicast never gets a cache entry nor an answer.
  if (sip.is_multicast() || sip.is_loopback() || sip.is_broadcast() || tip.is_multicast() ||
      tip.is_loopback() || sha.is_multicast())
    return drop(DropReason::arp_malformed);
  if (!in.arp || in.ipv4.empty()) return drop(DropReason::interface_down);
  const bool for_us = in.find_ipv4(tip) != nullptr;
  const bool gratuitous = sip == tip;
  in.arp_events.now = now;
  if (arp->operation == wire::ArpOperation::request) {
    ++stats.link.arp_requests_in;
    if (sip.is_unspecified()) {
      // RFC 5227 probe: answer it (another host wants our address), learn nothing.
      if (for_us)
        send_arp(in, 2, sha, sha, tip, sip);
      else
        drop(DropReason::arp_not_for_us);
      return;
    }
    if (for_us) {
      in.arp->on_solicitation(sip, sha, now, in.arp_events);
      send_arp(in, 2, sha, sha, tip, sip);
      return;
    }
    // Not for us: refresh an entry we already have (a gratuitous ARP announces a move).
    in.arp->on_advertisement(sip, sha, AdvertisementFlags{false, true, false, gratuitous}, now,
                             in.arp_events);
    return drop(DropReason::arp_not_for_us);
  }
  ++stats.link.arp_replies_in;
  if (sip.is_unspecified()) return drop(DropReason::arp_malformed);
  in.arp->on_advertisement(sip, sha, AdvertisementFlags{true, true, false, gratuitous}, now, in.arp_events);
}

void Stack::Impl::send_arp(Interface& out, std::uint16_t operation, const wire::MacAddress& destination_mac,
                           const wire::MacAddress& target_mac, const wire::Ipv4Address& sender_ip,
                           const wire::Ipv4Address& target_ip) {
  wire::ArpRepr arp;
  arp.operation = static_cast<wire::ArpOperation>(operation);
  arp.sender_hardware_address = out.mac;
  arp.sender_protocol_address = sender_ip;
  arp.target_hardware_address = target_mac;
  arp.target_protocol_address = target_ip;
  std::array<std::byte, wire::ArpRepr::packet_len()> body{};
  if (!arp.emit(body)) return;
  if (operation == 1)
    ++stats.link.arp_requests_out;
  else
    ++stats.link.arp_replies_out;
  transmit_frame(out, destination_mac, static_cast<std::uint16_t>(wire::EtherType::arp), body);
}

void ArpEventsAdapter::solicit(const Solicitation<wire::Ipv4Address>& solicitation) {
  Interface* out = stack->interface(interface);
  if (out == nullptr || out->ipv4.empty()) return;
  // RFC 1122 2.3.2.1 / LINUX arp_solicit: the sender address is the queued
  // datagram's source when it is ours on this interface, else the interface's first.
  wire::Ipv4Address sender = out->ipv4.front().address;
  if (solicitation.first_queued.size() >= 20) {
    const auto src = wire::Ipv4Address::load(solicitation.first_queued, 12);
    if (out->find_ipv4(src) != nullptr) sender = src;
  }
  const auto to = solicitation.unicast_to.value_or(wire::MacAddress::broadcast());
  stack->send_arp(*out, 1, to, wire::MacAddress{}, sender, solicitation.target);
}

void ArpEventsAdapter::resolved(const wire::Ipv4Address&, const wire::MacAddress& mac,
                                std::span<const std::byte> packet) {
  Interface* out = stack->interface(interface);
  if (out == nullptr) return;
  stack->transmit_frame(*out, mac, static_cast<std::uint16_t>(wire::EtherType::ipv4), packet);
}

void ArpEventsAdapter::dropped(const wire::Ipv4Address&, NeighborDrop reason,
                               std::span<const std::byte> packet) {
  Interface* out = stack->interface(interface);
  if (out == nullptr) return;
  if (reason == NeighborDrop::resolution_failed) {
    stack->drop(DropReason::neighbor_unreachable);
    stack->ipv4_unreachable_neighbor(*out, packet, now);
  } else {
    stack->drop(DropReason::neighbor_queue);
  }
  ++stack->stats.ipv4.out_discards;
}

void NdEventsAdapter::solicit(const Solicitation<wire::Ipv6Address>& solicitation) {
  Interface* out = stack->interface(interface);
  if (out == nullptr) return;
  stack->send_neighbor_solicitation(*out, solicitation);
}

void NdEventsAdapter::resolved(const wire::Ipv6Address&, const wire::MacAddress& mac,
                               std::span<const std::byte> packet) {
  Interface* out = stack->interface(interface);
  if (out == nullptr) return;
  stack->transmit_frame(*out, mac, static_cast<std::uint16_t>(wire::EtherType::ipv6), packet);
}

void NdEventsAdapter::dropped(const wire::Ipv6Address&, NeighborDrop reason,
                              std::span<const std::byte> packet) {
  Interface* out = stack->interface(interface);
  if (out == nullptr) return;
  if (reason == NeighborDrop::resolution_failed) {
    stack->drop(DropReason::neighbor_unreachable);
    stack->ipv6_unreachable_neighbor(*out, packet, now);
  } else {
    stack->drop(DropReason::neighbor_queue);
  }
  ++stack->stats.ipv6.out_discards;
}

// ---------------------------------------------------------------------------
// Output to the link

bool Stack::Impl::transmit_frame(Interface& out, const wire::MacAddress& destination_mac,
                                 std::uint16_t ethertype, wire::Bytes datagram, std::size_t headroom) {
  if (out.device == nullptr) return false;
  bool ok = false;
  if (out.ethernet()) {
    wire::EthernetRepr eth;
    eth.destination = destination_mac;
    eth.source = out.mac;
    eth.ethertype = static_cast<wire::EtherType>(ethertype);
    const std::size_t hlen = eth.header_len();
    if (headroom >= hlen) {
      // The datagram sits in one of the stack's own output buffers (non-const
      // storage) with room for the header in front of it.
      const wire::MutableBytes frame(const_cast<std::byte*>(datagram.data()) - hlen, hlen + datagram.size());
      if (!eth.emit(frame)) return false;
      ok = out.device->transmit(frame);
    } else {
      // A datagram larger than the MTU never gets here from IP output (it
      // fragments); grow rather than fail if one ever does.
      if (tx_buffer.size() < hlen + datagram.size()) tx_buffer.resize(hlen + datagram.size());
      const auto len = eth.emit(tx_buffer, datagram);
      if (!len) return false;
      ok = out.device->transmit(wire::Bytes(tx_buffer.data(), *len));
    }
  } else {
    ok = out.device->transmit(datagram);
  }
  if (!ok) {
    drop(DropReason::device_busy);
    return false;
  }
  ++stats.link.tx_frames;
  return true;
}

Result<void, Errno> Stack::Impl::transmit_ipv4(Interface& out, const wire::Ipv4Address& neighbor,
                                               wire::Bytes datagram, Instant now, std::size_t headroom) {
  if (out.is_loopback()) {
    loopback_enqueue(false, datagram);
    return {};
  }
  constexpr auto type = static_cast<std::uint16_t>(wire::EtherType::ipv4);
  if (!out.ethernet()) {
    if (!transmit_frame(out, {}, type, datagram, headroom)) return Unexpected(ENOBUFS);
    return {};
  }
  if (out.is_ipv4_broadcast(neighbor)) {
    if (!transmit_frame(out, wire::MacAddress::broadcast(), type, datagram, headroom))
      return Unexpected(ENOBUFS);
    return {};
  }
  if (neighbor.is_multicast()) {
    if (!transmit_frame(out, multicast_mac(neighbor), type, datagram, headroom)) return Unexpected(ENOBUFS);
    return {};
  }
  if (const auto mac = out.arp->lookup(neighbor, now)) {
    if (!transmit_frame(out, *mac, type, datagram, headroom)) return Unexpected(ENOBUFS);
    return {};
  }
  out.arp_events.now = now;
  const auto queued = out.arp->enqueue(neighbor, datagram, now, out.arp_events);
  if (!queued) {
    drop(queued.error() == NeighborDrop::invalid_target ? DropReason::no_route : DropReason::neighbor_queue);
    ++stats.ipv4.out_discards;
    return Unexpected(queued.error() == NeighborDrop::invalid_target ? EINVAL : ENOBUFS);
  }
  return {};
}

Result<void, Errno> Stack::Impl::transmit_ipv6(Interface& out, const wire::Ipv6Address& neighbor,
                                               wire::Bytes datagram, Instant now, std::size_t headroom) {
  if (out.is_loopback()) {
    loopback_enqueue(true, datagram);
    return {};
  }
  constexpr auto type = static_cast<std::uint16_t>(wire::EtherType::ipv6);
  if (!out.ethernet()) {
    if (!transmit_frame(out, {}, type, datagram, headroom)) return Unexpected(ENOBUFS);
    return {};
  }
  if (neighbor.is_multicast()) {
    if (!transmit_frame(out, multicast_mac(neighbor), type, datagram, headroom)) return Unexpected(ENOBUFS);
    return {};
  }
  if (const auto mac = out.nd->lookup(neighbor, now)) {
    if (!transmit_frame(out, *mac, type, datagram, headroom)) return Unexpected(ENOBUFS);
    return {};
  }
  out.nd_events.now = now;
  const auto queued = out.nd->enqueue(neighbor, datagram, now, out.nd_events);
  if (!queued) {
    drop(queued.error() == NeighborDrop::invalid_target ? DropReason::no_route : DropReason::neighbor_queue);
    ++stats.ipv6.out_discards;
    return Unexpected(queued.error() == NeighborDrop::invalid_target ? EINVAL : ENOBUFS);
  }
  return {};
}

void Stack::Impl::loopback_enqueue(bool ipv6, wire::Bytes datagram) {
  if (loopback_queue.size() >= config.loopback_queue_packets) return drop(DropReason::loopback_queue_full);
  loopback_queue.push_back(LoopbackPacket{ipv6, std::vector<std::byte>(datagram.begin(), datagram.end())});
  ++stats.link.tx_frames;
}

void Stack::Impl::drain_loopback(Instant now) {
  // Only what was queued before this call: answers to loopback traffic wait for
  // the next poll (next_deadline() says so), so a ping-pong cannot spin here.
  std::size_t n = loopback_queue.size();
  Interface& lo = interfaces.front();
  for (; n > 0 && !loopback_queue.empty(); --n) {  // no unsigned wrap at 0 (intwrap)
    LoopbackPacket p = std::move(loopback_queue.front());
    loopback_queue.pop_front();
    link_input(lo, p.datagram, now);
  }
}

// ---------------------------------------------------------------------------
// Bookkeeping and queries

void Stack::Impl::drop(DropReason reason) {
  ++drop_counts[static_cast<std::size_t>(reason)];
  ++total_drops;
  last_drop = reason;
}

Unexpected<Errno> Stack::Impl::no_route(IpStats& st, Errno e) {
  ++st.out_no_routes;
  drop(DropReason::no_route);
  return Unexpected(e);
}

Unexpected<Errno> Stack::Impl::route_failed(IpStats& st, Errno e) {
  return e == ENETUNREACH ? no_route(st, e) : Unexpected(e);
}

Interface* Stack::Impl::interface(InterfaceId id) {
  const auto n = static_cast<std::size_t>(id);
  return n < interfaces.size() ? &interfaces[n] : nullptr;
}

const Interface* Stack::Impl::interface(InterfaceId id) const {
  const auto n = static_cast<std::size_t>(id);
  return n < interfaces.size() ? &interfaces[n] : nullptr;
}

Interface* Stack::Impl::ipv4_owner(const wire::Ipv4Address& address) {
  for (auto& i : interfaces)
    if (i.find_ipv4(address) != nullptr) return &i;
  return nullptr;
}

const Interface* Stack::Impl::ipv4_owner(const wire::Ipv4Address& address) const {
  for (const auto& i : interfaces)
    if (i.find_ipv4(address) != nullptr) return &i;
  return nullptr;
}

Interface* Stack::Impl::ipv6_owner(const wire::Ipv6Address& address) {
  for (auto& i : interfaces)
    if (i.find_ipv6(address) != nullptr) return &i;
  return nullptr;
}

Result<void, Errno> Stack::send_ipv4(const Ipv4SendParams& params, wire::Bytes payload, Instant now) {
  return impl_->ipv4_output(params, payload, impl_->clamp(now));
}

Result<void, Errno> Stack::send_ipv6(const Ipv6SendParams& params, wire::Bytes payload, Instant now) {
  return impl_->ipv6_output(params, payload, impl_->clamp(now));
}

Result<void, Errno> Stack::route_output(const wire::Ipv4Address& destination, const wire::Ipv4Address& source,
                                        std::optional<InterfaceId> interface) {
  const auto route = impl_->ipv4_route_output(destination, source, interface);
  if (route) return {};
  return impl_->route_failed(impl_->stats.ipv4, route.error());
}

Result<void, Errno> Stack::route_output(const wire::Ipv6Address& destination,
                                        const std::optional<wire::Ipv6Address>& source,
                                        std::optional<InterfaceId> interface) {
  const auto route = impl_->ipv6_route(destination, source, interface);
  if (route) return {};
  return impl_->route_failed(impl_->stats.ipv6, route.error());
}

Result<wire::Ipv4Address, Errno> Stack::select_source(const wire::Ipv4Address& destination,
                                                      std::optional<InterfaceId> interface) const {
  if (impl_->interface(interface.value_or(loopback_interface)) == nullptr) return Unexpected(ENODEV);
  if (destination.is_loopback()) return wire::Ipv4Address{{127, 0, 0, 1}};
  const auto hop = impl_->routes.lookup(destination, interface);
  if (!hop) return Unexpected(ENETUNREACH);
  return hop->source;
}

Result<wire::Ipv6Address, Errno> Stack::select_source(const wire::Ipv6Address& destination,
                                                      std::optional<InterfaceId> interface) const {
  if (impl_->interface(interface.value_or(loopback_interface)) == nullptr) return Unexpected(ENODEV);
  const auto hop = impl_->routes.lookup(destination, interface);
  if (!hop) return Unexpected(ENETUNREACH);
  return hop->source;
}

std::optional<std::size_t> Stack::path_mtu(const wire::Ipv4Address& destination) const {
  const auto hop = impl_->routes.lookup(destination);
  if (!hop) return std::nullopt;
  return impl_->interface(hop->interface)->mtu;
}

std::optional<std::size_t> Stack::path_mtu(const wire::Ipv6Address& destination) const {
  const auto hop = impl_->routes.lookup(destination);
  if (!hop) return std::nullopt;
  return impl_->interface(hop->interface)->mtu;
}

bool Stack::is_local(const wire::Ipv4Address& address) const {
  return impl_->ipv4_owner(address) != nullptr || address.is_loopback();
}

bool Stack::is_local(const wire::Ipv6Address& address) const { return impl_->ipv6_owner(address) != nullptr; }

bool Stack::is_broadcast(const wire::Ipv4Address& address) const {
  return impl_->ipv4_is_any_broadcast(address);
}

bool Stack::has_interface(InterfaceId interface) const { return impl_->interface(interface) != nullptr; }

Instant Stack::now() const { return impl_->latest; }

std::optional<wire::Ipv6Address> Stack::link_local_address(InterfaceId interface) const {
  const Interface* i = impl_->interface(interface);
  if (i == nullptr || i->ipv6.empty()) return std::nullopt;
  const auto& a = i->ipv6.front().address;
  if (is_link_local(a)) return a;
  return std::nullopt;
}

std::size_t Stack::mtu(InterfaceId interface) const {
  const Interface* i = impl_->interface(interface);
  return i == nullptr ? 0 : i->mtu;
}

const StackConfig& Stack::config() const { return impl_->config; }
const StackStats& Stack::stats() const { return impl_->stats; }
std::uint64_t Stack::drops(DropReason reason) const {
  const auto n = static_cast<std::size_t>(reason);
  return n < drop_reason_count ? impl_->drop_counts[n] : 0;
}
std::uint64_t Stack::total_drops() const { return impl_->total_drops; }
std::optional<DropReason> Stack::last_drop() const { return impl_->last_drop; }
const ReassemblyCounters& Stack::reassembly_v4_counters() const { return impl_->reassembly_v4.counters(); }
const ReassemblyCounters& Stack::reassembly_v6_counters() const { return impl_->reassembly_v6.counters(); }
std::size_t Stack::reassembly_memory() const {
  return impl_->reassembly_v4.memory_in_use() + impl_->reassembly_v6.memory_in_use();
}

std::size_t Stack::neighbor_queue_bytes() const {
  std::size_t n = 0;
  for (const auto& i : impl_->interfaces) {
    if (i.arp) n += i.arp->queued_bytes();
    if (i.nd) n += i.nd->queued_bytes();
  }
  return n;
}

std::optional<NeighborInfo> Stack::arp_entry(InterfaceId interface, const wire::Ipv4Address& address) const {
  const Interface* i = impl_->interface(interface);
  if (i == nullptr || !i->arp) return std::nullopt;
  return i->arp->find(address);
}

std::optional<NeighborInfo> Stack::nd_entry(InterfaceId interface, const wire::Ipv6Address& address) const {
  const Interface* i = impl_->interface(interface);
  if (i == nullptr || !i->nd) return std::nullopt;
  return i->nd->find(address);
}

}  // namespace hardstack::net
