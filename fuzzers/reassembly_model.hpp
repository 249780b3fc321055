// The stateful reassembly targets (reassembly_v4, reassembly_v6): an input is
// a replayable log of records driving one Reassembler, checked step by step
// against a small reference model written here from the rules, not from the
// engine's code.
//
// Input:
//   byte 0       configuration: memory cap (bits 0-1), fragments per datagram
//                (bits 2-3), queues (bits 4-5); timeout is the family default
//   records      tag byte, then
//     tag >= 0xf0  time step: 1 byte b; time advances b << (tag & 0x0f) ms,
//                  then poll(now)
//     otherwise    fragment: key index (bits 0-2, one of 8 keys differing in
//                  each key field), MF (bit 3), header variant (bits 4-5, the
//                  last one an invalid header); then offset (2 bytes BE: low 13
//                  bits in 8-byte units, 4 bytes more when the top 3 bits are
//                  all set), length (2 bytes BE: low 12 bits shifted right by
//                  bits 12-14, so short fragments are common), pattern (1 byte).
//                  The data at datagram position a is data_table()[a + pattern +
//                  257 * key]: fragments with the same pattern agree where they
//                  meet, other patterns (almost always) differ.
// A truncated last record is ignored, and so is anything after max_records.
//
// Invariants after every step: the outcome (status, reason, whether the
// datagram was discarded) is the model's; every datagram is exactly the
// header the model rebuilds plus the bytes its fragments carried; no datagram
// comes out of a queue that saw an overlap (the model never completes one);
// each queue holds what the model holds (fragments, bytes, memory, deadline);
// memory_in_use() equals the sum of what is held and stays <= the cap;
// queues vanish only by eviction, oldest first, and counted; expiry reports
// the model's first fragment bytes; counters equal the model's. At the end,
// time far ahead drains everything to zero.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>

#include "fuzz_support.hpp"
#include "hardstack/net/reassembly.hpp"

// The model repeats the engine's decisions, so its branches give the fuzzer
// no feedback the engine's do not: keep libFuzzer's edge and comparison
// tracing out of it (clang; GCC builds only replay), for speed.
// The steps are kept out of line too: inlined into the (traced) decoding loop,
// the model code they inline would be traced there after all.
#if defined(__clang__)
#define HS_FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#define HS_FUZZ_MODEL_STEP __attribute__((no_sanitize("coverage"), noinline))
#else
#define HS_FUZZ_NO_COVERAGE
#define HS_FUZZ_MODEL_STEP __attribute__((noinline))
#endif

