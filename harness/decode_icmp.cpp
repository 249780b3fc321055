// decode(): ICMP, ICMPv6 and Neighbor Discovery messages.
#include <variant>

#include "decode_internal.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ndp.hpp"
#include "hardstack/wire/overloaded.hpp"

namespace hardstack::harness::detail {

namespace {

const char* icmpv4_code_name(std::uint8_t type, std::uint8_t code) {
  static constexpr const char* unreachable[] = {"net_unreachable",      "host_unreachable",
                                                "protocol_unreachable", "port_unreachable",
                                                "fragmentation_needed", "source_route_failed"};
  static constexpr const char* time_exceeded[] = {"ttl_exceeded_in_transit",
                                                  "fragment_reassembly_time_exceeded"};
  static constexpr const char* parameter_problem[] = {"pointer_indicates_error", "missing_required_option",
                                                      "bad_length"};
  if (type == 3 && code < 6) return unreachable[code];
  if (type == 11 && code < 2) return time_exceeded[code];
  if (type == 12 && code < 3) return parameter_problem[code];
  return "";
}

const char* icmpv6_code_name(std::uint8_t type, std::uint8_t code) {
  static constexpr const char* unreachable[] = {"no_route", "administratively_prohibited",
                                                "beyond_scope_of_source", "address_unreachable",
                                                "port_unreachable"};
  static constexpr const char* time_exceeded[] = {"hop_limit_exceeded", "fragment_reassembly_time_exceeded"};
  static constexpr const char* parameter_problem[] = {"erroneous_header_field", "unrecognized_next_header",
                                                      "unrecognized_option", "incomplete_header_chain"};
  if (type == 1 && code < 5) return unreachable[code];
  if (type == 3 && code < 2) return time_exceeded[code];
  if (type == 4 && code < 4) return parameter_problem[code];
  return "";
}

// What a message kind adds after type, code and checksum: its fields in
// wire order, and the packet it quotes, if it is an error.
struct MessageFields {
  std::string message = "other";
  std::vector<DecodedField> fields;
  std::optional<Bytes> quote;

