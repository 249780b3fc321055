#pragma once

// TCP (RFC 9293) with Linux's behaviour where the RFCs leave a choice: the
// state machine with simultaneous open and close, RFC 5961 challenge ACKs,
// RFC 6528 ISNs and RFC 6056 ports from the injected entropy, MSS and path
// MTU, window scaling, timestamps with PAWS (RFC 7323), SACK (RFC 2018) with
// RFC 6675 recovery, RFC 6298 RTO with Karn and backoff, delayed ACK, Nagle,
// persist timer, SWS avoidance on both sides, NewReno with IW10, keepalive,
// SYN cookies, and Linux's close / shutdown / linger semantics. Used through
// socket::Sockets; not a public API of its own.

#include <netinet/tcp.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket_internal.hpp"
#include "hardstack/wire/seq_num.hpp"
#include "hardstack/wire/tcp.hpp"

namespace hardstack::transport {

using wire::SeqNum;

enum class TcpState : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};
const char* to_string(TcpState state);
// Linux's number for the state (netinet/tcp.h TCP_ESTABLISHED ... TCP_CLOSING).
int linux_state_number(TcpState state);

// The socket's view of connecting (LINUX sock->state): decides what a second
// connect() answers.
enum class SockState : std::uint8_t { unconnected, connecting, connected };

// Buffers that connections' rings gave back, for the next ring that needs
// one: a busy connection's send and receive rings empty and fill again all the
// time (an idle one holds no buffer), and taking a warm buffer from here costs
// no allocation, zeroing or page faults. Holds at most `max_buffers`.
class BufferPool {
 public:
  static constexpr std::size_t max_buffers = 16;
  // A buffer of at least `capacity` bytes (uninitialised); `got` says how many.
  std::unique_ptr<std::byte[]> take(std::size_t capacity, std::size_t& got);
  void give(std::unique_ptr<std::byte[]> buffer, std::size_t capacity);
  std::size_t buffered_bytes() const;

 private:
  struct Entry {
    std::unique_ptr<std::byte[]> buffer;
    std::size_t capacity = 0;
  };
  std::vector<Entry> free_;
};

// Bytes in order, appended at the back and consumed at the front, with random
// access for retransmission. Grows by doubling up to what the caller allows.
// Bytes may also be written past size() (out-of-order data, in the place it
// will have once the hole before it fills) and counted in order later.
class ByteRing {
 public:
  ByteRing() = default;
  // A copy holds the same bytes at the same places, those written past
  // size() too, in a buffer of its own (not the pool's).
  ByteRing(const ByteRing& other);
  ByteRing& operator=(const ByteRing& other) {
    if (this != &other) *this = ByteRing(other);
    return *this;
  }
  ByteRing(ByteRing&&) noexcept = default;
  ByteRing& operator=(ByteRing&&) noexcept = default;
  ~ByteRing() = default;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void append(const std::byte* data, std::size_t n, BufferPool& pool);
  // Copies `n` bytes from `offset` (offset + n <= size(), or past size()
  // where write_at() put them).
  void copy_out(std::size_t offset, std::byte* out, std::size_t n) const;
  // The `n` bytes from `offset` when they lie in one piece, else an empty span.
  std::span<const std::byte> contiguous(std::size_t offset, std::size_t n) const;
  void consume(std::size_t n);
  // Writes `n` bytes at `offset` from the front, at or past size(), keeping
  // the first `keep` bytes (at least size(): the in-order data and what was
  // written past it before).
  void write_at(std::size_t offset, const std::byte* data, std::size_t n, std::size_t keep, BufferPool& pool);
  // Counts `n` bytes already written past size() as appended.
  void commit(std::size_t n) { size_ += n; }
  void clear() {
    size_ = 0;
    head_ = 0;
  }
  // Gives the buffer to `pool` (an idle connection holds none). Nothing may
  // be held, past size() either.
  void release(BufferPool& pool);
  std::size_t capacity() const { return capacity_; }

 private:
  void grow(std::size_t needed, std::size_t keep, BufferPool& pool);

