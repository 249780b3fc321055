// Neighbour cache: address resolution for ARP (RFC 826, RFC 1122 2.3.2) and
// IPv6 Neighbor Discovery (RFC 4861 7.2, 7.3), one engine for both families:
// NeighborCache<Address>, with ArpCache (IPv4) and NdCache (IPv6).
//
// States (RFC 4861 7.3.2; ARP runs the same machine, as Linux does):
//   incomplete  resolution in progress: multicast NS / broadcast ARP request
//               every retrans_time, packets queued; after multicast_solicit
//               unanswered solicitations the entry fails
//   reachable   confirmed within ReachableTime; then stale
//   stale       address known, unconfirmed; no timer. Sending -> delay
//   delay       sent to a stale entry: wait delay_first_probe_time for an
//               upper-layer confirmation, then probe
//   probe       unicast solicitations to the cached address every
//               retrans_time; after unicast_solicit unanswered, fails
//   failed      Linux's NUD_FAILED: the RFC deletes the entry; we keep it
//               (recycled first) so that a new attempt still honours RFC 1122
//               2.3.2.1's one request per second per destination. Sending to
//               it starts a new resolution (incomplete).
//
// Time: every call takes `now`; timers fire only in poll(now), which reports
// through NeighborEvents the solicitations to send and the packets dropped
// because resolution failed (the stack answers each with ICMP destination
// unreachable: host unreachable / ICMPv6 address unreachable, as Linux's
// arp_error_report / ndisc_error_report do). next_deadline() says when poll is
// next needed (never later than the earliest timer; possibly earlier after a
// timer was cancelled, then poll does nothing). A new resolution's first
// solicitation is also sent from poll: enqueue() makes next_deadline() == now.
// Time that runs backwards is taken as not moving.
//
// How the stack maps packets to calls:
//   sending an IP packet      lookup(next_hop, now): a MAC -> frame and send;
//                             nullopt -> enqueue(next_hop, packet, now, events)
//   NS with a Source LL option, source not unspecified (RFC 4861 7.2.3);
//   ARP request for one of our addresses (RFC 826 "am I the target", Linux
//   neigh_event_ns)           on_solicitation(source, source_mac, now, events)
//   NA (RFC 4861 7.2.5)       on_advertisement(target, target_ll_option,
//                               {solicited S, override O, router R}, now, events)
//   any other ARP packet whose sender may be cached (RFC 826 merge; Linux
//   arp_process): a reply or a request not for us
//                             on_advertisement(sender_ip, sender_mac,
//                               {solicited = reply unicast to us, override = true,
//                                router = false, gratuitous = sender_ip == target_ip},
//                               now, events)
//   upper-layer progress (RFC 4861 7.3.1: TCP ACK of new data)
//                             on_confirmation(neighbour, now)
// Nothing is ever created by an advertisement (RFC 4861 7.2.5; Linux
// arp_accept = 0): only enqueue() and on_solicitation() create entries.
//
// Memory (all caps explicit, checked by create()):
//   entries     at most max_entries (Linux gc_thresh3), allocated once. When
//               full, a new entry recycles one: failed or stale first, then
//               delay or probe, then incomplete or reachable entries not
//               updated for recycle_min_age (Linux's forced GC spares entries
//               updated in the last 5 s); least recently used first within a
//               class. An entry that solicited within min_solicit_interval is
//               never recycled (its successor could solicit again at once).
//               None left: table_full. With at least gc_floor entries (Linux
//               gc_thresh1), poll() also removes stale and failed entries
//               unused for gc_stale_time.
//   packets     queued only on incomplete entries: at most
//               queue_packets_per_entry each (the oldest is dropped:
//               queue_full) and queue_bytes in all (the oldest queued packet
//               of the cache is dropped: queue_bytes). Each packet costs
//               queued_packet_cost(len) = len + kQueuedPacketOverhead (its
//               node and allocator header), so queued_bytes() bounds the real
//               memory. The cache owns copies (one allocation each, inside
//               the cap) and hands them back in order on resolution.
//
// Callbacks: NeighborEvents methods run synchronously: solicit() during
// poll's walk, resolved() and dropped() at the end of the call that caused
// them, once the cache is consistent. They may call the cache again (answer a
// resolution_failed drop with an ICMP error that needs lookup() and
// enqueue(), say). Packets being handed back no longer count in
// queued_bytes().
// Not thread-safe: one per stack, as the stack is one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "entropy.hpp"
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/result.hpp"
#include "time.hpp"

