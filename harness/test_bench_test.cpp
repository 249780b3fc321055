#include "test_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "hex.hpp"
#include "test_bench_boost.hpp"
#include "virtual_clock.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using net::Duration;
using net::Instant;

namespace {

const auto peer_mac = mac("02:00:00:00:00:01");
const auto dut_mac = mac("02:00:00:00:00:02");
const auto peer4 = ip4("192.0.2.1");
const auto dut4 = ip4("192.0.2.2");
const auto peer6 = ip6("2001:db8::1");
const auto dut6 = ip6("2001:db8::2");
const auto peer_ll = ip6("fe80::1");
const auto dut_ll = ip6("fe80::2");

// Instants as nanoseconds since the DUT's start, for printable comparisons.
std::int64_t at_ms(std::int64_t ms) { return ms * 1'000'000; }
Instant instant_ms(std::int64_t ms) { return Instant::from_ns(at_ms(ms)); }

// A virtual-time DUT run by a script: frames it sends at given times, and
// an echo of every IPv4 or IPv6 frame it receives (the frame itself with the
// MAC addresses swapped) `delay` later.
class ScriptedDut final : public Dut {
 public:
  explicit ScriptedDut(net::LinkType link = net::LinkType::ethernet) : link_(link) {
    identity_.mac = dut_mac;
    identity_.ipv4 = dut4;
    identity_.ipv6 = dut6;
    identity_.ipv6_link_local = dut_ll;
  }

  std::string_view name() const override { return "scripted"; }
  const DutIdentity& identity() const override { return identity_; }
  net::LinkType link_type() const override { return link_; }
  bool virtual_time() const override { return true; }

  bool to_dut(std::span<const std::byte> frame) override {
    if (refuse) return false;
    received.push_back({{frame.begin(), frame.end()}, clock_.current()});
    const bool ip = frame.size() >= 14 && frame[12] == std::byte{0x08} && frame[13] == std::byte{0x00};
    const bool ip6 = frame.size() >= 14 && frame[12] == std::byte{0x86} && frame[13] == std::byte{0xdd};
    if (echo && link_ == net::LinkType::ethernet && (ip || ip6)) {
      std::vector<std::byte> answer(frame.begin(), frame.end());
      std::swap_ranges(answer.begin(), answer.begin() + 6, answer.begin() + 6);
      send_at(clock_.current() + delay, std::move(answer));
    }
    return true;
  }

  std::optional<DutFrame> from_dut(Duration wait) override {
    const Instant until = clock_.current() + wait;
    if (outbox_.empty() || outbox_.begin()->first > until) {
      clock_.set(until);
      return std::nullopt;
    }
    auto first = outbox_.begin();
    DutFrame f{std::move(first->second), first->first};
    outbox_.erase(first);
    if (f.time > clock_.current()) clock_.set(f.time);
    return f;
  }

  void advance(Duration d) override { clock_.advance(d); }
  Instant now() const override { return clock_.current(); }

  // The script.
  void send_at(Instant t, std::vector<std::byte> frame) { outbox_.emplace(t, std::move(frame)); }
  bool echo = true;
  bool refuse = false;
  Duration delay = Duration::milliseconds(5);
  std::vector<DutFrame> received;

