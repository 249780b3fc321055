// What the TCP targets (tcp_segments, tcp_options) share: a stack on a raw-IP
// (TUN) interface with the socket layer on top (a Host, configured once per
// process and restored before every input: stack_reuse.hpp), played against
// by a peer (a World, one per input) that crafts segments relative to what
// the stack has shown on the wire, and the invariants checked after every
// step. The peer's bookkeeping is in tcp_model.hpp.
//
// Checked on every datagram the stack sends, as it is sent:
//   - IPv4 / IPv6 header valid (IPv4 checksum), from our address to the
//     peer's, TCP, never fragmented, within the MTU; the TCP checksum verifies;
//   - no SYN with FIN or RST, no URG, no data on a SYN or RST; MSS, window
//     scale and SACK-permitted only on SYNs, no option of another kind; a
//     SYN-ACK offers window scaling, SACK and timestamps only when the SYN it
//     answers did;
//   - data carries what the application wrote at those sequence numbers.
// Checked after every step (segment, ICMP error, time step, socket call):
//   - every segment the peer sends inside the window the stack advertised
//     last is taken as acceptable (never dropped as out of window);
//   - every segment sent: data and FIN within what the application wrote on
//     that connection (the FIN only after shutdown or close, after the last
//     byte); the ACK number follows a byte, SYN or FIN the peer sent; data
//     and options within the MSS the peer announced (RFC 6691);
//   - every connection: its timers indexed no later than the earliest, the
//     retransmission (or persist) timer running while anything is
//     unacknowledged; SND.UNA <= SND.NXT <= SND.MAX; the in-order and
//     out-of-order queues within SO_RCVBUF and holding the peer's bytes at
//     their sequence numbers, the send queue within SO_SNDBUF and holding
//     exactly what the application wrote and the peer has not acknowledged;
//     the out-of-order queue sorted and disjoint above RCV.NXT; mss >= 48,
//     window scales <= 14, the smoothed RTT what Linux takes from timestamps
//     (under INT_MAX / 1000 ms); the SACK scoreboard sorted, disjoint and
//     within SND.UNA..SND.MAX; at most 4 SACK blocks reported, above RCV.NXT;
//   - recv(): every byte the peer's at that offset of its stream, and one it
//     sent; 0 only at a FIN the peer sent, or after shutdown or a reset.
// At the end the application closes every descriptor, the peer either falls
// silent or ends cleanly (ACKs what it gets, sends its FIN, a few rounds) and
// then falls silent, and time runs on, polling at every deadline: within
// drain_limit nothing is left (no connection, no orphan,
// Stack::next_deadline() never).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/modular.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/socket/socket_internal.hpp"
#include "hardstack/transport/tcp.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/tcp_options.hpp"
#include "stack_reuse.hpp"
#include "tcp_model.hpp"

HS_FUZZ_TCP_HARNESS_BEGIN

namespace hardstack::fuzz::tcp {

inline constexpr std::uint16_t service_port = 80;    // passive: we listen on it; active: the peer's
inline constexpr std::uint16_t client_port = 40000;  // passive: the peer's port
inline constexpr std::uint16_t closed_port = 81;     // nobody listens: segments to it get RSTs
// Other ports the peer sends from (more connections to a listener, SYN
// cookies once its backlog is full): only the first port's are modelled.
inline constexpr std::uint16_t other_ports = 3;
inline constexpr std::size_t link_mtu = 1500;
inline constexpr std::size_t max_payload = 2048;
inline constexpr net::Instant start_time = net::Instant::from_ns(1'000'000'000);
// Time runs this long at most after the last step, polled this often at most:
// every connection must be gone by then (retransmissions give up after
// tcp_retries2 timeouts of at most 120 s each, TIME-WAIT and FIN-WAIT-2
// last 60 s, the persist timer gives up after 8 probes for an orphan).
inline constexpr net::Duration drain_limit = net::Duration::seconds(4 * 3600);
inline constexpr int drain_polls = 400;

inline constexpr wire::Ipv4Address our4{{192, 0, 2, 1}};
inline constexpr wire::Ipv4Address peer4{{192, 0, 2, 2}};
inline const wire::Ipv6Address our6 = doc_ipv6_src;   // 2001:db8::1
inline const wire::Ipv6Address peer6 = doc_ipv6_dst;  // 2001:db8::2

class World;

// The device: every datagram the stack sends is recorded for the self-test
// and handed to the input's World.
class PeerDevice final : public net::Device {
 public:
  net::LinkType link_type() const override { return net::LinkType::raw_ip; }
  std::size_t mtu() const override { return link_mtu; }
  bool transmit(std::span<const std::byte> frame) override;
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }
  World* world = nullptr;
};

// Linux's sysctls but shorter retries, so that a silent peer costs an input
// few timeouts: tcp_retries2 3 (Linux 15), tcp_syn_retries and
// tcp_synack_retries 3 (6 and 5).
inline socket::SocketConfig host_socket_config() {
  socket::SocketConfig sc;
  sc.max_sockets = 8;
  sc.tcp_retries2 = 3;
  sc.tcp_syn_retries = 3;
  sc.tcp_synack_retries = 3;
  return sc;
}

// What outlives an input: the configured stack and sockets (restored before
// every input by Kept), and scratch memory.
struct Host {
  Host()
      : stack(std::move(net::Stack::create(stack_config(), entropy).value())),
        sockets(std::move(socket::Sockets::create(stack, entropy, host_socket_config()).value())) {
    const auto id = stack.add_interface(device, net::InterfaceConfig{});
    HS_FUZZ_CHECK(id.has_value());
    interface = *id;
    HS_FUZZ_CHECK(stack.add_address(interface, our4, 24).has_value());
    HS_FUZZ_CHECK(stack.add_address(interface, our6, 64).has_value());
    stack.poll(start_time);
    buffer.reserve(2 * 65536);
    data.reserve(65536);
    sent.reserve(256);
  }
  static net::StackConfig stack_config() {
    net::StackConfig sc;
    sc.max_interfaces = 2;
    sc.max_addresses_per_interface = 2;
    sc.reassembly_v4.max_queues = sc.reassembly_v6.max_queues = 4;
    sc.arp.max_entries = sc.nd.max_entries = 2;
    sc.arp.gc_floor = sc.nd.gc_floor = 0;
    sc.arp.queue_bytes = sc.nd.queue_bytes = 4096;
    sc.routes.max_routes = 4;
    sc.poll_frame_budget = 4;
    sc.loopback_queue_packets = 16;
    return sc;
  }

  net::SeededEntropy entropy{0x7c9};
  PeerDevice device;
  net::Stack stack;
  socket::Sockets sockets;
  net::InterfaceId interface {};
  std::vector<std::byte> buffer;  // datagrams the peer builds
  std::vector<std::byte> data;    // what the application writes and reads
  std::vector<Sent> sent;         // the segments of the current step
};

// A segment the peer sends; `seq` is that of its first octet (the SYN's when
// SYN is set), the payload's bytes follow from it.
struct PeerSegment {
  TcpFlags flags;
  SeqNum seq;
  SeqNum ack;
  std::uint16_t window = 65535;
  wire::TcpOptions options;
  std::span<const std::byte> raw_options;  // instead of `options` when use_raw (zero-padded to 4)
  bool use_raw = false;
  std::uint32_t payload_len = 0;
  std::uint16_t dst_port = 0;   // 0: the connection's
  std::uint8_t other_port = 0;  // 1..other_ports: from the peer's port + that
};

// What the peer knows and the checks remember: everything World holds but
// the host. A value, so that a set-up kept for its configuration
// (run_input) can be taken up again as it was.
struct WorldState {
  Config config_;
  net::Instant now_ = start_time;
  std::uint64_t cookies_at_start_ = 0;

  // The peer's side.
  SeqNum peer_next_;
  SeqNum peer_acked_;
  std::uint32_t ts_base_ = 0;
  std::uint16_t peer_window_ = 65535;
  SeqRanges peer_data_;  // sequence numbers the peer sent data at
  SeqSet peer_syns_;
  SeqSet peer_fins_;
  bool ts_on_ = false;
  bool sack_on_ = false;
  bool ws_on_ = false;