namespace hardstack::fuzz::reasm {

using net::Duration;
using net::Instant;
using net::ReassemblyDrop;
using net::ReassemblyOutcome;
using net::ReassemblyStatus;
using wire::Bytes;

inline constexpr std::size_t key_count = 8;
inline constexpr std::size_t max_header = 80;
inline constexpr std::size_t max_fragment_len = 4095;

// Pseudo-random bytes, fixed: fragment data is a window into them, so filling
// and checking a fragment is one memcpy / memcmp.
inline constexpr std::size_t data_table_size = 65536 + max_fragment_len + 255 + 257 * key_count;
struct DataTable {
  std::array<std::byte, data_table_size> bytes;
  DataTable() : bytes() {
    std::uint32_t x = 0x12345678u;
    for (auto& b : bytes) {
      x ^= x << 13;  // xorshift32
      x ^= x >> 17;
      x ^= x << 5;
      b = static_cast<std::byte>(x >> 24);
    }
  }
};
// Filled before main (no guard to test on each use).
inline const DataTable data_table_instance;
inline const std::byte* data_table() { return data_table_instance.bytes.data(); }
HS_FUZZ_NO_COVERAGE inline const std::byte* data_at(std::size_t key, std::uint8_t pattern, std::size_t at) {
  return data_table() + at + pattern + 257 * key;
}

// Comparisons written out here (inlined, untraced) rather than the defaulted
// operator== of the engine's types, which are compiled out of line with
// comparison tracing: same result, a fraction of the cost per step.
template <std::size_t N>
HS_FUZZ_NO_COVERAGE inline bool same_octets(const std::array<std::uint8_t, N>& x,
                                            const std::array<std::uint8_t, N>& y) {
  static_assert(N % 4 == 0);
  constexpr std::size_t word = N % 8 == 0 ? 8 : 4;
  using Word = std::conditional_t<word == 8, std::uint64_t, std::uint32_t>;
  for (std::size_t i = 0; i < N; i += word) {
    Word a = 0;
    Word b = 0;
    std::memcpy(&a, x.data() + i, word);
    std::memcpy(&b, y.data() + i, word);
    if (a != b) return false;
  }
  return true;
}

// Every field of ReassemblyCounters (seven uint64): a new one fails here.
static_assert(sizeof(net::ReassemblyCounters) == 7 * sizeof(std::uint64_t));
HS_FUZZ_NO_COVERAGE inline bool same_counters(const net::ReassemblyCounters& x,
                                              const net::ReassemblyCounters& y) {
  return x.reasm_reqds == y.reasm_reqds && x.reasm_oks == y.reasm_oks && x.reasm_fails == y.reasm_fails &&
         x.reasm_timeout == y.reasm_timeout && x.reasm_overlaps == y.reasm_overlaps &&
         x.evictions == y.evictions && x.duplicates == y.duplicates;
}

struct Header {
  std::array<std::byte, max_header> bytes{};
  std::size_t len = 0;
  std::uint16_t next_header_offset = 0;
  Bytes view() const { return Bytes(bytes).first(len); }
};

struct ModelFragment {  // left uninitialised in bulk: only [0, count) is read
  std::uint32_t offset;
  std::uint32_t len;
  std::uint8_t pattern;
  std::uint32_t end() const { return offset + len; }
};

struct ModelQueue {
  bool exists = false;
  std::array<ModelFragment, 64> fragments;
  std::size_t count = 0;
  bool last_in = false;
  std::uint32_t length = 0;  // last_in: the length; else the largest end
  std::uint32_t received = 0;
  bool has_first = false;
  std::uint8_t first_variant = 0;
  std::uint8_t first_pattern = 0;
  std::uint32_t first_len = 0;
  std::size_t first_header_len = 0;
  Instant deadline;
  std::uint64_t seq = 0;
  std::size_t memory = 0;

  void clear() {
    exists = false;
    count = 0;
    last_in = false;
    length = 0;
    received = 0;
    has_first = false;
    memory = 0;
  }
};

// Spec (one per family) provides: Reassembler, key(i), header(i, variant,
// mf, len, pattern) -> Header as submitted (len 0 or bad for the invalid
// variant), header_valid(variant), expected_header(i, variant, pattern,
// payload_len) -> Header of the datagram, max_end(first header len or 0).
template <typename Spec>
class Run {
 public:
  using R = typename Spec::Reassembler;

  // `r` is empty (new, or drained by the previous input); the model starts
  // from its counters as they are and at `start`, not before the engine's
  // last time.
  Run(R& r, Instant start) : r_(r), model_counters_(r.counters()), now_(start) {}
  Instant now() const { return now_; }

  HS_FUZZ_MODEL_STEP void step_fragment(const std::uint8_t* rec) {
    const std::size_t k = rec[0] & 0x07;
    submitted_[k] = true;
    const bool more = (rec[0] & 0x08) != 0;
    const std::uint8_t variant = (rec[0] >> 4) & 0x03;
    const std::uint16_t off_word = static_cast<std::uint16_t>(rec[1] << 8 | rec[2]);
    std::uint32_t offset = (off_word & 0x1fffu) * 8;
    if ((off_word >> 13) == 7) offset += 4;
    const std::uint16_t len_word = static_cast<std::uint16_t>(rec[3] << 8 | rec[4]);
    const std::uint32_t len = (len_word & 0x0fffu) >> ((len_word >> 12) & 7);
    const std::uint8_t pattern = rec[5];

    typename R::Fragment f;
    f.key = Spec::key(k);
    f.offset = offset;
    f.more_fragments = more;
    f.payload = Bytes(data_at(k, pattern, offset), len);
    Header h;
    if (offset == 0) {
      h = Spec::header(k, variant, more, len, pattern);
      f.header = h.view();
      f.next_header_offset = h.next_header_offset;
    }
    const net::ReassemblyCounters before = r_.counters();
    const auto out = r_.submit(f, now_);
    ++model_counters_.reasm_reqds;
    const Expect want = predict(k, offset, len, more, variant, pattern, h.len);
    HS_FUZZ_CHECK(out.status == want.status);
    if (out.status == ReassemblyStatus::dropped) {
      HS_FUZZ_CHECK(out.reason == want.reason);
      HS_FUZZ_CHECK(out.queue_discarded == want.discarded);
    }
    if (out.status == ReassemblyStatus::complete)
      check_datagram(out.datagram, k, offset, len, more, variant, pattern);
    apply(want, k, offset, len, more, variant, pattern, h.len);
    check_state(k, &before);
  }