namespace hardstack::net {

enum class NeighborState : std::uint8_t { incomplete, reachable, stale, delay, probe, failed };
const char* to_string(NeighborState);

// Why a packet handed to the cache was not sent. The stack maps each to a
// counter (Linux: SKB_DROP_REASON_NEIGH_* and the neighbour table stats).
enum class NeighborDrop : std::uint8_t {
  queue_full,         // the entry already held queue_packets_per_entry: its oldest dropped
  queue_bytes,        // over queue_bytes: the oldest queued packet of the cache dropped
  packet_too_big,     // a packet whose cost alone exceeds queue_bytes: refused
  resolution_failed,  // no answer: send ICMP host unreachable / ICMPv6 address unreachable
  entry_recycled,     // its incomplete entry was recycled for another address
  table_full,         // no entry could be made for the destination: refused
  invalid_target,     // unspecified, multicast or (IPv4) limited broadcast: refused
};
const char* to_string(NeighborDrop);

enum class NeighborConfigError : std::uint8_t {
  max_entries_out_of_range,       // not in [1, kMaxEntries]
  gc_floor_above_max_entries,     // gc_floor > max_entries
  queue_packets_zero,             // queue_packets_per_entry == 0
  queue_bytes_too_small,          // below the cost of a 1-byte packet
  reachable_time_out_of_range,    // base_reachable_time not in [1 ms, 3600 s] (RFC 4861 6.2.1)
  retrans_time_not_positive,      // retrans_time <= 0
  delay_probe_time_not_positive,  // delay_first_probe_time <= 0
  solicit_count_zero,             // multicast_solicit or unicast_solicit == 0
  negative_duration,              // gc_stale_time, recycle_min_age, min_solicit_interval or locktime < 0
  redraw_interval_not_positive,   // reachable_time_redraw <= 0
};
const char* to_string(NeighborConfigError);

// Linux's defaults (net.ipv4.neigh.default.*, net.ipv6.neigh.default.*).
struct NeighborConfig {
  std::uint32_t max_entries = 1024;                        // gc_thresh3
  std::uint32_t gc_floor = 128;                            // gc_thresh1
  Duration gc_stale_time = Duration::seconds(60);          // gc_stale_time
  Duration recycle_min_age = Duration::seconds(5);         // neigh_forced_gc spares younger entries
  std::uint16_t queue_packets_per_entry = 3;               // unres_qlen (packets)
  std::size_t queue_bytes = std::size_t{256} * 1024;       // total over all entries
  Duration base_reachable_time = Duration::seconds(30);    // RFC 4861 10 REACHABLE_TIME
  Duration retrans_time = Duration::seconds(1);            // RFC 4861 10 RETRANS_TIMER
  Duration delay_first_probe_time = Duration::seconds(5);  // RFC 4861 10 DELAY_FIRST_PROBE_TIME
  std::uint8_t multicast_solicit = 3;                      // MAX_MULTICAST_SOLICIT (mcast_probes)
  std::uint8_t unicast_solicit = 3;                        // MAX_UNICAST_SOLICIT (ucast_probes)
  Duration min_solicit_interval = Duration::seconds(1);    // RFC 1122 2.3.2.1
  // Linux's ARP locktime: an advertisement with a different address within
  // this time of the entry's last change is ignored ("use the FIRST reply"),
  // unless gratuitous. ND does not use it (0).
  Duration locktime = Duration::zero();
  // ReachableTime is drawn uniformly in [0.5, 1.5) x base_reachable_time
  // (RFC 4861 6.3.2) and redrawn this often (Linux: every 300 s).
  Duration reachable_time_redraw = Duration::seconds(300);