  // What the stack showed.
  bool have_iss_ = false;
  SeqNum stack_iss_;
  SeqNum stack_max_;
  bool have_ack_ = false;
  SeqNum last_syn_ack_iss_;
  SeqNum stack_ack_;
  SeqNum stack_edge_;
  SeqNum stack_edge_seq_;        // the sequence number of the segment that advertised it
  bool stack_edge_syn_ = false;  // a SYN-ACK advertised it
  // The edge as the peer computed it (scaled as it took from the handshake:
  // ws_on_, stack_wscale_) lies within the one advertised: unscaled, or
  // scaled as the connection that sent it scales.
  bool stack_edge_within_ = false;
  std::uint32_t stack_tsval_ = 0;
  std::uint8_t stack_wscale_ = 0;
  std::uint16_t stack_port_ = 0;
  Sent last_;
  Sent last_data_;
  wire::TcpOptions stack_syn_options_;
  bool have_last_ = false;
  bool have_last_data_ = false;
  // The MSS the peer announced (or the default) on each SYN it sent, by the
  // SYN's sequence number, with the options it offered.
  static constexpr std::uint8_t offered_ws = 1, offered_sack = 2, offered_ts = 4;
  struct Mss {
    SeqNum key;
    std::uint16_t mss = 0;
    std::uint8_t offered = 0;
  };
  // Room for every SYN of an input (one per record at most: tcp_segments has
  // 16, tcp_options 24, and the set-up's): a SYN whose entry went would look
  // like one that offered nothing when repeated without options, and the
  // stack answers a repeated SYN with the SYN-ACK of the first (found by
  // tcp_segments once the table held 8). If one ever goes, the SYN-ACK check
  // stops (`syn_mss_lost_`).
  std::array<Mss, 32> syn_mss_{};
  std::size_t syn_mss_next_ = 0;
  bool syn_mss_lost_ = false;
  std::array<Written, 8> written_{};
  std::size_t written_next_ = 0;

  // The application.
  std::array<AppFd, 4> fds_{};
  std::uint32_t generation_ = 0;
};

class World : private WorldState {
 public:
  World(Host& host, const Config& config);
  // Takes up a set-up kept from an earlier input (run_input): `host` restored
  // to where that input's set-up left it, `state` the World's then.
  // `config` differs from the kept one only in what the set-up does not look
  // at (how the peer ends: setup_key).
  World(Host& host, const WorldState& state, const Config& config);
  const WorldState& state() const { return *this; }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World() { host_.device.world = nullptr; }

  // ---- What the peer knows

  const Config& config() const { return config_; }
  bool negotiated_ts() const { return ts_on_; }
  bool negotiated_sack() const { return sack_on_; }
  SeqNum peer_isn() const { return config_.peer_isn; }
  SeqNum peer_next() const { return peer_next_; }  // after everything the peer sent
  SeqNum peer_acked() const { return peer_acked_; }
  // What the stack showed last: its ISS, the highest sequence number it sent
  // (SND.MAX as seen), its last ACK and its advertised window's right edge.
  SeqNum stack_iss() const { return stack_iss_; }
  SeqNum stack_max() const { return stack_max_; }
  SeqNum stack_ack() const { return stack_ack_; }
  SeqNum stack_edge() const { return stack_edge_; }
  // The ISS of the last SYN-ACK the stack sent, to any of the peer's ports.
  SeqNum last_syn_ack_iss() const { return last_syn_ack_iss_; }
  std::uint32_t stack_tsval() const { return stack_tsval_; }
  std::uint32_t peer_tsval() const {
    const auto elapsed = static_cast<std::uint64_t>((now_ - start_time).count_ms());
    return static_cast<std::uint32_t>((std::uint64_t{ts_base_} + elapsed) & 0xffffffffu);
  }
  // The last segment the stack sent on the connection (not a RST), the last with data.
  const Sent* last_sent() const { return have_last_ ? &last_ : nullptr; }
  const Sent* last_data() const { return have_last_data_ ? &last_data_ : nullptr; }
  // The options of the stack's last SYN or SYN-ACK.
  const wire::TcpOptions& stack_syn_options() const { return stack_syn_options_; }
  // The newest connection the application holds (null: none, or not yet accepted).
  const transport::TcpConnection* connection() {
    const AppFd* c = conn_fd();
    return c != nullptr ? record(*c)->tcp.get() : nullptr;
  }

  // ---- Steps: each ends with check()

  void send(const PeerSegment& seg);
  // seq = peer_next(), ack = stack_max(), the peer's window, timestamps when on.
  PeerSegment make(TcpFlags flags, std::uint32_t payload_len = 0) const;
  // An ICMP / ICMPv6 error about the stack's last segment (kind: frag needed
  // or packet too big, port, host, protocol unreachable, time exceeded,
  // parameter problem; arg: the MTU, or bit 7: quote an older sequence number).
  void send_icmp(std::uint8_t kind, std::uint8_t arg);
  // Time moves on `d`, polled at every deadline on the way.
  void advance(net::Duration d);
  void app_send(std::size_t n);
  void app_recv(std::size_t n, int flags);
  void app_shutdown(int how);
  void app_close(bool listener);
  void app_setsockopt(int level, int name, const void* value, socklen_t len, bool listener);
  void app_accept();
  void app_poll();

  // Drives the connection to config().target (or as far as the stack goes).
  void setup();
  // Closes every descriptor and runs time out: nothing may be left.
  void finish();

  // Called by the device.
  void on_transmit(std::span<const std::byte> datagram);
  void trace_state(const char* what) const;

 private:
  void check();
  void check_segment_sent(const Sent& s);
  void check_connection(const socket::Socket& s);
  void deliver(std::span<const std::byte> datagram);
  void write_ip_header(wire::MutableBytes out, bool from_peer, std::uint8_t protocol,
                       std::size_t payload_len) const;
  void poll_if_due();
  std::uint16_t peer_port() const { return config_.active ? service_port : client_port; }
  AppFd* conn_fd();
  AppFd* listener_fd();
  const socket::Socket* record(const AppFd& a) const { return host_.sockets.socket_record(a.fd); }
  Written* written_for(SeqNum iss, bool create);
  // Takes the connection's peer ISN once it has one (or data came).
  void link(AppFd& a, bool has_data = false);
  wire::TcpOptions syn_options() const;
  bool state_is(transport::TcpState state);
  bool in_seen_window(SeqNum seq) const;
  // After a raw handshake area with a timestamp, the peer's clock goes on
  // from that TSval (so that PAWS takes what follows).
  void continue_raw_timestamps() {
    if (!config_.use_raw_syn_options) return;
    // The area as sent: zero-padded to a multiple of 4.
    std::array<std::byte, 40> area{};
    const std::size_t n = std::min(config_.raw_syn_options.size(), area.size());
    std::copy_n(config_.raw_syn_options.begin(), n, area.begin());
    const auto ts =
        wire::TcpOptions::parse(wire::Bytes(area).first((n + 3) & ~std::size_t{3})).options.timestamps;
    if (ts) ts_base_ = ts->tsval;  // (time has not moved since the set-up began)
  }

  Host& host_;

