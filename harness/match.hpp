// Frame matchers in the style of gVisor's checker package:
//
//   BOOST_TEST(expect_ipv4(frame, src(a), dst(b), ttl(64), icmp(dest_unreachable(code(2)))));
//   BOOST_TEST(expect_ipv6(frame, hop_limit(64), icmpv6(param_problem(code(2), pointer(42)))));
//   BOOST_TEST(expect_frame(frame, eth(b_mac, a_mac) / ipv4(b, a) / udp(7, 1234) / payload("hi")));
//
// A matcher decodes the frame (decode.hpp) and compares the fields it names;
// everything it does not name may be anything. Nested layer matchers
// (udp(...), icmp(...), fragment_header(...), ethernet(...)) find the first
// layer of their kind after the one they are given to (for ethernet(),
// before it); quoted_ipv4(...) / quoted_ipv6(...) look inside an ICMP error's
// quote. Every matcher also fails a frame that does not decode or carries a
// wrong checksum: a stack never sends either.
//
// The result converts to bool and prints, for Boost.Test's BOOST_TEST (use
// BOOST_TEST_REQUIRE, not BOOST_REQUIRE, to have it printed), the mismatches
// field by field, then the expectation and the frame decoded:
//
//   expect_ipv4: the frame does not match
//     IPv4.ttl: expected 64, got 1
//     ICMPv4.code: expected 2, got 3 (port_unreachable)
//   expected:
//     IPv4: ttl=64
//       ICMPv4: message=destination_unreachable code=2
//   actual (70 bytes):
//     Ethernet: dst=... src=... type=0x0800 (IPv4)
//     IPv4: version=4 ihl=5 ... ttl=1 ...
//     ...
//
// Values are written as decode.hpp writes them; field(name, value) and
// absent(name) reach any field by name.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builders.hpp"
#include "decode.hpp"