 private:
  net::LinkType link_;
  DutIdentity identity_;
  VirtualClock clock_;
  std::multimap<Instant, std::vector<std::byte>> outbox_;  // equal times keep their order
};

TestBenchConfig peer_config() {
  return this_test(
      {.peer_mac = peer_mac, .peer_ipv4 = peer4, .peer_ipv6 = peer6, .peer_ipv6_link_local = peer_ll});
}

const Packet udp_to_dut = eth(peer_mac, dut_mac) / ipv4(peer4, dut4) / udp(1234, 7) / payload("hi");
const Packet udp_echoed = eth(dut_mac, peer_mac) / ipv4(peer4, dut4) / udp(1234, 7) / payload("hi");

// What the kernel says by itself after a link comes up.
const Packet rs_frame = eth(dut_mac, "33:33:00:00:00:02") / ipv6(dut_ll, "ff02::2").hop_limit(255) /
                        nd_rs().options(slla(dut_mac));
// RFC 3810 5.2: one record, CHANGE_TO_EXCLUDE (4) for ff02::1:ff00:2, behind a router alert.
const Packet mld_frame = eth(dut_mac, "33:33:00:00:00:16") / ipv6(dut_ll, "ff02::16").hop_limit(1) /
                         hop_by_hop(router_alert()) /
                         icmpv6_raw(143, 0, hex("0000 0001 04 00 0000 ff020000000000000000 0001ff000002"));
Packet arp_who_has(wire::Ipv4Address target) {
  return eth(dut_mac, wire::MacAddress::broadcast()) / arp_request(dut_mac, dut4, target);
}
// RFC 4861 4.3: to the target's solicited-node group, with our link-layer address.
Packet solicitation(const wire::Ipv6Address& from, const wire::Ipv6Address& target) {
  return eth(dut_mac, "33:33:ff:00:00:01") / ipv6(from, "ff02::1:ff00:1").hop_limit(255) /
         nd_ns(target).options(slla(dut_mac));
}

// The first `lines` lines of a report (after its leading newline).
std::string head(const std::string& message, std::size_t lines) {
  std::size_t at = 0;
  for (std::size_t i = 0; i < lines && at != std::string::npos; ++i) at = message.find('\n', at + 1);
  return at == std::string::npos ? message : message.substr(0, at + 1);
}

std::vector<unsigned char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::uint32_t le32(const std::vector<unsigned char>& b, std::size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

// A classic pcap file read back: link type and records.
struct Capture {
  std::uint32_t link_type = 0;
  struct Record {
    std::uint64_t time_ns;
    std::vector<std::byte> bytes;
  };
  std::vector<Record> records;
};
std::optional<Capture> read_capture(const std::string& path) {
  const auto b = slurp(path);
  if (b.size() < 24 || le32(b, 0) != 0xa1b23c4du) return std::nullopt;
  Capture c;
  c.link_type = le32(b, 20);
  std::size_t at = 24;
  while (b.size() - at >= 16) {
    const std::uint64_t ns = std::uint64_t{le32(b, at)} * 1'000'000'000u + le32(b, at + 4);
    const std::uint32_t len = le32(b, at + 8);
    if (le32(b, at + 12) != len || b.size() - at - 16 < len) return std::nullopt;
    std::vector<std::byte> bytes(len);
    for (std::size_t i = 0; i < len; ++i) bytes[i] = std::byte{b[at + 16 + i]};
    c.records.push_back({ns, std::move(bytes)});
    at += 16 + len;
  }
  if (at != b.size()) return std::nullopt;
  return c;
}

std::filesystem::path scratch_dir(const char* name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("hardstack_test_bench_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_bench)

BOOST_AUTO_TEST_CASE(an_answer_is_expected_with_the_time_it_was_sent) {
  ScriptedDut dut;
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.pcap_status());
  BOOST_TEST(bench.inject(udp_to_dut));
  BOOST_REQUIRE(dut.received.size() == 1u);
  BOOST_TEST(dut.received[0].bytes == udp_to_dut.build());

  const auto r = bench.expect_ipv4(src(peer4), dst(dut4), ttl(64), ethernet(src(dut_mac), dst(peer_mac)),
                                   udp(sport(1234), dport(7), payload("hi")));
  BOOST_TEST_REQUIRE(r);
  BOOST_TEST(r.message().empty());
  BOOST_TEST(r.frame()->bytes == udp_echoed.build());
  BOOST_TEST(r.frame()->time.ns() == at_ms(5));  // the DUT's delay, exactly
  BOOST_TEST(bench.now().ns() == at_ms(5));
  BOOST_TEST(bench.elapsed().count_ns() == at_ms(5));
}

BOOST_AUTO_TEST_CASE(a_frame_that_does_not_match_fails_with_the_field_diff) {
  ScriptedDut dut;
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.inject(udp_to_dut));
  const auto r = bench.expect_ipv4(ttl(1), udp(dport(9)));
  BOOST_TEST(!r);
  BOOST_TEST(head(r.message(), 7) ==
             "\nexpect_ipv4: the frame does not match\n"
             "  IPv4.ttl: expected 1, got 64\n"
             "  UDP.dport: expected 9, got 7\n"
             "expected:\n"
             "  IPv4: ttl=1\n"
             "    UDP: dport=9\n"
             "actual (44 bytes, Ethernet):\n");
  const std::string tail = "sent by the DUT at 5.000 ms\n";
  BOOST_TEST(r.message().substr(r.message().size() - tail.size()) == tail);
  // The frame that failed is there to look at, and was consumed.
  BOOST_REQUIRE(r.frame().has_value());
  BOOST_TEST(r.frame()->bytes == udp_echoed.build());
  BOOST_TEST(!bench.next_frame(Duration::zero()));
}

BOOST_AUTO_TEST_CASE(no_frame_within_the_timeout_fails_after_exactly_the_timeout) {
  ScriptedDut dut;
  TestBench bench(dut, peer_config());
  bench.advance(Duration::milliseconds(2));
  const auto r = bench.expect_ipv4(ttl(64), within(Duration::milliseconds(100)));
  BOOST_TEST(!r);
  BOOST_TEST(r.message() ==
             "\nexpect_ipv4: no frame from the DUT (scripted) within 100.000 ms from 2.000 ms\n"
             "expected:\n"
             "  IPv4: ttl=64\n");
  BOOST_TEST(!r.frame().has_value());
  BOOST_TEST(bench.now().ns() == at_ms(102));
  // The default timeout is the configuration's.
  const auto d = bench.expect(expect_layer("ARP"));
  BOOST_TEST(!d);
  BOOST_TEST(bench.now().ns() == at_ms(1102));
}

BOOST_AUTO_TEST_CASE(a_frame_due_after_the_timeout_is_not_taken) {
  ScriptedDut dut;
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.inject(udp_to_dut));
  BOOST_TEST(!bench.expect_ipv4(within(Duration::microseconds(4999))));
  BOOST_TEST(bench.now().ns() == 4'999'000);
  const auto r = bench.expect_ipv4(within(Duration::microseconds(1)));  // due now
  BOOST_TEST(r);
  BOOST_TEST(bench.now().ns() == at_ms(5));
}

BOOST_AUTO_TEST_CASE(next_frame_hands_out_frames_in_order_with_their_times) {
  ScriptedDut dut;
  dut.echo = false;
  dut.send_at(instant_ms(30), arp_who_has(ip4("192.0.2.9")));
  dut.send_at(instant_ms(10), rs_frame);
  TestBench bench(dut, peer_config());
  const auto first = bench.next_frame(Duration::seconds(1));
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->bytes == rs_frame.build());
  BOOST_TEST(first->time.ns() == at_ms(10));
  // Frames sent during advance() wait in order.
  bench.advance(Duration::milliseconds(50));
  const auto second = bench.next_frame(Duration::zero());
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(second->time.ns() == at_ms(30));
  BOOST_TEST(bench.now().ns() == at_ms(60));
  BOOST_TEST(!bench.next_frame(Duration::milliseconds(7)));
  BOOST_TEST(bench.now().ns() == at_ms(67));
}

