// The IPv6 input path as a stateful target: a few IPv6 packets (or Ethernet
// frames) into a configured stack, with the stack's output checked after
// every one and time run out at the end.
//
// Every input starts on the same configured stack (stack_reuse.hpp: kept
// per process, restored before each input): the peer already learnt (NS for
// our address, then NA) and a Router Advertisement's timers applied, the
// clock at its start.
//
// Input:
//   byte 0   flags: bits 0-1 link (0: IPv6 in a frame to our MAC; 1: in a
//            frame to the group MAC of its destination; 2: the bytes are the
//            whole Ethernet frame; 3: a raw-IP (TUN) interface),
//            bit 2: repair the ICMPv6 checksum (the stack always verifies it),
//            (link 3: the raw-IP interface has 2001:db8:1::1, its peer ::2;
//            the table's our6 / peer6 are mapped onto them)
//            bit 3: rewrite the addresses from byte 1,
//            bits 4-5: time step after each packet (0, 1 s, 30 s, 61 s)
//   byte 1   addresses: low nibble the source, high nibble the destination,
//            indexes into the tables below (our address, our link-local,
//            groups, the peer, unspecified, ...)
//   then up to 4 packets, each [length: 2 bytes big-endian][bytes]; a length
//   past the end takes what is left. Several packets reach reassembly and
//   neighbour discovery.
//
// After every packet: every frame sent parses (Ethernet, IPv6, the chain,
// ICMPv6 with a valid checksum, ND bodies); no ICMPv6 error answers an ICMPv6
// error or Redirect, nor a datagram to a group or in a link-layer group frame
// (but Packet Too Big and parameter problem code 2 for an option 10xxxxxx),
// nor goes to an unspecified or multicast address; reassembly and neighbour
// queues stay under their caps. At the end, time runs past every timeout and
// reassembly and neighbour queues must be empty.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_support.hpp"
#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "stack_reuse.hpp"

using namespace hardstack;

namespace {

constexpr wire::MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr wire::MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x02}};
const wire::Ipv6Address our6 = fuzz::doc_ipv6_src;   // 2001:db8::1
const wire::Ipv6Address peer6 = fuzz::doc_ipv6_dst;  // 2001:db8::2

wire::Ipv6Address addr(std::initializer_list<std::uint8_t> head, std::uint8_t last) {
  wire::Ipv6Address a{};
  std::size_t i = 0;
  for (const auto b : head) a.octets[i++] = b;
  a.octets[15] = last;
  return a;
}

// Sources and destinations the address byte picks from.
const std::array<wire::Ipv6Address, 16> table = [] {
  std::array<wire::Ipv6Address, 16> t{};
  t[0] = our6;
  t[1] = peer6;
  t[2] = addr({0xfe, 0x80}, 0x02);                                         // a peer's link-local
  t[3] = addr({0xff, 0x02}, 0x01);                                         // all nodes
  t[4] = addr({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff}, 0x01);  // solicited-node of our6
  t[5] = wire::Ipv6Address{};                                              // unspecified
  t[6] = addr({}, 1);                                                      // ::1
  t[7] = addr({0x20, 0x01, 0x0d, 0xb8, 0xff}, 0x07);                       // off-link
  t[8] = addr({0xff, 0x02}, 0x02);                                         // all routers (not joined)
  t[9] = addr({0xff, 0x01}, 0x01);                                         // interface-local
  t[10] = addr({0x20, 0x01, 0x0d, 0xb8}, 0x03);                            // another neighbour
  t[11] = addr({0xfe, 0x80}, 0x01);
  t[12] = addr({0xff, 0x05}, 0x02);
  t[13] = addr({0x20, 0x01, 0x0d, 0xb8}, 0x01);
  t[14] = addr({0xfe, 0x80}, 0x99);
  t[15] = addr({0x20, 0x01, 0x0d, 0xb8}, 0xfe);  // the gateway
  return t;
}();

