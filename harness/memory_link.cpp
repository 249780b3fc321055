#include "memory_link.hpp"

#include <algorithm>
#include <array>

namespace hardstack::harness {

namespace {

constexpr std::size_t ethernet_header_len = 14;
constexpr std::size_t vlan_tag_len = 4;
constexpr std::size_t min_mtu = 68;  // RFC 791: every IPv4 module forwards 68 bytes
constexpr std::size_t max_mtu = 65535;

// The longest frame a device of this kind carries: the MTU plus the link
// header, with room for one 802.1Q tag on Ethernet.
std::size_t max_frame_len(net::LinkType link, std::size_t mtu) {
  return link == net::LinkType::ethernet ? mtu + ethernet_header_len + vlan_tag_len : mtu;
}

bool fits(net::LinkType link, std::size_t mtu, std::span<const std::byte> frame) {
  if (link != net::LinkType::ethernet) return frame.size() <= mtu;
  // IEEE 802.1Q: TPID 0x8100 where the EtherType would be.
  const bool tagged =
      frame.size() >= ethernet_header_len && frame[12] == std::byte{0x81} && frame[13] == std::byte{0x00};
  return frame.size() <= mtu + ethernet_header_len + (tagged ? vlan_tag_len : 0);
}

std::uint64_t pcap_time(net::Instant t) { return t.ns() < 0 ? 0 : static_cast<std::uint64_t>(t.ns()); }

std::optional<std::size_t> copy_out(std::span<const std::byte> frame, std::span<std::byte> buffer,
                                    std::uint64_t& truncated) {
  const std::size_t n = std::min(frame.size(), buffer.size());
  std::copy_n(frame.begin(), n, buffer.begin());
  if (n < frame.size()) ++truncated;
  return frame.size();
}

}  // namespace

PcapLinkType pcap_link_type(net::LinkType link) {
  return link == net::LinkType::ethernet ? PcapLinkType::ethernet : PcapLinkType::raw_ip;
}

const char* to_string(LinkConfigError e) {
  switch (e) {
    case LinkConfigError::mtu_out_of_range: return "MTU out of range (68..65535)";
    case LinkConfigError::zero_queue: return "a queue of 0 frames";
    case LinkConfigError::probability_out_of_range: return "a probability above 1000000 ppm";
    case LinkConfigError::impairments_without_entropy:
      return "loss, duplication or reordering without an Entropy";
    case LinkConfigError::negative_latency: return "negative latency";
  }
  return "unknown link configuration error";
}

// ---- MemoryLink ------------------------------------------------------------

namespace {

// A bounded FIFO of frames in storage taken once: slot i of the ring holds
// the frame at ring position i. Reordering swaps the two newest entries.
class FrameRing {
 public:
  FrameRing(std::size_t capacity, std::size_t slot_len)
      : slot_len_(slot_len), storage_(capacity * slot_len), entries_(capacity) {}

  std::size_t size() const { return count_; }
  bool full() const { return count_ == entries_.size(); }
  bool empty() const { return count_ == 0; }

  // The caller has checked !full() and frame.size() <= slot_len.
  void push(std::span<const std::byte> frame, net::Instant ready_at) {
    const std::size_t at = position(count_);
    std::copy(frame.begin(), frame.end(), slot(at).begin());
    entries_[at] = {frame.size(), ready_at};
    ++count_;
  }
  // The newest frame overtakes the one before it; false with fewer than two.
  bool swap_newest() {
    if (count_ < 2) return false;
    const std::size_t newer = position(count_ - 1);
    const std::size_t older = position(count_ - 2);
    const std::size_t n = std::max(entries_[newer].len, entries_[older].len);
    std::swap_ranges(slot(newer).begin(), slot(newer).begin() + static_cast<std::ptrdiff_t>(n),
                     slot(older).begin());
    std::swap(entries_[newer], entries_[older]);
    return true;
  }
  net::Instant front_ready_at() const { return entries_[head_].ready_at; }
  std::span<const std::byte> front() const {
    return std::span<const std::byte>(storage_).subspan(head_ * slot_len_, entries_[head_].len);
  }
  void pop() {
    head_ = position(1);
    --count_;
  }