  static NeighborConfig arp() {
    NeighborConfig c;
    c.locktime = Duration::seconds(1);
    return c;
  }
  static NeighborConfig nd() { return NeighborConfig{}; }
};

// Flags of a Neighbor Advertisement (RFC 4861 4.4), or how an ARP packet maps
// onto them (see the table at the top).
struct AdvertisementFlags {
  bool solicited = false;
  bool override = false;
  bool router = false;
  bool gratuitous = false;  // ARP sender == target: bypasses locktime (Linux arp_is_garp)
};

enum class AdvertisementOutcome : std::uint8_t {
  no_entry,              // RFC 4861 7.2.5: no entry, silently discarded (never creates one)
  missing_link_address,  // entry incomplete and no target link-layer address: discarded
  ignored,               // Override clear, different address, entry not reachable: no update
  marked_stale,          // Override clear, different address, reachable -> stale, nothing else
  updated,               // accepted (state, address and IsRouter per RFC 4861 7.2.5)
};
const char* to_string(AdvertisementOutcome);

struct AdvertisementResult {
  AdvertisementOutcome outcome = AdvertisementOutcome::no_entry;
  // IsRouter went from true to false: the stack removes the neighbour from its
  // default router list (RFC 4861 7.2.5).
  bool router_cleared = false;
  bool operator==(const AdvertisementResult&) const = default;
};

enum class SolicitationOutcome : std::uint8_t {
  ignored,     // source unspecified or multicast (DAD probes carry no address to learn)
  created,     // new stale entry (RFC 4861 7.2.3)
  updated,     // address recorded or changed: stale (queued packets sent if it was incomplete)
  unchanged,   // same address: state kept
  table_full,  // no entry could be made
};
const char* to_string(SolicitationOutcome);

enum class EnqueueStatus : std::uint8_t {
  queued,  // held until resolution (or failure)
  sent,    // the entry was resolved after all: handed to events.resolved() at once
};

// What one solicitation is: multicast NS to the solicited-node address /
// broadcast ARP request (unicast_to empty), or a probe unicast to the cached
// address (RFC 4861 7.3.3 PROBE; Linux ucast_probes for ARP too).
template <typename Address>
struct Solicitation {
  Address target{};
  std::optional<wire::MacAddress> unicast_to;
  std::uint8_t attempt = 1;  // 1-based within this incomplete or probe round
  // The oldest packet waiting for `target` (empty if none): its source
  // address is the solicitation's source when it is ours (RFC 4861 7.2.2;
  // Linux arp_solicit). Valid during the callback, until it calls the cache.
  std::span<const std::byte> first_queued;
};

template <typename Address>
class NeighborEvents {
 public:
  // Send this solicitation now.
  virtual void solicit(const Solicitation<Address>& solicitation) = 0;
  // A packet queued for `neighbor` can go out now to `mac` (in queue order).
  virtual void resolved(const Address& neighbor, const wire::MacAddress& mac,
                        std::span<const std::byte> packet) = 0;
  // A queued packet is dropped (count it; for resolution_failed, answer it with ICMP).
  virtual void dropped(const Address& neighbor, NeighborDrop reason, std::span<const std::byte> packet) = 0;

