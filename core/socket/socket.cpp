// The socket layer (LINUX net/socket.c, af_inet.c / af_inet6.c, sock.c,
// ip_sockglue.c, ipv6_sockglue.c): descriptor table, argument decoding with
// Linux's errno for each misuse, and the SOL_SOCKET / IPPROTO_IP / IPPROTO_IPV6
// options; each call then goes to the socket's Protocol.

#include "socket.hpp"

#include <netinet/tcp.h>
#include <netinet/udp.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>

#include "hardstack/transport/tcp.hpp"
#include "hardstack/transport/udp.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/udp.hpp"
#include "socket_internal.hpp"

namespace hardstack::socket {

namespace {

// LINUX SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF on x86-64.
constexpr int min_rcvbuf = 2304;
constexpr int min_sndbuf = 4608;
constexpr std::size_t max_iov = 1024;  // UIO_MAXIOV
constexpr int type_mask = 0xf;         // SOCK_TYPE_MASK
constexpr socklen_t sin6_len_rfc2133 = 24;

template <class T>
T load(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// LINUX do_ip_setsockopt: an int when 4 bytes or more were given, a byte when
// fewer, 0 when none.
int ip_option_value(const void* value, socklen_t length) {
  if (value == nullptr || length == 0) return 0;
  if (length >= sizeof(int)) return load<int>(value);
  return load<unsigned char>(value);
}

// getsockopt for an int: the first min(len, 4) bytes (LINUX sock_getsockopt).
int put_int(int v, void* value, socklen_t* length) {
  if (length == nullptr) return -EFAULT;
  if (static_cast<int>(*length) < 0) return -EINVAL;
  const socklen_t n = std::min<socklen_t>(*length, sizeof(int));
  if (n > 0 && value == nullptr) return -EFAULT;
  std::memcpy(value, &v, n);
  *length = n;
  return 0;
}

// LINUX do_ip_getsockopt: a byte when fewer than 4 were asked for and the value fits.
int put_ip_int(int v, void* value, socklen_t* length) {
  if (length == nullptr) return -EFAULT;
  if (static_cast<int>(*length) < 0) return -EINVAL;
  if (*length < sizeof(int) && *length > 0 && v >= 0 && v <= 255) {
    if (value == nullptr) return -EFAULT;
    const auto b = static_cast<unsigned char>(v);
    std::memcpy(value, &b, 1);
    *length = 1;
    return 0;
  }
  return put_int(v, value, length);
}

int write_sockaddr(const Endpoint& e, int domain, sockaddr* address, socklen_t* length) {
  if (address == nullptr || length == nullptr) return 0;
  sockaddr_storage ss{};
  socklen_t n = 0;
  if (domain == AF_INET) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(e.port);
    const auto v4 = unmap_v4(e.address);
    std::memcpy(&sin.sin_addr, v4.octets.data(), 4);
    std::memcpy(&ss, &sin, sizeof sin);
    n = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(e.port);
    std::memcpy(&sin6.sin6_addr, e.address.octets.data(), 16);
    sin6.sin6_scope_id = e.scope;
    std::memcpy(&ss, &sin6, sizeof sin6);
    n = sizeof sin6;
  }
  std::memcpy(address, &ss, std::min(n, *length));
  *length = n;
  return 0;
}

}  // namespace

Socket::Socket() = default;
Socket::~Socket() = default;
Socket::Socket(const Socket& other) = default;

void SocketCopies::add(const Socket& from, Socket& to) {
  copies_.emplace_back(&from, &to);
  sorted_ = false;
  if (from.tcp == nullptr || from.tcp->listen == nullptr) return;
  const auto& queue = from.tcp->listen->accept_queue;
  for (std::size_t i = 0; i < queue.size(); ++i) add(*queue[i], *to.tcp->listen->accept_queue[i]);
}

void SocketCopies::sort() {
  if (sorted_) return;
  std::sort(copies_.begin(), copies_.end(),
            [](const auto& a, const auto& b) { return std::less<const Socket*>()(a.first, b.first); });
  sorted_ = true;
}

Socket* SocketCopies::operator()(const Socket* from) {
  if (from == nullptr) return nullptr;
  sort();
  const auto it = std::lower_bound(
      copies_.begin(), copies_.end(), from,
      [](const auto& entry, const Socket* key) { return std::less<const Socket*>()(entry.first, key); });
  // Every socket a table or connection points at is one of those copied.
  if (it == copies_.end() || it->first != from) std::abort();
  return it->second;
}

std::optional<net::InterfaceId> interface_from_index(unsigned index) {
  if (index == 0 || index > std::numeric_limits<std::uint16_t>::max() + 1u) return std::nullopt;
  return static_cast<net::InterfaceId>(index - 1);
}

const char* to_string(TransportDropReason reason) {
  switch (reason) {
    case TransportDropReason::udp_bad_length: return "udp_bad_length";
    case TransportDropReason::udp_bad_checksum: return "udp_bad_checksum";
    case TransportDropReason::udp_no_socket: return "udp_no_socket";
    case TransportDropReason::udp_receive_buffer: return "udp_receive_buffer";
    case TransportDropReason::tcp_bad_header: return "tcp_bad_header";
    case TransportDropReason::tcp_bad_checksum: return "tcp_bad_checksum";
    case TransportDropReason::tcp_no_socket: return "tcp_no_socket";
    case TransportDropReason::tcp_listen_rst: return "tcp_listen_rst";
    case TransportDropReason::tcp_listen_ack: return "tcp_listen_ack";
    case TransportDropReason::tcp_listen_syn_fin: return "tcp_listen_syn_fin";
    case TransportDropReason::tcp_listen_overflow: return "tcp_listen_overflow";
    case TransportDropReason::tcp_bad_cookie: return "tcp_bad_cookie";
    case TransportDropReason::tcp_syn_sent_bad_ack: return "tcp_syn_sent_bad_ack";
    case TransportDropReason::tcp_syn_sent_no_syn: return "tcp_syn_sent_no_syn";
    case TransportDropReason::tcp_paws: return "tcp_paws";
    case TransportDropReason::tcp_out_of_window: return "tcp_out_of_window";
    case TransportDropReason::tcp_rst_out_of_window: return "tcp_rst_out_of_window";
    case TransportDropReason::tcp_rst_challenged: return "tcp_rst_challenged";
    case TransportDropReason::tcp_syn_challenged: return "tcp_syn_challenged";
    case TransportDropReason::tcp_ack_out_of_window: return "tcp_ack_out_of_window";
    case TransportDropReason::tcp_no_ack: return "tcp_no_ack";
    case TransportDropReason::tcp_receive_buffer: return "tcp_receive_buffer";
    case TransportDropReason::tcp_data_after_close: return "tcp_data_after_close";
    case TransportDropReason::tcp_time_wait: return "tcp_time_wait";
    case TransportDropReason::tcp_ofo_after_fin: return "tcp_ofo_after_fin";
    case TransportDropReason::count_: break;
  }
  return "?";
}

void SocketContext::notify(const Socket& s) const {
  // A socket no descriptor holds (an orphan, a child not yet accepted) has nobody to tell.
  if (on_ready && s.fd >= 0) on_ready(s.fd);
}

// Decodes a sockaddr from the caller (LINUX move_addr_to_kernel + the
// family's checks). Writes `out`; returns 0 or -errno.
int decode_sockaddr(const sockaddr* address, socklen_t length, Endpoint& out, int& family) {
  if (length > sizeof(sockaddr_storage)) return -EINVAL;
  if (length > 0 && address == nullptr) return -EFAULT;
  sockaddr_storage ss{};
  if (length > 0) std::memcpy(&ss, address, length);
  family = length >= sizeof(sa_family_t) ? ss.ss_family : AF_UNSPEC;
  out = Endpoint{};
  if (family == AF_INET || family == AF_UNSPEC) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof sin);
    wire::Ipv4Address a;
    std::memcpy(a.octets.data(), &sin.sin_addr, 4);
    out.address = map_v4(a);
    out.port = ntohs(sin.sin_port);
  } else if (family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &ss, sizeof sin6);
    std::memcpy(out.address.octets.data(), &sin6.sin6_addr, 16);
    out.port = ntohs(sin6.sin6_port);
    out.scope = length >= sizeof(sockaddr_in6) ? sin6.sin6_scope_id : 0;
  }
  return 0;
}