 private:
  struct Entry {
    std::size_t len = 0;
    net::Instant ready_at;
  };
  std::size_t position(std::size_t k) const { return (head_ + k) % entries_.size(); }
  std::span<std::byte> slot(std::size_t at) {
    return std::span<std::byte>(storage_).subspan(at * slot_len_, slot_len_);
  }

  std::size_t slot_len_;
  std::vector<std::byte> storage_;
  std::vector<Entry> entries_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

struct Direction {
  Direction(std::size_t capacity, std::size_t slot_len, const LinkImpairments& i)
      : ring(capacity, slot_len), impairments(i) {}
  FrameRing ring;
  LinkImpairments impairments;
  LinkCounters counters;
};

}  // namespace

struct MemoryLink::State {
  State(const MemoryLinkConfig& c, net::Clock& clk, net::Entropy* e)
      : config(c),
        clock(clk),
        entropy(e),
        directions{Direction(c.queue_frames, max_frame_len(c.link_type, c.mtu), c.a_to_b),
                   Direction(c.queue_frames, max_frame_len(c.link_type, c.mtu), c.b_to_a)},
        ends{Endpoint(this, 0, 1), Endpoint(this, 1, 0)} {}

  bool transmit(std::size_t d, std::span<const std::byte> frame);
  std::optional<std::size_t> receive(std::size_t d, std::span<std::byte> buffer);
  bool chance(std::uint32_t ppm) { return entropy->uniform(LinkImpairments::million) < ppm; }

