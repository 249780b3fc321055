#pragma once

// What the TCP suites share (tcp_state_test.cpp, tcp_close_test.cpp,
// tcp_test.cpp): the stack of StackFixture with a socket::Sockets on it, and
// the bench as the remote TCP. The bench crafts the peer's segments (flags,
// sequence numbers relative to the connection's own, options, payload) and
// reads the segments the stack sends back as values, compared whole.
//
//   BOOST_FIXTURE_TEST_CASE(TCP_RST_1_..., TcpFixture) {
//     TcpPeer p = passive_open();                  // the stack listens on 80, the bench connects
//     p.send(p.segment("R").seq(p.snd_nxt + 10));  // a RST in the window, not at RCV.NXT
//     BOOST_TEST(sent_segments() == segments(p.expect("A")));  // one challenge ACK, every field
//     BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
//   }
//
// Sequence numbers are the bench's view: snd_nxt is what the peer sends next,
// rcv_nxt what it expects from the stack (the stack's SND.NXT), so
// p.expect("A") is the ACK the stack sends when nothing changed. Time is
// virtual and starts at 0: the stack's TSval is the time in milliseconds.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hardstack/harness/builders.hpp"
#include "hardstack/harness/dut_scenarios.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/tcp.hpp"
#include "stack_fixture.hpp"

namespace hardstack::socket {
inline std::ostream& operator<<(std::ostream& os, TransportDropReason r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, const std::optional<TransportDropReason>& r) {
  return r ? os << to_string(*r) : os << "(none)";
}
}  // namespace hardstack::socket

namespace hardstack::wire {
// Scapy's letters, FSRPAUEC order ("SA"); "." for none.
inline std::string flag_letters(TcpFlags f) {
  std::string out;
  const char* letters = "FSRPAUEC";
  for (int i = 0; i < 8; ++i)
    if ((f.bits() & (1u << i)) != 0) out += letters[i];
  return out.empty() ? "." : out;
}
inline std::ostream& operator<<(std::ostream& os, TcpFlags f) { return os << flag_letters(f); }
}  // namespace hardstack::wire

namespace hardstack::conformance {

using wire::flag_letters;

inline constexpr std::uint16_t bench_port = 40000;  // the peer's port
inline constexpr std::uint16_t listen_port = 80;    // where the stack listens
inline constexpr std::uint32_t bench_isn = 1000000;
inline constexpr std::uint16_t bench_mss = 1460;
// The stack's receive buffer (SocketConfig tcp_rmem_default) and what it advertises.
inline constexpr std::uint32_t stack_rcvbuf = 131072;
inline constexpr std::uint8_t stack_wscale = 7;

// ---- Segments as values ------------------------------------------------------------

// One TCP segment, the stack's or an expectation of one: every field compared.
struct TcpSegment {
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;  // 0 when ACK is not set, as the stack sends it
  wire::TcpFlags flags;
  std::uint16_t window = 0;
  wire::TcpOptions options;
  std::vector<std::byte> payload;

  bool operator==(const TcpSegment&) const = default;

