// sendmsg with ancillary data on IPv4 and IPv6 UDP sockets (CMSG-1..7,
// UDP-6/7): a control buffer, flags, a destination and a payload, on a
// socket with sticky options set; every datagram sent must carry exactly
// what the accepted cmsgs asked, and a refused call sends nothing.
//
// One stack and one Sockets serve every input (making them costs more than
// the input): two raw-IP interfaces (tun0 192.0.2.1/24 + 2001:db8::1/64, MTU
// 1500, default routes; tun1 198.51.100.1/24 + 2001:db8:1::1/64, MTU 1280),
// loopback, and two receivers on port 7 (AF_INET, and AF_INET6 v6-only) that
// take what goes through loopback and report its TTL / TOS / options / hop
// limit / traffic class as cmsgs. Each input makes one sending socket and
// closes it at the end; loopback, devices and receivers are drained, the
// entropy re-seeded (the ephemeral port), and the stack restored from its
// checkpoint when fragments wait for reassembly, so every input starts from
// the same state; the self-test (HARDSTACK_FUZZ_SELF_TEST=1, on in replay)
// checks it against a new world. The harness is built without coverage
// tracing: only the stack's edges are libFuzzer's features.
//
// Input:
//   byte 0  bits 0-1 family: 0 AF_INET, 1 AF_INET6, 2 AF_INET6 + IPV6_V6ONLY, 3 AF_INET6
//           bit 2 bind (address from byte 2), bit 3 connect (destination from byte 1)
//           bit 4 sticky IP_TTL / IPV6_UNICAST_HOPS, bit 5 IP_TOS / IPV6_TCLASS,
//           bit 6 IP_OPTIONS (+ IPV6_DONTFRAG on AF_INET6), bit 7 UDP_SEGMENT
//   byte 1  connect destination (index, below)
//   byte 2  bits 0-2 bind address, bits 3-5 TTL / hop limit, bits 6-7 TOS / traffic class
//   byte 3  bits 0-1 IP_OPTIONS, bits 2-4 UDP_SEGMENT, bit 5 SO_BROADCAST,
//           bit 6 UDP_CORK, bit 7 IP_MTU_DISCOVER / IPV6_MTU_DISCOVER = DO
//   then up to 4 sends, each:
//     flags   bit 0 MSG_MORE, bit 1 MSG_DONTWAIT, bit 2 MSG_OOB, bit 3 null msg_control,
//             bits 4-6 control buffer misalignment, bit 7 long payload:
//             1,200 + 17 * length (length < 250), else 65,500 + 8 * (length - 250)
//     dest    bits 0-4 destination index, bits 5-7 address form (0-3 as it is,
//             4 one byte short, 5 family AF_UNSPEC, 6 128 bytes, 7 no address)
//     iov     bits 0-1 iovec count - 1 (0..2, 3 = none), bits 2-7 where they split
//     u8      payload length (bytes of a fixed pseudo-random pattern)
//     u16 LE  control length, then that many control bytes (cut at the input's end)
//
// Checks, after every send (and the UDP_CORK push at the end):
//   - the result is the payload length or -errno from Linux's set for sendmsg;
//     msg_control null with msg_controllen > 0 -> EFAULT (LINUX ____sys_sendmsg);
//     a control buffer breaking a rule Linux checks (CMSG_OK, lengths, values,
//     unknown types, IPv4 options) -> EINVAL when nothing else is wrong first;
//   - refused, or corked: nothing on any device, nothing through loopback;
//   - sent: every frame parses with valid IP and UDP checksums (fragments
//     reassemble), and each datagram has the TTL / hop limit, TOS / traffic
//     class, IP options, source address (IP_PKTINFO / IPV6_PKTINFO, the bound
//     address, else the route's), interface, extension headers, ports and
//     payload (UDP_SEGMENT: cut into gso_size segments) the model of Linux
//     computes from the accepted cmsgs and the socket's options;
//   - the control buffer is never read outside msg_controllen (ASan: the
//     bytes around it are poisoned).
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "cmsg_model.hpp"
#include "fuzz_support.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "socket_fuzz.hpp"
#include "stack_reuse.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

// Only the stack's edges guide libFuzzer: the harness below (set-up, the
// decoding of the input, the model, the checks) is built without tracing.
HS_FUZZ_HARNESS_BEGIN

using namespace hardstack;

namespace {

using namespace fuzz::linux_cmsg;
using fuzz::unmapped;

enum class Dev : std::uint8_t { loopback, tun0, tun1 };

wire::Ipv6Address v6(std::initializer_list<std::uint8_t> head, std::uint8_t last) {
  wire::Ipv6Address a{};
  std::size_t i = 0;
  for (const auto b : head) a.octets[i++] = b;
  a.octets[15] = last;
  return a;
}
wire::Ipv6Address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return fuzz::mapped(wire::Ipv4Address{{a, b, c, d}});
}
const wire::Ipv6Address tun0_v4 = v4(192, 0, 2, 1), tun1_v4 = v4(198, 51, 100, 1), lo_v4 = v4(127, 0, 0, 1);
const wire::Ipv6Address tun0_v6 = v6({0x20, 0x01, 0x0d, 0xb8}, 1);
const wire::Ipv6Address tun1_v6 = v6({0x20, 0x01, 0x0d, 0xb8, 0, 1}, 1);
const wire::Ipv6Address lo_v6 = v6({}, 1);

// RFC 4007: link-local unicast and link- or interface-local multicast need a scope.
bool needs_scope(const wire::Ipv6Address& a) {
  return (a.octets[0] == 0xfe && (a.octets[1] & 0xc0) == 0x80) ||
         (a.octets[0] == 0xff && (a.octets[1] & 0x0f) <= 2);
}

// Our addresses (what may be a source).
bool is_ours(const wire::Ipv6Address& a) {
  if (is_mapped(a)) return a == tun0_v4 || a == tun1_v4 || a.octets[12] == 127;
  return a == tun0_v6 || a == tun1_v6 || a == lo_v6;
}

// A destination: the sockaddr, what it means, where it goes.
struct Destination {
  bool sin6 = false;          // a sockaddr_in6 (else sockaddr_in)
  wire::Ipv6Address address;  // as sent to (0.0.0.0 / :: mean this host: filled in below)
  std::uint16_t port = 0;
  unsigned scope = 0;
  Dev dev = Dev::tun0;
  bool group = false;  // multicast
  bool clean = true;   // nothing about the address itself makes the call fail before its cmsgs
};

