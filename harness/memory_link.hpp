// In-memory devices for tests, fuzzers and benchmarks.
//
// MemoryLink: two connected Devices (`a()` and `b()`), Ethernet or raw IP,
// with an MTU, a bounded queue per direction, an optional one-way latency and
// optional loss, duplication and reordering drawn from an injected Entropy, so
// a run with the same seed loses the same frames. A pcap tap sees every frame
// that enters the link, with the virtual time it was sent at.
//
// CaptureDevice: one Device whose other side is the test: frames the device's
// user (the stack) transmits wait to be taken and inspected; frames the test
// injects wait to be received. What the TestBench plays the peer through.
//
// Neither reads a clock of its own: both take the host's Clock (a
// VirtualClock in tests) for latency and pcap timestamps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "hardstack/net/device.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/time.hpp"
#include "hardstack/wire/result.hpp"
#include "pcap.hpp"

namespace hardstack::harness {

// The pcap link type that records frames of a device of `link`.
PcapLinkType pcap_link_type(net::LinkType link);

// What one direction of a link does to the frames it carries, each a
// probability in parts per million (1% = 10'000). Per frame, in this order:
// lost (never delivered); else duplicated (delivered twice, if the queue has
// room for the copy); reordered (it overtakes the frame queued before it, if
// that one is still waiting).
struct LinkImpairments {
  static constexpr std::uint32_t million = 1'000'000;
  std::uint32_t loss_ppm = 0;
  std::uint32_t duplicate_ppm = 0;
  std::uint32_t reorder_ppm = 0;
  bool any() const { return loss_ppm != 0 || duplicate_ppm != 0 || reorder_ppm != 0; }
};

struct MemoryLinkConfig {
  net::LinkType link_type = net::LinkType::ethernet;
  // The largest IP datagram a frame carries. A frame longer than the MTU plus
  // the link header (14 bytes on Ethernet, 18 with an 802.1Q tag) is refused.
  std::size_t mtu = 1500;
  // Frames waiting in each direction; transmit() refuses a frame when full.
  // Storage for all of them is taken at creation: no allocation per frame.
  std::size_t queue_frames = 64;
  // One-way delay: a frame sent at t is received from t + latency on.
  net::Duration latency = net::Duration::zero();
  LinkImpairments a_to_b;
  LinkImpairments b_to_a;
};

// Configuration mistakes, refused by create().
enum class LinkConfigError : std::uint8_t {
  mtu_out_of_range,             // below 68 (RFC 791's minimum) or above 65535
  zero_queue,                   // a queue of 0 frames
  probability_out_of_range,     // a ppm above 1'000'000
  impairments_without_entropy,  // loss/duplication/reordering asked for, no Entropy given
  negative_latency,
};

const char* to_string(LinkConfigError e);

// Per direction, every frame's fate.
struct LinkCounters {
  std::uint64_t transmitted = 0;  // frames transmit() accepted (lost ones included)
  std::uint64_t delivered = 0;    // frames receive() handed out (duplicates included)
  std::uint64_t queue_full = 0;   // refused: the queue was full
  std::uint64_t oversize = 0;     // refused: longer than the MTU allows
  std::uint64_t lost = 0;         // accepted, then dropped by the loss impairment
  std::uint64_t duplicated = 0;   // extra copies queued
  std::uint64_t reordered = 0;    // frames that overtook the one before them
  std::uint64_t truncated = 0;    // handed to a receive buffer shorter than the frame
  bool operator==(const LinkCounters&) const = default;
};

class MemoryLink {
 public:
  class Endpoint;

  // `clock` and `entropy` must outlive the link; `entropy` is needed only
  // when an impairment is configured.
  static Result<MemoryLink, LinkConfigError> create(const MemoryLinkConfig& config, net::Clock& clock,
                                                    net::Entropy* entropy = nullptr);

  MemoryLink(MemoryLink&&) noexcept;
  MemoryLink& operator=(MemoryLink&&) noexcept;
  ~MemoryLink();

  // The two ends. Their addresses stay the same when the link is moved.
  Endpoint& a();
  Endpoint& b();