  // Builders for expectations: p.expect("A").window(0).data("hello").
  TcpSegment with_seq(std::uint32_t v) const {
    return edit([&](TcpSegment& s) { s.seq = v; });
  }
  TcpSegment with_ack(std::uint32_t v) const {
    return edit([&](TcpSegment& s) { s.ack = v; });
  }
  TcpSegment with_window(std::uint16_t v) const {
    return edit([&](TcpSegment& s) { s.window = v; });
  }
  TcpSegment mss(std::uint16_t v) const {
    return edit([&](TcpSegment& s) { s.options.maximum_segment_size = v; });
  }
  TcpSegment wscale(std::uint8_t v) const {
    return edit([&](TcpSegment& s) { s.options.window_scale = wire::TcpWindowScale{v}; });
  }
  TcpSegment sack_permitted() const {
    return edit([&](TcpSegment& s) { s.options.sack_permitted = true; });
  }
  TcpSegment timestamps(std::uint32_t tsval, std::uint32_t tsecr) const {
    return edit([&](TcpSegment& s) { s.options.timestamps = wire::TcpTimestamps{tsval, tsecr}; });
  }
  TcpSegment sack(std::initializer_list<wire::TcpSackBlock> blocks) const {
    return edit([&](TcpSegment& s) {
      s.options.sack_blocks.clear();
      for (const auto& b : blocks) (void)s.options.sack_blocks.push_back(b);
    });
  }
  TcpSegment data(std::string_view text) const {
    return edit([&](TcpSegment& s) {
      s.payload.resize(text.size());
      if (!text.empty()) std::memcpy(s.payload.data(), text.data(), text.size());
    });
  }
  TcpSegment data(std::vector<std::byte> bytes) const {
    return edit([&](TcpSegment& s) { s.payload = std::move(bytes); });
  }

 private:
  template <typename F>
  TcpSegment edit(F f) const {
    TcpSegment s = *this;
    f(s);
    return s;
  }
};

inline std::ostream& operator<<(std::ostream& os, const TcpSegment& s) {
  os << s.sport << ">" << s.dport << " " << flag_letters(s.flags) << " seq=" << s.seq << " ack=" << s.ack
     << " win=" << s.window;
  const auto& o = s.options;
  if (o.maximum_segment_size) os << " mss=" << *o.maximum_segment_size;
  if (o.window_scale) os << " ws=" << unsigned{o.window_scale->shift};
  if (o.sack_permitted) os << " sackOK";
  if (o.timestamps) os << " ts=" << o.timestamps->tsval << "/" << o.timestamps->tsecr;
  for (const auto& b : o.sack_blocks) os << " sack=" << b.left << "-" << b.right;
  for (const auto& u : o.unknown) os << " opt" << unsigned{u.kind};
  os << " len=" << s.payload.size();
  if (!s.payload.empty() && s.payload.size() <= 32) {
    os << " '";
    for (const auto b : s.payload) {
      const auto ch = std::to_integer<unsigned char>(b);
      os << (ch >= 0x20 && ch < 0x7f ? static_cast<char>(ch) : '.');
    }
    os << "'";
  }
  return os;
}
// Segments in the order sent; a value of its own (not a container) so that
// BOOST_TEST(a == b) prints both lists whole when they differ.
struct Segments {
  std::vector<TcpSegment> list;
  std::size_t size() const { return list.size(); }
  bool empty() const { return list.empty(); }
  const TcpSegment& operator[](std::size_t i) const { return list.at(i); }
  const TcpSegment& front() const { return list.at(0); }
  const TcpSegment& back() const { return list.at(list.size() - 1); }
  bool operator==(const Segments&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const Segments& v) {
  os << "[" << v.size() << " segment" << (v.size() == 1 ? "" : "s");
  for (const auto& s : v.list) os << "\n    " << s;
  return os << "]";
}

// The list a test expects: BOOST_TEST(sent_segments() == segments(p.expect("A"))).
template <typename... S>
Segments segments(const S&... s) {
  return Segments{{s...}};
}

// ---- Socket addresses ----------------------------------------------------------

// The bench's addresses as the application names them (harness::scenarios::socket_address).
inline sockaddr_in tcp_sin4(const wire::Ipv4Address& a, std::uint16_t port) {
  return harness::scenarios::socket_address(a, port);
}
inline sockaddr_in6 tcp_sin6(const wire::Ipv6Address& a, std::uint16_t port) {
  return harness::scenarios::socket_address(a, port);
}
using harness::scenarios::as_sockaddr;

// What tcp_poll reports, by name (LINUX 6.x, read through KernelDut).
inline constexpr short all_events = POLLIN | POLLOUT | POLLRDHUP;                // what tests ask for
inline constexpr short closed_mask = POLLOUT | POLLHUP;                          // CLOSE, never connected
inline constexpr short peer_closed_mask = POLLIN | POLLOUT | POLLRDHUP;          // RCV_SHUTDOWN only
inline constexpr short both_shut_mask = POLLIN | POLLOUT | POLLHUP | POLLRDHUP;  // SHUTDOWN_MASK
inline constexpr short reset_mask = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP;  // reset, refused

// Poll bits as text, for messages: "IN OUT HUP".
inline std::string poll_text(short m) {
  std::string out;
  const std::pair<short, const char*> names[] = {{POLLIN, "IN"},   {POLLOUT, "OUT"},     {POLLERR, "ERR"},
                                                 {POLLHUP, "HUP"}, {POLLRDHUP, "RDHUP"}, {POLLNVAL, "NVAL"}};
  for (const auto& [bit, name] : names)
    if ((m & bit) != 0) out += std::string(out.empty() ? "" : " ") + name;
  return out.empty() ? "none" : out;
}

// ---- The fixture ------------------------------------------------------------------------

class TcpFixture;

// What the bench offers in its SYN (or SYN-ACK).
struct PeerOptions {
  std::optional<std::uint16_t> mss = bench_mss;
  std::optional<std::uint8_t> wscale;  // the bench's shift, when offered
  bool sack_permitted = false;
  std::optional<std::uint32_t> tsval;  // the bench's first TSval, when offered
};

// The bench's end of one connection.
class TcpPeer {
 public:
  TcpPeer(TcpFixture& f, bool over_ipv6, std::uint16_t bench, std::uint16_t stack)
      : ipv6(over_ipv6), port(bench), dut_port(stack), fixture_(&f) {}

