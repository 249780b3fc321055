#pragma once

// The network layer of one host: interfaces and their addresses, a routing table,
// ARP and ND neighbour caches, loopback, IPv4 and IPv6 input and output with
// options, extension headers, fragmentation and reassembly, ICMP and ICMPv6, and
// the hooks transports (UDP, TCP) plug into.
//
// Threading: a Stack is not thread-safe and owns no thread. One Stack per thread:
// every call, device I/O included, happens on the thread that drives it. Nothing in
// it reads a clock or sleeps: the host passes `now` to poll() and input(), and calls
// poll() again at next_deadline() at the latest (or when a device becomes readable).
//
// Every discarded packet records a DropReason (drops(reason), last_drop()) and bumps
// the MIB counter its RFC names (stats()). Configuration mistakes are refused with a
// ConfigError at the call that makes them; the stack is never left half-configured.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "device.hpp"
#include "entropy.hpp"
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/bytes.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/result.hpp"
#include "neighbor_cache.hpp"
#include "reassembly.hpp"
#include "route_table.hpp"
#include "time.hpp"
#include "token_bucket.hpp"

namespace hardstack::net {

// ---------------------------------------------------------------------------
// Configuration

enum class ConfigErrorCode : std::uint8_t {
  reassembly_v4,        // detail: ReassemblyConfigError
  reassembly_v6,        // detail: ReassemblyConfigError
  neighbor_arp,         // detail: NeighborConfigError
  neighbor_nd,          // detail: NeighborConfigError
  routes,               // detail: RouteError
  icmp_rate_limit,      // detail: TokenBucketConfigError
  icmpv6_rate_limit,    // detail: TokenBucketConfigError
  bad_ttl,              // default TTL or hop limit 0
  bad_limits,           // a size limit of 0 (poll budget, loopback queue, interfaces, addresses)
  too_many_interfaces,  // over StackConfig::max_interfaces
  no_such_interface,    // an InterfaceId this stack did not hand out
  mac_required,         // an Ethernet interface without a unicast MAC address
  mtu_too_small_ipv4,   // RFC 791: an IPv4 address on a link with MTU < 68
  mtu_too_small_ipv6,   // RFC 8200 5: an IPv6 address on a link with MTU < 1280
  mtu_too_large,        // MTU above 65535 (IPv4 total length) plus link header
  bad_prefix_length,    // > 32 / > 128
  address_not_unicast,  // unspecified, multicast, broadcast, or loopback on a device
  duplicate_address,    // the address is already configured on any interface
  too_many_addresses,   // over StackConfig::max_addresses_per_interface
  protocol_taken,       // register_protocol: a handler is already registered
  protocol_reserved,    // register_protocol: ICMP / ICMPv6 / extension headers belong to the stack
};
const char* to_string(ConfigErrorCode);

struct ConfigError {
  ConfigErrorCode code = ConfigErrorCode::bad_limits;
  std::uint8_t detail = 0;      // the component's own error enum, for the codes that name a component
  std::string message() const;  // one sentence: what was refused and why
  bool operator==(const ConfigError&) const = default;
};

struct StackConfig {
  static NeighborConfig with_queue(NeighborConfig c, std::uint16_t packets) {
    c.queue_packets_per_entry = packets;
    return c;
  }