struct Sockets::Impl {
  SocketContext context;
  transport::Udp udp;
  transport::Tcp tcp;
  std::vector<std::unique_ptr<Socket>> table;
  std::size_t open = 0;
  // No descriptor below this one is free (LINUX files_struct next_fd): the
  // search for the lowest free one starts here, not at 0.
  std::size_t lowest_free = 0;
  SocketCopies copies_scratch;  // copy_from's, kept for its memory

  // The lowest free descriptor (growing the table when every one is taken).
  std::size_t take_descriptor() {
    std::size_t fd = lowest_free;
    while (fd < table.size() && table[fd]) ++fd;
    if (fd == table.size()) table.emplace_back();
    lowest_free = fd + 1;
    return fd;
  }

  Impl(net::Stack& stack, net::Entropy& entropy, const SocketConfig& config)
      : context{stack, entropy, config, {}, {}, {}, {}, {}}, udp(context), tcp(context) {}
  // A checkpoint's (Sockets::checkpoint): a copy of `from`.
  explicit Impl(const Impl& from)
      : context{from.context.stack, from.context.entropy, from.context.config, {}, {}, {}, {}, {}},
        udp(context),
        tcp(context, transport::Tcp::NoKeys{}) {
    copy_from(from);
  }
  Impl& operator=(const Impl&) = delete;

  // Makes this Impl's sockets, tables and counters copies of `from`'s.
  void copy_from(const Impl& from);

  Socket* get(int fd) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= table.size()) return nullptr;
    return table[static_cast<std::size_t>(fd)].get();
  }

  bool is_link_local(const wire::Ipv6Address& a) const {
    return a.octets[0] == 0xfe && (a.octets[1] & 0xc0) == 0x80;
  }

  // LINUX inet_addr_valid_or_nonlocal: local, broadcast, multicast or any.
  bool ipv4_bindable(const wire::Ipv4Address& a) const {
    return a.is_unspecified() || a.is_multicast() || context.stack.is_local(a) ||
           context.stack.is_broadcast(a);
  }

  int bind(Socket& s, const sockaddr* address, socklen_t length);
  int connect(Socket& s, const sockaddr* address, socklen_t length);
  ssize_t sendmsg(Socket& s, const msghdr& message, int flags);
  int setsockopt(Socket& s, int level, int name, const void* value, socklen_t length);
  int getsockopt(Socket& s, int level, int name, void* value, socklen_t* length);
  int set_socket_option(Socket& s, int name, const void* value, socklen_t length);
  int get_socket_option(Socket& s, int name, void* value, socklen_t* length);
  int set_ip_option(Socket& s, int name, const void* value, socklen_t length);
  int get_ip_option(Socket& s, int name, void* value, socklen_t* length);
  int set_ipv6_option(Socket& s, int name, const void* value, socklen_t length);
  int get_ipv6_option(Socket& s, int name, void* value, socklen_t* length);
};