  // A segment from the bench at the current numbers (ACK field only with A),
  // the bench's window, and its timestamp when they were negotiated.
  harness::TcpLayer segment(const char* flags) const;
  // Puts `t` with `data` on the link as it is (nothing advances).
  void send(const harness::TcpLayer& t, harness::ByteArg data = {}) const;
  // segment(flags) with `data`, then snd_nxt moves past it (SYN and FIN count one).
  void sends(const char* flags, std::string_view data = {});

  // The segment the stack should send next: seq rcv_nxt, ack snd_nxt (with
  // A), the window it advertises, its timestamps when negotiated.
  TcpSegment expect(const char* flags) const;

  // The IP datagram of a segment from the stack (for an ICMP error's quote).
  harness::Packet ip_of(const TcpSegment& s) const;

  bool ipv6 = false;
  std::uint16_t port = bench_port;  // the bench's
  std::uint16_t dut_port = 0;       // the stack's
  std::uint32_t iss = bench_isn;    // the bench's ISN
  std::uint32_t snd_nxt = bench_isn;
  std::uint32_t dut_iss = 0;         // the stack's ISN
  std::uint32_t rcv_nxt = 0;         // what the bench expects from the stack next
  std::uint16_t window = 65535;      // the bench's window field
  std::uint16_t dut_window = 65535;  // the window field the stack's next segment carries
  std::uint8_t dut_wscale = 0;       // the shift of the stack's window field (negotiated)
  bool timestamps = false;           // negotiated
  std::uint32_t tsval = 0;           // the bench's TSval on its segments (the stack echoes it)
  int fd = -1;                       // the stack's descriptor (-1 once closed)

  // The stack's advertised window after `n` more sequence numbers (a FIN,
  // data it keeps under the receiver's SWS rule) arrived at its unmoved right
  // edge, in the units the field counts.
  void window_took(std::uint32_t n) {
    const std::uint32_t bytes = (std::uint32_t{dut_window} << dut_wscale) - n;
    dut_window = static_cast<std::uint16_t>(bytes >> dut_wscale);
  }

