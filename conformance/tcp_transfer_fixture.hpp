#pragma once

// The stack's TCP through its socket API, with the test bench as the remote
// peer: the bench injects crafted segments (flags, sequence numbers relative
// to the connection, options, payload) and decodes every segment the stack
// sends. Virtual time: timers fire at their exact instants.
//
//   BOOST_FIXTURE_TEST_CASE(TCP_NAGLE_1_..., TcpFixture) {
//     auto& c = active_open();                      // the stack connects, the bench answers
//     BOOST_TEST(sockets.send(c.fd, "a", 1, 0) == 1);
//     auto out = segments();
//     BOOST_TEST_REQUIRE(out.size() == 1u);
//     BOOST_TEST(expect_segment(out[0], c, flags("PA"), seq(c.stack_seq(0)), ack(c.bench_nxt)));
//     inject(c, c.segment("A").ack(c.stack_seq(1)));   // the bench acknowledges the byte
//   }
//
// Naming: the stack is "stack", the peer "bench". `stack_seq(n)` is the
// sequence number of the stack's data byte n (its ISN + 1 + n), `bench_seq(n)`
// the bench's. The bench keeps its own send and receive pointers in the
// connection (bench_nxt, bench_ack); helpers that send data advance them.
//
// Neighbour traffic is answered as a peer would (ARP replies, neighbour
// advertisements) and never shows in segments(), so hours of virtual time can
// pass without the peer becoming unreachable.

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hardstack/harness/match.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/tcp.hpp"
#include "stack_fixture.hpp"
#include "transport_print.hpp"

namespace hardstack::conformance {

// A wait (what run_until_segment() returns) in milliseconds or microseconds,
// exact in virtual time; never_ms for none.
inline constexpr std::int64_t never_ms = -1;
inline std::int64_t ms(const std::optional<net::Duration>& d) { return d ? d->count_ms() : never_ms; }
inline std::int64_t us(const std::optional<net::Duration>& d) { return d ? d->count_ns() / 1000 : never_ms; }

// What the bench's SYN (or SYN-ACK) carries, and where it comes from.
struct BenchSyn {
  std::optional<std::uint16_t> mss = 1460;
  std::optional<std::uint8_t> window_scale;  // none: no WS option
  bool sack_permitted = false;
  bool timestamps = false;
  std::uint16_t window = 65535;  // the SYN's window field (never scaled)
  std::uint32_t isn = 1000000;
  std::uint16_t port = 40000;  // the bench's port
  bool ipv6 = false;
  // What Linux 6.1 puts in its SYN: MSS 1460, SACK-permitted, timestamps, WS 7.
  static BenchSyn linux_like() {
    BenchSyn s;
    s.window_scale = 7;
    s.sack_permitted = true;
    s.timestamps = true;
    s.window = 64240;
    return s;
  }
};

// One segment the stack sent, decoded.
struct SentSegment {
  bool ipv6 = false;
  wire::TcpRepr tcp;
  std::vector<std::byte> payload;
  std::vector<std::byte> frame;
  net::Instant at{};  // when the stack sent it (virtual time)

  wire::TcpFlags flags() const { return tcp.flags; }
  std::uint32_t seq() const { return tcp.seq.value(); }
  std::uint32_t ack() const { return tcp.ack.value(); }
  std::string text() const { return {reinterpret_cast<const char*>(payload.data()), payload.size()}; }
  // SEG.LEN: data, SYN and FIN.
  std::uint32_t length() const {
    return static_cast<std::uint32_t>(payload.size()) + (tcp.flags.syn() ? 1u : 0u) +
           (tcp.flags.fin() ? 1u : 0u);
  }
  bool is(std::string_view letters) const {
    return tcp.flags.control_bits() == harness::tcp_flags(letters).bits();
  }
};

// One connection, as the bench sees it.
struct TcpConn {
  int fd = -1;         // the stack's descriptor (the accepted one after a passive open)
  int listen_fd = -1;  // passive opens: the listener
  bool ipv6 = false;
  std::uint16_t stack_port = 0;
  std::uint16_t bench_port = 0;
  std::uint32_t stack_isn = 0;
  std::uint32_t bench_isn = 0;
  std::uint32_t bench_nxt = 0;         // the next sequence number the bench sends
  std::uint32_t bench_ack = 0;         // what the bench acknowledges (the next stack byte it expects)
  std::uint16_t bench_window = 65535;  // the window field of the bench's segments (raw)
  // Negotiated (what the stack's SYN or SYN-ACK carried, with the bench's answer).
  std::uint16_t stack_mss = 0;  // the MSS option the stack sent
  std::optional<std::uint8_t> stack_wscale;
  std::optional<std::uint8_t> bench_wscale;
  bool sack = false;
  bool timestamps = false;
  std::uint32_t bench_tsval = 7000;  // the bench's timestamp clock
  std::uint32_t stack_tsval = 0;     // the latest TSval the stack sent (the bench's TS.Recent)
  std::uint16_t syn_window = 0;      // the window field of the stack's SYN / SYN-ACK
  int syn_retransmissions = 0;       // active opens: SYNs the stack sent again before the SYN-ACK