  HS_FUZZ_MODEL_STEP void step_time(std::uint8_t tag, std::uint8_t b) {
    // The hash table finds the queues the list holds (and none once drained).
    for (std::size_t i = 0; i < key_count; ++i)
      if (model_[i].exists) HS_FUZZ_CHECK(r_.find(Spec::key(i)).has_value());
    now_ += Duration::milliseconds(std::int64_t{b} << (tag & 0x0f));
    std::uint64_t last_seq = 0;
    std::size_t reported = 0;
    r_.poll(now_, [&](const typename R::Expired& e) {
      const std::size_t k = index_of(e.key);
      const ModelQueue& q = model_[k];
      HS_FUZZ_CHECK(q.exists && q.deadline <= now_);
      HS_FUZZ_CHECK(q.seq >= last_seq);  // oldest first
      last_seq = q.seq;
      HS_FUZZ_CHECK(e.first_fragment_received == q.has_first);
      if (q.has_first)
        check_first_fragment(e, k, q);
      else
        HS_FUZZ_CHECK(e.first_fragment.empty());
      ++reported;
    });
    std::size_t due = 0;
    for (auto& q : model_) {
      if (!q.exists || q.deadline > now_) continue;
      q.clear();
      ++due;
      ++model_counters_.reasm_timeout;
      ++model_counters_.reasm_fails;
    }
    HS_FUZZ_CHECK(reported == due);
    check_state(key_count, nullptr);
  }

  // Time far ahead: everything expires and nothing is left.
  HS_FUZZ_MODEL_STEP void drain() {
    now_ += Duration::seconds(3600);
    r_.poll(now_);
    for (auto& q : model_) {
      if (!q.exists) continue;
      q.clear();
      ++model_counters_.reasm_timeout;
      ++model_counters_.reasm_fails;
    }
    HS_FUZZ_CHECK(r_.memory_in_use() == 0);
    HS_FUZZ_CHECK(r_.queue_count() == 0);
    // Only a submit puts a key in the table (the previous input's drain checked
    // its own keys gone): the keys this input submitted are the ones to look for.
    for (std::size_t i = 0; i < key_count; ++i)
      if (submitted_[i]) HS_FUZZ_CHECK(!r_.find(Spec::key(i)).has_value());
    HS_FUZZ_CHECK(r_.next_deadline() == Instant::never());
    HS_FUZZ_CHECK(same_counters(r_.counters(), model_counters_));
  }

 private:
  struct Expect {
    ReassemblyStatus status = ReassemblyStatus::held;
    ReassemblyDrop reason = ReassemblyDrop::not_multiple_of_8;
    bool discarded = false;
  };

  HS_FUZZ_NO_COVERAGE static std::size_t index_of(const typename R::Key& key) {
    for (std::size_t i = 0; i < key_count; ++i)
      if (Spec::same_key(Spec::key(i), key)) return i;
    fail("expired queue with a key never submitted", __FILE__, __LINE__);
  }

  HS_FUZZ_NO_COVERAGE Expect drop(ReassemblyDrop reason, bool discarded) {
    return {ReassemblyStatus::dropped, reason, discarded};
  }

