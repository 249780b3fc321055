#include "reassembly.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"

namespace hardstack::net {

namespace {

constexpr std::size_t max_datagram_len = 65535;  // RFC 791 Total Length, RFC 8200 Payload Length
constexpr std::uint8_t next_header_fragment = 44;
constexpr std::size_t ipv6_fragment_header_len = 8;
constexpr std::size_t ipv6_min_first_header = wire::ipv6_field::header_len + ipv6_fragment_header_len;

// What malloc really takes for a request of n bytes: an 8-byte chunk header,
// 16-byte granularity, 32 bytes at least (glibc on 64-bit targets).
constexpr std::size_t block_cost(std::size_t n) {
  const std::size_t c = (n + 8 + 15) & ~std::size_t{15};
  return c < 32 ? 32 : c;
}

template <std::size_t N>
void put_address(std::byte*& out, const std::array<std::uint8_t, N>& octets) {
  std::memcpy(out, octets.data(), N);
  out += N;
}

}  // namespace

const char* to_string(ReassemblyDrop r) {
  switch (r) {
    case ReassemblyDrop::not_multiple_of_8: return "not_multiple_of_8";
    case ReassemblyDrop::invalid_header: return "invalid_header";
    case ReassemblyDrop::too_big: return "too_big";
    case ReassemblyDrop::empty_fragment: return "empty_fragment";
    case ReassemblyDrop::inconsistent_length: return "inconsistent_length";
    case ReassemblyDrop::overlap: return "overlap";
    case ReassemblyDrop::too_many_fragments: return "too_many_fragments";
    case ReassemblyDrop::too_many_queues: return "too_many_queues";
    case ReassemblyDrop::memory_cap: return "memory_cap";
  }
  return "unknown_reassembly_drop";
}

const char* to_string(ReassemblyStatus s) {
  switch (s) {
    case ReassemblyStatus::held: return "held";
    case ReassemblyStatus::duplicate: return "duplicate";
    case ReassemblyStatus::complete: return "complete";
    case ReassemblyStatus::dropped: return "dropped";
  }
  return "unknown_reassembly_status";
}

const char* to_string(ReassemblyConfigError e) {
  switch (e) {
    case ReassemblyConfigError::memory_cap_too_small:
      return "reassembly memory cap is 0 or cannot hold one queue with one fragment";
    case ReassemblyConfigError::bad_fragments_per_datagram:
      return "fragments per datagram must be between 2 and 8192";
    case ReassemblyConfigError::bad_max_queues: return "max queues must be between 1 and 1048576";
    case ReassemblyConfigError::bad_timeout: return "reassembly timeout must be positive";
  }
  return "unknown_reassembly_config_error";
}

// ---- Families -------------------------------------------------------------

void Ipv4Family::key_bytes(const Key& k, std::byte* out) {
  put_address(out, k.source.octets);
  put_address(out, k.destination.octets);
  *out++ = static_cast<std::byte>(k.protocol);
  *out++ = static_cast<std::byte>(k.identification >> 8);
  *out = static_cast<std::byte>(k.identification & 0xff);
}

bool Ipv4Family::header_ok(wire::Bytes header, std::uint16_t) {
  // RFC 791: IHL counts 32-bit words, 5 to 15 of them.
  return header.size() >= wire::ipv4_field::header_len && header.size() <= wire::ipv4_field::max_header_len &&
         header.size() % 4 == 0;
}

std::size_t Ipv4Family::max_end(std::size_t header_len) {
  // V4-FRAG-2: header + data <= 65535; before the first fragment is seen its
  // header is at least 20 bytes.
  return max_datagram_len - std::max(header_len, wire::ipv4_field::header_len);
}

void Ipv4Family::rebuild_header(wire::MutableBytes out, wire::Bytes header, std::uint16_t,
                                std::size_t payload_len) {
  using namespace wire::ipv4_field;
  std::memcpy(out.data(), header.data(), header.size());
  wire::store_be16(out, total_length.begin, static_cast<std::uint16_t>(header.size() + payload_len));
  // A whole datagram: offset 0, MF clear; DF kept, the reserved bit cleared (Linux).
  const std::uint16_t flags = wire::load_be16(header, flags_fragment_offset.begin) & flag_dont_fragment;
  wire::store_be16(out, flags_fragment_offset.begin, flags);
  wire::store_be16(out, checksum.begin, 0);
  wire::store_be16(out, checksum.begin, wire::internet_checksum(out.first(header.size())));
}

void Ipv6Family::key_bytes(const Key& k, std::byte* out) {
  put_address(out, k.source.octets);
  put_address(out, k.destination.octets);
  out[0] = static_cast<std::byte>(k.identification >> 24);
  out[1] = static_cast<std::byte>((k.identification >> 16) & 0xff);
  out[2] = static_cast<std::byte>((k.identification >> 8) & 0xff);
  out[3] = static_cast<std::byte>(k.identification & 0xff);
}

bool Ipv6Family::header_ok(wire::Bytes header, std::uint16_t next_header_offset) {
  // Fixed header + Fragment header at least; the unfragmentable extension
  // headers must leave room for data under the 65535-byte Payload Length.
  if (header.size() < ipv6_min_first_header || header.size() - ipv6_min_first_header > max_datagram_len)
    return false;
  const std::size_t fragment_header = header.size() - ipv6_fragment_header_len;
  return next_header_offset < fragment_header &&
         wire::load_u8(header, next_header_offset) == next_header_fragment;
}

std::size_t Ipv6Family::max_end(std::size_t header_len) {
  // V6-FRAG-3: offset + length <= 65535; once the first fragment is known,
  // its unfragmentable extension headers count in Payload Length too.
  if (header_len < ipv6_min_first_header) return max_datagram_len;
  return max_datagram_len - (header_len - ipv6_min_first_header);
}

void Ipv6Family::rebuild_header(wire::MutableBytes out, wire::Bytes header, std::uint16_t next_header_offset,
                                std::size_t payload_len) {
  // RFC 8200 4.5: the unfragmentable part of the first fragment, without the
  // Fragment header; the Next Header that named it takes the fragment's.
  const std::size_t unfragmentable = header.size() - ipv6_fragment_header_len;
  std::memcpy(out.data(), header.data(), unfragmentable);
  wire::store_u8(out, next_header_offset, wire::load_u8(header, unfragmentable));
  wire::store_be16(out, wire::ipv6_field::payload_length.begin,
                   static_cast<std::uint16_t>(unfragmentable - wire::ipv6_field::header_len + payload_len));
}

// ---- Storage ----------------------------------------------------------------

// One fragment: this node, then (offset-0 fragment only) its header bytes,
// then its data, in one allocation of fragment_cost().
template <typename F>
struct Reassembler<F>::Node {
  Node* next = nullptr;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t header_len = 0;
  std::uint16_t next_header_offset = 0;

