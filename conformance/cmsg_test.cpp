// Ancillary data through sendmsg / recvmsg on the stack's sockets
// (REQUIREMENTS.md CMSG-1..CMSG-8). Two kinds of cases per requirement:
//   - *_matches_host_kernel: scenario tables (host_rows.hpp) run on the stack
//     and on the host kernel over loopback; what a cmsg asked for is read back
//     by a receiving socket (IP_RECVTTL, IP_RECVOPTS, ...), so both the errno
//     and the effect are compared with Linux;
//   - *_on_the_wire / *_from_the_link: the frames the stack sends on its
//     Ethernet link, decoded, and what it reports about injected frames.
// Every refused control buffer sends nothing.
#include <boost/test/unit_test.hpp>

#include <netinet/udp.h>

#include <memory>

#include "hardstack/harness/match.hpp"
#include "host_rows.hpp"

using namespace hardstack;
using namespace hardstack::conformance;

namespace {

constexpr int so_timestamping_old = 37;  // SO_TIMESTAMPING_OLD
constexpr int scm_txtime = 61;           // SCM_TXTIME
constexpr std::uint16_t any_port = 0;
constexpr wire::Ipv4Address nonlocal4{{192, 0, 2, 77}};  // TEST-NET-1, not an address of either

// ---- Building control buffers ----------------------------------------------------------

struct Cmsg {
  int level = 0;
  int type = 0;
  std::vector<std::byte> data;
  std::optional<std::size_t> cmsg_len;  // else CMSG_LEN(data.size())
};

template <class T>
std::vector<std::byte> bytes_of_value(const T& v) {
  std::vector<std::byte> b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}
Cmsg int_cmsg(int level, int type, int v) { return {level, type, bytes_of_value(v), {}}; }
Cmsg byte_cmsg(int level, int type, std::uint8_t v) { return {level, type, {std::byte{v}}, {}}; }
Cmsg u16_cmsg(int level, int type, std::uint16_t v) { return {level, type, bytes_of_value(v), {}}; }
Cmsg u32_cmsg(int level, int type, std::uint32_t v) { return {level, type, bytes_of_value(v), {}}; }
Cmsg raw_cmsg(int level, int type, std::vector<unsigned char> data) {
  Cmsg c{level, type, {}, {}};
  for (const auto b : data) c.data.push_back(std::byte{b});
  return c;
}
// A message whose cmsg_len says `len`, whatever its data.
Cmsg with_len(Cmsg c, std::size_t len) {
  c.cmsg_len = len;
  return c;
}
Cmsg pktinfo4(unsigned ifindex, const wire::Ipv4Address& spec_dst) {
  in_pktinfo p{};
  p.ipi_ifindex = static_cast<int>(ifindex);
  std::memcpy(&p.ipi_spec_dst, spec_dst.octets.data(), 4);
  return {SOL_IP, IP_PKTINFO, bytes_of_value(p), {}};
}
Cmsg pktinfo6(unsigned ifindex, const wire::Ipv6Address& a) {
  in6_pktinfo p{};
  p.ipi6_ifindex = ifindex;
  std::memcpy(&p.ipi6_addr, a.octets.data(), 16);
  return {SOL_IPV6, IPV6_PKTINFO, bytes_of_value(p), {}};
}

// The bytes CMSG_FIRSTHDR / CMSG_NXTHDR would walk: each message at a CMSG_SPACE step.
std::vector<unsigned char> control_of(const std::vector<Cmsg>& list) {
  std::vector<unsigned char> out;
  for (const auto& c : list) {
    const std::size_t at = out.size();
    out.resize(at + CMSG_SPACE(c.data.size()), 0);
    cmsghdr h{};
    h.cmsg_len = c.cmsg_len.value_or(CMSG_LEN(c.data.size()));
    h.cmsg_level = c.level;
    h.cmsg_type = c.type;
    std::memcpy(out.data() + at, &h, sizeof h);
    if (!c.data.empty()) std::memcpy(out.data() + at + CMSG_LEN(0), c.data.data(), c.data.size());
  }
  return out;
}

// sendmsg of `data` to `to` with `control` (msg_controllen: its size unless given).
template <class Address>
ssize_t send_control(SocketApi& t, int fd, const Address& to, const void* control, std::size_t controllen,
                     std::string_view data = "data") {
  iovec v{const_cast<char*>(data.data()), data.size()};
  const auto m = message(&to, sizeof to, &v, 1, control, controllen);
  return t.sendmsg(fd, &m, 0);
}
template <class Address>
ssize_t send_cmsgs(SocketApi& t, int fd, const Address& to, const std::vector<Cmsg>& list,
                   std::string_view data = "data") {
  const auto control = control_of(list);
  return send_control(t, fd, to, control.empty() ? nullptr : control.data(), control.size(), data);
}

// ---- Reading what arrived ---------------------------------------------------------------

struct Arrived {
  ssize_t result = 0;
  int flags = 0;
  std::size_t controllen = 0;
  std::vector<unsigned char> control;  // the buffer, `room` bytes plus 8 guard bytes (0xee)
  sockaddr_storage from{};
};
Arrived recv_control(SocketApi& t, int fd, std::size_t room = 256) {
  Arrived a;
  a.control.assign(room + 8, 0xee);
  char buf[64];
  iovec v{buf, sizeof buf};
  auto m = message(&a.from, sizeof a.from, &v, 1, room == 0 ? nullptr : a.control.data(), room);
  t.settle();
  a.result = t.recvmsg(fd, &m, MSG_DONTWAIT);
  a.flags = m.msg_flags;
  a.controllen = m.msg_controllen;
  return a;
}
// Each message of an arrived buffer: level, type, cmsg_len, then its data bytes.
void record_cmsgs(SocketApi& t, const Arrived& a) {
  t.rec(a.result);
  if (a.result < 0) return;
  t.rec(a.flags);
  std::size_t at = 0;
  while (a.controllen - at >= sizeof(cmsghdr)) {
    cmsghdr h;
    std::memcpy(&h, a.control.data() + at, sizeof h);
    t.rec(h.cmsg_level);
    t.rec(h.cmsg_type);
    t.rec(static_cast<long>(h.cmsg_len));
    if (h.cmsg_len < sizeof h || h.cmsg_len > a.controllen - at) break;
    for (std::size_t i = CMSG_LEN(0); i < h.cmsg_len; ++i) t.rec(a.control[at + i]);
    at += CMSG_ALIGN(h.cmsg_len);
    if (at > a.controllen) break;
  }
}
// The control buffer exactly: flags, msg_controllen, then every byte up to the guard's end.
void record_buffer(SocketApi& t, const Arrived& a) {
  t.rec(a.result);
  t.rec(a.flags);
  t.rec(static_cast<long>(a.controllen));
  for (const auto b : a.control) t.rec(b);
}

// A receiving socket on 127.0.0.1 (or ::1) with `options` on, and a sending one.
struct Pair {
  int rx = -1;
  int tx = -1;
  sockaddr_in to4{};
  sockaddr_in6 to6{};
};
Pair pair4(SocketApi& t, std::initializer_list<int> options = {IP_RECVTTL, IP_RECVTOS}) {
  Pair p;
  p.rx = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
  const auto lo = sin4(loopback4, any_port);
  t.rec(t.bind(p.rx, sa(lo), sizeof lo));
  for (const int o : options) t.set_int(p.rx, SOL_IP, o, 1);
  p.to4 = sin4(loopback4, t.port_of(p.rx));
  p.tx = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
  return p;
}
Pair pair6(SocketApi& t, std::initializer_list<int> options = {IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS}) {
  Pair p;
  p.rx = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
  const auto lo = sin6(loopback6, any_port);
  t.rec(t.bind(p.rx, sa(lo), sizeof lo));
  for (const int o : options) t.set_int(p.rx, SOL_IPV6, o, 1);
  p.to6 = sin6(loopback6, t.port_of(p.rx));
  p.tx = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
  return p;
}

// What pair4() / pair6() record: open, bind, the options, open.
std::vector<long> setup(std::size_t options) { return std::vector<long>(3 + options, 0); }
std::vector<long> operator+(std::vector<long> a, const std::vector<long>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
// The received IP_TTL (int) and IP_TOS (byte) messages of a datagram of 4 bytes.
std::vector<long> ttl_tos(int ttl, int tos) {
  const auto t = bytes_of_value(ttl);
  std::vector<long> v{4, 0, SOL_IP, IP_TTL, static_cast<long>(CMSG_LEN(4))};
  for (const auto b : t) v.push_back(std::to_integer<long>(b));
  v.insert(v.end(), {SOL_IP, IP_TOS, static_cast<long>(CMSG_LEN(1)), tos});
  return v;
}
// The received IPV6_HOPLIMIT and IPV6_TCLASS (ints) of a datagram of 4 bytes.
std::vector<long> hoplimit_tclass(int hops, int tclass) {
  std::vector<long> v{4, 0};
  for (const auto& [type, value] : {std::pair{IPV6_HOPLIMIT, hops}, std::pair{IPV6_TCLASS, tclass}}) {
    v.insert(v.end(), {SOL_IPV6, type, static_cast<long>(CMSG_LEN(4))});
    for (const auto b : bytes_of_value(value)) v.push_back(std::to_integer<long>(b));
  }
  return v;
}
const std::vector<long> nothing_arrived = {-EAGAIN};

std::vector<long> bytes_as_longs(std::initializer_list<int> b) { return {b.begin(), b.end()}; }

}  // namespace

// ---------------------------------------------------------------------------
// CMSG-1: walking the control buffer

BOOST_AUTO_TEST_SUITE(CMSG_walk)

BOOST_FIXTURE_TEST_CASE(CMSG_1_walk_matches_host_kernel, HostLike) {
  const auto ttl9 = int_cmsg(SOL_IP, IP_TTL, 9);
  const std::vector<Row> rows = {
      {"two messages at CMSG_SPACE steps (a 1-byte IP_TOS, then IP_TTL) both apply",
       setup(2) + std::vector<long>{4} + ttl_tos(9, 0x20),
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {byte_cmsg(SOL_IP, IP_TOS, 0x20), int_cmsg(SOL_IP, IP_TTL, 9)}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"cmsg_len below sizeof(cmsghdr) -> EINVAL, nothing sent",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL} + nothing_arrived,
       [ttl9](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {with_len(ttl9, sizeof(cmsghdr) - 1)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {with_len(ttl9, 0)}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"cmsg_len past msg_controllen -> EINVAL, nothing sent",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL} + nothing_arrived,
       [ttl9](SocketApi& t) {
         const auto p = pair4(t);
         const auto one = control_of({ttl9});
         t.rec(send_control(t, p.tx, p.to4, one.data(), CMSG_LEN(sizeof(int)) - 1));
         // The second header fits whole, its message does not.
         const auto two = control_of({ttl9, ttl9});
         t.rec(send_control(t, p.tx, p.to4, two.data(), CMSG_SPACE(sizeof(int)) + CMSG_LEN(sizeof(int)) - 1));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"bytes after the last message shorter than a header are ignored",
       setup(2) + std::vector<long>{4} + ttl_tos(9, 0),
       [ttl9](SocketApi& t) {
         const auto p = pair4(t);
         auto c = control_of({ttl9});
         c.resize(c.size() + sizeof(cmsghdr) - 1, 0xff);
         t.rec(send_control(t, p.tx, p.to4, c.data(), c.size()));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"a last message without its CMSG_ALIGN padding is whole",
       setup(2) + std::vector<long>{4} + ttl_tos(9, 0x40),
       [](SocketApi& t) {
         const auto p = pair4(t);
         const auto c = control_of({int_cmsg(SOL_IP, IP_TTL, 9), byte_cmsg(SOL_IP, IP_TOS, 0x40)});
         t.rec(send_control(t, p.tx, p.to4, c.data(), c.size() - (CMSG_SPACE(1) - CMSG_LEN(1))));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"a buffer shorter than one header holds no message", setup(2) + std::vector<long>{4} + ttl_tos(64, 0),
       [ttl9](SocketApi& t) {
         const auto p = pair4(t);
         const auto c = control_of({ttl9});
         t.rec(send_control(t, p.tx, p.to4, c.data(), sizeof(cmsghdr) - 1));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"no control buffer: msg_controllen 0 sends; any length with a null buffer -> EFAULT",
       setup(2) + std::vector<long>{4, -EFAULT, -EFAULT} + ttl_tos(64, 0),
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_control(t, p.tx, p.to4, nullptr, 0));
         t.rec(send_control(t, p.tx, p.to4, nullptr, 8));
         t.rec(send_control(t, p.tx, p.to4, nullptr, 64));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"an unaligned control buffer is read as well", setup(2) + std::vector<long>{4} + ttl_tos(9, 0),
       [ttl9](SocketApi& t) {
         const auto p = pair4(t);
         const auto c = control_of({ttl9});
         std::vector<unsigned char> shifted(c.size() + 1);
         std::memcpy(shifted.data() + 1, c.data(), c.size());
         t.rec(send_control(t, p.tx, p.to4, shifted.data() + 1, c.size()));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(CMSG_1_messages_apply_on_the_wire, SocketFixture) {
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  BOOST_TEST(send_cmsgs(t, fd, sin4(peer4, 53),
                        {byte_cmsg(SOL_IP, IP_TOS, 0x20), int_cmsg(SOL_IP, IP_TTL, 9)}) == 4);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].ttl == 9u);
  BOOST_TEST(out[0].tos == 0x20u);
  BOOST_TEST(out[0].payload_text() == "data");
}

BOOST_FIXTURE_TEST_CASE(CMSG_1_nothing_read_outside_the_buffer, SocketFixture) {
  // Exact-size heap buffers: a read past the end is an ASan report.
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  const auto to = sin4(peer4, 53);
  const auto c = control_of({int_cmsg(SOL_IP, IP_TTL, 9)});
  for (std::size_t n = 1; n <= c.size(); ++n) {
    auto exact = std::make_unique<unsigned char[]>(n);
    std::memcpy(exact.get(), c.data(), n);
    const auto r = send_control(t, fd, to, exact.get(), n);
    // A header that does not fit is no message; one that fits but whose
    // message does not is EINVAL; CMSG_LEN(int) bytes or more are whole.
    const ssize_t expected = n < sizeof(cmsghdr) ? 4 : n < CMSG_LEN(sizeof(int)) ? -EINVAL : 4;
    BOOST_TEST_CONTEXT("msg_controllen " << n) { BOOST_TEST(r == expected); }
  }
  // A header claiming more than the buffer: never followed.
  auto huge = c;
  cmsghdr h;
  std::memcpy(&h, huge.data(), sizeof h);
  h.cmsg_len = 1u << 20;
  std::memcpy(huge.data(), &h, sizeof h);
  auto exact = std::make_unique<unsigned char[]>(huge.size());
  std::memcpy(exact.get(), huge.data(), huge.size());
  BOOST_TEST(send_control(t, fd, to, exact.get(), huge.size()) == -EINVAL);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == sizeof(cmsghdr) - 1 + (c.size() - CMSG_LEN(sizeof(int)) + 1));
  for (std::size_t i = 0; i < out.size(); ++i) BOOST_TEST(out[i].ttl == (i < sizeof(cmsghdr) - 1 ? 64u : 9u));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// CMSG-2: IP_RETOPTS

BOOST_AUTO_TEST_SUITE(CMSG_retopts)

namespace {
// The IP_RECVOPTS message of a datagram of 4 bytes carrying `options`.
std::vector<long> received_options(std::initializer_list<int> options) {
  std::vector<long> v{4, 0, SOL_IP, IP_RECVOPTS, static_cast<long>(CMSG_LEN(options.size()))};
  v.insert(v.end(), options.begin(), options.end());
  return v;
}
const std::vector<unsigned char> nop_nop_router_alert = {1, 1, 0x94, 4, 0, 0};
}  // namespace

BOOST_FIXTURE_TEST_CASE(CMSG_2_retopts_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"IP_RETOPTS: the options go out, padded with EOL",
       setup(1) + std::vector<long>{4} + received_options({1, 1, 0x94, 4, 0, 0, 0, 0}),
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS});
         t.rec(send_cmsgs(t, p.tx, p.to4, {raw_cmsg(SOL_IP, IP_RETOPTS, {1, 1, 0x94, 4, 0, 0})}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_RETOPTS: Record Route gets the sender's and the receiver's address",
       setup(1) + std::vector<long>{4} +
           received_options({7, 15, 12, 127, 0, 0, 1, 127, 0, 0, 1, 0, 0, 0, 0, 0}),
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS});
         t.rec(send_cmsgs(t, p.tx, p.to4,
                          {raw_cmsg(SOL_IP, IP_RETOPTS, {7, 15, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_RETOPTS: over 40 bytes, the first 40 are used (the rest is not looked at)",
       setup(1) + std::vector<long>{4} +
           received_options({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,    1, 1, 1,
                             1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x94, 4, 0, 0}),
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS});
         std::vector<unsigned char> o(36, 1);
         o.insert(o.end(), {0x94, 4, 0, 0, /* not an option */ 7, 2, 0, 0});
         t.rec(send_cmsgs(t, p.tx, p.to4, {raw_cmsg(SOL_IP, IP_RETOPTS, o)}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_RETOPTS: bad options -> EINVAL, nothing sent",
       setup(1) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS});
         t.rec(send_cmsgs(t, p.tx, p.to4, {raw_cmsg(SOL_IP, IP_RETOPTS, {7, 2, 4, 0})}));     // RR length 2
         t.rec(send_cmsgs(t, p.tx, p.to4, {raw_cmsg(SOL_IP, IP_RETOPTS, {0x94, 8, 0, 0})}));  // past the area
         t.rec(send_cmsgs(t, p.tx, p.to4,
                          {raw_cmsg(SOL_IP, IP_RETOPTS, {0x44, 8, 3, 0, 0, 0, 0, 0})}));   // TS pointer 3
         t.rec(send_cmsgs(t, p.tx, p.to4, {raw_cmsg(SOL_IP, IP_RETOPTS, {0x94, 3, 0})}));  // RA length 3
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"an empty IP_RETOPTS sends no options, even with IP_OPTIONS set",
       setup(1) + std::vector<long>{0, 4, 4, 0} + received_options({0x94, 4, 0, 0}),
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS});
         const unsigned char ra[] = {0x94, 4, 0, 0};
         t.rec(t.setsockopt(p.tx, SOL_IP, IP_OPTIONS, ra, sizeof ra));
         t.rec(send_cmsgs(t, p.tx, p.to4, {raw_cmsg(SOL_IP, IP_RETOPTS, {})}));
         t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to4), sizeof p.to4));
         const auto first = recv_control(t, p.rx);
         t.rec(static_cast<long>(first.controllen));  // no IP_RECVOPTS message
         record_cmsgs(t, recv_control(t, p.rx));
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(CMSG_2_retopts_on_the_wire, SocketFixture) {
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  const auto to = sin4(peer4, 53);
  BOOST_TEST(send_cmsgs(t, fd, to, {raw_cmsg(SOL_IP, IP_RETOPTS, nop_nop_router_alert)}) == 4);
  // Record Route with three slots: the first holds this host's address (LINUX ip_options_build).
  BOOST_TEST(send_cmsgs(t, fd, to,
                        {raw_cmsg(SOL_IP, IP_RETOPTS, {7, 15, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})}) == 4);
  auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(harness::format::bytes(out[0].ipv4_options) == "0101940400000000");
  // 07 0f 08, 192.0.2.1, two empty slots, EOL.
  BOOST_TEST(harness::format::bytes(out[1].ipv4_options) ==
             std::string("070f08") + "c0000201" + "0000000000000000" + "00");
  BOOST_TEST(out[1].checksum_ok);
  // Refused: nothing goes.
  BOOST_TEST(send_cmsgs(t, fd, to, {raw_cmsg(SOL_IP, IP_RETOPTS, {7, 2, 4, 0})}) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
  // An empty one overrides IP_OPTIONS for this datagram only.
  const unsigned char ra[] = {0x94, 4, 0, 0};
  BOOST_TEST(sockets.setsockopt(fd, SOL_IP, IP_OPTIONS, ra, sizeof ra) == 0);
  BOOST_TEST(send_cmsgs(t, fd, to, {raw_cmsg(SOL_IP, IP_RETOPTS, {})}) == 4);
  BOOST_TEST(sendto4(fd, "next", peer4, 53) == 4);
  out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].ipv4_options.empty());
  BOOST_TEST(harness::format::bytes(out[1].ipv4_options) == "94040000");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// CMSG-3: IP_PKTINFO

BOOST_AUTO_TEST_SUITE(CMSG_pktinfo)

BOOST_FIXTURE_TEST_CASE(CMSG_3_pktinfo_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"IP_PKTINFO: length other than in_pktinfo's -> EINVAL",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair4(t);
         const auto info = pktinfo4(0, loopback4);
         t.rec(send_cmsgs(t, p.tx, p.to4, {with_len(info, CMSG_LEN(sizeof(in_pktinfo)) - 1)}));
         auto longer = info;
         longer.data.resize(sizeof(in_pktinfo) + 4);
         t.rec(send_cmsgs(t, p.tx, p.to4, {longer}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {with_len(info, CMSG_LEN(0))}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_PKTINFO: an interface that does not exist -> ENODEV; a source not ours -> ENETUNREACH, "
       "one no host sends from -> EINVAL (checked first)",
       setup(2) + std::vector<long>{-ENODEV, -ENETUNREACH, -EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         // LINUX ip_route_output_key_hash_rcu: the source, then the interface.
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(4242, {})}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(0, nonlocal4)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(0, {{224, 0, 0, 1}})}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(0, limited_broadcast4)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(4242, {{224, 0, 0, 1}})}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_PKTINFO: a source in 0.0.0.0/8 -> EINVAL (Linux 6.1)",
       setup(2) + std::vector<long>{-EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(0, {{0, 1, 2, 3}})}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       "later kernels dropped ip_route_output's 0.0.0.0/8 source check (ENETUNREACH); the reference is 6.1"},
      {"IP_PKTINFO: ipi_spec_dst is the source; 0.0.0.0 lets the route choose, even on a bound socket",
       setup(2) + std::vector<long>{0, 4, 4, 127, 0, 0, 2, 4, 4, 127, 0, 0, 1},
       [](SocketApi& t) {
         const auto p = pair4(t);
         const auto bound = sin4({{127, 0, 0, 3}}, 0);
         t.rec(t.bind(p.tx, sa(bound), sizeof bound));
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(0, {{127, 0, 0, 2}})}));
         auto a = recv_control(t, p.rx);
         const auto from = address_of(reinterpret_cast<const sockaddr_in&>(a.from));
         t.rec(a.result);
         for (const auto o : from.octets) t.rec(o);
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(0, {})}));
         a = recv_control(t, p.rx);
         t.rec(a.result);
         for (const auto o : address_of(reinterpret_cast<const sockaddr_in&>(a.from)).octets) t.rec(o);
       }},
      {"IP_PKTINFO: ipi_ifindex chooses the interface (loopback is 1)",
       setup(2) + std::vector<long>{4} + ttl_tos(64, 0),
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {pktinfo4(1, {})}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(CMSG_3_pktinfo_on_the_wire, SocketFixture) {
  const wire::Ipv4Address second{{192, 0, 2, 9}};
  BOOST_TEST_REQUIRE(stack.add_address(eth0, second, 24).has_value());
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  const auto to = sin4(peer4, 53);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo4(eth0_index, second)}) == 4);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo4(0, {})}) == 4);
  auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].src4 == second);
  BOOST_TEST(out[0].checksum_ok);  // over the chosen source's pseudo-header
  BOOST_TEST(out[1].src4 == our4);
  // Refused: nothing goes.
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo4(99, {})}) == -ENODEV);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo4(0, other4)}) == -ENETUNREACH);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo4(0, subnet_broadcast4)}) == -ENETUNREACH);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo4(0, {{224, 0, 0, 1}})}) == -EINVAL);
  BOOST_TEST(send_cmsgs(t, fd, to, {with_len(pktinfo4(0, {}), CMSG_LEN(8))}) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// CMSG-4, CMSG-5: IP_TTL, IP_TOS

BOOST_AUTO_TEST_SUITE(CMSG_ttl_tos)

BOOST_FIXTURE_TEST_CASE(CMSG_4_ttl_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"IP_TTL 1 and 255 are sent", setup(2) + std::vector<long>{4, 4} + ttl_tos(1, 0) + ttl_tos(255, 0),
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TTL, 1)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TTL, 255)}));
         record_cmsgs(t, recv_control(t, p.rx));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_TTL 0, 256, -1 -> EINVAL",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair4(t);
         for (const int v : {0, 256, -1}) t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TTL, v)}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_TTL not exactly an int -> EINVAL",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {byte_cmsg(SOL_IP, IP_TTL, 9)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {u16_cmsg(SOL_IP, IP_TTL, 9)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {Cmsg{SOL_IP, IP_TTL, bytes_of_value(std::uint64_t{9}), {}}}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_TTL overrides the socket's for one datagram",
       setup(2) + std::vector<long>{0, 4, 4} + ttl_tos(9, 0) + ttl_tos(77, 0),
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.set_int(p.tx, SOL_IP, IP_TTL, 77);
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TTL, 9)}));
         t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to4), sizeof p.to4));
         record_cmsgs(t, recv_control(t, p.rx));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(CMSG_4_ttl_on_the_wire, SocketFixture) {
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  const auto to = sin4(peer4, 53);
  BOOST_TEST(set_int(fd, SOL_IP, IP_TTL, 77) == 0);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IP, IP_TTL, 1)}) == 4);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IP, IP_TTL, 255)}) == 4);
  BOOST_TEST(sendto4(fd, "data", peer4, 53) == 4);
  auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].ttl == 1u);
  BOOST_TEST(out[1].ttl == 255u);
  BOOST_TEST(out[2].ttl == 77u);
  for (const int v : {0, 256, -1})
    BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IP, IP_TTL, v)}) == -EINVAL);
  BOOST_TEST(send_cmsgs(t, fd, to, {byte_cmsg(SOL_IP, IP_TTL, 9)}) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
}

