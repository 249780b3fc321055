// stack_packets: any sequence of frames and time steps into a stack on one
// Ethernet device (and its loopback). The input is a frame log
// (frame_log.hpp): a 2-byte prelude, then records.
//
//   prelude byte 0  bit 0  the stack knows the peer's MAC (ARP and ND) before the log starts
//                   bit 1  small caps: 16 KiB reassembly per family, 4 KiB neighbour queues
//                   bit 2  no ICMP rate limit (a burst of 1000): more errors to check
//   prelude byte 1  unused (room for later settings; kept so old logs keep their meaning)
//   frame selector  bits 0-1  0: the frame as it is (a whole Ethernet frame)
//                             1: IP datagram, Ethernet header to our MAC added
//                             2: the same to the broadcast MAC
//                             3: the same to an IP multicast MAC (01:00:5e:00:00:01 / 33:33:00:00:00:01)
//                   bit 2     repair checksums: IPv4 header, ICMPv4 / ICMPv6 of an
//                             unfragmented datagram without extension headers
//
// Invariants, after every record:
//   - every frame the stack sends parses: Ethernet from our MAC; ARP; IPv4
//     with a valid header checksum and total length = bytes sent, ICMP with a
//     valid checksum when whole; IPv6 with payload length = bytes sent, ICMPv6
//     with a valid checksum when whole and directly after the IPv6 header;
//   - ICMP errors (both families) never quote an ICMP error or a source that
//     is not unicast, nor a non-initial fragment (IPv6: except the param
//     problems V6-FRAG-2/3 require); ICMPv4 errors never quote a
//     broadcast or multicast destination, ICMPv6 errors quote a multicast
//     destination only for Packet Too Big or param problem code 2; an ICMPv4
//     error is at most 576 bytes, an ICMPv6 error at most 1280;
//   - reassembly memory and neighbour queues within their caps.
// At the end, time runs on by 10 minutes, polling at every deadline: reassembly
// and neighbour queues must then hold nothing.
//
// A stack per setting (prelude byte 0, bits 0-2) is configured once and
// restored before every input (stack_reuse.hpp): each input runs as on a
// stack built for it alone.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "frame_log.hpp"
#include "fuzz_support.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "stack_reuse.hpp"

using namespace hardstack;
namespace flog = hardstack::fuzz::frame_log;

namespace {

constexpr wire::MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr wire::MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x02}};
constexpr wire::Ipv4Address our4{{192, 0, 2, 1}};
constexpr wire::Ipv4Address peer4{{192, 0, 2, 2}};
constexpr wire::Ipv4Address subnet_broadcast4{{192, 0, 2, 255}};
constexpr wire::Ipv6Address our6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};
constexpr std::size_t prelude_size = 2;
constexpr std::size_t small_reassembly_cap = 16 * 1024;
constexpr std::size_t small_queue_bytes = 4 * 1024;

// A device that keeps nothing: the stack's frames are checked as they are sent.
class CheckedDevice final : public net::Device {
 public:
  net::LinkType link_type() const override { return net::LinkType::ethernet; }
  std::size_t mtu() const override { return 1500; }
  bool transmit(std::span<const std::byte> frame) override;
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }
};

std::uint8_t u8(wire::Bytes b, std::size_t i) { return std::to_integer<std::uint8_t>(b[i]); }

bool ipv4_unicast(const wire::Ipv4Address& a) {
  return !a.is_unspecified() && !a.is_broadcast() && !a.is_multicast() && a != subnet_broadcast4 &&
         (a.octets[0] & 0xf0) != 0xf0;
}

bool icmpv4_error_type(std::uint8_t t) { return t == 3 || t == 4 || t == 5 || t == 11 || t == 12; }
// LINUX icmp_pointers[].error == 0: the only quoted ICMP types an error may be about.
bool icmpv4_informational(std::uint8_t t) { return t == 0 || t == 8 || (t >= 13 && t <= 18); }

// RFC 1122 3.2.2 / ICMP4-2 on the quoted datagram of an ICMPv4 error we sent.
void check_icmpv4_error(std::uint8_t type, wire::Bytes message, std::size_t datagram_len) {
  HS_FUZZ_CHECK(datagram_len <= 576);  // ICMP4-3, LINUX
  HS_FUZZ_CHECK(message.size() >= 8 + 20);
  const wire::Bytes quote = message.subspan(8);
  const std::size_t ihl = std::size_t{u8(quote, 0) & 0x0fu} * 4;
  HS_FUZZ_CHECK((u8(quote, 0) >> 4) == 4 && ihl >= 20 && ihl <= quote.size());
  const auto src = wire::Ipv4Address::load(quote, 12);
  const auto dst = wire::Ipv4Address::load(quote, 16);
  HS_FUZZ_CHECK(ipv4_unicast(src) && !src.is_loopback());
  HS_FUZZ_CHECK(!dst.is_broadcast() && !dst.is_multicast() && dst != subnet_broadcast4);
  const auto frag = static_cast<std::uint16_t>((u8(quote, 6) << 8) | u8(quote, 7));
  HS_FUZZ_CHECK((frag & 0x1fff) == 0);  // never about a non-initial fragment
  if (u8(quote, 9) == 1 && quote.size() > ihl) {
    const std::uint8_t quoted_type = u8(quote, ihl);
    HS_FUZZ_CHECK(icmpv4_informational(quoted_type));
  }
  (void)type;
}