Result<Sockets, net::ConfigError> Sockets::create(net::Stack& stack, net::Entropy& entropy,
                                                  const SocketConfig& config) {
  if (config.max_sockets == 0 || config.ephemeral_low == 0 || config.ephemeral_low > config.ephemeral_high ||
      config.rmem_default <= 0 || config.wmem_default <= 0 || config.rmem_max <= 0 || config.wmem_max <= 0)
    return Unexpected(net::ConfigError{net::ConfigErrorCode::bad_limits, 0});
  auto impl = std::make_unique<Impl>(stack, entropy, config);
  if (auto r = stack.register_protocol(wire::ip_protocol_udp, impl->udp); !r) return Unexpected(r.error());
  if (auto r = stack.register_protocol(wire::ip_protocol_tcp, impl->tcp.transport()); !r)
    return Unexpected(r.error());
  return Sockets(std::move(impl));
}

void Sockets::Impl::copy_from(const Impl& from) {
  context.config = from.context.config;
  context.udp = from.context.udp;
  context.tcp = from.context.tcp;
  context.drop_counts = from.context.drop_counts;
  context.last_drop = from.context.last_drop;
  // The copies first (the sockets held now go), then the pointers between them.
  SocketCopies& copies = copies_scratch;
  copies.clear();
  table.clear();
  table.resize(from.table.size());
  for (std::size_t fd = 0; fd < table.size(); ++fd) {
    if (from.table[fd] == nullptr) continue;
    table[fd] = std::make_unique<Socket>(*from.table[fd]);
    copies.add(*from.table[fd], *table[fd]);
  }
  tcp.copy_orphans(from.tcp, copies);
  copies.for_each([&](const Socket& original, Socket& copy) {
    if (copy.tcp != nullptr) {
      copy.proto = &tcp.protocol();
      copy.tcp->parent = copies(original.tcp->parent);
      copy.tcp->timer_entry = {};  // copy_tables sets those of the connections in the timer index
    } else {
      copy.proto = &udp;
    }
  });
  tcp.copy_tables(from.tcp, copies);
  udp.copy_tables(from.udp, copies);
  open = from.open;
  lowest_free = from.lowest_free;
}

Sockets Sockets::checkpoint() const { return Sockets(std::make_unique<Impl>(*impl_)); }

void Sockets::restore(const Sockets& checkpoint) {
  if (checkpoint.impl_ == impl_) return;
  impl_->copy_from(*checkpoint.impl_);
}

Sockets::Sockets(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sockets::Sockets(Sockets&&) noexcept = default;
Sockets& Sockets::operator=(Sockets&&) noexcept = default;
Sockets::~Sockets() = default;

int Sockets::socket(int domain, int type, int protocol) {
  // LINUX __sys_socket / __sock_create / inet_create, in that order.
  const int flags = type & ~type_mask;
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0) return -EINVAL;
  type &= type_mask;
  if (domain < 0 || domain >= AF_MAX) return -EAFNOSUPPORT;
  if (type < 0 || type >= 11) return -EINVAL;  // SOCK_MAX
  if (domain != AF_INET && domain != AF_INET6) return -EAFNOSUPPORT;
  if (protocol < 0 || protocol >= IPPROTO_MAX) return -EINVAL;
  // Protocols by type (LINUX inetsw): SOCK_STREAM has TCP, SOCK_DGRAM UDP;
  // raw and packet sockets are not offered.
  if (type != SOCK_DGRAM && type != SOCK_STREAM) return -ESOCKTNOSUPPORT;
  const bool stream = type == SOCK_STREAM;
  if (protocol != 0 && protocol != (stream ? IPPROTO_TCP : IPPROTO_UDP)) return -EPROTONOSUPPORT;
  auto& impl = *impl_;
  if (impl.open >= impl.context.config.max_sockets) return -EMFILE;
  const std::size_t fd = impl.take_descriptor();
  auto s = std::make_unique<Socket>();
  s->fd = static_cast<int>(fd);
  s->domain = domain;
  s->type = type;
  s->protocol = stream ? IPPROTO_TCP : IPPROTO_UDP;
  s->nonblock = (flags & SOCK_NONBLOCK) != 0;
  s->rcvbuf = impl.context.config.rmem_default;
  s->sndbuf = impl.context.config.wmem_default;
  if (stream) {
    s->proto = &impl.tcp.protocol();
    impl.tcp.init(*s);
  } else {
    s->proto = &impl.udp;
    s->udp = std::make_unique<UdpState>();
  }
  s->local.address = any_address(domain);
  s->remote.address = any_address(domain);
  impl.table[fd] = std::move(s);
  ++impl.open;
  return static_cast<int>(fd);
}

int Sockets::Impl::bind(Socket& s, const sockaddr* address, socklen_t length) {
  Endpoint e;
  int family = AF_UNSPEC;
  if (const int r = decode_sockaddr(address, length, e, family); r < 0) return r;
  if (s.domain == AF_INET) {
    // LINUX inet_bind / __inet_bind.
    if (length < sizeof(sockaddr_in)) return -EINVAL;
    if (family != AF_INET && !(family == AF_UNSPEC && unmap_v4(e.address).is_unspecified()))
      return -EAFNOSUPPORT;
    if (!ipv4_bindable(unmap_v4(e.address))) return -EADDRNOTAVAIL;
    if (s.bound) return -EINVAL;
    e.scope = 0;
    return s.proto->bind(s, e);
  }
  // LINUX inet6_bind / __inet6_bind.
  if (length < sin6_len_rfc2133) return -EINVAL;
  if (family != AF_INET6) return -EAFNOSUPPORT;
  if (s.bound) return -EINVAL;
  unsigned interface = s.bound_interface;
  if (is_v4_mapped(e.address)) {
    if (s.v6only) return -EINVAL;
    if (!ipv4_bindable(unmap_v4(e.address))) return -EADDRNOTAVAIL;
    e.scope = 0;
  } else if (!e.address.is_unspecified()) {
    if (is_link_local(e.address) || (e.address.is_multicast() && (e.address.octets[1] & 0x0f) <= 2)) {
      if (e.scope != 0) interface = e.scope;
      // Binding to a link-local address needs an interface.
      if (interface == 0) return -EINVAL;
    }
    if (interface != 0) {
      const auto id = interface_from_index(interface);
      if (!id || !context.stack.has_interface(*id)) return -ENODEV;
    }
    if (!e.address.is_multicast() && !context.stack.is_local(e.address)) return -EADDRNOTAVAIL;
    e.scope = is_link_local(e.address) ? interface : 0;
  } else {
    e.scope = 0;
  }
  const int r = s.proto->bind(s, e);
  if (r == 0) {
    s.bound_interface = interface;
    // LINUX: a socket bound to a specific IPv6 address is IPv6-only.
    if (!e.address.is_unspecified() && !is_v4_mapped(e.address)) s.v6only = true;
  }
  return r;
}