 private:
  TcpFixture* fixture_;
};

struct TcpFixtureOptions {
  StackFixtureOptions stack{};
  socket::SocketConfig sockets{};
  std::uint64_t socket_seed = 0x7c9;
};

class TcpFixture : public StackFixture {
 public:
  TcpFixture() : TcpFixture(TcpFixtureOptions{}) {}
  explicit TcpFixture(const TcpFixtureOptions& options)
      : StackFixture(options.stack),
        socket_entropy(options.socket_seed),
        sockets(make_sockets(stack, socket_entropy, options.sockets)) {}

  // ---- What the stack sent -------------------------------------------------------------

  // Every TCP segment the stack sent since the last call, in order. Neighbour
  // traffic is skipped; anything else, a segment not from our address to the
  // peer's or with a bad checksum fails the test.
  Segments sent_segments() {
    Segments out;
    for (const auto& f : sent_frames()) {
      auto s = decode_segment(f);
      if (s) out.list.push_back(std::move(*s));
    }
    return out;
  }
  // The one segment the stack sent since the last call (fails unless exactly one).
  TcpSegment sent_one() {
    auto all = sent_segments();
    BOOST_TEST_REQUIRE(all.size() == 1u, "expected one segment, got " << all);
    return all.front();
  }
  // Every IP frame the stack sent since the last call, TCP or not (ICMP
  // errors, for instance), neighbour traffic left out.
  std::vector<std::vector<std::byte>> sent_frames() {
    auto out = std::move(held_);
    held_.clear();
    for (auto& f : sent_ip()) out.push_back(std::move(f));
    return out;
  }

  // run_for() with the peer on the link: the stack's ARP requests and
  // neighbour solicitations for it are answered as they come, so a long
  // timer (a SYN sent again for two minutes) does not end in a failed
  // resolution. Other frames wait for sent_segments().
  void run_with_peer(net::Duration d) {
    const auto end = clock.current() + d;
    answer_neighbors();
    while (stack.next_deadline() <= end) {
      const auto next = stack.next_deadline();
      clock.set(next > clock.current() ? next : clock.current() + net::Duration::milliseconds(1));
      stack.poll(clock.now());
      answer_neighbors();
    }
    if (clock.current() < end) clock.set(end);
    stack.poll(clock.now());
    answer_neighbors();
  }

  static std::optional<TcpSegment> decode_segment(const std::vector<std::byte>& frame) {
    const auto eth = wire::EthernetView::parse(frame);
    if (!eth) {
      BOOST_ERROR("the stack sent a frame that is not Ethernet");
      return std::nullopt;
    }
    wire::Bytes transport;
    std::optional<wire::PseudoHeader> pseudo;
    if (eth->ethertype() == wire::EtherType::ipv4) {
      const auto ip = wire::Ipv4View::parse(eth->payload());
      if (!ip || ip->protocol() != wire::ip_protocol_tcp) {
        BOOST_ERROR("the stack sent an IPv4 datagram that is not TCP");
        return std::nullopt;
      }
      BOOST_TEST(ip->src() == our4);
      BOOST_TEST(ip->dst() == peer4);
      transport = ip->payload();
      pseudo = wire::PseudoHeader::v4(ip->src(), ip->dst());
    } else if (eth->ethertype() == wire::EtherType::ipv6) {
      const auto ip = wire::Ipv6View::parse(eth->payload());
      if (!ip || static_cast<std::uint8_t>(ip->next_header()) != wire::ip_protocol_tcp) {
        BOOST_ERROR("the stack sent an IPv6 datagram that is not TCP");
        return std::nullopt;
      }
      BOOST_TEST(ip->src() == our6);
      BOOST_TEST(ip->dst() == peer6);
      transport = ip->payload();
      pseudo = wire::PseudoHeader::v6(ip->src(), ip->dst());
    } else {
      BOOST_ERROR("the stack sent a frame that is neither IPv4 nor IPv6");
      return std::nullopt;
    }
    const auto view = wire::TcpView::parse(transport);
    if (!view) {
      BOOST_ERROR("the stack sent a TCP header that does not parse");
      return std::nullopt;
    }
    const auto repr = wire::TcpRepr::parse(*view, *pseudo);
    if (!repr) {
      BOOST_ERROR("the stack sent a TCP segment with a bad checksum");
      return std::nullopt;
    }
    TcpSegment s;
    s.sport = repr->src_port;
    s.dport = repr->dst_port;
    s.seq = repr->seq.value();
    s.ack = repr->ack.value();
    s.flags = repr->flags;
    s.window = repr->window;
    s.options = repr->options;
    s.payload.assign(view->payload().begin(), view->payload().end());
    return s;
  }

