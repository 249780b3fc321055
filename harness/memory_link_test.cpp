#include "memory_link.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "builders.hpp"
#include "hex.hpp"
#include "virtual_clock.hpp"

using namespace hardstack::harness;
using hardstack::net::Duration;
using hardstack::net::Instant;
namespace net = hardstack::net;
using hardstack::net::SeededEntropy;

namespace {

std::vector<std::byte> frame_of(std::size_t len, std::uint8_t fill) {
  return std::vector<std::byte>(len, std::byte{fill});
}

// The next frame `d` receives, as bytes, or nothing.
std::optional<std::vector<std::byte>> next_frame(hardstack::net::Device& d) {
  std::vector<std::byte> buffer(2048);
  const auto n = d.receive(buffer);
  if (!n) return std::nullopt;
  buffer.resize(std::min(*n, buffer.size()));
  return buffer;
}

MemoryLink make_link(const MemoryLinkConfig& config, hardstack::net::Clock& clock,
                     hardstack::net::Entropy* entropy = nullptr) {
  auto link = MemoryLink::create(config, clock, entropy);
  BOOST_REQUIRE(link);
  return std::move(*link);
}

struct PcapRecord {
  std::uint64_t ns;
  std::vector<std::byte> bytes;
};

// Reads back a nanosecond pcap the harness wrote (little-endian).
std::vector<PcapRecord> read_pcap(const std::string& path, std::uint32_t& link_type) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto le32 = [&](std::size_t at) {
    return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
  };
  link_type = le32(20);
  std::vector<PcapRecord> records;
  for (std::size_t at = 24; at + 16 <= b.size();) {
    const std::uint64_t ns = std::uint64_t{le32(at)} * 1'000'000'000u + le32(at + 4);
    const std::size_t len = le32(at + 8);
    std::vector<std::byte> bytes(len);
    for (std::size_t i = 0; i < len; ++i) bytes[i] = std::byte{b[at + 16 + i]};
    records.push_back({ns, std::move(bytes)});
    at += 16 + len;
  }
  return records;
}