void check_ipv4(wire::Bytes packet) {
  const auto ip = wire::Ipv4View::parse(packet, wire::ChecksumMode::verify);
  HS_FUZZ_CHECK(ip.has_value());
  HS_FUZZ_CHECK(ip->total_len() == packet.size());
  HS_FUZZ_CHECK(ip->src() != wire::Ipv4Address{});
  const bool whole = !ip->more_fragments() && ip->fragment_offset() == 0;
  if (ip->protocol() != 1 || !whole) return;
  const auto icmp = wire::Icmpv4View::parse(ip->payload(), wire::ChecksumMode::verify);
  HS_FUZZ_CHECK(icmp.has_value());
  const std::uint8_t type = u8(ip->payload(), 0);
  if (icmpv4_error_type(type)) {
    check_icmpv4_error(type, ip->payload(), packet.size());
    HS_FUZZ_CHECK(ip->dst() == wire::Ipv4Address::load(ip->payload(), 8 + 12));  // to the quoted source
  }
}

void check_ipv6(wire::Bytes packet) {
  const auto ip = wire::Ipv6View::parse(packet);
  HS_FUZZ_CHECK(ip.has_value());
  HS_FUZZ_CHECK(std::size_t{ip->payload_len()} + 40 == packet.size());
  HS_FUZZ_CHECK(!ip->src().is_multicast());
  if (ip->next_header() != wire::Ipv6NextHeader::icmpv6) return;
  const auto pseudo = wire::PseudoHeader::v6(ip->src(), ip->dst());
  const auto icmp = wire::Icmpv6View::parse(ip->payload(), pseudo, wire::ChecksumMode::verify);
  HS_FUZZ_CHECK(icmp.has_value());
  const std::uint8_t type = u8(ip->payload(), 0);
  if (type >= 128) {
    if (type == 135 || type == 136) HS_FUZZ_CHECK(ip->hop_limit() == 255);  // RFC 4861 7.1
    return;
  }
  HS_FUZZ_CHECK(packet.size() <= 1280);  // ICMP6-3
  const wire::Bytes quote = ip->payload().subspan(8);
  HS_FUZZ_CHECK(quote.size() >= 40 && (u8(quote, 0) >> 4) == 6);
  wire::Ipv6Address qsrc{};
  wire::Ipv6Address qdst{};
  for (std::size_t i = 0; i < 16; ++i) {
    qsrc.octets[i] = u8(quote, 8 + i);
    qdst.octets[i] = u8(quote, 24 + i);
  }
  HS_FUZZ_CHECK(!qsrc.is_multicast() && !qsrc.is_unspecified());  // ICMP6-2
  HS_FUZZ_CHECK(ip->dst() == qsrc);
  const std::uint8_t code = u8(ip->payload(), 1);
  if (qdst.is_multicast()) HS_FUZZ_CHECK(type == 2 || (type == 4 && code == 2));
  if (u8(quote, 6) == 58 && quote.size() > 40) HS_FUZZ_CHECK(u8(quote, 40) >= 128);  // not about an error
  if (u8(quote, 6) == 44 && quote.size() >= 48) {
    const auto offset = static_cast<std::uint16_t>((u8(quote, 42) << 8) | u8(quote, 43)) >> 3;
    // RFC 4443 2.4 leaves non-initial fragments to the rules of each error:
    // V6-FRAG-2/3 answer them with param problem code 0 (as Linux does).
    HS_FUZZ_CHECK(offset == 0 || (type == 4 && code == 0));
  }
}

bool CheckedDevice::transmit(std::span<const std::byte> frame) {
  hardstack::fuzz::record_frame(frame);
  const auto eth = wire::EthernetView::parse(frame);
  HS_FUZZ_CHECK(eth.has_value());
  HS_FUZZ_CHECK(eth->source() == our_mac);
  HS_FUZZ_CHECK(!eth->is_tagged());
  switch (eth->ethertype()) {
    case wire::EtherType::arp: {
      const auto view = wire::ArpView::parse(eth->payload());
      HS_FUZZ_CHECK(view.has_value() && wire::ArpRepr::parse(*view).has_value());
      break;
    }
    case wire::EtherType::ipv4: check_ipv4(eth->payload()); break;
    case wire::EtherType::ipv6: check_ipv6(eth->payload()); break;
    default: HS_FUZZ_CHECK(false);
  }
  return true;
}

