// IPv4 and IPv6 fragment reassembly (RFC 791 3.2, RFC 815, RFC 8200 4.5,
// RFC 5722, RFC 6946), with Linux's rules where the RFCs leave a choice.
//
// One engine, Reassembler<Family>, with two thin front-ends: Ipv4Reassembler
// keyed by (source, destination, protocol, identification) (V4-FRAG-1) and
// Ipv6Reassembler keyed by (source, destination, identification) (V6-FRAG-1).
// The family only decides the key, the default timeout (Linux: 30 s for IPv4,
// 60 s for IPv6), the size limit and how the reassembled header is rebuilt.
//
// The stack hands over one fragment at a time (after its header checks) and
// gets back one ReassemblyOutcome:
//   held        stored, the datagram is not complete yet
//   duplicate   exact copy of a fragment already held (same offset, length and
//               bytes): ignored, nothing changes (RFC 5722, Linux)
//   complete    `datagram` is the whole datagram, header rebuilt (IPv4: total
//               length, flags and offset, header checksum; IPv6: Payload
//               Length, the Fragment header removed and the Next Header that
//               named it set to the fragment's): parse it like any datagram
//   dropped     `reason` says why; `queue_discarded` says whether the
//               datagram being reassembled under this key was discarded too
//
// Rules, in the order they are checked:
//   offset not a multiple of 8, or a non-last fragment whose length is not
//     (V4-FRAG-4, V6-FRAG-2)                       not_multiple_of_8, fragment only
//   offset-0 fragment whose header bytes cannot be
//     a header of the family                       invalid_header, fragment only
//   offset 0 and no more fragments: a whole datagram, handed back on its own
//     and never merged with a queue (RFC 6946, V6-FRAG-5)    complete (too_big
//                                                  past 65535 bytes, no queue touched)
//   offset + length beyond what a 65535-byte datagram can carry, with the first
//     fragment's header once known (V4-FRAG-2, V6-FRAG-3, ping of death)
//                                                  too_big, discards the datagram
//   no data (Linux: discards the queue)            empty_fragment, discards the datagram
//   a last fragment ending before data already held, or disagreeing with an
//     earlier last fragment; data past the known end   inconsistent_length, discards
//   any overlap with a fragment held (RFC 5722, Linux for IPv4 and IPv6 alike;
//     teardrop)                                    overlap, discards the datagram
//   more than max_fragments_per_datagram           too_many_fragments, discards
//   cannot fit under memory_cap even with every other queue evicted
//                                                  memory_cap, fragment only
//   a new queue whose hash chain holds max_chain_length queues already
//                                                  too_many_queues, fragment only
// Then room is made (a new queue at max_queues, or memory over the cap: the
// oldest queues are evicted, see below) and the fragment is stored.
// A discarded datagram is forgotten at once (Linux, and RFC 5722 as amended by
// erratum 3089): fragments of it that arrive later start a new queue.
//
// Memory (V4-FRAG-6, V6-FRAG-8): memory_in_use() counts every byte the
// engine allocates per datagram, each block at the size the allocator really
// hands out (request + 8-byte header, rounded up to 16, at least 32: glibc's
// malloc): the queue, and per fragment a node holding its bytes (and for the
// offset-0 fragment its header bytes). queue_cost() and fragment_cost() give
// the exact figures. Fixed costs outside the cap, allocated once: the hash
// table (two buckets per allowed queue) and the output buffer (grows to the
// largest datagram reassembled, at most 65575 bytes).
//
// Over a cap: the OLDEST queues are evicted (never the one the fragment
// belongs to) until the new fragment fits; a fragment that cannot fit even
// then (the cap minus what its own queue holds is too small) is dropped and
// nothing is evicted for it. Linux (4.17+) instead drops every new fragment
// above its high threshold; we evict because a flood of incomplete fragments
// that fills the cap once would then deny all reassembly until the flood's
// queues time out (30/60 s), while with eviction an attacker must push more
// than the cap through between two fragments of a legitimate datagram to
// break it (bench/reassembly_flood.cpp: a well-formed datagram mid-flood of
// 1,000,000 fragments still comes out under a 4 MiB cap). Evictions count in
// reasm_fails and evictions.
//
// Work per fragment is bounded: one keyed-hash lookup (SipHash-2-4 under a
// key drawn from Entropy, chains of at most max_chain_length), a walk of at
// most max_fragments_per_datagram nodes (none for in-order arrival), one copy
// of the fragment; the datagram is copied out once when complete. Evictions
// and expiries free what earlier fragments allocated (amortised O(1)).
//
// Time (V4-FRAG-5, V6-FRAG-7): a queue lives `timeout` from its first
// fragment (Linux arms the timer once, at creation). submit() never expires
// anything; poll(now) does, reporting each expired queue with its offset-0
// fragment, as received, when that arrived (the stack quotes it in ICMP time
// exceeded code 1). Call poll(now) before submit(..., now) so an expired queue
// is not completed late. Time that runs backwards is taken as not moving.
//
// Counters (ReassemblyCounters) follow RFC 2011 / Linux SNMP: see there.
// Not thread-safe: one per stack, as the stack is one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "entropy.hpp"
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/bytes.hpp"
#include "hardstack/wire/result.hpp"
#include "siphash.hpp"
#include "time.hpp"