std::string temp_path(const char* name) { return (std::filesystem::temp_directory_path() / name).string(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(memory_link)

BOOST_AUTO_TEST_CASE(frames_cross_in_both_directions) {
  VirtualClock clock;
  auto link = make_link({}, clock);
  BOOST_TEST((link.a().link_type() == net::LinkType::ethernet));
  BOOST_TEST(link.b().mtu() == 1500u);
  const auto ab = frame_of(60, 0xab);
  const auto ba = frame_of(70, 0xba);
  BOOST_TEST(!next_frame(link.b()));
  BOOST_TEST(link.a().transmit(ab));
  BOOST_TEST(link.b().transmit(ba));
  BOOST_TEST(link.pending_to_b() == 1u);
  BOOST_TEST((next_frame(link.b()) == ab));
  BOOST_TEST((next_frame(link.a()) == ba));
  BOOST_TEST(!next_frame(link.b()));
  BOOST_TEST(link.a_to_b().transmitted == 1u);
  BOOST_TEST(link.a_to_b().delivered == 1u);
  BOOST_TEST(link.b_to_a().delivered == 1u);
}

BOOST_AUTO_TEST_CASE(short_receive_buffer_cuts_the_frame_and_reports_its_length) {
  VirtualClock clock;
  auto link = make_link({}, clock);
  BOOST_TEST(link.a().transmit(hex("0102030405")));
  std::vector<std::byte> buffer(3);
  const auto n = link.b().receive(buffer);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 5u);  // as recv's MSG_TRUNC
  BOOST_TEST(to_hex(buffer) == "010203");
  BOOST_TEST(link.a_to_b().truncated == 1u);
}

BOOST_AUTO_TEST_CASE(full_queue_refuses_and_counts) {
  VirtualClock clock;
  MemoryLinkConfig config;
  config.queue_frames = 2;
  auto link = make_link(config, clock);
  BOOST_TEST(link.a().transmit(frame_of(60, 1)));
  BOOST_TEST(link.a().transmit(frame_of(60, 2)));
  BOOST_TEST(!link.a().transmit(frame_of(60, 3)));
  BOOST_TEST(link.a_to_b().queue_full == 1u);
  BOOST_TEST(link.a_to_b().transmitted == 2u);
  BOOST_TEST(link.b().transmit(frame_of(60, 4)));  // the other direction has its own queue
  BOOST_TEST((next_frame(link.b()) == frame_of(60, 1)));
  BOOST_TEST(link.a().transmit(frame_of(60, 3)));  // room again
  BOOST_TEST((next_frame(link.b()) == frame_of(60, 2)));
  BOOST_TEST((next_frame(link.b()) == frame_of(60, 3)));
}

BOOST_AUTO_TEST_CASE(frames_longer_than_mtu_plus_link_header_are_refused) {
  VirtualClock clock;
  MemoryLinkConfig config;
  config.mtu = 100;
  auto eth = make_link(config, clock);
  BOOST_TEST(eth.a().transmit(frame_of(114, 0)));
  BOOST_TEST(!eth.a().transmit(frame_of(115, 0)));
  auto tagged = frame_of(118, 0);  // an 802.1Q tag adds 4 bytes
  tagged[12] = std::byte{0x81};
  BOOST_TEST(eth.a().transmit(tagged));
  tagged.push_back(std::byte{0});
  BOOST_TEST(!eth.a().transmit(tagged));
  BOOST_TEST(eth.a_to_b().oversize == 2u);
  config.link_type = net::LinkType::raw_ip;
  auto tun = make_link(config, clock);
  BOOST_TEST(tun.a().transmit(frame_of(100, 0x45)));
  BOOST_TEST(!tun.a().transmit(frame_of(101, 0x45)));
  BOOST_TEST(tun.a_to_b().oversize == 1u);
}

BOOST_AUTO_TEST_CASE(configuration_mistakes_are_refused) {
  VirtualClock clock;
  SeededEntropy entropy(1);
  const auto error_of = [&](MemoryLinkConfig c, hardstack::net::Entropy* e) {
    auto link = MemoryLink::create(c, clock, e);
    BOOST_REQUIRE(!link);
    return link.error();
  };
  MemoryLinkConfig c;
  c.mtu = 67;
  BOOST_TEST((error_of(c, nullptr) == LinkConfigError::mtu_out_of_range));
  c.mtu = 65536;
  BOOST_TEST((error_of(c, nullptr) == LinkConfigError::mtu_out_of_range));
  c = {};
  c.queue_frames = 0;
  BOOST_TEST((error_of(c, nullptr) == LinkConfigError::zero_queue));
  c = {};
  c.b_to_a.reorder_ppm = 1'000'001;
  BOOST_TEST((error_of(c, &entropy) == LinkConfigError::probability_out_of_range));
  c = {};
  c.a_to_b.loss_ppm = 10'000;
  BOOST_TEST((error_of(c, nullptr) == LinkConfigError::impairments_without_entropy));
  c = {};
  c.latency = Duration::nanoseconds(-1);
  BOOST_TEST((error_of(c, nullptr) == LinkConfigError::negative_latency));
  BOOST_TEST(std::string(to_string(LinkConfigError::zero_queue)) == "a queue of 0 frames");
  c = {};
  c.mtu = 68;
  BOOST_TEST(MemoryLink::create(c, clock).has_value());
}

BOOST_AUTO_TEST_CASE(latency_holds_frames_until_their_time) {
  VirtualClock clock(Instant::from_ns(1'000));
  MemoryLinkConfig config;
  config.latency = Duration::milliseconds(10);
  auto link = make_link(config, clock);
  BOOST_TEST((link.next_delivery() == Instant::never()));
  BOOST_TEST(link.a().transmit(frame_of(60, 1)));
  clock.advance(Duration::milliseconds(1));
  BOOST_TEST(link.b().transmit(frame_of(60, 2)));
  BOOST_TEST(link.next_delivery().ns() == 10'001'000);
  clock.set(Instant::from_ns(10'000'999));
  BOOST_TEST(!next_frame(link.b()));
  clock.advance(Duration::nanoseconds(1));
  BOOST_TEST((next_frame(link.b()) == frame_of(60, 1)));
  BOOST_TEST(link.next_delivery().ns() == 11'001'000);  // b's frame to a
  BOOST_TEST(!next_frame(link.a()));
}

BOOST_AUTO_TEST_CASE(loss_is_deterministic_for_a_seed) {
  // 1% loss over 10,000 frames: the same seed loses the same frames.
  const auto run = [](std::uint64_t seed) {
    VirtualClock clock;
    SeededEntropy entropy(seed);
    MemoryLinkConfig config;
    config.a_to_b.loss_ppm = 10'000;
    auto link = make_link(config, clock, &entropy);
    std::vector<std::size_t> lost;
    for (std::size_t i = 0; i < 10'000; ++i) {
      auto f = frame_of(60, 0);
      f[0] = std::byte(i & 0xff);
      f[1] = std::byte(i >> 8);
      BOOST_REQUIRE(link.a().transmit(f));  // a lost frame is still "sent"
      if (!next_frame(link.b())) lost.push_back(i);
    }
    BOOST_TEST(link.a_to_b().lost == lost.size());
    return lost;
  };
  const auto first = run(42);
  BOOST_TEST(first.size() > 60u);  // 100 expected; 4 sigma is 40
  BOOST_TEST(first.size() < 140u);
  BOOST_TEST((run(42) == first));
  BOOST_TEST((run(43) != first));
}

BOOST_AUTO_TEST_CASE(duplication_and_reordering) {
  VirtualClock clock;
  SeededEntropy entropy(7);
  MemoryLinkConfig config;
  config.a_to_b.duplicate_ppm = 1'000'000;
  config.b_to_a.reorder_ppm = 1'000'000;
  auto link = make_link(config, clock, &entropy);
  BOOST_TEST(link.a().transmit(frame_of(60, 1)));
  BOOST_TEST((next_frame(link.b()) == frame_of(60, 1)));
  BOOST_TEST((next_frame(link.b()) == frame_of(60, 1)));
  BOOST_TEST(!next_frame(link.b()));
  BOOST_TEST(link.a_to_b().duplicated == 1u);
  // Each frame overtakes the one queued before it: 1, 2, 3 arrive as 2, 3, 1.
  for (std::uint8_t i = 1; i <= 3; ++i) BOOST_TEST(link.b().transmit(frame_of(60, i)));
  BOOST_TEST((next_frame(link.a()) == frame_of(60, 2)));
  BOOST_TEST((next_frame(link.a()) == frame_of(60, 3)));
  BOOST_TEST((next_frame(link.a()) == frame_of(60, 1)));
  BOOST_TEST(link.b_to_a().reordered == 2u);  // the first had nothing to overtake
}

BOOST_AUTO_TEST_CASE(pcap_tap_records_what_entered_the_link_with_virtual_time) {
  const auto path = temp_path("hardstack_memory_link_test.pcap");
  VirtualClock clock(Instant::from_ns(2'000'000'005));
  SeededEntropy entropy(1);
  MemoryLinkConfig config;
  config.b_to_a.loss_ppm = 1'000'000;  // everything b sends is lost
  auto link = make_link(config, clock, &entropy);
  {
    PcapWriter pcap;
    BOOST_REQUIRE(pcap.open(path, pcap_link_type(net::LinkType::ethernet)));
    link.set_tap(&pcap);
    BOOST_TEST(link.a().transmit(frame_of(60, 1)));
    clock.advance(Duration::microseconds(3));
    BOOST_TEST(link.b().transmit(frame_of(60, 2)));  // lost: did not cross
    BOOST_TEST(link.a().transmit(frame_of(61, 3)));
    link.set_tap(nullptr);
    BOOST_TEST(link.a().transmit(frame_of(62, 4)));  // not tapped
    BOOST_REQUIRE(pcap.close());
  }
  std::uint32_t link_type = 0;
  const auto records = read_pcap(path, link_type);
  BOOST_TEST(link_type == 1u);
  BOOST_REQUIRE(records.size() == 2u);
  BOOST_TEST(records[0].ns == 2'000'000'005u);
  BOOST_TEST((records[0].bytes == frame_of(60, 1)));
  BOOST_TEST(records[1].ns == 2'000'003'005u);
  BOOST_TEST((records[1].bytes == frame_of(61, 3)));
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(endpoints_survive_a_move) {
  VirtualClock clock;
  auto link = make_link({}, clock);
  hardstack::net::Device& a = link.a();
  MemoryLink moved = std::move(link);
  BOOST_TEST(a.transmit(frame_of(60, 9)));
  BOOST_TEST((next_frame(moved.b()) == frame_of(60, 9)));
  BOOST_TEST(&a == &moved.a());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(capture_device)

BOOST_AUTO_TEST_CASE(test_takes_what_was_sent_and_injects_what_is_received) {
  VirtualClock clock;
  auto dev = CaptureDevice::create({}, clock);
  BOOST_REQUIRE(dev);
  hardstack::net::Device& device = *dev;  // the stack's side
  BOOST_TEST(device.transmit(frame_of(60, 1)));
  BOOST_TEST(device.transmit(frame_of(61, 2)));
  BOOST_TEST(dev->sent_count() == 2u);
  BOOST_TEST((dev->sent(1) == frame_of(61, 2)));
  BOOST_TEST((dev->take() == frame_of(60, 1)));
  const auto rest = dev->take_all();
  BOOST_REQUIRE(rest.size() == 1u);
  BOOST_TEST((rest[0] == frame_of(61, 2)));
  BOOST_TEST(!dev->take());

  BOOST_TEST(!next_frame(device));
  BOOST_TEST(dev->inject(hex("00")));  // any bytes: malformed frames are the point
  BOOST_TEST(dev->inject(eth() / ipv4("192.0.2.1", "192.0.2.2")));  // a Packet from the builders
  BOOST_TEST(dev->inject(frame_of(3000, 7)));
  BOOST_TEST(dev->injected_pending() == 3u);
  BOOST_TEST((next_frame(device) == hex("00")));
  BOOST_TEST(next_frame(device)->size() == 14u + 20u);
  std::vector<std::byte> small(2048);
  BOOST_TEST(device.receive(small).value_or(0) == 3000u);  // cut to the buffer, full length reported
  BOOST_TEST(dev->counters().truncated == 1u);
  BOOST_TEST(dev->counters().delivered == 3u);
  BOOST_TEST(dev->counters().transmitted == 2u);
}

BOOST_AUTO_TEST_CASE(bounded_queues_and_mtu) {
  VirtualClock clock;
  CaptureDeviceConfig config;
  config.link_type = net::LinkType::raw_ip;
  config.mtu = 1280;
  config.sent_queue_frames = 1;
  config.inject_queue_frames = 1;
  auto dev = CaptureDevice::create(config, clock);
  BOOST_REQUIRE(dev);
  BOOST_TEST((dev->link_type() == net::LinkType::raw_ip));
  BOOST_TEST(!dev->transmit(frame_of(1281, 0x60)));
  BOOST_TEST(dev->transmit(frame_of(1280, 0x60)));
  BOOST_TEST(!dev->transmit(frame_of(40, 0x60)));
  BOOST_TEST(dev->inject(frame_of(40, 0x60)));
  BOOST_TEST(!dev->inject(frame_of(40, 0x60)));
  const CaptureCounters expected{1, 1, 1, 1, 1, 0, 0};
  BOOST_TEST((dev->counters() == expected));
  config.sent_queue_frames = 0;
  BOOST_TEST((CaptureDevice::create(config, clock).error() == LinkConfigError::zero_queue));
  config.sent_queue_frames = 1;
  config.mtu = 0;
  BOOST_TEST((CaptureDevice::create(config, clock).error() == LinkConfigError::mtu_out_of_range));
}

BOOST_AUTO_TEST_CASE(tap_records_both_directions_in_order) {
  const auto path = temp_path("hardstack_capture_device_test.pcap");
  VirtualClock clock(Instant::from_ns(5));
  auto dev = CaptureDevice::create({}, clock);
  BOOST_REQUIRE(dev);
  {
    PcapWriter pcap;
    BOOST_REQUIRE(pcap.open(path, pcap_link_type(dev->link_type())));
    dev->set_tap(&pcap);
    BOOST_TEST(dev->inject(frame_of(60, 1)));
    clock.advance(Duration::nanoseconds(10));
    BOOST_TEST(dev->transmit(frame_of(60, 2)));
    BOOST_REQUIRE(pcap.close());
  }
  std::uint32_t link_type = 0;
  const auto records = read_pcap(path, link_type);
  BOOST_REQUIRE(records.size() == 2u);
  BOOST_TEST(records[0].ns == 5u);
  BOOST_TEST((records[0].bytes == frame_of(60, 1)));
  BOOST_TEST(records[1].ns == 15u);
  BOOST_TEST((records[1].bytes == frame_of(60, 2)));
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_SUITE_END()
