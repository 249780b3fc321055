// The socket layer for UDP sockets (REQUIREMENTS.md SOCK-1, SOCK-2, SOCK-4,
// SOCK-5; SOCK-3 is TCP's). Each table is a list of scenarios written once
// against SocketApi (host_sockets.hpp); every scenario runs on the stack and
// on the host kernel's real sockets (UDP on loopback), and both must give the
// results the row expects: the errno of every call as Linux gives it. Rows
// the host cannot reproduce run on the stack only, with the reason.
#include <boost/test/unit_test.hpp>

#include <netinet/udp.h>

#include "host_rows.hpp"

using namespace hardstack;
using namespace hardstack::conformance;

namespace {

constexpr wire::Ipv4Address nonlocal4{{192, 0, 2, 77}};  // TEST-NET-1, not an address of either
const wire::Ipv6Address nonlocal6 = harness::ip6("2001:db8::77");
const wire::Ipv6Address link_local6 = harness::ip6("fe80::1");
constexpr int bad_flag = 0x100;  // a type bit that is neither SOCK_NONBLOCK nor SOCK_CLOEXEC

// A sockaddr_in padded to a sockaddr_in6's size (a long address of the wrong family).
struct LongSin4 {
  sockaddr_in sin;
  char pad[sizeof(sockaddr_in6) - sizeof(sockaddr_in)];
};
LongSin4 long_sin4(const wire::Ipv4Address& a, std::uint16_t port) {
  LongSin4 l{};
  l.sin = sin4(a, port);
  return l;
}
const sockaddr* long_sa(const LongSin4& l) { return reinterpret_cast<const sockaddr*>(&l); }

// Binds to 127.0.0.1 (or ::1) on a port the system picks, recorded; returns the port.
std::uint16_t bind_lo4(SocketApi& t, int fd, std::uint16_t port = 0) {
  const auto a = sin4(loopback4, port);
  t.rec(t.bind(fd, sa(a), sizeof a));
  return t.port_of(fd);
}
std::uint16_t bind_lo6(SocketApi& t, int fd, std::uint16_t port = 0) {
  const auto a = sin6(loopback6, port);
  t.rec(t.bind(fd, sa(a), sizeof a));
  return t.port_of(fd);
}

}  // namespace

// ---------------------------------------------------------------------------
// SOCK-1: every call's errno for each misuse

BOOST_AUTO_TEST_SUITE(SOCK_errno)