  // The rules, in the documented order (reassembly.hpp).
  HS_FUZZ_NO_COVERAGE Expect predict(std::size_t k, std::uint32_t offset, std::uint32_t len, bool more,
                                     std::uint8_t variant, std::uint8_t pattern, std::size_t header_len) {
    const ModelQueue& q = model_[k];
    if (offset % 8 != 0 || (more && len % 8 != 0)) return drop(ReassemblyDrop::not_multiple_of_8, false);
    if (offset == 0 && !Spec::header_valid(variant)) return drop(ReassemblyDrop::invalid_header, false);
    if (offset == 0 && !more) {
      if (len > Spec::max_end(header_len)) return drop(ReassemblyDrop::too_big, false);
      return {ReassemblyStatus::complete, {}, false};
    }
    const std::size_t first_len = offset == 0 ? header_len : q.has_first ? q.first_header_len : 0;
    const std::uint32_t end = offset + len;
    const std::uint32_t known = q.exists ? q.length : 0;
    if ((end > known ? end : known) > Spec::max_end(first_len))
      return drop(ReassemblyDrop::too_big, q.exists);
    if (len == 0) return drop(ReassemblyDrop::empty_fragment, q.exists);
    if (q.exists) {
      const bool bad = more ? (q.last_in && end > q.length) : (q.last_in ? end != q.length : end < q.length);
      if (bad) return drop(ReassemblyDrop::inconsistent_length, q.exists);
      for (std::size_t i = 0; i < q.count; ++i) {
        const ModelFragment& g = q.fragments[i];
        if (g.end() <= offset || g.offset >= end) continue;
        if (g.offset == offset && g.len == len &&
            std::memcmp(data_at(k, g.pattern, offset), data_at(k, pattern, offset), len) == 0)
          return {ReassemblyStatus::duplicate, {}, false};
        return drop(ReassemblyDrop::overlap, true);
      }
      if (q.count >= r_.config().max_fragments_per_datagram)
        return drop(ReassemblyDrop::too_many_fragments, true);
    }
    const std::size_t need =
        R::fragment_cost(offset == 0 ? header_len : 0, len) + (q.exists ? 0 : R::queue_cost());
    if (q.memory + need > r_.config().memory_cap) return drop(ReassemblyDrop::memory_cap, false);
    const std::uint32_t received = (q.exists ? q.received : 0) + len;
    const bool last_in = !more || q.last_in;
    const std::uint32_t length = !more ? end : known;
    if (last_in && received == length) return {ReassemblyStatus::complete, {}, false};
    return {ReassemblyStatus::held, {}, false};
  }

  HS_FUZZ_NO_COVERAGE void apply(const Expect& want, std::size_t k, std::uint32_t offset, std::uint32_t len,
                                 bool more, std::uint8_t variant, std::uint8_t pattern,
                                 std::size_t header_len) {
    ModelQueue& q = model_[k];
    switch (want.status) {
      case ReassemblyStatus::duplicate: ++model_counters_.duplicates; return;
      case ReassemblyStatus::dropped:
        if (want.reason == ReassemblyDrop::not_multiple_of_8 || want.reason == ReassemblyDrop::invalid_header)
          return;
        ++model_counters_.reasm_fails;
        if (want.reason == ReassemblyDrop::overlap) ++model_counters_.reasm_overlaps;
        if (want.discarded) q.clear();
        return;
      case ReassemblyStatus::complete:
        ++model_counters_.reasm_oks;
        if (offset == 0 && !more) return;  // atomic: no queue touched
        q.clear();
        return;
      case ReassemblyStatus::held: break;
    }
    if (!q.exists) {
      q.exists = true;
      q.deadline = now_ + r_.config().timeout;
      q.seq = ++seq_;
      q.memory = R::queue_cost();
    }
    q.fragments[q.count++] = {offset, len, pattern};
    q.received += len;
    q.memory += R::fragment_cost(offset == 0 ? header_len : 0, len);
    if (!more) {
      q.last_in = true;
      q.length = offset + len;
    } else if (offset + len > q.length) {
      q.length = offset + len;
    }
    if (offset == 0) {
      q.has_first = true;
      q.first_variant = variant;
      q.first_pattern = pattern;
      q.first_len = len;
      q.first_header_len = header_len;
    }
  }