  ReassemblyConfig reassembly_v4 = Reassembler<Ipv4Family>::default_config();  // 4 MiB, 30 s
  ReassemblyConfig reassembly_v6 = Reassembler<Ipv6Family>::default_config();  // 4 MiB, 60 s
  // LINUX unres_qlen_bytes: a datagram waiting for its neighbour may be a
  // 64 KiB reply in 45 fragments, so an entry holds 64 packets (the cache-wide
  // byte cap still bounds the total).
  NeighborConfig arp = with_queue(NeighborConfig::arp(), 64);
  NeighborConfig nd = with_queue(NeighborConfig::nd(), 64);
  RouteTableConfig routes;
  TokenBucket::Config icmp_rate_limit;    // ICMPv4 errors: LINUX icmp_ratelimit 1000 ms, burst 50
  TokenBucket::Config icmpv6_rate_limit;  // ICMPv6 errors: LINUX the same
  std::uint8_t default_ttl = 64;          // LINUX ip_default_ttl
  std::uint8_t default_hop_limit = 64;    // LINUX hop_limit
  bool accept_source_route = false;       // LINUX accept_source_route (V4-OPT-5)
  bool echo_ignore_broadcasts = true;     // LINUX icmp_echo_ignore_broadcasts
  bool echo_ignore_all = false;           // LINUX icmp_echo_ignore_all
  wire::Ipv6ExtLimits ipv6_ext_limits;    // V6-EXT-5/8: LINUX max_hbh_opts_number/max_dst_opts_number 8
  std::size_t max_interfaces = 16;        // loopback included
  std::size_t max_addresses_per_interface = 16;  // per family
  std::size_t poll_frame_budget = 64;            // frames read from each device per poll()
  std::size_t loopback_queue_packets = 1000;     // LINUX netdev_max_backlog
};

// RFC 4291 2.5.1 / RFC 2464 4: the link-local address an Ethernet interface
// forms from its MAC (fe80::, the MAC with ff:fe inserted, U/L bit flipped).
wire::Ipv6Address eui64_link_local(const wire::MacAddress& mac);

// The loopback interface every stack has: 127.0.0.1/8 and ::1/128, MTU 65536.
inline constexpr InterfaceId loopback_interface{0};

struct InterfaceConfig {
  std::string name;                     // for messages only
  std::optional<wire::MacAddress> mac;  // required on Ethernet links
  std::optional<std::size_t> mtu;       // IP MTU; default: the device's
  bool ipv6_link_local = true;          // fe80::/64 from the MAC's EUI-64 (Ethernet links)
};

// ---------------------------------------------------------------------------
// Drop reasons and counters

enum class DropReason : std::uint8_t {
  // link layer
  frame_too_short,      // shorter than the link header
  frame_not_for_us,     // destination MAC neither ours, broadcast nor a joined multicast group
  unknown_ethertype,    // not IPv4, IPv6 or ARP
  arp_malformed,        // ARP that does not parse, or not Ethernet/IPv4
  arp_not_for_us,       // ARP request for an address we do not own (after learning, if any)
  interface_down,       // frame on an interface with no address of its family
  loopback_queue_full,  // loopback backlog over StackConfig::loopback_queue_packets
  // IPv4 input (V4-HDR-*, V4-OPT-*)
  ipv4_bad_version,         // V4-HDR-1
  ipv4_header_malformed,    // V4-HDR-2: IHL < 5, total length < header, header past the data
  ipv4_truncated,           // V4-HDR-2: total length > bytes received
  ipv4_bad_checksum,        // V4-HDR-3
  ipv4_martian_source,      // V4-HDR-4: broadcast / multicast / 0.0.0.0 / ours-as-source
  ipv4_loopback_on_device,  // V4-HDR-4: 127/8 on a non-loopback device (source or destination)
  ipv4_not_for_us,          // V4-HDR-5: a host does not forward
  ipv4_bad_options,         // V4-OPT-*: param problem sent (or due)
  ipv4_source_route,        // V4-OPT-5: source-routed, accept_source_route off
  ipv4_unknown_protocol,    // V4-HDR-6: protocol unreachable sent (or due)
  ipv4_fragment,            // a fragment refused by reassembly (see reassembly counters)
  ipv4_reassembly_timeout,  // V4-FRAG-5: queue expired
  // IPv6 input (V6-*)
  ipv6_bad_version,          // V6-HDR-1
  ipv6_truncated,            // V6-HDR-1: 40 + payload length > bytes received
  ipv6_martian_source,       // V6-HDR-2: multicast source, ours-as-source
  ipv6_loopback_on_device,   // V6-HDR-2: ::1 on a non-loopback device
  ipv6_not_for_us,           // destination neither ours nor a joined group
  ipv6_bad_extension,        // V6-EXT-*: param problem sent (or due), or a malformed header
  ipv6_option_discard,       // V6-EXT-3: unknown option with action 01 (or 10/11 with the ICMP)
  ipv6_unknown_next_header,  // V6-EXT-2
  ipv6_routing_header,       // V6-EXT-7: RH0 / unknown type with segments left
  ipv6_incomplete_chain,     // V6-FRAG-6: RFC 7112
  ipv6_fragment,             // a fragment refused by reassembly
  ipv6_reassembly_timeout,   // V6-FRAG-7
  // ICMPv4 / ICMPv6 / ND
  icmp_malformed,     // too short, or a message that does not parse
  icmp_bad_checksum,  // ICMP4-4 / ICMP6-4
  icmp_unknown_type,  // ICMP4-4 / ICMP6-4: ignored (counted, no answer)
  icmp_echo_ignored,  // echo_ignore_all / echo_ignore_broadcasts
  nd_bad_hop_limit,   // ND-1: hop limit != 255
  nd_bad_option,      // ND-1: option of length 0, or running past the message
  nd_malformed,       // ND-1: any other RFC 4861 validity check
  // upper layer
  no_transport,  // delivered to a protocol with no listener (port unreachable sent or due)
  // output
  no_route,              // ENETUNREACH
  neighbor_unreachable,  // resolution failed (ICMP host / address unreachable to the sender)
  neighbor_queue,        // the neighbour queue dropped it (full, too big, recycled)
  message_too_big,       // EMSGSIZE: DF / IP_PMTUDISC_DO and larger than the MTU
  device_busy,           // the device refused the frame (queue full)
  count_,
};
const char* to_string(DropReason);
inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(DropReason::count_);

// RFC 4293 ipSystemStatsTable names, Linux's /proc/net/snmp spelling in comments.
struct IpStats {
  std::uint64_t in_receives = 0;        // InReceives: datagrams handed to IP input
  std::uint64_t in_hdr_errors = 0;      // InHdrErrors
  std::uint64_t in_csum_errors = 0;     // InCsumErrors (IPv4 header)
  std::uint64_t in_truncated_pkts = 0;  // InTruncatedPkts
  std::uint64_t in_addr_errors = 0;     // InAddrErrors
  std::uint64_t in_unknown_protos = 0;  // InUnknownProtos
  std::uint64_t in_discards = 0;        // InDiscards: dropped for no fault of the datagram
  std::uint64_t in_delivers = 0;        // InDelivers: to ICMP or a transport
  std::uint64_t out_requests = 0;       // OutRequests: datagrams handed to IP output
  std::uint64_t out_discards = 0;       // OutDiscards
  std::uint64_t out_no_routes = 0;      // OutNoRoutes
  std::uint64_t frag_oks = 0;           // FragOKs: datagrams fragmented
  std::uint64_t frag_fails = 0;         // FragFails: DF (or IPv6 PMTU DO) and too big
  std::uint64_t frag_creates = 0;       // FragCreates
  bool operator==(const IpStats&) const = default;
};

struct IcmpStats {
  std::uint64_t in_msgs = 0;           // InMsgs
  std::uint64_t in_errors = 0;         // InErrors: malformed, bad checksum
  std::uint64_t in_csum_errors = 0;    // InCsumErrors
  std::uint64_t in_echos = 0;          // InEchos / Icmp6InEchos
  std::uint64_t in_echo_replies = 0;   // InEchoReps
  std::uint64_t in_dest_unreachs = 0;  // InDestUnreachs
  std::uint64_t in_time_excds = 0;     // InTimeExcds
  std::uint64_t in_parm_probs = 0;     // InParmProbs
  std::uint64_t in_pkt_too_bigs = 0;   // Icmp6InPktTooBigs
  std::uint64_t in_neighbor_solicits = 0;
  std::uint64_t in_neighbor_advertisements = 0;
  std::uint64_t out_msgs = 0;           // OutMsgs
  std::uint64_t out_errors = 0;         // OutErrors: could not be sent
  std::uint64_t out_echo_replies = 0;   // OutEchoReps
  std::uint64_t out_dest_unreachs = 0;  // OutDestUnreachs
  std::uint64_t out_time_excds = 0;     // OutTimeExcds
  std::uint64_t out_parm_probs = 0;     // OutParmProbs
  std::uint64_t out_neighbor_solicits = 0;
  std::uint64_t out_neighbor_advertisements = 0;
  std::uint64_t out_rate_limited = 0;  // LINUX OutRateLimitGlobal: errors the token bucket held back
  std::uint64_t suppressed = 0;        // errors the never-send rules forbade (ICMP4-2 / ICMP6-2)
  bool operator==(const IcmpStats&) const = default;
};

struct LinkStats {
  std::uint64_t rx_frames = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t arp_requests_in = 0;
  std::uint64_t arp_replies_in = 0;
  std::uint64_t arp_requests_out = 0;
  std::uint64_t arp_replies_out = 0;
  bool operator==(const LinkStats&) const = default;
};

struct StackStats {
  LinkStats link;
  IpStats ipv4;
  IpStats ipv6;
  IcmpStats icmp;
  IcmpStats icmpv6;
};

// ---------------------------------------------------------------------------
// Transports: what the stack hands up, and what it reports back

enum class PmtuDiscovery : std::uint8_t {
  dont,   // IP_PMTUDISC_DONT: DF clear, fragment locally
  want,   // IP_PMTUDISC_WANT: DF set on datagrams that fit, larger ones fragmented locally
  do_,    // IP_PMTUDISC_DO: DF set, larger than the MTU -> EMSGSIZE
  probe,  // IP_PMTUDISC_PROBE: DF set, the interface MTU not the path MTU
};

struct Ipv4Delivery {
  InterfaceId interface {};
  wire::Ipv4Address source;
  wire::Ipv4Address destination;
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 0;
  std::uint8_t tos = 0;
  bool to_broadcast = false;
  bool to_multicast = false;
  // The local address it reached (IP_PKTINFO's ipi_spec_dst): the destination,
  // or for a broadcast / multicast our address on the interface (LINUX fib_compute_spec_dst).
  wire::Ipv4Address spec_dst;
  wire::Bytes options;   // the received options area (IP_RECVOPTS), possibly updated (RR/TS)
  wire::Bytes datagram;  // header + payload as received (reassembled), for quoting in errors
};

struct Ipv6Delivery {
  InterfaceId interface {};
  wire::Ipv6Address source;
  wire::Ipv6Address destination;
  std::uint8_t next_header = 0;
  std::uint8_t hop_limit = 0;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  bool to_multicast = false;
  wire::Bytes datagram;              // header + chain + payload (reassembled), for quoting in errors
  std::size_t transport_offset = 0;  // where the upper-layer header starts in datagram
};

enum class DeliveryResult : std::uint8_t {
  delivered,         // taken (or counted and dropped by the transport for its own reasons)
  port_unreachable,  // nobody listens: the stack answers ICMP port unreachable (never-send rules apply)
};

// An ICMP / ICMPv6 error received about a datagram this host sent.
struct IcmpErrorReport {
  bool ipv6 = false;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t info = 0;  // next-hop MTU (frag needed / packet too big) or param-problem pointer
  InterfaceId interface {};
  wire::Ipv4Address reporter_v4;  // who sent the error
  wire::Ipv6Address reporter_v6;
  wire::Ipv4Address quoted_source_v4;  // the quoted (our) datagram's addresses
  wire::Ipv4Address quoted_destination_v4;
  wire::Ipv6Address quoted_source_v6;
  wire::Ipv6Address quoted_destination_v6;
  std::uint8_t protocol = 0;     // the quoted upper-layer protocol
  wire::Bytes quoted_transport;  // the quoted upper-layer bytes (at least 8 when reported)
};

class TransportProtocol {
 public:
  virtual DeliveryResult deliver_ipv4(const Ipv4Delivery& meta, wire::Bytes payload, Instant now) = 0;
  virtual DeliveryResult deliver_ipv6(const Ipv6Delivery& meta, wire::Bytes payload, Instant now) = 0;
  virtual void icmp_error(const IcmpErrorReport& report, Instant now) = 0;
  // Timers: poll() calls on_timer(now) on every registered protocol (before
  // it drains loopback, so what they send over it is delivered in the same
  // poll), and next_deadline() folds theirs into its own.
  virtual void on_timer(Instant) {}
  virtual Instant next_deadline() const { return Instant::never(); }