  void remember(SeqNum key, std::uint16_t mss, std::uint8_t offered) {
    for (auto& m : syn_mss_)
      if (m.mss != 0 && m.key == key) {
        m.offered |= offered;  // a SYN again: any one's offers
        return;
      }
    if (syn_mss_[syn_mss_next_].mss != 0) syn_mss_lost_ = true;
    syn_mss_[syn_mss_next_] = Mss{key, mss, offered};
    syn_mss_next_ = (syn_mss_next_ + 1) % syn_mss_.size();
  }
};

// ASan's defaults for a TCP target (define it once, in the target's file):
// the stack allocates per connection (Socket, buffers, queues), all freed
// within the input, so a small quarantine (4 MB, many inputs of history)
// loses nothing where the default (256 MB) pages in fresh memory all the
// time; allocation stacks 4 frames deep (unwinding 30 on every malloc is a
// tenth of the cost). Replay a crasher with ASAN_OPTIONS=malloc_context_size=30
// for whole stacks; a user's ASAN_OPTIONS overrides both.
#define HS_FUZZ_TCP_ASAN_OPTIONS()                                                             \
  extern "C" const char* __asan_default_options() { /* NOLINT(bugprone-reserved-identifier) */ \
    return "quarantine_size_mb=4:malloc_context_size=4";                                       \
  }

// What the set-up of `config` depends on: everything but how the peer ends
// (the drain), and nothing when the peer's opening carries an option area
// from the input (tcp_options).
inline std::optional<std::uint64_t> setup_key(const Config& c) {
  if (c.use_raw_syn_options) return std::nullopt;
  std::uint64_t k = c.peer_isn.value();
  k = (k << 16) | c.peer_mss;
  k = (k << 4) | c.peer_wscale;
  k = (k << 3) | static_cast<std::uint64_t>(c.target);
  for (const bool bit : {c.ipv6, c.active, c.timestamps, c.sack, c.window_scale, c.small_buffers, c.nodelay})
    k = (k << 1) | (bit ? 1u : 0u);
  return k;
}

// A configuration's set-up as it ended (the connection in its state, the
// peer's view of it), kept so that the next input with that configuration
// starts from a copy instead of replaying the handshake: the set-up's
// segments, checks and coverage were about an eighth of an input's time. The stack
// and sockets are checkpoints of the kept host's (they share its device and
// protocol handlers: only that host restores them).
struct SetUp {
  net::Stack stack;
  socket::Sockets sockets;
  net::SeededEntropy entropy;
  WorldState world;
  std::vector<std::byte> frames;  // what the set-up sent, in the self-test's record form
};

// The set-ups of the configurations used lately. A campaign mutates the
// records of an input far more often than its 4 configuration bytes, but
// when it does, the new configuration is mostly never seen again: a set-up
// is kept the second time its configuration comes (taking one costs as much
// as the set-up itself). Once full, the next one takes the memory of one not
// used lately: a clock hand goes round the entries, sparing (once) each one
// used since it last passed (second chance, an approximation of least
// recently used that moves nothing on a hit). The index is open addressing
// over (key, entry) pairs: a hit costs one probe sequence in one array,
// where a node-based map and list cost a few cache misses per input.
class SetUps {
 public:
  static constexpr std::size_t capacity = 8192;
  const SetUp* find(std::uint64_t key) {
    const std::size_t slot = find_slot(key);
    if (index_[slot].entry == empty) return nullptr;
    Entry& e = entries_[index_[slot].entry];
    HS_FUZZ_CHECK(e.key == key);  // the index and the entries agree
    e.used = true;
    return &e.setup;
  }
  // Whether `key`'s set-up is worth keeping: its configuration came before
  // (in a table of the last few thousand, one key per slot).
  // Under the self-test, always: its second run on the kept host is then
  // the first input that starts from the set-up kept.
  bool worth_keeping(std::uint64_t key) {
    if (self_test()) return true;
    std::uint64_t& slot = seen_[home(key) >> 2];
    if (slot == key + 1) return true;
    slot = key + 1;
    return false;
  }
  // Keeps the set-up `host` is in now (`key` has none kept), `world` the
  // World's state and `frames` what it sent.
  template <typename Host>
  void keep(std::uint64_t key, const Host& host, const WorldState& world, std::span<const std::byte> frames) {
    std::uint32_t at = 0;
    if (entries_.size() == capacity) {
      while (entries_[hand_].used) {
        entries_[hand_].used = false;
        hand_ = (hand_ + 1) % capacity;
      }
      at = static_cast<std::uint32_t>(hand_);
      hand_ = (hand_ + 1) % capacity;
      Entry& e = entries_[at];
      erase(e.key);
      e.setup.stack.restore(host.stack);  // copied into the memory it has
      e.setup.sockets.restore(host.sockets);
      e.setup.entropy = host.entropy;
      e.setup.world = world;
      e.setup.frames.assign(frames.begin(), frames.end());
      e.key = key;
      e.used = false;
    } else {
      at = static_cast<std::uint32_t>(entries_.size());
      entries_.push_back(Entry{key, false,
                               SetUp{host.stack.checkpoint(), host.sockets.checkpoint(), host.entropy, world,
                                     std::vector<std::byte>(frames.begin(), frames.end())}});
    }
    index_[find_slot(key)] = Slot{key, at};
  }

 private:
  struct Entry {
    std::uint64_t key;
    bool used;  // found since the clock hand last passed
    SetUp setup;
  };
  static constexpr std::uint32_t empty = 0xffffffffu;
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t entry = empty;
  };
  // Twice the capacity, a power of two: linear probes stay short.
  static constexpr std::size_t slots = 2 * capacity;
  // Fibonacci hashing: the top 14 bits of the key times 2^64 / phi.
  HARDSTACK_MODULAR_ARITHMETIC static std::size_t home(std::uint64_t key) {
    return (key * 0x9e3779b97f4a7c15u) >> 50;
  }
  static_assert(slots == std::size_t{1} << 14);
  // Where `key` is, or the empty slot where it would go.
  std::size_t find_slot(std::uint64_t key) const {
    std::size_t i = home(key);
    while (index_[i].entry != empty && index_[i].key != key) i = (i + 1) % slots;
    return i;
  }
  // Removes `key` (which is there), moving back the entries after it in its
  // probe run that could sit earlier (linear probing's deletion).
  void erase(std::uint64_t key) {
    std::size_t hole = find_slot(key);
    index_[hole] = Slot{};
    for (std::size_t i = (hole + 1) % slots; index_[i].entry != empty; i = (i + 1) % slots) {
      const std::size_t h = home(index_[i].key);
      // Movable into the hole unless its home lies in (hole, i], cyclically.
      const bool home_after_hole = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
      if (home_after_hole) continue;
      index_[hole] = index_[i];
      index_[i] = Slot{};
      hole = i;
    }
  }

  // Reserved whole: a set-up never moves once kept.
  std::vector<Entry> entries_ = [] {
    std::vector<Entry> v;
    v.reserve(capacity);
    return v;
  }();
  std::size_t hand_ = 0;
  std::vector<Slot> index_ = std::vector<Slot>(slots);
  std::array<std::uint64_t, 4096> seen_{};  // key + 1 (0: none)
};

// Runs one input: `body(World&)` between the set-up and the drain, on the
// kept Host (or, under the self-test, on a fresh one and twice on the kept:
// the first of those sets up and keeps the set-up when the configuration
// has none kept, the second starts from it).
template <typename Body>
void run_input(const Config& config, Body&& body) {
  static Kept<Host>& kept = *new Kept<Host>(std::make_unique<Host>());
  static SetUps& setups = *new SetUps;
  const std::optional<std::uint64_t> key = setup_key(config);
  const SetUp* taken = nullptr;
  auto restore = [&]() -> Host& {
    taken = key ? setups.find(*key) : nullptr;
    if (taken == nullptr) return kept.restored();
    Host& host = kept.restored(taken->stack, taken->entropy);
    host.sockets.restore(taken->sockets);
    return host;
  };
  auto run = [&](Host& host) {
    if (taken != nullptr && kept.holds(host)) {
      if (RunRecord* r = recording(); r != nullptr)
        r->frames.insert(r->frames.end(), taken->frames.begin(), taken->frames.end());
      World w(host, taken->world, config);
      if (tracing()) w.trace_state("set up (kept)");
      body(w);
      w.finish();
      return;
    }
    RunRecord* r = recording();
    const std::size_t frames_before = r != nullptr ? r->frames.size() : 0;
    World w(host, config);
    w.setup();
    if (tracing()) w.trace_state("set up");
    if (key && kept.holds(host) && setups.worth_keeping(*key)) {
      std::span<const std::byte> frames;
      if (r != nullptr) frames = std::span<const std::byte>(r->frames).subspan(frames_before);
      setups.keep(*key, host, w.state(), frames);
    }
    body(w);
    w.finish();
  };
  run_kept([] { return std::make_unique<Host>(); }, run, restore);
}

// ---------------------------------------------------------------------------

inline bool PeerDevice::transmit(std::span<const std::byte> frame) {
  record_frame(frame);
  if (world != nullptr) world->on_transmit(frame);
  return true;
}

inline World::World(Host& host, const Config& config) : host_(host) {
  config_ = config;
  // The host starts empty: the last input drained everything.
  const transport::Tcp& tcp = host_.sockets.tcp();
  HS_FUZZ_CHECK(tcp.connection_count() == 0 && tcp.orphan_count() == 0);
  HS_FUZZ_CHECK(host_.sockets.open_sockets() == 0);
  HS_FUZZ_CHECK(host_.stack.now() == start_time);
  host_.device.world = this;
  host_.sent.clear();
  cookies_at_start_ = host_.sockets.tcp_stats().syncookies_recv;
  peer_next_ = config_.peer_isn;
  peer_data_.reset(config_.peer_isn);
  ts_base_ = config_.peer_isn.value() ^ 0x5a5a5a5au;
}

inline World::World(Host& host, const WorldState& state, const Config& config)
    : WorldState(state), host_(host) {
  HS_FUZZ_CHECK(setup_key(config) == setup_key(config_));
  config_ = config;
  HS_FUZZ_CHECK(host_.stack.now() == now_);
  host_.device.world = this;
  host_.sent.clear();
}

inline AppFd* World::conn_fd() {
  AppFd* newest = nullptr;
  for (auto& f : fds_)
    if (f.fd >= 0 && !f.listener && (newest == nullptr || f.generation > newest->generation)) newest = &f;
  return newest;
}

inline AppFd* World::listener_fd() {
  for (auto& f : fds_)
    if (f.fd >= 0 && f.listener) return &f;
  return nullptr;
}

inline Written* World::written_for(SeqNum iss, bool create) {
  for (auto& w : written_)
    if (w.used && w.iss == iss) return &w;
  if (!create) return nullptr;
  Written* slot = nullptr;
  for (auto& w : written_)
    if (!w.used) slot = &w;
  if (slot == nullptr) {
    slot = &written_[written_next_];
    written_next_ = (written_next_ + 1) % written_.size();
  }
  *slot = Written{true, iss, 0, false};
  return slot;
}