BOOST_FIXTURE_TEST_CASE(CMSG_5_tos_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"IP_TOS as an int or as one byte",
       setup(2) + std::vector<long>{4, 4, 4} + ttl_tos(64, 0xb8) + ttl_tos(64, 0x28) + ttl_tos(64, 0xff),
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TOS, 0xb8)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {byte_cmsg(SOL_IP, IP_TOS, 0x28)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TOS, 0xff)}));
         for (int i = 0; i < 3; ++i) record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"IP_TOS of another length, or out of 0..255 -> EINVAL",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {u16_cmsg(SOL_IP, IP_TOS, 0x10)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {Cmsg{SOL_IP, IP_TOS, {}, {}}}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TOS, 256)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_TOS, -1)}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(CMSG_5_tos_on_the_wire, SocketFixture) {
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  const auto to = sin4(peer4, 53);
  BOOST_TEST(set_int(fd, SOL_IP, IP_TOS, 0x10) == 0);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IP, IP_TOS, 0xb8)}) == 4);
  BOOST_TEST(send_cmsgs(t, fd, to, {byte_cmsg(SOL_IP, IP_TOS, 0x03)}) == 4);
  BOOST_TEST(sendto4(fd, "data", peer4, 53) == 4);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(expect_ipv4(out[0].frame, harness::dscp(0x2e), harness::ecn(0)));
  BOOST_TEST(expect_ipv4(out[1].frame, harness::dscp(0), harness::ecn(3)));
  BOOST_TEST(out[2].tos == 0x10u);
  BOOST_TEST(send_cmsgs(t, fd, to, {u16_cmsg(SOL_IP, IP_TOS, 0x10)}) == -EINVAL);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IP, IP_TOS, 256)}) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// CMSG-6: levels and unknown types