BOOST_AUTO_TEST_CASE(expect_none_passes_a_quiet_window_and_shows_a_frame_that_breaks_it) {
  ScriptedDut dut;
  dut.echo = false;
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.expect_none(Duration::milliseconds(20)));
  BOOST_TEST(bench.now().ns() == at_ms(20));

  dut.send_at(instant_ms(50), arp_who_has(peer4));
  const auto r = bench.expect_none(Duration::milliseconds(100));
  BOOST_TEST(!r);
  BOOST_TEST(
      r.message() ==
      "\nexpect_none: the DUT (scripted) sent a frame at 50.000 ms, 30.000 ms into the 100.000 ms window:\n"
      "  (42 bytes, Ethernet)\n"
      "  Ethernet: dst=ff:ff:ff:ff:ff:ff src=02:00:00:00:00:02 type=0x0806 (ARP)\n"
      "  ARP: operation=1 (request) sender_mac=02:00:00:00:00:02 sender_ip=192.0.2.2 "
      "target_mac=00:00:00:00:00:00 target_ip=192.0.2.1\n");
  BOOST_TEST(bench.now().ns() == at_ms(50));  // a virtual DUT stops at the frame
}

BOOST_AUTO_TEST_CASE(expect_none_counts_frames_that_were_already_waiting) {
  ScriptedDut dut;
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.inject(udp_to_dut));
  bench.advance(Duration::milliseconds(10));  // the echo went out at 5 ms
  const auto r = bench.expect_none(Duration::milliseconds(1));
  BOOST_TEST(!r);
  BOOST_TEST(
      head(r.message(), 1) ==
      "\nexpect_none: the DUT (scripted) sent a frame at 5.000 ms, before the 1.000 ms window began:\n");
  BOOST_TEST(bench.now().ns() == at_ms(10));
}

