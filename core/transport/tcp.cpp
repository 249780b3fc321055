// TCP: the connection tables, the socket calls with Linux's errno and state
// rules (LINUX net/ipv4/tcp.c, inet_connection_sock.c, af_inet.c), timers and
// state changes. Segment processing is in tcp_input.cpp, output in tcp_output.cpp.

#include <netinet/tcp.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

#include "hardstack/net/siphash.hpp"
#include "tcp_internal.hpp"

namespace hardstack::transport {

using socket::Endpoint;
using socket::Socket;

const char* to_string(TcpState state) {
  switch (state) {
    case TcpState::closed: return "CLOSED";
    case TcpState::listen: return "LISTEN";
    case TcpState::syn_sent: return "SYN-SENT";
    case TcpState::syn_received: return "SYN-RECEIVED";
    case TcpState::established: return "ESTABLISHED";
    case TcpState::fin_wait_1: return "FIN-WAIT-1";
    case TcpState::fin_wait_2: return "FIN-WAIT-2";
    case TcpState::close_wait: return "CLOSE-WAIT";
    case TcpState::closing: return "CLOSING";
    case TcpState::last_ack: return "LAST-ACK";
    case TcpState::time_wait: return "TIME-WAIT";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// BufferPool and ByteRing

std::unique_ptr<std::byte[]> BufferPool::take(std::size_t capacity, std::size_t& got) {
  // The smallest buffer that is big enough.
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it)
    if (it->capacity >= capacity && (best == free_.end() || it->capacity < best->capacity)) best = it;
  if (best == free_.end()) {
    got = capacity;
    return std::make_unique_for_overwrite<std::byte[]>(capacity);
  }
  got = best->capacity;
  auto buffer = std::move(best->buffer);
  *best = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void BufferPool::give(std::unique_ptr<std::byte[]> buffer, std::size_t capacity) {
  if (buffer == nullptr) return;
  if (free_.size() < max_buffers) {
    free_.push_back(Entry{std::move(buffer), capacity});
    return;
  }
  // Full: keep the bigger buffers (the ones worth keeping warm).
  auto smallest = std::min_element(free_.begin(), free_.end(),
                                   [](const Entry& a, const Entry& b) { return a.capacity < b.capacity; });
  if (smallest->capacity < capacity) *smallest = Entry{std::move(buffer), capacity};
}

std::size_t BufferPool::buffered_bytes() const {
  std::size_t n = 0;
  for (const auto& e : free_) n += e.capacity;
  return n;
}

ByteRing::ByteRing(const ByteRing& other)
    : buffer_(other.capacity_ == 0 ? nullptr : std::make_unique_for_overwrite<std::byte[]>(other.capacity_)),
      capacity_(other.capacity_),
      head_(other.head_),
      size_(other.size_),
      released_capacity_(other.released_capacity_) {
  if (capacity_ != 0) std::memcpy(buffer_.get(), other.buffer_.get(), capacity_);
}

void ByteRing::grow(std::size_t needed, std::size_t keep, BufferPool& pool) {
  std::size_t capacity = capacity_ != 0 ? capacity_ : std::max<std::size_t>(4096, released_capacity_);
  while (capacity < needed) capacity *= 2;
  std::size_t got = 0;
  auto bigger = pool.take(capacity, got);
  keep = std::min(keep, capacity_);
  if (keep > 0) {
    // The bytes kept may lie past size(): copy them as the ring holds them.
    const std::size_t first = std::min(keep, capacity_ - head_);
    std::memcpy(bigger.get(), buffer_.get() + head_, first);
    if (keep > first) std::memcpy(bigger.get() + first, buffer_.get(), keep - first);
  }
  pool.give(std::move(buffer_), capacity_);
  buffer_ = std::move(bigger);
  capacity_ = got;
  head_ = 0;
}

void ByteRing::write_at(std::size_t offset, const std::byte* data, std::size_t n, std::size_t keep,
                        BufferPool& pool) {
  if (n == 0) return;
  if (offset + n > capacity_) grow(offset + n, std::max(keep, size_), pool);
  const std::size_t mask = capacity_ - 1;
  const std::size_t at = (head_ + offset) & mask;
  const std::size_t first = std::min(n, capacity_ - at);
  std::memcpy(buffer_.get() + at, data, first);
  if (n > first) std::memcpy(buffer_.get(), data + first, n - first);
}

void ByteRing::append(const std::byte* data, std::size_t n, BufferPool& pool) {
  write_at(size_, data, n, size_, pool);
  size_ += n;
}

void ByteRing::copy_out(std::size_t offset, std::byte* out, std::size_t n) const {
  if (n == 0) return;
  const std::size_t mask = capacity_ - 1;
  const std::size_t start = (head_ + offset) & mask;
  const std::size_t first = std::min(n, capacity_ - start);
  std::memcpy(out, buffer_.get() + start, first);
  if (n > first) std::memcpy(out + first, buffer_.get(), n - first);
}

std::span<const std::byte> ByteRing::contiguous(std::size_t offset, std::size_t n) const {
  if (n == 0) return {};
  const std::size_t start = (head_ + offset) & (capacity_ - 1);
  if (n > capacity_ - start) return {};
  return {buffer_.get() + start, n};
}

void ByteRing::consume(std::size_t n) {
  n = std::min(n, size_);
  if (n == 0) return;
  // The head moves even to an empty ring: bytes written past size() stay where they are.
  head_ = (head_ + n) & (capacity_ - 1);
  size_ -= n;
}

void ByteRing::release(BufferPool& pool) {
  if (capacity_ != 0) released_capacity_ = capacity_;
  pool.give(std::move(buffer_), capacity_);
  capacity_ = 0;
  head_ = 0;
  size_ = 0;
}

// ---------------------------------------------------------------------------
// Tables

std::size_t Tcp::KeyHash::operator()(const Key& k) const {
  std::array<std::byte, 36> bytes{};
  std::memcpy(bytes.data(), k.local.octets.data(), 16);
  std::memcpy(bytes.data() + 16, k.remote.octets.data(), 16);
  bytes[32] = static_cast<std::byte>(k.local_port >> 8);
  bytes[33] = static_cast<std::byte>(k.local_port & 0xff);
  bytes[34] = static_cast<std::byte>(k.remote_port >> 8);
  bytes[35] = static_cast<std::byte>(k.remote_port & 0xff);
  return static_cast<std::size_t>(
      net::siphash24(net::SipHashKey{k0, k1}, std::span<const std::byte, 36>(bytes)));
}

Tcp::Tcp(socket::SocketContext& context) : context_(context) {
  // Keys for the connection table (no hash flooding), ISNs (RFC 6528) and SYN cookies.
  hash_.k0 = context_.entropy.next_u64();
  hash_.k1 = context_.entropy.next_u64();
  connections_ = std::unordered_map<Key, Socket*, KeyHash>(16, hash_);
  isn_key0_ = context_.entropy.next_u64();
  isn_key1_ = context_.entropy.next_u64();
  cookie_key0_ = context_.entropy.next_u64();
  cookie_key1_ = context_.entropy.next_u64();
}

Tcp::Tcp(socket::SocketContext& context, NoKeys) : context_(context) {}

Tcp::~Tcp() = default;

void Tcp::copy_orphans(const Tcp& from, socket::SocketCopies& copies) {
  orphans_.clear();
  for (const auto& owned : from.orphans_) {
    auto copy = std::make_unique<Socket>(*owned);  // the same slot, in the same place
    copies.add(*owned, *copy);
    orphans_.push_back(std::move(copy));
  }
}

void Tcp::adopt_orphan(std::unique_ptr<Socket> owned) {
  owned->tcp->orphan_slot = static_cast<std::uint32_t>(orphans_.size());
  orphans_.push_back(std::move(owned));
}

std::unique_ptr<Socket> Tcp::release_orphan(Socket& s) {
  const std::uint32_t slot = s.tcp->orphan_slot;
  std::unique_ptr<Socket> owned = std::move(orphans_[slot]);
  if (slot + 1 != orphans_.size()) {
    orphans_[slot] = std::move(orphans_.back());
    orphans_[slot]->tcp->orphan_slot = slot;
  }
  orphans_.pop_back();
  s.tcp->orphan_slot = TcpConnection::not_orphan;
  return owned;
}

void Tcp::copy_tables(const Tcp& from, socket::SocketCopies& copies) {
  hash_ = from.hash_;
  connections_ = from.connections_;
  for (auto& entry : connections_) entry.second = copies(entry.second);
  bound_ = from.bound_;
  for (auto& entry : bound_) entry.second = copies(entry.second);
  // The copied index in the same order (equal deadlines keep theirs), each
  // connection's entry pointing into it.
  timers_ = from.timers_;
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    it->second = copies(it->second);
    it->second->tcp->timer_entry = it;
  }
  isn_key0_ = from.isn_key0_;
  isn_key1_ = from.isn_key1_;
  cookie_key0_ = from.cookie_key0_;
  cookie_key1_ = from.cookie_key1_;
  challenge_second_ = from.challenge_second_;
  challenge_count_ = from.challenge_count_;
  last_input_ = copies(from.last_input_);
}

// ---- TcpInterfaces: the virtual calls, handed on ------------------------------------------------

int TcpInterfaces::bind(Socket& s, const Endpoint& local) { return tcp_.bind(s, local); }
int TcpInterfaces::autobind(Socket& s) { return tcp_.autobind(s); }
int TcpInterfaces::connect(Socket& s, const Endpoint& remote) { return tcp_.connect(s, remote); }
int TcpInterfaces::disconnect(Socket& s) { return tcp_.disconnect(s); }
ssize_t TcpInterfaces::sendmsg(Socket& s, const msghdr& message, int flags, const Endpoint* to,
                               std::size_t length) {
  return tcp_.sendmsg(s, message, flags, to, length);
}
ssize_t TcpInterfaces::recvmsg(Socket& s, msghdr& message, int flags) {
  return tcp_.recvmsg(s, message, flags);
}
short TcpInterfaces::poll(const Socket& s) const { return tcp_.poll(s); }
int TcpInterfaces::shutdown(Socket& s, int how) { return tcp_.shutdown(s, how); }
void TcpInterfaces::close(std::unique_ptr<Socket> s) { tcp_.close(std::move(s)); }
int TcpInterfaces::setsockopt(Socket& s, int level, int name, const void* value, socklen_t length) {
  return tcp_.setsockopt(s, level, name, value, length);
}
int TcpInterfaces::getsockopt(Socket& s, int level, int name, void* value, socklen_t* length) {
  return tcp_.getsockopt(s, level, name, value, length);
}
int TcpInterfaces::listen(Socket& s, int backlog) { return tcp_.listen(s, backlog); }
int TcpInterfaces::accept(Socket& listener, std::unique_ptr<Socket>& child) {
  return tcp_.accept(listener, child);
}
net::DeliveryResult TcpInterfaces::deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload,
                                                net::Instant now) {
  return tcp_.deliver_ipv4(meta, payload, now);
}
net::DeliveryResult TcpInterfaces::deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload,
                                                net::Instant now) {
  return tcp_.deliver_ipv6(meta, payload, now);
}
void TcpInterfaces::icmp_error(const net::IcmpErrorReport& report, net::Instant now) {
  tcp_.icmp_error(report, now);
}
void TcpInterfaces::on_timer(net::Instant now) { tcp_.on_timer(now); }
net::Instant TcpInterfaces::next_deadline() const { return tcp_.next_deadline(); }