 protected:
  ~NeighborEvents() = default;
};

struct NeighborInfo {
  NeighborState state = NeighborState::incomplete;
  wire::MacAddress mac;  // meaningful unless incomplete (or failed before any address)
  bool is_router = false;
  std::uint16_t queued_packets = 0;
  std::uint8_t solicitations = 0;  // sent in the current incomplete or probe round
  bool operator==(const NeighborInfo&) const = default;
};

// Cache-wide counters (Linux: ndtl statistics).
struct NeighborStats {
  std::uint64_t created = 0;             // entries made (allocs)
  std::uint64_t recycled = 0;            // entries taken over for another address when full
  std::uint64_t collected = 0;           // stale/failed entries removed by poll's GC
  std::uint64_t resolutions_failed = 0;  // entries that went to failed (res_failed)
  std::uint64_t solicitations = 0;       // solicitations reported to the stack
  std::uint64_t table_full = 0;          // entries that could not be made (table_fulls)
  std::uint64_t queue_drops = 0;         // queued packets dropped for queue_full/queue_bytes (unres_discards)
  bool operator==(const NeighborStats&) const = default;
};

template <typename Address>
class NeighborCache {
 public:
  using Events = NeighborEvents<Address>;
  static constexpr std::uint32_t kMaxEntries = std::uint32_t{1} << 20;
  static constexpr std::size_t kQueuedPacketOverhead = 96;
  static constexpr std::size_t queued_packet_cost(std::size_t length) {
    return length + kQueuedPacketOverhead;
  }

  // `entropy` draws ReachableTime and the hash key; it must outlive the cache.
  static Result<NeighborCache, NeighborConfigError> create(const NeighborConfig& config, Entropy& entropy);
  // What create() checks, without building a cache.
  static Result<void, NeighborConfigError> validate(const NeighborConfig& config);

  // The address to send to `neighbor` now, or nullopt: enqueue the packet.
  // Marks the entry used; stale -> delay (RFC 4861 7.3.3).
  std::optional<wire::MacAddress> lookup(const Address& neighbor, Instant now);

  // Holds a copy of `packet` (an IP datagram) until `neighbor` resolves,
  // creating the entry or restarting a failed one. Older packets displaced by
  // the caps are reported through events.dropped(); the error is why THIS
  // packet was refused.
  Result<EnqueueStatus, NeighborDrop> enqueue(const Address& neighbor, std::span<const std::byte> packet,
                                              Instant now, Events& events);

  SolicitationOutcome on_solicitation(const Address& source, const wire::MacAddress& source_mac, Instant now,
                                      Events& events);
  AdvertisementResult on_advertisement(const Address& target, std::optional<wire::MacAddress> target_mac,
                                       AdvertisementFlags flags, Instant now, Events& events);
  // RFC 4861 7.3.1 upper-layer confirmation: any state with an address ->
  // reachable. False when there is no such entry (none, incomplete, failed).
  bool on_confirmation(const Address& neighbor, Instant now);

  void poll(Instant now, Events& events);
  Instant next_deadline() const;

  // RFC 4861 6.3.4: a Router Advertisement's Reachable Time / Retrans Timer.
  // A new base redraws ReachableTime at once.
  Result<void, NeighborConfigError> set_base_reachable_time(Duration base, Instant now);
  Result<void, NeighborConfigError> set_retrans_time(Duration retrans);

