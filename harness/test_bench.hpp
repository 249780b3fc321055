// TestBench: the remote peer of a scenario, played against a Dut (dut.hpp):
//
//   TestBench bench(dut, this_test({.peer_ipv4 = ip4("192.0.2.1")}));   // test_bench_boost.hpp
//   bench.answer_neighbor_solicitations(true);
//   bench.skip(link_chatter());
//   BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / icmp_echo_request(7, 1, "ping")));
//   BOOST_TEST(bench.expect_ipv4(src(*dut.identity().ipv4), icmp(echo_reply(identifier(7), sequence(1)))));
//   BOOST_TEST(bench.expect_none(Duration::milliseconds(100)));
//
// Every frame, both ways, goes to the bench's pcap with the DUT's time. The
// checks return values (MatchResult, ExpectResult) that the test asserts;
// nothing here aborts on what the DUT does.
//
// Frames the DUT sends are read in order. expect() takes the next one and
// compares it: a frame that does not match fails the check (it is not
// passed over), so a scenario states every frame the DUT sends, except those
// a skip() filter takes and the neighbour solicitations the bench answers
// itself (answer_neighbor_solicitations). Timeouts are in DUT time: exact on
// a virtual-time DUT, upper bounds on a real one.
#pragma once

#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "builders.hpp"
#include "decode.hpp"
#include "dut.hpp"
#include "match.hpp"
#include "pcap.hpp"

namespace hardstack::harness {

struct TestBenchConfig {
  // The peer: who the bench's frames come from, and what it answers ARP and
  // NS for (answer_neighbor_solicitations).
  wire::MacAddress peer_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  std::optional<wire::Ipv4Address> peer_ipv4{};
  std::optional<wire::Ipv6Address> peer_ipv6{};
  std::optional<wire::Ipv6Address> peer_ipv6_link_local{};
  // The capture. pcap_path wins; else, with a test_name, default_pcap_path(test_name);
  // else no capture.
  std::string pcap_path{};
  std::string test_name{};
  // expect()'s wait when the call gives none.
  net::Duration timeout = net::Duration::seconds(1);
  bool answer_neighbor_solicitations = false;
};

// Where a test's capture goes: $HARDSTACK_PCAP_DIR/<name>.pcap, or
// pcap/<name>.pcap (relative to the working directory) when the variable is
// unset or empty. Characters other than letters, digits, '.', '-' and '_'
// become '_' ("suite/case" -> "suite_case"). The bench creates the folder.
std::string default_pcap_path(std::string_view test_name);

// Frames a scenario does not care about, for TestBench::skip(). `matches`
// sees the frame decoded (decode.hpp); `name` appears in reports.
struct FrameFilter {
  std::string name;
  std::function<bool(const DecodedFrame&)> matches;
};
FrameFilter arp_requests();            // ARP who-has, from the DUT
FrameFilter neighbor_solicitations();  // ICMPv6 NS (address resolution, NUD, DAD)
FrameFilter router_solicitations();    // ICMPv6 RS
FrameFilter mld_reports();             // MLDv1 reports and dones, MLDv2 reports (RFC 2710, RFC 3810)
// All four: what a host says on a link by itself (the Linux kernel does
// after the link comes up).
FrameFilter link_chatter();

// expect()'s answer: the frame (which matched, or which failed the check)
// and, on failure, the report: the field diff and both frames decoded, or
// what came instead.
class ExpectResult {
 public:
  static ExpectResult matched(DutFrame frame) {
    ExpectResult r;
    r.frame_ = std::move(frame);
    return r;
  }
  static ExpectResult failed(std::string message, std::optional<DutFrame> frame = std::nullopt) {
    ExpectResult r;
    r.ok_ = false;
    r.message_ = std::move(message);
    r.frame_ = std::move(frame);
    return r;
  }
  explicit operator bool() const { return ok_; }
  // Empty for a match; else starts with a newline, as MatchResult's.
  const std::string& message() const { return message_; }
  // None after a timeout.
  const std::optional<DutFrame>& frame() const { return frame_; }

 private:
  ExpectResult() = default;
  bool ok_ = true;
  std::string message_;
  std::optional<DutFrame> frame_;
};

std::ostream& operator<<(std::ostream& out, const ExpectResult& r);

// A wait given among matchers: bench.expect_ipv4(ttl(64), within(Duration::seconds(3))).
struct Within {
  net::Duration timeout;
};
inline Within within(net::Duration timeout) { return {timeout}; }

template <typename T>
concept BenchExpectation = Expectation<T> || std::same_as<T, Within>;

class TestBench {
 public:
  // `dut` must outlive the bench. The capture is opened here; pcap_status()
  // says whether it could be.
  TestBench(Dut& dut, TestBenchConfig config);
  TestBench(const TestBench&) = delete;
  TestBench& operator=(const TestBench&) = delete;
  ~TestBench();

  Dut& dut() { return *dut_; }
  const DutIdentity& dut_identity() const { return dut_->identity(); }
  const TestBenchConfig& config() const { return config_; }
  net::Instant now() const { return dut_->now(); }
  // DUT time since the bench was made: how reports give times.
  net::Duration elapsed() const { return dut_->now() - start_; }

  // ---- The capture ----------------------------------------------------------------------
  const std::string& pcap_path() const { return pcap_path_; }
  // A failure when a capture was asked for and could not be opened or written.
  MatchResult pcap_status() const;
  // Closes the file (the destructor does too); later frames are not captured.
  void close_pcap();