Destination d4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port, Dev dev,
               bool clean = true) {
  Destination x;
  x.address = v4(a, b, c, d);
  x.port = port;
  x.dev = dev;
  x.group = a >= 224 && a <= 239;
  x.clean = clean && port != 0;
  return x;
}
Destination d6(const wire::Ipv6Address& a, std::uint16_t port, Dev dev, unsigned scope = 0,
               bool clean = true) {
  Destination x;
  x.sin6 = true;
  x.address = a;
  x.port = port;
  x.scope = scope;
  x.dev = dev;
  x.group = a.octets[0] == 0xff;
  x.clean = clean && port != 0;
  return x;
}

const std::array<Destination, 32> destinations = {
    d4(192, 0, 2, 2, 9, Dev::tun0),
    d4(198, 51, 100, 2, 9, Dev::tun1),
    d4(203, 0, 113, 9, 9, Dev::tun0),  // via the gateway
    d4(127, 0, 0, 1, 7, Dev::loopback),
    d4(192, 0, 2, 1, 7, Dev::loopback),  // our own address
    d4(192, 0, 2, 255, 9, Dev::tun0),    // directed broadcast (SO_BROADCAST)
    d4(255, 255, 255, 255, 9, Dev::tun0),
    d4(224, 0, 0, 251, 9, Dev::tun0),  // multicast, by the default route
    d4(0, 0, 0, 0, 7, Dev::loopback),  // BSD: this host
    d4(192, 0, 2, 2, 0, Dev::tun0),    // port 0: EINVAL
    d4(0, 1, 2, 3, 9, Dev::tun0, false),
    d4(198, 51, 100, 255, 9, Dev::tun1),
    d4(192, 0, 2, 2, 53, Dev::tun0),
    d4(198, 51, 100, 2, 65535, Dev::tun1),
    d4(203, 0, 113, 9, 4500, Dev::tun0),
    d4(127, 0, 0, 9, 7, Dev::loopback),
    d6(v6({0x20, 0x01, 0x0d, 0xb8}, 2), 9, Dev::tun0),
    d6(v6({0x20, 0x01, 0x0d, 0xb8, 0, 1}, 2), 9, Dev::tun1),
    d6(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0xff}, 7), 9, Dev::tun0),  // via the gateway
    d6(lo_v6, 7, Dev::loopback),
    d6(tun0_v6, 7, Dev::loopback),
    d6(v6({0xff, 0x02}, 1), 9, Dev::tun0, 2),  // all nodes on tun0
    d6(v6({0xff, 0x0e}, 1), 9, Dev::tun0),
    d6(v6({}, 0), 7, Dev::loopback),  // BSD: this host
    d6(v4(192, 0, 2, 2), 9, Dev::tun0),
    d6(v4(127, 0, 0, 1), 7, Dev::loopback),
    d6(v6({0xfe, 0x80}, 2), 9, Dev::tun0, 2, false),  // link-local: tun0 has no link-local source
    d6(v6({0xfe, 0x80}, 2), 9, Dev::tun0, 0, false),  // without a scope: EINVAL
    d6(v6({0x20, 0x01, 0x0d, 0xb8}, 2), 0, Dev::tun0),
    d6(v4(192, 0, 2, 255), 9, Dev::tun0),
    d6(v6({0x20, 0x01, 0x0d, 0xb8}, 2), 53, Dev::tun0),
    d6(v6({0x20, 0x01, 0x0d, 0xb8, 0, 1}, 2), 65535, Dev::tun1, 3),
};

// Bind addresses (port 0: ephemeral) per family.
const std::array<wire::Ipv6Address, 8> bind_v4 = {
    v4(0, 0, 0, 0), tun0_v4, tun1_v4, lo_v4, v4(224, 0, 0, 251), v4(192, 0, 2, 255), tun0_v4, v4(0, 0, 0, 0)};
const std::array<wire::Ipv6Address, 8> bind_v6 = {v6({}, 0), tun0_v6, tun1_v6,        lo_v6,
                                                  tun0_v4,   lo_v4,   v4(0, 0, 0, 0), v6({0xff, 0x0e}, 1)};