Tcp::Key Tcp::key_of(const Socket& s) {
  return Key{s.local.address, s.remote.address, s.local.port, s.remote.port};
}

void Tcp::init(Socket& s) {
  s.tcp = std::make_unique<TcpConnection>();
  s.rcvbuf = context_.config.tcp_rmem_default;
  s.sndbuf = context_.config.tcp_wmem_default;
}

namespace {

bool v4_family(const wire::Ipv6Address& a) { return socket::is_v4_mapped(a); }

}  // namespace

// LINUX inet_csk_bind_conflict: SO_REUSEADDR on both lets a port be shared
// unless the other socket listens; SO_REUSEPORT on both always does.
bool Tcp::port_in_use(const Socket& s, const Endpoint& local) const {
  const auto [begin, end] = bound_.equal_range(local.port);
  for (auto it = begin; it != end; ++it) {
    const Socket& other = *it->second;
    if (&other == &s) continue;
    if (s.reuseaddr && other.reuseaddr && other.tcp->state != TcpState::listen) continue;
    if (s.reuseport && other.reuseport) continue;
    if (s.bound_interface != 0 && other.bound_interface != 0 && s.bound_interface != other.bound_interface)
      continue;
    if (addresses_overlap(s, local, other)) return true;
  }
  return false;
}