  std::unique_ptr<std::byte[]> buffer_;
  std::size_t capacity_ = 0;  // a power of two, or 0
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  // The capacity given back last: a ring that fills again starts there
  // instead of growing through every size again (each step a copy).
  std::size_t released_capacity_ = 0;
};

// Sequence numbers that arrived ahead of RCV.NXT (RFC 9293 3.10.7.4); their
// bytes wait in the receive ring at their place past the in-order data.
struct SeqRange {
  SeqNum seq;
  SeqNum end;
  std::uint32_t length() const { return distance(seq, end); }
};

// Established children waiting for accept(), oldest first. Allocates nothing
// while empty (a std::deque allocates on construction: two blocks for every
// listener, and again for every copy of one).
class AcceptQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  socket::Owned<socket::Socket>& front() { return items_[head_]; }
  socket::Owned<socket::Socket>& operator[](std::size_t i) { return items_[head_ + i]; }
  const socket::Owned<socket::Socket>& operator[](std::size_t i) const { return items_[head_ + i]; }
  void push_back(std::unique_ptr<socket::Socket> child) {
    // The slots already taken go once they are half the vector: amortised
    // constant time, and a queue that never empties does not grow.
    if (head_ != 0 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    items_.emplace_back(std::move(child));
  }
  void pop_front() {
    items_[head_++].reset();
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    }
  }

 private:
  std::vector<socket::Owned<socket::Socket>> items_;
  std::size_t head_ = 0;  // items_ before it were taken (null)
};

// A listener's queues (LINUX request_sock_queue), kept out of TcpConnection so
// that every other connection carries none of them.
struct ListenQueue {
  int backlog = 0;
  AcceptQueue accept_queue;                 // established, waiting for accept()
  std::size_t embryonic = 0;                // children in SYN-RECEIVED
  std::optional<net::Instant> last_cookie;  // when it last answered with a SYN cookie
};

// A connection's node of Tcp's timer index while out of the index. It
// belongs to one index: a copy of the connection (Sockets::checkpoint) holds
// none, and gets a node of its own when its copy of the index is made.
struct TimerNode {
  using Node = std::multimap<net::Instant, socket::Socket*>::node_type;
  TimerNode() = default;
  TimerNode(const TimerNode&) {}
  TimerNode& operator=(const TimerNode& other) {
    if (this != &other) node = {};
    return *this;
  }
  TimerNode(TimerNode&&) noexcept = default;
  TimerNode& operator=(TimerNode&&) noexcept = default;
  ~TimerNode() = default;
  Node node;
};

// What one connection holds beyond the socket (LINUX struct tcp_sock).
struct TcpConnection {
  TcpState state = TcpState::closed;
  SockState sock_state = SockState::unconnected;
  bool ipv4 = true;

  // Send sequence space (RFC 9293 3.3.1)
  SeqNum iss;
  SeqNum snd_una;
  SeqNum snd_nxt;
  SeqNum snd_max;             // the highest sequence sent (snd_nxt moves back on a timeout)
  SeqNum snd_sml;             // the end of the last small segment sent (LINUX snd_sml, Minshall's Nagle)
  bool syn_acked = false;     // our SYN acknowledged (false in SYN-RECEIVED and after a close there)
  std::uint32_t snd_wnd = 0;  // scaled
  std::uint32_t max_snd_wnd = 0;
  std::uint64_t acked_total = 0;  // sequence numbers ever acknowledged, the SYN's too (LINUX bytes_acked)
  SeqNum snd_wl1;
  SeqNum snd_wl2;
  // Receive sequence space
  SeqNum irs;
  SeqNum rcv_nxt;
  SeqNum rcv_adv;  // right edge last advertised: never moves left
  // Options
  std::uint16_t mss = 536;       // what we send per segment, data only (options taken off)
  std::uint16_t peer_mss = 536;  // the peer's MSS option (or the default)
  std::uint16_t user_mss = 0;    // TCP_MAXSEG
  std::uint8_t snd_wscale = 0;   // the peer's shift (applied to windows it sends)
  std::uint8_t rcv_wscale = 0;   // ours
  bool wscale_ok = false;
  bool sack_ok = false;
  bool ts_ok = false;
  std::uint32_t ts_recent = 0;
  std::optional<std::uint32_t> synack_tsval;  // a SYN cookie's SYN-ACK: TSval carrying the options
  net::Instant ts_recent_stamp{};
  std::uint32_t last_ack_sent = 0;  // RCV.NXT at our last ACK (RFC 7323 4.3)