 protected:
  ~TransportProtocol() = default;
};

struct Ipv4SendParams {
  std::optional<wire::Ipv4Address> source;  // default: the route's source address
  wire::Ipv4Address destination;
  std::uint8_t protocol = 0;
  std::optional<std::uint8_t> ttl;  // default: StackConfig::default_ttl
  std::uint8_t tos = 0;
  PmtuDiscovery pmtu = PmtuDiscovery::want;
  wire::Bytes options;  // raw IPv4 options (IP_OPTIONS / IP_RETOPTS), validated and padded (V4-OPT-7)
  std::optional<InterfaceId> interface;  // SO_BINDTODEVICE / IP_PKTINFO
};

struct Ipv6SendParams {
  std::optional<wire::Ipv6Address> source;
  wire::Ipv6Address destination;
  std::uint8_t next_header = 0;
  std::optional<std::uint8_t> hop_limit;  // default: StackConfig::default_hop_limit
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  PmtuDiscovery pmtu = PmtuDiscovery::want;
  wire::Bytes hop_by_hop;           // IPV6_HOPOPTS: a whole header (next header byte rewritten)
  wire::Bytes destination_options;  // IPV6_DSTOPTS (after the routing header)
  wire::Bytes routing;              // IPV6_RTHDR
  std::optional<InterfaceId> interface;
};

// Positive errno values (<cerrno>) as Linux returns them from the IP output path.
using Errno = int;

// ---------------------------------------------------------------------------

class Stack {
 public:
  // `entropy` must outlive the stack (fragment IDs, reassembly hash keys, neighbour timers).
  static Result<Stack, ConfigError> create(const StackConfig& config, Entropy& entropy);