BOOST_AUTO_TEST_CASE(filters_pass_over_frames_the_scenario_does_not_look_at) {
  auto script = [](ScriptedDut& dut) {
    dut.send_at(instant_ms(1), rs_frame);
    dut.send_at(instant_ms(2), mld_frame);
    dut.send_at(instant_ms(3), arp_who_has(ip4("192.0.2.77")));
  };
  {
    ScriptedDut dut;
    script(dut);
    TestBench bench(dut, peer_config());
    BOOST_TEST(bench.inject(udp_to_dut));
    const auto r = bench.expect_ipv4(udp(dport(7)));  // the RS comes first
    BOOST_TEST(!r);
    BOOST_TEST(head(r.message(), 2) ==
               "\nexpect_ipv4: the frame does not match\n"
               "  no IPv4 layer (the frame has Ethernet, IPv6, ICMPv6)\n");
  }
  {
    ScriptedDut dut;
    script(dut);
    TestBench bench(dut, peer_config());
    bench.skip(link_chatter());
    BOOST_TEST(bench.inject(udp_to_dut));
    BOOST_TEST(bench.expect_ipv4(udp(dport(7))));
    BOOST_TEST(bench.skipped() == 3u);
  }
  {
    ScriptedDut dut;
    script(dut);
    TestBench bench(dut, peer_config());
    bench.skip(router_solicitations());
    bench.skip(mld_reports());
    BOOST_TEST(bench.inject(udp_to_dut));
    BOOST_TEST(bench.expect_arp(operation(1), target_ip(ip4("192.0.2.77"))));
    const auto r = bench.expect_ipv6();  // the UDP echo is IPv4
    BOOST_TEST(!r);
    BOOST_TEST(r.message().find("no IPv6 layer (the frame has Ethernet, IPv4, UDP)") != std::string::npos);
    BOOST_TEST(bench.skipped() == 2u);
  }
  {
    // A report says which filters took frames before the one that failed it.
    ScriptedDut dut;
    script(dut);
    TestBench bench(dut, peer_config());
    bench.skip(link_chatter());
    BOOST_TEST(bench.inject(udp_to_dut));
    const auto r = bench.expect_ipv4(ttl(1));
    BOOST_TEST(!r);
    const std::string tail =
        "sent by the DUT at 5.000 ms; 3 frames skipped before it "
        "(link_chatter, link_chatter, link_chatter)\n";
    BOOST_TEST(r.message().substr(r.message().size() - tail.size()) == tail);
  }
  {
    // A filter of the scenario's own; clear_skips() ends them all.
    ScriptedDut dut;
    dut.echo = false;
    dut.send_at(instant_ms(1), arp_who_has(ip4("192.0.2.77")));
    dut.send_at(instant_ms(2), arp_who_has(ip4("192.0.2.78")));
    TestBench bench(dut, peer_config());
    bench.skip({"who-has .77", [](const DecodedFrame& d) {
                  const auto* arp = d.find("ARP");
                  return arp != nullptr && arp->field("target_ip")->value == "192.0.2.77";
                }});
    BOOST_TEST(bench.expect_none(Duration::microseconds(1500)));
    bench.clear_skips();
    BOOST_TEST(bench.expect_arp(target_ip(ip4("192.0.2.78"))));
  }
}