  // Buffers
  ByteRing send;                       // from snd_una: unacknowledged and unsent data
  ByteRing receive;                    // in order, not yet read
  std::vector<SeqRange> out_of_order;  // sorted, neither overlapping nor adjacent
  std::size_t out_of_order_bytes = 0;
  bool fin_queued = false;  // close/shutdown asked for a FIN after the data
  bool fin_sent = false;
  bool fin_received = false;  // RCV_SHUTDOWN by the peer (reads return 0 after the data)
  bool user_closed = false;   // orphan: nobody can read
  bool nodelay = false;
  int linger2 = 0;  // TCP_LINGER2 in seconds: 0 the default, -1 RST at once

  // RTO (RFC 6298), in microseconds
  std::int64_t srtt_us = 0;
  std::int64_t rttvar_us = 0;
  std::int64_t rto_us = 1000000;
  int backoff = 0;
  int retransmits = 0;              // consecutive timeouts of the same data
  net::Instant retrans_stamp{};     // the first of those retransmissions (LINUX retrans_stamp)
  std::uint32_t total_retrans = 0;  // segments retransmitted (TCP_INFO)
  bool rtt_pending = false;         // timing one segment (Karn: never a retransmitted one)
  SeqNum rtt_seq;
  net::Instant rtt_start{};

  // Congestion control (RFC 5681 / 6582 / 6675), in bytes
  std::uint32_t cwnd = 0;
  std::uint32_t ssthresh = 0x7fffffff;
  std::uint32_t bytes_acked = 0;  // congestion-avoidance accumulator
  int dupacks = 0;
  bool in_recovery = false;
  SeqNum recover;
  SeqNum high_rxt;                         // RFC 6675 HighRxt
  std::vector<wire::TcpSackBlock> sacked;  // scoreboard: sorted, merged, above snd_una

  // Receiver state for ACKs
  int segments_unacked = 0;  // full-sized segments since our last ACK
  bool ack_now = false;
  std::vector<wire::TcpSackBlock> sack_report;  // RFC 2018 4: most recent first

  // Timers (Instant::never() when off)
  net::Instant rto_at = net::Instant::never();
  net::Instant delack_at = net::Instant::never();
  net::Instant persist_at = net::Instant::never();
  net::Instant keepalive_at = net::Instant::never();
  net::Instant state_timer_at = net::Instant::never();  // TIME-WAIT, FIN-WAIT-2, SYN-SENT/RECEIVED give-up
  int persist_backoff = 0;
  int persist_probes = 0;  // zero-window probes since the peer last answered (LINUX icsk_probes_out)
  int keepalive_probes_sent = 0;
  int keepalive_idle_s = 0;   // TCP_KEEPIDLE (0: the sysctl)
  int keepalive_intvl_s = 0;  // TCP_KEEPINTVL
  int keepalive_count = 0;    // TCP_KEEPCNT
  net::Instant last_received{};
  net::Instant last_oow_ack{};  // LINUX last_oow_ack_time: challenge ACKs and ACKs to bad segments
  bool oow_acked_once = false;
  int soft_error = 0;  // the last ICMP soft error, reported on a timeout

  // A listener's queues (from listen() on; null for every other connection)
  socket::Owned<ListenQueue> listen;
  socket::Socket* parent = nullptr;  // a child not yet accepted: its listener

  // Where the connection sits in Tcp's timer index, and its index node while
  // out of it: while a timer is pending a connection moves one node in and
  // out of the index (a timer changes with almost every segment); without
  // one it keeps none (an idle connection's memory).
  net::Instant indexed_deadline = net::Instant::never();
  std::multimap<net::Instant, socket::Socket*>::iterator timer_entry;
  TimerNode timer_node;
  bool hashed = false;  // in Tcp's connection table
  // Its place in Tcp's orphan list while Tcp owns it (not_orphan otherwise).
  static constexpr std::uint32_t not_orphan = 0xffffffffu;
  std::uint32_t orphan_slot = not_orphan;
};