BOOST_AUTO_TEST_SUITE(CMSG_levels)

BOOST_FIXTURE_TEST_CASE(CMSG_6_levels_match_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"an unknown type at SOL_IP or SOL_UDP -> EINVAL",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_IP, IP_RECVTTL, 1)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {raw_cmsg(SOL_IP, IP_OPTIONS, {1, 1, 1, 1})}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_UDP, UDP_CORK, 1)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_UDP, 9999, 1)}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"SOL_SOCKET: what Linux 6.1 accepts; anything else -> EINVAL",
       setup(2) + std::vector<long>{4, 4, 4, -EINVAL, -EINVAL, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {u32_cmsg(SOL_SOCKET, SO_MARK, 5)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {u32_cmsg(SOL_SOCKET, so_timestamping_old, 2 /* TX_SOFTWARE */)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {Cmsg{SOL_SOCKET, SCM_RIGHTS, {}, {}}}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {u32_cmsg(SOL_SOCKET, so_timestamping_old, 4 /* RX_HARDWARE */)}));
         t.rec(send_cmsgs(t, p.tx, p.to4,
                          {Cmsg{SOL_SOCKET, scm_txtime, bytes_of_value(std::uint64_t{1}), {}}}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_SOCKET, 9999, 1)}));
         t.rec(send_cmsgs(t, p.tx, p.to4, {with_len(u32_cmsg(SOL_SOCKET, SO_MARK, 5), CMSG_LEN(2))}));
       },
       nullptr, false, true},
      {"SOL_SOCKET SO_PRIORITY -> EINVAL (Linux 6.1)", setup(2) + std::vector<long>{-EINVAL},
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(t, p.tx, p.to4, {int_cmsg(SOL_SOCKET, SO_PRIORITY, 1)}));
       },
       "later kernels take SO_PRIORITY as a cmsg too; the reference is Linux 6.1"},
      {"other levels are ignored by an IPv4 socket", setup(2) + std::vector<long>{4} + ttl_tos(64, 0),
       [](SocketApi& t) {
         const auto p = pair4(t);
         t.rec(send_cmsgs(
             t, p.tx, p.to4,
             {int_cmsg(SOL_IPV6, IPV6_HOPLIMIT, 9), int_cmsg(12345, 1, 1), int_cmsg(IPPROTO_TCP, 1, 1)}));
         record_cmsgs(t, recv_control(t, p.rx));
       }},
      {"an IPv6 socket: SOL_IP is ignored for IPv6 datagrams, used for v4-mapped ones",
       std::vector<long>(9, 0) + std::vector<long>{4, 4} + ttl_tos(9, 0) +
           std::vector<long>{4, 0, SOL_IPV6, IPV6_HOPLIMIT, 20, 64, 0, 0, 0},
       [](SocketApi& t) {
         const auto p = pair4(t);
         const auto rx6 = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto lo6 = sin6(loopback6, 0);
         t.rec(t.bind(rx6, sa(lo6), sizeof lo6));
         t.set_int(rx6, SOL_IPV6, IPV6_RECVHOPLIMIT, 1);
         const int tx6 = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto mapped = sin6(v4_mapped(loopback4), ntohs(p.to4.sin_port));
         t.rec(send_cmsgs(t, tx6, mapped, {int_cmsg(SOL_IP, IP_TTL, 9)}));
         t.rec(send_cmsgs(t, tx6, sin6(loopback6, t.port_of(rx6)), {int_cmsg(SOL_IP, IP_TTL, 9)}));
         record_cmsgs(t, recv_control(t, p.rx));
         record_cmsgs(t, recv_control(t, rx6));
       },
       nullptr, true},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(CMSG_6_ignored_levels_leave_the_defaults_on_the_wire, SocketFixture) {
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  const auto to = sin4(peer4, 53);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IPV6, IPV6_HOPLIMIT, 9), int_cmsg(12345, 1, 1)}) == 4);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].ttl == 64u);
  BOOST_TEST(out[0].tos == 0u);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IP, IP_RECVTTL, 1)}) == -EINVAL);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_UDP, UDP_CORK, 1)}) == -EINVAL);
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_SOCKET, 9999, 1)}) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// CMSG-7: IPv6