BOOST_AUTO_TEST_CASE(the_stock_filters_match_what_they_name) {
  const auto decoded = [](const Packet& p) { return decode(p); };
  const auto ns = decoded(solicitation(dut6, peer6));
  const auto rs = decoded(rs_frame);
  const auto mld = decoded(mld_frame);
  const auto who_has = decoded(arp_who_has(peer4));
  const auto arp_answer = decoded(eth(dut_mac, peer_mac) / arp_reply(dut_mac, dut4, peer_mac, peer4));
  const auto echo = decoded(eth(dut_mac, peer_mac) / ipv6(dut6, peer6) / icmpv6_echo_request(1, 1));
  BOOST_TEST(neighbor_solicitations().matches(ns));
  BOOST_TEST(!neighbor_solicitations().matches(rs));
  BOOST_TEST(router_solicitations().matches(rs));
  BOOST_TEST(!router_solicitations().matches(ns));
  BOOST_TEST(mld_reports().matches(mld));
  BOOST_TEST(!mld_reports().matches(echo));
  BOOST_TEST(arp_requests().matches(who_has));
  BOOST_TEST(!arp_requests().matches(arp_answer));
  for (const auto* d : {&ns, &rs, &mld, &who_has}) BOOST_TEST(link_chatter().matches(*d));
  for (const auto* d : {&arp_answer, &echo}) BOOST_TEST(!link_chatter().matches(*d));
}

BOOST_AUTO_TEST_CASE(the_peer_answers_arp_requests_for_its_address) {
  ScriptedDut dut;
  dut.echo = false;
  dut.send_at(instant_ms(1), arp_who_has(peer4));
  dut.send_at(instant_ms(2), arp_who_has(ip4("192.0.2.99")));  // not the peer's: the scenario's business
  TestBench bench(dut, peer_config());
  bench.answer_neighbor_solicitations(true);
  BOOST_TEST(bench.expect_arp(target_ip(ip4("192.0.2.99"))));
  BOOST_TEST(bench.neighbor_answers() == 1u);
  BOOST_REQUIRE(dut.received.size() == 1u);
  // RFC 826: the reply, from the peer's MAC to the requester's.
  BOOST_TEST(expect_frame(dut.received[0].bytes,
                          eth(peer_mac, dut_mac) / arp_reply(peer_mac, peer4, dut_mac, dut4)));
  BOOST_TEST(dut.received[0].time.ns() == at_ms(1));
}

BOOST_AUTO_TEST_CASE(without_answers_the_requests_reach_the_scenario) {
  ScriptedDut dut;
  dut.echo = false;
  dut.send_at(instant_ms(1), arp_who_has(peer4));
  dut.send_at(instant_ms(2), solicitation(dut6, peer6));
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.expect_arp(operation(1), target_ip(peer4)));
  BOOST_TEST(bench.expect_ipv6(icmpv6(neighbor_solicitation(target(peer6)))));
  BOOST_TEST(dut.received.empty());
  BOOST_TEST(bench.neighbor_answers() == 0u);
}