// Sticky option values.
constexpr std::array<int, 8> ttl_values = {1, 2, 64, 255, 7, 128, 200, 33};
constexpr std::array<int, 8> hop_values = {-1, 1, 64, 255, 7, 0, 200, 33};
constexpr std::array<int, 4> tos_values = {0x00, 0xb8, 0xff, 0x03};
constexpr std::array<int, 4> tclass_values = {-1, 0xb8, 0xff, 0x03};
constexpr std::array<int, 8> gso_values = {0, 100, 500, 1200, 1472, 1473, 1, 8};
// IP_OPTIONS: Record Route (3 slots), NOP NOP Router Alert, Timestamp (2
// slots), LSRR through 198.51.100.2.
const std::array<std::array<std::uint8_t, 16>, 4> sticky_options = {{
    {7, 15, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 1, 148, 4, 0, 0},
    {68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {131, 7, 4, 198, 51, 100, 2},
}};
constexpr std::array<std::size_t, 4> sticky_options_len = {15, 6, 12, 7};

// ---- The world every input shares

struct World {
  harness::VirtualClock clock;
  net::SeededEntropy entropy{0xc5e9d};
  fuzz::ArenaDevice tun0_device{1500};
  fuzz::ArenaDevice tun1_device{1280};
  net::Stack stack = std::move(net::Stack::create(net::StackConfig{}, entropy).value());
  socket::Sockets sockets = std::move(socket::Sockets::create(stack, entropy).value());
  int receiver4 = -1;
  int receiver6 = -1;
  fuzz::DatagramReader reader;
  std::array<std::byte, 72000> pattern{};
  std::array<std::byte, 70000> receive_buffer{};
  // The stack as configured, put back when an input leaves something in it.
  std::optional<net::Stack> checkpoint;
  // Self-test: where every frame goes before the devices forget it.
  std::vector<std::byte>* record = nullptr;

  World() {
    const auto t0 = stack.add_interface(tun0_device, net::InterfaceConfig{}).value();
    const auto t1 = stack.add_interface(tun1_device, net::InterfaceConfig{}).value();
    HS_FUZZ_CHECK(socket::interface_index(t0) == 2 && socket::interface_index(t1) == 3);
    HS_FUZZ_CHECK(stack.add_address(t0, unmapped(tun0_v4), 24).has_value());
    HS_FUZZ_CHECK(stack.add_address(t1, unmapped(tun1_v4), 24).has_value());
    HS_FUZZ_CHECK(stack.add_address(t0, tun0_v6, 64).has_value());
    HS_FUZZ_CHECK(stack.add_address(t1, tun1_v6, 64).has_value());
    HS_FUZZ_CHECK(stack.set_default_gateway(wire::Ipv4Address{{192, 0, 2, 254}}).has_value());
    HS_FUZZ_CHECK(stack.set_default_gateway(v6({0x20, 0x01, 0x0d, 0xb8}, 0xfe)).has_value());
    std::uint32_t x = 0x9e3779b9;
    for (auto& b : pattern) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      b = std::byte{static_cast<std::uint8_t>(x >> 11)};
    }
    receiver4 = make_receiver(AF_INET);
    receiver6 = make_receiver(AF_INET6);
    warm_up();
    checkpoint.emplace(stack.checkpoint());
  }

  // One IPv4 datagram through loopback and one IPv6 datagram in fragments:
  // the identification generators take their keys from the entropy at first
  // use, before any input (which then draws the same entropy on a new world
  // as on this one).
  void warm_up() {
    const int fd = sockets.socket(AF_INET6, SOCK_DGRAM, 0);
    HS_FUZZ_CHECK(fd >= 0);
    for (const auto& to : {v4(127, 0, 0, 1), v6({0x20, 0x01, 0x0d, 0xb8, 0, 1}, 2)}) {
      sockaddr_in6 sin6{};
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons(7);
      std::memcpy(&sin6.sin6_addr, to.octets.data(), 16);
      HS_FUZZ_CHECK(sockets.sendto(fd, pattern.data(), 1400, 0, reinterpret_cast<const sockaddr*>(&sin6),
                                   sizeof sin6) == 1400);
    }
    HS_FUZZ_CHECK(sockets.close(fd) == 0);
    stack.poll(clock.now());
    char byte;
    HS_FUZZ_CHECK(sockets.recv(receiver4, &byte, 1, MSG_DONTWAIT) == 1);
    HS_FUZZ_CHECK(tun1_device.count() == 2);
    clear_devices();
  }

  int make_receiver(int family) {
    const int fd = sockets.socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    HS_FUZZ_CHECK(fd >= 0);
    const int one = 1;
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
      for (const int o : {IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS})
        HS_FUZZ_CHECK(sockets.setsockopt(fd, SOL_IP, o, &one, sizeof one) == 0);
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(7);
      len = sizeof(sockaddr_in);
    } else {
      for (const int o : {IPV6_V6ONLY, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS})
        HS_FUZZ_CHECK(sockets.setsockopt(fd, SOL_IPV6, o, &one, sizeof one) == 0);
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(7);
      len = sizeof(sockaddr_in6);
    }
    HS_FUZZ_CHECK(sockets.bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0);
    // The largest receive buffer (they only observe what was sent, and are
    // drained after every send): the idle slots of their queues then keep
    // their payload buffers rather than free one and allocate it again in a
    // later input, which would make libFuzzer rerun that input for a leak.
    const int largest = socket::SocketConfig{}.rmem_max;
    HS_FUZZ_CHECK(sockets.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &largest, sizeof largest) == 0);
    return fd;
  }

  std::size_t frames() const { return tun0_device.count() + tun1_device.count(); }
  void clear_devices() {
    if (record != nullptr) {
      for (const auto* d : {&tun0_device, &tun1_device})
        for (std::size_t i = 0; i < d->count(); ++i) record_frame(d->frame(i));
    }
    tun0_device.clear();
    tun1_device.clear();
  }

  // A frame as the self-test compares it: the identification fields (IPv4's
  // and its header checksum, the IPv6 Fragment header's) zeroed, because the
  // counters they come from carry over from input to input. Then its length.
  void record_frame(wire::Bytes frame) {
    const std::size_t at = record->size();
    record->insert(record->end(), frame.begin(), frame.end());
    const auto f = std::span(*record).subspan(at);
    auto zero = [&](std::size_t from, std::size_t n) {
      if (f.size() >= from + n) std::fill_n(f.begin() + static_cast<std::ptrdiff_t>(from), n, std::byte{0});
    };
    const std::uint8_t version = f.empty() ? 0 : std::to_integer<std::uint8_t>(f[0]) >> 4;
    if (version == 4) {
      zero(4, 2);
      zero(10, 2);
    } else if (version == 6 && f.size() >= 40) {
      std::uint8_t next = std::to_integer<std::uint8_t>(f[6]);
      std::size_t h = 40;
      while ((next == 0 || next == 43) && f.size() >= h + 8) {
        next = std::to_integer<std::uint8_t>(f[h]);
        h += (std::size_t{std::to_integer<std::uint8_t>(f[h + 1])} + 1) * 8;
      }
      if (next == 44) zero(h + 4, 4);
    }
    const auto n = static_cast<std::uint32_t>(frame.size());
    for (int shift = 24; shift >= 0; shift -= 8)
      record->push_back(static_cast<std::byte>((n >> shift) & 0xff));
  }
};

}  // namespace

// Every allocation but the world's lives within one input.
HS_FUZZ_SMALL_ASAN_QUARANTINE()