  // Runs before apply(): the model's queue as it was, plus the fragment just
  // submitted, make up the datagram; the header is rebuilt by the Spec.
  HS_FUZZ_NO_COVERAGE void check_datagram(Bytes datagram, std::size_t k, std::uint32_t offset,
                                          std::uint32_t len, bool more, std::uint8_t variant,
                                          std::uint8_t pattern) {
    const ModelQueue& q = model_[k];
    const bool atomic = offset == 0 && !more;
    const std::uint32_t total = atomic || !more ? offset + len : q.length;
    const bool first_is_new = offset == 0;
    const Header h = Spec::expected_header(k, first_is_new ? variant : q.first_variant,
                                           first_is_new ? pattern : q.first_pattern, total);
    HS_FUZZ_CHECK(datagram.size() == h.len + total);
    HS_FUZZ_CHECK(std::memcmp(datagram.data(), h.bytes.data(), h.len) == 0);
    auto check_range = [&](const ModelFragment& g) {
      HS_FUZZ_CHECK(std::memcmp(datagram.data() + h.len + g.offset, data_at(k, g.pattern, g.offset), g.len) ==
                    0);
    };
    check_range({offset, len, pattern});
    if (atomic) return;
    std::uint32_t covered = len;
    for (std::size_t i = 0; i < q.count; ++i) {
      check_range(q.fragments[i]);
      covered += q.fragments[i].len;
    }
    HS_FUZZ_CHECK(covered == total);
  }

  HS_FUZZ_NO_COVERAGE void check_first_fragment(const typename R::Expired& e, std::size_t k,
                                                const ModelQueue& q) {
    const Header h = Spec::header(k, q.first_variant, true, q.first_len, q.first_pattern);
    HS_FUZZ_CHECK(e.first_fragment_header_len == h.len);
    HS_FUZZ_CHECK(e.first_fragment.size() == h.len + q.first_len);
    HS_FUZZ_CHECK(std::memcmp(e.first_fragment.data(), h.bytes.data(), h.len) == 0);
    HS_FUZZ_CHECK(std::memcmp(e.first_fragment.data() + h.len, data_at(k, q.first_pattern, 0), q.first_len) ==
                  0);
  }

  // The engine's queues, walked oldest first, are the model's in creation
  // order, holding exactly what the model holds; memory is the sum of it,
  // under the cap. Model queues the walk skips were evicted (only during a
  // fragment step, `before` its counters): the oldest ones, never the
  // fragment's own, each counted. Pure checking: no coverage feedback wanted.
  HS_FUZZ_NO_COVERAGE void check_state(std::size_t current, const net::ReassemblyCounters* before) {
    std::array<std::size_t, key_count> order{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < key_count; ++i) {
      if (!model_[i].exists) continue;
      std::size_t j = n++;
      for (; j > 0 && model_[order[j - 1]].seq > model_[i].seq; --j) order[j] = order[j - 1];
      order[j] = i;
    }
    std::array<bool, key_count> evicted{};
    std::size_t next = 0;
    std::size_t sum = 0;
    std::size_t queues = 0;
    r_.for_each_queue([&](const typename R::Key& key, const typename R::QueueInfo& info) HS_FUZZ_NO_COVERAGE {
      while (next < n && !Spec::same_key(Spec::key(order[next]), key)) evicted[order[next++]] = true;
      HS_FUZZ_CHECK(next < n);  // a queue the model does not hold, or out of order
      const ModelQueue& q = model_[order[next++]];
      ++queues;
      sum += q.memory;
      HS_FUZZ_CHECK(info.fragments == q.count);
      HS_FUZZ_CHECK(info.bytes_received == q.received);
      HS_FUZZ_CHECK(info.first_received == q.has_first);
      HS_FUZZ_CHECK(info.last_received == q.last_in);
      HS_FUZZ_CHECK(info.length == q.length);
      HS_FUZZ_CHECK(info.memory == q.memory);
      HS_FUZZ_CHECK(info.deadline == q.deadline);
    });
    while (next < n) evicted[order[next++]] = true;
    std::uint64_t newest_evicted = 0;
    std::uint64_t oldest_kept = ~std::uint64_t{0};
    std::size_t count = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t i = order[j];
      if (!evicted[i]) {
        if (i != current && model_[i].seq < oldest_kept) oldest_kept = model_[i].seq;
        continue;
      }
      HS_FUZZ_CHECK(before != nullptr && i != current);
      newest_evicted = model_[i].seq;
      model_[i].clear();
      ++count;
    }
    if (before != nullptr) {
      HS_FUZZ_CHECK(count == 0 || newest_evicted < oldest_kept);
      HS_FUZZ_CHECK(r_.counters().evictions - before->evictions == count);
      model_counters_.evictions += count;
      model_counters_.reasm_fails += count;
    }
    HS_FUZZ_CHECK(r_.queue_count() == queues);
    HS_FUZZ_CHECK(r_.memory_in_use() == sum);
    HS_FUZZ_CHECK(r_.memory_in_use() <= r_.config().memory_cap);
    HS_FUZZ_CHECK(same_counters(r_.counters(), model_counters_));
  }