void Tcp::hash_bound(Socket& s) { bound_.emplace(s.local.port, &s); }

void Tcp::unhash_bound(Socket& s) {
  if (!s.bound) return;
  const auto [begin, end] = bound_.equal_range(s.local.port);
  for (auto it = begin; it != end; ++it) {
    if (it->second == &s) {
      bound_.erase(it);
      break;
    }
  }
  s.bound = false;
}

void Tcp::hash_connection(Socket& s) {
  last_input_ = nullptr;
  connections_[key_of(s)] = &s;
  s.tcp->hashed = true;
}

void Tcp::unhash_connection(Socket& s) {
  if (!s.tcp->hashed) return;
  const auto it = connections_.find(key_of(s));
  if (it != connections_.end() && it->second == &s) connections_.erase(it);
  s.tcp->hashed = false;
  if (last_input_ == &s) last_input_ = nullptr;
}

void Tcp::update_timer(Socket& s) {
  TcpConnection& c = *s.tcp;
  const net::Instant d = std::min({c.rto_at, c.delack_at, c.persist_at, c.keepalive_at, c.state_timer_at});
  // Without a timer the node goes too (on_timer may have taken it out), so
  // an idle connection keeps none.
  if (d == c.indexed_deadline) {
    if (d == net::Instant::never()) c.timer_node.node = {};
    return;
  }
  if (c.indexed_deadline != net::Instant::never()) c.timer_node.node = timers_.extract(c.timer_entry);
  c.indexed_deadline = d;
  if (d == net::Instant::never()) {
    c.timer_node.node = {};
    return;
  }
  if (c.timer_node.node.empty()) {
    c.timer_entry = timers_.emplace(d, &s);
    return;
  }
  c.timer_node.node.key() = d;
  c.timer_entry = timers_.insert(std::move(c.timer_node.node));
}

std::vector<socket::TcpTableEntry> Tcp::table() const {
  std::vector<socket::TcpTableEntry> out;
  auto add = [&](const Socket& s) {
    out.push_back({s.local.address, s.local.port, s.remote.address, s.remote.port,
                   linux_state_number(s.tcp->state), s.fd});
  };
  for (const auto& [port, s] : bound_)
    if (s->tcp->state == TcpState::listen) add(*s);
  for (const auto& [key, s] : connections_) add(*s);
  return out;
}

net::Instant Tcp::next_deadline() const {
  return timers_.empty() ? net::Instant::never() : timers_.begin()->first;
}

void Tcp::on_timer(net::Instant now) {
  // One due connection at a time: running its timers may destroy it (an
  // orphan that finished) and always moves its deadline past `now`.
  while (!timers_.empty() && timers_.begin()->first <= now) {
    Socket* s = timers_.begin()->second;
    s->tcp->timer_node.node = timers_.extract(timers_.begin());
    s->tcp->indexed_deadline = net::Instant::never();
    run_timers(*s, now);
  }
  clear_graveyard();
}

// ---------------------------------------------------------------------------
// Binding and connecting

int Tcp::bind(Socket& s, const Endpoint& local) {
  if (s.tcp->state != TcpState::closed) return -EINVAL;
  Endpoint e = local;
  if (e.port == 0) {
    const auto& cfg = context_.config;
    const std::uint32_t count = static_cast<std::uint32_t>(cfg.ephemeral_high - cfg.ephemeral_low) + 1;
    const std::uint32_t start = context_.entropy.uniform(count);
    bool found = false;
    for (std::uint32_t i = 0; i < count && !found; ++i) {
      e.port = static_cast<std::uint16_t>(cfg.ephemeral_low + (start + i) % count);
      found = !port_in_use(s, e);
    }
    if (!found) return -EADDRINUSE;
  } else if (port_in_use(s, e)) {
    return -EADDRINUSE;
  }
  s.local = e;
  s.bound = true;
  s.port_locked = local.port != 0;
  s.address_locked = !socket::is_any(e.address);
  hash_bound(s);
  return 0;
}