void store16(std::vector<std::byte>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::byte>(v >> 8);
  b[at + 1] = static_cast<std::byte>(v & 0xff);
}

// Fixes what a mutated datagram is least likely to get right by chance.
void repair_checksums(std::vector<std::byte>& frame, std::size_t ip_at) {
  if (frame.size() < ip_at + 1) return;
  const wire::Bytes f(frame);
  const unsigned version = u8(f, ip_at) >> 4;
  if (version == 4 && frame.size() >= ip_at + 20) {
    const std::size_t ihl = std::size_t{u8(f, ip_at) & 0x0fu} * 4;
    if (ihl < 20 || frame.size() < ip_at + ihl) return;
    store16(frame, ip_at + 10, 0);
    wire::ChecksumAccumulator sum;
    sum.add(wire::Bytes(frame).subspan(ip_at, ihl));
    store16(frame, ip_at + 10, sum.checksum());
    const bool whole = (u8(f, ip_at + 6) & 0x3f) == 0 && u8(f, ip_at + 7) == 0;
    if (u8(f, ip_at + 9) == 1 && whole && frame.size() >= ip_at + ihl + 4) {
      store16(frame, ip_at + ihl + 2, 0);
      wire::ChecksumAccumulator icmp;
      icmp.add(wire::Bytes(frame).subspan(ip_at + ihl));
      store16(frame, ip_at + ihl + 2, icmp.checksum());
    }
  } else if (version == 6 && frame.size() >= ip_at + 44 && u8(f, ip_at + 6) == 58) {
    wire::Ipv6Address src{};
    wire::Ipv6Address dst{};
    for (std::size_t i = 0; i < 16; ++i) {
      src.octets[i] = u8(f, ip_at + 8 + i);
      dst.octets[i] = u8(f, ip_at + 24 + i);
    }
    const wire::Bytes body = wire::Bytes(frame).subspan(ip_at + 40);
    store16(frame, ip_at + 42, 0);
    auto sum = wire::PseudoHeader::v6(src, dst).start(58, static_cast<std::uint32_t>(body.size()));
    sum.add(body);
    store16(frame, ip_at + 42, sum.checksum());
  }
}

std::vector<std::byte> ethernet_frame(const wire::MacAddress& dst, wire::Bytes datagram) {
  std::vector<std::byte> f(14 + datagram.size());
  for (std::size_t i = 0; i < 6; ++i) {
    f[i] = static_cast<std::byte>(dst.octets[i]);
    f[6 + i] = static_cast<std::byte>(peer_mac.octets[i]);
  }
  const bool v6 = !datagram.empty() && (u8(datagram, 0) >> 4) == 6;
  f[12] = static_cast<std::byte>(v6 ? 0x86 : 0x08);
  f[13] = static_cast<std::byte>(v6 ? 0xdd : 0x00);
  std::copy(datagram.begin(), datagram.end(), f.begin() + 14);
  return f;
}

void check_caps(const net::Stack& s, std::size_t reassembly_cap, std::size_t queue_cap) {
  HS_FUZZ_CHECK(s.reassembly_memory() <= 2 * reassembly_cap);
  HS_FUZZ_CHECK(s.neighbor_queue_bytes() <= 2 * queue_cap);  // ARP + ND caches
}

// The configured stack an input starts on, for the prelude's settings
// (bits 0-2 of byte 0): one Ethernet interface with an IPv4 and an IPv6
// address, an IPv4 gateway, tables sized for one input's worth of traffic.
struct Host {
  net::StackConfig config;
  net::SeededEntropy entropy{0x5eed};
  CheckedDevice device;
  net::Stack stack;
  net::InterfaceId id{};