BOOST_AUTO_TEST_SUITE(CMSG_ipv6)

namespace {
// A Hop-by-Hop or Destination Options header: next header 0 (rewritten on output), the options.
Cmsg options_header(int type, std::vector<unsigned char> options) {
  std::vector<unsigned char> h{0, static_cast<unsigned char>((options.size() + 2) / 8 - 1)};
  h.insert(h.end(), options.begin(), options.end());
  return raw_cmsg(SOL_IPV6, type, h);
}
const std::vector<unsigned char> router_alert_tlv = {5, 2, 0, 0, 1, 0};  // Router Alert 0, PadN of 2
}  // namespace

BOOST_FIXTURE_TEST_CASE(CMSG_7_ipv6_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"IPV6_HOPLIMIT and IPV6_TCLASS are sent; hop limit -1 is the default",
       setup(2) + std::vector<long>{4, 4} + hoplimit_tclass(7, 0x28) + hoplimit_tclass(64, 0x28),
       [](SocketApi& t) {
         const auto p = pair6(t);
         t.rec(send_cmsgs(t, p.tx, p.to6,
                          {int_cmsg(SOL_IPV6, IPV6_HOPLIMIT, 7), int_cmsg(SOL_IPV6, IPV6_TCLASS, 0x28)}));
         t.rec(send_cmsgs(t, p.tx, p.to6,
                          {int_cmsg(SOL_IPV6, IPV6_HOPLIMIT, -1), int_cmsg(SOL_IPV6, IPV6_TCLASS, 0x28)}));
         record_cmsgs(t, recv_control(t, p.rx));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       nullptr, true},
      {"IPV6_TCLASS -1 is the socket's traffic class (RFC 3542 6.5)",
       setup(2) + std::vector<long>{0, 4} + hoplimit_tclass(64, 0x10),
       [](SocketApi& t) {
         const auto p = pair6(t);
         t.set_int(p.tx, SOL_IPV6, IPV6_TCLASS, 0x10);
         t.rec(send_cmsgs(t, p.tx, p.to6, {int_cmsg(SOL_IPV6, IPV6_TCLASS, -1)}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       "the host kernel sends traffic class 0xff for an IPV6_TCLASS cmsg of -1; RFC 3542 6.5 says -1 is the "
       "default",
       true},
      {"IPV6_HOPLIMIT / IPV6_TCLASS: out of -1..255 or not an int -> EINVAL",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair6(t);
         for (const int type : {IPV6_HOPLIMIT, IPV6_TCLASS}) {
           t.rec(send_cmsgs(t, p.tx, p.to6, {int_cmsg(SOL_IPV6, type, 256)}));
           t.rec(send_cmsgs(t, p.tx, p.to6, {int_cmsg(SOL_IPV6, type, -2)}));
           t.rec(send_cmsgs(t, p.tx, p.to6, {byte_cmsg(SOL_IPV6, type, 1)}));
         }
         record_cmsgs(t, recv_control(t, p.rx));
       },
       nullptr, true},
      {"IPV6_PKTINFO: short -> EINVAL; unknown interface -> ENODEV; a source not ours -> EINVAL; :: and 0 "
       "choose nothing",
       setup(2) + std::vector<long>{-EINVAL, -ENODEV, -EINVAL, 4} + hoplimit_tclass(64, 0),
       [](SocketApi& t) {
         const auto p = pair6(t);
         t.rec(send_cmsgs(t, p.tx, p.to6, {with_len(pktinfo6(0, {}), CMSG_LEN(sizeof(in6_pktinfo)) - 1)}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {pktinfo6(4242, {})}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {pktinfo6(0, harness::ip6("2001:db8::77"))}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {pktinfo6(0, {})}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       nullptr, true},
      {"IPV6_PKTINFO naming an interface other than the destination's (loopback for ::1) -> ENETUNREACH "
       "(LINUX ip6_route_output: the local route must match it), corked too (LINUX udpv6_sendmsg routes "
       "every call); loopback's own index goes",
       setup(2) + std::vector<long>{-ENETUNREACH, -ENETUNREACH, 0, -ENETUNREACH, 0, 4} +
           hoplimit_tclass(64, 0),
       [](SocketApi& t) {
         const auto p = pair6(t);
         auto this_host = p.to6;  // :: is this host, ::1 (BSD, LINUX udpv6_sendmsg)
         std::memset(&this_host.sin6_addr, 0, sizeof this_host.sin6_addr);
         t.rec(send_cmsgs(t, p.tx, p.to6, {pktinfo6(2, {})}));
         t.rec(send_cmsgs(t, p.tx, this_host, {pktinfo6(2, {})}));
         // Corked, the datagram would wait for the uncork: the call fails instead.
         t.set_int(p.tx, SOL_UDP, UDP_CORK, 1);
         t.rec(send_cmsgs(t, p.tx, p.to6, {pktinfo6(2, {})}));
         t.set_int(p.tx, SOL_UDP, UDP_CORK, 0);
         t.rec(send_cmsgs(t, p.tx, p.to6, {pktinfo6(1, {})}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       nullptr, true},
      {"IPV6_HOPOPTS / IPV6_DSTOPTS headers are sent; a second Hop-by-Hop -> EINVAL, a second DSTOPTS "
       "replaces",
       setup(2) + std::vector<long>{4, 4, -EINVAL, 4} + hoplimit_tclass(64, 0) + hoplimit_tclass(64, 0) +
           hoplimit_tclass(64, 0),
       [](SocketApi& t) {
         const auto p = pair6(t);
         const auto hbh = options_header(IPV6_HOPOPTS, router_alert_tlv);
         const auto dst = options_header(IPV6_DSTOPTS, {1, 4, 0, 0, 0, 0});
         t.rec(send_cmsgs(t, p.tx, p.to6, {hbh}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {hbh, dst}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {hbh, hbh}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {dst, dst}));
         for (int i = 0; i < 3; ++i) record_cmsgs(t, recv_control(t, p.rx));
       },
       nullptr, true, true},
      {"IPV6_RTHDR: only type 2 with one segment left (LINUX, MIP6); anything else -> EINVAL",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair6(t);
         // Type 0 with one address; type 2 with 0 segments left; type 2 with hdrlen 4.
         std::vector<unsigned char> rh0{0, 2, 0, 1, 0, 0, 0, 0};
         rh0.insert(rh0.end(), 16, 0);
         rh0[8 + 15] = 1;
         auto rh2_none = rh0;
         rh2_none[2] = 2;
         rh2_none[3] = 0;
         std::vector<unsigned char> rh2_long{0, 4, 2, 1, 0, 0, 0, 0};
         rh2_long.insert(rh2_long.end(), 32, 0);
         t.rec(send_cmsgs(t, p.tx, p.to6, {raw_cmsg(SOL_IPV6, IPV6_RTHDR, rh0)}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {raw_cmsg(SOL_IPV6, IPV6_RTHDR, rh2_none)}));
         t.rec(send_cmsgs(t, p.tx, p.to6, {raw_cmsg(SOL_IPV6, IPV6_RTHDR, rh2_long)}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       nullptr, true, true},
      {"IPV6_RTHDRDSTOPTS without IPV6_RTHDR is ignored (RFC 3542)",
       setup(2) + std::vector<long>{4} + hoplimit_tclass(64, 0),
       [](SocketApi& t) {
         const auto p = pair6(t);
         t.rec(send_cmsgs(t, p.tx, p.to6, {options_header(IPV6_RTHDRDSTOPTS, {1, 4, 0, 0, 0, 0})}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       nullptr, true, true},
      {"IPV6_HOPOPTS: options that do not validate -> EINVAL (CMSG-7)",
       setup(2) + std::vector<long>{-EINVAL, -EINVAL, -EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair6(t);
         t.rec(send_cmsgs(t, p.tx, p.to6,
                          {options_header(IPV6_HOPOPTS, {1, 4, 0, 0, 9, 0})}));  // PadN not zero
         t.rec(send_cmsgs(t, p.tx, p.to6,
                          {options_header(IPV6_HOPOPTS, {5, 9, 0, 0, 0, 0})}));  // past the header
         t.rec(send_cmsgs(t, p.tx, p.to6,
                          {options_header(IPV6_DSTOPTS, {1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       "Linux does not look inside IPV6_HOPOPTS / IPV6_DSTOPTS (ip6_datagram_send_ctl checks lengths only); "
       "CMSG-7 "
       "requires them validated as V6-EXT-*",
       true},
      {"IPV6_HOPOPTS: a cmsg longer than the header's own length -> EINVAL (CMSG-7)",
       setup(2) + std::vector<long>{-EINVAL} + nothing_arrived,
       [](SocketApi& t) {
         const auto p = pair6(t);
         auto c = options_header(IPV6_HOPOPTS, router_alert_tlv);
         c.data.resize(c.data.size() + 8);
         t.rec(send_cmsgs(t, p.tx, p.to6, {c}));
         record_cmsgs(t, recv_control(t, p.rx));
       },
       "Linux accepts bytes after the header's length (it checks cmsg_len >= CMSG_LEN(length)); CMSG-7 "
       "requires "
       "the lengths to match",
       true},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(CMSG_7_ipv6_on_the_wire, SocketFixture) {
  const auto second = harness::ip6("2001:db8::9");
  BOOST_TEST_REQUIRE(stack.add_address(eth0, second, 64).has_value());
  StackSocketApi t(sockets, stack);
  const int fd = udp6_bound(7001);
  const auto to = sin6(peer6, 53);
  BOOST_TEST(send_cmsgs(t, fd, to,
                        {int_cmsg(SOL_IPV6, IPV6_HOPLIMIT, 3), int_cmsg(SOL_IPV6, IPV6_TCLASS, 0xb8)}) == 4);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo6(eth0_index, second)}) == 4);
  BOOST_TEST(send_cmsgs(t, fd, to,
                        {options_header(IPV6_DSTOPTS, {1, 4, 0, 0, 0, 0}),
                         options_header(IPV6_HOPOPTS, router_alert_tlv)}) == 4);
  // SOL_IP messages are not IPv6's: ignored.
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IP, IP_TTL, 9)}) == 4);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 4u);
  BOOST_TEST(out[0].ttl == 3u);
  BOOST_TEST(out[0].tos == 0xb8u);
  BOOST_TEST(out[1].src6 == second);
  BOOST_TEST(out[1].checksum_ok);
  // Hop-by-Hop first, then Destination Options, then UDP (RFC 8200 4.1).
  BOOST_TEST((out[2].extension_types == std::vector<std::uint8_t>{0, 60}));
  BOOST_TEST_REQUIRE(out[2].extension_headers.size() == 2u);
  BOOST_TEST(harness::format::bytes(out[2].extension_headers[0]) == "3c00050200000100");
  BOOST_TEST(harness::format::bytes(out[2].extension_headers[1]) == "1100010400000000");
  BOOST_TEST(out[2].checksum_ok);
  BOOST_TEST(out[3].ttl == 64u);
  // Refused: nothing goes.
  BOOST_TEST(send_cmsgs(t, fd, to, {int_cmsg(SOL_IPV6, IPV6_HOPLIMIT, 256)}) == -EINVAL);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo6(0, other6)}) == -EINVAL);
  BOOST_TEST(send_cmsgs(t, fd, to, {pktinfo6(99, {})}) == -ENODEV);
  BOOST_TEST(send_cmsgs(t, fd, to, {options_header(IPV6_HOPOPTS, {1, 4, 0, 0, 9, 0})}) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// CMSG-8: receive

BOOST_AUTO_TEST_SUITE(CMSG_receive)

BOOST_FIXTURE_TEST_CASE(CMSG_8_receive_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"IPv4: IP_PKTINFO, IP_TTL, IP_TOS, exactly as Linux lays them out",
       {},
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_PKTINFO, IP_RECVTTL, IP_RECVTOS});
         t.set_int(p.tx, SOL_IP, IP_TOS, 0x20);
         t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to4), sizeof p.to4));
         record_buffer(t, recv_control(t, p.rx, 128));
       }},
      {"IPv4 on a dual-stack socket: IPV6_PKTINFO (v4-mapped), then IP_PKTINFO and IP_TTL; no IPV6_HOPLIMIT",
       {},
       [](SocketApi& t) {
         const int rx = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto any = sin6({}, 0);
         t.rec(t.bind(rx, sa(any), sizeof any));
         for (const int o : {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS})
           t.set_int(rx, SOL_IPV6, o, 1);
         t.set_int(rx, SOL_IP, IP_PKTINFO, 1);
         t.set_int(rx, SOL_IP, IP_RECVTTL, 1);
         const int tx = t.open(AF_INET, SOCK_DGRAM);
         const auto to = sin4(loopback4, t.port_of(rx));
         t.rec(t.sendto(tx, "data", 4, 0, sa(to), sizeof to));
         record_buffer(t, recv_control(t, rx, 128));
       },
       nullptr,
       true},
      {"IPv6: IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS",
       {},
       [](SocketApi& t) {
         const auto p = pair6(t, {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS});
         t.set_int(p.tx, SOL_IPV6, IPV6_TCLASS, 0x28);
         t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to6), sizeof p.to6));
         record_buffer(t, recv_control(t, p.rx, 128));
       },
       nullptr,
       true},
      {"IP_RECVOPTS and IP_RETOPTS: Record Route received and echoed",
       {},
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS, IP_RETOPTS});
         const unsigned char rr[] = {7, 15, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
         t.rec(t.setsockopt(p.tx, SOL_IP, IP_OPTIONS, rr, sizeof rr));
         t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to4), sizeof p.to4));
         record_buffer(t, recv_control(t, p.rx, 96));
       }},
      {"IP_RECVOPTS and IP_RETOPTS: nothing to echo of a Router Alert: an empty IP_RETOPTS",
       {},
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS, IP_RETOPTS});
         const unsigned char ra[] = {1, 1, 1, 1, 0x94, 4, 0, 0};
         t.rec(t.setsockopt(p.tx, SOL_IP, IP_OPTIONS, ra, sizeof ra));
         t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to4), sizeof p.to4));
         record_buffer(t, recv_control(t, p.rx, 96));
       }},
      {"no options: neither IP_RECVOPTS nor IP_RETOPTS",
       {},
       [](SocketApi& t) {
         const auto p = pair4(t, {IP_RECVOPTS, IP_RETOPTS});
         t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to4), sizeof p.to4));
         record_buffer(t, recv_control(t, p.rx, 32));
       }},
  };
  // The expected bytes are Linux's: each row's host run fills them in, and
  // the stack must then give the same (rows without a host run keep none).
  StackSocketApi stack_api(sockets, stack);
  HostSocketApi host_api;
  const bool v6 = host_has_ipv6();
  for (const auto& row : rows) {
    BOOST_TEST_CONTEXT(row.what) {
      if (row.ipv6 && !v6) continue;
      const auto host = run_row(host_api, row);
      const auto ours = run_row(stack_api, row);
      BOOST_TEST(to_text(ours) == to_text(host));
    }
  }
}