int Sockets::bind(int fd, const sockaddr* address, socklen_t length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  return impl_->bind(*s, address, length);
}

int Sockets::Impl::connect(Socket& s, const sockaddr* address, socklen_t length) {
  // LINUX inet_dgram_connect: AF_UNSPEC disconnects.
  if (length < sizeof(sa_family_t)) return -EINVAL;
  Endpoint e;
  int family = AF_UNSPEC;
  if (const int r = decode_sockaddr(address, length, e, family); r < 0) return r;
  if (family == AF_UNSPEC) return s.proto->disconnect(s);
  // LINUX inet_dgram_connect: the port is taken before the address is looked
  // at, so a connect that fails leaves the socket bound.
  if (!s.bound && s.proto->autobind(s) < 0) return -EAGAIN;
  if (s.domain == AF_INET || family == AF_INET) {
    // LINUX __ip4_datagram_connect (an IPv6 socket takes a sockaddr_in too).
    if (s.domain == AF_INET6 && s.v6only) return -EAFNOSUPPORT;
    if (length < sizeof(sockaddr_in)) return -EINVAL;
    if (family != AF_INET) return -EAFNOSUPPORT;
    e.scope = 0;
  } else {
    // LINUX __ip6_datagram_connect.
    if (length < sin6_len_rfc2133) return -EINVAL;
    if (family != AF_INET6) return -EAFNOSUPPORT;
    if (e.address.is_unspecified()) {
      // BSD: connecting to :: means loopback.
      e.address = is_v4_mapped(s.local.address) && s.bound
                      ? map_v4(wire::Ipv4Address{{127, 0, 0, 1}})
                      : wire::Ipv6Address{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    }
    if (is_v4_mapped(e.address)) {
      if (s.v6only) return -ENETUNREACH;
      e.scope = 0;
    } else if (is_link_local(e.address) || e.address.is_multicast()) {
      if (e.scope == 0) e.scope = s.bound_interface;
      if (e.scope == 0 && is_link_local(e.address)) return -EINVAL;
      if (e.scope != 0) {
        const auto id = interface_from_index(e.scope);
        if (!id || !context.stack.has_interface(*id)) return -ENODEV;
      }
    } else {
      e.scope = 0;
    }
  }
  // 0.0.0.0 means this host (BSD), as Linux's route lookup does.
  if (is_v4_mapped(e.address) && unmap_v4(e.address).is_unspecified()) e.address = map_v4({{127, 0, 0, 1}});
  return s.proto->connect(s, e);
}

int Sockets::connect(int fd, const sockaddr* address, socklen_t length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  return impl_->connect(*s, address, length);
}

int Sockets::listen(int fd, int backlog) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  // LINUX inet_listen: only stream sockets listen.
  if (s->type != SOCK_STREAM) return -EOPNOTSUPP;
  return s->proto->listen(*s, backlog);
}

int Sockets::accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
  // LINUX: a datagram socket's proto_ops has no accept.
  if (s->type != SOCK_STREAM) return -EOPNOTSUPP;
  if (address != nullptr && length == nullptr) return -EFAULT;
  if (length != nullptr && static_cast<int>(*length) < 0) return -EINVAL;
  auto& impl = *impl_;
  if (impl.open >= impl.context.config.max_sockets) return -EMFILE;
  std::unique_ptr<Socket> child;
  if (const int r = s->proto->accept(*s, child); r < 0) return r;
  const std::size_t slot = impl.take_descriptor();
  child->fd = static_cast<int>(slot);
  child->nonblock = (flags & SOCK_NONBLOCK) != 0;
  if (address != nullptr) write_sockaddr(child->remote, child->domain, address, length);
  impl.table[slot] = std::move(child);
  ++impl.open;
  return static_cast<int>(slot);
}