  void add(std::string name, std::string value, std::string note = "") {
    fields.push_back({std::move(name), std::move(value), std::move(note)});
  }
  template <typename Echo>
  void echo(const char* kind, const Echo& m) {
    message = kind;
    add("identifier", format::number(m.identifier));
    add("sequence", format::number(m.sequence_number));
    add("payload", format::bytes(m.data));
  }
  template <typename Timestamp>
  void timestamp(const char* kind, const Timestamp& m) {
    message = kind;
    add("identifier", format::number(m.identifier));
    add("sequence", format::number(m.sequence_number));
    add("originate_timestamp", format::number(m.originate_timestamp));
    add("receive_timestamp", format::number(m.receive_timestamp));
    add("transmit_timestamp", format::number(m.transmit_timestamp));
  }
  void error(const char* kind, Bytes invoking) {
    message = kind;
    quote = invoking;
  }
};

MessageFields icmpv4_fields(const w::Icmpv4Message& message) {
  MessageFields f;
  std::visit(w::Overloaded{
                 [&](const w::Icmpv4EchoRequest& m) { f.echo("echo_request", m); },
                 [&](const w::Icmpv4EchoReply& m) { f.echo("echo_reply", m); },
                 [&](const w::Icmpv4DestinationUnreachable& m) {
                   // RFC 1191: the next-hop MTU of "fragmentation needed".
                   if (m.next_hop_mtu != 0 || m.code == w::Icmpv4UnreachableCode::fragmentation_needed)
                     f.add("next_hop_mtu", format::number(m.next_hop_mtu));
                   f.error("destination_unreachable", m.invoking_datagram);
                 },
                 [&](const w::Icmpv4TimeExceeded& m) { f.error("time_exceeded", m.invoking_datagram); },
                 [&](const w::Icmpv4ParameterProblem& m) {
                   f.add("pointer", format::number(m.pointer));
                   f.error("parameter_problem", m.invoking_datagram);
                 },
                 [&](const w::Icmpv4Redirect& m) {
                   f.add("gateway", m.gateway.to_string());
                   f.error("redirect", m.invoking_datagram);
                 },
                 [&](const w::Icmpv4Timestamp& m) { f.timestamp("timestamp", m); },
                 [&](const w::Icmpv4TimestampReply& m) { f.timestamp("timestamp_reply", m); },
                 [&](const w::Icmpv4Other& m) {
                   f.add("rest_of_header", format::number(m.rest_of_header));
                   f.add("payload", format::bytes(m.data));
                 },
             },
             message);
  return f;
}

void add_nd_options(MessageFields& f, const w::NdOptions& options) {
  for (const auto& option : options) {
    std::visit(
        w::Overloaded{
            [&](const w::NdSourceLinkLayerAddress& o) { f.add("slla", o.address.to_string()); },
            [&](const w::NdTargetLinkLayerAddress& o) { f.add("tlla", o.address.to_string()); },
            [&](const w::NdPrefixInformation& o) {
              f.add("prefix", o.prefix.to_string() + "/" + std::to_string(o.prefix_length),
                    std::string(o.on_link ? "L " : "") + (o.autonomous ? "A " : "") +
                        "valid=" + std::to_string(o.valid_lifetime) +
                        " preferred=" + std::to_string(o.preferred_lifetime));
            },
            [&](const w::NdRedirectedHeader& o) { f.add("redirected_header", format::bytes(o.packet)); },
            [&](const w::NdMtu& o) { f.add("mtu", format::number(o.mtu)); },
            [&](const w::NdRecursiveDnsServer& o) {
              std::string servers;
              for (std::size_t i = 0; i < o.count(); ++i)
                servers += (i ? " " : "") + o.address(i).to_string();
              f.add("rdnss", servers, "lifetime=" + std::to_string(o.lifetime));
            },
            [&](const w::NdUnknownOption& o) {
              f.add("option_" + std::to_string(o.type), format::bytes(o.data));
            },
        },
        option);
  }
}

MessageFields icmpv6_fields(const w::Icmpv6Message& message) {
  MessageFields f;
  std::visit(w::Overloaded{
                 [&](const w::Icmpv6DestinationUnreachable& m) {
                   f.error("destination_unreachable", m.invoking_packet);
                 },
                 [&](const w::Icmpv6PacketTooBig& m) {
                   f.add("mtu", format::number(m.mtu));
                   f.error("packet_too_big", m.invoking_packet);
                 },
                 [&](const w::Icmpv6TimeExceeded& m) { f.error("time_exceeded", m.invoking_packet); },
                 [&](const w::Icmpv6ParameterProblem& m) {
                   f.add("pointer", format::number(m.pointer));
                   f.error("parameter_problem", m.invoking_packet);
                 },
                 [&](const w::Icmpv6EchoRequest& m) { f.echo("echo_request", m); },
                 [&](const w::Icmpv6EchoReply& m) { f.echo("echo_reply", m); },
                 [&](const w::NdRouterSolicitation& m) {
                   f.message = "router_solicitation";
                   add_nd_options(f, m.options);
                 },
                 [&](const w::NdRouterAdvertisement& m) {
                   f.message = "router_advertisement";
                   f.add("cur_hop_limit", format::number(m.cur_hop_limit));
                   f.add("managed", format::boolean(m.managed_address_configuration));
                   f.add("other_configuration", format::boolean(m.other_configuration));
                   f.add("router_lifetime", format::number(m.router_lifetime));
                   f.add("reachable_time", format::number(m.reachable_time));
                   f.add("retrans_timer", format::number(m.retrans_timer));
                   add_nd_options(f, m.options);
                 },
                 [&](const w::NdNeighborSolicitation& m) {
                   f.message = "neighbor_solicitation";
                   f.add("target", m.target.to_string());
                   add_nd_options(f, m.options);
                 },
                 [&](const w::NdNeighborAdvertisement& m) {
                   f.message = "neighbor_advertisement";
                   f.add("router", format::boolean(m.router));
                   f.add("solicited", format::boolean(m.solicited));
                   f.add("override", format::boolean(m.override_flag));
                   f.add("target", m.target.to_string());
                   add_nd_options(f, m.options);
                 },
                 [&](const w::NdRedirect& m) {
                   f.message = "redirect";
                   f.add("target", m.target.to_string());
                   f.add("destination", m.destination.to_string());
                   add_nd_options(f, m.options);
                 },
                 [&](const w::Icmpv6Other& m) { f.add("payload", format::bytes(m.body)); },
             },
             message);
  return f;
}

}  // namespace

void Decoder::icmpv4(Bytes b, Where at) {
  const auto v = w::Icmpv4View::parse(b, w::ChecksumMode::ignore);
  if (!v) return fail("ICMPv4", v.error(), b, at);
  const auto r = w::Icmpv4Repr::parse(*v);
  if (!r) return fail("ICMPv4", r.error(), b, at);
  const auto f = icmpv4_fields(r->message);
  auto l = start("ICMPv4", b, at);
  add(l, "message", f.message);
  add(l, "type", format::number(r->type()));
  add(l, "code", format::number(r->code()), icmpv4_code_name(r->type(), r->code()));
  const bool ok = w::checksum_verifies(w::ChecksumAccumulator{}.add(b));
  checksum(l, v->checksum(), ok, correct_checksum(b, w::icmpv4_field::checksum.begin, {}), at);
  l.fields.insert(l.fields.end(), f.fields.begin(), f.fields.end());
  if (f.quote) add_quote(l, *f.quote);
  out_.layers.push_back(std::move(l));
  if (f.quote && !f.quote->empty()) ip(*f.quote, {at.depth + 1, true});
}

void Decoder::icmpv6(Bytes b, const w::PseudoHeader& pseudo, Where at) {
  const auto v = w::Icmpv6View::parse(b, pseudo, w::ChecksumMode::ignore);
  if (!v) return fail("ICMPv6", v.error(), b, at);
  const auto r = w::Icmpv6Repr::parse(*v);
  if (!r) return fail("ICMPv6", r.error(), b, at);
  const auto f = icmpv6_fields(r->message);
  auto l = start("ICMPv6", b, at);
  add(l, "message", f.message);
  add(l, "type", format::number(r->type()));
  add(l, "code", format::number(v->code()), icmpv6_code_name(r->type(), v->code()));
  // RFC 4443 2.3: over the pseudo-header (next header 58) and the message.
  const auto seed = pseudo.start(w::icmpv6_field::next_header, static_cast<std::uint32_t>(b.size()));
  const bool ok = w::checksum_verifies(w::ChecksumAccumulator(seed).add(b));
  checksum(l, v->checksum(), ok, correct_checksum(b, w::icmpv6_field::checksum.begin, seed), at);
  l.fields.insert(l.fields.end(), f.fields.begin(), f.fields.end());
  if (f.quote) add_quote(l, *f.quote);
  out_.layers.push_back(std::move(l));
  if (f.quote && !f.quote->empty()) ip(*f.quote, {at.depth + 1, true});
}

}  // namespace hardstack::harness::detail