  std::uint32_t end() const { return offset + length; }
  // The fragment's bytes live right after the node, in the same allocation
  // (allocated and accounted as sizeof(Node) + bytes): byte access to that
  // storage is what reinterpret_cast to std::byte is for.
  std::byte* storage() {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    return reinterpret_cast<std::byte*>(this + 1);
  }
  const std::byte* storage() const {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    return reinterpret_cast<const std::byte*>(this + 1);
  }
  wire::Bytes header() const { return {storage(), header_len}; }
  wire::Bytes payload() const { return {storage() + header_len, length}; }
  wire::Bytes whole() const { return {storage(), std::size_t{header_len} + length}; }
};

template <typename F>
struct Reassembler<F>::Queue {
  Key key;
  std::uint32_t hash = 0;
  Queue* chain_next = nullptr;
  Queue* older = nullptr;
  Queue* newer = nullptr;
  Instant deadline;
  Node* head = nullptr;  // sorted by offset, never overlapping
  Node* tail = nullptr;
  std::size_t memory = 0;
  std::uint32_t received = 0;  // data bytes held
  std::uint32_t length = 0;    // last_in: the datagram's data length; else the largest end seen
  std::uint32_t count = 0;
  bool last_in = false;

  const Node* first() const { return head != nullptr && head->offset == 0 ? head : nullptr; }
};

template <typename F>
std::size_t Reassembler<F>::queue_cost() {
  return block_cost(sizeof(Queue));
}

template <typename F>
std::size_t Reassembler<F>::fragment_cost(std::size_t header_len, std::size_t payload_len) {
  return block_cost(sizeof(Node) + header_len + payload_len);
}

// ---- Life cycle ---------------------------------------------------------------

template <typename F>
hardstack::Result<Reassembler<F>, ReassemblyConfigError> Reassembler<F>::create(const ReassemblyConfig& c,
                                                                                Entropy& entropy) {
  if (c.memory_cap < queue_cost() + fragment_cost(0, 8))
    return Unexpected(ReassemblyConfigError::memory_cap_too_small);
  if (c.max_fragments_per_datagram < 2 || c.max_fragments_per_datagram > max_datagram_len / 8 + 1)
    return Unexpected(ReassemblyConfigError::bad_fragments_per_datagram);
  if (c.max_queues < 1 || c.max_queues > (std::uint32_t{1} << 20))
    return Unexpected(ReassemblyConfigError::bad_max_queues);
  if (c.timeout <= Duration::zero()) return Unexpected(ReassemblyConfigError::bad_timeout);
  const SipHashKey key{entropy.next_u64(), entropy.next_u64()};
  return Reassembler(c, key);
}

template <typename F>
Reassembler<F>::Reassembler(const ReassemblyConfig& config, SipHashKey hash_key)
    : config_(config), hash_key_(hash_key), now_(Instant::from_ns(std::numeric_limits<std::int64_t>::min())) {
  // Two buckets per allowed queue: with a keyed hash chains stay near 1.
  std::size_t buckets = 16;
  while (buckets < std::size_t{config.max_queues} * 2) buckets *= 2;
  buckets_.assign(buckets, nullptr);
}

template <typename F>
Reassembler<F>::Reassembler(Reassembler&& o) noexcept
    : config_(o.config_),
      hash_key_(o.hash_key_),
      buckets_(std::move(o.buckets_)),
      oldest_(std::exchange(o.oldest_, nullptr)),
      newest_(std::exchange(o.newest_, nullptr)),
      queue_count_(std::exchange(o.queue_count_, 0)),
      memory_(std::exchange(o.memory_, 0)),
      now_(o.now_),
      counters_(o.counters_),
      out_(std::move(o.out_)) {
  o.buckets_.clear();
}

template <typename F>
Reassembler<F>& Reassembler<F>::operator=(Reassembler&& o) noexcept {
  if (this == &o) return *this;
  clear();
  config_ = o.config_;
  hash_key_ = o.hash_key_;
  buckets_ = std::move(o.buckets_);
  o.buckets_.clear();
  oldest_ = std::exchange(o.oldest_, nullptr);
  newest_ = std::exchange(o.newest_, nullptr);
  queue_count_ = std::exchange(o.queue_count_, 0);
  memory_ = std::exchange(o.memory_, 0);
  now_ = o.now_;
  counters_ = o.counters_;
  out_ = std::move(o.out_);
  return *this;
}

template <typename F>
Reassembler<F>::Reassembler(const Reassembler& o)
    : config_(o.config_),
      hash_key_(o.hash_key_),
      buckets_(o.buckets_.size(), nullptr),
      now_(o.now_),
      counters_(o.counters_) {
  copy_queues(o);
}

template <typename F>
Reassembler<F>& Reassembler<F>::operator=(const Reassembler& o) {
  if (this == &o) return *this;
  clear();
  config_ = o.config_;
  hash_key_ = o.hash_key_;
  // clear() unlinked every queue, so a table of the same size is empty
  // already: Stack::restore() need not rewrite its thousands of buckets.
  if (buckets_.size() != o.buckets_.size()) buckets_.assign(o.buckets_.size(), nullptr);
  now_ = o.now_;
  counters_ = o.counters_;
  copy_queues(o);
  return *this;
}

// Oldest first, each to the head of its chain as submit() links a new queue:
// chains come out in the same order (newest first) as the original's.
template <typename F>
void Reassembler<F>::copy_queues(const Reassembler& o) {
  for (const Queue* from = o.oldest_; from != nullptr; from = from->newer) {
    auto* q = new Queue(*from);
    q->head = nullptr;
    q->tail = nullptr;
    for (const Node* n = from->head; n != nullptr; n = n->next) {
      const std::size_t bytes = std::size_t{n->header_len} + n->length;
      Node* node = new (::operator new(sizeof(Node) + bytes)) Node(*n);
      node->next = nullptr;
      std::memcpy(node->storage(), n->storage(), bytes);
      (q->tail != nullptr ? q->tail->next : q->head) = node;
      q->tail = node;
    }
    link_new(q);
  }
}

template <typename F>
void Reassembler<F>::link_new(Queue* q) {
  Queue*& bucket = buckets_[q->hash & (buckets_.size() - 1)];
  q->chain_next = bucket;
  bucket = q;
  q->older = newest_;
  q->newer = nullptr;
  (newest_ != nullptr ? newest_->newer : oldest_) = q;
  newest_ = q;
  memory_ += q->memory;
  ++queue_count_;
}

template <typename F>
Reassembler<F>::~Reassembler() {
  clear();
}

template <typename F>
void Reassembler<F>::clear() {
  while (oldest_ != nullptr) unlink_and_free(oldest_);
}

// ---- Table ------------------------------------------------------------------

template <typename F>
std::uint32_t Reassembler<F>::hash(const Key& key) const {
  std::array<std::byte, F::key_size> bytes{};
  F::key_bytes(key, bytes.data());
  return static_cast<std::uint32_t>(siphash24(hash_key_, std::span<const std::byte, F::key_size>(bytes)) &
                                    0xffffffffu);
}

template <typename F>
typename Reassembler<F>::Queue* Reassembler<F>::lookup(const Key& key, std::uint32_t h,
                                                       std::uint32_t* chain_length) const {
  std::uint32_t n = 0;
  for (Queue* q = buckets_[h & (buckets_.size() - 1)]; q != nullptr; q = q->chain_next, ++n)
    if (q->hash == h && q->key == key) return q;
  if (chain_length != nullptr) *chain_length = n;
  return nullptr;
}

template <typename F>
void Reassembler<F>::unlink_and_free(Queue* q) {
  Queue** link = &buckets_[q->hash & (buckets_.size() - 1)];
  while (*link != q) link = &(*link)->chain_next;
  *link = q->chain_next;
  (q->older != nullptr ? q->older->newer : oldest_) = q->newer;
  (q->newer != nullptr ? q->newer->older : newest_) = q->older;
  for (Node* n = q->head; n != nullptr;) {
    Node* next = n->next;
    n->~Node();
    ::operator delete(n);
    n = next;
  }
  memory_ -= q->memory;
  --queue_count_;
  delete q;
}

// Evicts the oldest queues but `keep` until `need` more bytes fit. The caller
// has checked that they fit once every other queue is gone.
template <typename F>
void Reassembler<F>::make_room(std::size_t need, const Queue* keep) {
  while (memory_ + need > config_.memory_cap) {
    if (oldest_ == nullptr) return;  // nothing left to evict (the caller's check makes this unreachable)
    Queue* victim = oldest_ != keep ? oldest_ : oldest_->newer;
    if (victim == nullptr) return;
    unlink_and_free(victim);
    ++counters_.evictions;
    ++counters_.reasm_fails;
  }
}

// ---- Time ---------------------------------------------------------------------

template <typename F>
void Reassembler<F>::advance(Instant now) {
  now_ = std::max(now_, now);
}

template <typename F>
typename Reassembler<F>::Queue* Reassembler<F>::expired_front() const {
  return oldest_ != nullptr && oldest_->deadline <= now_ ? oldest_ : nullptr;
}

template <typename F>
typename Reassembler<F>::Expired Reassembler<F>::report(const Queue& q) const {
  const Node* first = q.first();
  if (first == nullptr) return Expired{q.key, false, {}, 0};
  return Expired{q.key, true, first->whole(), first->header_len};
}

template <typename F>
void Reassembler<F>::expire(Queue* q) {
  ++counters_.reasm_timeout;  // V4-FRAG-5, V6-FRAG-7
  ++counters_.reasm_fails;
  unlink_and_free(q);
}

template <typename F>
Instant Reassembler<F>::next_deadline() const {
  return oldest_ != nullptr ? oldest_->deadline : Instant::never();
}

// ---- Fragments ------------------------------------------------------------------

template <typename F>
ReassemblyOutcome Reassembler<F>::fail(ReassemblyDrop reason, Queue* q) {
  ++counters_.reasm_fails;
  ReassemblyOutcome out{ReassemblyStatus::dropped, reason, q != nullptr, {}};
  if (q != nullptr) unlink_and_free(q);
  return out;
}

template <typename F>
ReassemblyOutcome Reassembler<F>::whole_datagram(const Fragment& f) {
  // RFC 6946: processed on its own, whatever queue has its identification.
  if (f.payload.size() > F::max_end(f.header.size())) return fail(ReassemblyDrop::too_big, nullptr);
  const std::size_t header_len = F::output_header_len(f.header.size());
  out_.resize(header_len + f.payload.size());
  const wire::MutableBytes out(out_.data(), out_.size());
  F::rebuild_header(out, f.header, f.next_header_offset, f.payload.size());
  if (!f.payload.empty()) std::memcpy(out.data() + header_len, f.payload.data(), f.payload.size());
  ++counters_.reasm_oks;
  return {ReassemblyStatus::complete, {}, false, out};
}

template <typename F>
ReassemblyOutcome Reassembler<F>::complete(Queue* q) {
  const Node* first = q->first();
  const std::size_t header_len = F::output_header_len(first->header_len);
  out_.resize(header_len + q->length);
  const wire::MutableBytes out(out_.data(), out_.size());
  F::rebuild_header(out, first->header(), first->next_header_offset, q->length);
  for (const Node* n = q->head; n != nullptr; n = n->next)
    std::memcpy(out.data() + header_len + n->offset, n->payload().data(), n->length);
  ++counters_.reasm_oks;
  unlink_and_free(q);
  return {ReassemblyStatus::complete, {}, false, out};
}

template <typename F>
ReassemblyOutcome Reassembler<F>::submit(const Fragment& f, Instant now) {
  advance(now);
  ++counters_.reasm_reqds;
  const std::size_t len = f.payload.size();
  const bool first = f.offset == 0;

  // V4-FRAG-4, V6-FRAG-2: offsets count 8-byte units, and every fragment but
  // the last carries a multiple of 8 bytes. A header error: the fragment only.
  if (f.offset % 8 != 0 || (f.more_fragments && len % 8 != 0))
    return {ReassemblyStatus::dropped, ReassemblyDrop::not_multiple_of_8, false, {}};
  if (first && !F::header_ok(f.header, f.next_header_offset))
    return {ReassemblyStatus::dropped, ReassemblyDrop::invalid_header, false, {}};
  if (first && !f.more_fragments) return whole_datagram(f);

  const std::uint32_t h = hash(f.key);
  std::uint32_t chain_length = 0;
  Queue* q = lookup(f.key, h, &chain_length);
  const Node* q_first = q != nullptr ? q->first() : nullptr;

  // V4-FRAG-2, V6-FRAG-3 (ping of death): what the datagram would hold, with
  // the first fragment's header once that is known.
  const std::size_t header_len = first ? f.header.size() : q_first != nullptr ? q_first->header_len : 0;
  const std::size_t end = std::size_t{f.offset} + len;
  const std::size_t known_end = q != nullptr ? q->length : 0;
  if (std::max(end, known_end) > F::max_end(header_len)) return fail(ReassemblyDrop::too_big, q);
  // Linux: a fragment with no data ends the queue.
  if (len == 0) return fail(ReassemblyDrop::empty_fragment, q);

  // RFC 815 / Linux: the last fragment fixes the length; nothing may lie
  // beyond it, and a second last fragment must agree.
  if (q != nullptr) {
    const bool bad = f.more_fragments ? (q->last_in && end > q->length)
                                      : (q->last_in ? end != q->length : end < q->length);
    if (bad) return fail(ReassemblyDrop::inconsistent_length, q);
  }

  // Where it goes: after `prev`. In-order arrival appends without a walk.
  Node* prev = nullptr;
  if (q != nullptr && q->tail != nullptr) {
    if (f.offset >= q->tail->end()) {
      prev = q->tail;
    } else {
      Node* cur = q->head;
      while (cur->end() <= f.offset) {
        prev = cur;
        cur = cur->next;
      }
      // cur is the first fragment ending after our offset.
      if (cur->offset == f.offset && cur->length == len &&
          std::memcmp(cur->payload().data(), f.payload.data(), len) == 0) {
        ++counters_.duplicates;  // RFC 5722, Linux: exact duplicates are ignored
        return {ReassemblyStatus::duplicate, {}, false, {}};
      }
      if (cur->offset < end) {
        // RFC 5722 4 (and Linux for IPv4): any overlap discards the datagram.
        ++counters_.reasm_overlaps;
        return fail(ReassemblyDrop::overlap, q);
      }
    }
  }
  if (q != nullptr && q->count >= config_.max_fragments_per_datagram)
    return fail(ReassemblyDrop::too_many_fragments, q);

  // Room: the fragment must fit once every other queue is gone; then the
  // oldest go first (see the file comment).
  const std::size_t stored_header = first ? f.header.size() : 0;
  const std::size_t need = fragment_cost(stored_header, len) + (q == nullptr ? queue_cost() : 0);
  const std::size_t held = q != nullptr ? q->memory : 0;
  if (need > config_.memory_cap || held > config_.memory_cap - need) {
    ++counters_.reasm_fails;
    return {ReassemblyStatus::dropped, ReassemblyDrop::memory_cap, false, {}};
  }
  if (q == nullptr) {
    if (chain_length >= max_chain_length) {
      ++counters_.reasm_fails;
      return {ReassemblyStatus::dropped, ReassemblyDrop::too_many_queues, false, {}};
    }
    if (queue_count_ >= config_.max_queues) {
      unlink_and_free(oldest_);
      ++counters_.evictions;
      ++counters_.reasm_fails;
    }
  }
  make_room(need, q);

  if (q == nullptr) {
    q = new Queue{};
    q->key = f.key;
    q->hash = h;
    // Saturates: a host clock near the end of time gives "never", not a wrap.
    q->deadline = now_ > Instant::never() - config_.timeout ? Instant::never() : now_ + config_.timeout;
    q->memory = queue_cost();
    link_new(q);
  }

  const std::size_t cost = fragment_cost(stored_header, len);
  Node* node = new (::operator new(sizeof(Node) + stored_header + len)) Node{};
  node->offset = f.offset;
  node->length = static_cast<std::uint32_t>(len);
  node->header_len = static_cast<std::uint32_t>(stored_header);
  node->next_header_offset = f.next_header_offset;
  if (stored_header != 0) std::memcpy(node->storage(), f.header.data(), stored_header);
  if (len != 0) std::memcpy(node->storage() + stored_header, f.payload.data(), len);
  Node*& link = prev != nullptr ? prev->next : q->head;
  node->next = link;
  link = node;
  if (node->next == nullptr) q->tail = node;

  q->memory += cost;
  memory_ += cost;
  q->received += node->length;
  ++q->count;
  if (!f.more_fragments) {
    q->last_in = true;
    q->length = node->end();
  } else {
    q->length = std::max(q->length, node->end());
  }
  // Fragments never overlap and all lie below the length: once the bytes
  // held add up to it, they cover it.
  if (q->last_in && q->received == q->length) return complete(q);
  return {ReassemblyStatus::held, {}, false, {}};
}

template <typename F>
std::optional<typename Reassembler<F>::QueueInfo> Reassembler<F>::find(const Key& key) const {
  const Queue* q = lookup(key, hash(key), nullptr);
  if (q == nullptr) return std::nullopt;
  return info_of(q);
}

template <typename F>
const typename Reassembler<F>::Queue* Reassembler<F>::newer(const Queue* q) {
  return q->newer;
}

template <typename F>
const typename Reassembler<F>::Key& Reassembler<F>::key_of(const Queue* q) {
  return q->key;
}

template <typename F>
typename Reassembler<F>::QueueInfo Reassembler<F>::info_of(const Queue* q) {
  return QueueInfo{q->count,  q->received, q->first() != nullptr, q->last_in, q->length,
                   q->memory, q->deadline};
}

template class Reassembler<Ipv4Family>;
template class Reassembler<Ipv6Family>;

}  // namespace hardstack::net