BOOST_FIXTURE_TEST_CASE(SOCK_1_errno_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      // socket(): LINUX __sys_socket then __sock_create then inet_create, in that order.
      {"socket: SOCK_NONBLOCK | SOCK_CLOEXEC accepted",
       {0},
       [](SocketApi& t) { t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC); }},
      {"socket: another type flag -> EINVAL",
       {-EINVAL},
       [](SocketApi& t) { t.open(AF_INET, SOCK_DGRAM | bad_flag); }},
      {"socket: bad flag checked before the family",
       {-EINVAL},
       [](SocketApi& t) { t.open(AF_MAX + 5, SOCK_DGRAM | bad_flag); }},
      {"socket: family out of range -> EAFNOSUPPORT",
       {-EAFNOSUPPORT, -EAFNOSUPPORT},
       [](SocketApi& t) {
         t.open(AF_MAX, SOCK_DGRAM);
         t.open(-1, SOCK_DGRAM);
       }},
      {"socket: family checked before the type",
       {-EAFNOSUPPORT},
       [](SocketApi& t) { t.open(AF_MAX + 5, 14); }},
      {"socket: type out of range -> EINVAL",
       {-EINVAL, -EINVAL},
       [](SocketApi& t) {
         t.open(AF_INET, 11);
         t.open(AF_INET6, 15);
       }},
      {"socket: no protocol of the type -> ESOCKTNOSUPPORT",
       {-ESOCKTNOSUPPORT, -ESOCKTNOSUPPORT},
       [](SocketApi& t) {
         t.open(AF_INET, SOCK_RDM);
         t.open(AF_INET6, SOCK_PACKET);
       }},
      {"socket: protocol out of range -> EINVAL",
       {-EINVAL, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         t.open(AF_INET, SOCK_DGRAM, -1);
         t.open(AF_INET, SOCK_DGRAM, 1000);
         t.open(AF_INET6, SOCK_DGRAM, 300);
       }},
      {"socket: a protocol the type does not have -> EPROTONOSUPPORT",
       {-EPROTONOSUPPORT, -EPROTONOSUPPORT, -EPROTONOSUPPORT},
       [](SocketApi& t) {
         t.open(AF_INET, SOCK_DGRAM, IPPROTO_TCP);
         t.open(AF_INET6, SOCK_DGRAM, IPPROTO_TCP);
         t.open(AF_INET6, SOCK_STREAM, IPPROTO_UDP);
       }},
      {"socket: UDP by number",
       {0, 0},
       [](SocketApi& t) {
         t.open(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
         t.open(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
       }},
      // Descriptors
      {"every call on a bad descriptor -> EBADF", std::vector<long>(14, -EBADF),
       [](SocketApi& t) {
         const int fd = HostSocketApi::unused_fd;
         const auto a = sin4(loopback4, 9);
         char b[4] = {};
         int v = 1;
         socklen_t n = sizeof v;
         sockaddr_storage ss{};
         socklen_t sl = sizeof ss;
         msghdr m{};
         t.rec(t.bind(fd, sa(a), sizeof a));
         t.rec(t.connect(fd, sa(a), sizeof a));
         t.rec(t.listen(fd, 1));
         t.rec(t.accept4(fd, nullptr, nullptr, 0));
         t.rec(t.sendto(fd, b, 1, 0, sa(a), sizeof a));
         t.rec(t.sendmsg(fd, &m, 0));
         t.rec(t.recv(fd, b, sizeof b, MSG_DONTWAIT));
         t.rec(t.recvmsg(fd, &m, MSG_DONTWAIT));
         t.rec(t.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
         t.rec(t.getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &n));
         t.rec(t.getsockname(fd, sa(ss), &sl));
         t.rec(t.getpeername(fd, sa(ss), &sl));
         t.rec(t.shutdown(fd, SHUT_RDWR));
         t.rec(t.close(fd));
       }},
      {"close twice -> EBADF",
       {0, 0, -EBADF},
       [](SocketApi& t) {
         const int fd = t.socket(AF_INET, SOCK_DGRAM, 0);
         t.rec(fd < 0 ? fd : 0);
         t.rec(t.close(fd));
         t.rec(t.close(fd));
       }},
      // Stream-only calls on a datagram socket
      {"listen / accept on UDP -> EOPNOTSUPP",
       {0, -EOPNOTSUPP, -EOPNOTSUPP, -EOPNOTSUPP},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         t.rec(t.listen(fd, 5));
         t.rec(t.accept4(fd, nullptr, nullptr, 0));
         t.rec(t.accept4(fd, nullptr, nullptr, SOCK_NONBLOCK));
       }},
      {"accept4 with a bad flag -> EINVAL",
       {0, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         t.rec(t.accept4(fd, nullptr, nullptr, bad_flag));
       }},
      // connect
      {"connect: address shorter than sa_family -> EINVAL",
       {0, -EINVAL, 0, -EINVAL},
       [](SocketApi& t) {
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(t.open(AF_INET, SOCK_DGRAM), sa(a), 1));
         t.rec(t.connect(t.open(AF_INET6, SOCK_DGRAM), sa(a), 0));
       },
       nullptr,
       true},
      {"connect: short sockaddr_in -> EINVAL; wrong family -> EAFNOSUPPORT",
       {0, -EINVAL, -EAFNOSUPPORT},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a - 1));
         const auto b = sin6(loopback6, 9);
         t.rec(t.connect(fd, sa(b), sizeof b));
       }},
      {"connect: sockaddr_in6 shorter than RFC 2133's 24 bytes -> EINVAL",
       {0, -EINVAL, 0},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         const auto a = sin6(loopback6, 9);
         t.rec(t.connect(fd, sa(a), 23));
         t.rec(t.connect(fd, sa(a), 24));
       },
       nullptr,
       true},
      {"connect: IPv4 peer of an IPV6_V6ONLY socket",
       {0, 0, -EAFNOSUPPORT, -ENETUNREACH},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.set_int(fd, SOL_IPV6, IPV6_V6ONLY, 1);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         const auto m = sin6(v4_mapped(loopback4), 9);
         t.rec(t.connect(fd, sa(m), sizeof m));
       },
       nullptr,
       true},
      {"connect: AF_UNSPEC dissolves the association",
       {0, 0, 0, 0, -ENOTCONN, -EDESTADDRREQ},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         sockaddr_storage ss{};
         socklen_t n = sizeof ss;
         t.rec(t.getpeername(fd, sa(ss), &n));
         sockaddr unspec{};
         unspec.sa_family = AF_UNSPEC;
         t.rec(t.connect(fd, &unspec, sizeof unspec));
         t.rec(t.getpeername(fd, sa(ss), &n));
         t.rec(t.send(fd, "x", 1, 0));
       }},
      {"connect: a second connect replaces the peer (no EISCONN for UDP)",
       {0, 0, 0, 0, 1},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const int peer = t.socket(AF_INET, SOCK_DGRAM, 0);
         t.opened.push_back(peer);
         const auto port = bind_lo4(t, peer);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         const auto b = sin4(loopback4, port);
         t.rec(t.connect(fd, sa(b), sizeof b));
         t.rec(t.send(fd, "x", 1, 0));
       }},
      // send / sendto / sendmsg
      {"send on an unconnected socket -> EDESTADDRREQ",
       {0, -EDESTADDRREQ, 0, -EDESTADDRREQ},
       [](SocketApi& t) {
         t.rec(t.send(t.open(AF_INET, SOCK_DGRAM), "x", 1, 0));
         t.rec(t.send(t.open(AF_INET6, SOCK_DGRAM), "x", 1, 0));
       },
       nullptr,
       true},
      {"sendto: port 0 -> EINVAL",
       {0, -EINVAL, 0, -EINVAL},
       [](SocketApi& t) {
         const auto a = sin4(loopback4, 0);
         t.rec(t.sendto(t.open(AF_INET, SOCK_DGRAM), "x", 1, 0, sa(a), sizeof a));
         const auto b = sin6(loopback6, 0);
         t.rec(t.sendto(t.open(AF_INET6, SOCK_DGRAM), "x", 1, 0, sa(b), sizeof b));
       },
       nullptr,
       true},
      {"sendto: short or overlong address -> EINVAL",
       {0, -EINVAL, -EINVAL, 0, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto a = sin4(loopback4, 9);
         t.rec(t.sendto(fd, "x", 1, 0, sa(a), sizeof a - 1));
         sockaddr_storage big[2] = {};
         std::memcpy(&big[0], &a, sizeof a);
         t.rec(t.sendto(fd, "x", 1, 0, sa(big[0]), sizeof(sockaddr_storage) + 1));
         const auto b = sin6(loopback6, 9);
         t.rec(t.sendto(t.open(AF_INET6, SOCK_DGRAM), "x", 1, 0, sa(b), 23));
       },
       nullptr,
       true},
      {"sendto: wrong family -> EAFNOSUPPORT (IPv4); EINVAL (IPv6)",
       {0, -EAFNOSUPPORT, 1, 0, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto b = sin6(loopback6, 9);
         t.rec(t.sendto(fd, "x", 1, 0, sa(b), sizeof b));
         // LINUX udp_sendmsg: AF_UNSPEC is taken as AF_INET.
         auto u = sin4(loopback4, 9);
         u.sin_family = AF_UNSPEC;
         t.rec(t.sendto(fd, "x", 1, 0, sa(u), sizeof u));
         sockaddr_in6 odd = sin6(loopback6, 9);
         odd.sin6_family = AF_APPLETALK;
         t.rec(t.sendto(t.open(AF_INET6, SOCK_DGRAM), "x", 1, 0, sa(odd), sizeof odd));
       },
       nullptr,
       true},
      {"sendto: IPv4 destination of an IPV6_V6ONLY socket -> ENETUNREACH",
       {0, 0, -ENETUNREACH, -ENETUNREACH},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.set_int(fd, SOL_IPV6, IPV6_V6ONLY, 1);
         const auto a = sin4(loopback4, 9);
         t.rec(t.sendto(fd, "x", 1, 0, sa(a), sizeof a));
         const auto m = sin6(v4_mapped(loopback4), 9);
         t.rec(t.sendto(fd, "x", 1, 0, sa(m), sizeof m));
       },
       nullptr,
       true},
      {"sendto on a connected socket goes where it is told (no EISCONN)",
       {0, 0, 0, 0, 2, 1},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const int peer = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto port = bind_lo4(t, peer);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         const auto b = sin4(loopback4, port);
         t.rec(t.sendto(fd, "to", 2, 0, sa(b), sizeof b));
         char buf[8];
         t.settle();
         t.rec(t.recv(peer, buf, sizeof buf, 0) == 2 ? 1 : 0);
       }},
      {"sendmsg: more than UIO_MAXIOV iovecs -> EMSGSIZE; recvmsg too",
       {0, -EMSGSIZE, -EMSGSIZE},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         std::vector<iovec> v(1025, iovec{const_cast<char*>("x"), 1});
         const auto a = sin4(loopback4, 9);
         auto m = message(&a, sizeof a, v.data(), v.size());
         t.rec(t.sendmsg(fd, &m, 0));
         t.rec(t.recvmsg(fd, &m, 0));
       }},
      {"sendmsg: msg_namelen 0 is no address; sendto's address of length 0 is refused",
       {0, -EDESTADDRREQ, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         auto a = sin4(loopback4, 9);
         iovec v{const_cast<char*>("x"), 1};
         const auto m = message(&a, 0, &v, 1);
         t.rec(t.sendmsg(fd, &m, 0));
         t.rec(t.sendto(fd, "x", 1, 0, sa(a), 0));
       }},
      {"sendmsg / recvmsg: msg_namelen above sockaddr_storage is cut to it",
       {0, 0, 1, 1, 16},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto port = bind_lo4(t, fd);
         sockaddr_storage names[2] = {};
         const auto a = sin4(loopback4, port);
         std::memcpy(&names[0], &a, sizeof a);
         char b[4] = {'x'};
         iovec v{b, 1};
         auto m = message(&names[0], sizeof names, &v, 1);
         t.rec(t.sendmsg(fd, &m, 0));
         t.settle();
         m.msg_namelen = sizeof names;
         t.rec(t.recvmsg(fd, &m, 0));
         t.rec(m.msg_namelen);
       }},
      {"sendmsg / recvmsg: negative msg_namelen -> EINVAL before anything else",
       {0, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         auto a = sin4(loopback4, 9);
         std::vector<iovec> v(1025, iovec{const_cast<char*>("x"), 1});
         // Also too many iovecs: the name is looked at first.
         auto m = message(&a, static_cast<socklen_t>(-1), v.data(), v.size());
         t.rec(t.sendmsg(fd, &m, 0));
         t.rec(t.recvmsg(fd, &m, 0));
       }},
      {"sendmsg: msg_controllen over INT_MAX -> ENOBUFS",
       {0, -ENOBUFS},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         char control[64] = {};
         iovec v{const_cast<char*>("x"), 1};
         const auto a = sin4(loopback4, 9);
         const auto m = message(&a, sizeof a, &v, 1, control, static_cast<std::size_t>(INT_MAX) + 1);
         t.rec(t.sendmsg(fd, &m, 0));
       }},
      {"send: over 65507 bytes (IPv4) -> EMSGSIZE",
       {0, 65507, -EMSGSIZE, -EMSGSIZE},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const std::vector<char> big(70000, 'x');
         const auto a = sin4(loopback4, 9);
         t.rec(t.sendto(fd, big.data(), 65507, 0, sa(a), sizeof a));
         t.rec(t.sendto(fd, big.data(), 65508, 0, sa(a), sizeof a));
         t.rec(t.sendto(fd, big.data(), 70000, 0, sa(a), sizeof a));
       }},
      {"send: over 65527 bytes (IPv6) -> EMSGSIZE",
       {0, 65527, -EMSGSIZE},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         const std::vector<char> big(70000, 'x');
         const auto a = sin6(loopback6, 9);
         t.rec(t.sendto(fd, big.data(), 65527, 0, sa(a), sizeof a));
         t.rec(t.sendto(fd, big.data(), 65528, 0, sa(a), sizeof a));
       },
       nullptr,
       true},
      {"send: MSG_OOB -> EOPNOTSUPP (IPv4 only)",
       {0, -EOPNOTSUPP, 0, 1, -EOPNOTSUPP},
       [](SocketApi& t) {
         const auto a = sin4(loopback4, 9);
         t.rec(t.sendto(t.open(AF_INET, SOCK_DGRAM), "x", 1, MSG_OOB, sa(a), sizeof a));
         const int fd6 = t.open(AF_INET6, SOCK_DGRAM);
         const auto b = sin6(loopback6, 9);
         t.rec(t.sendto(fd6, "x", 1, MSG_OOB, sa(b), sizeof b));
         const auto m = sin6(v4_mapped(loopback4), 9);
         t.rec(t.sendto(fd6, "x", 1, MSG_OOB, sa(m), sizeof m));
       },
       nullptr,
       true},
      // shutdown
      {"shutdown: bad how -> EINVAL; unconnected -> ENOTCONN",
       {0, -EINVAL, -EINVAL, -ENOTCONN},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.rec(t.shutdown(fd, 3));
         t.rec(t.shutdown(fd, -1));
         t.rec(t.shutdown(fd, SHUT_RD));
       }},
      {"send after SHUT_WR -> EPIPE (no signal)",
       {0, 0, 0, -EPIPE, -EPIPE},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         t.rec(t.shutdown(fd, SHUT_WR));
         t.rec(t.send(fd, "x", 1, 0));
         t.rec(t.sendto(fd, "x", 1, 0, sa(a), sizeof a));
       }},
      {"recv after SHUT_RD: EAGAIN non-blocking, 0 blocking",
       {0, 0, 0, -EAGAIN, 0, 0, 0, 0},
       [](SocketApi& t) {
         const int nb = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(nb, sa(a), sizeof a));
         t.rec(t.shutdown(nb, SHUT_RD));
         char b[4];
         t.rec(t.recv(nb, b, sizeof b, 0));
         const int bl = t.open(AF_INET, SOCK_DGRAM);
         t.rec(t.connect(bl, sa(a), sizeof a));
         t.rec(t.shutdown(bl, SHUT_RD));
         t.rec(t.recv(bl, b, sizeof b, 0));
       }},
      // recv
      {"recv: nothing queued -> EAGAIN (MSG_DONTWAIT, non-blocking, MSG_ERRQUEUE)",
       {0, -EAGAIN, 0, -EAGAIN, -EAGAIN},
       [](SocketApi& t) {
         char b[4];
         t.rec(t.recv(t.open(AF_INET, SOCK_DGRAM), b, sizeof b, MSG_DONTWAIT));
         const int nb = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         t.rec(t.recv(nb, b, sizeof b, 0));
         t.rec(t.recv(nb, b, sizeof b, MSG_ERRQUEUE));
       }},
      {"recvfrom: negative address length -> EINVAL once a datagram was taken",
       {0, -EAGAIN, 0, 1, -EINVAL, -EAGAIN},
       [](SocketApi& t) {
         // LINUX __sys_recvfrom: the length is read when the address is written back.
         char b[4];
         sockaddr_storage ss{};
         socklen_t n = static_cast<socklen_t>(-1);
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         t.rec(t.recvfrom(fd, b, sizeof b, 0, sa(ss), &n));
         const auto a = sin4(loopback4, bind_lo4(t, fd));
         t.rec(t.sendto(fd, "x", 1, 0, sa(a), sizeof a));
         t.settle();
         t.rec(t.recvfrom(fd, b, sizeof b, 0, sa(ss), &n));
         t.rec(t.recv(fd, b, sizeof b, 0));  // the datagram went with the failed call
       }},
      {"connect with a bad address still gives the socket a port (LINUX inet_dgram_connect)",
       {0, -EAFNOSUPPORT, 1, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto b = sin6(loopback6, 9);
         t.rec(t.connect(fd, sa(b), sizeof b));
         t.rec(t.port_of(fd) != 0 ? 1 : 0);
         const auto a = sin4(loopback4, 0);
         t.rec(t.bind(fd, sa(a), sizeof a));
       }},
      // getsockname / getpeername
      {"getpeername unconnected -> ENOTCONN; getsockname unbound is 0.0.0.0:0",
       {0, -ENOTCONN, 0, 16, 0},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         sockaddr_storage ss{};
         socklen_t n = sizeof ss;
         t.rec(t.getpeername(fd, sa(ss), &n));
         n = sizeof ss;
         t.rec(t.getsockname(fd, sa(ss), &n));
         t.rec(n);
         t.rec(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
       }},
      {"getsockname: a short buffer gets the start, the length says the whole",
       {0, 0, 0, 0, 16, 28},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         bind_lo4(t, fd);
         sockaddr_storage ss{};
         socklen_t n = 2;  // the family only
         t.rec(t.getsockname(fd, sa(ss), &n));
         t.rec(reinterpret_cast<const sockaddr_in&>(ss).sin_port);  // not written
         t.rec(n);
         const int fd6 = t.socket(AF_INET6, SOCK_DGRAM, 0);
         t.opened.push_back(fd6);
         n = 0;
         t.getsockname(fd6, sa(ss), &n);
         t.rec(n);
       },
       nullptr,
       true},
      // ECONNREFUSED through loopback: the ICMP port unreachable the host sends itself.
      {"send to a closed loopback port: the next call -> ECONNREFUSED",
       {0, 0, 0, 1, -ECONNREFUSED, 1, -ECONNREFUSED, -EAGAIN},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const int closed = t.socket(AF_INET, SOCK_DGRAM, 0);  // a port nobody holds once closed
         const auto port = bind_lo4(t, closed);
         t.close(closed);
         const auto a = sin4(loopback4, port);
         t.rec(t.connect(fd, sa(a), sizeof a));
         t.rec(t.send(fd, "x", 1, 0));
         t.settle();
         t.rec(t.send(fd, "x", 1, 0));
         t.rec(t.send(fd, "x", 1, 0));
         t.settle();
         char b[4];
         t.rec(t.recv(fd, b, sizeof b, 0));
         t.rec(t.recv(fd, b, sizeof b, 0));
       }},
  };
  check_rows(*this, rows);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// SOCK-2: bind