net::StackConfig config() {
  net::StackConfig c;
  c.reassembly_v6.memory_cap = 256 * 1024;
  c.reassembly_v6.max_queues = 64;
  c.reassembly_v4.memory_cap = 64 * 1024;
  c.reassembly_v4.max_queues = 16;
  // Small tables: poll walks every entry, and an input makes a few at most.
  c.nd.max_entries = 16;
  c.nd.gc_floor = 0;  // every unused entry collected: nothing outlives an input
  c.nd.queue_bytes = 64 * 1024;
  c.arp = c.nd;
  c.arp.max_entries = 2;  // no IPv4 here
  c.arp.locktime = net::Duration::seconds(1);
  c.routes.max_routes = 16;
  c.icmpv6_rate_limit.burst = 8;
  return c;
}

struct NoopTransport final : net::TransportProtocol {
  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery&, wire::Bytes, net::Instant) override {
    return net::DeliveryResult::delivered;
  }
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload,
                                   net::Instant) override {
    HS_FUZZ_CHECK(fuzz::inside(payload, meta.datagram));
    HS_FUZZ_CHECK(meta.transport_offset + payload.size() == meta.datagram.size());
    // Port 9 (discard) listens; everything else is unreachable.
    return payload.size() >= 4 && wire::load_be16(payload, 2) == 9 ? net::DeliveryResult::delivered
                                                                   : net::DeliveryResult::port_unreachable;
  }
  void icmp_error(const net::IcmpErrorReport& r, net::Instant) override {
    HS_FUZZ_CHECK(r.ipv6);
    HS_FUZZ_CHECK(r.quoted_transport.size() >= 8);
  }
};

// LINUX ipv6_skip_exthdr over a quoted packet: the upper-layer protocol and
// its offset, or -1 when the chain cannot be followed.
struct Upper {
  int next_header = -1;
  std::size_t offset = 0;
  bool non_first_fragment = false;
};
Upper skip_headers(wire::Bytes p) {
  Upper u;
  if (p.size() < 40) return u;
  std::uint8_t nh = wire::load_u8(p, 6);
  std::size_t at = 40;
  for (std::size_t n = 0; n <= p.size() / 8; ++n) {
    if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51) {
      u.next_header = nh;
      u.offset = at;
      return u;
    }
    if (p.size() - at < 8) return u;
    if (nh == 44 && (wire::load_be16(p, at + 2) >> 3) != 0) {
      u.next_header = wire::load_u8(p, at);
      u.offset = at + 8;
      u.non_first_fragment = true;
      return u;
    }
    const std::size_t len = nh == 44   ? 8
                            : nh == 51 ? (std::size_t{wire::load_u8(p, at + 1)} + 2) * 4
                                       : (std::size_t{wire::load_u8(p, at + 1)} + 1) * 8;
    if (len > p.size() - at) return u;
    nh = wire::load_u8(p, at);
    at += len;
  }
  return u;
}

// What was injected, for the never-send checks.
struct Sent {
  bool link_group = false;  // the frame went to a group or broadcast MAC
  wire::Bytes datagram;     // its IPv6 datagram
};

void check_icmpv6_error(const wire::Ipv6View& ip, const wire::Icmpv6View& icmp, const Sent& last) {
  // RFC 4443 2.4 (e.6): never to a group or the unspecified address.
  HS_FUZZ_CHECK(!ip.dst().is_multicast());
  HS_FUZZ_CHECK(!ip.dst().is_unspecified());
  HS_FUZZ_CHECK(!ip.src().is_multicast());
  const wire::Bytes body = icmp.body();
  if (body.size() < 4 + 40) return;  // the quote of a cut packet: nothing more to check
  const wire::Bytes quote = body.subspan(4);
  const auto quoted_src = wire::Ipv6Address::load(quote, 8);
  const auto quoted_dst = wire::Ipv6Address::load(quote, 24);
  HS_FUZZ_CHECK(quoted_src == ip.dst());
  // ICMP6-3: the error stays within 1280 bytes.
  HS_FUZZ_CHECK(ip.datagram_len() <= 1280);
  const auto type = static_cast<std::uint8_t>(icmp.type());
  const std::uint32_t pointer = wire::load_be32(body, 0);
  const bool exception = type == 2 || (type == 4 && icmp.code() == 2 && pointer < quote.size() &&
                                       (wire::load_u8(quote, pointer) & 0xc0) == 0x80);
  // (e.3-e.5): nothing about a datagram to a group or in a group frame, but the exceptions.
  if (quoted_dst.is_multicast()) HS_FUZZ_CHECK(exception);
  // (The quote is this packet's: an error released by it from a neighbour
  // queue, or a time exceeded, is about another one.)
  const bool about_last = last.link_group && quote.size() <= last.datagram.size() &&
                          std::memcmp(quote.data(), last.datagram.data(), quote.size()) == 0;
  if (about_last) HS_FUZZ_CHECK(exception);
  // (e.1, e.2): nothing about an error or a Redirect.
  const Upper u = skip_headers(quote);
  if (u.next_header == 58 && !u.non_first_fragment && u.offset < quote.size()) {
    const std::uint8_t quoted_type = wire::load_u8(quote, u.offset);
    HS_FUZZ_CHECK(quoted_type >= 128 && quoted_type != 137);
  }
}