int Tcp::autobind(Socket& s) {
  if (s.bound) return 0;
  Endpoint any;
  any.address = socket::any_address(s.domain);
  if (bind(s, any) < 0) return -EAGAIN;
  s.port_locked = false;
  return 0;
}

int Tcp::connect(Socket& s, const Endpoint& remote) {
  TcpConnection& c = *s.tcp;
  // LINUX inet_stream_connect: what the socket is already doing decides first.
  if (c.state == TcpState::syn_sent || c.state == TcpState::syn_received) return -EALREADY;
  if (c.state == TcpState::closed && c.sock_state == SockState::connecting) {
    // The attempt ended (RST, timeout, ICMP): report it once.
    c.sock_state = SockState::unconnected;
    const int e = s.error != 0 ? s.error : ECONNABORTED;
    s.error = 0;
    return -e;
  }
  if (c.state != TcpState::closed) {
    if (c.sock_state == SockState::connecting) {
      // A non-blocking connect that completed: this call says so (LINUX).
      c.sock_state = SockState::connected;
      return 0;
    }
    return -EISCONN;
  }
  // LINUX tcp_v4_connect / tcp_v6_connect.
  std::optional<net::InterfaceId> interface;
  const unsigned index = remote.scope != 0 ? remote.scope : s.bound_interface;
  if (index != 0) interface = socket::interface_from_index(index);
  wire::Ipv6Address source;
  c.ipv4 = v4_family(remote.address);
  if (c.ipv4) {
    const auto dst = socket::unmap_v4(remote.address);
    if (dst.is_multicast() || context_.stack.is_broadcast(dst)) return -ENETUNREACH;
    const auto src = context_.stack.select_source(dst, interface);
    if (!src) return -src.error();
    source = socket::map_v4(*src);
  } else {
    if (remote.address.is_multicast()) return -ENETUNREACH;
    const auto src = context_.stack.select_source(remote.address, interface);
    if (!src) return -src.error();
    source = *src;
  }
  if (!s.bound && autobind(s) < 0) return -EADDRNOTAVAIL;
  if (socket::is_any(s.local.address)) s.local.address = source;
  if (remote.scope != 0) s.bound_interface = remote.scope;
  s.remote = remote;
  if (connections_.count(key_of(s)) != 0) return -EADDRNOTAVAIL;
  s.connected = true;
  c.iss = make_isn(s);
  c.snd_una = c.iss;
  c.snd_nxt = c.iss;
  c.snd_max = c.iss;
  c.snd_sml = c.iss;
  c.rto_us = context_.config.tcp_rto_initial.count_ns() / 1000;
  c.mss = compute_mss(s);
  hash_connection(s);
  set_state(s, TcpState::syn_sent);
  ++context_.tcp.active_opens;
  c.sock_state = SockState::connecting;
  send_syn(s, false);
  update_timer(s);  // the SYN's retransmission timer
  return -EINPROGRESS;
}

int Tcp::disconnect(Socket& s) {
  // LINUX tcp_disconnect: an abortive close that keeps the socket for reuse.
  TcpConnection& c = *s.tcp;
  const TcpState old = c.state;
  s.error = 0;
  if (old == TcpState::listen) {
    set_state(s, TcpState::closed);
  } else if (old == TcpState::established || old == TcpState::close_wait || old == TcpState::fin_wait_1 ||
             old == TcpState::fin_wait_2 || old == TcpState::syn_received) {
    send_reset(s);
    s.error = ECONNRESET;  // LINUX: the abort is reported, as is one in SYN-SENT
  } else if (old == TcpState::syn_sent) {
    s.error = ECONNRESET;
  }
  if (old != TcpState::closed) done(s);
  c.sock_state = SockState::unconnected;
  s.shutdown = 0;
  clear_receive(c);
  clear_send(c);
  c.fin_queued = c.fin_sent = c.fin_received = false;
  s.connected = false;
  s.remote = Endpoint{};
  s.remote.address = socket::any_address(s.domain);
  if (!s.address_locked) s.local.address = socket::any_address(s.domain);
  if (!s.port_locked) {
    unhash_bound(s);
    s.local.port = 0;
  }
  return 0;
}

int Tcp::listen(Socket& s, int backlog) {
  TcpConnection& c = *s.tcp;
  // LINUX inet_listen.
  if (c.state != TcpState::closed && c.state != TcpState::listen) return -EINVAL;
  if (c.sock_state != SockState::unconnected) return -EINVAL;
  if (c.listen == nullptr) c.listen = std::make_unique<ListenQueue>();
  const auto cap = static_cast<unsigned>(context_.config.somaxconn);
  c.listen->backlog =
      static_cast<int>(static_cast<unsigned>(backlog) > cap ? cap : static_cast<unsigned>(backlog));
  if (c.state == TcpState::listen) return 0;
  if (!s.bound) {
    Endpoint any;
    any.address = socket::any_address(s.domain);
    if (bind(s, any) < 0) return -EADDRINUSE;
    s.port_locked = false;
  } else {
    // The port must not be shared with another listener now (LINUX inet_csk_get_port).
    if (port_in_use(s, s.local)) return -EADDRINUSE;
  }
  set_state(s, TcpState::listen);
  return 0;
}

int Tcp::accept(Socket& listener, std::unique_ptr<Socket>& child) {
  TcpConnection& c = *listener.tcp;
  if (c.state != TcpState::listen) return -EINVAL;
  if (c.listen->accept_queue.empty()) return -EAGAIN;
  child = std::move(c.listen->accept_queue.front());
  c.listen->accept_queue.pop_front();
  child->tcp->parent = nullptr;
  child->tcp->sock_state = SockState::connected;
  return 0;
}