inline wire::TcpOptions World::syn_options() const {
  wire::TcpOptions o;
  if (config_.peer_mss != 0) o.maximum_segment_size = config_.peer_mss;
  if (config_.window_scale) o.window_scale = wire::TcpWindowScale{config_.peer_wscale};
  if (config_.sack) o.sack_permitted = true;
  if (config_.timestamps) o.timestamps = wire::TcpTimestamps{peer_tsval(), 0};
  return o;
}

// ---- What the stack sends ---------------------------------------------------

inline void World::on_transmit(std::span<const std::byte> dg) {
  wire::Bytes segment;
  wire::PseudoHeader pseudo;
  HS_FUZZ_CHECK(!dg.empty() && dg.size() <= link_mtu);
  if (!config_.ipv6) {
    const auto ip = wire::Ipv4View::parse(dg, wire::ChecksumMode::verify);
    HS_FUZZ_CHECK(ip.has_value());
    HS_FUZZ_CHECK(ip->total_len() == dg.size());
    HS_FUZZ_CHECK(ip->src() == our4 && ip->dst() == peer4);
    HS_FUZZ_CHECK(ip->protocol() == wire::ip_protocol_tcp);
    HS_FUZZ_CHECK(!ip->is_fragment());
    segment = ip->payload();
    pseudo = wire::PseudoHeader::v4(our4, peer4);
  } else {
    const auto ip = wire::Ipv6View::parse(dg);
    HS_FUZZ_CHECK(ip.has_value());
    HS_FUZZ_CHECK(ip->datagram_len() == dg.size());
    HS_FUZZ_CHECK(ip->src() == our6 && ip->dst() == peer6);
    HS_FUZZ_CHECK(ip->next_header() == static_cast<wire::Ipv6NextHeader>(wire::ip_protocol_tcp));
    segment = ip->payload();
    pseudo = wire::PseudoHeader::v6(our6, peer6);
  }
  const auto view = wire::TcpView::parse(segment);
  HS_FUZZ_CHECK(view.has_value());
  const auto repr = wire::TcpRepr::parse(*view, pseudo, wire::ChecksumMode::verify);
  HS_FUZZ_CHECK(repr.has_value());
  const TcpFlags f = repr->flags;
  const wire::Bytes payload = view->payload();
  HS_FUZZ_CHECK(!(f.syn() && (f.fin() || f.rst())));
  HS_FUZZ_CHECK(!f.urg() && f.reserved() == 0);
  HS_FUZZ_CHECK(payload.empty() || (!f.syn() && !f.rst()));
  HS_FUZZ_CHECK(f.ack() || f.syn() || f.rst());
  // TCP-MSS-1, RFC 7323 2 / RFC 2018 2: these options only on SYNs.
  const auto& o = repr->options;
  if (!f.syn()) HS_FUZZ_CHECK(!o.maximum_segment_size && !o.window_scale && !o.sack_permitted);
  HS_FUZZ_CHECK(o.unknown.empty());
  if (o.window_scale) HS_FUZZ_CHECK(o.window_scale->shift <= 14);
  HS_FUZZ_CHECK(repr->dst_port >= peer_port() && repr->dst_port <= peer_port() + other_ports);
  HS_FUZZ_CHECK(repr->src_port == closed_port || stack_port_ == 0 || repr->src_port == stack_port_);
  // The data is what the application wrote at those sequence numbers.
  HS_FUZZ_CHECK(is_stream<stack_stream>(payload, repr->seq));

  Sent s;
  s.src_port = repr->src_port;
  s.flags = f;
  s.seq = repr->seq;
  s.ack = repr->ack;
  s.window = repr->window;
  s.payload_len = static_cast<std::uint32_t>(payload.size());
  s.options_len = view->header_len() - 20;
  s.dst_port = repr->dst_port;
  host_.sent.push_back(s);
  if (tracing())
    trace_segment("stack>", (now_ - start_time).count_ms(), f, repr->seq, repr->ack, repr->window,
                  payload.size(), o);

  // What the peer learns (of its first port's connection only).
  if (f.syn() && f.ack()) last_syn_ack_iss_ = repr->seq;
  if (repr->src_port == closed_port || f.rst() || repr->dst_port != peer_port()) return;
  last_ = s;
  have_last_ = true;
  if (s.payload_len > 0) {
    last_data_ = s;
    have_last_data_ = true;
  }
  if (stack_port_ == 0) stack_port_ = repr->src_port;
  const std::uint32_t len = s.payload_len + (f.syn() ? 1u : 0u) + (f.fin() ? 1u : 0u);
  if (f.syn()) {
    stack_syn_options_ = o;
    // A SYN with the ISS of a connection the application wrote on is a new
    // connection's (same four-tuple at the same instant: the same RFC 6528
    // ISN), not a retransmission (no data goes before the SYN is ACKed).
    for (auto& w : written_)
      if (w.used && w.iss == repr->seq && w.bytes > 0) w = Written{};
    // A SYN-ACK answers one of the peer's SYNs: this connection's MSS is that
    // SYN's, and it offers back only what that SYN offered (RFC 7323 1.3:
    // window scale and timestamps, RFC 2018 2: SACK-permitted).
    if (f.ack() && repr->dst_port == peer_port() && !syn_mss_lost_)
      for (const auto& m : syn_mss_)
        if (m.mss != 0 && m.key == repr->ack - 1) {
          if (o.window_scale) HS_FUZZ_CHECK((m.offered & offered_ws) != 0);
          if (o.sack_permitted) HS_FUZZ_CHECK((m.offered & offered_sack) != 0);
          if (o.timestamps) HS_FUZZ_CHECK((m.offered & offered_ts) != 0);
        }
    if (!have_iss_ || repr->seq != stack_iss_) {
      have_iss_ = true;
      stack_iss_ = repr->seq;
      stack_max_ = repr->seq;
    }
    // A SYN-ACK carries what the handshake turns on (our SYN offered it all).
    if (f.ack()) {
      ts_on_ = o.timestamps.has_value();
      sack_on_ = o.sack_permitted;
      ws_on_ = o.window_scale.has_value();
    }
    stack_wscale_ = o.window_scale ? o.window_scale->effective_shift() : 0;
  }
  if (after(repr->seq + len, stack_max_)) stack_max_ = repr->seq + len;
  if (o.timestamps) stack_tsval_ = o.timestamps->tsval;
  if (f.ack()) {
    have_ack_ = true;
    stack_ack_ = repr->ack;
    const std::uint8_t shift = f.syn() || !ws_on_ ? 0 : stack_wscale_;
    stack_edge_ = repr->ack + (std::uint32_t{repr->window} << shift);
    stack_edge_seq_ = repr->seq;
    stack_edge_syn_ = f.syn();
    // Scaled, the window is the sender's only when it scales by that shift:
    // another connection may have taken the four-tuple since the SYN-ACK the
    // peer took the shift from, and one that a SYN cookie's ACK without a
    // timestamp made has no window scaling, whatever the cookie's SYN-ACK
    // offered (found by tcp_segments: a cookie's connection reset, then made
    // again by the same ACK with a timestamp). Unscaled, it is never more
    // than was advertised.
    stack_edge_within_ = shift == 0;
    if (shift != 0)
      host_.sockets.tcp().for_each_connection([&](const socket::Socket& c) {
        if (c.local.port == repr->src_port && c.remote.port == repr->dst_port && c.tcp->wscale_ok &&
            c.tcp->rcv_wscale == shift)
          stack_edge_within_ = true;
      });
  }
}

// ---- The peer's steps --------------------------------------------------------

inline PeerSegment World::make(TcpFlags flags, std::uint32_t payload_len) const {
  PeerSegment p;
  p.flags = flags;
  p.seq = peer_next_;
  p.ack = stack_max_;
  p.window = peer_window_;
  p.payload_len = payload_len;
  if (ts_on_) p.options.timestamps = wire::TcpTimestamps{peer_tsval(), stack_tsval_};
  return p;
}