BOOST_AUTO_TEST_SUITE(SOCK_bind)

BOOST_FIXTURE_TEST_CASE(SOCK_2_errno_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"bind IPv4: loopback, any, multicast, broadcast",
       {0, 0, 0, 0, 0, 0, 0, 0},
       [](SocketApi& t) {
         bind_lo4(t, t.open(AF_INET, SOCK_DGRAM));
         for (const auto a : {wire::Ipv4Address{}, wire::Ipv4Address{{224, 0, 0, 1}}, limited_broadcast4}) {
           const auto s = sin4(a, 0);
           t.rec(t.bind(t.open(AF_INET, SOCK_DGRAM), sa(s), sizeof s));
         }
       }},
      {"bind IPv4: non-local address -> EADDRNOTAVAIL",
       {0, -EADDRNOTAVAIL},
       [](SocketApi& t) {
         const auto s = sin4(nonlocal4, 0);
         t.rec(t.bind(t.open(AF_INET, SOCK_DGRAM), sa(s), sizeof s));
       }},
      {"bind IPv4: already bound -> EINVAL",
       {0, 0, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         bind_lo4(t, fd);
         bind_lo4(t, fd);
         const auto s = sin4({}, 0);
         t.rec(t.bind(fd, sa(s), sizeof s));
       }},
      {"bind IPv4: autobound by connect -> EINVAL",
       {0, 0, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         bind_lo4(t, fd);
       }},
      {"bind IPv4: short address -> EINVAL, checked before the family",
       {0, -EINVAL, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto s = sin4(loopback4, 0);
         t.rec(t.bind(fd, sa(s), sizeof s - 1));
         t.rec(t.bind(fd, sa(s), 0));
         const auto b = sin6(loopback6, 0);
         t.rec(t.bind(fd, sa(b), sizeof(sockaddr_in) - 1));
       }},
      {"bind IPv4: wrong family -> EAFNOSUPPORT; AF_UNSPEC only with INADDR_ANY",
       {0, -EAFNOSUPPORT, -EAFNOSUPPORT, 0, 0},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto b = sin6(loopback6, 0);
         t.rec(t.bind(fd, sa(b), sizeof b));
         auto u = sin4(loopback4, 0);
         u.sin_family = AF_UNSPEC;
         t.rec(t.bind(fd, sa(u), sizeof u));
         auto any = sin4({}, 0);
         any.sin_family = AF_UNSPEC;
         t.rec(t.bind(t.open(AF_INET, SOCK_DGRAM), sa(any), sizeof any));
       }},
      {"bind: overlong address -> EINVAL; null address -> EFAULT",
       {0, -EINVAL, -EFAULT},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         sockaddr_storage big[2] = {};
         const auto s = sin4(loopback4, 0);
         std::memcpy(&big[0], &s, sizeof s);
         t.rec(t.bind(fd, sa(big[0]), sizeof(sockaddr_storage) + 1));
         t.rec(t.bind(fd, nullptr, sizeof(sockaddr_in)));
       }},
      {"bind IPv4: port in use -> EADDRINUSE",
       {0, 0, 0, -EADDRINUSE, 0, -EADDRINUSE},
       [](SocketApi& t) {
         const auto port = bind_lo4(t, t.open(AF_INET, SOCK_DGRAM));
         bind_lo4(t, t.open(AF_INET, SOCK_DGRAM), port);
         const auto any = sin4({}, port);
         t.rec(t.bind(t.open(AF_INET, SOCK_DGRAM), sa(any), sizeof any));
       }},
      {"bind IPv4: SO_REUSEADDR on both shares the port; on one only it does not",
       {0, 0, 0, 0, 0, 0, 0, -EADDRINUSE},
       [](SocketApi& t) {
         const int a = t.open(AF_INET, SOCK_DGRAM);
         t.set_int(a, SOL_SOCKET, SO_REUSEADDR, 1);
         const auto port = bind_lo4(t, a);
         const int b = t.open(AF_INET, SOCK_DGRAM);
         t.set_int(b, SOL_SOCKET, SO_REUSEADDR, 1);
         bind_lo4(t, b, port);
         bind_lo4(t, t.open(AF_INET, SOCK_DGRAM), port);
       }},
      {"bind IPv4: SO_REUSEPORT on both shares the port",
       {0, 0, 0, 0, 0, 0},
       [](SocketApi& t) {
         const int a = t.open(AF_INET, SOCK_DGRAM);
         t.set_int(a, SOL_SOCKET, SO_REUSEPORT, 1);
         const auto port = bind_lo4(t, a);
         const int b = t.open(AF_INET, SOCK_DGRAM);
         t.set_int(b, SOL_SOCKET, SO_REUSEPORT, 1);
         bind_lo4(t, b, port);
       }},
      {"bind IPv4: different specific addresses share a port",
       {0, 0, 0, 0},
       [](SocketApi& t) {
         const auto port = bind_lo4(t, t.open(AF_INET, SOCK_DGRAM));
         const auto other = sin4({{127, 0, 0, 2}}, port);
         t.rec(t.bind(t.open(AF_INET, SOCK_DGRAM), sa(other), sizeof other));
       }},
      {"bind IPv6: short address -> EINVAL; wrong family -> EAFNOSUPPORT",
       {0, -EINVAL, -EINVAL, -EAFNOSUPPORT, 0},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         const auto s = sin6(loopback6, 0);
         t.rec(t.bind(fd, sa(s), 23));
         const auto four = sin4(loopback4, 0);
         t.rec(t.bind(fd, sa(four), sizeof four));
         const auto l = long_sin4(loopback4, 0);
         t.rec(t.bind(fd, long_sa(l), sizeof l));
         t.rec(t.bind(fd, sa(s), 24));  // RFC 2133's sockaddr_in6, without sin6_scope_id
       },
       nullptr,
       true},
      {"bind IPv6: ::1, ::, v4-mapped; non-local -> EADDRNOTAVAIL",
       {0, 0, 0, 0, 0, 0, 0, -EADDRNOTAVAIL, 0, -EADDRNOTAVAIL},
       [](SocketApi& t) {
         bind_lo6(t, t.open(AF_INET6, SOCK_DGRAM));
         for (const auto& a : {wire::Ipv6Address{}, v4_mapped(loopback4), nonlocal6, v4_mapped(nonlocal4)}) {
           const auto s = sin6(a, 0);
           t.rec(t.bind(t.open(AF_INET6, SOCK_DGRAM), sa(s), sizeof s));
         }
       },
       nullptr,
       true},
      {"bind IPv6: v4-mapped on an IPV6_V6ONLY socket -> EINVAL",
       {0, 0, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.set_int(fd, SOL_IPV6, IPV6_V6ONLY, 1);
         const auto s = sin6(v4_mapped(loopback4), 0);
         t.rec(t.bind(fd, sa(s), sizeof s));
       },
       nullptr,
       true},
      {"bind IPv6: link-local without an interface -> EINVAL; unknown interface -> ENODEV",
       {0, -EINVAL, -ENODEV},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         const auto s = sin6(link_local6, 0);
         t.rec(t.bind(fd, sa(s), sizeof s));
         const auto scoped = sin6(link_local6, 0, 4242);
         t.rec(t.bind(fd, sa(scoped), sizeof scoped));
       },
       nullptr,
       true},
      {"bind: IPv4 and dual-stack IPv6 on one port clash; IPV6_V6ONLY does not",
       {0, 0, 0, -EADDRINUSE, 0, 0, 0},
       [](SocketApi& t) {
         const int v4 = t.open(AF_INET, SOCK_DGRAM);
         const auto any4 = sin4({}, 0);
         t.rec(t.bind(v4, sa(any4), sizeof any4));
         const auto port = t.port_of(v4);
         const auto any6 = sin6({}, port);
         t.rec(t.bind(t.open(AF_INET6, SOCK_DGRAM), sa(any6), sizeof any6));
         const int only = t.open(AF_INET6, SOCK_DGRAM);
         t.set_int(only, SOL_IPV6, IPV6_V6ONLY, 1);
         t.rec(t.bind(only, sa(any6), sizeof any6));
       },
       nullptr,
       true},
      {"bind IPv6: port in use -> EADDRINUSE",
       {0, 0, 0, -EADDRINUSE},
       [](SocketApi& t) {
         const auto port = bind_lo6(t, t.open(AF_INET6, SOCK_DGRAM));
         bind_lo6(t, t.open(AF_INET6, SOCK_DGRAM), port);
       },
       nullptr,
       true},
  };
  check_rows(*this, rows);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// SOCK-4: readiness

