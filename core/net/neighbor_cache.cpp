#include "neighbor_cache.hpp"

#include <cassert>
#include <limits>
#include <utility>

#include "modular.hpp"

namespace hardstack::net {

namespace {

// t + d, saturating at Instant::never() (d is never negative here).
Instant later(Instant t, Duration d) {
  if (t.ns() > std::numeric_limits<std::int64_t>::max() - d.count_ns()) return Instant::never();
  return t + d;
}

bool has_timer(NeighborState s) { return s != NeighborState::stale && s != NeighborState::failed; }

bool resolvable(const wire::Ipv4Address& a) {
  return !a.is_unspecified() && !a.is_multicast() && !a.is_broadcast();
}
bool resolvable(const wire::Ipv6Address& a) { return !a.is_unspecified() && !a.is_multicast(); }

// Multiply-add-shift over 32-bit words under a random key (Dietzfelbinger):
// an attacker who cannot see the key cannot aim addresses at one chain.
template <std::size_t N>
HARDSTACK_MODULAR_ARITHMETIC std::uint64_t keyed_hash(const std::array<std::uint8_t, N>& octets,
                                                      const std::uint64_t (&key)[5]) {
  static_assert(N % 4 == 0 && N / 4 <= 4);
  std::uint64_t h = key[4];
  for (std::size_t w = 0; w < N / 4; ++w) {
    const std::uint64_t word = (std::uint64_t{octets[w * 4]} << 24) |
                               (std::uint64_t{octets[w * 4 + 1]} << 16) |
                               (std::uint64_t{octets[w * 4 + 2]} << 8) | octets[w * 4 + 3];
    h += key[w] * word;
  }
  return h;
}

}  // namespace

const char* to_string(NeighborState s) {
  switch (s) {
    case NeighborState::incomplete: return "incomplete";
    case NeighborState::reachable: return "reachable";
    case NeighborState::stale: return "stale";
    case NeighborState::delay: return "delay";
    case NeighborState::probe: return "probe";
    case NeighborState::failed: return "failed";
  }
  return "?";
}

const char* to_string(NeighborDrop d) {
  switch (d) {
    case NeighborDrop::queue_full: return "neighbour queue full (oldest dropped)";
    case NeighborDrop::queue_bytes: return "neighbour queues over their byte cap (oldest dropped)";
    case NeighborDrop::packet_too_big: return "packet larger than the neighbour queue byte cap";
    case NeighborDrop::resolution_failed: return "neighbour resolution failed";
    case NeighborDrop::entry_recycled: return "neighbour entry recycled";
    case NeighborDrop::table_full: return "neighbour table full";
    case NeighborDrop::invalid_target: return "next hop is not a unicast address";
  }
  return "?";
}

const char* to_string(NeighborConfigError e) {
  switch (e) {
    case NeighborConfigError::max_entries_out_of_range: return "max_entries must be in [1, 2^20]";
    case NeighborConfigError::gc_floor_above_max_entries: return "gc_floor must not exceed max_entries";
    case NeighborConfigError::queue_packets_zero: return "queue_packets_per_entry must be at least 1";
    case NeighborConfigError::queue_bytes_too_small:
      return "queue_bytes must hold at least one packet (1 byte + per-packet overhead)";
    case NeighborConfigError::reachable_time_out_of_range:
      return "base_reachable_time must be in [1 ms, 3600 s] (RFC 4861 6.2.1)";
    case NeighborConfigError::retrans_time_not_positive: return "retrans_time must be positive";
    case NeighborConfigError::delay_probe_time_not_positive: return "delay_first_probe_time must be positive";
    case NeighborConfigError::solicit_count_zero:
      return "multicast_solicit and unicast_solicit must be at least 1";
    case NeighborConfigError::negative_duration:
      return "gc_stale_time, recycle_min_age, min_solicit_interval and locktime must not be negative";
    case NeighborConfigError::redraw_interval_not_positive: return "reachable_time_redraw must be positive";
  }
  return "?";
}

const char* to_string(AdvertisementOutcome o) {
  switch (o) {
    case AdvertisementOutcome::no_entry: return "no_entry";
    case AdvertisementOutcome::missing_link_address: return "missing_link_address";
    case AdvertisementOutcome::ignored: return "ignored";
    case AdvertisementOutcome::marked_stale: return "marked_stale";
    case AdvertisementOutcome::updated: return "updated";
  }
  return "?";
}

const char* to_string(SolicitationOutcome o) {
  switch (o) {
    case SolicitationOutcome::ignored: return "ignored";
    case SolicitationOutcome::created: return "created";
    case SolicitationOutcome::updated: return "updated";
    case SolicitationOutcome::unchanged: return "unchanged";
    case SolicitationOutcome::table_full: return "table_full";
  }
  return "?";
}

namespace {

Result<void, NeighborConfigError> check_base_reachable_time(Duration base) {
  if (base < Duration::milliseconds(1) || base > Duration::seconds(3600))
    return Unexpected(NeighborConfigError::reachable_time_out_of_range);
  return {};
}

Result<void, NeighborConfigError> check(const NeighborConfig& c, std::size_t min_queue_bytes,
                                        std::uint32_t max_entries_limit) {
  if (c.max_entries == 0 || c.max_entries > max_entries_limit)
    return Unexpected(NeighborConfigError::max_entries_out_of_range);
  if (c.gc_floor > c.max_entries) return Unexpected(NeighborConfigError::gc_floor_above_max_entries);
  if (c.queue_packets_per_entry == 0) return Unexpected(NeighborConfigError::queue_packets_zero);
  if (c.queue_bytes < min_queue_bytes) return Unexpected(NeighborConfigError::queue_bytes_too_small);
  if (auto r = check_base_reachable_time(c.base_reachable_time); !r) return r;
  if (c.retrans_time <= Duration::zero()) return Unexpected(NeighborConfigError::retrans_time_not_positive);
  if (c.delay_first_probe_time <= Duration::zero())
    return Unexpected(NeighborConfigError::delay_probe_time_not_positive);
  if (c.multicast_solicit == 0 || c.unicast_solicit == 0)
    return Unexpected(NeighborConfigError::solicit_count_zero);
  if (c.gc_stale_time < Duration::zero() || c.recycle_min_age < Duration::zero() ||
      c.min_solicit_interval < Duration::zero() || c.locktime < Duration::zero())
    return Unexpected(NeighborConfigError::negative_duration);
  if (c.reachable_time_redraw <= Duration::zero())
    return Unexpected(NeighborConfigError::redraw_interval_not_positive);
  return {};
}

}  // namespace

// ---- Construction -----------------------------------------------------------

template <typename Address>
Result<NeighborCache<Address>, NeighborConfigError> NeighborCache<Address>::create(
    const NeighborConfig& config, Entropy& entropy) {
  if (auto r = check(config, queued_packet_cost(1), kMaxEntries); !r) return Unexpected(r.error());
  return NeighborCache(config, entropy);
}

template <typename Address>
Result<void, NeighborConfigError> NeighborCache<Address>::validate(const NeighborConfig& config) {
  return check(config, queued_packet_cost(1), kMaxEntries);
}

template <typename Address>
NeighborCache<Address>::NeighborCache(const NeighborConfig& config, Entropy& entropy)
    : config_(config), entropy_(&entropy), entries_(config.max_entries) {
  // The node, plus what glibc's malloc adds to the copy (8-byte header,
  // rounding up to 16, 32 bytes at least: at most 31 over the length), fits
  // in the overhead, so queued_bytes() bounds the memory really held.
  static_assert(sizeof(QueuedPacket) + 32 <= kQueuedPacketOverhead);
  for (std::uint32_t i = 0; i < config.max_entries; ++i)
    entries_[i].next_free = i + 1 < config.max_entries ? i + 1 : kNone;
  free_entries_ = 0;
  // At most half full, so a probe always meets an empty slot.
  std::uint32_t bits = 1;
  while ((std::size_t{1} << bits) < std::size_t{2} * config.max_entries) ++bits;
  slots_.assign(std::size_t{1} << bits, kNone);
  slot_shift_ = 64 - bits;
  for (auto& k : hash_key_) k = entropy.next_u64();
  for (std::size_t i = 0; i < 4; ++i) hash_key_[i] |= 1;
  // Every live packet costs at least the overhead: the node pool never grows
  // past this, so reserving it once means no reallocation later.
  const std::size_t by_bytes = config.queue_bytes / kQueuedPacketOverhead;
  const std::size_t by_count = std::size_t{config.max_entries} * config.queue_packets_per_entry;
  packets_.reserve(by_bytes < by_count ? by_bytes : by_count);
  reachable_time_ = draw_reachable_time();
}

// RFC 4861 6.3.2: uniformly in [MIN_RANDOM_FACTOR, MAX_RANDOM_FACTOR) x base,
// that is [0.5, 1.5) (Linux neigh_rand_reach_time), in microseconds.
template <typename Address>
Duration NeighborCache<Address>::draw_reachable_time() {
  const auto base_us = static_cast<std::uint32_t>(config_.base_reachable_time.count_ns() / 1000);  // <= 3.6e9
  return Duration::microseconds(std::int64_t{base_us / 2} + entropy_->uniform(base_us));
}

template <typename Address>
Result<void, NeighborConfigError> NeighborCache<Address>::set_base_reachable_time(Duration base,
                                                                                  Instant now) {
  if (auto r = check_base_reachable_time(base); !r) return r;
  now = monotonic(now);
  config_.base_reachable_time = base;
  reachable_time_ = draw_reachable_time();
  redraw_at_ = later(now, config_.reachable_time_redraw);
  return {};
}

template <typename Address>
Result<void, NeighborConfigError> NeighborCache<Address>::set_retrans_time(Duration retrans) {
  if (retrans <= Duration::zero()) return Unexpected(NeighborConfigError::retrans_time_not_positive);
  config_.retrans_time = retrans;
  return {};
}

template <typename Address>
Instant NeighborCache<Address>::monotonic(Instant now) {
  if (now < last_now_) return last_now_;
  last_now_ = now;
  return now;
}

// ---- Hash index ---------------------------------------------------------------

template <typename Address>
std::uint32_t NeighborCache<Address>::home_slot(const Address& a) const {
  return static_cast<std::uint32_t>(keyed_hash(a.octets, hash_key_) >> slot_shift_);
}

template <typename Address>
std::uint32_t NeighborCache<Address>::find_index(const Address& a) const {
  const auto mask = static_cast<std::uint32_t>(slots_.size() - 1);
  for (std::uint32_t i = home_slot(a);; i = (i + 1) & mask) {
    const std::uint32_t index = slots_[i];
    if (index == kNone || entries_[index].address == a) return index;
  }
}

template <typename Address>
std::uint32_t NeighborCache<Address>::allocate(const Address& a, Instant now) {
  if (free_entries_ == kNone) {
    const std::uint32_t victim = pick_victim(now);
    if (victim == kNone) {
      ++stats_.table_full;
      return kNone;
    }
    ++stats_.recycled;
    release(victim, NeighborDrop::entry_recycled);
  }
  const std::uint32_t index = free_entries_;
  free_entries_ = entries_[index].next_free;
  Entry& e = entries_[index];
  e = Entry{};
  e.address = a;
  e.in_use = true;
  e.updated = now;
  e.used = now;
  const auto mask = static_cast<std::uint32_t>(slots_.size() - 1);
  std::uint32_t i = home_slot(a);
  while (slots_[i] != kNone) i = (i + 1) & mask;
  slots_[i] = index;
  ++size_;
  ++stats_.created;
  deadline_dirty_ = true;
  return index;
}

// When the table is full: which entry a new one may replace (see the header).
template <typename Address>
std::uint32_t NeighborCache<Address>::pick_victim(Instant now) const {
  std::uint32_t best = kNone;
  int best_class = 3;
  Instant best_used;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (!e.in_use) continue;
    // RFC 1122 2.3.2.1: a successor could solicit the same address at once.
    if (e.has_solicited && now < later(e.last_solicit, config_.min_solicit_interval)) continue;
    int cls = 0;
    switch (e.state) {
      case NeighborState::failed:
      case NeighborState::stale: cls = 0; break;
      case NeighborState::delay:
      case NeighborState::probe: cls = 1; break;
      case NeighborState::incomplete:
      case NeighborState::reachable:
        if (now < later(e.updated, config_.recycle_min_age)) continue;
        cls = 2;
        break;
    }
    if (cls < best_class || (cls == best_class && e.used < best_used)) {
      best = i;
      best_class = cls;
      best_used = e.used;
    }
  }
  return best;
}