  // ---- The peer's frames ------------------------------------------------------------------
  //
  // The DUT receives `frame` now. Frames it sent before are taken first (and
  // answered, for solicitations), so the capture keeps the wire's order.
  // A failure if the DUT could not take it.
  MatchResult inject(std::span<const std::byte> frame);
  MatchResult inject(const std::vector<std::byte>& frame) {
    return inject(std::span<const std::byte>(frame));
  }
  MatchResult inject(const Packet& packet) { return inject(packet.build()); }

  // What a frame to the DUT starts with: eth(peer_mac, DUT MAC) on an
  // Ethernet link, nothing on a raw-IP one; and the IP headers from the
  // peer's address to the DUT's (aborting, as builders do, when either is
  // not configured: a mistake in the test).
  Packet link_to_dut() const;
  Ipv4Layer ipv4_to_dut() const;
  Ipv6Layer ipv6_to_dut() const;

  // ---- Time ------------------------------------------------------------------------------
  //
  // `d` of DUT time passes. Frames the DUT sends meanwhile wait for
  // next_frame() / expect() (solicitations are answered as they come, at
  // the time they were sent on a virtual DUT).
  void advance(net::Duration d);

  // ---- The DUT's frames --------------------------------------------------------------------
  //
  // The next frame no filter takes, waiting up to `timeout`.
  std::optional<DutFrame> next_frame(net::Duration timeout);

  // The next frame, which must match `expected` (match_frame()); `what`
  // names the check in the report.
  ExpectResult expect(const LayerExpect& expected, net::Duration timeout, std::string_view what = "expect");
  ExpectResult expect(const LayerExpect& expected) { return expect(expected, config_.timeout); }
  // The next frame, which must be `exactly` (expect_frame(): every field, then the bytes).
  ExpectResult expect_exactly(const Packet& exactly, net::Duration timeout);
  ExpectResult expect_exactly(const Packet& exactly) { return expect_exactly(exactly, config_.timeout); }

  template <BenchExpectation... Args>
  ExpectResult expect_ipv4(const Args&... args) {
    return expect_args("IPv4", "expect_ipv4", args...);
  }
  template <BenchExpectation... Args>
  ExpectResult expect_ipv6(const Args&... args) {
    return expect_args("IPv6", "expect_ipv6", args...);
  }
  template <BenchExpectation... Args>
  ExpectResult expect_arp(const Args&... args) {
    return expect_args("ARP", "expect_arp", args...);
  }
  template <BenchExpectation... Args>
  ExpectResult expect_ethernet(const Args&... args) {
    return expect_args("Ethernet", "expect_ethernet", args...);
  }

  // No frame (that no filter takes) for `window`, frames already waiting
  // included; else a failure showing the frame decoded and when it came.
  MatchResult expect_none(net::Duration window);

  // ---- What the scenario does not look at --------------------------------------------------
  //
  // Frames any filter matches are passed over by next_frame(), expect() and
  // expect_none() (still captured, and counted).
  void skip(FrameFilter filter);
  void clear_skips();
  std::size_t skipped() const { return skipped_; }

  // On: the bench answers, as the peer would, the DUT's ARP requests for
  // peer_ipv4 and its Neighbor Solicitations (hop limit 255, source not
  // unspecified) for peer_ipv6 / peer_ipv6_link_local, and those requests
  // do not reach the scenario. ARP: a reply from peer_mac (RFC 826); NS: a
  // solicited, override NA with the target link-layer address (RFC 4861
  // 7.2.4), to the source link-layer address option or the frame's source.
  void answer_neighbor_solicitations(bool on) { config_.answer_neighbor_solicitations = on; }
  std::size_t neighbor_answers() const { return neighbor_answers_; }

 private:
  struct Received {
    DutFrame frame;
    DecodedFrame decoded;
  };

  template <typename T>
  static void add_arg(LayerExpect& l, net::Duration& timeout, const T& arg) {
    if constexpr (std::is_same_v<T, Within>)
      timeout = arg.timeout;
    else
      add_expectation(l, arg);
  }
  template <typename... Args>
  ExpectResult expect_args(const char* layer, const char* what, const Args&... args) {
    LayerExpect l{layer, false, {}, {}};
    net::Duration timeout = config_.timeout;
    (add_arg(l, timeout, args), ...);
    return expect(l, timeout, what);
  }

  // One from_dut(wait): false when no frame came.
  bool pull(net::Duration wait);
  // Everything the DUT already sent, into the queue.
  void drain();
  // The next queued frame no filter takes, or none.
  std::optional<Received> pop_unfiltered();
  std::optional<Received> next_received(net::Duration timeout);
  bool answer(const DecodedFrame& d);
  void send(std::span<const std::byte> frame);
  void record(std::span<const std::byte> frame, net::Instant time);
  std::string at(net::Instant t) const;  // "12.500 ms" since the bench began
  std::string skipped_note() const;

  Dut* dut_;
  TestBenchConfig config_;
  net::Instant start_;
  std::string pcap_path_;
  PcapWriter pcap_;
  std::string pcap_error_;
  std::deque<Received> queue_;
  std::vector<FrameFilter> filters_;
  std::size_t skipped_ = 0;
  std::vector<std::string> skipped_now_;  // by the current call, for its report
  std::size_t neighbor_answers_ = 0;
};

}  // namespace hardstack::harness