  std::uint32_t stack_seq(std::uint32_t n) const { return stack_isn + 1 + n; }  // NOLINT: modular
  std::uint32_t bench_seq(std::uint32_t n) const { return bench_isn + 1 + n; }  // NOLINT: modular
  // A segment from the bench: its ports, bench_nxt, bench_ack, bench_window,
  // and timestamps when negotiated.
  harness::TcpLayer segment(std::string_view flags = "A") const {
    auto t =
        harness::tcp(bench_port, stack_port).flags(flags).seq(bench_nxt).ack(bench_ack).window(bench_window);
    if (timestamps) t = t.timestamps(bench_tsval, stack_tsval);
    return t;
  }
};

struct TcpFixtureOptions {
  StackFixtureOptions stack{};
  socket::SocketConfig sockets{};
};

class TcpFixture : public StackFixture {
 public:
  static constexpr std::uint16_t stack_port = 5000;  // what the stack listens on in passive opens

  TcpFixture() : TcpFixture(TcpFixtureOptions{}) {}
  explicit TcpFixture(const TcpFixtureOptions& options)
      : StackFixture(options.stack), sockets(make_sockets(options.sockets)) {
    // Away from time 0: ISNs and timestamps are then nothing special.
    StackFixture::advance(net::Duration::seconds(1000));
    pending_.clear();
  }

  // ---- Time: the stack polled at every deadline, neighbour traffic answered --------------
  // (StackFixture's inject() and run_for(); every poll hands the frames sent to pull()).
  void polled() override { pull(); }
  void advance(net::Duration d) { run_for(d); }
  // Runs timers until the stack sends a segment or `limit` passes; the time
  // from now to that segment, or none (time is then `limit` later).
  std::optional<net::Duration> run_until_segment(net::Duration limit) {
    const auto start = clock.now();
    const auto end = start + limit;
    pull();
    while (pending_.empty()) {
      const auto next = stack.next_deadline();
      if (next > end) {
        clock.set(end);
        poll();
        break;
      }
      if (next > clock.now()) clock.set(next);
      poll();
      if (pending_.empty() && stack.next_deadline() <= clock.now())
        clock.advance(net::Duration::microseconds(1));
    }
    if (pending_.empty()) return std::nullopt;
    return pending_.front().at - start;
  }

  // The stack's timestamp clock now (RFC 7323: milliseconds, as Linux's).
  std::uint32_t ts_now() const {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(clock.current().ns() / 1000000) &
                                      0xffffffffu);
  }

  // ---- What the stack sent ---------------------------------------------------------------
  // Every TCP segment sent since the last call, in order.
  std::vector<SentSegment> segments() {
    pull();
    std::vector<SentSegment> out(pending_.begin(), pending_.end());
    pending_.clear();
    return out;
  }
  // Exactly one segment was sent: it, else a failed check and an empty one.
  SentSegment one_segment() {
    auto out = segments();
    if (out.size() != 1) {
      BOOST_ERROR("expected exactly one segment, got " << out.size() << describe(out));
      return out.empty() ? SentSegment{} : out.front();
    }
    return out.front();
  }
  // Nothing was sent.
  bool nothing_sent() {
    auto out = segments();
    if (!out.empty()) BOOST_TEST_MESSAGE("unexpected segments:" << describe(out));
    return out.empty();
  }
  static std::string describe(const std::vector<SentSegment>& out) {
    std::string s;
    for (const auto& seg : out) s += "\n" + harness::decode(harness::Frame(seg.frame)).to_string("  ");
    return s;
  }
  // The segment's IP and TCP layers against `args` (TCP fields: flags("A"),
  // seq(...), ack(...), window(...), data_offset(5) for no options...).
  template <harness::Expectation... Args>
  harness::MatchResult expect_segment(const SentSegment& s, const TcpConn& c, const Args&... args) {
    using namespace harness;
    if (s.frame.empty()) return MatchResult::mismatch("\nno segment");
    if (c.ipv6)
      return expect_ipv6(s.frame, src(our6), dst(peer6),
                         tcp(sport(c.stack_port), dport(c.bench_port), args...));
    return expect_ipv4(s.frame, src(our4), dst(peer4),
                       tcp(sport(c.stack_port), dport(c.bench_port), args...));
  }