namespace hardstack::net {

// ---- Keys ---------------------------------------------------------------

struct Ipv4FragmentKey {
  wire::Ipv4Address source;
  wire::Ipv4Address destination;
  std::uint8_t protocol = 0;
  std::uint16_t identification = 0;
  bool operator==(const Ipv4FragmentKey&) const = default;
};

struct Ipv6FragmentKey {
  wire::Ipv6Address source;
  wire::Ipv6Address destination;
  std::uint32_t identification = 0;
  bool operator==(const Ipv6FragmentKey&) const = default;
};

// ---- Outcomes, counters, configuration ------------------------------------

enum class ReassemblyDrop : std::uint8_t {
  not_multiple_of_8,    // V4-FRAG-4 / V6-FRAG-2 (or an offset not in 8-byte units)
  invalid_header,       // offset-0 fragment without a usable header
  too_big,              // V4-FRAG-2 / V6-FRAG-3: past 65535 bytes
  empty_fragment,       // no data in a fragment that is not atomic
  inconsistent_length,  // last fragments disagree, or data past the end
  overlap,              // RFC 5722
  too_many_fragments,   // more than max_fragments_per_datagram
  too_many_queues,      // no room for another queue (hash chain bound)
  memory_cap,           // could not fit under memory_cap
};
const char* to_string(ReassemblyDrop);

enum class ReassemblyStatus : std::uint8_t { held, duplicate, complete, dropped };
const char* to_string(ReassemblyStatus);

struct ReassemblyOutcome {
  ReassemblyStatus status = ReassemblyStatus::held;
  ReassemblyDrop reason = ReassemblyDrop::not_multiple_of_8;  // dropped only
  // dropped: a queue held fragments under this key and was freed with it.
  bool queue_discarded = false;
  // complete: the reassembled datagram, in the reassembler's output buffer,
  // valid until the next call on the reassembler (copy it to keep it, or
  // before handing a datagram that may carry fragments back to submit()).
  wire::Bytes datagram;
};

struct ReassemblyCounters {
  std::uint64_t reasm_reqds = 0;  // fragments submitted (ipReasmReqds)
  std::uint64_t reasm_oks = 0;    // datagrams handed back, atomic ones included (ipReasmOKs)
  // ipReasmFails: datagrams given up (too_big, empty_fragment,
  // inconsistent_length, overlap, too_many_fragments, evicted, timed out),
  // plus fragments that could not be stored (too_many_queues, memory_cap).
  // Not counted: not_multiple_of_8 and invalid_header (header errors the
  // stack counts as InHdrErrors, as Linux does) and duplicates.
  std::uint64_t reasm_fails = 0;
  std::uint64_t reasm_timeout = 0;   // queues expired by poll() (Linux ReasmTimeout)
  std::uint64_t reasm_overlaps = 0;  // datagrams discarded for an overlap (Linux ReasmOverlaps)
  std::uint64_t evictions = 0;       // queues evicted to make room
  std::uint64_t duplicates = 0;      // exact duplicates ignored
  bool operator==(const ReassemblyCounters&) const = default;
};

enum class ReassemblyConfigError : std::uint8_t {
  memory_cap_too_small,        // 0, or below one queue with one 8-byte fragment
  bad_fragments_per_datagram,  // not in [2, 8192]
  bad_max_queues,              // not in [1, 2^20]
  bad_timeout,                 // not positive
};
const char* to_string(ReassemblyConfigError);

// Every cap is checked by create(); see ReassemblyConfigError for the ranges.
struct ReassemblyConfig {
  // Bytes held at most, every allocation counted (Linux ipfrag_high_thresh).
  std::size_t memory_cap = std::size_t{4} << 20;
  // Fragments one datagram may be made of (FreeBSD maxfragsperpacket: 16;
  // 64 covers a 65535-byte datagram cut for a 1280-byte MTU).
  std::uint32_t max_fragments_per_datagram = 64;
  // Datagrams being reassembled at once; also sizes the hash table.
  std::uint32_t max_queues = 8192;
  // From a queue's first fragment to its expiry. Use the family's
  // Reassembler<F>::default_config(): 30 s for IPv4, 60 s for IPv6.
  Duration timeout = Duration::seconds(30);
};

// ---- Families -----------------------------------------------------------

// IPv4: `header` is the first fragment's IPv4 header, options included (20 to
// 60 bytes). The datagram keeps it, with total length, flags (DF kept, MF and
// the reserved bit cleared), offset 0 and the header checksum rewritten.
struct Ipv4Family {
  using Key = Ipv4FragmentKey;
  static constexpr Duration default_timeout = Duration::seconds(30);  // Linux ipfrag_time
  static constexpr std::size_t key_size = 11;
  static void key_bytes(const Key&, std::byte* out);
  static bool header_ok(wire::Bytes header, std::uint16_t next_header_offset);
  // Largest fragment end (offset + length) a datagram with this first header
  // can have; with header_len 0 (first fragment not seen) the loosest bound.
  static std::size_t max_end(std::size_t header_len);
  static std::size_t output_header_len(std::size_t header_len) { return header_len; }
  static void rebuild_header(wire::MutableBytes out, wire::Bytes header, std::uint16_t next_header_offset,
                             std::size_t payload_len);
};

// IPv6: `header` is the first fragment's unfragmentable part AND its Fragment
// header, as received (fixed header, extension headers, 8-byte Fragment
// header: at least 48 bytes); `next_header_offset` is the offset in it of the
// Next Header field that names the Fragment header (6 when the Fragment header
// follows the fixed header). The datagram is that part without the Fragment
// header, that field set to the Fragment header's Next Header and Payload
// Length rewritten (RFC 8200 4.5).
struct Ipv6Family {
  using Key = Ipv6FragmentKey;
  static constexpr Duration default_timeout = Duration::seconds(60);  // RFC 8200 4.5, Linux
  static constexpr std::size_t key_size = 36;
  static void key_bytes(const Key&, std::byte* out);
  static bool header_ok(wire::Bytes header, std::uint16_t next_header_offset);
  static std::size_t max_end(std::size_t header_len);
  static std::size_t output_header_len(std::size_t header_len) { return header_len - 8; }
  static void rebuild_header(wire::MutableBytes out, wire::Bytes header, std::uint16_t next_header_offset,
                             std::size_t payload_len);
};

// ---- The reassembler ------------------------------------------------------

template <typename Family>
class Reassembler {
 public:
  using Key = typename Family::Key;