namespace {

// ---- Input

// The socket as the input set it up (only options that were accepted).
struct SocketState {
  int fd = -1;
  int family = AF_INET;
  bool v6only = false;
  std::optional<int> ttl;              // IP_TTL
  std::optional<int> hops;             // IPV6_UNICAST_HOPS (-1: default)
  int tos = 0;                         // IP_TOS
  int tclass = 0;                      // IPV6_TCLASS
  std::span<const std::byte> options;  // IP_OPTIONS
  int gso = 0;
  bool cork = false;
  bool dontfrag = false;  // IPV6_DONTFRAG
  bool pmtu_do = false;
  bool connected = false;
  Destination peer;
  unsigned bound_ifindex = 0;  // LINUX ip6_datagram_connect: a scoped peer binds the socket to its interface
};

// ---- What a sent datagram must look like

struct Expected {
  bool ipv4 = true;
  std::optional<Dev> dev;  // nullopt: not predicted (source route, odd interface)
  std::optional<wire::Ipv6Address> source;
  wire::Ipv6Address destination;
  std::uint16_t port = 0;
  int ttl = 64;  // or hop limit
  int tos = 0;   // or traffic class; -1: not predicted
  Owned<40> options;
  Owned<2048> hop_by_hop, destination_options;  // (255 + 1) * 8 at most
  int gso = 0;
  bool no_fragments = false;  // IP_PMTUDISC_DO / IPV6_DONTFRAG
};

// Routes a source from the device a datagram leaves by (LINUX inet_select_addr / ipv6_dev_get_saddr).
HS_FUZZ_NO_COVERAGE wire::Ipv6Address route_source(Dev dev, bool ipv4, const wire::Ipv6Address& destination) {
  switch (dev) {
    case Dev::tun0: return ipv4 ? tun0_v4 : tun0_v6;
    case Dev::tun1: return ipv4 ? tun1_v4 : tun1_v6;
    case Dev::loopback: break;
  }
  // LINUX: a local destination is its own source (its route's prefsrc), 127/8 has 127.0.0.1.
  if (is_ours(destination) && !(ipv4 && destination.octets[12] == 127)) return destination;
  return ipv4 ? lo_v4 : lo_v6;
}

// The interface an address of ours is on (loopback: 1).
unsigned own_ifindex(const wire::Ipv6Address& a) { return a == tun0_v6 ? 2 : a == tun1_v6 ? 3 : 1; }

std::optional<Dev> device_of(unsigned ifindex) {
  switch (ifindex) {
    case 2: return Dev::tun0;
    case 3: return Dev::tun1;
    default: return std::nullopt;
  }
}

// ---- One input

struct Sender {
  SocketState s;
  // What the pending (corked) datagram will be.
  bool pending = false;
  bool unknown = false;  // a failed append: whether it is still pending is not predicted
  Expected pending_expected;
  std::size_t pending_len = 0;
  std::array<std::byte, 70000> payload{};  // what was sent since the datagram began
};

// The datagrams the stack sent for one datagram of `total` payload bytes.
HS_FUZZ_NO_COVERAGE void check_sent(World& w, const Sender& sender, const Expected& e, std::size_t total,
                                    std::uint16_t local_port) {
  const std::size_t segment =
      e.gso != 0 && total > static_cast<std::size_t>(e.gso) ? e.gso : std::max<std::size_t>(total, 1);
  const std::size_t count = total == 0 ? 1 : (total + segment - 1) / segment;
  std::size_t seen = 0;
  auto check_payload = [&](wire::Bytes p) HS_FUZZ_NO_COVERAGE {
    HS_FUZZ_CHECK(seen < count);
    const std::size_t from = seen * segment;
    const std::size_t n = std::min(segment, total - from);
    HS_FUZZ_CHECK(p.size() == n);
    if (n > 0) HS_FUZZ_CHECK(std::memcmp(p.data(), sender.payload.data() + from, n) == 0);
    ++seen;
  };
  const bool source_routed = e.ipv4 && has_source_route(e.options.span());
  auto on_wire = [&](Dev dev) {
    return [&, dev](const fuzz::SentDatagram& d) HS_FUZZ_NO_COVERAGE {
      HS_FUZZ_CHECK(d.ipv4 == e.ipv4);
      if (e.dev) HS_FUZZ_CHECK(*e.dev == dev);
      const wire::Bytes payload = fuzz::check_udp(d);
      HS_FUZZ_CHECK(wire::load_be16(d.transport, 0) == local_port);
      HS_FUZZ_CHECK(wire::load_be16(d.transport, 2) == e.port);
      check_payload(payload);
      if (e.source) HS_FUZZ_CHECK(d.src == *e.source);
      if (!e.dev)
        HS_FUZZ_CHECK(d.src == route_source(dev, e.ipv4, d.dst) || (e.source && d.src == *e.source));
      if (!source_routed) HS_FUZZ_CHECK(d.dst == e.destination);
      HS_FUZZ_CHECK(d.ttl == e.ttl);
      if (e.tos >= 0) HS_FUZZ_CHECK(d.tos == e.tos);
      if (e.no_fragments) HS_FUZZ_CHECK(d.fragments == 1);
      if (e.ipv4) {
        check_options(d.options, e.options.span(), d.dst, e.destination);
      } else {
        check_extension(d.hop_by_hop, e.hop_by_hop.span());
        check_extension(d.destination_options, e.destination_options.span());
        HS_FUZZ_CHECK(d.routing.empty());
      }
    };
  };
  w.reader.read(w.tun0_device, on_wire(Dev::tun0));
  w.reader.read(w.tun1_device, on_wire(Dev::tun1));
  w.clear_devices();

  // Through loopback: the receiver reports what arrived.
  w.stack.poll(w.clock.now());
  const int receiver = e.ipv4 ? w.receiver4 : w.receiver6;
  HS_FUZZ_CHECK(w.sockets.receive_queue_bytes(e.ipv4 ? w.receiver6 : w.receiver4) == 0);
  while (w.sockets.receive_queue_bytes(receiver) != 0) {
    sockaddr_storage from{};
    alignas(cmsghdr) std::array<std::byte, 256> control{};
    iovec v{w.receive_buffer.data(), w.receive_buffer.size()};
    msghdr m = fuzz::receive_message(v, from, control);
    const auto n = w.sockets.recvmsg(receiver, &m, MSG_DONTWAIT);
    HS_FUZZ_CHECK(n >= 0);
    if (source_routed || !e.dev) continue;  // where it went is not predicted
    HS_FUZZ_CHECK(*e.dev == Dev::loopback);
    HS_FUZZ_CHECK((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0);
    check_payload(wire::Bytes(w.receive_buffer).first(static_cast<std::size_t>(n)));
    wire::Ipv6Address src;
    std::uint16_t port = 0;
    if (e.ipv4) {
      sockaddr_in sin;
      std::memcpy(&sin, &from, sizeof sin);
      wire::Ipv4Address a;
      std::memcpy(a.octets.data(), &sin.sin_addr, 4);
      src = fuzz::mapped(a);
      port = ntohs(sin.sin_port);
    } else {
      sockaddr_in6 sin6;
      std::memcpy(&sin6, &from, sizeof sin6);
      std::memcpy(src.octets.data(), &sin6.sin6_addr, 16);
      port = ntohs(sin6.sin6_port);
    }
    HS_FUZZ_CHECK(port == local_port);
    HS_FUZZ_CHECK(src == (e.source ? *e.source : route_source(Dev::loopback, e.ipv4, e.destination)));
    bool ttl_seen = false;
    bool tos_seen = false;
    bool options_seen = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      const wire::Bytes data(reinterpret_cast<const std::byte*>(CMSG_DATA(c)), c->cmsg_len - CMSG_LEN(0));
      if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL) {
        HS_FUZZ_CHECK(load<int>(data) == e.ttl);
        ttl_seen = true;
      } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TOS) {
        HS_FUZZ_CHECK(data.size() == 1);
        if (e.tos >= 0) HS_FUZZ_CHECK(std::to_integer<int>(data[0]) == e.tos);
        tos_seen = true;
      } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVOPTS) {
        check_options(data, e.options.span(), e.destination, e.destination);
        options_seen = true;
      } else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        HS_FUZZ_CHECK(load<int>(data) == e.ttl);
        ttl_seen = true;
      } else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_TCLASS) {
        if (e.tos >= 0) HS_FUZZ_CHECK(load<int>(data) == e.tos);
        tos_seen = true;
      } else {
        HS_FUZZ_CHECK(false);  // nothing else was asked for
      }
    }
    HS_FUZZ_CHECK(ttl_seen && tos_seen);
    // (Linux keeps an area of EOLs as header bytes; the stack sends the options
    // it holds, EOL being their end: V4-OPT-7.)
    const auto given =
        wire::Ipv4Options::parse(e.options.span(), 20, wire::Ipv4OptionsOrigin::privileged_socket);
    HS_FUZZ_CHECK(options_seen == (e.ipv4 && given && !given->empty()));
  }
  // What carries options or extension headers may be refused on the way in
  // (an unknown option whose action bits say discard, a full Timestamp).
  const bool may_be_dropped =
      e.options.size != 0 || e.hop_by_hop.size != 0 || e.destination_options.size != 0;
  HS_FUZZ_CHECK(seen == count || source_routed || !e.dev || (*e.dev == Dev::loopback && may_be_dropped));
}