  std::optional<NeighborInfo> find(const Address& neighbor) const;
  std::size_t size() const { return size_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  std::size_t queued_packets() const { return queued_packets_; }
  Duration reachable_time() const { return reachable_time_; }
  const NeighborConfig& config() const { return config_; }
  const NeighborStats& stats() const { return stats_; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  struct Entry {
    Address address{};
    wire::MacAddress mac{};
    NeighborState state = NeighborState::failed;
    bool in_use = false;
    bool is_router = false;
    bool has_solicited = false;  // last_solicit is meaningful
    std::uint8_t probes = 0;     // solicitations sent in this round
    std::uint16_t queue_len = 0;
    std::uint32_t queue_head = kNone;  // oldest
    std::uint32_t queue_tail = kNone;
    std::uint32_t next_free = kNone;
    Instant timer;         // incomplete, reachable, delay, probe: when the next step is due
    Instant updated;       // last change of state or address (Linux neigh->updated)
    Instant used;          // last time the stack sent through it (Linux neigh->used)
    Instant last_solicit;  // RFC 1122 2.3.2.1
  };

  // A queued packet, then (unlinked from its entry) an outbox item.
  struct QueuedPacket {
    std::vector<std::byte> bytes;
    std::uint32_t entry = kNone;
    std::uint32_t next_in_entry = kNone;  // also the outbox and free-list link
    std::uint32_t older = kNone;          // cache-wide FIFO
    std::uint32_t newer = kNone;
    Address neighbor{};  // outbox: where it was going,
    wire::MacAddress mac{};
    bool deliver = false;                                   // sent to `mac`, or
    NeighborDrop reason = NeighborDrop::resolution_failed;  // dropped
  };

  NeighborCache(const NeighborConfig& config, Entropy& entropy);

  std::uint32_t home_slot(const Address& a) const;
  std::uint32_t find_index(const Address& a) const;
  std::uint32_t allocate(const Address& a, Instant now);
  std::uint32_t pick_victim(Instant now) const;
  void release(std::uint32_t index, NeighborDrop reason);

  void push_packet(std::uint32_t index, std::span<const std::byte> packet);
  void unlink_to_outbox(std::uint32_t packet, bool deliver, NeighborDrop reason);
  void drop_oldest_of(std::uint32_t index, NeighborDrop reason);
  void queue_to_outbox(std::uint32_t index, std::optional<NeighborDrop> reason);
  void flush(Events& events);

  void start_resolution(Entry& e, Instant now);
  void enter(Entry& e, NeighborState state, Instant now);
  void set_mac(Entry& e, const wire::MacAddress& mac, Instant now);
  void enter_reachable(Entry& e, Instant now);
  void make_valid(std::uint32_t index, const wire::MacAddress& mac, NeighborState state, Instant now);
  void step(std::uint32_t index, Instant now, Events& events);
  bool solicit_allowed(const Entry& e, Instant now) const;
  void solicit(std::uint32_t index, Instant now, Events& events);
  void fail(std::uint32_t index, Instant now);
  Instant gc_due(const Entry& e) const;
  Duration draw_reachable_time();
  Instant monotonic(Instant now);

  NeighborConfig config_;
  Entropy* entropy_;
  std::vector<Entry> entries_;
  std::uint32_t free_entries_ = kNone;
  std::size_t size_ = 0;
  std::vector<std::uint32_t> slots_;  // open addressing, linear probing: entry index or kNone
  std::uint32_t slot_shift_ = 0;      // 64 - log2(slots_.size())
  std::uint64_t hash_key_[5] = {};
  std::vector<QueuedPacket> packets_;
  std::uint32_t free_packets_ = kNone;
  std::uint32_t outbox_head_ = kNone;  // packets to hand back, oldest first
  std::uint32_t outbox_tail_ = kNone;
  std::uint32_t oldest_ = kNone;
  std::uint32_t newest_ = kNone;
  std::size_t queued_bytes_ = 0;
  std::size_t queued_packets_ = 0;
  Duration reachable_time_;
  std::optional<Instant> redraw_at_;
  Instant last_now_ = Instant::from_ns(std::numeric_limits<std::int64_t>::min());
  mutable Instant deadline_ = Instant::never();
  mutable bool deadline_dirty_ = false;
  NeighborStats stats_;
};

using ArpCache = NeighborCache<wire::Ipv4Address>;
using NdCache = NeighborCache<wire::Ipv6Address>;
using ArpEvents = NeighborEvents<wire::Ipv4Address>;
using NdEvents = NeighborEvents<wire::Ipv6Address>;

extern template class NeighborCache<wire::Ipv4Address>;
extern template class NeighborCache<wire::Ipv6Address>;

}  // namespace hardstack::net