namespace hardstack::harness {

// ---- Expectations -------------------------------------------------------------------------

// A field's expected value; nullopt: the field must be absent.
struct FieldExpect {
  std::string name;
  std::optional<std::string> value;
};

// A layer of a kind (decode.hpp's names) with fields and layers inside it.
struct LayerExpect {
  std::string layer;
  bool quoted = false;  // found inside the quote of the ICMP error it is given to
  std::vector<FieldExpect> fields;
  std::vector<LayerExpect> inner;
};

// Fields and layers that join the layer they are given to: what the ICMP
// message kinds (echo_request(...), param_problem(...)) are.
struct FieldGroup {
  std::vector<FieldExpect> fields;
  std::vector<LayerExpect> inner;
};

void add_expectation(LayerExpect& to, const FieldExpect& e);
void add_expectation(LayerExpect& to, const FieldGroup& e);
void add_expectation(LayerExpect& to, const LayerExpect& e);
// Builder values that say what a layer carries.
void add_expectation(LayerExpect& to, const Payload& e);                         // payload=<hex>
void add_expectation(LayerExpect& to, const RouterAlert& e);                     // router_alert=<value>
void add_expectation(LayerExpect& to, const wire::NdSourceLinkLayerAddress& e);  // slla=<mac>
void add_expectation(LayerExpect& to, const wire::NdTargetLinkLayerAddress& e);  // tlla=<mac>

template <typename T>
concept Expectation = requires(LayerExpect& l, const T& t) {
  add_expectation(l, t);
};

template <Expectation... Args>
LayerExpect expect_layer(std::string name, const Args&... args) {
  LayerExpect l{std::move(name), false, {}, {}};
  (add_expectation(l, args), ...);
  return l;
}

template <Expectation... Args>
FieldGroup field_group(std::vector<FieldExpect> fields, const Args&... args) {
  LayerExpect l{"", false, std::move(fields), {}};
  (add_expectation(l, args), ...);
  return {std::move(l.fields), std::move(l.inner)};
}

// ---- Fields ------------------------------------------------------------------------------------

FieldExpect field(std::string name, std::string value);
FieldExpect absent(std::string name);

FieldExpect src(const wire::MacAddress& a);
FieldExpect src(const wire::Ipv4Address& a);
FieldExpect src(const wire::Ipv6Address& a);
FieldExpect dst(const wire::MacAddress& a);
FieldExpect dst(const wire::Ipv4Address& a);
FieldExpect dst(const wire::Ipv6Address& a);
FieldExpect ethertype(std::uint16_t t);
FieldExpect vlan(std::uint16_t tci);
// ARP
FieldExpect operation(std::uint16_t op);
FieldExpect sender_mac(const wire::MacAddress& a);
FieldExpect sender_ip(const wire::Ipv4Address& a);
FieldExpect target_mac(const wire::MacAddress& a);
FieldExpect target_ip(const wire::Ipv4Address& a);
// IPv4 (identification, more_fragments, fragment_offset: also IPv6's Fragment header)
FieldExpect version(std::uint8_t v);
FieldExpect ihl(std::uint8_t words);
FieldExpect dscp(std::uint8_t v);
FieldExpect ecn(std::uint8_t v);
FieldExpect total_length(std::uint16_t v);
FieldExpect identification(std::uint32_t v);
FieldExpect dont_fragment(bool v = true);
FieldExpect more_fragments(bool v = true);
FieldExpect fragment_offset(std::uint16_t units);
FieldExpect ttl(std::uint8_t v);
FieldExpect protocol(std::uint8_t v);
// The options area: these options, then EOL padding to 4 bytes.
void push_ipv4_option(wire::Ipv4Options& list, const Ipv4OptionArg& option);
FieldExpect ipv4_options_expect(const wire::Ipv4Options& list);
template <typename... Options>
FieldExpect options(const Options&... opts) {
  wire::Ipv4Options list;
  (push_ipv4_option(list, Ipv4OptionArg(opts)), ...);
  return ipv4_options_expect(list);
}
// IPv6 and its extension headers
FieldExpect traffic_class(std::uint8_t v);
FieldExpect flow_label(std::uint32_t v);
FieldExpect payload_length(std::uint16_t v);
FieldExpect next_header(std::uint8_t v);
FieldExpect hop_limit(std::uint8_t v);
FieldExpect header_ext_len(std::uint8_t v);
FieldExpect routing_type(std::uint8_t v);
FieldExpect segments_left(std::uint8_t v);
FieldExpect jumbo_payload_length(std::uint32_t v);
// UDP, TCP
FieldExpect sport(std::uint16_t port);
FieldExpect dport(std::uint16_t port);
FieldExpect length(std::uint16_t v);  // UDP Length
FieldExpect seq(std::uint32_t v);
FieldExpect ack(std::uint32_t v);
FieldExpect flags(wire::TcpFlags f);
FieldExpect flags(const char* letters);  // Scapy's: "SA"
FieldExpect window(std::uint16_t v);
FieldExpect urgent_pointer(std::uint16_t v);
FieldExpect data_offset(std::uint8_t words);
FieldExpect mss(std::uint16_t v);
FieldExpect window_scale(std::uint8_t shift);
FieldExpect sack_permitted(bool v = true);
FieldExpect timestamps(std::uint32_t tsval, std::uint32_t tsecr);
FieldExpect checksum(std::uint16_t v);
// ICMP, ICMPv6, ND
FieldExpect type(std::uint8_t v);
FieldExpect code(std::uint8_t v);
FieldExpect identifier(std::uint16_t v);
FieldExpect sequence(std::uint16_t v);
FieldExpect pointer(std::uint32_t v);
FieldExpect mtu(std::uint32_t v);  // Packet Too Big; ND MTU option
FieldExpect next_hop_mtu(std::uint16_t v);
FieldExpect gateway(const wire::Ipv4Address& a);
FieldExpect quote(const ByteArg& bytes);  // an error's invoking packet, exactly
FieldExpect target(const wire::Ipv6Address& a);
FieldExpect redirect_destination(const wire::Ipv6Address& a);
FieldExpect router(bool v = true);
FieldExpect solicited(bool v = true);
FieldExpect override_flag(bool v = true);
FieldExpect cur_hop_limit(std::uint8_t v);
FieldExpect router_lifetime(std::uint16_t seconds);

// ---- ICMP message kinds (for icmp(...) and icmpv6(...)) ---------------------------------------------

#define HARDSTACK_MESSAGE_KIND(fn, name)              \
  template <Expectation... Args>                      \
  FieldGroup fn(const Args&... args) {                \
    return field_group({{"message", name}}, args...); \
  }
HARDSTACK_MESSAGE_KIND(echo_request, "echo_request")
HARDSTACK_MESSAGE_KIND(echo_reply, "echo_reply")
HARDSTACK_MESSAGE_KIND(dest_unreachable, "destination_unreachable")
HARDSTACK_MESSAGE_KIND(time_exceeded, "time_exceeded")
HARDSTACK_MESSAGE_KIND(param_problem, "parameter_problem")
HARDSTACK_MESSAGE_KIND(redirect, "redirect")
HARDSTACK_MESSAGE_KIND(packet_too_big, "packet_too_big")
HARDSTACK_MESSAGE_KIND(router_solicitation, "router_solicitation")
HARDSTACK_MESSAGE_KIND(router_advertisement, "router_advertisement")
HARDSTACK_MESSAGE_KIND(neighbor_solicitation, "neighbor_solicitation")
HARDSTACK_MESSAGE_KIND(neighbor_advertisement, "neighbor_advertisement")
#undef HARDSTACK_MESSAGE_KIND

// ---- Layers ------------------------------------------------------------------------------------------

// udp(...) and tcp(...) share their names with the builders: a call with
// expectations is a matcher, one with two ports a builder.
#define HARDSTACK_LAYER_MATCHER(fn, name) \
  template <Expectation... Args>          \
  LayerExpect fn(const Args&... args) {   \
    return expect_layer(name, args...);   \
  }
HARDSTACK_LAYER_MATCHER(ethernet, "Ethernet")
HARDSTACK_LAYER_MATCHER(udp, "UDP")
HARDSTACK_LAYER_MATCHER(tcp, "TCP")
HARDSTACK_LAYER_MATCHER(icmp, "ICMPv4")
HARDSTACK_LAYER_MATCHER(icmpv6, "ICMPv6")
HARDSTACK_LAYER_MATCHER(hop_by_hop_header, "Hop-by-Hop")
HARDSTACK_LAYER_MATCHER(destination_options_header, "Destination Options")
HARDSTACK_LAYER_MATCHER(routing_header, "Routing")
HARDSTACK_LAYER_MATCHER(fragment_header, "Fragment")
HARDSTACK_LAYER_MATCHER(data_layer, "data")
#undef HARDSTACK_LAYER_MATCHER

template <Expectation... Args>
LayerExpect quoted_ipv4(const Args&... args) {
  auto l = expect_layer("IPv4", args...);
  l.quoted = true;
  return l;
}
template <Expectation... Args>
LayerExpect quoted_ipv6(const Args&... args) {
  auto l = expect_layer("IPv6", args...);
  l.quoted = true;
  return l;
}

// ---- Results -----------------------------------------------------------------------------------------

class MatchResult {
 public:
  MatchResult() = default;  // a match
  static MatchResult mismatch(std::string message) {
    MatchResult r;
    r.ok_ = false;
    r.message_ = std::move(message);
    return r;
  }
  explicit operator bool() const { return ok_; }
  // Empty for a match; else the report shown above (starting with a newline).
  const std::string& message() const { return message_; }