ssize_t Sockets::Impl::sendmsg(Socket& s, const msghdr& message, int flags) {
  // LINUX ___sys_sendmsg / import_iovec.
  if (message.msg_iovlen > max_iov) return -EMSGSIZE;
  if (message.msg_iovlen > 0 && message.msg_iov == nullptr) return -EFAULT;
  std::size_t total = 0;
  for (std::size_t i = 0; i < message.msg_iovlen; ++i) {
    const iovec& v = message.msg_iov[i];
    if (v.iov_len > static_cast<std::size_t>(std::numeric_limits<ssize_t>::max())) return -EINVAL;
    if (v.iov_len > 0 && v.iov_base == nullptr) return -EFAULT;
    if (v.iov_len > static_cast<std::size_t>(std::numeric_limits<ssize_t>::max()) - total) return -EINVAL;
    total += v.iov_len;
  }
  if (message.msg_controllen > static_cast<std::size_t>(INT_MAX)) return -ENOBUFS;
  // LINUX ____sys_sendmsg copies the whole control buffer in before the
  // protocol sees the call: any length from a null pointer faults.
  if (message.msg_controllen > 0 && message.msg_control == nullptr) return -EFAULT;

  const Endpoint* to = nullptr;
  Endpoint e;
  // LINUX: a corked datagram (UDP_CORK / MSG_MORE) takes the next bytes
  // whatever address comes with them, once the address's family is settled.
  const bool pending = s.udp != nullptr && s.udp->pending.active;
  if (message.msg_name != nullptr) {
    const socklen_t length = std::min<socklen_t>(message.msg_namelen, sizeof(sockaddr_storage));
    int family = AF_UNSPEC;
    if (const int r = decode_sockaddr(static_cast<const sockaddr*>(message.msg_name), length, e, family);
        r < 0)
      return r;
    if (s.domain == AF_INET) {
      // LINUX udp_sendmsg: the length, MSG_OOB and a pending datagram come
      // before the address; AF_UNSPEC is taken as AF_INET.
      if (total > 0xffff) return -EMSGSIZE;
      if ((flags & MSG_OOB) != 0) return -EOPNOTSUPP;
      if (pending) return s.proto->sendmsg(s, message, flags, nullptr, total);
      if (length < sizeof(sockaddr_in)) return -EINVAL;
      if (family != AF_INET && family != AF_UNSPEC) return -EAFNOSUPPORT;
      e.scope = 0;
      to = &e;
    } else {
      // LINUX udpv6_sendmsg.
      if (length < offsetof(sockaddr, sa_data)) return -EINVAL;
      if (family == AF_INET) {
        if (s.v6only) return -ENETUNREACH;
        if (length < sizeof(sockaddr_in) && !pending) return -EINVAL;
        e.scope = 0;
        to = &e;
      } else if (family == AF_INET6) {
        if (length < sin6_len_rfc2133) return -EINVAL;
        if (e.address.is_unspecified() && is_v4_mapped(s.local.address) && s.bound)
          e.address = map_v4({{127, 0, 0, 1}});
        if (is_v4_mapped(e.address) && s.v6only) return -ENETUNREACH;
        to = &e;
      } else if (family != AF_UNSPEC) {
        return -EINVAL;
      }
      // An IPv4 destination goes to udp_sendmsg: its length and MSG_OOB checks come first.
      if (to != nullptr && is_v4_mapped(e.address)) {
        if (total > 0xffff) return -EMSGSIZE;
        if ((flags & MSG_OOB) != 0) return -EOPNOTSUPP;
      }
    }
    if (to != nullptr) {
      if (to->port == 0 && !pending) return -EINVAL;
      // :: and 0.0.0.0 mean this host (BSD).
      if (e.address.is_unspecified()) e.address.octets[15] = 1;
      if (is_v4_mapped(e.address) && unmap_v4(e.address).is_unspecified())
        e.address = map_v4({{127, 0, 0, 1}});
      if (!is_v4_mapped(e.address) && !is_link_local(e.address) && !e.address.is_multicast()) e.scope = 0;
    }
  }
  return s.proto->sendmsg(s, message, flags, to, total);
}

ssize_t Sockets::send(int fd, const void* buffer, std::size_t length, int flags) {
  return sendto(fd, buffer, length, flags, nullptr, 0);
}

ssize_t Sockets::sendto(int fd, const void* buffer, std::size_t length, int flags, const sockaddr* to,
                        socklen_t to_length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  // LINUX __sys_sendto: an address is copied in first (EINVAL over sockaddr_storage).
  if (to != nullptr && to_length > sizeof(sockaddr_storage)) return -EINVAL;
  iovec v{const_cast<void*>(buffer), length};
  msghdr m{};
  m.msg_name = const_cast<sockaddr*>(to);
  m.msg_namelen = to != nullptr ? to_length : 0;
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  return impl_->sendmsg(*s, m, flags);
}

ssize_t Sockets::sendmsg(int fd, const msghdr* message, int flags) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  if (message == nullptr) return -EFAULT;
  // LINUX __copy_msghdr: a negative msg_namelen is refused; sendmsg_copy_msghdr:
  // a name of length 0 is no name (sendto's address of length 0 is kept, and refused later).
  if (static_cast<int>(message->msg_namelen) < 0) return -EINVAL;
  if (message->msg_name != nullptr && message->msg_namelen == 0) {
    msghdr unnamed = *message;
    unnamed.msg_name = nullptr;
    return impl_->sendmsg(*s, unnamed, flags);
  }
  return impl_->sendmsg(*s, *message, flags);
}

ssize_t Sockets::recv(int fd, void* buffer, std::size_t length, int flags) {
  return recvfrom(fd, buffer, length, flags, nullptr, nullptr);
}

ssize_t Sockets::recvfrom(int fd, void* buffer, std::size_t length, int flags, sockaddr* from,
                          socklen_t* from_length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  // LINUX __sys_recvfrom: the datagram is taken into a kernel sockaddr; the
  // caller's length is read only when the address is copied back, so a bad
  // one fails the call after the datagram is gone (move_addr_to_user).
  sockaddr_storage address{};
  iovec v{buffer, length};
  msghdr m{};
  m.msg_name = from != nullptr ? &address : nullptr;
  m.msg_namelen = from != nullptr ? sizeof address : 0;
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  const ssize_t r = s->proto->recvmsg(*s, m, flags);
  if (r < 0 || from == nullptr) return r;
  if (from_length == nullptr) return -EFAULT;
  if (static_cast<int>(*from_length) < 0) return -EINVAL;
  std::memcpy(from, &address, std::min(*from_length, m.msg_namelen));
  *from_length = m.msg_namelen;
  return r;
}