BOOST_AUTO_TEST_CASE(the_peer_answers_neighbor_solicitations_for_its_addresses) {
  ScriptedDut dut;
  dut.echo = false;
  dut.send_at(instant_ms(1), solicitation(dut6, peer6));
  dut.send_at(instant_ms(2), solicitation(dut_ll, peer_ll));
  // NUD: unicast, without the source link-layer option (RFC 4861 7.2.2).
  dut.send_at(instant_ms(3), eth(dut_mac, peer_mac) / ipv6(dut_ll, peer6).hop_limit(255) / nd_ns(peer6));
  // Not answered, so the scenario sees them: hop limit not 255 (RFC 4861
  // 7.1.1), duplicate address detection (unspecified source), another target.
  const Packet hop_64 = eth(dut_mac, "33:33:ff:00:00:01") / ipv6(dut6, "ff02::1:ff00:1").hop_limit(64) /
                        nd_ns(peer6).options(slla(dut_mac));
  const Packet dad =
      eth(dut_mac, "33:33:ff:00:00:01") / ipv6("::", "ff02::1:ff00:1").hop_limit(255) / nd_ns(peer6);
  dut.send_at(instant_ms(4), hop_64);
  dut.send_at(instant_ms(5), dad);
  dut.send_at(instant_ms(6), solicitation(dut6, ip6("2001:db8::99")));
  TestBench bench(dut, peer_config());
  bench.answer_neighbor_solicitations(true);
  BOOST_TEST(bench.expect_exactly(hop_64));
  BOOST_TEST(bench.expect_exactly(dad));
  BOOST_TEST(bench.expect_ipv6(icmpv6(neighbor_solicitation(target(ip6("2001:db8::99"))))));
  BOOST_TEST(bench.expect_none(Duration::milliseconds(10)));
  BOOST_TEST(bench.neighbor_answers() == 3u);
  BOOST_REQUIRE(dut.received.size() == 3u);
  // RFC 4861 7.2.4: to the solicitation's source, Solicited and Override, with our MAC.
  BOOST_TEST(expect_frame(dut.received[0].bytes,
                          eth(peer_mac, dut_mac) / ipv6(peer6, dut6).hop_limit(255) /
                              nd_na(peer6).solicited().override_flag().options(tlla(peer_mac))));
  BOOST_TEST(expect_frame(dut.received[1].bytes,
                          eth(peer_mac, dut_mac) / ipv6(peer_ll, dut_ll).hop_limit(255) /
                              nd_na(peer_ll).solicited().override_flag().options(tlla(peer_mac))));
  BOOST_TEST(expect_frame(dut.received[2].bytes,
                          eth(peer_mac, dut_mac) / ipv6(peer6, dut_ll).hop_limit(255) /
                              nd_na(peer6).solicited().override_flag().options(tlla(peer_mac))));
  BOOST_TEST(dut.received[2].time.ns() == at_ms(3));
}

BOOST_AUTO_TEST_CASE(every_frame_both_ways_is_captured_with_the_duts_time) {
  const auto dir = scratch_dir("capture");
  ScriptedDut dut;
  dut.send_at(instant_ms(1), arp_who_has(peer4));
  const std::string path = (dir / "sub" / "scenario.pcap").string();  // the folders are made
  {
    auto config = peer_config();
    config.pcap_path = path;
    TestBench bench(dut, config);
    BOOST_TEST(bench.pcap_path() == path);
    bench.answer_neighbor_solicitations(true);
    bench.advance(Duration::milliseconds(2));  // the ARP request at 1 ms, answered at once
    BOOST_TEST(bench.inject(udp_to_dut));      // at 2 ms
    BOOST_TEST(bench.expect_ipv4());           // the echo at 7 ms
    BOOST_TEST(bench.pcap_status());
  }
  const auto capture = read_capture(path);
  BOOST_REQUIRE(capture.has_value());
  BOOST_TEST(capture->link_type == 1u);  // LINKTYPE_ETHERNET
  BOOST_REQUIRE(capture->records.size() == 4u);
  BOOST_TEST(capture->records[0].time_ns == 1'000'000u);
  BOOST_TEST(capture->records[0].bytes == arp_who_has(peer4).build());
  BOOST_TEST(capture->records[1].time_ns == 1'000'000u);
  BOOST_TEST(expect_arp(capture->records[1].bytes, operation(2), sender_mac(peer_mac)));
  BOOST_TEST(capture->records[2].time_ns == 2'000'000u);
  BOOST_TEST(capture->records[2].bytes == udp_to_dut.build());
  BOOST_TEST(capture->records[3].time_ns == 7'000'000u);
  BOOST_TEST(capture->records[3].bytes == udp_echoed.build());
  std::filesystem::remove_all(dir.parent_path());
}