// Every frame the stack sends parses, checksums included.
void check_output(harness::CaptureDevice& device, bool raw_ip, const Sent& last) {
  while (auto frame = device.take()) {
    fuzz::record_frame(*frame);
    wire::Bytes dg = *frame;
    if (!raw_ip) {
      const auto eth = wire::EthernetView::parse(dg);
      HS_FUZZ_CHECK(eth.has_value());
      HS_FUZZ_CHECK(eth->source() == our_mac);
      if (eth->ethertype() != wire::EtherType::ipv6) {
        HS_FUZZ_CHECK(eth->ethertype() == wire::EtherType::arp);
        continue;
      }
      dg = eth->payload();
    }
    const auto ip = wire::Ipv6View::parse(dg);
    HS_FUZZ_CHECK(ip.has_value());
    HS_FUZZ_CHECK(ip->datagram_len() == dg.size());  // no padding of our own
    HS_FUZZ_CHECK(!ip->src().is_multicast());
    const auto chain = wire::Ipv6ExtChain::walk(*ip);
    HS_FUZZ_CHECK(chain.has_value());
    if (chain->end != wire::Ipv6ChainEnd::upper_layer || chain->next_header != wire::Ipv6NextHeader::icmpv6)
      continue;  // fragments of a reply; UDP is not sent by this target
    const wire::Bytes message = ip->datagram().subspan(chain->end_offset);
    const auto icmp = wire::Icmpv6View::parse(message, wire::PseudoHeader::v6(ip->src(), ip->dst()));
    HS_FUZZ_CHECK(icmp.has_value());
    HS_FUZZ_CHECK(wire::Icmpv6Repr::parse(*icmp).has_value());
    if (icmp->is_error()) check_icmpv6_error(*ip, *icmp, last);
    if (icmp->type() == wire::Icmpv6Type::neighbor_solicitation ||
        icmp->type() == wire::Icmpv6Type::neighbor_advertisement)
      HS_FUZZ_CHECK(ip->hop_limit() == 255);
  }
}

// Bit 2: the ICMPv6 checksum recomputed so the message gets past ICMP6-4.
void repair_icmpv6_checksum(std::vector<std::byte>& packet, std::size_t ip_at) {
  const wire::Bytes all = packet;
  if (all.size() < ip_at + 40) return;
  const auto ip = wire::Ipv6View::parse(all.subspan(ip_at));
  if (!ip) return;
  const auto chain = wire::Ipv6ExtChain::walk(*ip);
  if (!chain || chain->end != wire::Ipv6ChainEnd::upper_layer ||
      chain->next_header != wire::Ipv6NextHeader::icmpv6)
    return;
  const std::size_t at = ip_at + chain->end_offset;
  const std::size_t len = ip->datagram_len() - chain->end_offset;
  if (len < 4) return;
  const wire::MutableBytes msg(packet.data() + at, len);
  wire::store_be16(msg, 2, 0);
  const auto sum = wire::PseudoHeader::v6(ip->src(), ip->dst())
                       .start(58, static_cast<std::uint32_t>(len))
                       .add(msg)
                       .checksum();
  wire::store_be16(msg, 2, sum);
}