  Stack(Stack&&) noexcept;
  Stack& operator=(Stack&&) noexcept;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  ~Stack();

  // Interfaces. `device` must outlive the stack. An Ethernet interface gets
  // fe80::/64 from its MAC unless asked not to (that address is exempt from the
  // MTU >= 1280 check only in that it is skipped on smaller links).
  Result<InterfaceId, ConfigError> add_interface(Device& device, const InterfaceConfig& config);
  Result<void, ConfigError> add_address(InterfaceId interface, const wire::Ipv4Address& address,
                                        std::uint8_t prefix_length);
  Result<void, ConfigError> add_address(InterfaceId interface, const wire::Ipv6Address& address,
                                        std::uint8_t prefix_length);
  Result<void, ConfigError> set_default_gateway(const wire::Ipv4Address& gateway);
  Result<void, ConfigError> set_default_gateway(const wire::Ipv6Address& gateway);
  Result<void, ConfigError> register_protocol(std::uint8_t protocol, TransportProtocol& handler);

  // Time and input. poll() reads up to poll_frame_budget frames from every
  // device, processes them, drains loopback and runs every timer due at `now`.
  // `now` never goes back (an earlier value is treated as the latest seen).
  void poll(Instant now);
  Instant next_deadline() const;  // Instant::never() when nothing is pending
  // One frame as if `interface`'s device had just received it (tests, fuzzers,
  // hosts that read devices themselves). Runs no timers.
  void input(InterfaceId interface, wire::Bytes frame, Instant now);