  // ---- Opening connections ---------------------------------------------------------------

  // A non-blocking TCP socket.
  int tcp_socket(int domain = AF_INET) {
    const int fd = sockets.socket(domain, SOCK_STREAM | SOCK_NONBLOCK, 0);
    BOOST_TEST_REQUIRE(fd >= 0);
    return fd;
  }
  // A listener on `port` (any address), with `backlog`.
  int listener(std::uint16_t port = listen_port, int backlog = 16, int domain = AF_INET) {
    const int fd = tcp_socket(domain);
    int r = 0;
    if (domain == AF_INET) {
      const auto a = tcp_sin4({}, port);
      r = sockets.bind(fd, as_sockaddr(a), sizeof a);
    } else {
      const auto a = tcp_sin6({}, port);
      r = sockets.bind(fd, as_sockaddr(a), sizeof a);
    }
    BOOST_TEST_REQUIRE(r == 0);
    BOOST_TEST_REQUIRE(sockets.listen(fd, backlog) == 0);
    return fd;
  }
  // The stack's connect() to the peer: -EINPROGRESS, and its SYN taken.
  // The SYN is returned; `p` knows the stack's port and ISN.
  TcpSegment syn_from_stack(TcpPeer& p) {
    p.fd = tcp_socket(p.ipv6 ? AF_INET6 : AF_INET);
    BOOST_TEST(connect_again(p) == -EINPROGRESS);
    const TcpSegment syn = sent_one();
    p.dut_port = syn.sport;
    p.dut_iss = syn.seq;
    p.rcv_nxt = syn.seq + 1;
    return syn;
  }
  // ESTABLISHED by an active open: the stack connects, the bench answers
  // SYN-ACK with `options`, the stack ACKs and connect() completes.
  TcpPeer active_open(const PeerOptions& options = {}, bool ipv6 = false, std::uint16_t port = listen_port) {
    TcpPeer p(*this, ipv6, port, 0);
    syn_from_stack(p);
    p.send(with_options(p.segment("SA"), options));
    p.snd_nxt = p.iss + 1;
    negotiated(p, options);
    BOOST_TEST(sent_segments() == segments(p.expect("A")));
    BOOST_TEST(connect_again(p) == 0);  // LINUX: the call after a non-blocking connect completes says so
    return p;
  }
  // ESTABLISHED by a passive open on `listen_fd` (a new listener on 80 when
  // -1): the bench sends SYN with `options` and the ACK, the stack accepts.
  TcpPeer passive_open(int listen_fd = -1, const PeerOptions& options = {}, bool ipv6 = false,
                       std::uint16_t port = bench_port) {
    if (listen_fd < 0) listen_fd = listener(listen_port, 16, ipv6 ? AF_INET6 : AF_INET);
    TcpPeer p(*this, ipv6, port, listen_port);
    const TcpSegment synack = syn_ack_for(p, with_options(p.segment("S"), options));
    BOOST_TEST(synack.flags == (harness::flag::syn | harness::flag::ack));
    negotiated(p, options);
    p.sends("A");
    p.fd = sockets.accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK);
    BOOST_TEST_REQUIRE(p.fd >= 0);
    BOOST_TEST(sent_segments().empty());
    return p;
  }
  // The bench sends `syn` (a SYN at p.iss) to a listener: the stack's answer,
  // whose ISN `p` learns; p.snd_nxt moves past the SYN.
  TcpSegment syn_ack_for(TcpPeer& p, const harness::TcpLayer& syn, harness::ByteArg data = {}) {
    p.send(syn, std::move(data));
    p.snd_nxt = p.iss + 1;
    const TcpSegment answer = sent_one();
    p.dut_iss = answer.seq;
    p.rcv_nxt = answer.seq + 1;
    return answer;
  }
  int connect_again(const TcpPeer& p) {
    if (p.ipv6) {
      const auto to = tcp_sin6(peer6, p.port);
      return sockets.connect(p.fd, as_sockaddr(to), sizeof to);
    }
    const auto to = tcp_sin4(peer4, p.port);
    return sockets.connect(p.fd, as_sockaddr(to), sizeof to);
  }
  static harness::TcpLayer with_options(harness::TcpLayer t, const PeerOptions& o) {
    if (o.mss) t = t.mss(*o.mss);
    if (o.wscale) t = t.window_scale(*o.wscale);
    if (o.sack_permitted) t = t.sack_permitted();
    if (o.tsval) t = t.timestamps(*o.tsval, 0);
    return t;
  }