  explicit Host(std::uint8_t settings) : config(make_config(settings)), stack(make_stack(config, entropy)) {
    net::InterfaceConfig ic;
    ic.mac = our_mac;
    const auto made = stack.add_interface(device, ic);
    HS_FUZZ_CHECK(made.has_value());
    id = *made;
    HS_FUZZ_CHECK(stack.add_address(id, our4, 24).has_value());
    HS_FUZZ_CHECK(stack.add_address(id, our6, 64).has_value());
    HS_FUZZ_CHECK(stack.set_default_gateway(peer4).has_value());
    if ((settings & 0x01) != 0) {
      // The peer asks for us (ARP request): the stack learns its MAC and answers.
      wire::ArpRepr arp{wire::ArpOperation::request, peer_mac, peer4, wire::MacAddress{}, our4};
      std::array<std::byte, 14 + wire::ArpRepr::packet_len()> f{};
      wire::EthernetRepr eth{wire::MacAddress::broadcast(), peer_mac, wire::EtherType::arp, std::nullopt};
      std::array<std::byte, wire::ArpRepr::packet_len()> body{};
      HS_FUZZ_CHECK(arp.emit(body).has_value() && eth.emit(f, body).has_value());
      stack.input(id, f, flog::log_start);
    }
  }
  static net::StackConfig make_config(std::uint8_t settings) {
    net::StackConfig c;
    c.poll_frame_budget = 4;
    c.max_interfaces = 2;
    c.max_addresses_per_interface = 4;
    c.reassembly_v4.max_queues = c.reassembly_v6.max_queues = 64;
    c.arp.max_entries = c.nd.max_entries = 8;
    c.arp.queue_bytes = c.nd.queue_bytes = 64 * 1024;  // the queue's node pool is reserved up front
    c.routes.max_routes = 8;
    c.arp.gc_floor = c.nd.gc_floor = 4;
    if ((settings & 0x02) != 0) {
      c.reassembly_v4.memory_cap = c.reassembly_v6.memory_cap = small_reassembly_cap;
      c.arp.queue_bytes = c.nd.queue_bytes = small_queue_bytes;
    }
    if ((settings & 0x04) != 0) c.icmp_rate_limit.burst = c.icmpv6_rate_limit.burst = 1000;
    return c;
  }
  static net::Stack make_stack(const net::StackConfig& config, net::Entropy& entropy) {
    auto created = net::Stack::create(config, entropy);
    HS_FUZZ_CHECK(created.has_value());
    return std::move(created.value());
  }
};

void run(Host& host, const flog::Log& log) {
  net::Stack& stack = host.stack;
  const net::InterfaceId id = host.id;
  const std::size_t reassembly_cap = host.config.reassembly_v4.memory_cap;
  const std::size_t queue_cap = host.config.arp.queue_bytes;
  net::Instant now = flog::log_start;
  flog::Reader reader(log);
  flog::Record r;
  std::vector<std::byte> scratch;
  while (reader.next(r)) {
    now = r.at;
    if (r.kind == flog::RecordKind::time) {
      stack.poll(now);
    } else {
      const unsigned how = r.selector & 0x03u;
      const bool repair = (r.selector & 0x04u) != 0;
      if (how == 0) {
        scratch.assign(r.frame.begin(), r.frame.end());
        if (repair) repair_checksums(scratch, 14);
      } else {
        const bool v6 = !r.frame.empty() && (u8(r.frame, 0) >> 4) == 6;
        const wire::MacAddress dst = how == 1   ? our_mac
                                     : how == 2 ? wire::MacAddress::broadcast()
                                     : v6       ? wire::MacAddress{{0x33, 0x33, 0, 0, 0, 0x01}}
                                                : wire::MacAddress{{0x01, 0x00, 0x5e, 0, 0, 0x01}};
        scratch = ethernet_frame(dst, r.frame);
        if (repair) repair_checksums(scratch, 14);
      }
      stack.input(id, scratch, now);
    }
    check_caps(stack, reassembly_cap, queue_cap);
  }

  // Run time on past every timeout (reassembly 60 s, neighbour resolution and
  // garbage collection well within 10 minutes): everything held is released.
  const net::Instant end = now + net::Duration::seconds(600);
  for (int i = 0; i < 10000; ++i) {
    const net::Instant next = stack.next_deadline();
    if (next > end) break;
    now = next > now ? next : now + net::Duration::milliseconds(1);
    stack.poll(now);
    check_caps(stack, reassembly_cap, queue_cap);
  }
  stack.poll(end);
  HS_FUZZ_CHECK(stack.reassembly_memory() == 0);
  HS_FUZZ_CHECK(stack.neighbor_queue_bytes() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const flog::Log log(hardstack::fuzz::as_bytes(data, size), prelude_size);
  const auto settings = static_cast<std::uint8_t>(log.prelude_byte(0) & 0x07u);
  // One kept host per setting, made at its first use.
  static std::array<std::unique_ptr<hardstack::fuzz::Kept<Host>>, 8> kept;
  auto make = [settings] { return std::make_unique<Host>(settings); };
  if (!kept[settings]) kept[settings] = std::make_unique<hardstack::fuzz::Kept<Host>>(make());
  hardstack::fuzz::run_kept(*kept[settings], make, [&](Host& host) { run(host, log); });
  return 0;
}