inline void World::send(const PeerSegment& seg) {
  const bool v6 = config_.ipv6;
  const std::size_t ip_len = v6 ? 40 : 20;
  std::array<std::byte, 40> options{};
  std::size_t options_len = 0;
  if (seg.use_raw) {
    options_len = std::min<std::size_t>(seg.raw_options.size(), options.size());
    std::memcpy(options.data(), seg.raw_options.data(), options_len);
    options_len = (options_len + 3) & ~std::size_t{3};  // zero padding: EOL
  } else {
    const auto written = seg.options.emit(options);
    if (written) options_len = *written;
  }
  const std::size_t payload_len = std::min<std::size_t>(seg.payload_len, max_payload);
  const std::size_t tcp_len = 20 + options_len + payload_len;
  host_.buffer.resize(ip_len + tcp_len);
  const wire::MutableBytes out(host_.buffer);
  const wire::MutableBytes t = out.subspan(ip_len);
  const std::uint16_t dst_port = seg.dst_port != 0 ? seg.dst_port : stack_port_;
  const std::uint16_t src_port =
      static_cast<std::uint16_t>(peer_port() + std::min<std::uint16_t>(seg.other_port, other_ports));
  wire::store_be16(t, 0, src_port);
  wire::store_be16(t, 2, dst_port);
  wire::store_be32(t, 4, seg.seq.value());
  wire::store_be32(t, 8, seg.ack.value());
  wire::store_u8(t, 12, static_cast<std::uint8_t>(((20 + options_len) / 4) << 4));
  wire::store_u8(t, 13, seg.flags.control_bits());
  wire::store_be16(t, 14, seg.window);
  wire::store_be32(t, 16, 0);  // checksum, urgent pointer
  std::memcpy(t.data() + 20, options.data(), options_len);
  const SeqNum data_seq = seg.flags.syn() ? seg.seq + 1 : seg.seq;
  const std::uint16_t payload_sum = fill_stream_sum<peer_stream>(t.subspan(20 + options_len), data_seq);
  const auto pseudo = v6 ? wire::PseudoHeader::v6(peer6, our6) : wire::PseudoHeader::v4(peer4, our4);
  // The header and options (a multiple of 4 bytes), then the payload's sum.
  wire::store_be16(t, 16,
                   pseudo.start(wire::ip_protocol_tcp, static_cast<std::uint32_t>(tcp_len))
                       .add(wire::Bytes(t).first(20 + options_len))
                       .add_u16(payload_sum)
                       .checksum());
  write_ip_header(out, true, wire::ip_protocol_tcp, tcp_len);
  // What the peer has sent now (from its first port).
  const bool modelled = dst_port == stack_port_ && src_port == peer_port();
  if (modelled && seg.flags.syn()) {
    // The MSS it announces (TCP-MSS-1: 0 or none means the default).
    const wire::TcpOptions o =
        seg.use_raw ? wire::TcpOptions::parse(wire::Bytes(options).first(options_len)).options : seg.options;
    const std::uint16_t mss = o.maximum_segment_size && *o.maximum_segment_size != 0 ? *o.maximum_segment_size
                              : v6                                                   ? 1220
                                                                                     : 536;
    const auto offered =
        static_cast<std::uint8_t>((o.window_scale ? offered_ws : 0) | (o.sack_permitted ? offered_sack : 0) |
                                  (o.timestamps ? offered_ts : 0));
    remember(seg.seq, mss, offered);
  }
  if (modelled) {
    peer_data_.add(data_seq, static_cast<std::uint32_t>(payload_len));
    if (seg.flags.syn()) peer_syns_.add(seg.seq);
    const SeqNum end = data_seq + static_cast<std::uint32_t>(payload_len);
    if (seg.flags.fin()) peer_fins_.add(end);
    const SeqNum next = end + (seg.flags.fin() ? 1u : 0u);
    if (after(next, peer_next_)) peer_next_ = next;
    if (seg.flags.ack()) peer_acked_ = seg.ack;
    if (!seg.flags.syn() && !seg.flags.rst()) peer_window_ = seg.window;
  }
  if (tracing())
    trace_segment("peer> ", (now_ - start_time).count_ms(), seg.flags, seg.seq, seg.ack, seg.window,
                  payload_len, wire::TcpOptions::parse(wire::Bytes(options).first(options_len)).options);
  // TCP-SEQ-1: a segment starting inside the window the stack advertised
  // last (as the peer saw it; the edge may retreat by less than the scale's
  // unit) is acceptable, in any synchronized state but TIME-WAIT.
  const bool acceptable = modelled && !seg.flags.syn() && !seg.flags.rst() && in_seen_window(seg.seq);
  const std::uint64_t dropped = host_.sockets.drops(socket::TransportDropReason::tcp_out_of_window);
  const std::uint64_t bad_sums = host_.sockets.drops(socket::TransportDropReason::tcp_bad_checksum);
  deliver(host_.buffer);
  // The peer's checksums (the payload's summed as it was made) verify.
  HS_FUZZ_CHECK(host_.sockets.drops(socket::TransportDropReason::tcp_bad_checksum) == bad_sums);
  if (acceptable)
    HS_FUZZ_CHECK(host_.sockets.drops(socket::TransportDropReason::tcp_out_of_window) == dropped);
}

inline bool World::in_seen_window(SeqNum seq) const {
  if (!have_ack_ || !stack_edge_within_) return false;
  const std::uint32_t margin = ws_on_ ? (1u << stack_wscale_) : 1u;
  const std::uint32_t window = distance(stack_ack_, stack_edge_);
  if (window <= margin || distance(stack_ack_, seq) >= window - margin) return false;
  // The window is the connection's own: the segment that advertised it lies
  // in its sequence space, and a SYN-ACK acknowledged its SYN. A connection
  // that the ACK of a SYN cookie made takes its IRS from that ACK's sequence
  // number (the cookie checks the difference of the ACK's two numbers, as
  // Linux's does), so the window of the cookie's SYN-ACK, or of a connection
  // gone since, is not the one it has when the peer had sent more than the
  // SYN (a FIN or data with it, say). And its window scaling is the one the
  // peer took from the SYN-ACK: a cookie's ACK without a timestamp makes a
  // connection without it (the cookie cannot carry the option, as Linux's),
  // whatever that SYN-ACK offered. Nor is it when the connection of the
  // moment advertised less: a connection that a SYN cookie's ACK made again
  // after the one before it was reset (same four-tuple, ISS and IRS) starts
  // from its own initial window (found by tcp_segments).
  bool synchronized = false;
  host_.sockets.tcp().for_each_connection([&](const socket::Socket& s) {
    using transport::TcpState;
    const TcpState st = s.tcp->state;
    if (s.local.port == stack_port_ && s.remote.port == peer_port() && st != TcpState::syn_sent &&
        st != TcpState::time_wait && before_or_equal(s.tcp->iss, stack_edge_seq_) &&
        before_or_equal(stack_edge_seq_, s.tcp->snd_max) &&
        (!stack_edge_syn_ || s.tcp->irs + 1 == stack_ack_) && s.tcp->wscale_ok == ws_on_ &&
        (!ws_on_ || s.tcp->rcv_wscale == stack_wscale_) && !after(stack_edge_, s.tcp->rcv_adv + margin))
      synchronized = true;
  });
  return synchronized;
}

// An IPv4 (DF, checksum computed) or IPv6 header, TTL / hop limit 64, from
// the peer to us or (a quoted one) from us to the peer.
inline void World::write_ip_header(wire::MutableBytes out, bool from_peer, std::uint8_t protocol,
                                   std::size_t payload_len) const {
  if (config_.ipv6) {
    wire::store_be32(out, 0, 0x60000000u);
    wire::store_be16(out, 4, static_cast<std::uint16_t>(payload_len));
    wire::store_u8(out, 6, protocol);
    wire::store_u8(out, 7, 64);
    (from_peer ? peer6 : our6).store(out, 8);
    (from_peer ? our6 : peer6).store(out, 24);
    return;
  }
  wire::store_be32(out, 0, 0x45000000u | static_cast<std::uint32_t>(20 + payload_len));
  wire::store_be32(out, 4, 0x00004000u);                                    // DF
  wire::store_be32(out, 8, 0x40000000u | (std::uint32_t{protocol} << 16));  // TTL 64, checksum 0
  (from_peer ? peer4 : our4).store(out, 12);
  (from_peer ? our4 : peer4).store(out, 16);
  wire::ChecksumAccumulator h;
  h.add(wire::Bytes(out).first(20));
  wire::store_be16(out, 10, h.checksum());
}

inline void World::deliver(std::span<const std::byte> datagram) {
  host_.stack.input(host_.interface, datagram, now_);
  poll_if_due();
}

// Timers due now run now (a step never leaves one overdue), then the checks.
inline void World::poll_if_due() {
  if (host_.stack.next_deadline() <= now_) host_.stack.poll(now_);
  check();
}