  // ---- Driving a connection to a state ---------------------------------------------------------
  //
  // Each takes an ESTABLISHED connection (or the state before) and checks
  // every segment on the way. `by_close`: close() (the connection becomes an
  // orphan, p.fd -1) instead of shutdown(SHUT_WR).

  // ESTABLISHED -> FIN-WAIT-1: the stack's FIN, not acknowledged.
  void to_fin_wait_1(TcpPeer& p, bool by_close = false) {
    app_closes(p, by_close);
    BOOST_TEST(sent_segments() == segments(p.expect("FA")));
    p.rcv_nxt += 1;
  }
  // -> FIN-WAIT-2: the bench ACKs the FIN.
  void to_fin_wait_2(TcpPeer& p, bool by_close = false) {
    to_fin_wait_1(p, by_close);
    p.sends("A");
    BOOST_TEST(sent_segments().empty());
  }
  // -> TIME-WAIT: the bench's FIN, which the stack ACKs.
  void to_time_wait(TcpPeer& p, bool by_close = false) {
    to_fin_wait_2(p, by_close);
    p.sends("FA");
    p.window_took(1);  // the FIN took a sequence number of the window
    BOOST_TEST(sent_segments() == segments(p.expect("A")));
  }
  // FIN-WAIT-1 -> CLOSING: the bench's FIN crosses ours (it does not ACK ours).
  void to_closing(TcpPeer& p, bool by_close = false) {
    to_fin_wait_1(p, by_close);
    p.send(p.segment("FA").ack(p.rcv_nxt - 1));
    p.snd_nxt += 1;
    p.window_took(1);
    BOOST_TEST(sent_segments() == segments(p.expect("A")));
  }
  // ESTABLISHED -> CLOSE-WAIT: the bench's FIN, which the stack ACKs.
  void to_close_wait(TcpPeer& p) {
    p.sends("FA");
    p.window_took(1);
    BOOST_TEST(sent_segments() == segments(p.expect("A")));
  }
  // CLOSE-WAIT -> LAST-ACK: the application closes, the stack's FIN.
  void to_last_ack(TcpPeer& p, bool by_close = false) {
    to_close_wait(p);
    to_fin_wait_1(p, by_close);  // the same segment: FIN after the data
  }
  void app_closes(TcpPeer& p, bool by_close) {
    if (by_close) {
      BOOST_TEST(sockets.close(p.fd) == 0);
      p.fd = -1;
    } else {
      BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == 0);
    }
  }

  // ---- What the application sees ---------------------------------------------------------