ssize_t Sockets::recvmsg(int fd, msghdr* message, int flags) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  if (message == nullptr) return -EFAULT;
  // LINUX __copy_msghdr: a negative msg_namelen is refused, a longer one than
  // sockaddr_storage is cut to it.
  if (static_cast<int>(message->msg_namelen) < 0) return -EINVAL;
  if (message->msg_namelen > sizeof(sockaddr_storage)) message->msg_namelen = sizeof(sockaddr_storage);
  if (message->msg_iovlen > max_iov) return -EMSGSIZE;
  if (message->msg_iovlen > 0 && message->msg_iov == nullptr) return -EFAULT;
  for (std::size_t i = 0; i < message->msg_iovlen; ++i)
    if (message->msg_iov[i].iov_len > 0 && message->msg_iov[i].iov_base == nullptr) return -EFAULT;
  if (message->msg_name == nullptr) message->msg_namelen = 0;
  message->msg_flags = 0;
  return s->proto->recvmsg(*s, *message, flags);
}

// ---------------------------------------------------------------------------
// Options

int Sockets::Impl::set_socket_option(Socket& s, int name, const void* value, socklen_t length) {
  // LINUX sock_setsockopt: every option here takes at least an int.
  if (length < sizeof(int)) return -EINVAL;
  if (value == nullptr) return -EFAULT;
  const int v = load<int>(value);
  const auto& cfg = context.config;
  switch (name) {
    case SO_REUSEADDR: s.reuseaddr = v != 0; return 0;
    case SO_REUSEPORT: s.reuseport = v != 0; return 0;
    case SO_BROADCAST: s.broadcast = v != 0; return 0;
    case SO_KEEPALIVE:
      if (s.tcp) tcp.set_keepalive(s, v != 0);
      s.keepalive = v != 0;
      return 0;
    case SO_SNDBUF: {
      // LINUX: capped at wmem_max, doubled for bookkeeping, at least SOCK_MIN_SNDBUF.
      const auto capped = std::min<unsigned>(static_cast<unsigned>(v), static_cast<unsigned>(cfg.wmem_max));
      s.sndbuf = std::max(static_cast<int>(std::min<unsigned>(capped, INT_MAX / 2)) * 2, min_sndbuf);
      context.notify(s);
      return 0;
    }
    case SO_RCVBUF: {
      const auto capped = std::min<unsigned>(static_cast<unsigned>(v), static_cast<unsigned>(cfg.rmem_max));
      s.rcvbuf = std::max(static_cast<int>(std::min<unsigned>(capped, INT_MAX / 2)) * 2, min_rcvbuf);
      return 0;
    }
    case SO_LINGER: {
      if (length < sizeof(linger)) return -EINVAL;
      const auto l = load<linger>(value);
      s.lingering.l_onoff = l.l_onoff != 0 ? 1 : 0;
      s.lingering.l_linger = l.l_onoff != 0 ? std::max(l.l_linger, 0) : s.lingering.l_linger;
      return 0;
    }
    default: return -ENOPROTOOPT;
  }
}

int Sockets::Impl::get_socket_option(Socket& s, int name, void* value, socklen_t* length) {
  switch (name) {
    case SO_TYPE: return put_int(s.type, value, length);
    case SO_DOMAIN: return put_int(s.domain, value, length);
    case SO_PROTOCOL: return put_int(s.protocol, value, length);
    case SO_ACCEPTCONN:
      return put_int(s.tcp && s.tcp->state == transport::TcpState::listen ? 1 : 0, value, length);
    case SO_ERROR: {
      const int e = s.error;
      s.error = 0;
      return put_int(e, value, length);
    }
    case SO_REUSEADDR: return put_int(s.reuseaddr ? 1 : 0, value, length);
    case SO_REUSEPORT: return put_int(s.reuseport ? 1 : 0, value, length);
    case SO_BROADCAST: return put_int(s.broadcast ? 1 : 0, value, length);
    case SO_KEEPALIVE: return put_int(s.keepalive ? 1 : 0, value, length);
    case SO_SNDBUF: return put_int(s.sndbuf, value, length);
    case SO_RCVBUF: return put_int(s.rcvbuf, value, length);
    case SO_LINGER: {
      if (length == nullptr) return -EFAULT;
      if (static_cast<int>(*length) < 0) return -EINVAL;
      const socklen_t n = std::min<socklen_t>(*length, sizeof(linger));
      if (n > 0 && value == nullptr) return -EFAULT;
      std::memcpy(value, &s.lingering, n);
      *length = n;
      return 0;
    }
    default: return -ENOPROTOOPT;
  }
}

int Sockets::Impl::set_ip_option(Socket& s, int name, const void* value, socklen_t length) {
  if (length > 0 && value == nullptr) return -EFAULT;
  switch (name) {
    case IP_OPTIONS: {
      // LINUX ip_options_get: at most 40 bytes, validated as received options (V4-OPT-*).
      if (length > 40) return -EINVAL;
      const auto area = wire::Bytes(static_cast<const std::byte*>(value), length);
      if (!wire::Ipv4Options::parse(area, 20, wire::Ipv4OptionsOrigin::privileged_socket)) return -EINVAL;
      // LINUX ip_options_get: kept padded with EOL to a 4-byte multiple (getsockopt shows it).
      s.ip_options.assign(area.begin(), area.end());
      s.ip_options.resize(s.ip_options.size() + (4 - s.ip_options.size() % 4) % 4, std::byte{0});
      return 0;
    }
    default: break;
  }
  const int v = ip_option_value(value, length);
  switch (name) {
    case IP_PKTINFO: s.recv.pktinfo = v != 0; return 0;
    case IP_RECVTTL: s.recv.ttl = v != 0; return 0;
    case IP_RECVTOS: s.recv.tos = v != 0; return 0;
    case IP_RECVOPTS: s.recv.recvopts = v != 0; return 0;
    case IP_RETOPTS: s.recv.retopts = v != 0; return 0;
    case IP_RECVERR: s.recverr = v != 0; return 0;
    case IP_TOS: s.tos = static_cast<std::uint8_t>(v & 0xff); return 0;
    case IP_TTL:
      if (length < 1) return -EINVAL;
      if (v != -1 && (v < 1 || v > 255)) return -EINVAL;
      s.ttl = v;
      return 0;
    case IP_MTU_DISCOVER:
      if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT) return -EINVAL;
      s.pmtudisc = v;
      return 0;
    default: return -ENOPROTOOPT;
  }
}