BOOST_FIXTURE_TEST_CASE(CMSG_8_truncation_matches_host_kernel, HostLike) {
  // Every control buffer size from 0 to past the whole: MSG_CTRUNC, the
  // messages cut as put_cmsg cuts them, msg_controllen, and the bytes after
  // it untouched (0xee), exactly as Linux. IP_PKTINFO, IP_TTL, IP_TOS over
  // loopback (interface 1, 127.0.0.1 on both).
  StackSocketApi stack_api(sockets, stack);
  HostSocketApi host_api;
  for (std::size_t room = 0; room <= 88; ++room) {
    const Row row{"", {}, [room](SocketApi& t) {
                    const auto p = pair4(t, {IP_PKTINFO, IP_RECVTTL, IP_RECVTOS});
                    t.set_int(p.tx, SOL_IP, IP_TOS, 0x20);
                    t.rec(t.sendto(p.tx, "data", 4, 0, sa(p.to4), sizeof p.to4));
                    record_buffer(t, recv_control(t, p.rx, room));
                  }};
    BOOST_TEST_CONTEXT("msg_controllen " << room) {
      const auto host = run_row(host_api, row);
      const auto ours = run_row(stack_api, row);
      BOOST_TEST(to_text(ours) == to_text(host));
      // The flags follow setup, IP_TOS, the send and the receive's result:
      // MSG_CTRUNC until IP_TOS's CMSG_LEN(1) fits after 32 + 24 bytes.
      BOOST_TEST_REQUIRE(ours.size() > 9u);
      BOOST_TEST(ours[9] == (room < 56 + CMSG_LEN(1) ? MSG_CTRUNC : 0));
    }
  }
}