  struct Fragment {
    Key key;
    std::uint32_t offset = 0;  // in bytes: the Fragment Offset field * 8
    bool more_fragments = false;
    wire::Bytes payload;  // the fragment's data, after every header
    // Offset-0 fragment only (ignored otherwise): the header bytes as
    // received, see Ipv4Family / Ipv6Family. header + payload is the first
    // fragment as it came, which poll() reports for ICMP time exceeded.
    wire::Bytes header;
    std::uint16_t next_header_offset = 0;  // IPv6 only
  };

  // What poll() reports for each expired queue; valid during the callback.
  struct Expired {
    const Key& key;
    bool first_fragment_received;
    // When received: the offset-0 fragment as submitted (header then payload).
    wire::Bytes first_fragment;
    std::size_t first_fragment_header_len;
  };

  // One queue as seen from outside (tests, fuzz models).
  struct QueueInfo {
    std::uint32_t fragments = 0;
    std::uint32_t bytes_received = 0;  // payload bytes held
    bool first_received = false;
    bool last_received = false;
    std::uint32_t length = 0;  // datagram payload length once the last fragment came, else max end seen
    std::size_t memory = 0;    // what memory_in_use() counts for this queue
    Instant deadline;
  };

  static constexpr std::uint32_t max_chain_length = 16;