  const LinkCounters& a_to_b() const;
  const LinkCounters& b_to_a() const;
  // Frames queued towards b (sent by a) and towards a, ready or not.
  std::size_t pending_to_b() const;
  std::size_t pending_to_a() const;
  // When the next queued frame (either direction) can be received:
  // Instant::never() when both queues are empty. With zero latency, the
  // send time of the oldest waiting frame.
  net::Instant next_delivery() const;

  // Every frame that enters the link (after loss, a duplicate twice) is
  // written to `tap` with the time it was sent; nullptr stops it. The writer
  // must be open with pcap_link_type(config.link_type) and outlive the link.
  void set_tap(PcapWriter* tap);

  struct State;

 private:
  explicit MemoryLink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// One end of a MemoryLink: frames it transmits are received by the other end.
class MemoryLink::Endpoint final : public net::Device {
 public:
  net::LinkType link_type() const override;
  std::size_t mtu() const override;
  bool transmit(std::span<const std::byte> frame) override;
  std::optional<std::size_t> receive(std::span<std::byte> buffer) override;

 private:
  friend struct MemoryLink::State;
  Endpoint(State* state, std::size_t out, std::size_t in) : state_(state), out_(out), in_(in) {}
  State* state_;
  std::size_t out_;  // index of the direction this end sends on
  std::size_t in_;   // and receives from
};

struct CaptureDeviceConfig {
  net::LinkType link_type = net::LinkType::ethernet;
  std::size_t mtu = 1500;  // transmit() refuses longer frames, as MemoryLink does
  // Frames the user transmitted and the test has not taken yet.
  std::size_t sent_queue_frames = 1024;
  // Frames the test injected and the user has not received yet.
  std::size_t inject_queue_frames = 1024;
};

struct CaptureCounters {
  std::uint64_t transmitted = 0;     // frames the user transmitted, accepted
  std::uint64_t queue_full = 0;      // refused: the test had not taken enough
  std::uint64_t oversize = 0;        // refused: longer than the MTU allows
  std::uint64_t injected = 0;        // frames the test injected, accepted
  std::uint64_t inject_refused = 0;  // inject() found the queue full
  std::uint64_t delivered = 0;       // injected frames the user received
  std::uint64_t truncated = 0;       // received into a buffer shorter than the frame
  bool operator==(const CaptureCounters&) const = default;
};

class CaptureDevice final : public net::Device {
 public:
  // `clock` (for pcap timestamps) must outlive the device. Errors: mtu or
  // queue sizes as MemoryLink's.
  static Result<CaptureDevice, LinkConfigError> create(const CaptureDeviceConfig& config, net::Clock& clock);

  // The device side, what the stack calls.
  net::LinkType link_type() const override { return config_.link_type; }
  std::size_t mtu() const override { return config_.mtu; }
  bool transmit(std::span<const std::byte> frame) override;
  std::optional<std::size_t> receive(std::span<std::byte> buffer) override;

  // The test side. inject() queues a frame for the user to receive, whatever
  // its bytes or length (malformed frames are the point); false when full.
  bool inject(std::span<const std::byte> frame);
  // The same for a byte vector, or a Packet from the builders (which converts to one).
  bool inject(const std::vector<std::byte>& frame) { return inject(std::span<const std::byte>(frame)); }
  // Frames the user transmitted, oldest first.
  std::size_t sent_count() const { return sent_.size(); }
  const std::vector<std::byte>& sent(std::size_t i) const { return sent_[i]; }
  std::optional<std::vector<std::byte>> take();
  std::vector<std::vector<std::byte>> take_all();
  // Injected frames not received yet.
  std::size_t injected_pending() const { return injected_.size(); }
  const CaptureCounters& counters() const { return counters_; }

  // Frames in both directions are written to `tap` as they cross (transmit
  // and inject), with the clock's time; nullptr stops it.
  void set_tap(PcapWriter* tap) { tap_ = tap; }

 private:
  CaptureDevice(const CaptureDeviceConfig& config, net::Clock& clock) : config_(config), clock_(&clock) {}
  void record(std::span<const std::byte> frame);

  CaptureDeviceConfig config_;
  net::Clock* clock_;
  PcapWriter* tap_ = nullptr;
  std::deque<std::vector<std::byte>> sent_;
  std::deque<std::vector<std::byte>> injected_;
  CaptureCounters counters_;
};

}  // namespace hardstack::harness