  // TCP_INFO's state (netinet/tcp.h TCP_ESTABLISHED ...), or -errno.
  int state(int fd) {
    tcp_info info{};
    socklen_t n = sizeof info;
    const int r = sockets.getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &n);
    return r < 0 ? r : info.tcpi_state;
  }
  tcp_info info(int fd) {
    tcp_info info{};
    socklen_t n = sizeof info;
    BOOST_TEST(sockets.getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &n) == 0);
    return info;
  }
  // The connection's row in the TCP table (as `ss -tan`), orphans included:
  // its state, or 0 when the table has no such connection.
  int table_state(const TcpPeer& p) const {
    for (const auto& e : sockets.tcp_table())
      if (e.local_port == p.dut_port && e.remote_port == p.port && e.state != TCP_LISTEN) return e.state;
    return 0;
  }
  std::size_t table_size() const { return sockets.tcp_table().size(); }
  // The connection stays in `state` for exactly `d` from now, then leaves the table.
  void lasts_exactly(const TcpPeer& p, int state, net::Duration d) {
    run_for(d - net::Duration::milliseconds(1));
    BOOST_TEST(table_state(p) == state);
    run_for(net::Duration::milliseconds(1));
    BOOST_TEST(table_state(p) == 0);
  }
  short revents(int fd, short events = POLLIN | POLLOUT | POLLRDHUP) {
    pollfd q{fd, events, 0};
    BOOST_TEST(sockets.poll(&q, 1) >= 0);
    return q.revents;
  }
  int so_error(int fd) {
    int e = 0;
    socklen_t n = sizeof e;
    BOOST_TEST(sockets.getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) == 0);
    return e;
  }
  // recv into a buffer of `room`: the text, or "(errno N)" / "(eof)".
  std::string receive(int fd, std::size_t room = 4096, int flags = 0) {
    std::string buf(room, '\0');
    const ssize_t n = sockets.recv(fd, buf.data(), buf.size(), flags);
    if (n < 0) return "(errno " + std::to_string(-n) + ")";
    if (n == 0) return "(eof)";
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  static std::string failed(int error) { return "(errno " + std::to_string(error) + ")"; }
  ssize_t send_text(int fd, std::string_view text, int flags = 0) {
    return sockets.send(fd, text.data(), text.size(), flags);
  }
  int set_int(int fd, int level, int name, int value) {
    return sockets.setsockopt(fd, level, name, &value, sizeof value);
  }
  // The stack's TSval now (RFC 7323 with a 1 ms clock: milliseconds of virtual time).
  std::uint32_t ts_now() const { return static_cast<std::uint32_t>(clock.current().ns() / 1000000); }

  // Transport drops of `reason` since the start, and that reason last.
  bool dropped(socket::TransportDropReason reason, std::uint64_t count) const {
    return sockets.drops(reason) == count && sockets.last_drop() == reason;
  }
  // Transport drops of every reason together.
  std::uint64_t transport_drops() const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(socket::TransportDropReason::count_); ++i)
      n += sockets.drops(static_cast<socket::TransportDropReason>(i));
    return n;
  }
  const socket::TcpStats& tcp_stats() const { return sockets.tcp_stats(); }

  net::SeededEntropy socket_entropy;
  socket::Sockets sockets;

 private:
  void answer_neighbors() {
    using namespace harness;
    for (auto& f : device.take_all()) {
      const auto at = [&](std::size_t i) { return std::to_integer<unsigned>(f[i]); };
      if (f.size() >= 42 && at(12) == 0x08 && at(13) == 0x06 && at(21) == 1 &&
          std::memcmp(f.data() + 38, peer4.octets.data(), 4) == 0) {
        BOOST_REQUIRE(device.inject(eth(peer_mac, our_mac) / arp_reply(peer_mac, peer4, our_mac, our4)));
        stack.poll(clock.now());
      } else if (is_neighbor_traffic(f) && f.size() >= 78 && at(54) == 135 &&
                 std::memcmp(f.data() + 62, peer6.octets.data(), 16) == 0) {
        BOOST_REQUIRE(device.inject(eth(peer_mac, our_mac) / ipv6(peer6, our6).hop_limit(255) /
                                    nd_na(peer6).solicited().override_flag().options(tlla(peer_mac))));
        stack.poll(clock.now());
      } else if (!is_neighbor_traffic(f)) {
        held_.push_back(std::move(f));
      }
    }
  }
  std::vector<std::vector<std::byte>> held_;  // frames run_with_peer() took, for sent_frames()

  static socket::Sockets make_sockets(net::Stack& stack, net::Entropy& entropy,
                                      const socket::SocketConfig& c) {
    auto s = socket::Sockets::create(stack, entropy, c);
    if (!s) BOOST_FAIL("Sockets::create: " << s.error().message());
    return std::move(s.value());
  }
  // What the handshake settled, for the segments that follow: an option is
  // on when both SYNs carried it (the stack's carries every one it offers).
  static void negotiated(TcpPeer& p, const PeerOptions& o) {
    p.timestamps = o.tsval.has_value();
    if (p.timestamps) p.tsval = *o.tsval;
    p.dut_wscale = o.wscale ? stack_wscale : 0;
    p.dut_window = static_cast<std::uint16_t>(o.wscale ? (stack_rcvbuf >> stack_wscale) : 65535);
  }
};