  static ReassemblyConfig default_config() {
    ReassemblyConfig c;
    c.timeout = Family::default_timeout;
    return c;
  }
  static hardstack::Result<Reassembler, ReassemblyConfigError> create(const ReassemblyConfig& config,
                                                                      Entropy& entropy);

  Reassembler(Reassembler&& other) noexcept;
  Reassembler& operator=(Reassembler&& other) noexcept;
  // A deep copy: the same key, queues, fragments, deadlines and counters
  // (Stack::checkpoint()). Assignment frees this one's queues first.
  Reassembler(const Reassembler& other);
  Reassembler& operator=(const Reassembler& other);
  ~Reassembler();

  ReassemblyOutcome submit(const Fragment& fragment, Instant now);

  // Expires every queue whose deadline is <= now, calling on_expired(const
  // Expired&) for each, oldest first, before freeing it. Returns how many.
  template <typename OnExpired>
  std::size_t poll(Instant now, OnExpired&& on_expired) {
    advance(now);
    std::size_t n = 0;
    while (Queue* q = expired_front()) {
      on_expired(report(*q));
      expire(q);
      ++n;
    }
    return n;
  }
  std::size_t poll(Instant now) {
    return poll(now, [](const Expired&) {});
  }
  // The oldest queue's deadline; Instant::never() when nothing is held.
  Instant next_deadline() const;

  std::size_t memory_in_use() const { return memory_; }
  std::size_t queue_count() const { return queue_count_; }
  const ReassemblyCounters& counters() const { return counters_; }
  const ReassemblyConfig& config() const { return config_; }
  std::optional<QueueInfo> find(const Key& key) const;
  // Calls f(const Key&, const QueueInfo&) for every queue, oldest first.
  template <typename F>
  void for_each_queue(F&& f) const {
    for (const Queue* q = oldest_; q != nullptr; q = newer(q)) f(key_of(q), info_of(q));
  }
  // Frees everything (counted as nothing: not a failure of any datagram).
  void clear();

  // Exact memory charges (see the file comment).
  static std::size_t queue_cost();
  static std::size_t fragment_cost(std::size_t header_len, std::size_t payload_len);

 private:
  struct Queue;
  struct Node;

  Reassembler(const ReassemblyConfig& config, SipHashKey hash_key);
  static const Queue* newer(const Queue* q);
  static const Key& key_of(const Queue* q);
  static QueueInfo info_of(const Queue* q);
  void advance(Instant now);
  Queue* expired_front() const;
  Expired report(const Queue& q) const;
  void expire(Queue* q);
  std::uint32_t hash(const Key& key) const;
  Queue* lookup(const Key& key, std::uint32_t h, std::uint32_t* chain_length) const;
  void unlink_and_free(Queue* q);
  // Puts a new queue at the head of its chain and as the newest, and counts it.
  void link_new(Queue* q);
  void copy_queues(const Reassembler& other);
  void make_room(std::size_t need, const Queue* keep);
  ReassemblyOutcome complete(Queue* q);
  ReassemblyOutcome whole_datagram(const Fragment& f);
  ReassemblyOutcome fail(ReassemblyDrop reason, Queue* q);

  ReassemblyConfig config_;
  SipHashKey hash_key_;
  std::vector<Queue*> buckets_;
  Queue* oldest_ = nullptr;  // creation order = deadline order
  Queue* newest_ = nullptr;
  std::size_t queue_count_ = 0;
  std::size_t memory_ = 0;
  Instant now_;
  ReassemblyCounters counters_;
  std::vector<std::byte> out_;
};

using Ipv4Reassembler = Reassembler<Ipv4Family>;
using Ipv6Reassembler = Reassembler<Ipv6Family>;

extern template class Reassembler<Ipv4Family>;
extern template class Reassembler<Ipv6Family>;

}  // namespace hardstack::net