  // Output for transports. The payload is the upper-layer header + data, its
  // checksum already computed over select_source()'s address.
  Result<void, Errno> send_ipv4(const Ipv4SendParams& params, wire::Bytes payload, Instant now);
  Result<void, Errno> send_ipv6(const Ipv6SendParams& params, wire::Bytes payload, Instant now);
  Result<wire::Ipv4Address, Errno> select_source(const wire::Ipv4Address& destination,
                                                 std::optional<InterfaceId> interface = {}) const;
  Result<wire::Ipv6Address, Errno> select_source(const wire::Ipv6Address& destination,
                                                 std::optional<InterfaceId> interface = {}) const;
  // The routing step of send_ipv4/send_ipv6 on its own, for transports that
  // route when the call is made (LINUX udp_sendmsg routes every sendmsg, a
  // corked one too): its error is the one the send would return, and a
  // missing route is counted as the send's would be (out_no_routes, no_route).
  Result<void, Errno> route_output(const wire::Ipv4Address& destination, const wire::Ipv4Address& source,
                                   std::optional<InterfaceId> interface);
  Result<void, Errno> route_output(const wire::Ipv6Address& destination,
                                   const std::optional<wire::Ipv6Address>& source,
                                   std::optional<InterfaceId> interface);
  // The MTU IP output uses towards `destination` (the interface MTU: no PMTU cache yet).
  std::optional<std::size_t> path_mtu(const wire::Ipv4Address& destination) const;
  std::optional<std::size_t> path_mtu(const wire::Ipv6Address& destination) const;