inline void World::send_icmp(std::uint8_t kind, std::uint8_t arg) {
  // The quote: our IP header and the first 8 bytes of the stack's last
  // segment (its ports and sequence number, or an older one).
  SeqNum seq = last_sent() != nullptr ? last_sent()->seq : stack_max_;
  if ((arg & 0x80) != 0) seq = offset(stack_max_, -static_cast<std::int64_t>(arg & 0x7f) * 64);
  const bool v6 = config_.ipv6;
  const std::size_t ip_len = v6 ? 40 : 20;
  const std::size_t quote_len = ip_len + 8;
  const auto icmp_len = static_cast<std::uint32_t>(8 + quote_len);
  host_.buffer.assign(ip_len + icmp_len, std::byte{0});
  const wire::MutableBytes out(host_.buffer);
  const wire::MutableBytes icmp = out.subspan(ip_len);
  const wire::MutableBytes quote = icmp.subspan(8);
  // kind: {v4 type, v4 code, v6 type, v6 code}
  static constexpr std::array<std::array<std::uint8_t, 4>, 6> kinds{
      {{3, 4, 2, 0},     // fragmentation needed / packet too big
       {3, 3, 1, 4},     // port unreachable
       {3, 1, 1, 3},     // host / address unreachable
       {3, 2, 1, 1},     // protocol unreachable / administratively prohibited
       {11, 0, 3, 0},    // time exceeded
       {12, 0, 4, 0}}};  // parameter problem
  const auto& k = kinds[kind % kinds.size()];
  wire::store_u8(icmp, 0, v6 ? k[2] : k[0]);
  wire::store_u8(icmp, 1, v6 ? k[3] : k[1]);
  if (v6 && k[2] == 2) wire::store_be32(icmp, 4, 1280u + std::uint32_t{arg} * 4u);
  if (!v6 && k[0] == 3 && k[1] == 4) wire::store_be16(icmp, 6, static_cast<std::uint16_t>(68u + arg * 8u));
  write_ip_header(quote, false, wire::ip_protocol_tcp, 1500 - ip_len);  // one of ours, a full-sized one
  const wire::MutableBytes quoted_tcp = quote.subspan(ip_len);
  wire::store_be16(quoted_tcp, 0, stack_port_);
  wire::store_be16(quoted_tcp, 2, peer_port());
  wire::store_be32(quoted_tcp, 4, seq.value());
  write_ip_header(out, true, v6 ? 58 : 1, icmp_len);
  if (v6) {
    wire::store_be16(
        icmp, 2, wire::PseudoHeader::v6(peer6, our6).start(58, icmp_len).add(wire::Bytes(icmp)).checksum());
  } else {
    wire::ChecksumAccumulator c;
    c.add(wire::Bytes(icmp));
    wire::store_be16(icmp, 2, c.checksum());
  }
  deliver(host_.buffer);
}

inline void World::advance(net::Duration d) {
  const net::Instant end = now_ + d;
  for (int i = 0; i < 64; ++i) {
    const net::Instant next = host_.stack.next_deadline();
    if (next > end) break;
    if (next > now_) now_ = next;
    host_.stack.poll(now_);
    check();
  }
  now_ = end;
  host_.stack.poll(now_);
  check();
}

// ---- The application ----------------------------------------------------------

inline void World::link(AppFd& a, bool has_data) {
  if (a.has_irs) return;
  const socket::Socket* s = record(a);
  HS_FUZZ_CHECK(s != nullptr && s->tcp != nullptr);
  const transport::TcpState st = s->tcp->state;
  // (A connection reset after data came still has that data to read.)
  if (!has_data && (st == transport::TcpState::closed || st == transport::TcpState::listen ||
                    st == transport::TcpState::syn_sent))
    return;
  a.has_irs = true;
  a.irs = s->tcp->irs;
  // The peer sent a SYN with that number (the ACK that completes a SYN
  // cookie handshake may name another: the cookie checks the difference of
  // its two numbers, as Linux's does).
  if (host_.sockets.tcp_stats().syncookies_recv == cookies_at_start_ && !peer_syns_.full() &&
      s->remote.port == peer_port())
    HS_FUZZ_CHECK(peer_syns_.contains(a.irs));
}

inline void World::app_send(std::size_t n) {
  AppFd* a = conn_fd();
  if (a == nullptr) return;
  const socket::Socket* s = record(*a);
  HS_FUZZ_CHECK(s != nullptr && s->tcp != nullptr);
  // The bytes due after what was written on this connection so far.
  const SeqNum iss = s->tcp->iss;
  Written* w = written_for(iss, true);
  host_.data.resize(n);
  fill_stream<stack_stream>(host_.data, iss + 1 + w->bytes);
  const ssize_t r = host_.sockets.send(a->fd, host_.data.data(), n, 0);
  if (r > 0) {
    HS_FUZZ_CHECK(static_cast<std::size_t>(r) <= n);
    w->bytes += static_cast<std::uint32_t>(r);
  } else {
    HS_FUZZ_CHECK(r == -EAGAIN || r == -EPIPE || r == -ECONNRESET || r == -ETIMEDOUT || r == -ECONNREFUSED ||
                  r == -EHOSTUNREACH || r == -ENETUNREACH || r == -EPROTO || r == -ENOPROTOOPT ||
                  r == -EACCES);
  }
  poll_if_due();
}

inline void World::app_recv(std::size_t n, int flags) {
  AppFd* a = conn_fd();
  if (a == nullptr) return;
  link(*a);
  host_.data.resize(n);
  const ssize_t r = host_.sockets.recv(a->fd, host_.data.data(), n, flags);
  const socket::Socket* s = record(*a);
  HS_FUZZ_CHECK(s != nullptr && s->tcp != nullptr);
  if (r > 0) link(*a, true);
  if (r > 0) {
    HS_FUZZ_CHECK(static_cast<std::size_t>(r) <= n && a->has_irs);
    // Exactly the peer's bytes, in order, from where the last read ended,
    // and bytes the peer sent.
    const SeqNum from = a->irs + 1 + a->received;
    const auto got = static_cast<std::uint32_t>(r);
    HS_FUZZ_CHECK(is_stream<peer_stream>(wire::Bytes(host_.data).first(got), from));
    if (peer_data_.exact() && s->remote.port == peer_port()) HS_FUZZ_CHECK(peer_data_.covers(from, got));
    if ((flags & MSG_PEEK) == 0) a->received += got;
  } else if (r == 0) {
    // End of stream: at a FIN the peer sent, unless reading was shut down
    // or the connection reset (LINUX tcp_recvmsg).
    if (s->tcp->fin_received && a->has_irs && !peer_fins_.full() && s->remote.port == peer_port())
      HS_FUZZ_CHECK(peer_fins_.contains(a->irs + 1 + a->received));
    else if (s->remote.port == peer_port())
      HS_FUZZ_CHECK((s->shutdown & socket::rcv_shutdown) != 0 ||
                    s->tcp->state == transport::TcpState::closed);
  } else {
    HS_FUZZ_CHECK(r == -EAGAIN || r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT ||
                  r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH || r == -EPROTO ||
                  r == -ENOPROTOOPT || r == -EACCES);
  }
  poll_if_due();
}

inline void World::app_shutdown(int how) {
  AppFd* a = conn_fd();
  if (a == nullptr) return;
  const socket::Socket* s = record(*a);
  HS_FUZZ_CHECK(s != nullptr && s->tcp != nullptr);
  if (how != SHUT_RD) written_for(s->tcp->iss, true)->fin_allowed = true;
  const int r = host_.sockets.shutdown(a->fd, how);
  HS_FUZZ_CHECK(r == 0 || r == -ENOTCONN);
  poll_if_due();
}

inline void World::app_close(bool listener) {
  AppFd* a = listener ? listener_fd() : conn_fd();
  if (a == nullptr) return;
  if (!listener) {
    const socket::Socket* s = record(*a);
    HS_FUZZ_CHECK(s != nullptr && s->tcp != nullptr);
    written_for(s->tcp->iss, true)->fin_allowed = true;
  }
  HS_FUZZ_CHECK(host_.sockets.close(a->fd) == 0);
  *a = AppFd{};
  poll_if_due();
}

inline void World::app_setsockopt(int level, int name, const void* value, socklen_t len, bool listener) {
  AppFd* a = listener ? listener_fd() : conn_fd();
  if (a == nullptr) return;
  const int r = host_.sockets.setsockopt(a->fd, level, name, value, len);
  HS_FUZZ_CHECK(r == 0 || r == -EINVAL);
  poll_if_due();
}

inline void World::app_accept() {
  AppFd* l = listener_fd();
  if (l == nullptr) return;
  AppFd* slot = nullptr;
  for (auto& f : fds_)
    if (f.fd < 0) slot = &f;
  if (slot == nullptr) return;
  const int fd = host_.sockets.accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK);
  if (fd >= 0) {
    *slot = AppFd{};
    slot->fd = fd;
    slot->generation = ++generation_;
    link(*slot);
  } else {
    HS_FUZZ_CHECK(fd == -EAGAIN);
  }
  poll_if_due();
}

inline void World::app_poll() {
  std::array<pollfd, 4> p{};
  nfds_t n = 0;
  for (const auto& f : fds_)
    if (f.fd >= 0) p[n++] = pollfd{f.fd, static_cast<short>(POLLIN | POLLOUT | POLLRDHUP), 0};
  HS_FUZZ_CHECK(host_.sockets.poll(p.data(), n) >= 0);
  for (nfds_t i = 0; i < n; ++i) {
    const socket::Socket* s = host_.sockets.socket_record(p[i].fd);
    HS_FUZZ_CHECK(s != nullptr && s->tcp != nullptr);
    HS_FUZZ_CHECK((p[i].revents & POLLNVAL) == 0);
    // Data waiting is readable.
    if (!s->tcp->receive.empty()) HS_FUZZ_CHECK((p[i].revents & POLLIN) != 0);
  }
}