struct Segment;

class Tcp;

// The socket layer's and the stack's interfaces to TCP, each call handed on to
// Tcp. Tcp itself has no virtual functions: built with -fsanitize=vptr (part of
// UBSan), every access to a member through the `this` of a polymorphic class
// checks the object's dynamic type, and Tcp reaches its own members hundreds
// of times per segment; here one check per call from outside remains.
class TcpInterfaces final : public socket::Protocol, public net::TransportProtocol {
 public:
  explicit TcpInterfaces(Tcp& tcp) : tcp_(tcp) {}

  int bind(socket::Socket& s, const socket::Endpoint& local) override;
  int autobind(socket::Socket& s) override;
  int connect(socket::Socket& s, const socket::Endpoint& remote) override;
  int disconnect(socket::Socket& s) override;
  ssize_t sendmsg(socket::Socket& s, const msghdr& message, int flags, const socket::Endpoint* to,
                  std::size_t length) override;
  ssize_t recvmsg(socket::Socket& s, msghdr& message, int flags) override;
  short poll(const socket::Socket& s) const override;
  int shutdown(socket::Socket& s, int how) override;
  void close(std::unique_ptr<socket::Socket> s) override;
  int setsockopt(socket::Socket& s, int level, int name, const void* value, socklen_t length) override;
  int getsockopt(socket::Socket& s, int level, int name, void* value, socklen_t* length) override;
  int listen(socket::Socket& s, int backlog) override;
  int accept(socket::Socket& listener, std::unique_ptr<socket::Socket>& child) override;

  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload,
                                   net::Instant now) override;
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload,
                                   net::Instant now) override;
  void icmp_error(const net::IcmpErrorReport& report, net::Instant now) override;
  void on_timer(net::Instant now) override;
  net::Instant next_deadline() const override;

 private:
  Tcp& tcp_;
};

class Tcp {
 public:
  explicit Tcp(socket::SocketContext& context);
  // The Tcp of a Sockets::checkpoint(): draws no keys from the entropy
  // source (copy_tables brings those of the Tcp copied).
  struct NoKeys {};
  Tcp(socket::SocketContext& context, NoKeys);
  Tcp(const Tcp&) = delete;
  Tcp& operator=(const Tcp&) = delete;
  ~Tcp();

  // TCP as the socket layer (Socket::proto) and the stack (register_protocol) call it.
  socket::Protocol& protocol() { return interfaces_; }
  net::TransportProtocol& transport() { return interfaces_; }

  // Sets up a new TCP socket's connection record.
  void init(socket::Socket& s);

  // What TcpInterfaces hands on: socket::Protocol's calls ...
  int bind(socket::Socket& s, const socket::Endpoint& local);
  int autobind(socket::Socket& s);
  int connect(socket::Socket& s, const socket::Endpoint& remote);
  int disconnect(socket::Socket& s);
  ssize_t sendmsg(socket::Socket& s, const msghdr& message, int flags, const socket::Endpoint* to,
                  std::size_t length);
  ssize_t recvmsg(socket::Socket& s, msghdr& message, int flags);
  short poll(const socket::Socket& s) const;
  int shutdown(socket::Socket& s, int how);
  void close(std::unique_ptr<socket::Socket> s);
  int setsockopt(socket::Socket& s, int level, int name, const void* value, socklen_t length);
  int getsockopt(socket::Socket& s, int level, int name, void* value, socklen_t* length);
  void fill_info(const socket::Socket& s, tcp_info& info) const;
  int listen(socket::Socket& s, int backlog);
  int accept(socket::Socket& listener, std::unique_ptr<socket::Socket>& child);

