// The IPv4 input path as a stateful target: one IPv4 packet (or one whole
// Ethernet frame) into a configured stack, then time run past every timeout.
// The stack is configured once and restored before every input
// (stack_reuse.hpp): each input runs as on a stack built for it alone.
//
// Input: two control bytes, then the packet.
//   byte 0  bit 0     the rest is a whole Ethernet frame, injected as it is
//           bits 1-2  else: the link it arrives on / its destination MAC:
//                     0 ours, 1 broadcast, 2 IPv4 multicast, 3 the raw-IP (TUN) interface
//           bit 3     repair checksums: the IPv4 header's, and ICMP's when unfragmented
//           bit 4     also send the packet's payload with send_ipv4(), its options area as
//                     the socket's options (output validation and fragmentation)
//           bits 5-6  fragment it first: 0 no, 1 in order, 2 reversed, 3 last first
//           bit 7     a second, unfragmented copy after the fragments (duplicates, overlaps)
//   byte 1  bits 0-4  fragment data size, in 8-byte units (1..32); send_ipv4: PmtuDiscovery
//
// Invariants, after every frame in and every frame out:
//   - every frame the stack sends parses: Ethernet (our MAC as source), ARP,
//     or IPv4 with a valid header checksum, ICMP with a valid checksum when
//     it is whole; IPv4 total length = the bytes sent;
//   - ICMP errors: never about an ICMP error (or an unknown ICMP type),
//     a broadcast or multicast destination, a non-initial fragment, a source
//     that is not unicast; never in answer to a frame sent to a link-level
//     broadcast or multicast address; at most 576 bytes; sent to the quoted source;
//   - reassembly memory and neighbour queues within their caps;
//   - once time has run past every timeout, nothing is held anywhere.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>

#include "fuzz_support.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "stack_reuse.hpp"

using namespace hardstack;

// The checks repeat what the stack decided: keep libFuzzer's tracing out of
// them (clang; GCC builds only replay), for speed.
#if defined(__clang__)
#define IPV4_INPUT_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define IPV4_INPUT_NO_COVERAGE
#endif

namespace {

constexpr wire::MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr wire::MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x02}};
constexpr wire::Ipv4Address eth_address{{192, 0, 2, 1}};
constexpr wire::Ipv4Address peer_address{{192, 0, 2, 2}};
constexpr wire::Ipv4Address tun_address{{198, 51, 100, 1}};
constexpr std::size_t reassembly_cap = 256 * 1024;
constexpr std::size_t neighbor_queue_cap = 64 * 1024;

// What the frame being processed was sent to, for the never-send checks.
struct Step {
  bool link_broadcast = false;  // link-level broadcast or multicast
  bool timers = false;          // time runs: errors about earlier input (reassembly timeouts)
};
Step step;

bool is_error_type(std::uint8_t t) { return t == 3 || t == 4 || t == 5 || t == 11 || t == 12; }

bool is_broadcast(const wire::Ipv4Address& a) {
  return a.is_broadcast() || a == wire::Ipv4Address{{192, 0, 2, 255}} ||
         a == wire::Ipv4Address{{198, 51, 100, 255}};
}

// One IPv4 datagram the stack sent.
IPV4_INPUT_NO_COVERAGE void check_datagram(std::span<const std::byte> datagram) {
  const auto ip = wire::Ipv4View::parse(datagram, wire::ChecksumMode::verify);
  HS_FUZZ_CHECK(ip.has_value());
  HS_FUZZ_CHECK(ip->total_len() == datagram.size());
  HS_FUZZ_CHECK(!ip->src().is_multicast() && !ip->src().is_broadcast() && !ip->src().is_unspecified());
  if (ip->protocol() != 1 || ip->fragment_offset() != 0) return;
  if (ip->more_fragments()) {
    // The checksum covers the whole message: only the type is here to check.
    HS_FUZZ_CHECK(ip->payload_len() >= 8);
  } else {
    HS_FUZZ_CHECK(wire::Icmpv4View::parse(ip->payload(), wire::ChecksumMode::verify).has_value());
  }
  const auto type = wire::load_u8(ip->payload(), 0);
  if (!is_error_type(type)) return;
  // ICMP4-2 / ICMP4-3.
  HS_FUZZ_CHECK(!step.link_broadcast || step.timers);
  HS_FUZZ_CHECK(datagram.size() <= wire::icmpv4_error_max_len);
  const auto quote = ip->payload().subspan(8);
  HS_FUZZ_CHECK(quote.size() >= 20);
  const auto quoted_src = wire::Ipv4Address::load(quote, 12);
  const auto quoted_dst = wire::Ipv4Address::load(quote, 16);
  HS_FUZZ_CHECK(ip->dst() == quoted_src);
  HS_FUZZ_CHECK(!quoted_dst.is_multicast() && !is_broadcast(quoted_dst));
  HS_FUZZ_CHECK(!quoted_src.is_multicast() && !is_broadcast(quoted_src) && quoted_src.octets[0] != 0);
  HS_FUZZ_CHECK((wire::load_be16(quote, 6) & 0x1fff) == 0);
  if (wire::load_u8(quote, 9) == 1) {
    const std::size_t ihl = std::size_t{wire::load_u8(quote, 0) & 0x0fu} * 4;
    HS_FUZZ_CHECK(quote.size() > ihl);
    const auto inner = wire::load_u8(quote, ihl);
    HS_FUZZ_CHECK(inner <= 18 && !is_error_type(inner));
  }
}