// An ND message from the peer (NS for our address, NA for its own, RA with
// the default timers), checksum computed, in an Ethernet frame.
std::vector<std::byte> peer_nd(std::uint8_t type, const wire::Ipv6Address& from, const wire::Ipv6Address& to,
                               const wire::MacAddress& to_mac) {
  const std::size_t len = type == 134 ? 16 : 32;
  std::vector<std::byte> frame(14 + 40 + len);
  const wire::MutableBytes f(frame);
  to_mac.store(f, 0);
  peer_mac.store(f, 6);
  wire::store_be16(f, 12, 0x86dd);
  wire::store_be32(f, 14, 0x60000000u);
  wire::store_be16(f, 18, static_cast<std::uint16_t>(len));
  wire::store_u8(f, 20, 58);
  wire::store_u8(f, 21, 255);
  from.store(f, 22);
  to.store(f, 38);
  const wire::MutableBytes nd = f.subspan(54);
  wire::store_u8(nd, 0, type);
  if (type == 134) {
    wire::store_be32(nd, 8, 30000);  // Reachable Time (ms): the default base
    wire::store_be32(nd, 12, 1000);  // Retrans Timer (ms)
  } else {
    if (type == 136) wire::store_u8(nd, 4, 0x60);  // solicited, override
    (type == 136 ? from : our6).store(nd, 8);
    wire::store_u8(nd, 24, type == 136 ? 2 : 1);  // Target / Source Link-Layer Address
    wire::store_u8(nd, 25, 1);
    peer_mac.store(nd, 26);
  }
  const auto sum =
      wire::PseudoHeader::v6(from, to).start(58, static_cast<std::uint32_t>(len)).add(nd).checksum();
  wire::store_be16(nd, 2, sum);
  return frame;
}

const wire::Ipv6Address tun6 = addr({0x20, 0x01, 0x0d, 0xb8, 0, 0x01}, 0x01);
const wire::Ipv6Address tun_peer6 = addr({0x20, 0x01, 0x0d, 0xb8, 0, 0x01}, 0x02);

struct Host {
  static constexpr net::Instant start = net::Instant::from_ns(0);
  harness::VirtualClock clock{start};
  net::SeededEntropy entropy{0x1f6};
  harness::CaptureDevice eth_device = make_device(net::LinkType::ethernet);
  harness::CaptureDevice tun_device = make_device(net::LinkType::raw_ip);
  net::StackConfig cfg = config();
  net::Stack stack = make_stack();
  net::InterfaceId eth{};
  net::InterfaceId tun{};
  NoopTransport transport;

  Host() {
    net::InterfaceConfig ic;
    ic.mac = our_mac;
    eth = stack.add_interface(eth_device, ic).value();
    tun = stack.add_interface(tun_device, net::InterfaceConfig{}).value();
    HS_FUZZ_CHECK(stack.add_address(eth, our6, 64).has_value());
    HS_FUZZ_CHECK(stack.add_address(tun, tun6, 64).has_value());
    HS_FUZZ_CHECK(stack.set_default_gateway(table[15]).has_value());
    HS_FUZZ_CHECK(stack.register_protocol(17, transport).has_value());
    HS_FUZZ_CHECK(stack.register_protocol(6, transport).has_value());
    // The peer learnt (its NS for our address, then its NA), the ND timers
    // from a Router Advertisement.
    stack.input(eth, peer_nd(135, peer6, table[4], {{0x33, 0x33, 0xff, 0, 0, 0x01}}), clock.now());
    stack.input(eth, peer_nd(136, peer6, our6, our_mac), clock.now());
    stack.input(eth, peer_nd(134, table[2], table[3], {{0x33, 0x33, 0, 0, 0, 0x01}}), clock.now());
    check_all(Sent{});
  }
  harness::CaptureDevice make_device(net::LinkType link) {
    harness::CaptureDeviceConfig dc;
    dc.link_type = link;
    return std::move(harness::CaptureDevice::create(dc, clock).value());
  }
  net::Stack make_stack() { return std::move(net::Stack::create(cfg, entropy).value()); }