  // ... and net::TransportProtocol's.
  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload, net::Instant now);
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload, net::Instant now);
  void icmp_error(const net::IcmpErrorReport& report, net::Instant now);
  void on_timer(net::Instant now);
  net::Instant next_deadline() const;

  // Sockets::checkpoint and restore, in two steps. copy_orphans() puts copies
  // of the sockets only TCP holds (closing connections, children not yet
  // accepted) in place of this one's, and adds them to `copies`. Once every
  // socket has its copy, copy_tables() makes the connection and port tables,
  // the timer index, the keys and the challenge ACK budget those of `from`,
  // pointing at the copies. The buffer pool and scratch buffers stay.
  void copy_orphans(const Tcp& from, socket::SocketCopies& copies);
  void copy_tables(const Tcp& from, socket::SocketCopies& copies);

  // Every listener and connection (Sockets::tcp_table).
  std::vector<socket::TcpTableEntry> table() const;
  // SO_KEEPALIVE, before the socket layer records it (LINUX tcp_set_keepalive).
  void set_keepalive(socket::Socket& s, bool on);

  // For tests and benchmarks.
  std::size_t connection_count() const { return connections_.size(); }
  std::size_t orphan_count() const { return orphans_.size(); }
  // Bytes of ring buffers waiting in the pool for the next connection.
  std::size_t pooled_bytes() const { return buffers_.buffered_bytes(); }
  TcpState state(const socket::Socket& s) const { return s.tcp->state; }
  // Calls visit(const socket::Socket&) for every connection in the table
  // (every state but LISTEN and CLOSED), in no particular order.
  template <typename Visit>
  void for_each_connection(Visit&& visit) const {
    for (const auto& entry : connections_) visit(static_cast<const socket::Socket&>(*entry.second));
  }

 private:
  struct Key {
    wire::Ipv6Address local;
    wire::Ipv6Address remote;
    std::uint16_t local_port = 0;
    std::uint16_t remote_port = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::uint64_t k0;  // no default initialisers: the table needs the hash default-constructible here
    std::uint64_t k1;
    std::size_t operator()(const Key& k) const;
  };
  static Key key_of(const socket::Socket& s);

  // Tables
  bool port_in_use(const socket::Socket& s, const socket::Endpoint& local) const;
  void hash_bound(socket::Socket& s);
  void unhash_bound(socket::Socket& s);
  void hash_connection(socket::Socket& s);
  void unhash_connection(socket::Socket& s);
  socket::Socket* find_listener(const Segment& seg) const;
  void update_timer(socket::Socket& s);

  // Input (tcp_input.cpp)
  net::DeliveryResult input(Segment& seg);
  void listen_input(socket::Socket& listener, const Segment& seg);
  void syn_sent_input(socket::Socket& s, const Segment& seg);
  void established_input(socket::Socket& s, const Segment& seg);
  void time_wait_input(socket::Socket& s, const Segment& seg);
  bool check_sequence(socket::Socket& s, const Segment& seg);
  bool process_ack(socket::Socket& s, const Segment& seg);
  void process_data(socket::Socket& s, const Segment& seg);
  void process_fin(socket::Socket& s, const Segment& seg);
  void update_sack_scoreboard(TcpConnection& c, const Segment& seg);
  static void prune_sacked(TcpConnection& c);
  bool oow_rate_limited(TcpConnection& c);
  void send_dupack(socket::Socket& s, const Segment& seg);
  void send_challenge_ack(socket::Socket& s);
  void take_options(socket::Socket& s, const Segment& seg);
  void begin_transfer(socket::Socket& s);
  void send_cookie(socket::Socket& listener, const Segment& seg);
  bool cookie_ack(socket::Socket& listener, const Segment& seg);
  socket::Socket* make_child(socket::Socket& listener, const Segment& seg, bool send_synack);

  // Output (tcp_output.cpp)
  // Data, FIN and ACKs the windows allow; `sws_override`: the persist timer
  // fired with nothing in flight, so a segment smaller than SWS avoidance
  // wants goes anyway (RFC 1122 4.2.3.4).
  void output(socket::Socket& s);
  bool send_segment(socket::Socket& s, SeqNum seq, wire::TcpFlags flags, std::size_t data_offset,
                    std::size_t data_len, bool retransmission);
  void send_ack(socket::Socket& s);
  void send_syn(socket::Socket& s, bool with_ack);
  void send_probe(socket::Socket& s);       // zero-window / keepalive probe: SND.UNA - 1
  void send_reset_for(const Segment& seg);  // TCP-SM-2
  void send_reset(socket::Socket& s);       // active reset from a connection
  bool retransmit_lost(socket::Socket& s);
  void arm_rto(socket::Socket& s);
  std::int64_t current_rto_us(const TcpConnection& c) const;  // RTO with the backoff applied
  std::uint32_t send_mss(const TcpConnection& c) const;
  void send_data(socket::Socket& s, std::size_t offset, std::size_t len, wire::TcpFlags flags);
  net::Duration persist_interval(const TcpConnection& c) const;
  net::Duration keepalive_idle(const TcpConnection& c) const;
  void on_persist(socket::Socket& s);
  net::Duration retransmit_budget(int boundary) const;
  void on_rto(socket::Socket& s, net::Instant now);
  void rtt_sample(TcpConnection& c, std::int64_t rtt_us);
  std::uint32_t receive_window(const socket::Socket& s) const;
  std::uint32_t flight_size(const TcpConnection& c) const;
  std::uint32_t pipe(const TcpConnection& c) const;
  std::uint16_t compute_mss(const socket::Socket& s) const;
  std::uint16_t advertised_mss(const socket::Socket& s) const;
  SeqNum make_isn(const socket::Socket& s) const;
  std::uint32_t syn_cookie(const Segment& seg, std::uint32_t counter, std::uint8_t mss_index) const;

  // State changes
  void set_state(socket::Socket& s, TcpState state);
  void enter_time_wait(socket::Socket& s);
  void reset_connection(socket::Socket& s, int error);  // a received RST or a fatal error
  void done(socket::Socket& s);                         // CLOSED: out of every table
  void destroy_if_orphan(socket::Socket& s);
  // Frees the finished orphans, their ring buffers given to the pool first.
  void clear_graveyard();
  void release_receive_if_empty(TcpConnection& c);
  void clear_receive(TcpConnection& c);
  void clear_send(TcpConnection& c);
  void run_timers(socket::Socket& s, net::Instant now);
  net::Instant now() const { return context_.stack.now(); }

  socket::SocketContext& context_;
  KeyHash hash_{0, 0};
  std::unordered_map<Key, socket::Socket*, KeyHash> connections_;
  std::unordered_multimap<std::uint16_t, socket::Socket*> bound_;
  std::multimap<net::Instant, socket::Socket*> timers_;
  // Sockets no descriptor holds: closing connections, TIME-WAIT, children
  // not yet accepted are held by their listener instead. Unordered: each
  // knows its slot (TcpConnection::orphan_slot), and the last one fills the
  // slot of one that leaves, so that taking one in or out allocates nothing
  // once the vector has grown.
  std::vector<std::unique_ptr<socket::Socket>> orphans_;
  void adopt_orphan(std::unique_ptr<socket::Socket> owned);
  // Hands back the orphan `s` (which must be one).
  std::unique_ptr<socket::Socket> release_orphan(socket::Socket& s);
  // Finished orphans, freed when the call that finished them returns (the
  // code on the way out may still look at them).
  std::vector<std::unique_ptr<socket::Socket>> graveyard_;
  std::uint64_t isn_key0_ = 0;
  std::uint64_t isn_key1_ = 0;
  std::uint64_t cookie_key0_ = 0;
  std::uint64_t cookie_key1_ = 0;
  // Challenge ACKs across every connection (LINUX tcp_challenge_ack_limit).
  std::int64_t challenge_second_ = -1;
  std::uint32_t challenge_count_ = 0;
  std::vector<std::byte> segment_;  // one segment being built (reused)
  std::vector<std::byte> scratch_;  // its data, gathered from the send ring where it wraps
  BufferPool buffers_;              // for every connection's send and receive rings
  // The connection the last segment went to: the next one is most likely for
  // it too, and comparing its four-tuple costs less than hashing.
  socket::Socket* last_input_ = nullptr;
  // What send_reset_for sends a RST for no connection from (send_reset_for).
  std::unique_ptr<socket::Socket> reset_probe_;
  TcpInterfaces interfaces_{*this};
};

}  // namespace hardstack::transport