BOOST_FIXTURE_TEST_CASE(CMSG_8_receive_from_the_link, SocketFixture) {
  StackSocketApi t(sockets, stack);
  const int fd = udp4_bound(7000);
  for (const int o : {IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS})
    BOOST_TEST(set_int(fd, SOL_IP, o, 1) == 0);
  inject(udp4_from_peer(5000, 7000, "data",
                        harness::ipv4(peer4, our4).ttl(9).tos(0x28).options(harness::router_alert())));
  t.results.clear();
  record_cmsgs(t, recv_control(t, fd));
  in_pktinfo info{};
  info.ipi_ifindex = static_cast<int>(eth0_index);
  std::memcpy(&info.ipi_spec_dst, our4.octets.data(), 4);
  std::memcpy(&info.ipi_addr, our4.octets.data(), 4);
  std::vector<long> expected{4, 0, SOL_IP, IP_PKTINFO, static_cast<long>(CMSG_LEN(sizeof info))};
  for (const auto b : bytes_of_value(info)) expected.push_back(std::to_integer<long>(b));
  expected = expected + std::vector<long>{SOL_IP, IP_TTL, 20, 9, 0, 0, 0, SOL_IP, IP_TOS, 17, 0x28} +
             std::vector<long>{SOL_IP, IP_RECVOPTS, 20, 0x94, 4, 0, 0};
  BOOST_TEST(to_text(t.results) == to_text(expected));

  // A broadcast: ipi_addr is the header's destination, ipi_spec_dst our address.
  inject(udp4_broadcast(5000, 7000, "data"));
  t.results.clear();
  record_cmsgs(t, recv_control(t, fd));
  BOOST_TEST_REQUIRE(t.results.size() > 5u + 12u);
  const auto spec_dst = std::vector<long>(t.results.begin() + 5 + 4, t.results.begin() + 5 + 8);
  const auto addr = std::vector<long>(t.results.begin() + 5 + 8, t.results.begin() + 5 + 12);
  BOOST_TEST(to_text(spec_dst) == to_text(bytes_as_longs({192, 0, 2, 1})));
  BOOST_TEST(to_text(addr) == to_text(bytes_as_longs({192, 0, 2, 255})));

  // IPv6 from the link.
  const int fd6 = udp6_bound(7001);
  for (const int o : {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS})
    BOOST_TEST(set_int(fd6, SOL_IPV6, o, 1) == 0);
  inject(udp6_from_peer(5000, 7001, "data", harness::ipv6(peer6, our6).hop_limit(17).traffic_class(0xb8)));
  t.results.clear();
  record_cmsgs(t, recv_control(t, fd6));
  in6_pktinfo info6{};
  std::memcpy(&info6.ipi6_addr, our6.octets.data(), 16);
  info6.ipi6_ifindex = eth0_index;
  expected = {4, 0, SOL_IPV6, IPV6_PKTINFO, static_cast<long>(CMSG_LEN(sizeof info6))};
  for (const auto b : bytes_of_value(info6)) expected.push_back(std::to_integer<long>(b));
  expected = expected + std::vector<long>{SOL_IPV6, IPV6_HOPLIMIT, 20, 17,   0, 0, 0,
                                          SOL_IPV6, IPV6_TCLASS,   20, 0xb8, 0, 0, 0};
  BOOST_TEST(to_text(t.results) == to_text(expected));
}

BOOST_AUTO_TEST_SUITE_END()