// A TcpFixture made with Options(): Boost fixtures take no arguments.
template <TcpFixtureOptions (*Options)()>
struct TcpFixtureWith : TcpFixture {
  TcpFixtureWith() : TcpFixture(Options()) {}
};

// ---- TcpPeer ------------------------------------------------------------------------------------

inline harness::TcpLayer TcpPeer::segment(const char* flags) const {
  const auto f = harness::tcp_flags(flags);
  auto t = harness::tcp(port, dut_port).flags(f).seq(snd_nxt).ack(f.ack() ? rcv_nxt : 0).window(window);
  if (timestamps && !f.syn()) t = t.timestamps(tsval, 0);
  return t;
}

inline void TcpPeer::send(const harness::TcpLayer& t, harness::ByteArg data) const {
  if (ipv6)
    fixture_->inject(harness::eth(peer_mac, our_mac) / harness::ipv6(peer6, our6) / t /
                     harness::payload(std::move(data)));
  else
    fixture_->inject(harness::eth(peer_mac, our_mac) / harness::ipv4(peer4, our4) / t /
                     harness::payload(std::move(data)));
}

inline void TcpPeer::sends(const char* flags, std::string_view data) {
  const auto f = harness::tcp_flags(flags);
  send(segment(flags), harness::ByteArg(data));
  snd_nxt += static_cast<std::uint32_t>(data.size()) + (f.syn() ? 1u : 0u) + (f.fin() ? 1u : 0u);
}

inline TcpSegment TcpPeer::expect(const char* flags) const {
  TcpSegment s;
  s.sport = dut_port;
  s.dport = port;
  s.flags = harness::tcp_flags(flags);
  s.seq = rcv_nxt;
  s.ack = s.flags.ack() ? snd_nxt : 0;
  s.window = dut_window;
  if (timestamps) s.options.timestamps = wire::TcpTimestamps{fixture_->ts_now(), tsval};
  return s;
}

inline harness::Packet TcpPeer::ip_of(const TcpSegment& s) const {
  auto t = harness::tcp(s.sport, s.dport).flags(s.flags).seq(s.seq).ack(s.ack).window(s.window);
  if (s.options.maximum_segment_size) t = t.mss(*s.options.maximum_segment_size);
  if (s.options.window_scale) t = t.window_scale(s.options.window_scale->shift);
  if (s.options.sack_permitted) t = t.sack_permitted();
  if (s.options.timestamps) t = t.timestamps(s.options.timestamps->tsval, s.options.timestamps->tsecr);
  if (ipv6) return harness::ipv6(our6, peer6) / t / harness::payload(s.payload);
  return harness::ipv4(our4, peer4) / t / harness::payload(s.payload);
}

}  // namespace hardstack::conformance