template <typename Address>
void NeighborCache<Address>::release(std::uint32_t index, NeighborDrop reason) {
  queue_to_outbox(index, reason);
  // Backward-shift deletion keeps every probe sequence unbroken.
  const auto mask = static_cast<std::uint32_t>(slots_.size() - 1);
  std::uint32_t hole = home_slot(entries_[index].address);
  while (slots_[hole] != index) hole = (hole + 1) & mask;
  for (std::uint32_t j = (hole + 1) & mask; slots_[j] != kNone; j = (j + 1) & mask) {
    const std::uint32_t home = home_slot(entries_[slots_[j]].address);
    // Movable into the hole unless its home lies cyclically in (hole, j].
    const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!home_between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = kNone;
  Entry& e = entries_[index];
  e.in_use = false;
  e.next_free = free_entries_;
  free_entries_ = index;
  --size_;
  deadline_dirty_ = true;
}

// ---- Packet queues ------------------------------------------------------------

template <typename Address>
void NeighborCache<Address>::push_packet(std::uint32_t index, std::span<const std::byte> packet) {
  std::uint32_t p = free_packets_;
  if (p != kNone) {
    free_packets_ = packets_[p].next_in_entry;
  } else {
    p = static_cast<std::uint32_t>(packets_.size());
    packets_.emplace_back();
  }
  QueuedPacket& q = packets_[p];
  q.bytes.assign(packet.begin(), packet.end());
  q.entry = index;
  q.next_in_entry = kNone;
  q.newer = kNone;
  q.older = newest_;
  if (newest_ != kNone)
    packets_[newest_].newer = p;
  else
    oldest_ = p;
  newest_ = p;
  Entry& e = entries_[index];
  if (e.queue_tail != kNone)
    packets_[e.queue_tail].next_in_entry = p;
  else
    e.queue_head = p;
  e.queue_tail = p;
  ++e.queue_len;
  queued_bytes_ += queued_packet_cost(packet.size());
  ++queued_packets_;
}

// Unlinks the oldest packet of an entry (which is also where it sits in the
// cache-wide FIFO: both are in arrival order) and moves it to the outbox.
template <typename Address>
void NeighborCache<Address>::unlink_to_outbox(std::uint32_t p, bool deliver, NeighborDrop reason) {
  QueuedPacket& q = packets_[p];
  Entry& e = entries_[q.entry];
  assert(e.queue_head == p);
  e.queue_head = q.next_in_entry;
  if (e.queue_head == kNone) e.queue_tail = kNone;
  --e.queue_len;
  if (q.older != kNone)
    packets_[q.older].newer = q.newer;
  else
    oldest_ = q.newer;
  if (q.newer != kNone)
    packets_[q.newer].older = q.older;
  else
    newest_ = q.older;
  queued_bytes_ -= queued_packet_cost(q.bytes.size());
  --queued_packets_;
  q.entry = kNone;
  q.neighbor = e.address;
  q.mac = e.mac;
  q.deliver = deliver;
  q.reason = reason;
  q.next_in_entry = kNone;
  if (outbox_tail_ != kNone)
    packets_[outbox_tail_].next_in_entry = p;
  else
    outbox_head_ = p;
  outbox_tail_ = p;
}

template <typename Address>
void NeighborCache<Address>::drop_oldest_of(std::uint32_t index, NeighborDrop reason) {
  ++stats_.queue_drops;
  unlink_to_outbox(entries_[index].queue_head, false, reason);
}

// The whole queue, in order: sent to the entry's address (deliver) or dropped.
template <typename Address>
void NeighborCache<Address>::queue_to_outbox(std::uint32_t index, std::optional<NeighborDrop> reason) {
  while (entries_[index].queue_head != kNone)
    unlink_to_outbox(entries_[index].queue_head, !reason, reason.value_or(NeighborDrop::resolution_failed));
}

// Hands the outbox to the stack, oldest first. Runs last in every call, when
// the cache is consistent: a callback may call the cache again (answer a drop
// with ICMP, say), and that call's own flush carries on with what is left.
template <typename Address>
void NeighborCache<Address>::flush(Events& events) {
  while (outbox_head_ != kNone) {
    const std::uint32_t p = outbox_head_;
    QueuedPacket& q = packets_[p];
    outbox_head_ = q.next_in_entry;
    if (outbox_head_ == kNone) outbox_tail_ = kNone;
    const std::vector<std::byte> bytes = std::move(q.bytes);
    q.bytes = {};
    const Address neighbor = q.neighbor;
    const wire::MacAddress mac = q.mac;
    const bool deliver = q.deliver;
    const NeighborDrop reason = q.reason;
    q.next_in_entry = free_packets_;
    free_packets_ = p;
    if (deliver)
      events.resolved(neighbor, mac, bytes);
    else
      events.dropped(neighbor, reason, bytes);
  }
}

// ---- State changes -----------------------------------------------------------

// `updated` moves only when the state or the address really changes (Linux
// neigh_update): a refresh of a reachable entry does not extend the ARP
// locktime, nor protect an entry from recycling.
template <typename Address>
void NeighborCache<Address>::enter(Entry& e, NeighborState state, Instant now) {
  if (e.state != state) e.updated = now;
  e.state = state;
  deadline_dirty_ = true;
}

template <typename Address>
void NeighborCache<Address>::set_mac(Entry& e, const wire::MacAddress& mac, Instant now) {
  if (e.mac == mac) return;
  e.mac = mac;
  e.updated = now;
}

// The first solicitation goes out from the next poll, at once unless RFC 1122
// 2.3.2.1's interval since the last one to this address has not passed.
template <typename Address>
void NeighborCache<Address>::start_resolution(Entry& e, Instant now) {
  enter(e, NeighborState::incomplete, now);
  e.probes = 0;
  e.timer = solicit_allowed(e, now) ? now : later(e.last_solicit, config_.min_solicit_interval);
}

template <typename Address>
void NeighborCache<Address>::enter_reachable(Entry& e, Instant now) {
  // ReachableTime is redrawn lazily, at most every reachable_time_redraw.
  if (!redraw_at_) {
    redraw_at_ = later(now, config_.reachable_time_redraw);
  } else if (now >= *redraw_at_) {
    reachable_time_ = draw_reachable_time();
    redraw_at_ = later(now, config_.reachable_time_redraw);
  }
  enter(e, NeighborState::reachable, now);
  e.probes = 0;
  e.timer = later(now, reachable_time_);
}

// An incomplete (or failed) entry learns its address: RFC 4861 7.2.3/7.2.5
// record it, set the state, send what was queued.
template <typename Address>
void NeighborCache<Address>::make_valid(std::uint32_t index, const wire::MacAddress& mac, NeighborState state,
                                        Instant now) {
  Entry& e = entries_[index];
  set_mac(e, mac, now);
  e.probes = 0;
  if (state == NeighborState::reachable)
    enter_reachable(e, now);
  else
    enter(e, state, now);
  queue_to_outbox(index, std::nullopt);
}

template <typename Address>
bool NeighborCache<Address>::solicit_allowed(const Entry& e, Instant now) const {
  return !e.has_solicited || now >= later(e.last_solicit, config_.min_solicit_interval);
}

template <typename Address>
void NeighborCache<Address>::solicit(std::uint32_t index, Instant now, Events& events) {
  Entry& e = entries_[index];
  ++e.probes;
  e.has_solicited = true;
  e.last_solicit = now;
  e.timer = later(now, config_.retrans_time);
  ++stats_.solicitations;
  deadline_dirty_ = true;
  Solicitation<Address> s;
  s.target = e.address;
  if (e.state == NeighborState::probe) s.unicast_to = e.mac;
  s.attempt = e.probes;
  if (e.queue_head != kNone) s.first_queued = packets_[e.queue_head].bytes;
  events.solicit(s);
}

template <typename Address>
void NeighborCache<Address>::fail(std::uint32_t index, Instant now) {
  enter(entries_[index], NeighborState::failed, now);
  ++stats_.resolutions_failed;
  queue_to_outbox(index, NeighborDrop::resolution_failed);
}

// One timer step of an entry whose timer is due (RFC 4861 7.3.3, Appendix C).
template <typename Address>
void NeighborCache<Address>::step(std::uint32_t index, Instant now, Events& events) {
  Entry& e = entries_[index];
  switch (e.state) {
    case NeighborState::incomplete:
    case NeighborState::probe: {
      // incomplete: MAX_MULTICAST_SOLICIT multicast/broadcast solicitations;
      // probe: MAX_UNICAST_SOLICIT unicast ones; then, one RetransTimer
      // after the last, the entry fails.
      const std::uint8_t max =
          e.state == NeighborState::incomplete ? config_.multicast_solicit : config_.unicast_solicit;
      if (e.probes >= max) {
        fail(index, now);
      } else if (!solicit_allowed(e, now)) {
        e.timer = later(e.last_solicit, config_.min_solicit_interval);  // RFC 1122 2.3.2.1
        deadline_dirty_ = true;
      } else {
        solicit(index, now, events);
      }
      return;
    }
    case NeighborState::reachable:  // ReachableTime without confirmation
      enter(e, NeighborState::stale, now);
      return;
    case NeighborState::delay:  // DELAY_FIRST_PROBE_TIME without confirmation: probe now
      enter(e, NeighborState::probe, now);
      e.probes = 0;
      e.timer = now;
      return;
    case NeighborState::stale:
    case NeighborState::failed: return;
  }
}

template <typename Address>
Instant NeighborCache<Address>::gc_due(const Entry& e) const {
  const Instant by_use = later(e.used, config_.gc_stale_time);
  if (!e.has_solicited) return by_use;
  const Instant by_solicit = later(e.last_solicit, config_.min_solicit_interval);
  return by_use < by_solicit ? by_solicit : by_use;
}

// ---- Stack-facing calls ------------------------------------------------------

template <typename Address>
std::optional<wire::MacAddress> NeighborCache<Address>::lookup(const Address& neighbor, Instant now) {
  now = monotonic(now);
  const std::uint32_t index = find_index(neighbor);
  if (index == kNone) return std::nullopt;
  Entry& e = entries_[index];
  e.used = now;
  switch (e.state) {
    case NeighborState::reachable:
    case NeighborState::delay:
    case NeighborState::probe: return e.mac;
    case NeighborState::stale:  // RFC 4861 7.3.3: sending a packet starts the delay timer
      enter(e, NeighborState::delay, now);
      e.timer = later(now, config_.delay_first_probe_time);
      return e.mac;
    case NeighborState::incomplete:
    case NeighborState::failed: deadline_dirty_ = true; return std::nullopt;
  }
  return std::nullopt;
}

template <typename Address>
Result<EnqueueStatus, NeighborDrop> NeighborCache<Address>::enqueue(const Address& neighbor,
                                                                    std::span<const std::byte> packet,
                                                                    Instant now, Events& events) {
  now = monotonic(now);
  if (!resolvable(neighbor)) return Unexpected(NeighborDrop::invalid_target);
  const std::size_t cost = queued_packet_cost(packet.size());
  if (cost > config_.queue_bytes) return Unexpected(NeighborDrop::packet_too_big);
  std::uint32_t index = find_index(neighbor);
  if (index == kNone) {
    index = allocate(neighbor, now);
    if (index == kNone) return Unexpected(NeighborDrop::table_full);
    start_resolution(entries_[index], now);  // RFC 4861 7.3.3: no entry -> incomplete, solicit
  }
  Entry& e = entries_[index];
  e.used = now;
  switch (e.state) {
    case NeighborState::stale:
      enter(e, NeighborState::delay, now);
      e.timer = later(now, config_.delay_first_probe_time);
      [[fallthrough]];
    case NeighborState::reachable:
    case NeighborState::delay:
    case NeighborState::probe: {
      const wire::MacAddress mac = e.mac;
      flush(events);
      events.resolved(neighbor, mac, packet);
      return EnqueueStatus::sent;
    }
    case NeighborState::failed:  // Linux: sending to a failed entry starts over
      start_resolution(e, now);
      break;
    case NeighborState::incomplete: break;
  }
  if (e.queue_len >= config_.queue_packets_per_entry) drop_oldest_of(index, NeighborDrop::queue_full);
  while (queued_bytes_ + cost > config_.queue_bytes)
    drop_oldest_of(packets_[oldest_].entry, NeighborDrop::queue_bytes);
  push_packet(index, packet);
  flush(events);
  return EnqueueStatus::queued;
}

// RFC 4861 7.2.3 (and RFC 826 for a request to us): learn the sender.
template <typename Address>
SolicitationOutcome NeighborCache<Address>::on_solicitation(const Address& source,
                                                            const wire::MacAddress& source_mac, Instant now,
                                                            Events& events) {
  now = monotonic(now);
  if (!resolvable(source)) return SolicitationOutcome::ignored;
  std::uint32_t index = find_index(source);
  if (index == kNone) {
    index = allocate(source, now);
    if (index == kNone) return SolicitationOutcome::table_full;
    Entry& e = entries_[index];
    e.mac = source_mac;
    enter(e, NeighborState::stale, now);  // is_router false for a new entry
    flush(events);                        // the queue of a recycled entry
    return SolicitationOutcome::created;
  }
  Entry& e = entries_[index];
  switch (e.state) {
    case NeighborState::incomplete:
    case NeighborState::failed:
      make_valid(index, source_mac, NeighborState::stale, now);
      flush(events);
      return SolicitationOutcome::updated;
    case NeighborState::reachable:
    case NeighborState::stale:
    case NeighborState::delay:
    case NeighborState::probe:
      // A different address: record it, stale. The same: nothing changes.
      // IsRouter is never modified here.
      if (e.mac == source_mac) return SolicitationOutcome::unchanged;
      set_mac(e, source_mac, now);
      e.probes = 0;
      enter(e, NeighborState::stale, now);
      return SolicitationOutcome::updated;
  }
  return SolicitationOutcome::ignored;
}

// RFC 4861 7.2.5.
template <typename Address>
AdvertisementResult NeighborCache<Address>::on_advertisement(const Address& target,
                                                             std::optional<wire::MacAddress> target_mac,
                                                             AdvertisementFlags flags, Instant now,
                                                             Events& events) {
  now = monotonic(now);
  const std::uint32_t index = find_index(target);
  if (index == kNone) return {AdvertisementOutcome::no_entry, false};
  Entry& e = entries_[index];
  const bool was_router = e.is_router;
  if (e.state == NeighborState::incomplete || e.state == NeighborState::failed) {
    // No address known yet: an advertisement without one says nothing.
    if (!target_mac) return {AdvertisementOutcome::missing_link_address, false};
    e.is_router = flags.router;
    make_valid(index, *target_mac, flags.solicited ? NeighborState::reachable : NeighborState::stale, now);
    flush(events);
    return {AdvertisementOutcome::updated, was_router && !flags.router};
  }
  const bool different = target_mac && *target_mac != e.mac;
  // Linux ARP locktime: of back-to-back replies the first one wins; a later
  // different address changes nothing (arp_process updates without override).
  if (different && config_.locktime > Duration::zero() && !flags.gratuitous &&
      now < later(e.updated, config_.locktime))
    return {AdvertisementOutcome::ignored, false};
  if (different && !flags.override) {
    if (e.state != NeighborState::reachable) return {AdvertisementOutcome::ignored, false};
    enter(e, NeighborState::stale, now);
    return {AdvertisementOutcome::marked_stale, false};
  }
  if (different) set_mac(e, *target_mac, now);
  if (flags.solicited) {
    enter_reachable(e, now);
  } else if (different) {
    e.probes = 0;
    enter(e, NeighborState::stale, now);
  }
  e.is_router = flags.router;
  return {AdvertisementOutcome::updated, was_router && !flags.router};
}

template <typename Address>
bool NeighborCache<Address>::on_confirmation(const Address& neighbor, Instant now) {
  now = monotonic(now);
  const std::uint32_t index = find_index(neighbor);
  if (index == kNone) return false;
  Entry& e = entries_[index];
  if (e.state == NeighborState::incomplete || e.state == NeighborState::failed) return false;
  enter_reachable(e, now);
  return true;
}

template <typename Address>
void NeighborCache<Address>::poll(Instant now, Events& events) {
  now = monotonic(now);
  // Nothing due: every change that can bring a timer or a GC time earlier
  // marks the cached deadline dirty, so a clean one is never late. The walk
  // below would touch every entry for nothing (poll runs once per poll of the
  // stack, which a busy host calls for every batch of frames).
  if (outbox_head_ == kNone && now < next_deadline()) return;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    // Each step either leaves the timer states or moves the timer past now
    // (delay -> probe moves it to now, then probe sends or fails): at most
    // two steps per entry.
    while (entries_[i].in_use && has_timer(entries_[i].state) && entries_[i].timer <= now)
      step(i, now, events);
  }
  // Linux's periodic GC: only once the table holds gc_floor entries.
  if (size_ >= config_.gc_floor) {
    for (std::uint32_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      if (e.in_use && !has_timer(e.state) && now >= gc_due(e)) {
        ++stats_.collected;
        release(i, NeighborDrop::entry_recycled);  // stale and failed entries hold no packets
      }
    }
  }
  deadline_dirty_ = true;
  flush(events);
}

template <typename Address>
Instant NeighborCache<Address>::next_deadline() const {
  if (deadline_dirty_) {
    Instant d = Instant::never();
    const bool gc = size_ >= config_.gc_floor;
    for (const Entry& e : entries_) {
      if (!e.in_use) continue;
      if (has_timer(e.state)) {
        if (e.timer < d) d = e.timer;
      } else if (gc) {
        const Instant due = gc_due(e);
        if (due < d) d = due;
      }
    }
    deadline_ = d;
    deadline_dirty_ = false;
  }
  return deadline_;
}

template <typename Address>
std::optional<NeighborInfo> NeighborCache<Address>::find(const Address& neighbor) const {
  const std::uint32_t index = find_index(neighbor);
  if (index == kNone) return std::nullopt;
  const Entry& e = entries_[index];
  return NeighborInfo{e.state, e.mac, e.is_router, e.queue_len, e.probes};
}

template class NeighborCache<wire::Ipv4Address>;
template class NeighborCache<wire::Ipv6Address>;

}  // namespace hardstack::net
