// One configured stack per process for the stateful targets, put back to its
// configured state before every input, and the self-test that shows an input
// runs on it as it runs on a stack built for it alone.
//
// Under ASan, building and configuring a stack costs about as much as a
// whole input's own work. A target keeps a Host (its stack, entropy, devices
// and handlers, configured, plus whatever set-up traffic the target sends
// before every input) in a Kept, which takes a Stack::checkpoint() of it once
// and, before every input, restores the stack from it and the entropy to its
// value then. Stack::restore() copies every member of the stack (the copy is
// the implicit one: nothing added to it is left out), so the input starts on
// the state a fresh Host has.
//
// The self-test (HARDSTACK_FUZZ_SELF_TEST=1; the replay driver sets it unless
// it is set already, so every corpus and regression replay in the test suite
// runs it) runs each input on a fresh Host, then twice on the kept one, and
// requires the same frames out, byte for byte and in order, and the same
// counters, drops and held memory at the end. A libFuzzer campaign with the
// variable set fuzzes the restore itself (at a third of the speed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"

namespace hardstack::fuzz {

inline bool self_test() {
  static const bool on = [] {
    const char* env = std::getenv("HARDSTACK_FUZZ_SELF_TEST");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }();
  return on;
}

// What one run showed from outside: every frame sent, in order (each as a
// 4-byte length and its bytes), then the stack's counters at the end.
struct RunRecord {
  std::vector<std::byte> frames;
  net::StackStats stats;
  std::vector<std::uint64_t> drops;
  net::ReassemblyCounters reassembly_v4;
  net::ReassemblyCounters reassembly_v6;
  std::size_t reassembly_memory = 0;
  std::size_t neighbor_queue_bytes = 0;
  net::Instant next_deadline;
};

// Where the targets' devices copy what they send while a run is recorded.
inline RunRecord*& recording() {
  static RunRecord* record = nullptr;
  return record;
}

inline void record_frame(std::span<const std::byte> frame) {
  RunRecord* r = recording();
  if (r == nullptr) return;
  const auto n = static_cast<std::uint32_t>(frame.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    r->frames.push_back(static_cast<std::byte>((n >> shift) & 0xff));
  r->frames.insert(r->frames.end(), frame.begin(), frame.end());
}

inline void check_same_stats(const net::StackStats& a, const net::StackStats& b) {
  HS_FUZZ_CHECK(a.link == b.link);
  HS_FUZZ_CHECK(a.ipv4 == b.ipv4);
  HS_FUZZ_CHECK(a.ipv6 == b.ipv6);
  HS_FUZZ_CHECK(a.icmp == b.icmp);
  HS_FUZZ_CHECK(a.icmpv6 == b.icmpv6);
}

template <typename Host>
class Kept {
 public:
  explicit Kept(std::unique_ptr<Host> host)
      : host_(std::move(host)), checkpoint_(host_->stack.checkpoint()), entropy_(host_->entropy) {}

  // The host as it was configured, entropy included.
  Host& restored() { return restored(checkpoint_, entropy_); }
  // The host's stack restored from `checkpoint` (one taken of this host's
  // stack later on) and its entropy set to `entropy`.
  Host& restored(const net::Stack& checkpoint, const net::SeededEntropy& entropy) {
    net::Stack& s = host_->stack;
    s.restore(checkpoint);
    host_->entropy = entropy;
    // The state the checkpoint has, as far as it shows from outside.
    check_same_stats(s.stats(), checkpoint.stats());
    HS_FUZZ_CHECK(s.total_drops() == checkpoint.total_drops());
    HS_FUZZ_CHECK(s.reassembly_memory() == checkpoint.reassembly_memory());
    HS_FUZZ_CHECK(s.neighbor_queue_bytes() == checkpoint.neighbor_queue_bytes());
    HS_FUZZ_CHECK(s.next_deadline() == checkpoint.next_deadline());
    return *host_;
  }
  bool holds(const Host& host) const { return &host == host_.get(); }

 private:
  std::unique_ptr<Host> host_;
  net::Stack checkpoint_;
  net::SeededEntropy entropy_;
};

// Runs `run(Host&)` on the kept host as `restore()` gives it. Under the
// self-test, first on a fresh host from `make()`, then twice on the kept one:
// all three records must be equal.
template <typename Make, typename Run, typename Restore>
void run_kept(Make&& make, Run&& run, Restore&& restore) {
  if (!self_test()) {
    run(restore());
    return;
  }
  auto record = [&](auto& host) {
    RunRecord r;
    recording() = &r;
    run(host);
    recording() = nullptr;
    const net::Stack& s = host.stack;
    r.stats = s.stats();
    for (std::size_t i = 0; i < net::drop_reason_count; ++i)
      r.drops.push_back(s.drops(static_cast<net::DropReason>(i)));
    r.reassembly_v4 = s.reassembly_v4_counters();
    r.reassembly_v6 = s.reassembly_v6_counters();
    r.reassembly_memory = s.reassembly_memory();
    r.neighbor_queue_bytes = s.neighbor_queue_bytes();
    r.next_deadline = s.next_deadline();
    return r;
  };
  const auto fresh_host = make();
  const RunRecord fresh = record(*fresh_host);
  for (int n = 0; n < 2; ++n) {
    const RunRecord again = record(restore());
    HS_FUZZ_CHECK(again.frames == fresh.frames);
    check_same_stats(again.stats, fresh.stats);
    HS_FUZZ_CHECK(again.drops == fresh.drops);
    HS_FUZZ_CHECK(again.reassembly_v4 == fresh.reassembly_v4);
    HS_FUZZ_CHECK(again.reassembly_v6 == fresh.reassembly_v6);
    HS_FUZZ_CHECK(again.reassembly_memory == fresh.reassembly_memory);
    HS_FUZZ_CHECK(again.neighbor_queue_bytes == fresh.neighbor_queue_bytes);
    HS_FUZZ_CHECK(again.next_deadline == fresh.next_deadline);
  }
}

// The same, on `kept`'s host restored to its configured state.
template <typename Host, typename Make, typename Run>
void run_kept(Kept<Host>& kept, Make&& make, Run&& run) {
  run_kept(std::forward<Make>(make), std::forward<Run>(run), [&]() -> Host& { return kept.restored(); });
}

}  // namespace hardstack::fuzz