BOOST_AUTO_TEST_SUITE(SOCK_poll)

namespace {
constexpr short all_events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | POLLWRNORM | POLLWRBAND;
constexpr short writable = POLLOUT | POLLWRNORM | POLLWRBAND;
constexpr short readable = POLLIN | POLLRDNORM;
}  // namespace

BOOST_FIXTURE_TEST_CASE(SOCK_4_readiness_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"fresh socket: writable",
       {0, writable, 0, writable},
       [](SocketApi& t) {
         t.rec(t.revents(t.open(AF_INET, SOCK_DGRAM), all_events));
         t.rec(t.revents(t.open(AF_INET6, SOCK_DGRAM), all_events));
       },
       nullptr,
       true},
      {"only what was asked, but POLLERR / POLLHUP always",
       {0, 0, 0, POLLHUP},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.rec(t.revents(fd, POLLIN));
         t.rec(t.shutdown(fd, SHUT_RDWR) == -ENOTCONN ? 0 : 1);
         t.rec(t.revents(fd, 0));
       }},
      {"a datagram queued: readable; read: not",
       {0, 0, 1, writable | readable, 1, writable},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto port = bind_lo4(t, fd);
         const auto a = sin4(loopback4, port);
         t.rec(t.sendto(fd, "x", 1, 0, sa(a), sizeof a));
         t.rec(t.revents(fd, all_events));
         char b[4];
         t.rec(t.recv(fd, b, sizeof b, 0));
         t.rec(t.revents(fd, all_events));
       }},
      {"an empty datagram is readable",
       {0, 0, 0, writable | readable, 0},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto port = bind_lo4(t, fd);
         const auto a = sin4(loopback4, port);
         t.rec(t.sendto(fd, "", 0, 0, sa(a), sizeof a));
         t.rec(t.revents(fd, all_events));
         char b[4];
         t.rec(t.recv(fd, b, sizeof b, 0));
       }},
      {"SHUT_RD: POLLRDHUP | POLLIN; SHUT_RDWR adds POLLHUP",
       {0, 0, 0, writable | readable | POLLRDHUP, 0, writable | readable | POLLRDHUP | POLLHUP},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         t.rec(t.shutdown(fd, SHUT_RD));
         t.rec(t.revents(fd, all_events));
         t.rec(t.shutdown(fd, SHUT_WR));
         t.rec(t.revents(fd, all_events));
       }},
      {"SHUT_WR alone changes nothing",
       {0, 0, 0, writable},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         t.rec(t.shutdown(fd, SHUT_WR));
         t.rec(t.revents(fd, all_events));
       }},
      {"shutdown of an unconnected socket still counts for poll",
       {0, -ENOTCONN, writable | readable | POLLRDHUP, -ENOTCONN, writable | readable | POLLRDHUP | POLLHUP},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         t.rec(t.shutdown(fd, SHUT_RD));
         t.rec(t.revents(fd, all_events));
         t.rec(t.shutdown(fd, SHUT_WR));
         t.rec(t.revents(fd, all_events));
       }},
      {"a pending error: POLLERR until reported",
       {0, 0, 1, writable | POLLERR, ECONNREFUSED, 4, writable},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const int closed = t.socket(AF_INET, SOCK_DGRAM, 0);
         const auto port = bind_lo4(t, closed);
         t.close(closed);
         t.results.pop_back();  // the bind's result: not part of what is compared
         const auto a = sin4(loopback4, port);
         t.rec(t.connect(fd, sa(a), sizeof a));
         t.rec(t.send(fd, "x", 1, 0));
         t.rec(t.revents(fd, all_events));
         t.get_int(fd, SOL_SOCKET, SO_ERROR);
         t.rec(t.revents(fd, all_events));
       }},
      {"a corked datagram holding half of SO_SNDBUF or more: not writable until it goes",
       {0, 0, 0, 0, 0, 100, writable, 4000, 0, 0, writable, 3},
       [](SocketApi& t) {
         const int rx = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto to = sin4(loopback4, bind_lo4(t, rx));
         const int fd = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         t.set_int(fd, SOL_SOCKET, SO_SNDBUF, 1);  // 4608: writable below 2304 bytes charged
         t.rec(t.connect(fd, sa(to), sizeof to));
         const std::string big(4000, 'x');
         t.rec(t.send(fd, big.data(), 100, MSG_MORE));
         t.rec(t.revents(fd, all_events));
         t.rec(t.send(fd, big.data(), big.size(), MSG_MORE));
         t.rec(t.revents(fd, all_events));
         t.set_int(fd, SOL_UDP, UDP_CORK, 0);  // it goes
         t.rec(t.revents(fd, all_events));
         char b[8];
         t.rec(t.recv(rx, b, sizeof b, MSG_DONTWAIT) == sizeof b ? 3 : 0);
       }},
      {"poll: a descriptor not open -> POLLNVAL; a negative one is skipped",
       {POLLNVAL, 1, 0, 0},
       [](SocketApi& t) {
         pollfd p[2] = {{HostSocketApi::unused_fd, POLLIN, 0}, {-1, POLLIN, 0}};
         const int n = t.poll(p, 2);
         t.rec(p[0].revents);
         t.rec(n);
         t.rec(p[1].revents);
         t.rec(0);
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(SOCK_4_readiness_callback_on_every_change, SocketFixture) {
  const int fd = udp4_bound(7000);
  notified.clear();
  inject(udp4_from_peer(5000, 7000, "data"));
  BOOST_TEST(notified == std::vector<int>{fd});
  BOOST_TEST(revents(fd) == (POLLIN | POLLOUT));
  notified.clear();
  BOOST_TEST(sockets.shutdown(fd, SHUT_RD) == -ENOTCONN);
  BOOST_TEST(notified == std::vector<int>{fd});
  BOOST_TEST(revents(fd, POLLIN | POLLRDHUP) == (POLLIN | POLLRDHUP));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// SOCK-5: options

BOOST_AUTO_TEST_SUITE(SOCK_options)

BOOST_FIXTURE_TEST_CASE(SOCK_5_errno_matches_host_kernel, HostLike) {
  // LINUX sock_setsockopt: min(value as u32, *mem_max) doubled, at least SOCK_MIN_RCVBUF / SNDBUF.
  const auto limits = host_like().sockets;
  // SO_RCVBUF / SO_SNDBUF read, then set to 4096, 1, 0, -1 and 1 << 30 and read each time.
  const auto buffer_row = [](const char* what, int name, long initial, long max, long floor) {
    std::vector<long> expected{0, initial, 4};
    for (const long got : {8192L, floor, floor, 2 * max, 2 * max})
      expected.insert(expected.end(), {0, got, 4});
    return Row{what, expected, [name](SocketApi& t) {
                 const int fd = t.open(AF_INET, SOCK_DGRAM);
                 t.get_int(fd, SOL_SOCKET, name);
                 for (const int v : {4096, 1, 0, -1, 1 << 30}) {
                   t.set_int(fd, SOL_SOCKET, name, v);
                   t.get_int(fd, SOL_SOCKET, name);
                 }
               }};
  };
  const std::vector<Row> rows = {
      {"SO_ERROR: 0; read-only -> ENOPROTOOPT",
       {0, 0, 4, -ENOPROTOOPT},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.get_int(fd, SOL_SOCKET, SO_ERROR);
         t.set_int(fd, SOL_SOCKET, SO_ERROR, 1);
       }},
      {"SO_TYPE / SO_DOMAIN / SO_PROTOCOL / SO_ACCEPTCONN",
       {0, SOCK_DGRAM, 4, AF_INET6, 4, IPPROTO_UDP, 4, 0, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_int(fd, SOL_SOCKET, SO_TYPE);
         t.get_int(fd, SOL_SOCKET, SO_DOMAIN);
         t.get_int(fd, SOL_SOCKET, SO_PROTOCOL);
         t.get_int(fd, SOL_SOCKET, SO_ACCEPTCONN);
       },
       nullptr,
       true},
      buffer_row("SO_RCVBUF: default; doubled; floor; capped at rmem_max", SO_RCVBUF, limits.rmem_default,
                 limits.rmem_max, 2304),
      buffer_row("SO_SNDBUF: default; doubled; floor; capped at wmem_max", SO_SNDBUF, limits.wmem_default,
                 limits.wmem_max, 4608),
      {"SO_REUSEADDR / SO_KEEPALIVE / SO_BROADCAST: any non-zero is 1",
       {0, 0, 4, 0, 1, 4, 0, 0, 4, 0, 1, 4, 0, 0, 4, 0, 1, 4, 0, 0, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         for (const int name : {SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST}) {
           t.get_set_get(fd, SOL_SOCKET, name, 7);
           t.set_int(fd, SOL_SOCKET, name, name == SO_BROADCAST ? 1 : 0);
         }
         // The last set of SO_KEEPALIVE and SO_REUSEADDR was 0.
         t.get_int(fd, SOL_SOCKET, SO_KEEPALIVE);
       }},
      {"SOL_SOCKET: optlen below an int -> EINVAL",
       {0, -EINVAL, -EINVAL, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const int one = 1;
         for (const int name : {SO_REUSEADDR, SO_RCVBUF, SO_BROADCAST})
           t.rec(t.setsockopt(fd, SOL_SOCKET, name, &one, sizeof one - 1));
         t.rec(t.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, 0));
       }},
      {"SO_LINGER: struct linger; shorter -> EINVAL",
       {0, 0, 0, 8, 0, 0, 1, 5, 8, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         linger l{};
         socklen_t n = sizeof l;
         t.rec(t.getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &n));
         t.rec(l.l_onoff);
         t.rec(n);
         l = {1, 5};
         t.rec(t.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l));
         l = {};
         t.rec(t.getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &n));
         t.rec(l.l_onoff);
         t.rec(l.l_linger);
         t.rec(n);
         t.rec(t.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(int)));
       }},
      {"getsockopt: negative optlen -> EINVAL; 0 gives 0 bytes",
       {0, -EINVAL, 0, 0},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         int v = 0;
         socklen_t n = static_cast<socklen_t>(-1);
         t.rec(t.getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &n));
         n = 0;
         t.rec(t.getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &n));
         t.rec(n);
       }},
      {"TCP_NODELAY / TCP_MAXSEG on UDP: set -> ENOPROTOOPT; get -> EOPNOTSUPP (IPv4), ENOPROTOOPT (IPv6)",
       {0, -ENOPROTOOPT, -ENOPROTOOPT, -EOPNOTSUPP, 0, -ENOPROTOOPT, -ENOPROTOOPT},
       [](SocketApi& t) {
         // LINUX udp_getsockopt hands other levels to do_ip_getsockopt (EOPNOTSUPP),
         // udpv6_getsockopt to ipv6_getsockopt (ENOPROTOOPT).
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.set_int(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, 1);
         t.set_int(fd, IPPROTO_TCP, 2 /* TCP_MAXSEG */, 1000);
         t.get_int(fd, IPPROTO_TCP, 1);
         const int fd6 = t.open(AF_INET6, SOCK_DGRAM);
         t.set_int(fd6, IPPROTO_TCP, 1, 1);
         t.get_int(fd6, IPPROTO_TCP, 2);
       },
       nullptr,
       true},
      {"unknown options -> ENOPROTOOPT at every level",
       std::vector<long>{0, -ENOPROTOOPT, -ENOPROTOOPT, -ENOPROTOOPT, -ENOPROTOOPT, -ENOPROTOOPT,
                         -ENOPROTOOPT, -ENOPROTOOPT, -ENOPROTOOPT},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         for (const int level : {SOL_SOCKET, SOL_IP, SOL_IPV6, SOL_UDP}) {
           t.set_int(fd, level, 9999, 1);
           t.get_int(fd, level, 9999);
         }
       },
       nullptr, true},
      {"IPPROTO_IPV6 on an IPv4 socket: set -> ENOPROTOOPT; get -> EOPNOTSUPP",
       {0, -ENOPROTOOPT, -EOPNOTSUPP},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.set_int(fd, SOL_IPV6, IPV6_V6ONLY, 1);
         t.get_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS);
       }},
      {"IP_TTL: 1..255, -1 for the default, else EINVAL",
       {0, 64, 4, 0, 1, 4, 0, 255, 4, -EINVAL, -EINVAL, -EINVAL, 0, 64, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IP, IP_TTL, 1);
         t.set_int(fd, SOL_IP, IP_TTL, 255);
         t.get_int(fd, SOL_IP, IP_TTL);
         t.set_int(fd, SOL_IP, IP_TTL, 0);
         t.set_int(fd, SOL_IP, IP_TTL, 256);
         t.set_int(fd, SOL_IP, IP_TTL, -2);
         t.set_int(fd, SOL_IP, IP_TTL, -1);
         t.get_int(fd, SOL_IP, IP_TTL);
       }},
      {"IP_TTL: a one-byte value; a one-byte read",
       {0, 0, 0, 9, 1, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const unsigned char nine = 9;
         t.rec(t.setsockopt(fd, SOL_IP, IP_TTL, &nine, 1));
         unsigned char got = 0;
         socklen_t n = 1;
         t.rec(t.getsockopt(fd, SOL_IP, IP_TTL, &got, &n));
         t.rec(got);
         t.rec(n);
         t.rec(t.setsockopt(fd, SOL_IP, IP_TTL, &nine, 0));
       }},
      {"IP_TOS: the low byte is kept",
       {0, 0, 4, 0, 0xff, 4, 0, 0x10, 4, 0, 0x40, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IP, IP_TOS, 0x1ff);
         t.set_int(fd, SOL_IP, IP_TOS, 0x10);
         t.get_int(fd, SOL_IP, IP_TOS);
         const unsigned char b = 0x40;
         t.rec(t.setsockopt(fd, SOL_IP, IP_TOS, &b, 1));
         t.get_int(fd, SOL_IP, IP_TOS);
       }},
      {"IP_OPTIONS: set, read back padded, cleared; bad -> EINVAL",
       {0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0,       0,       12, 7, 11,
        4, 0, 0, 0, 0, 0, 0, 0, 0, 0, -EINVAL, -EINVAL, 0,  0, 0},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         unsigned char got[64] = {};
         socklen_t n = sizeof got;
         t.rec(t.getsockopt(fd, SOL_IP, IP_OPTIONS, got, &n));
         t.rec(n);
         const unsigned char nop[] = {1};
         t.rec(t.setsockopt(fd, SOL_IP, IP_OPTIONS, nop, sizeof nop));
         n = sizeof got;
         t.rec(t.getsockopt(fd, SOL_IP, IP_OPTIONS, got, &n));
         t.rec(n);
         for (socklen_t i = 0; i < n && i < 8; ++i) t.rec(got[i]);
         // Record route with 2 slots.
         const unsigned char rr[] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0};
         t.rec(t.setsockopt(fd, SOL_IP, IP_OPTIONS, rr, sizeof rr));
         n = sizeof got;
         t.rec(t.getsockopt(fd, SOL_IP, IP_OPTIONS, got, &n));
         t.rec(n);
         for (socklen_t i = 0; i < n && i < 12; ++i) t.rec(got[i]);
         const unsigned char bad_length[] = {7, 2, 4, 0};
         t.rec(t.setsockopt(fd, SOL_IP, IP_OPTIONS, bad_length, sizeof bad_length));
         const unsigned char too_long[44] = {1, 1, 1, 1};
         t.rec(t.setsockopt(fd, SOL_IP, IP_OPTIONS, too_long, sizeof too_long));
         t.rec(t.setsockopt(fd, SOL_IP, IP_OPTIONS, nullptr, 0));
         n = sizeof got;
         t.rec(t.getsockopt(fd, SOL_IP, IP_OPTIONS, got, &n));
         t.rec(n);
       }},
      {"IP_PKTINFO / IP_RECVTTL / IP_RECVTOS: flags; on IPv6 sockets too",
       {0, 0, 4, 0, 1, 4, 0, 1, 4, 0, 1, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IP, IP_PKTINFO, 5);
         t.set_int(fd, SOL_IP, IP_RECVTTL, 1);
         t.get_int(fd, SOL_IP, IP_RECVTTL);
         t.set_int(fd, SOL_IP, IP_RECVTOS, 1);
         t.get_int(fd, SOL_IP, IP_RECVTOS);
       },
       nullptr,
       true},
      {"IPV6_V6ONLY: before bind only",
       {0, 0, 4, 0, 1, 4, 0, -EINVAL, 1, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IPV6, IPV6_V6ONLY, 1);
         bind_lo6(t, fd);
         t.set_int(fd, SOL_IPV6, IPV6_V6ONLY, 0);
         t.get_int(fd, SOL_IPV6, IPV6_V6ONLY);
       },
       nullptr,
       true},
      {"IPV6_V6ONLY: binding to a specific IPv6 address implies it",
       {0, 0, 1, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         bind_lo6(t, fd);
         t.get_int(fd, SOL_IPV6, IPV6_V6ONLY);
       },
       nullptr,
       true},
      {"IPV6_UNICAST_HOPS: -1..255, else EINVAL; optlen below an int -> EINVAL",
       {0, 64, 4, 0, 0, 4, 0, 255, 4, -EINVAL, -EINVAL, 0, 64, 4, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IPV6, IPV6_UNICAST_HOPS, 0);
         t.set_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS, 255);
         t.get_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS);
         t.set_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS, 256);
         t.set_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS, -2);
         t.set_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS, -1);
         t.get_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS);
         const unsigned char b = 5;
         t.rec(t.setsockopt(fd, SOL_IPV6, IPV6_UNICAST_HOPS, &b, 1));
       },
       nullptr,
       true},
      {"IPV6_RECVPKTINFO: a flag",
       {0, 0, 4, 0, 1, 4, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IPV6, IPV6_RECVPKTINFO, 3);
         const unsigned char b = 1;
         t.rec(t.setsockopt(fd, SOL_IPV6, IPV6_RECVPKTINFO, &b, 1));
       },
       nullptr,
       true},
      {"IP_MTU_DISCOVER: DONT..OMIT, else EINVAL; IP_MTU unconnected -> ENOTCONN",
       {0, IP_PMTUDISC_WANT, 4, 0, 5, 4, -EINVAL, -EINVAL, 0, 0, 4, -ENOTCONN},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.get_int(fd, SOL_IP, IP_MTU_DISCOVER);  // LINUX default with ip_no_pmtu_disc 0
         t.set_int(fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT);
         t.get_int(fd, SOL_IP, IP_MTU_DISCOVER);
         t.set_int(fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT + 1);
         t.set_int(fd, SOL_IP, IP_MTU_DISCOVER, -1);
         t.set_int(fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT);
         t.get_int(fd, SOL_IP, IP_MTU_DISCOVER);
         t.get_int(fd, SOL_IP, IP_MTU);
       }},
      {"IP_MTU connected: the route's MTU, at most IP_MAX_MTU (loopback's 65536 reads 65535)",
       {0, 0, 65535, 4, 0, 0, 65536, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const auto a = sin4(loopback4, 9);
         t.rec(t.connect(fd, sa(a), sizeof a));
         t.get_int(fd, SOL_IP, IP_MTU);
         const int fd6 = t.open(AF_INET6, SOCK_DGRAM);
         const auto b = sin6(loopback6, 9);
         t.rec(t.connect(fd6, sa(b), sizeof b));
         t.get_int(fd6, SOL_IPV6, IPV6_MTU);
       },
       nullptr,
       true},
      {"IP_RECVERR / IPV6_RECVERR: flags",
       {0, 0, 4, 0, 1, 4, 0, 4, 0, 1, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IP, IP_RECVERR, 1);
         t.get_set_get(fd, SOL_IPV6, IPV6_RECVERR, 1);
       },
       nullptr,
       true},
      {"IPV6_TCLASS: -1 is 0, 0..255, else EINVAL",
       {0, 0, 4, 0, 0xb8, 4, 0, 0, 4, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IPV6, IPV6_TCLASS, 0xb8);
         t.set_int(fd, SOL_IPV6, IPV6_TCLASS, -1);
         t.get_int(fd, SOL_IPV6, IPV6_TCLASS);
         t.set_int(fd, SOL_IPV6, IPV6_TCLASS, 256);
         t.set_int(fd, SOL_IPV6, IPV6_TCLASS, -2);
       },
       nullptr,
       true},
      {"IPV6_MTU_DISCOVER / IPV6_DONTFRAG",
       {0, 1, 4, 0, 3, 4, -EINVAL, 0, 4, 0, 1, 4},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET6, SOCK_DGRAM);
         t.get_set_get(fd, SOL_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE);
         t.set_int(fd, SOL_IPV6, IPV6_MTU_DISCOVER, 6);
         t.get_set_get(fd, SOL_IPV6, IPV6_DONTFRAG, 5);
       },
       nullptr,
       true},
      {"optlen above an int: the first int counts; a null value -> EFAULT",
       {0, 0, 1, 4, -EFAULT, -EFAULT},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const long long wide = 1;
         t.rec(t.setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &wide, sizeof wide));
         t.get_int(fd, SOL_SOCKET, SO_BROADCAST);
         t.rec(t.setsockopt(fd, SOL_SOCKET, SO_BROADCAST, nullptr, sizeof(int)));
         t.rec(t.setsockopt(fd, SOL_IP, IP_TTL, nullptr, sizeof(int)));
       }},
      {"IP_TOS / IP_PKTINFO with optlen 0 set 0; IP_TOS read into 2 bytes is one byte",
       {0, 0, 0, 0, 4, 0, 0, 0x20, 1},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         const int v = 0x20;
         t.rec(t.setsockopt(fd, SOL_IP, IP_TOS, &v, sizeof v));
         t.rec(t.setsockopt(fd, SOL_IP, IP_TOS, &v, 0));
         t.get_int(fd, SOL_IP, IP_TOS);
         t.rec(t.setsockopt(fd, SOL_IP, IP_TOS, &v, sizeof v));
         unsigned char two[2] = {0, 0};
         socklen_t n = 2;
         t.rec(t.getsockopt(fd, SOL_IP, IP_TOS, two, &n));
         t.rec(two[0]);
         t.rec(n);
       }},
      {"UDP_CORK / UDP_SEGMENT: ints; optlen below an int -> EINVAL",
       {0, 0, 4, 0, 1, 4, 0, 1400, 4, -EINVAL, -EINVAL},
       [](SocketApi& t) {
         const int fd = t.open(AF_INET, SOCK_DGRAM);
         t.get_set_get(fd, SOL_UDP, UDP_CORK, 9);
         t.set_int(fd, SOL_UDP, 103 /* UDP_SEGMENT */, 1400);
         t.get_int(fd, SOL_UDP, 103);
         t.set_int(fd, SOL_UDP, 103, 70000);
         const unsigned char b = 1;
         t.rec(t.setsockopt(fd, SOL_UDP, UDP_CORK, &b, 1));
       }},
  };
  check_rows(*this, rows);
}

BOOST_AUTO_TEST_SUITE_END()