  R& r_;
  std::array<ModelQueue, key_count> model_;
  net::ReassemblyCounters model_counters_;
  Instant now_;
  std::array<bool, key_count> submitted_{};
  std::uint64_t seq_ = 0;
};

}  // namespace hardstack::fuzz::reasm

namespace hardstack::fuzz::reasm {

// The configuration byte picks the engine's caps; it also seeds the hash key.
template <typename R>
R make_reassembler(std::uint8_t config) {
  static constexpr std::array<std::size_t, 4> caps{600, 4096, 32768, std::size_t{4} << 20};
  static constexpr std::array<std::uint32_t, 4> fragments{2, 4, 16, 64};
  static constexpr std::array<std::uint32_t, 4> queues{1, 3, 8, 64};
  net::ReassemblyConfig c = R::default_config();
  c.memory_cap = caps[config & 3];
  c.max_fragments_per_datagram = fragments[(config >> 2) & 3];
  c.max_queues = queues[(config >> 4) & 3];
  net::SeededEntropy entropy(config);
  auto r = R::create(c, entropy);
  HS_FUZZ_CHECK(r.has_value());
  return std::move(r).value();
}

// One engine per configuration byte, kept from input to input: creating one
// (hash table, output buffer) cost more than a short input. An input still
// behaves exactly as it would on a new engine, so a crasher replays alone:
// drain() has checked the engine empty (no queue, no memory, no key found, no
// deadline); the engine sees only differences of time, and each input starts
// a second after the last one's drain; its counters are read at the start and
// the model adds to them; the hash key comes from the configuration byte.
// Past `latest_start` the engine is made anew at `first_start`: an input
// moves time at most max_records * (255 << 15) ms + 3600 s (about 17 years),
// so deadlines stay far from Instant::never() and its saturation, as they do
// on a new engine.
inline constexpr Instant first_start = Instant::from_ns(1'000'000'000);
inline constexpr Instant latest_start = Instant::from_ns(std::int64_t{1} << 62);

template <typename R>
struct EngineSlot {
  std::optional<R> engine;
  Instant next_start = first_start;
};

template <typename R>
EngineSlot<R>& engine_slot(std::uint8_t config) {
  static std::array<EngineSlot<R>, 256> slots;
  EngineSlot<R>& slot = slots[config];
  if (!slot.engine.has_value() || slot.next_start > latest_start) {
    slot.engine.reset();
    slot.engine.emplace(make_reassembler<R>(config));
    slot.next_start = first_start;
  }
  return slot;
}

// Decodes the records and runs them; see the top of this file.
// At most this many records run (the rest of a longer input is ignored), so
// an input's cost stays bounded however long the corpus grows it.
inline constexpr std::size_t max_records = 64;

template <typename Spec>
int run_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  EngineSlot<typename Spec::Reassembler>& slot = engine_slot<typename Spec::Reassembler>(data[0]);
  Run<Spec> run(*slot.engine, slot.next_start);
  std::size_t i = 1;
  for (std::size_t records = 0; i < size && records < max_records; ++records) {
    if (data[i] >= 0xf0) {
      if (size - i < 2) break;
      run.step_time(data[i], data[i + 1]);
      i += 2;
    } else {
      if (size - i < 6) break;
      run.step_fragment(data + i);
      i += 6;
    }
  }
  run.drain();
  slot.next_start = run.now() + Duration::seconds(1);
  return 0;
}

}  // namespace hardstack::fuzz::reasm