int Sockets::Impl::get_ip_option(Socket& s, int name, void* value, socklen_t* length) {
  switch (name) {
    case IP_OPTIONS: {
      if (length == nullptr) return -EFAULT;
      if (static_cast<int>(*length) < 0) return -EINVAL;
      const socklen_t n = std::min<socklen_t>(*length, static_cast<socklen_t>(s.ip_options.size()));
      if (n > 0 && value == nullptr) return -EFAULT;
      if (n > 0) std::memcpy(value, s.ip_options.data(), n);
      *length = n;
      return 0;
    }
    case IP_PKTINFO: return put_ip_int(s.recv.pktinfo ? 1 : 0, value, length);
    case IP_RECVTTL: return put_ip_int(s.recv.ttl ? 1 : 0, value, length);
    case IP_RECVTOS: return put_ip_int(s.recv.tos ? 1 : 0, value, length);
    case IP_RECVOPTS: return put_ip_int(s.recv.recvopts ? 1 : 0, value, length);
    case IP_RETOPTS: return put_ip_int(s.recv.retopts ? 1 : 0, value, length);
    case IP_RECVERR: return put_ip_int(s.recverr ? 1 : 0, value, length);
    case IP_TOS: return put_ip_int(s.tos, value, length);
    case IP_TTL: return put_ip_int(s.ttl == -1 ? context.stack.config().default_ttl : s.ttl, value, length);
    case IP_MTU_DISCOVER: return put_ip_int(s.pmtudisc, value, length);
    case IP_MTU: {
      if (!s.connected) return -ENOTCONN;
      const auto mtu = is_v4_mapped(s.remote.address) ? context.stack.path_mtu(unmap_v4(s.remote.address))
                                                      : context.stack.path_mtu(s.remote.address);
      if (!mtu) return -ENOTCONN;
      // LINUX ipv4_mtu: a route's MTU is at most IP_MAX_MTU (loopback's 65536 reads 65535).
      const std::size_t capped = is_v4_mapped(s.remote.address) ? std::min<std::size_t>(*mtu, 0xffff) : *mtu;
      return put_ip_int(static_cast<int>(capped), value, length);
    }
    default: return -ENOPROTOOPT;
  }
}

int Sockets::Impl::set_ipv6_option(Socket& s, int name, const void* value, socklen_t length) {
  // LINUX do_ipv6_setsockopt: every option here takes an int.
  if (length < sizeof(int)) {
    switch (name) {
      case IPV6_V6ONLY:
      case IPV6_RECVPKTINFO:
      case IPV6_RECVHOPLIMIT:
      case IPV6_RECVTCLASS:
      case IPV6_UNICAST_HOPS:
      case IPV6_TCLASS:
      case IPV6_MTU_DISCOVER:
      case IPV6_DONTFRAG:
      case IPV6_RECVERR: return -EINVAL;
      default: return -ENOPROTOOPT;
    }
  }
  if (value == nullptr) return -EFAULT;
  const int v = load<int>(value);
  switch (name) {
    case IPV6_V6ONLY:
      if (s.bound) return -EINVAL;
      s.v6only = v != 0;
      return 0;
    case IPV6_RECVPKTINFO: s.recv.v6_pktinfo = v != 0; return 0;
    case IPV6_RECVHOPLIMIT: s.recv.v6_hoplimit = v != 0; return 0;
    case IPV6_RECVTCLASS: s.recv.v6_tclass = v != 0; return 0;
    case IPV6_RECVERR: s.recverr6 = v != 0; return 0;
    case IPV6_UNICAST_HOPS:
      if (v < -1 || v > 255) return -EINVAL;
      s.unicast_hops = v;
      return 0;
    case IPV6_TCLASS:
      if (v < -1 || v > 255) return -EINVAL;
      s.tclass = v == -1 ? 0 : v;  // RFC 3542 6.5: -1 means the default, 0
      return 0;
    case IPV6_MTU_DISCOVER:
      if (v < IPV6_PMTUDISC_DONT || v > IPV6_PMTUDISC_OMIT) return -EINVAL;
      s.pmtudisc6 = v;
      return 0;
    case IPV6_DONTFRAG: s.dontfrag = v != 0 ? 1 : 0; return 0;
    default: return -ENOPROTOOPT;
  }
}

int Sockets::Impl::get_ipv6_option(Socket& s, int name, void* value, socklen_t* length) {
  switch (name) {
    case IPV6_V6ONLY: return put_int(s.v6only ? 1 : 0, value, length);
    case IPV6_RECVPKTINFO: return put_int(s.recv.v6_pktinfo ? 1 : 0, value, length);
    case IPV6_RECVHOPLIMIT: return put_int(s.recv.v6_hoplimit ? 1 : 0, value, length);
    case IPV6_RECVTCLASS: return put_int(s.recv.v6_tclass ? 1 : 0, value, length);
    case IPV6_RECVERR: return put_int(s.recverr6 ? 1 : 0, value, length);
    case IPV6_UNICAST_HOPS:
      return put_int(s.unicast_hops == -1 ? context.stack.config().default_hop_limit : s.unicast_hops, value,
                     length);
    case IPV6_TCLASS: return put_int(s.tclass, value, length);
    case IPV6_MTU_DISCOVER: return put_int(s.pmtudisc6, value, length);
    case IPV6_DONTFRAG: return put_int(s.dontfrag, value, length);
    case IPV6_MTU: {
      if (!s.connected) return -ENOTCONN;
      const auto mtu = is_v4_mapped(s.remote.address) ? context.stack.path_mtu(unmap_v4(s.remote.address))
                                                      : context.stack.path_mtu(s.remote.address);
      if (!mtu) return -ENOTCONN;
      const std::size_t capped = is_v4_mapped(s.remote.address) ? std::min<std::size_t>(*mtu, 0xffff) : *mtu;
      return put_int(static_cast<int>(capped), value, length);
    }
    default: return -ENOPROTOOPT;
  }
}