// ---------------------------------------------------------------------------
// Data

ssize_t Tcp::sendmsg(Socket& s, const msghdr& message, int flags, const Endpoint*, std::size_t length) {
  TcpConnection& c = *s.tcp;
  if ((flags & MSG_OOB) != 0) return -EOPNOTSUPP;  // urgent data is not offered
  // LINUX tcp_sendmsg_locked / sk_stream_wait_connect.
  if (c.state != TcpState::established && c.state != TcpState::close_wait) {
    if (s.error != 0) {
      const int e = s.error;
      s.error = 0;
      return -e;
    }
    if (c.state == TcpState::syn_sent || c.state == TcpState::syn_received) return -EAGAIN;
    return -EPIPE;
  }
  if (s.error != 0 || (s.shutdown & socket::send_shutdown) != 0) {
    if (s.error != 0) {
      const int e = s.error;
      s.error = 0;
      return -e;
    }
    return -EPIPE;
  }
  if (length == 0) return 0;
  const std::size_t limit = static_cast<std::size_t>(s.sndbuf);
  const std::size_t room = c.send.size() < limit ? limit - c.send.size() : 0;
  if (room == 0) return -EAGAIN;
  std::size_t n = std::min(room, length);
  std::size_t done_bytes = 0;
  for (std::size_t i = 0; i < message.msg_iovlen && done_bytes < n; ++i) {
    const iovec& v = message.msg_iov[i];
    const std::size_t take = std::min(v.iov_len, n - done_bytes);
    c.send.append(static_cast<const std::byte*>(v.iov_base), take, buffers_);
    done_bytes += take;
  }
  output(s);
  update_timer(s);
  return static_cast<ssize_t>(done_bytes);
}

ssize_t Tcp::recvmsg(Socket& s, msghdr& message, int flags) {
  TcpConnection& c = *s.tcp;
  if ((flags & MSG_ERRQUEUE) != 0) return -EAGAIN;
  if (c.state == TcpState::listen) return -ENOTCONN;
  if ((flags & MSG_OOB) != 0) return -EINVAL;  // no urgent data is ever held
  std::size_t room = 0;
  for (std::size_t i = 0; i < message.msg_iovlen; ++i) room += message.msg_iov[i].iov_len;
  if (!c.receive.empty()) {
    const std::size_t n = std::min(room, c.receive.size());
    if ((flags & MSG_TRUNC) == 0) {
      std::size_t done_bytes = 0;
      for (std::size_t i = 0; i < message.msg_iovlen && done_bytes < n; ++i) {
        const std::size_t take = std::min(message.msg_iov[i].iov_len, n - done_bytes);
        c.receive.copy_out(done_bytes, static_cast<std::byte*>(message.msg_iov[i].iov_base), take);
        done_bytes += take;
      }
    }
    if ((flags & MSG_PEEK) == 0) {
      const std::uint32_t before = receive_window(s);
      c.receive.consume(n);
      release_receive_if_empty(c);
      // LINUX tcp_cleanup_rbuf: tell the peer when reading opened the window a lot.
      const std::uint32_t after = receive_window(s);
      const std::uint32_t advertised = advertised_window(c);
      if (synchronized(c.state) && c.state != TcpState::time_wait && after > before &&
          after >= std::uint64_t{2} * std::max<std::uint32_t>(advertised, c.mss)) {
        send_ack(s);
        update_timer(s);
      }
    }
    message.msg_controllen = 0;
    return static_cast<ssize_t>(n);
  }
  message.msg_controllen = 0;
  // LINUX tcp_recvmsg with nothing queued, in its order: after the peer's
  // FIN (SOCK_DONE) the end of the stream, even once a RST followed it.
  if (c.fin_received) return 0;
  if (s.error != 0) {
    const int e = s.error;
    s.error = 0;
    return -e;
  }
  if ((s.shutdown & socket::rcv_shutdown) != 0 || c.fin_received) return 0;
  if (c.state == TcpState::closed) return c.sock_state == SockState::unconnected ? -ENOTCONN : 0;
  return -EAGAIN;
}

short Tcp::poll(const Socket& s) const {
  const TcpConnection& c = *s.tcp;
  // LINUX tcp_poll.
  if (c.state == TcpState::listen) return c.listen->accept_queue.empty() ? 0 : POLLIN | POLLRDNORM;
  short mask = 0;
  if (s.shutdown == (socket::rcv_shutdown | socket::send_shutdown) || c.state == TcpState::closed)
    mask |= POLLHUP;
  if ((s.shutdown & socket::rcv_shutdown) != 0 || c.fin_received) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  if (c.state != TcpState::syn_sent && c.state != TcpState::syn_received) {
    if (!c.receive.empty()) mask |= POLLIN | POLLRDNORM;
    if ((s.shutdown & socket::send_shutdown) == 0) {
      // sk_stream_is_writeable: free space at least a third of the buffer's use.
      const std::size_t used = c.send.size();
      const std::size_t limit = static_cast<std::size_t>(s.sndbuf);
      if (limit > used && limit - used >= used / 2) mask |= POLLOUT | POLLWRNORM;
    } else {
      mask |= POLLOUT | POLLWRNORM;
    }
  }
  if (s.error != 0) mask |= POLLERR;
  return mask;
}