  // ---- The bench's segments ----------------------------------------------------------------
  harness::Packet frame(const TcpConn& c, const harness::TcpLayer& t, harness::ByteArg data = {}) const {
    using namespace harness;
    if (c.ipv6) return eth(peer_mac, our_mac) / ipv6(peer6, our6) / t / payload(std::move(data));
    return eth(peer_mac, our_mac) / ipv4(peer4, our4) / t / payload(std::move(data));
  }
  using StackFixture::inject;
  void inject(const TcpConn& c, const harness::TcpLayer& t, harness::ByteArg data = {}) {
    inject(frame(c, t, std::move(data)).build());
  }
  // The bench sends `data` at bench_nxt (flags PA, or `flags`) and moves bench_nxt on.
  void bench_sends(TcpConn& c, std::string_view data, std::string_view flags = "PA") {
    inject(c, c.segment(flags), harness::ByteArg(data));
    c.bench_nxt += static_cast<std::uint32_t>(data.size());
    if (flags.find('F') != std::string_view::npos) c.bench_nxt += 1;
  }
  void bench_sends(TcpConn& c, std::size_t count, std::uint8_t fill, std::string_view flags = "A") {
    inject(c, c.segment(flags), harness::ByteArg(std::vector<std::byte>(count, std::byte{fill})));
    c.bench_nxt += static_cast<std::uint32_t>(count);
  }
  // The bench acknowledges the stack's bytes up to (not including) data byte `n`.
  void bench_acks(TcpConn& c, std::uint32_t n) {
    c.bench_ack = c.stack_seq(n);
    inject(c, c.segment("A"));
  }
  // The bench notes a segment the stack sent: its timestamp, for the next echo
  // (done for every segment of a connection the fixture opened).
  static void saw(TcpConn& c, const SentSegment& s) {
    if (s.tcp.options.timestamps) c.stack_tsval = s.tcp.options.timestamps->tsval;
  }