  MemoryLinkConfig config;
  net::Clock& clock;
  net::Entropy* entropy;
  std::array<Direction, 2> directions;  // 0: a to b, 1: b to a
  std::array<Endpoint, 2> ends;
  PcapWriter* tap = nullptr;
};

bool MemoryLink::State::transmit(std::size_t d, std::span<const std::byte> frame) {
  Direction& dir = directions[d];
  if (!fits(config.link_type, config.mtu, frame)) {
    ++dir.counters.oversize;
    return false;
  }
  if (dir.ring.full()) {
    ++dir.counters.queue_full;
    return false;
  }
  ++dir.counters.transmitted;
  // All three draws happen for every frame once any impairment is set, so
  // the same seed and the same frames give the same fates.
  bool lost = false, duplicate = false, reorder = false;
  if (dir.impairments.any()) {
    lost = chance(dir.impairments.loss_ppm);
    duplicate = chance(dir.impairments.duplicate_ppm);
    reorder = chance(dir.impairments.reorder_ppm);
  }
  if (lost) {
    ++dir.counters.lost;
    return true;  // the sender cannot tell, as on a real link
  }
  const net::Instant now = clock.now();
  const net::Instant ready_at = now + config.latency;
  dir.ring.push(frame, ready_at);
  if (tap != nullptr) tap->write(frame, pcap_time(now));
  if (reorder && dir.ring.swap_newest()) ++dir.counters.reordered;
  if (duplicate && !dir.ring.full()) {
    dir.ring.push(frame, ready_at);
    if (tap != nullptr) tap->write(frame, pcap_time(now));
    ++dir.counters.duplicated;
  }
  return true;
}

std::optional<std::size_t> MemoryLink::State::receive(std::size_t d, std::span<std::byte> buffer) {
  Direction& dir = directions[d];
  if (dir.ring.empty() || dir.ring.front_ready_at() > clock.now()) return std::nullopt;
  const auto n = copy_out(dir.ring.front(), buffer, dir.counters.truncated);
  dir.ring.pop();
  ++dir.counters.delivered;
  return n;
}

Result<MemoryLink, LinkConfigError> MemoryLink::create(const MemoryLinkConfig& config, net::Clock& clock,
                                                       net::Entropy* entropy) {
  if (config.mtu < min_mtu || config.mtu > max_mtu) return Unexpected(LinkConfigError::mtu_out_of_range);
  if (config.queue_frames == 0) return Unexpected(LinkConfigError::zero_queue);
  for (const auto& i : {config.a_to_b, config.b_to_a}) {
    if (i.loss_ppm > LinkImpairments::million || i.duplicate_ppm > LinkImpairments::million ||
        i.reorder_ppm > LinkImpairments::million)
      return Unexpected(LinkConfigError::probability_out_of_range);
    if (i.any() && entropy == nullptr) return Unexpected(LinkConfigError::impairments_without_entropy);
  }
  if (config.latency < net::Duration::zero()) return Unexpected(LinkConfigError::negative_latency);
  return MemoryLink(std::make_unique<State>(config, clock, entropy));
}

MemoryLink::MemoryLink(std::unique_ptr<State> state) : state_(std::move(state)) {}
MemoryLink::MemoryLink(MemoryLink&&) noexcept = default;
MemoryLink& MemoryLink::operator=(MemoryLink&&) noexcept = default;
MemoryLink::~MemoryLink() = default;

MemoryLink::Endpoint& MemoryLink::a() { return state_->ends[0]; }
MemoryLink::Endpoint& MemoryLink::b() { return state_->ends[1]; }
const LinkCounters& MemoryLink::a_to_b() const { return state_->directions[0].counters; }
const LinkCounters& MemoryLink::b_to_a() const { return state_->directions[1].counters; }
std::size_t MemoryLink::pending_to_b() const { return state_->directions[0].ring.size(); }
std::size_t MemoryLink::pending_to_a() const { return state_->directions[1].ring.size(); }
void MemoryLink::set_tap(PcapWriter* tap) { state_->tap = tap; }

net::Instant MemoryLink::next_delivery() const {
  net::Instant next = net::Instant::never();
  for (const auto& dir : state_->directions)
    if (!dir.ring.empty()) next = std::min(next, dir.ring.front_ready_at());
  return next;
}

net::LinkType MemoryLink::Endpoint::link_type() const { return state_->config.link_type; }
std::size_t MemoryLink::Endpoint::mtu() const { return state_->config.mtu; }
bool MemoryLink::Endpoint::transmit(std::span<const std::byte> frame) {
  return state_->transmit(out_, frame);
}
std::optional<std::size_t> MemoryLink::Endpoint::receive(std::span<std::byte> buffer) {
  return state_->receive(in_, buffer);
}

// ---- CaptureDevice -----------------------------------------------------------

Result<CaptureDevice, LinkConfigError> CaptureDevice::create(const CaptureDeviceConfig& config,
                                                             net::Clock& clock) {
  if (config.mtu < min_mtu || config.mtu > max_mtu) return Unexpected(LinkConfigError::mtu_out_of_range);
  if (config.sent_queue_frames == 0 || config.inject_queue_frames == 0)
    return Unexpected(LinkConfigError::zero_queue);
  return CaptureDevice(config, clock);
}

void CaptureDevice::record(std::span<const std::byte> frame) {
  if (tap_ != nullptr) tap_->write(frame, pcap_time(clock_->now()));
}

bool CaptureDevice::transmit(std::span<const std::byte> frame) {
  if (!fits(config_.link_type, config_.mtu, frame)) {
    ++counters_.oversize;
    return false;
  }
  if (sent_.size() >= config_.sent_queue_frames) {
    ++counters_.queue_full;
    return false;
  }
  sent_.emplace_back(frame.begin(), frame.end());
  ++counters_.transmitted;
  record(frame);
  return true;
}

std::optional<std::size_t> CaptureDevice::receive(std::span<std::byte> buffer) {
  if (injected_.empty()) return std::nullopt;
  const auto n = copy_out(injected_.front(), buffer, counters_.truncated);
  injected_.pop_front();
  ++counters_.delivered;
  return n;
}

bool CaptureDevice::inject(std::span<const std::byte> frame) {
  if (injected_.size() >= config_.inject_queue_frames) {
    ++counters_.inject_refused;
    return false;
  }
  injected_.emplace_back(frame.begin(), frame.end());
  ++counters_.injected;
  record(frame);
  return true;
}

std::optional<std::vector<std::byte>> CaptureDevice::take() {
  if (sent_.empty()) return std::nullopt;
  auto frame = std::move(sent_.front());
  sent_.pop_front();
  return frame;
}

std::vector<std::vector<std::byte>> CaptureDevice::take_all() {
  std::vector<std::vector<std::byte>> all(std::make_move_iterator(sent_.begin()),
                                          std::make_move_iterator(sent_.end()));
  sent_.clear();
  return all;
}

}  // namespace hardstack::harness