// ---- Set-up and drain -------------------------------------------------------------

inline bool World::state_is(transport::TcpState state) {
  const AppFd* c = conn_fd();
  return c != nullptr && record(*c)->tcp->state == state;
}

inline void World::setup() {
  using transport::TcpState;
  auto& so = host_.sockets;
  const int fd = so.socket(config_.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  HS_FUZZ_CHECK(fd >= 0);
  if (config_.small_buffers) {
    const int small = 1;  // LINUX: raised to SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF
    HS_FUZZ_CHECK(so.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
    HS_FUZZ_CHECK(so.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
  }
  if (config_.nodelay) {
    const int on = 1;
    HS_FUZZ_CHECK(so.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0);
  }
  sockaddr_storage ss{};
  socklen_t ss_len = 0;
  // A sockaddr_in / sockaddr_in6 for our address or the peer's. (Called
  // before the call that passes ss_len: argument order is unspecified.)
  auto address = [&](std::uint16_t port, bool ours) {
    ss = sockaddr_storage{};
    ss.ss_family = static_cast<sa_family_t>(config_.ipv6 ? AF_INET6 : AF_INET);
    auto* bytes = reinterpret_cast<std::byte*>(&ss);
    const std::uint16_t port_be = htons(port);
    static_assert(offsetof(sockaddr_in, sin_port) == offsetof(sockaddr_in6, sin6_port));
    std::memcpy(bytes + offsetof(sockaddr_in, sin_port), &port_be, sizeof port_be);
    if (config_.ipv6)
      std::memcpy(bytes + offsetof(sockaddr_in6, sin6_addr), (ours ? our6 : peer6).octets.data(), 16);
    else
      std::memcpy(bytes + offsetof(sockaddr_in, sin_addr), (ours ? our4 : peer4).octets.data(), 4);
    ss_len = config_.ipv6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    return reinterpret_cast<const sockaddr*>(&ss);
  };
  const TcpFlags syn(TcpFlag::syn);
  const TcpFlags ack(TcpFlag::ack);
  TcpFlags fin_ack(TcpFlag::fin);
  fin_ack |= ack;
  // The peer's SYN or SYN-ACK, with the configured options.
  auto opening = [&](TcpFlags flags) {
    PeerSegment p;
    p.flags = flags;
    p.seq = config_.peer_isn;
    p.ack = stack_iss_ + 1;
    if (config_.use_raw_syn_options) {
      p.raw_options = config_.raw_syn_options;
      p.use_raw = true;
    } else {
      p.options = syn_options();
    }
    return p;
  };
  if (config_.active) {
    AppFd& app = fds_[0];
    app.fd = fd;
    const sockaddr* to = address(service_port, false);
    HS_FUZZ_CHECK(so.connect(fd, to, ss_len) == -EINPROGRESS);
    poll_if_due();
    HS_FUZZ_CHECK(have_iss_ && stack_port_ != 0);
    if (config_.target == Target::handshake) return;
    TcpFlags syn_ack = syn;
    syn_ack |= ack;
    send(opening(syn_ack));
    continue_raw_timestamps();
    if (!state_is(TcpState::established)) return;  // options the stack refused, say
    // What the handshake turned on: what the peer's SYN-ACK offered.
    const transport::TcpConnection& c = *record(app)->tcp;
    ts_on_ = c.ts_ok;
    sack_on_ = c.sack_ok;
    ws_on_ = c.wscale_ok;
    stack_wscale_ = c.rcv_wscale;
    HS_FUZZ_CHECK(so.connect(fd, to, ss_len) == 0);
  } else {
    AppFd& l = fds_[1];
    l.fd = fd;
    l.listener = true;
    const sockaddr* at = address(service_port, true);
    HS_FUZZ_CHECK(so.bind(fd, at, ss_len) == 0);
    HS_FUZZ_CHECK(so.listen(fd, 1) == 0);
    stack_port_ = service_port;
    send(opening(syn));
    continue_raw_timestamps();
    if (!have_iss_ || config_.target == Target::handshake) return;
    PeerSegment third = make(ack);
    third.seq = config_.peer_isn + 1;
    third.ack = stack_iss_ + 1;
    send(third);
    app_accept();
    if (conn_fd() == nullptr) return;
  }
  AppFd* c = conn_fd();
  link(*c);
  const transport::TcpConnection& tc = *record(*c)->tcp;
  HS_FUZZ_CHECK(tc.state == TcpState::established);
  HS_FUZZ_CHECK(c->has_irs && c->irs == config_.peer_isn);
  switch (config_.target) {
    case Target::established:
    case Target::handshake: break;
    case Target::close_wait:
      send(make(fin_ack));
      HS_FUZZ_CHECK(state_is(TcpState::close_wait));
      break;
    case Target::fin_wait_1:
      app_shutdown(SHUT_WR);
      HS_FUZZ_CHECK(state_is(TcpState::fin_wait_1));
      break;
    case Target::fin_wait_2:
      app_shutdown(SHUT_WR);
      send(make(ack));
      HS_FUZZ_CHECK(state_is(TcpState::fin_wait_2));
      break;
    case Target::closing: {
      app_shutdown(SHUT_WR);
      PeerSegment f = make(fin_ack);
      f.ack = stack_iss_ + 1;  // not our FIN
      send(f);
      HS_FUZZ_CHECK(state_is(TcpState::closing));
      break;
    }
    case Target::last_ack:
      send(make(fin_ack));
      app_shutdown(SHUT_WR);
      HS_FUZZ_CHECK(state_is(TcpState::last_ack));
      break;
    case Target::time_wait:
      app_shutdown(SHUT_WR);
      send(make(ack));
      send(make(fin_ack));
      HS_FUZZ_CHECK(state_is(TcpState::time_wait));
      break;
  }
}

inline void World::finish() {
  // The application closes everything, connections first (as a server
  // would), and the peer says nothing more.
  while (conn_fd() != nullptr) app_close(false);
  if (listener_fd() != nullptr) app_close(true);
  HS_FUZZ_CHECK(host_.sockets.open_sockets() == 0);
  if (tracing()) trace_state("closed");
  if (config_.clean_end && have_iss_) {
    TcpFlags fin_ack(TcpFlag::fin);
    fin_ack |= TcpFlags(TcpFlag::ack);
    bool fin_sent = false;
    for (int round = 0; round < 4; ++round) {
      const SeqNum acked = stack_max_;
      PeerSegment p = make(fin_sent ? TcpFlags(TcpFlag::ack) : fin_ack);
      p.window = 65535;
      send(p);
      fin_sent = true;
      if (stack_max_ == acked) break;  // nothing more came
    }
  }
  const net::Instant end = now_ + drain_limit;
  for (int i = 0; i < drain_polls; ++i) {
    const net::Instant next = host_.stack.next_deadline();
    if (next > end) break;
    if (next > now_) now_ = next;
    host_.stack.poll(now_);
    check();
  }
  if (tracing()) trace_state("drained");
  const transport::Tcp& tcp = host_.sockets.tcp();
  HS_FUZZ_CHECK(tcp.connection_count() == 0);
  HS_FUZZ_CHECK(tcp.orphan_count() == 0);
  HS_FUZZ_CHECK(host_.stack.next_deadline() == net::Instant::never());
}

// ---- The checks after every step --------------------------------------------------

inline void World::check_segment_sent(const Sent& s) {
  if (s.src_port == closed_port || s.flags.rst()) return;
  // Data and FIN only what the application wrote, the FIN after all of it
  // and only once asked for.
  const std::uint32_t data_len = s.payload_len;
  if (data_len > 0 || s.flags.fin()) {
    const Written* w = nullptr;
    std::uint32_t best = 0;
    for (const auto& x : written_) {
      if (!x.used) continue;
      const std::uint32_t d = distance(x.iss, s.seq);
      if (d >= 1 && d < (1u << 31) && (w == nullptr || d < best)) {
        w = &x;
        best = d;
      }
    }
    HS_FUZZ_CHECK(w != nullptr);
    const std::uint64_t from = distance(w->iss + 1, s.seq);
    HS_FUZZ_CHECK(from + data_len <= w->bytes);
    if (s.flags.fin()) HS_FUZZ_CHECK(w->fin_allowed && from + data_len == w->bytes);
  }
  // RFC 6691: data and options within the MSS the peer announced, as the
  // connection took it from the SYN it accepted (tcp_options checks that
  // against the option), when it leaves room for options (the stack's floor
  // is 48 bytes of data, as Linux's).
  if (data_len > 0) {
    std::uint32_t peer_mss = 0;
    host_.sockets.tcp().for_each_connection([&](const socket::Socket& c) {
      if (c.local.port == s.src_port && c.remote.port == s.dst_port) peer_mss = c.tcp->peer_mss;
    });
    if (peer_mss >= 88) HS_FUZZ_CHECK(data_len + s.options_len <= peer_mss);
  }
  // The ACK follows something the peer sent: a byte, a SYN or a FIN.
  if (s.flags.ack() && s.dst_port == peer_port() && peer_data_.exact() && !peer_syns_.full() &&
      !peer_fins_.full()) {
    const SeqNum last = s.ack - 1;
    bool sent = peer_data_.contains(last) || peer_syns_.contains(last) || peer_fins_.contains(last);
    // Or the SYN a SYN cookie's ACK stands for: the connection it made takes
    // its IRS from that ACK's sequence number less one (the cookie checks the
    // difference of the ACK's two numbers, as Linux's does; see link()).
    if (!sent && host_.sockets.tcp_stats().syncookies_recv != cookies_at_start_)
      host_.sockets.tcp().for_each_connection([&](const socket::Socket& c) {
        if (c.local.port == s.src_port && c.remote.port == s.dst_port && c.tcp->irs == last) sent = true;
      });
    HS_FUZZ_CHECK(sent);
  }
}

inline void World::check_connection(const socket::Socket& s) {
  using transport::TcpState;
  const transport::TcpConnection& c = *s.tcp;
  HS_FUZZ_CHECK(c.state != TcpState::closed && c.state != TcpState::listen);
  // SND.UNA <= SND.NXT <= SND.MAX.
  HS_FUZZ_CHECK(before_or_equal(c.iss, c.snd_una));
  HS_FUZZ_CHECK(before_or_equal(c.snd_una, c.snd_nxt));
  HS_FUZZ_CHECK(before_or_equal(c.snd_nxt, c.snd_max));
  // Its timers: in Tcp's index no later than the earliest of them (one armed
  // but not indexed never runs; an entry left earlier only wakes the
  // connection for nothing, which indexes it again), and something
  // unacknowledged (a SYN, data, a FIN) always has the retransmission timer or
  // the persist timer running (RFC 6298 5.1).
  const net::Instant earliest =
      std::min({c.rto_at, c.delack_at, c.persist_at, c.keepalive_at, c.state_timer_at});
  HS_FUZZ_CHECK(c.indexed_deadline <= earliest);
  if (c.state != TcpState::time_wait && (c.snd_una != c.snd_max || c.state == TcpState::syn_sent))
    HS_FUZZ_CHECK(c.rto_at != net::Instant::never() || c.persist_at != net::Instant::never());
  // Memory within SO_RCVBUF / SO_SNDBUF: received bytes, in order and out of
  // order, lie in the receive ring at their place from RCV.NXT on, and reach
  // no further than SO_RCVBUF (or the window advertised, which scaling may
  // round past it) from the ring's front.
  const std::size_t in_order = c.receive.size();
  const auto offset_of = [&](SeqNum seq) { return in_order + distance(c.rcv_nxt, seq); };
  const std::size_t receive_cap =
      std::max<std::size_t>(static_cast<std::size_t>(s.rcvbuf),
                            in_order + (before(c.rcv_nxt, c.rcv_adv) ? distance(c.rcv_nxt, c.rcv_adv) : 0));
  if (!c.out_of_order.empty()) HS_FUZZ_CHECK(offset_of(c.out_of_order.back().end) <= receive_cap);
  HS_FUZZ_CHECK(c.out_of_order.empty() || offset_of(c.out_of_order.back().end) <= c.receive.capacity());
  HS_FUZZ_CHECK(c.send.size() <= static_cast<std::size_t>(s.sndbuf));
  // The in-order queue holds the peer's bytes up to RCV.NXT (less its FIN).
  if (!c.receive.empty()) {
    const SeqNum end = c.rcv_nxt - (c.fin_received ? 1u : 0u);
    const SeqNum first = end - static_cast<std::uint32_t>(c.receive.size());
    std::byte b{};
    c.receive.copy_out(0, &b, 1);
    HS_FUZZ_CHECK(b == peer_byte(first));
    c.receive.copy_out(c.receive.size() - 1, &b, 1);
    HS_FUZZ_CHECK(b == peer_byte(end - 1));
  }
  // The out-of-order queue: sorted, disjoint, above RCV.NXT, counted right,
  // the peer's bytes.
  std::size_t ooo = 0;
  SeqNum prev_end = c.rcv_nxt;
  for (const auto& o : c.out_of_order) {
    // Neither empty nor overlapping nor adjacent (adjacent ranges merge).
    HS_FUZZ_CHECK(before(o.seq, o.end));
    HS_FUZZ_CHECK(after(o.seq, prev_end));
    std::byte b{};
    c.receive.copy_out(offset_of(o.seq), &b, 1);
    HS_FUZZ_CHECK(b == peer_byte(o.seq));
    c.receive.copy_out(offset_of(o.end - 1), &b, 1);
    HS_FUZZ_CHECK(b == peer_byte(o.end - 1));
    prev_end = o.end;
    ooo += o.length();
  }
  HS_FUZZ_CHECK(ooo == c.out_of_order_bytes);
  // Options within their bounds: the MSS floor (LINUX TCP_MIN_SND_MSS), RFC
  // 7323 2.3's shift, RTT samples a timestamp can give (LINUX
  // tcp_rtt_tsopt_us: below INT_MAX / 1000 ms; others are bounded by the
  // retransmission timeout, Karn's rule dropping the sample).
  HS_FUZZ_CHECK(c.mss >= 48);
  HS_FUZZ_CHECK(c.snd_wscale <= 14 && c.rcv_wscale <= 14);
  HS_FUZZ_CHECK(c.srtt_us >= 0 && c.srtt_us < std::int64_t{2147483} * 1000);
  // The SACK scoreboard: sorted, disjoint, within what was sent.
  SeqNum mark = c.snd_una;
  for (const auto& b : c.sacked) {
    const SeqNum left(b.left);
    const SeqNum right(b.right);
    HS_FUZZ_CHECK(before(left, right));
    HS_FUZZ_CHECK(before_or_equal(mark, left));
    HS_FUZZ_CHECK(before_or_equal(right, c.snd_max));
    mark = right;
  }
  // What it reports: at most 4 blocks (RFC 2018 3), above RCV.NXT.
  HS_FUZZ_CHECK(c.sack_report.size() <= 4);
  for (const auto& b : c.sack_report) {
    HS_FUZZ_CHECK(before(SeqNum(b.left), SeqNum(b.right)));
    HS_FUZZ_CHECK(after(SeqNum(b.left), c.rcv_nxt));
  }
  // The bytes not yet acknowledged are what the application wrote.
  const bool sending = c.state == TcpState::established || c.state == TcpState::close_wait ||
                       c.state == TcpState::fin_wait_1 || c.state == TcpState::closing ||
                       c.state == TcpState::last_ack || c.state == TcpState::fin_wait_2;
  if (sending) {
    const Written* w = nullptr;
    for (const auto& x : written_)
      if (x.used && x.iss == c.iss) w = &x;
    const std::uint32_t written = w != nullptr ? w->bytes : 0;
    // (Our SYN may be unacknowledged still: closed in SYN-RECEIVED.)
    const std::uint32_t acked = c.snd_una == c.iss ? 0 : distance(c.iss + 1, c.snd_una);
    HS_FUZZ_CHECK(acked <= written + 1);
    HS_FUZZ_CHECK(std::min(acked, written) + c.send.size() == written);
  }
}

inline void World::check() {
  for (const Sent& s : host_.sent) check_segment_sent(s);
  host_.sent.clear();
  // What was written on a connection that is gone goes with it: the next
  // connection with that ISS starts with nothing written (one that the ACK of
  // the same SYN cookie makes again after the first was reset: same
  // four-tuple, same ISS, no SYN of its own; found by tcp_segments).
  for (auto& w : written_) {
    if (!w.used) continue;
    bool live = false;
    host_.sockets.tcp().for_each_connection([&](const socket::Socket& s) {
      if (s.tcp->iss == w.iss) live = true;
    });
    if (!live) w = Written{};
  }
  host_.sockets.tcp().for_each_connection([this](const socket::Socket& s) { check_connection(s); });
}

inline void World::trace_state(const char* what) const {
  std::fprintf(stderr, "%9lld ms %s:", static_cast<long long>((now_ - start_time).count_ms()), what);
  host_.sockets.tcp().for_each_connection([](const socket::Socket& s) {
    const auto& c = *s.tcp;
    std::fprintf(stderr, " [%s una %u nxt %u max %u rcv %u snd.wnd %u q %zu/%zu]",
                 transport::to_string(c.state), c.snd_una.value(), c.snd_nxt.value(), c.snd_max.value(),
                 c.rcv_nxt.value(), c.snd_wnd, c.send.size(), c.receive.size());
  });
  std::fprintf(stderr, " connections %zu orphans %zu\n", host_.sockets.tcp().connection_count(),
               host_.sockets.tcp().orphan_count());
}

}  // namespace hardstack::fuzz::tcp

HS_FUZZ_TCP_HARNESS_END