int Tcp::shutdown(Socket& s, int how) {
  TcpConnection& c = *s.tcp;
  // LINUX inet_shutdown + tcp_shutdown.
  switch (c.state) {
    // A descriptor's connection in TIME-WAIT is CLOSE to Linux's socket calls
    // (the TIME-WAIT lives in a mini socket of its own).
    case TcpState::time_wait:
    case TcpState::closed: s.shutdown |= how; return -ENOTCONN;
    case TcpState::listen:
      if ((how & socket::rcv_shutdown) == 0) return 0;
      disconnect(s);
      return 0;
    case TcpState::syn_sent: disconnect(s); return 0;
    default: break;
  }
  s.shutdown |= how;
  if ((how & socket::send_shutdown) != 0 &&
      (c.state == TcpState::established || c.state == TcpState::syn_received ||
       c.state == TcpState::close_wait)) {
    // tcp_close_state: ESTABLISHED / SYN-RECEIVED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK.
    set_state(s, c.state == TcpState::close_wait ? TcpState::last_ack : TcpState::fin_wait_1);
    c.fin_queued = true;
    output(s);
  }
  context_.notify(s);
  update_timer(s);
  return 0;
}

void Tcp::close(std::unique_ptr<Socket> owned) {
  Socket& s = *owned;
  TcpConnection& c = *s.tcp;
  auto& st = context_.tcp;
  s.shutdown = socket::rcv_shutdown | socket::send_shutdown;
  c.user_closed = true;
  if (c.state == TcpState::listen) {
    // TCP-CLOSE-4 (LINUX inet_csk_listen_stop): every connection not yet
    // accepted is reset; half-open ones are dropped.
    set_state(s, TcpState::closed);
    while (!c.listen->accept_queue.empty()) {
      std::unique_ptr<Socket> child = std::move(c.listen->accept_queue.front());
      c.listen->accept_queue.pop_front();
      child->tcp->parent = nullptr;
      child->tcp->user_closed = true;
      send_reset(*child);
      done(*child);
      Socket* raw = child.get();
      adopt_orphan(std::move(child));
      destroy_if_orphan(*raw);
    }
    std::vector<Socket*> embryos;
    for (auto& [key, conn] : connections_)
      if (conn->tcp->parent == &s) embryos.push_back(conn);
    for (Socket* e : embryos) {
      // Nobody will accept them: orphans, freed once CLOSED.
      e->tcp->parent = nullptr;
      e->tcp->user_closed = true;
      done(*e);
      destroy_if_orphan(*e);
    }
    unhash_bound(s);
    clear_graveyard();  // the children reset above go now, not at the next call
    return;             // `owned` goes
  }
  adopt_orphan(std::move(owned));
  if (!c.receive.empty()) {
    // TCP-CLOSE-1 (RFC 2525 2.17, LINUX tcp_close): unread data -> RST, CLOSED.
    ++st.abort_on_close;
    set_state(s, TcpState::closed);
    send_reset(s);
    done(s);
  } else if (s.lingering.l_onoff != 0 && s.lingering.l_linger == 0) {
    // TCP-CLOSE-3: SO_LINGER 0 -> abortive close, the send queue discarded.
    ++st.abort_on_linger;
    const TcpState old = c.state;
    if (old == TcpState::established || old == TcpState::close_wait || old == TcpState::fin_wait_1 ||
        old == TcpState::fin_wait_2 || old == TcpState::syn_received)
      send_reset(s);
    clear_send(c);
    done(s);
  } else {
    // TCP-CLOSE-4: LINUX tcp_close_state's new_state table.
    switch (c.state) {
      case TcpState::established:
      case TcpState::syn_received:
        set_state(s, TcpState::fin_wait_1);
        c.fin_queued = true;
        break;
      case TcpState::close_wait:
        set_state(s, TcpState::last_ack);
        c.fin_queued = true;
        break;
      case TcpState::syn_sent:
      case TcpState::closed: done(s); break;
      default: break;  // already closing: nothing more to send
    }
    if (c.state == TcpState::fin_wait_2) {
      if (c.linger2 < 0) {
        // TCP-CLOSE-6: TCP_LINGER2 < 0 -> RST at once.
        ++st.abort_on_linger;
        send_reset(s);
        done(s);
      } else {
        const auto timeout =
            c.linger2 > 0 ? net::Duration::seconds(c.linger2) : context_.config.tcp_fin_timeout;
        c.state_timer_at = now() + timeout;
      }
    }
    if (c.state != TcpState::closed) output(s);
  }
  if (c.state != TcpState::closed) update_timer(s);
  destroy_if_orphan(s);
  clear_graveyard();
}

// ---------------------------------------------------------------------------
// Options

int Tcp::setsockopt(Socket& s, int level, int name, const void* value, socklen_t length) {
  TcpConnection& c = *s.tcp;
  if (level != IPPROTO_TCP) return -ENOPROTOOPT;
  // LINUX do_tcp_setsockopt: every option here takes an int.
  if (length < sizeof(int)) return -EINVAL;
  if (value == nullptr) return -EFAULT;
  int v = 0;
  std::memcpy(&v, value, sizeof v);
  switch (name) {
    case TCP_NODELAY:
      c.nodelay = v != 0;
      if (c.nodelay && synchronized(c.state)) {
        output(s);
        update_timer(s);
      }
      return 0;
    case TCP_MAXSEG:
      if (v != 0 && (v < min_mss || v > 32767)) return -EINVAL;  // LINUX MAX_TCP_WINDOW
      c.user_mss = static_cast<std::uint16_t>(v);
      return 0;
    case TCP_KEEPIDLE:
      if (v < 1 || v > keepalive_max_idle_s) return -EINVAL;
      c.keepalive_idle_s = v;
      if (s.keepalive && c.state != TcpState::closed && c.state != TcpState::listen) {
        // LINUX tcp_sock_set_keepidle_locked: the new idle time counts from
        // the last segment received.
        c.keepalive_at = std::max(c.last_received + net::Duration::seconds(v), now());
        update_timer(s);
      }
      return 0;
    case TCP_KEEPINTVL:
      if (v < 1 || v > keepalive_max_idle_s) return -EINVAL;
      c.keepalive_intvl_s = v;
      return 0;
    case TCP_KEEPCNT:
      if (v < 1 || v > keepalive_max_count) return -EINVAL;
      c.keepalive_count = v;
      return 0;
    case TCP_LINGER2: c.linger2 = v < 0 ? -1 : std::min(v, fin_timeout_max_s); return 0;
    default: return -ENOPROTOOPT;
  }
}