 private:
  bool ok_ = true;
  std::string message_;
};

std::ostream& operator<<(std::ostream& out, const MatchResult& r);

// An expectation as reports show it: one line per layer, indented two
// spaces (and two more per nesting level), each ending in a newline.
std::string to_string(const LayerExpect& expected);

// The frame's first layer named `expected.layer` (at depth 0) against `expected`.
// `what` names the check in the report.
MatchResult match_frame(const Frame& frame, const LayerExpect& expected, std::string_view what);

template <Expectation... Args>
MatchResult expect_ethernet(const Frame& frame, const Args&... args) {
  return match_frame(frame, expect_layer("Ethernet", args...), "expect_ethernet");
}
template <Expectation... Args>
MatchResult expect_arp(const Frame& frame, const Args&... args) {
  return match_frame(frame, expect_layer("ARP", args...), "expect_arp");
}
template <Expectation... Args>
MatchResult expect_ipv4(const Frame& frame, const Args&... args) {
  return match_frame(frame, expect_layer("IPv4", args...), "expect_ipv4");
}
template <Expectation... Args>
MatchResult expect_ipv6(const Frame& frame, const Args&... args) {
  return match_frame(frame, expect_layer("IPv6", args...), "expect_ipv6");
}

// The whole frame against another, both decoded: every field of every
// layer, then the bytes (padding, fields no layer decodes).
MatchResult expect_frame(const Frame& actual, const Frame& expected);
MatchResult expect_frame(const Frame& actual, const Packet& expected);

}  // namespace hardstack::harness