// Delivers what loopback holds (answers to loopback traffic wait for the
// next poll: an ICMP error about a datagram through loopback takes a second)
// and empties the devices and the receivers.
void drain(World& w) {
  for (int n = 0; n < 3 && w.stack.next_deadline() <= w.clock.now(); ++n) w.stack.poll(w.clock.now());
  w.clear_devices();
  char byte;
  for (const int r : {w.receiver4, w.receiver6})
    while (w.sockets.receive_queue_bytes(r) != 0) (void)w.sockets.recv(r, &byte, 1, MSG_DONTWAIT);
}

// Nothing left the stack: no frame, nothing through loopback.
HS_FUZZ_NO_COVERAGE void check_nothing_sent(World& w) {
  HS_FUZZ_CHECK(w.frames() == 0);
  w.stack.poll(w.clock.now());
  for (const int r : {w.receiver4, w.receiver6}) HS_FUZZ_CHECK(w.sockets.receive_queue_bytes(r) == 0);
}

std::uint16_t local_port(World& w, int fd) {
  const auto port = fuzz::local_port(w.sockets, fd);
  HS_FUZZ_CHECK(port.has_value());
  return *port;
}

wire::Ipv6Address local_address(World& w, int fd, int family) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  HS_FUZZ_CHECK(w.sockets.getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
  wire::Ipv6Address a;
  if (family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, &ss, sizeof sin);
    wire::Ipv4Address b;
    std::memcpy(b.octets.data(), &sin.sin_addr, 4);
    return fuzz::mapped(b);
  }
  sockaddr_in6 sin6;
  std::memcpy(&sin6, &ss, sizeof sin6);
  std::memcpy(a.octets.data(), &sin6.sin6_addr, 16);
  return a;
}

// Writes destination `d` as a sockaddr; returns its length.
socklen_t write_sockaddr(const Destination& d, sockaddr_storage& ss) {
  ss = sockaddr_storage{};
  if (!d.sin6) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(d.port);
    std::memcpy(&sin.sin_addr, d.address.octets.data() + 12, 4);
    std::memcpy(&ss, &sin, sizeof sin);
    return sizeof sin;
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(d.port);
  std::memcpy(&sin6.sin6_addr, d.address.octets.data(), 16);
  sin6.sin6_scope_id = d.scope;
  std::memcpy(&ss, &sin6, sizeof sin6);
  return sizeof sin6;
}

// The address a destination means for a socket: BSD's "this host" for 0.0.0.0 and ::.
wire::Ipv6Address effective(const Destination& d, const wire::Ipv6Address& local) {
  if (is_mapped(d.address) && unmapped(d.address).is_unspecified()) return lo_v4;
  // LINUX udpv6_sendmsg / ip6_datagram_connect: :: on a socket with an IPv4 address is 127.0.0.1.
  if (d.address.is_unspecified()) return is_mapped(local) ? lo_v4 : lo_v6;
  return d.address;
}