// Linux's state numbers (TCP_ESTABLISHED 1 .. TCP_CLOSING 11), as TCP_INFO
// and `ss` report them.
int linux_state_number(TcpState state) {
  switch (state) {
    case TcpState::closed: return TCP_CLOSE;
    case TcpState::listen: return TCP_LISTEN;
    case TcpState::syn_sent: return TCP_SYN_SENT;
    case TcpState::syn_received: return TCP_SYN_RECV;
    case TcpState::established: return TCP_ESTABLISHED;
    case TcpState::fin_wait_1: return TCP_FIN_WAIT1;
    case TcpState::fin_wait_2: return TCP_FIN_WAIT2;
    case TcpState::close_wait: return TCP_CLOSE_WAIT;
    case TcpState::closing: return TCP_CLOSING;
    case TcpState::last_ack: return TCP_LAST_ACK;
    case TcpState::time_wait: return TCP_TIME_WAIT;
  }
  return TCP_CLOSE;
}

// LINUX tcp_get_info: what the connection's variables say, in Linux's units
// (times in microseconds, windows in segments); fields it does not track stay 0.
void Tcp::fill_info(const Socket& s, tcp_info& info) const {
  const TcpConnection& c = *s.tcp;
  info = tcp_info{};
  // A socket a descriptor holds reads CLOSE once its connection is in
  // TIME-WAIT: Linux hands TIME-WAIT to a separate mini socket (tcp_time_wait
  // then tcp_done), and only `ss` still shows it.
  info.tcpi_state = static_cast<std::uint8_t>(
      c.state == TcpState::time_wait && !c.user_closed ? TCP_CLOSE : linux_state_number(c.state));
  info.tcpi_ca_state =
      c.in_recovery ? TCP_CA_Recovery : (c.backoff > 0 && c.retransmits > 0 ? TCP_CA_Loss : TCP_CA_Open);
  info.tcpi_retransmits = static_cast<std::uint8_t>(std::min(c.retransmits, 255));
  info.tcpi_probes =
      static_cast<std::uint8_t>(std::min(std::max(c.persist_probes, c.keepalive_probes_sent), 255));
  info.tcpi_backoff = static_cast<std::uint8_t>(std::min(std::max(c.backoff, c.persist_backoff), 255));
  if (c.ts_ok) info.tcpi_options |= TCPI_OPT_TIMESTAMPS;
  if (c.sack_ok) info.tcpi_options |= TCPI_OPT_SACK;
  if (c.wscale_ok) {
    info.tcpi_options |= TCPI_OPT_WSCALE;
    info.tcpi_snd_wscale = c.snd_wscale & 0xf;
    info.tcpi_rcv_wscale = c.rcv_wscale & 0xf;
  }
  info.tcpi_rto = static_cast<std::uint32_t>(current_rto_us(c));  // LINUX icsk_rto doubles with each timeout
  info.tcpi_ato = static_cast<std::uint32_t>(context_.config.tcp_delayed_ack.count_ns() / 1000);
  info.tcpi_snd_mss = c.mss;
  info.tcpi_rcv_mss = c.mss;
  const std::uint32_t mss = std::max<std::uint32_t>(c.mss, 1);
  info.tcpi_unacked = (flight_size(c) + mss - 1) / mss;
  std::uint32_t sacked = 0;
  for (const auto& b : c.sacked) sacked += distance(SeqNum(b.left), SeqNum(b.right));
  info.tcpi_sacked = (sacked + mss - 1) / mss;
  info.tcpi_rtt = static_cast<std::uint32_t>(c.srtt_us);
  info.tcpi_rttvar = static_cast<std::uint32_t>(c.rttvar_us);
  // In segments, as Linux counts them; TCP_INFINITE_SSTHRESH until a loss.
  info.tcpi_snd_ssthresh = c.ssthresh >= 0x7fffffff ? 0x7fffffff : c.ssthresh / mss;
  info.tcpi_snd_cwnd = c.cwnd / mss;
  info.tcpi_advmss = synchronized(c.state) ? advertised_mss(s) : 0;
  info.tcpi_reordering = 3;  // LINUX tcp_reordering
  info.tcpi_rcv_space = receive_window(s);
  info.tcpi_total_retrans = c.total_retrans;
}