class CheckingDevice final : public net::Device {
 public:
  explicit CheckingDevice(net::LinkType link) : link_(link) {}
  net::LinkType link_type() const override { return link_; }
  std::size_t mtu() const override { return 1500; }
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }
  IPV4_INPUT_NO_COVERAGE bool transmit(std::span<const std::byte> frame) override {
    fuzz::record_frame(frame);
    if (link_ == net::LinkType::raw_ip) {
      check_datagram(frame);
      return true;
    }
    const auto eth = wire::EthernetView::parse(frame);
    HS_FUZZ_CHECK(eth.has_value());
    HS_FUZZ_CHECK(eth->source() == our_mac);
    switch (eth->ethertype()) {
      case wire::EtherType::arp: HS_FUZZ_CHECK(wire::ArpView::parse(eth->payload()).has_value()); break;
      case wire::EtherType::ipv4: check_datagram(eth->payload()); break;
      case wire::EtherType::ipv6: break;  // the IPv6 path's own target checks these
      default: HS_FUZZ_CHECK(false);
    }
    return true;
  }

 private:
  net::LinkType link_;
};

// A transport on UDP's and TCP's numbers: takes everything, answers port
// unreachable for odd destination ports.
class Transport final : public net::TransportProtocol {
 public:
  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload,
                                   net::Instant) override {
    HS_FUZZ_CHECK(fuzz::inside(payload, meta.datagram));
    HS_FUZZ_CHECK(meta.options.size() <= 40);
    const bool odd = payload.size() >= 4 && (wire::load_u8(payload, 3) & 1) != 0;
    return odd ? net::DeliveryResult::port_unreachable : net::DeliveryResult::delivered;
  }
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery&, wire::Bytes, net::Instant) override {
    return net::DeliveryResult::delivered;
  }
  void icmp_error(const net::IcmpErrorReport& report, net::Instant) override {
    HS_FUZZ_CHECK(report.quoted_transport.size() >= 8);
  }
};

net::StackConfig small_config() {
  net::StackConfig c;
  c.reassembly_v4.memory_cap = reassembly_cap;
  c.reassembly_v4.max_queues = 16;
  c.reassembly_v6.memory_cap = reassembly_cap;
  c.reassembly_v6.max_queues = 1;
  for (auto* n : {&c.arp, &c.nd}) {
    n->max_entries = 4;
    n->gc_floor = 1;
    n->queue_bytes = neighbor_queue_cap;
  }
  c.routes.max_routes = 8;
  return c;
}

// Recomputes the IPv4 header checksum, and ICMP's when the datagram is whole.
IPV4_INPUT_NO_COVERAGE void repair_checksums(std::span<std::byte> d) {
  if (d.size() < 20) return;
  const std::size_t ihl = std::size_t{std::to_integer<std::uint8_t>(d[0]) & 0x0fu} * 4;
  if (ihl < 20 || ihl > d.size()) return;
  wire::store_be16(d, 10, 0);
  wire::store_be16(d, 10, wire::internet_checksum(d.first(ihl)));
  const std::size_t total = std::min<std::size_t>(wire::load_be16(d, 2), d.size());
  if (wire::load_u8(d, 9) != 1 || (wire::load_be16(d, 6) & 0x3fff) != 0 || total < ihl + 8) return;
  const auto icmp = d.subspan(ihl, total - ihl);
  wire::store_be16(icmp, 2, 0);
  wire::store_be16(icmp, 2, wire::internet_checksum(icmp));
}