  // ---- Opening -------------------------------------------------------------------------
  int tcp_socket(bool ipv6 = false) {
    const int fd = sockets.socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    BOOST_TEST_REQUIRE(fd >= 0);
    return fd;
  }
  // The stack connects `fd` to the bench; the bench answers the SYN with a
  // SYN-ACK carrying `syn`'s options after `rtt`; the stack's ACK is taken.
  TcpConn& connect_from(int fd, const BenchSyn& syn = {}, net::Duration rtt = net::Duration::zero()) {
    TcpConn& c = connections_.emplace_back();
    c.fd = fd;
    c.ipv6 = syn.ipv6;
    c.bench_port = syn.port;
    BOOST_TEST_REQUIRE(connect_to_bench(fd, syn) == -EINPROGRESS);
    const auto s = one_segment();
    BOOST_TEST_REQUIRE(s.is("S"));
    take_stack_syn(c, s);
    c.bench_isn = syn.isn;
    c.bench_nxt = syn.isn;
    c.bench_ack = s.seq() + 1;
    if (rtt > net::Duration::zero()) run_for(rtt);
    for (const auto& again : segments()) {  // SYNs sent again while the bench waited
      BOOST_TEST(again.is("S"));
      ++c.syn_retransmissions;
    }
    inject(c, bench_syn(c, syn, "SA"));
    c.bench_nxt = syn.isn + 1;
    take_bench_options(c, syn);
    const auto a = one_segment();
    BOOST_TEST_REQUIRE(a.is("A"));
    BOOST_TEST_REQUIRE(connect_to_bench(fd, syn) == 0);  // LINUX: completes the non-blocking connect
    return c;
  }
  // connect() to the bench's address and port.
  int connect_to_bench(int fd, const BenchSyn& syn) {
    if (syn.ipv6) {
      sockaddr_in6 to{};
      to.sin6_family = AF_INET6;
      to.sin6_port = htons(syn.port);
      std::memcpy(&to.sin6_addr, peer6.octets.data(), 16);
      return sockets.connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(syn.port);
    std::memcpy(&to.sin_addr, peer4.octets.data(), 4);
    return sockets.connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  TcpConn& active_open(const BenchSyn& syn = {}, net::Duration rtt = net::Duration::zero()) {
    return connect_from(tcp_socket(syn.ipv6), syn, rtt);
  }
  // A listener on `port` (both families when ipv6: a dual-stack socket).
  int listener(std::uint16_t port = stack_port, bool ipv6 = false, int backlog = 16) {
    const int fd = tcp_socket(ipv6);
    int r = 0;
    if (ipv6) {
      sockaddr_in6 at{};
      at.sin6_family = AF_INET6;
      at.sin6_port = htons(port);
      r = sockets.bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at);
    } else {
      sockaddr_in at{};
      at.sin_family = AF_INET;
      at.sin_port = htons(port);
      r = sockets.bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at);
    }
    BOOST_TEST_REQUIRE(r == 0);
    BOOST_TEST_REQUIRE(sockets.listen(fd, backlog) == 0);
    return fd;
  }
  // The bench connects to `listen_fd` (on `port`): SYN, the stack's SYN-ACK,
  // the bench's ACK after `rtt`, accept().
  TcpConn& accept_from(int listen_fd, const BenchSyn& syn = {}, std::uint16_t port = stack_port,
                       net::Duration rtt = net::Duration::zero()) {
    TcpConn& c = connections_.emplace_back();
    c.listen_fd = listen_fd;
    c.ipv6 = syn.ipv6;
    c.bench_port = syn.port;
    c.stack_port = port;
    c.bench_isn = syn.isn;
    c.bench_nxt = syn.isn;
    c.bench_ack = 0;
    inject(c, bench_syn(c, syn, "S"));
    c.bench_nxt = syn.isn + 1;
    const auto s = one_segment();
    BOOST_TEST_REQUIRE(s.is("SA"));
    take_stack_syn(c, s);
    take_bench_options(c, syn);
    c.bench_ack = s.seq() + 1;
    if (rtt > net::Duration::zero()) run_for(rtt);
    inject(c, c.segment("A"));
    BOOST_TEST(nothing_sent());
    c.fd = sockets.accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK);
    BOOST_TEST_REQUIRE(c.fd >= 0);
    return c;
  }
  TcpConn& passive_open(const BenchSyn& syn = {}) { return accept_from(listener(stack_port, syn.ipv6), syn); }

  // ---- Data and closing ------------------------------------------------------------------
  // The application writes `data`; the number of bytes taken.
  ssize_t app_send(const TcpConn& c, std::string_view data) {
    return sockets.send(c.fd, data.data(), data.size(), 0);
  }
  ssize_t app_send(const TcpConn& c, std::size_t count, char fill = 'x') {
    const std::string data(count, fill);
    return sockets.send(c.fd, data.data(), data.size(), 0);
  }
  // Reads everything readable now (-errno of the first call when it fails at once).
  std::string app_read(const TcpConn& c, std::size_t max = 1 << 20) {
    std::string out;
    std::vector<char> buffer(65536);
    while (out.size() < max) {
      const ssize_t n = sockets.recv(c.fd, buffer.data(), std::min(buffer.size(), max - out.size()), 0);
      if (n <= 0) break;
      out.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return out;
  }
  ssize_t app_recv(const TcpConn& c, std::size_t count) {
    std::vector<char> buffer(count + 1);
    return sockets.recv(c.fd, buffer.data(), count, 0);
  }
  short revents(int fd, short events = POLLIN | POLLOUT | POLLRDHUP) {
    pollfd p{fd, events, 0};
    sockets.poll(&p, 1);
    return p.revents;
  }
  int so_error(int fd) {
    int e = -1;
    socklen_t n = sizeof e;
    BOOST_TEST(sockets.getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) == 0);
    return e;
  }
  int set_int(int fd, int level, int name, int value) {
    return sockets.setsockopt(fd, level, name, &value, sizeof value);
  }
  int get_int(int fd, int level, int name) {
    int v = -12345;
    socklen_t n = sizeof v;
    const int r = sockets.getsockopt(fd, level, name, &v, &n);
    return r == 0 ? v : r;
  }
  tcp_info info(const TcpConn& c) {
    tcp_info i{};
    socklen_t n = sizeof i;
    BOOST_TEST(sockets.getsockopt(c.fd, IPPROTO_TCP, TCP_INFO, &i, &n) == 0);
    return i;
  }

  // Congestion control from a fresh connection (MSS 1460, a large window):
  // `queued` bytes written, the initial window (10 segments) out, the first
  // acknowledged so two more go: 11 segments in flight.
  void eleven_in_flight(TcpConn& c, std::size_t queued) {
    BOOST_TEST_REQUIRE(app_send(c, queued) == static_cast<ssize_t>(queued));
    BOOST_TEST_REQUIRE(segments().size() == 10u);
    bench_acks(c, 1460);
    BOOST_TEST_REQUIRE(segments().size() == 2u);
  }
  // Then three duplicate ACKs: the second segment is sent again (RFC 5681 3.2).
  void fast_retransmit(TcpConn& c) {
    for (int k = 0; k < 3; ++k) inject(c, c.segment("A"));
    BOOST_TEST_REQUIRE(one_segment().seq() == c.stack_seq(1460));
  }

  // The closing states, from ESTABLISHED with nothing in flight.
  // FIN-WAIT-1: the application shuts down writing; the stack's FIN is taken.
  void to_fin_wait_1(TcpConn& c) {
    BOOST_TEST_REQUIRE(sockets.shutdown(c.fd, SHUT_WR) == 0);
    const auto fin = one_segment();
    BOOST_TEST_REQUIRE(fin.flags().fin());
  }
  // FIN-WAIT-2: the bench acknowledges the FIN.
  void to_fin_wait_2(TcpConn& c, std::uint32_t data_sent = 0) {
    to_fin_wait_1(c);
    c.bench_ack = c.stack_seq(data_sent) + 1;
    inject(c, c.segment("A"));
    BOOST_TEST(nothing_sent());
  }
  // TIME-WAIT: FIN-WAIT-2, then the bench's FIN, which the stack acknowledges.
  void to_time_wait(TcpConn& c, std::uint32_t data_sent = 0) {
    to_fin_wait_2(c, data_sent);
    bench_sends(c, "", "FA");
    const auto a = one_segment();
    BOOST_TEST_REQUIRE(a.is("A"));
  }
  // CLOSE-WAIT: the bench's FIN, acknowledged.
  void to_close_wait(TcpConn& c) {
    bench_sends(c, "", "FA");
    const auto a = one_segment();
    BOOST_TEST_REQUIRE(a.is("A"));
  }
  // LAST-ACK: CLOSE-WAIT, then close(): the stack's FIN.
  void to_last_ack(TcpConn& c) {
    to_close_wait(c);
    BOOST_TEST_REQUIRE(sockets.close(c.fd) == 0);
    const auto fin = one_segment();
    BOOST_TEST_REQUIRE(fin.is("FA"));
  }
  // CLOSING: FIN-WAIT-1, then the bench's FIN without acknowledging ours.
  void to_closing(TcpConn& c) {
    to_fin_wait_1(c);
    bench_sends(c, "", "FA");
    const auto a = one_segment();
    BOOST_TEST_REQUIRE(a.is("A"));
  }

  socket::Sockets sockets;
  std::deque<TcpConn> connections_;

 private:
  socket::Sockets make_sockets(const socket::SocketConfig& config) {
    auto s = socket::Sockets::create(stack, entropy, config);
    if (!s) BOOST_FAIL("Sockets::create: " << s.error().message());
    return std::move(s.value());
  }
  harness::TcpLayer bench_syn(const TcpConn& c, const BenchSyn& syn, std::string_view flags) const {
    auto t = harness::tcp(c.bench_port, c.stack_port)
                 .flags(flags)
                 .seq(syn.isn)
                 .ack(c.bench_ack)
                 .window(syn.window);
    if (syn.mss) t = t.mss(*syn.mss);
    if (syn.window_scale) t = t.window_scale(*syn.window_scale);
    if (syn.sack_permitted) t = t.sack_permitted();
    if (syn.timestamps) t = t.timestamps(c.bench_tsval, c.stack_tsval);
    return t;
  }
  void take_stack_syn(TcpConn& c, const SentSegment& s) {
    c.stack_isn = s.seq();
    c.stack_port = s.tcp.src_port;
    c.stack_mss = s.tcp.options.maximum_segment_size.value_or(0);
    c.syn_window = s.tcp.window;
    if (s.tcp.options.window_scale) c.stack_wscale = s.tcp.options.window_scale->shift;
    c.sack = s.tcp.options.sack_permitted;
    c.timestamps = s.tcp.options.timestamps.has_value();
    saw(c, s);
  }
  void take_bench_options(TcpConn& c, const BenchSyn& syn) {
    c.bench_wscale = syn.window_scale;
    c.sack = c.sack && syn.sack_permitted;
    c.timestamps = c.timestamps && syn.timestamps;
  }

  // Moves what the device holds into pending_, answering neighbour traffic.
  void pull() {
    while (auto f = device.take()) {
      if (answer_neighbor(*f)) continue;
      auto s = decode_segment(*f);
      if (!s) continue;
      // The bench echoes the stack's latest TSval (its TS.Recent), as a peer would.
      for (auto& c : connections_)
        if (c.stack_port == s->tcp.src_port && c.bench_port == s->tcp.dst_port) saw(c, *s);
      pending_.push_back(std::move(*s));
    }
  }
  bool answer_neighbor(const std::vector<std::byte>& f) {
    using namespace harness;
    if (f.size() < 14) return false;
    const auto type = (std::to_integer<unsigned>(f[12]) << 8) | std::to_integer<unsigned>(f[13]);
    if (type == 0x0806) {
      StackFixture::inject(eth(peer_mac, our_mac) / arp_reply(peer_mac, peer4, our_mac, our4));
      return true;
    }
    if (is_neighbor_traffic(f)) {
      if (std::to_integer<unsigned>(f[54]) == 135)
        StackFixture::inject(eth(peer_mac, our_mac) / ipv6(peer6, our6).hop_limit(255) /
                             nd_na(peer6).solicited().override_flag().options(tlla(peer_mac)));
      return true;
    }
    return false;
  }
  std::optional<SentSegment> decode_segment(const std::vector<std::byte>& f) {
    SentSegment s;
    s.frame = f;
    s.at = clock.now();
    if (f.size() < 14) return std::nullopt;
    const auto type = (std::to_integer<unsigned>(f[12]) << 8) | std::to_integer<unsigned>(f[13]);
    const wire::Bytes l3 = wire::Bytes(f).subspan(14);
    wire::Bytes segment;
    std::optional<wire::PseudoHeader> pseudo;
    if (type == 0x0800) {
      const auto ip = wire::Ipv4View::parse(l3);
      if (!ip || ip->protocol() != wire::ip_protocol_tcp) return unexpected(f);
      segment = ip->payload();
      pseudo = wire::PseudoHeader::v4(ip->src(), ip->dst());
    } else if (type == 0x86dd) {
      const auto ip = wire::Ipv6View::parse(l3);
      if (!ip || static_cast<std::uint8_t>(ip->next_header()) != wire::ip_protocol_tcp) return unexpected(f);
      segment = ip->payload();
      pseudo = wire::PseudoHeader::v6(ip->src(), ip->dst());
      s.ipv6 = true;
    } else {
      return unexpected(f);
    }
    const auto view = wire::TcpView::parse(segment);
    if (!view) return unexpected(f);
    const auto repr = wire::TcpRepr::parse(*view, *pseudo);
    if (!repr) return unexpected(f);
    s.tcp = *repr;
    s.payload.assign(view->payload().begin(), view->payload().end());
    return s;
  }
  std::optional<SentSegment> unexpected(const std::vector<std::byte>& f) {
    others_.push_back(f);
    return std::nullopt;
  }

 public:
  // Frames the stack sent that are neither TCP nor neighbour traffic (ICMP...).
  std::vector<std::vector<std::byte>> others_;

 private:
  std::deque<SentSegment> pending_;
};

}  // namespace hardstack::conformance