int Tcp::getsockopt(Socket& s, int level, int name, void* value, socklen_t* length) {
  if (level != IPPROTO_TCP) return -ENOPROTOOPT;
  const TcpConnection& c = *s.tcp;
  if (name == TCP_INFO) {
    // LINUX do_tcp_getsockopt: as much of the struct as the caller has room for.
    tcp_info info;
    fill_info(s, info);
    const socklen_t n = std::min<socklen_t>(*length, sizeof info);
    if (n > 0 && value == nullptr) return -EFAULT;
    if (n > 0) std::memcpy(value, &info, n);
    *length = n;
    return 0;
  }
  int v = 0;
  switch (name) {
    case TCP_NODELAY: v = c.nodelay ? 1 : 0; break;
    case TCP_MAXSEG:
      // LINUX: the current MSS once connected, else what was asked (or 536).
      v = synchronized(c.state) ? c.mss : (c.user_mss != 0 ? c.user_mss : default_mss_v4);
      break;
    case TCP_KEEPIDLE:
      v = c.keepalive_idle_s != 0 ? c.keepalive_idle_s
                                  : static_cast<int>(context_.config.tcp_keepalive_time.count_ms() / 1000);
      break;
    case TCP_KEEPINTVL:
      v = c.keepalive_intvl_s != 0 ? c.keepalive_intvl_s
                                   : static_cast<int>(context_.config.tcp_keepalive_intvl.count_ms() / 1000);
      break;
    case TCP_KEEPCNT:
      v = c.keepalive_count != 0 ? c.keepalive_count : context_.config.tcp_keepalive_probes;
      break;
    case TCP_LINGER2:
      v = c.linger2 < 0
              ? -1
              : (c.linger2 > 0 ? c.linger2
                               : static_cast<int>(context_.config.tcp_fin_timeout.count_ms() / 1000));
      break;
    default: return -ENOPROTOOPT;
  }
  if (static_cast<int>(*length) < 0) return -EINVAL;
  const socklen_t n = std::min<socklen_t>(*length, sizeof(int));
  if (n > 0 && value == nullptr) return -EFAULT;
  std::memcpy(value, &v, n);
  *length = n;
  return 0;
}

// ---------------------------------------------------------------------------
// State

void Tcp::set_state(Socket& s, TcpState state) {
  TcpConnection& c = *s.tcp;
  const TcpState old = c.state;
  c.state = state;
  if (old == state) return;
  if (state == TcpState::established) c.syn_acked = true;
  // LINUX tcp_set_state: EstabResets counts every way from ESTABLISHED or
  // CLOSE-WAIT straight to CLOSED (a RST either way, an abort).
  if (state == TcpState::closed && (old == TcpState::established || old == TcpState::close_wait))
    ++context_.tcp.estab_resets;
  if (state == TcpState::established && c.keepalive_at == net::Instant::never() && s.keepalive) {
    c.keepalive_at = now() + keepalive_idle(c);
  }
  if (state == TcpState::closed || state == TcpState::time_wait) {
    c.rto_at = c.delack_at = c.persist_at = c.keepalive_at = net::Instant::never();
  }
  context_.notify(s);
}

void Tcp::enter_time_wait(Socket& s) {
  TcpConnection& c = *s.tcp;
  set_state(s, TcpState::time_wait);
  c.state_timer_at = now() + context_.config.tcp_time_wait;
  clear_send(c);
  update_timer(s);
}

// A received RST or a fatal error ends the connection with `error` for the user.
void Tcp::reset_connection(Socket& s, int error) {
  TcpConnection& c = *s.tcp;
  // LINUX tcp_reset: SYN-SENT -> ECONNREFUSED, CLOSE-WAIT -> EPIPE, else ECONNRESET.
  if (error != 0 && !c.user_closed) s.error = error;
  clear_send(c);
  done(s);
  destroy_if_orphan(s);
}

void Tcp::done(Socket& s) {
  TcpConnection& c = *s.tcp;
  set_state(s, TcpState::closed);
  s.shutdown = socket::rcv_shutdown | socket::send_shutdown;
  c.state_timer_at = net::Instant::never();
  unhash_connection(s);
  if (c.parent != nullptr) {
    TcpConnection& p = *c.parent->tcp;
    if (p.listen->embryonic > 0) --p.listen->embryonic;
  }
  update_timer(s);
  context_.notify(s);
}

void Tcp::release_receive_if_empty(TcpConnection& c) {
  if (!c.receive.empty() || !c.out_of_order.empty()) return;
  // An idle connection holds no memory.
  c.receive.release(buffers_);
  c.out_of_order = std::vector<SeqRange>();
  if (c.sack_report.empty()) c.sack_report = std::vector<wire::TcpSackBlock>();
}

void Tcp::clear_receive(TcpConnection& c) {
  c.receive.clear();
  c.out_of_order.clear();
  c.out_of_order_bytes = 0;
  release_receive_if_empty(c);
}

void Tcp::clear_send(TcpConnection& c) {
  c.send.clear();
  c.send.release(buffers_);
}

void Tcp::destroy_if_orphan(Socket& s) {
  // Closed by its user, or a child its listener never queued for accept()
  // (reset, timed out, refused by ICMP): nobody can reach it any more.
  if (s.tcp->state != TcpState::closed || (!s.tcp->user_closed && s.tcp->parent == nullptr)) return;
  if (s.tcp->orphan_slot == TcpConnection::not_orphan) return;
  unhash_connection(s);
  unhash_bound(s);
  if (s.tcp->indexed_deadline != net::Instant::never()) {
    timers_.erase(s.tcp->timer_entry);
    s.tcp->indexed_deadline = net::Instant::never();
  }
  graveyard_.push_back(release_orphan(s));
}

void Tcp::clear_graveyard() {
  // The rings' buffers serve the next connection, as an idle one's do: a
  // connection that ends holding data (reset, aborted, timed out) frees none.
  for (const auto& s : graveyard_) {
    clear_send(*s->tcp);
    clear_receive(*s->tcp);
  }
  graveyard_.clear();
}

}  // namespace hardstack::transport