// The configured stack every input starts on: two interfaces, a gateway,
// UDP's and TCP's numbers taken, and the peer already known (it asked for
// our address at 1 s, so answers go out at once).
struct Host {
  net::SeededEntropy entropy{0x5eed};
  CheckingDevice eth_device{net::LinkType::ethernet};
  CheckingDevice tun_device{net::LinkType::raw_ip};
  Transport transport;
  net::Stack stack = make_stack(entropy);
  net::InterfaceId eth{};
  net::InterfaceId tun{};

  Host() {
    net::InterfaceConfig ec;
    ec.mac = our_mac;
    ec.ipv6_link_local = false;
    const auto e = stack.add_interface(eth_device, ec);
    net::InterfaceConfig tc;
    tc.ipv6_link_local = false;
    const auto t = stack.add_interface(tun_device, tc);
    HS_FUZZ_CHECK(e && t);
    eth = *e;
    tun = *t;
    HS_FUZZ_CHECK(stack.add_address(eth, eth_address, 24).has_value());
    HS_FUZZ_CHECK(stack.add_address(tun, tun_address, 24).has_value());
    HS_FUZZ_CHECK(stack.set_default_gateway(peer_address).has_value());
    HS_FUZZ_CHECK(stack.register_protocol(17, transport).has_value());
    HS_FUZZ_CHECK(stack.register_protocol(6, transport).has_value());

    const wire::EthernetRepr e_hdr{wire::MacAddress::broadcast(), peer_mac, wire::EtherType::arp,
                                   std::nullopt};
    wire::ArpRepr a;
    a.operation = wire::ArpOperation::request;
    a.sender_hardware_address = peer_mac;
    a.sender_protocol_address = peer_address;
    a.target_protocol_address = eth_address;
    std::array<std::byte, 28> body{};
    std::array<std::byte, 14 + 28> arp{};
    HS_FUZZ_CHECK(a.emit(body).has_value());
    HS_FUZZ_CHECK(e_hdr.emit(arp, body).has_value());
    stack.input(eth, arp, start);
  }
  static net::Stack make_stack(net::Entropy& entropy) {
    auto made = net::Stack::create(small_config(), entropy);
    HS_FUZZ_CHECK(made.has_value());
    return std::move(made.value());
  }
  static constexpr net::Instant start = net::Instant::from_ns(1'000'000'000);
};

void run(Host& host, std::uint8_t flags, std::uint8_t control, std::span<const std::byte> packet) {
  net::Stack& stack = host.stack;
  const net::InterfaceId eth = host.eth;
  const net::InterfaceId tun = host.tun;
  net::Instant now = Host::start;

  auto check_caps = [&] {
    HS_FUZZ_CHECK(stack.reassembly_memory() <= 2 * reassembly_cap);  // both families
    HS_FUZZ_CHECK(stack.neighbor_queue_bytes() <= 2 * 2 * neighbor_queue_cap);
  };

  // One IPv4 packet (or fragment) as the flags say.
  static std::array<std::byte, 14 + 65535> frame;
  auto inject_ip = [&](std::span<const std::byte> datagram) {
    const std::uint8_t link = (flags >> 1) & 3;
    step.link_broadcast = link == 1 || link == 2;
    if (link == 3) {
      stack.input(tun, datagram, now);
    } else {
      const wire::MacAddress dst = link == 0   ? our_mac
                                   : link == 1 ? wire::MacAddress::broadcast()
                                               : wire::MacAddress{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
      // The Ethernet header by hand, the datagram by memcpy: faster than a byte loop.
      dst.store(frame, 0);
      peer_mac.store(frame, 6);
      wire::store_be16(frame, 12, 0x0800);
      std::copy(datagram.begin(), datagram.end(), frame.begin() + 14);
      stack.input(eth, std::span<const std::byte>(frame).first(14 + datagram.size()), now);
    }
    check_caps();
  };

  static std::array<std::byte, 65535> work;
  if ((flags & 1) != 0) {
    // A whole Ethernet frame.
    std::copy(packet.begin(), packet.end(), work.begin());
    const auto bytes = std::span<std::byte>(work).first(packet.size());
    if ((flags & 8) != 0 && bytes.size() > 14) repair_checksums(bytes.subspan(14));
    step.link_broadcast = bytes.size() >= 6 && (std::to_integer<std::uint8_t>(bytes[0]) & 1) != 0;
    stack.input(eth, bytes, now);
    check_caps();
  } else {
    std::copy(packet.begin(), packet.end(), work.begin());
    const auto datagram = std::span<std::byte>(work).first(packet.size());
    if ((flags & 8) != 0) repair_checksums(datagram);
    const unsigned order = (flags >> 5) & 3;
    const auto header_len =
        datagram.size() >= 20 ? std::size_t{std::to_integer<std::uint8_t>(datagram[0]) & 0x0fu} * 4 : 0;
    if (order == 0 || header_len < 20 || header_len >= datagram.size()) {
      inject_ip(datagram);
    } else {
      // Cut the payload into fragments of `unit` bytes, the header (options
      // and all) on each: what a sender's fragmentation would make, or not.
      const std::size_t unit = std::size_t{(control & 0x1fu) + 1u} * 8;
      const std::size_t payload_len = datagram.size() - header_len;
      const std::size_t count = (payload_len + unit - 1) / unit;
      static std::array<std::byte, 60 + 256> piece;
      for (std::size_t n = 0; n < count && n < 64; ++n) {
        std::size_t k = n;
        if (order == 2) k = count - 1 - n;
        if (order == 3) k = n == 0 ? count - 1 : n - 1;
        const std::size_t offset = k * unit;
        const std::size_t len = std::min(unit, payload_len - offset);
        std::copy_n(datagram.begin(), header_len, piece.begin());
        std::copy_n(datagram.begin() + static_cast<std::ptrdiff_t>(header_len + offset), len,
                    piece.begin() + static_cast<std::ptrdiff_t>(header_len));
        const auto p = std::span<std::byte>(piece).first(header_len + len);
        wire::store_be16(p, 2, static_cast<std::uint16_t>(p.size()));
        const bool more = offset + len < payload_len;
        wire::store_be16(p, 6, static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
        if ((flags & 8) != 0) repair_checksums(p);
        inject_ip(p);
      }
      if ((flags & 0x80) != 0) inject_ip(datagram);
    }
    if ((flags & 0x10) != 0 && header_len >= 20 && header_len <= datagram.size()) {
      // The same bytes through the output path: options from the socket, payload after them.
      net::Ipv4SendParams p;
      p.destination = wire::Ipv4Address::load(datagram, 16);
      p.protocol = 253;  // what a transport hands over is its own business: no ICMP checks on it
      p.options = datagram.subspan(20, header_len - 20);
      p.pmtu = static_cast<net::PmtuDiscovery>((control >> 5) & 3);
      step.link_broadcast = false;
      const auto sent = stack.send_ipv4(p, datagram.subspan(header_len), now);
      if (!sent) {
        const int e = sent.error();
        HS_FUZZ_CHECK(e == EINVAL || e == EMSGSIZE || e == ENETUNREACH || e == EHOSTUNREACH || e == ENOBUFS);
      }
      check_caps();
    }
  }

  // Time runs past every timeout (reassembly 30 s, ARP resolution and
  // reachability): every deadline is polled at, then nothing is left.
  step.timers = true;
  const net::Instant end = now + net::Duration::seconds(120);
  for (int guard = 0; guard < 10000; ++guard) {
    const net::Instant next = stack.next_deadline();
    if (next > end) break;
    now = next > now ? next : now + net::Duration::milliseconds(1);
    stack.poll(now);
    check_caps();
  }
  stack.poll(end);
  HS_FUZZ_CHECK(stack.reassembly_memory() == 0);
  HS_FUZZ_CHECK(stack.neighbor_queue_bytes() == 0);
  step = Step{};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto packet = fuzz::as_bytes(data + 2, size - 2);
  if (packet.size() > 65535) return 0;
  static fuzz::Kept<Host> kept(std::make_unique<Host>());
  fuzz::run_kept(
      kept, [] { return std::make_unique<Host>(); },
      [&](Host& host) { run(host, data[0], data[1], packet); });
  return 0;
}