int Sockets::Impl::setsockopt(Socket& s, int level, int name, const void* value, socklen_t length) {
  if (static_cast<int>(length) < 0) return -EINVAL;
  if (level == SOL_SOCKET) return set_socket_option(s, name, value, length);
  if (level == SOL_IP) return set_ip_option(s, name, value, length);
  // LINUX: an IPv4 socket does not know IPPROTO_IPV6.
  if (level == SOL_IPV6) return s.domain == AF_INET6 ? set_ipv6_option(s, name, value, length) : -ENOPROTOOPT;
  return s.proto->setsockopt(s, level, name, value, length);
}

int Sockets::Impl::getsockopt(Socket& s, int level, int name, void* value, socklen_t* length) {
  if (length == nullptr) return -EFAULT;
  if (static_cast<int>(*length) < 0) return -EINVAL;
  if (level == SOL_SOCKET) return get_socket_option(s, name, value, length);
  if (level == SOL_IP) return get_ip_option(s, name, value, length);
  if (level == SOL_IPV6 && s.domain == AF_INET6) return get_ipv6_option(s, name, value, length);
  // The protocol's own level: SOL_UDP for UDP, SOL_TCP for TCP.
  if (level == (s.type == SOCK_STREAM ? SOL_TCP : SOL_UDP))
    return s.proto->getsockopt(s, level, name, value, length);
  // LINUX: an IPv4 socket passes other levels to do_ip_getsockopt
  // (EOPNOTSUPP), an IPv6 one to ipv6_getsockopt (ENOPROTOOPT).
  return s.domain == AF_INET ? -EOPNOTSUPP : -ENOPROTOOPT;
}

int Sockets::setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  return impl_->setsockopt(*s, level, name, value, length);
}

int Sockets::getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  return impl_->getsockopt(*s, level, name, value, length);
}

int Sockets::getsockname(int fd, sockaddr* address, socklen_t* length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  if (length == nullptr || address == nullptr) return -EFAULT;
  if (static_cast<int>(*length) < 0) return -EINVAL;
  return write_sockaddr(s->local, s->domain, address, length);
}

int Sockets::getpeername(int fd, sockaddr* address, socklen_t* length) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  if (!s->connected) return -ENOTCONN;
  if (length == nullptr || address == nullptr) return -EFAULT;
  if (static_cast<int>(*length) < 0) return -EINVAL;
  return write_sockaddr(s->remote, s->domain, address, length);
}

int Sockets::shutdown(int fd, int how) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  // LINUX inet_shutdown: SHUT_RD 0 .. SHUT_RDWR 2 become masks 1..3.
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  return s->proto->shutdown(*s, how + 1);
}

int Sockets::close(int fd) {
  Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  Protocol* proto = s->proto;
  s->fd = -1;  // what the protocol keeps (a closing TCP connection) has no descriptor now
  --impl_->open;
  impl_->lowest_free = std::min(impl_->lowest_free, static_cast<std::size_t>(fd));
  proto->close(std::move(impl_->table[static_cast<std::size_t>(fd)]));
  return 0;
}

int Sockets::poll(pollfd* fds, nfds_t count) {
  if (count > 0 && fds == nullptr) return -EFAULT;
  int ready = 0;
  for (nfds_t i = 0; i < count; ++i) {
    pollfd& p = fds[i];
    p.revents = 0;
    if (p.fd < 0) continue;
    const Socket* s = impl_->get(p.fd);
    if (s == nullptr) {
      p.revents = POLLNVAL;
    } else {
      const short mask = s->proto->poll(*s);
      // POLLERR and POLLHUP are reported whether asked for or not.
      p.revents = static_cast<short>(mask & (p.events | POLLERR | POLLHUP));
    }
    if (p.revents != 0) ++ready;
  }
  return ready;
}

void Sockets::set_readiness_callback(ReadinessCallback callback) {
  impl_->context.on_ready = std::move(callback);
}

const UdpStats& Sockets::udp_stats() const { return impl_->context.udp; }

const TcpStats& Sockets::tcp_stats() const { return impl_->context.tcp; }

std::uint64_t Sockets::drops(TransportDropReason reason) const {
  const auto i = static_cast<std::size_t>(reason);
  return i < impl_->context.drop_counts.size() ? impl_->context.drop_counts[i] : 0;
}

std::optional<TransportDropReason> Sockets::last_drop() const { return impl_->context.last_drop; }

std::size_t Sockets::open_sockets() const { return impl_->open; }

std::vector<TcpTableEntry> Sockets::tcp_table() const { return impl_->tcp.table(); }

long Sockets::receive_queue_bytes(int fd) const {
  const Socket* s = impl_->get(fd);
  if (s == nullptr) return -EBADF;
  // TCP: in-order bytes not read yet and the out-of-order queue (LINUX sk_rmem_alloc).
  if (s->tcp) return static_cast<long>(s->tcp->receive.size() + s->tcp->out_of_order_bytes);
  return static_cast<long>(s->rmem);
}

const Socket* Sockets::socket_record(int fd) const { return impl_->get(fd); }

const transport::Tcp& Sockets::tcp() const { return impl_->tcp; }

}  // namespace hardstack::socket