BOOST_AUTO_TEST_CASE(a_raw_ip_dut_is_captured_as_raw_ip_and_framed_without_ethernet) {
  const auto dir = scratch_dir("raw");
  ScriptedDut dut(net::LinkType::raw_ip);
  dut.echo = false;
  const std::vector<std::byte> datagram = ipv4(dut4, peer4) / udp(7, 1234);
  dut.send_at(instant_ms(3), datagram);
  const std::string path = (dir / "raw.pcap").string();
  {
    auto config = peer_config();
    config.pcap_path = path;
    TestBench bench(dut, config);
    const Packet to_dut = bench.link_to_dut() / bench.ipv4_to_dut() / udp(1234, 7);
    BOOST_TEST((to_dut.link_type() == net::LinkType::raw_ip));
    BOOST_TEST(to_dut.build() == (ipv4(peer4, dut4) / udp(1234, 7)).build());
    BOOST_TEST(bench.inject(to_dut));
    BOOST_TEST(bench.expect_ipv4(src(dut4), dst(peer4), udp(sport(7))));
  }
  const auto capture = read_capture(path);
  BOOST_REQUIRE(capture.has_value());
  BOOST_TEST(capture->link_type == 101u);  // LINKTYPE_RAW
  BOOST_TEST(capture->records.size() == 2u);
  std::filesystem::remove_all(dir.parent_path());
}

BOOST_AUTO_TEST_CASE(frames_to_the_dut_start_with_the_peer_and_dut_addresses) {
  ScriptedDut dut;
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.link_to_dut().build() == Packet(eth(peer_mac, dut_mac)).build());
  BOOST_TEST((bench.link_to_dut() / bench.ipv6_to_dut() / icmpv6_echo_request(1, 2)).build() ==
             (eth(peer_mac, dut_mac) / ipv6(peer6, dut6) / icmpv6_echo_request(1, 2)).build());
}

BOOST_AUTO_TEST_CASE(expect_exactly_compares_every_field_then_the_bytes) {
  ScriptedDut dut;
  TestBench bench(dut, peer_config());
  BOOST_TEST(bench.inject(udp_to_dut));
  BOOST_TEST(bench.expect_exactly(udp_echoed));
  BOOST_TEST(bench.inject(udp_to_dut));
  const auto r =
      bench.expect_exactly(eth(dut_mac, peer_mac) / ipv4(peer4, dut4) / udp(1234, 7) / payload("ho"));
  BOOST_TEST(!r);
  BOOST_TEST(head(r.message(), 3) ==
             "\nexpect_frame: the frame does not match\n"
             "  UDP.checksum: expected 0x0e8e (ok), got 0x0e94 (ok)\n"
             "  UDP.payload: expected 686f, got 6869\n");
  const auto t = bench.expect_exactly(udp_echoed, Duration::milliseconds(1));
  BOOST_TEST(!t);
  BOOST_TEST(head(t.message(), 2) ==
             "\nexpect_exactly: no frame from the DUT (scripted) within 1.000 ms from 10.000 ms\n"
             "expected:\n");
}