  // Queries.
  bool is_local(const wire::Ipv4Address& address) const;
  bool is_local(const wire::Ipv6Address& address) const;
  // 255.255.255.255 or the directed broadcast of one of our IPv4 subnets.
  bool is_broadcast(const wire::Ipv4Address& address) const;
  bool has_interface(InterfaceId interface) const;
  // The latest `now` poll() or input() was given (transports stamp sends with it).
  Instant now() const;
  std::optional<wire::Ipv6Address> link_local_address(InterfaceId interface) const;
  std::size_t mtu(InterfaceId interface) const;
  const StackConfig& config() const;
  const StackStats& stats() const;
  std::uint64_t drops(DropReason reason) const;
  std::uint64_t total_drops() const;
  std::optional<DropReason> last_drop() const;
  const ReassemblyCounters& reassembly_v4_counters() const;
  const ReassemblyCounters& reassembly_v6_counters() const;
  std::size_t reassembly_memory() const;     // both families, bytes held
  std::size_t neighbor_queue_bytes() const;  // every ARP and ND pending queue
  std::optional<NeighborInfo> arp_entry(InterfaceId interface, const wire::Ipv4Address& address) const;
  std::optional<NeighborInfo> nd_entry(InterfaceId interface, const wire::Ipv6Address& address) const;

  // Tests and fuzzers: a stack configured once and put back before every run
  // instead of one built per run. checkpoint() copies the whole state
  // (configuration, neighbour entries and queues, fragments, loopback, rate
  // limits, identification keys and counters, statistics, the latest time);
  // the copy shares this stack's devices, entropy source and protocol
  // handlers, so it is for restore(), not for driving alongside it. restore()
  // makes this stack equal to `checkpoint` again, reusing its memory (not
  // from inside one of its own device or transport calls). The entropy
  // source is the caller's to put back (SeededEntropy is a value).
  Stack checkpoint() const;
  void restore(const Stack& checkpoint);

  struct Impl;

 private:
  explicit Stack(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hardstack::net