  void check_all(const Sent& last) {
    check_output(eth_device, false, last);
    check_output(tun_device, true, last);
  }
  // Runs time past every timer, checking what goes out: nothing time-driven
  // is left afterwards.
  void run_out() {
    for (int i = 0; i < 400 && stack.next_deadline() != net::Instant::never(); ++i) {
      const auto next = stack.next_deadline();
      clock.set(next > clock.now() ? next : clock.now() + net::Duration::milliseconds(1));
      stack.poll(clock.now());
      check_all(Sent{});
    }
    HS_FUZZ_CHECK(stack.next_deadline() == net::Instant::never());
    HS_FUZZ_CHECK(stack.reassembly_memory() == 0);
    HS_FUZZ_CHECK(stack.neighbor_queue_bytes() == 0);
  }
};

void run(Host& w, const std::uint8_t* data, std::size_t size) {
  w.clock = harness::VirtualClock(Host::start);
  const std::uint8_t flags = data[0];
  const std::uint8_t link_mode = flags & 3;
  const bool repair = (flags & 4) != 0;
  const bool rewrite = (flags & 8) != 0;
  static constexpr std::array<std::int64_t, 4> steps_ms{0, 1000, 30000, 61000};
  const net::Duration step = net::Duration::milliseconds(steps_ms[(flags >> 4) & 3]);
  auto pick = [&](std::uint8_t i) {
    const wire::Ipv6Address a = table[i];
    if (link_mode == 3 && a == our6) return tun6;
    if (link_mode == 3 && a == peer6) return tun_peer6;
    return a;
  };
  const wire::Ipv6Address src = pick(data[1] & 0x0f);
  const wire::Ipv6Address dst = pick(data[1] >> 4);

  const net::InterfaceId in = link_mode == 3 ? w.tun : w.eth;

  std::vector<std::byte> frame;
  std::size_t pos = 2;
  for (int n = 0; n < 4 && pos < size; ++n) {
    std::size_t len = size - pos;
    if (len >= 2) {
      const std::size_t want = (std::size_t{data[pos]} << 8) | data[pos + 1];
      pos += 2;
      len = std::min(want, size - pos);
    } else {
      pos = size;
      len = 0;
    }
    const auto packet = fuzz::as_bytes(data + pos, len);
    pos += len;

    frame.clear();
    std::size_t ip_at = 0;
    Sent sent;
    if (link_mode == 0 || link_mode == 1) {
      wire::MacAddress to = our_mac;
      if (link_mode == 1) {
        const auto d = packet.size() >= 40 ? wire::Ipv6Address::load(packet, 24) : dst;
        to = {{0x33, 0x33, d.octets[12], d.octets[13], d.octets[14], d.octets[15]}};
        sent.link_group = true;
      }
      frame.resize(14);
      to.store(frame, 0);
      peer_mac.store(frame, 6);
      wire::store_be16(frame, 12, 0x86dd);
      ip_at = 14;
    } else if (link_mode == 2) {
      sent.link_group = packet.size() >= 6 && (std::to_integer<std::uint8_t>(packet[0]) & 1) != 0;
      ip_at = 14;
    }
    frame.insert(frame.end(), packet.begin(), packet.end());
    if (rewrite && frame.size() >= ip_at + 40) {
      src.store(frame, ip_at + 8);
      dst.store(frame, ip_at + 24);
    }
    if (repair) repair_icmpv6_checksum(frame, ip_at);
    if (frame.size() >= ip_at) sent.datagram = wire::Bytes(frame).subspan(ip_at);

    w.stack.input(in, frame, w.clock.now());
    w.check_all(sent);
    HS_FUZZ_CHECK(w.stack.reassembly_memory() <=
                  w.cfg.reassembly_v6.memory_cap + w.cfg.reassembly_v4.memory_cap);
    HS_FUZZ_CHECK(w.stack.neighbor_queue_bytes() <= w.cfg.nd.queue_bytes + w.cfg.arp.queue_bytes);
    w.clock.advance(step);
    if (w.stack.next_deadline() <= w.clock.now()) {
      w.stack.poll(w.clock.now());
      w.check_all(Sent{});
    }
  }
  w.run_out();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static fuzz::Kept<Host> kept(std::make_unique<Host>());
  fuzz::run_kept(
      kept, [] { return std::make_unique<Host>(); }, [&](Host& host) { run(host, data, size); });
  return 0;
}