BOOST_AUTO_TEST_CASE(a_frame_the_dut_refuses_fails_inject) {
  ScriptedDut dut;
  dut.refuse = true;
  TestBench bench(dut, peer_config());
  const auto r = bench.inject(udp_to_dut);
  BOOST_TEST(!r);
  BOOST_TEST(head(r.message(), 2) ==
             "\ninject: the DUT (scripted) did not take the frame at 0.000 ms\n"
             "  (44 bytes, Ethernet)\n");
}

BOOST_AUTO_TEST_CASE(a_capture_that_cannot_be_made_is_reported_and_the_scenario_runs_on) {
  ScriptedDut dut;
  auto config = peer_config();
  config.pcap_path = "/proc/hardstack-no-such-folder/x.pcap";
  TestBench bench(dut, config);
  const auto status = bench.pcap_status();
  BOOST_TEST(!status);
  BOOST_TEST(status.message().find("cannot create the capture /proc/hardstack-no-such-folder/x.pcap: ") ==
             1u);
  BOOST_TEST(bench.inject(udp_to_dut));
  BOOST_TEST(bench.expect_ipv4());
}

BOOST_AUTO_TEST_CASE(the_default_capture_is_named_after_the_test) {
  BOOST_TEST(current_test_name() == "test_bench.the_default_capture_is_named_after_the_test");
  const char* saved = std::getenv("HARDSTACK_PCAP_DIR");
  const std::string saved_value = saved != nullptr ? saved : "";
  const auto dir = scratch_dir("default");

  ::setenv("HARDSTACK_PCAP_DIR", dir.c_str(), 1);
  BOOST_TEST(default_pcap_path("suite/case <1>") == dir.string() + "/suite_case__1_.pcap");
  BOOST_TEST(default_pcap_path("") == dir.string() + "/unnamed.pcap");
  {
    ScriptedDut dut;
    TestBench bench(dut, this_test());
    BOOST_TEST(bench.pcap_path() ==
               dir.string() + "/test_bench.the_default_capture_is_named_after_the_test.pcap");
    BOOST_TEST(bench.pcap_status());
  }
  BOOST_TEST(std::filesystem::exists(dir / "test_bench.the_default_capture_is_named_after_the_test.pcap"));
  // A path given wins over the test name.
  BOOST_TEST(this_test({.pcap_path = "x.pcap"}).test_name == current_test_name());
  {
    ScriptedDut dut;
    TestBench bench(dut, {.pcap_path = (dir / "given.pcap").string(), .test_name = "ignored"});
    BOOST_TEST(bench.pcap_path() == (dir / "given.pcap").string());
  }

  ::setenv("HARDSTACK_PCAP_DIR", "", 1);
  BOOST_TEST(default_pcap_path("a.b") == "pcap/a.b.pcap");
  ::unsetenv("HARDSTACK_PCAP_DIR");
  BOOST_TEST(default_pcap_path("a.b") == "pcap/a.b.pcap");
  if (saved != nullptr) ::setenv("HARDSTACK_PCAP_DIR", saved_value.c_str(), 1);
  // Without a path or a test name, nothing is captured.
  ScriptedDut dut;
  TestBench bench(dut, {});
  BOOST_TEST(bench.pcap_path().empty());
  BOOST_TEST(bench.pcap_status());
  std::filesystem::remove_all(dir.parent_path());
}

BOOST_AUTO_TEST_CASE(the_eui64_link_local_address_of_a_mac) {
  // RFC 4291 2.5.1: 02:00:00:00:00:02 -> interface identifier 0000:00ff:fe00:0002.
  BOOST_TEST(eui64_link_local(mac("02:00:00:00:00:02")).to_string() == "fe80::ff:fe00:2");
  BOOST_TEST(eui64_link_local(mac("00:1b:21:3c:4d:5e")).to_string() == "fe80::21b:21ff:fe3c:4d5e");
}

BOOST_AUTO_TEST_SUITE_END()