SocketState setup(World& w, fuzz::ByteReader& in) {
  const std::uint8_t b0 = in.u8(), b1 = in.u8(), b2 = in.u8(), b3 = in.u8();
  SocketState s;
  auto& so = w.sockets;
  s.family = (b0 & 3) == 0 ? AF_INET : AF_INET6;
  s.fd = so.socket(s.family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  HS_FUZZ_CHECK(s.fd >= 0);
  const int one = 1;
  if ((b0 & 3) == 2) {
    HS_FUZZ_CHECK(so.setsockopt(s.fd, SOL_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0);
    s.v6only = true;
  }
  if ((b0 & 0x10) != 0) {
    if (s.family == AF_INET) {
      const int v = ttl_values[(b2 >> 3) & 7];
      if (so.setsockopt(s.fd, SOL_IP, IP_TTL, &v, sizeof v) == 0) s.ttl = v;
    } else {
      const int v = hop_values[(b2 >> 3) & 7];
      if (so.setsockopt(s.fd, SOL_IPV6, IPV6_UNICAST_HOPS, &v, sizeof v) == 0) s.hops = v;
      // A dual-stack socket's IPv4 datagrams take IP_TTL.
      const int t = ttl_values[(b2 >> 3) & 7];
      if (so.setsockopt(s.fd, SOL_IP, IP_TTL, &t, sizeof t) == 0) s.ttl = t;
    }
  }
  if ((b0 & 0x20) != 0) {
    const int t = tos_values[b2 >> 6];
    if (so.setsockopt(s.fd, SOL_IP, IP_TOS, &t, sizeof t) == 0) s.tos = t;
    if (s.family == AF_INET6) {
      const int c = tclass_values[b2 >> 6];
      if (so.setsockopt(s.fd, SOL_IPV6, IPV6_TCLASS, &c, sizeof c) == 0) s.tclass = c == -1 ? 0 : c;
    }
  }
  if ((b0 & 0x40) != 0) {
    const std::size_t k = b3 & 3;
    if (so.setsockopt(s.fd, SOL_IP, IP_OPTIONS, sticky_options[k].data(),
                      static_cast<socklen_t>(sticky_options_len[k])) == 0)
      s.options = std::as_bytes(std::span(sticky_options[k]).first(sticky_options_len[k]));
    if (s.family == AF_INET6 && so.setsockopt(s.fd, SOL_IPV6, IPV6_DONTFRAG, &one, sizeof one) == 0)
      s.dontfrag = true;
  }
  if ((b0 & 0x80) != 0) {
    const int g = gso_values[(b3 >> 2) & 7];
    if (so.setsockopt(s.fd, SOL_UDP, UDP_SEGMENT, &g, sizeof g) == 0) s.gso = g;
  }
  if ((b3 & 0x20) != 0) HS_FUZZ_CHECK(so.setsockopt(s.fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) == 0);
  if ((b3 & 0x40) != 0) {
    HS_FUZZ_CHECK(so.setsockopt(s.fd, SOL_UDP, UDP_CORK, &one, sizeof one) == 0);
    s.cork = true;
  }
  if ((b3 & 0x80) != 0) {
    const int v = IP_PMTUDISC_DO;
    HS_FUZZ_CHECK(so.setsockopt(s.fd, SOL_IP, IP_MTU_DISCOVER, &v, sizeof v) == 0);
    if (s.family == AF_INET6)
      HS_FUZZ_CHECK(so.setsockopt(s.fd, SOL_IPV6, IPV6_MTU_DISCOVER, &v, sizeof v) == 0);
    s.pmtu_do = true;
  }
  if ((b0 & 4) != 0) {
    Destination local =
        s.family == AF_INET ? d4(0, 0, 0, 0, 0, Dev::loopback) : d6(v6({}, 0), 0, Dev::loopback);
    local.address = (s.family == AF_INET ? bind_v4 : bind_v6)[b2 & 7];
    local.sin6 = s.family == AF_INET6;
    sockaddr_storage ss;
    const socklen_t len = write_sockaddr(local, ss);
    fuzz::check_result(fuzz::Call::bind, so.bind(s.fd, reinterpret_cast<const sockaddr*>(&ss), len));
  }
  if (s.family == AF_INET6) {
    // LINUX inet6_bind: a socket bound to an IPv6 address is IPv6-only.
    int v = 0;
    socklen_t len = sizeof v;
    HS_FUZZ_CHECK(so.getsockopt(s.fd, SOL_IPV6, IPV6_V6ONLY, &v, &len) == 0);
    s.v6only = v != 0;
  }
  if ((b0 & 8) != 0) {
    const Destination& peer = destinations[b1 & 31];
    sockaddr_storage ss;
    const socklen_t len = write_sockaddr(peer, ss);
    const int r = so.connect(s.fd, reinterpret_cast<const sockaddr*>(&ss), len);
    fuzz::check_result(fuzz::Call::connect, r);
    if (r == 0) {
      s.connected = true;
      s.peer = peer;
      if (s.family == AF_INET6 && peer.sin6 && needs_scope(peer.address)) s.bound_ifindex = peer.scope;
      s.peer.address = effective(peer, local_address(w, s.fd, s.family));
    }
  }
  return s;
}

// The datagram one send makes, by Linux's rules (udp_sendmsg / udpv6_sendmsg).
// `local`: the socket's address before the call.
HS_FUZZ_NO_COVERAGE Expected expect(const SocketState& s, const wire::Ipv6Address& local,
                                    const Destination& to, bool ipv4_path, const Cmsgs& c, bool& must_fail,
                                    bool& wrong_interface) {
  Expected e;
  e.ipv4 = ipv4_path;
  e.destination = effective(to, local);
  e.port = to.port;
  const bool group = to.group;
  const bool local_dst =
      is_ours(e.destination) || (is_mapped(e.destination) && e.destination.octets[12] == 127);
  // The interface: IP_PKTINFO's, else the socket's (IPv6: the scope of the
  // destination first, and IPV6_PKTINFO may not name another: LINUX
  // ip6_datagram_send_ctl).
  std::optional<unsigned> ifindex = c.ifindex;
  unsigned oif = s.bound_ifindex;
  if (!ipv4_path && needs_scope(e.destination) && to.scope != 0) oif = to.scope;
  if (!ipv4_path && ifindex && oif != 0 && *ifindex != oif) must_fail = true;
  if (!ifindex && oif != 0) ifindex = oif;
  // LINUX ip6_route_output (RT6_LOOKUP_F_IFACE): a local destination's route
  // names the address's own interface (lo for ::1); another output interface
  // finds no route (ENETUNREACH, checked on Linux 6.18).
  wrong_interface =
      !ipv4_path && local_dst && ifindex && *ifindex != 0 && *ifindex != own_ifindex(e.destination);
  if (local_dst) {
    e.dev = Dev::loopback;
  } else if (ifindex) {
    e.dev = device_of(*ifindex);  // loopback for a remote destination: not predicted
  } else {
    e.dev = to.dev;
  }
  // The source: IP_PKTINFO / IPV6_PKTINFO, else the bound address, else the route's.
  const bool bound_unicast = ipv4_path
                                 ? is_mapped(local) && is_ours(local) && local.octets[12] != 0
                                 : !local.is_unspecified() && !is_mapped(local) && !local.is_multicast();
  // IPv4: ipi_spec_dst 0.0.0.0 lets the route choose, even on a bound socket
  // (LINUX ip_cmsg_send sets ipc->addr); IPv6: :: is no source given.
  const bool route_chooses = ipv4_path && c.source && unmapped(*c.source).is_unspecified();
  if (c.source && !route_chooses && !c.source->is_unspecified()) {
    e.source = *c.source;
    // LINUX: a source that is not ours (or a group, broadcast, 0/8) fails.
    if (!is_ours(*c.source) || ipv4_path != is_mapped(*c.source)) must_fail = true;
  } else if (bound_unicast && !route_chooses) {
    e.source = local;
  } else if (e.dev) {
    e.source = route_source(*e.dev, ipv4_path, e.destination);
  }
  // LINUX ip6_dst_lookup_tail: a v4-mapped source (the bound address, unless
  // IPV6_PKTINFO gives one) for an IPv6 destination: EAFNOSUPPORT.
  const bool pktinfo_source = c.source && !c.source->is_unspecified();
  if (!ipv4_path && is_mapped(local) && !pktinfo_source) must_fail = true;
  if (ipv4_path) {
    // LINUX __ip_make_skb: the cmsg's TTL, else multicast TTL 1, else IP_TTL, else the default.
    if (c.options)
      e.options = *c.options;
    else
      e.options.assign(s.options);
    // Routed to the first hop of a source route.
    const auto parsed =
        wire::Ipv4Options::parse(e.options.span(), 20, wire::Ipv4OptionsOrigin::privileged_socket);
    const auto route = parsed ? parsed->source_route() : std::nullopt;
    const bool routed_to_group =
        route && !route->addresses().empty() ? route->addresses()[0].is_multicast() : group;
    e.ttl = c.ttl ? *c.ttl : routed_to_group ? 1 : s.ttl.value_or(64);
    e.tos = c.tos.value_or(s.tos);
    if (route) e.dev.reset();
    e.no_fragments = s.pmtu_do;
  } else {
    // LINUX ip6_sk_dst_hoplimit: the cmsg's (-1: as if none), else the
    // multicast hops (1), else IPV6_UNICAST_HOPS, else the default.
    const int sticky = s.hops.value_or(-1);
    e.ttl = c.hop_limit && *c.hop_limit != -1 ? *c.hop_limit : group ? 1 : sticky != -1 ? sticky : 64;
    e.tos = c.tclass && *c.tclass != -1 ? *c.tclass : s.tclass;
    if (c.flowinfo) e.tos = -1;
    e.hop_by_hop.assign(c.hop_by_hop);
    e.destination_options.assign(c.destination_options);
    e.no_fragments = s.pmtu_do || (c.dontfrag ? *c.dontfrag == 1 : s.dontfrag);
  }
  e.gso = c.gso ? *c.gso : s.gso;
  return e;
}

// Returns the call's result.
long run_send(World& w, Sender& sender, fuzz::ByteReader& in) {
  const SocketState& s = sender.s;
  const std::uint8_t flags_byte = in.u8();
  const std::uint8_t dest_byte = in.u8();
  const std::uint8_t iov_byte = in.u8();
  // Small payloads unless asked (checksums cost per byte): bit 7 makes
  // 1,200..5,433 bytes (fragments, segments), or 65,500..65,540 (the limits).
  const std::size_t length_byte = in.u8();
  std::size_t payload_len = length_byte;
  if ((flags_byte & 0x80) != 0)
    payload_len = length_byte < 250 ? 1200 + length_byte * 17 : 65500 + (length_byte - 250) * 8;
  const std::uint16_t control_len_field = in.u16();
  const auto control_input = in.take(control_len_field);

  // The control buffer: in a static arena that stays poisoned but for the
  // buffer's own bytes, from here until the call returns (ASan poisons and
  // unpoisons shadow per byte of the range: only the buffer's part is touched).
  alignas(16) static std::array<std::byte, 65536 + 32> arena;
  static const bool arena_poisoned = (fuzz::poison(arena.data(), arena.size()), true);
  (void)arena_poisoned;
  const std::size_t misalign = (flags_byte >> 4) & 7;
  std::byte* control = arena.data() + 16 + misalign;
  fuzz::unpoison(control, control_input.size());
  if (!control_input.empty()) std::memcpy(control, control_input.data(), control_input.size());
  const bool null_control = (flags_byte & 8) != 0;
  const std::size_t control_len = null_control ? control_len_field : control_input.size();

  int flags = 0;
  if ((flags_byte & 1) != 0) flags |= MSG_MORE;
  if ((flags_byte & 2) != 0) flags |= MSG_DONTWAIT;
  if ((flags_byte & 4) != 0) flags |= MSG_OOB;

  const Destination& to_entry = destinations[dest_byte & 31];
  const std::uint8_t form = dest_byte >> 5;
  sockaddr_storage name;
  socklen_t name_len = write_sockaddr(to_entry, name);
  Destination to = to_entry;
  bool form_ok = true;
  bool names_peer = form == 7;  // the call sends to the connected peer
  if (form == 4) {
    // A sockaddr_in6 without sin6_scope_id (RFC 2133's 24 bytes) is enough.
    name_len -= 1;
    form_ok = to.sin6;
    to.scope = 0;
  } else if (form == 5) {
    // LINUX udp_sendmsg takes AF_UNSPEC as AF_INET; udpv6_sendmsg as no address.
    name.ss_family = AF_UNSPEC;
    if (s.family == AF_INET6) names_peer = true;
    if (s.family == AF_INET && to.sin6) sender.unknown = true;  // a sockaddr_in6 read as a sockaddr_in
  } else if (form == 6) {
    name_len = 128;
  }
  const bool has_name = form != 7;
  if (names_peer) to = s.peer;

  std::array<iovec, 3> iov{};
  const std::size_t iov_count = (iov_byte & 3) == 3 ? 0 : (iov_byte & 3) + 1;
  const std::size_t pattern_at = (iov_byte >> 2) * 61;
  if (iov_count == 0) payload_len = 0;
  {
    std::size_t left = payload_len;
    std::size_t at = pattern_at;
    for (std::size_t i = 0; i < iov_count; ++i) {
      const std::size_t n = i + 1 == iov_count ? left : left * ((iov_byte >> (2 + 2 * i)) & 3) / 4;
      iov[i] = {w.pattern.data() + at, n};
      at += n;
      left -= n;
    }
  }

  msghdr m{};
  m.msg_name = has_name ? &name : nullptr;
  m.msg_namelen = has_name ? name_len : 0;
  m.msg_iov = iov_count > 0 ? iov.data() : nullptr;
  m.msg_iovlen = iov_count;
  m.msg_control = null_control ? nullptr : control;
  m.msg_controllen = control_len;

  // The model, before the call (what it knows of the socket then).
  const bool pending_before = sender.pending;
  const wire::Ipv6Address local = local_address(w, s.fd, s.family);
  const wire::Ipv6Address destination = effective(to, local);
  const bool ipv4_path = s.family == AF_INET || (!names_peer || s.connected ? is_mapped(destination) : false);
  const bool address_ok =
      !names_peer ? form_ok && to.clean && (s.family == AF_INET6 || !to.sin6) : s.connected && to.clean;
  const bool pre_ok = !pending_before && !sender.unknown && address_ok && (flags & MSG_OOB) == 0 &&
                      payload_len <= 60000 && !(s.v6only && ipv4_path);
  const Cmsgs cm = null_control
                       ? Cmsgs{}
                       : model_cmsgs(wire::Bytes(control, control_len), ipv4_path, s.family == AF_INET6);
  bool must_fail = cm.invalid;
  bool wrong_interface = false;
  Expected e;
  if (!pending_before) e = expect(s, local, to, ipv4_path, cm, must_fail, wrong_interface);
  // Linux routes every sendmsg, a corked one too (a datagram already pending
  // is appended to without routing).
  if (wrong_interface) must_fail = true;

  w.clear_devices();
  const auto r = w.sockets.sendmsg(s.fd, &m, flags);
  // From the arena's aligned start: the granule the misaligned buffer begins
  // in is poisoned whole again.
  fuzz::poison(arena.data(), 16 + misalign + control_input.size());
  fuzz::check_result(fuzz::Call::sendmsg, r);
  if (fuzz::trace())
    std::fprintf(stderr,
                 "send to #%u form %u (%s), %zu bytes, control %zu%s: ipv4 %d pre_ok %d invalid %d must_fail "
                 "%d -> %zd\n",
                 dest_byte & 31u, form, names_peer ? "peer" : "address", payload_len, control_len,
                 null_control ? " (null)" : "", ipv4_path, pre_ok, cm.invalid, must_fail, r);

  // LINUX ____sys_sendmsg copies the control buffer in first.
  if (null_control && control_len > 0) HS_FUZZ_CHECK(r == -EFAULT);
  if (r == -EFAULT) HS_FUZZ_CHECK(null_control && control_len > 0);
  if (!null_control && pre_ok && cm.invalid) HS_FUZZ_CHECK(r == -EINVAL || (cm.enodev_first && r == -ENODEV));

  const bool corked = s.cork || (flags & MSG_MORE) != 0;
  if (r < 0) {
    check_nothing_sent(w);
    if (pending_before) sender.unknown = true;  // appending failed: the pending datagram may be gone
    return r;
  }
  HS_FUZZ_CHECK(static_cast<std::size_t>(r) == payload_len);
  if (!pending_before) {
    HS_FUZZ_CHECK(!must_fail || sender.unknown);
    sender.pending_expected = e;
    sender.pending_len = 0;
  }
  if (sender.pending_len + payload_len <= sender.payload.size()) {
    std::size_t at = sender.pending_len;
    for (std::size_t i = 0; i < iov_count; ++i) {
      if (iov[i].iov_len > 0) std::memcpy(sender.payload.data() + at, iov[i].iov_base, iov[i].iov_len);
      at += iov[i].iov_len;
    }
  }
  sender.pending_len += payload_len;
  if (corked) {
    sender.pending = true;
    HS_FUZZ_CHECK(w.frames() == 0);
    return r;
  }
  sender.pending = false;
  if (sender.unknown) {
    drain(w);  // not predicted: only the frames' own checks (none here)
    return r;
  }
  check_sent(w, sender, sender.pending_expected, sender.pending_len, local_port(w, s.fd));
  sender.pending_len = 0;
  return r;
}

// Every counter of the stack and the sockets layer (the stats structs are
// uint64_t counters only).
struct Counters {
  std::array<std::uint64_t, sizeof(net::StackStats) / 8> stack{};
  std::array<std::uint64_t, net::drop_reason_count> stack_drops{};
  std::array<std::uint64_t, sizeof(socket::UdpStats) / 8> udp{};
  std::array<std::uint64_t, static_cast<std::size_t>(socket::TransportDropReason::count_)> drops{};
  bool operator==(const Counters&) const = default;
};
static_assert(sizeof(net::StackStats) % 8 == 0 && std::is_trivially_copyable_v<net::StackStats>);
static_assert(sizeof(socket::UdpStats) % 8 == 0 && std::is_trivially_copyable_v<socket::UdpStats>);

Counters counters(const World& w) {
  Counters c;
  std::memcpy(c.stack.data(), &w.stack.stats(), sizeof(net::StackStats));
  for (std::size_t i = 0; i < c.stack_drops.size(); ++i)
    c.stack_drops[i] = w.stack.drops(static_cast<net::DropReason>(i));
  std::memcpy(c.udp.data(), &w.sockets.udp_stats(), sizeof(socket::UdpStats));
  for (std::size_t i = 0; i < c.drops.size(); ++i)
    c.drops[i] = w.sockets.drops(static_cast<socket::TransportDropReason>(i));
  return c;
}

template <std::size_t N>
void subtract(std::array<std::uint64_t, N>& a, const std::array<std::uint64_t, N>& b) {
  for (std::size_t i = 0; i < N; ++i) a[i] -= b[i];
}

// What one run of an input showed: each call's result, every frame (see
// World::record_frame), and what the counters counted during the run.
struct Outcome {
  std::array<long, 6> results{};  // sendmsg calls, then the UDP_CORK push
  std::size_t calls = 0;
  std::vector<std::byte> frames;
  Counters counted;
  bool operator==(const Outcome&) const = default;
};

// One input on `w`. It starts as on a new world: the entropy re-seeded (the
// ephemeral port), no socket but the receivers, nothing queued. At the end
// the sending socket is closed, the receivers and loopback drained, and the
// stack put back to its checkpoint if fragments still wait for reassembly
// (the clock never moves: they would wait for ever).
void run_input(World& w, const std::uint8_t* data, std::size_t size, Outcome* out) {
  w.entropy = net::SeededEntropy(0xc5e9d);
  std::optional<Counters> before;
  if (out != nullptr) {
    before = counters(w);
    w.record = &out->frames;
  }
  fuzz::ByteReader in{data, size};
  static Sender sender;
  sender.pending = false;
  sender.unknown = false;
  sender.pending_len = 0;
  sender.s = setup(w, in);
  std::array<long, 6> results{};
  std::size_t calls = 0;
  for (int n = 0; n < 4 && !in.done(); ++n) results[calls++] = run_send(w, sender, in);
  // UDP_CORK off pushes what is pending (LINUX udp_push_pending_frames).
  if (sender.s.cork) {
    const int zero = 0;
    w.clear_devices();
    const int r = w.sockets.setsockopt(sender.s.fd, SOL_UDP, UDP_CORK, &zero, sizeof zero);
    results[calls++] = r;
    fuzz::check_result(fuzz::Call::setsockopt, r);
    if (r < 0 || !sender.pending) {
      check_nothing_sent(w);
    } else if (!sender.unknown) {
      check_sent(w, sender, sender.pending_expected, sender.pending_len, local_port(w, sender.s.fd));
    }
  }
  HS_FUZZ_CHECK(w.sockets.close(sender.s.fd) == 0);
  drain(w);
  HS_FUZZ_CHECK(w.sockets.open_sockets() == 2);
  HS_FUZZ_CHECK(w.stack.next_deadline() > w.clock.now());  // loopback empty
  if (out != nullptr) {
    out->results = results;
    out->calls = calls;
    out->counted = counters(w);
    subtract(out->counted.stack, before->stack);
    subtract(out->counted.stack_drops, before->stack_drops);
    subtract(out->counted.udp, before->udp);
    subtract(out->counted.drops, before->drops);
    w.record = nullptr;
  }
  if (w.stack.reassembly_memory() != 0) w.stack.restore(*w.checkpoint);
}

}  // namespace

// One world serves every input (making one costs more than an input).
// The self-test (HARDSTACK_FUZZ_SELF_TEST=1; the replay driver sets it)
// runs each input on a new world too, then twice on the kept one: the
// results, frames and counters must be the same.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* const kept = new World();
  if (!fuzz::self_test()) {
    run_input(*kept, data, size, nullptr);
    return 0;
  }
  Outcome fresh;
  {
    const auto world = std::make_unique<World>();
    run_input(*world, data, size, &fresh);
  }
  for (int n = 0; n < 2; ++n) {
    Outcome again;
    run_input(*kept, data, size, &again);
    HS_FUZZ_CHECK(again == fresh);
  }
  return 0;
}

HS_FUZZ_HARNESS_END
