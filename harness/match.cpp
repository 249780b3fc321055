#include "match.hpp"

#include <algorithm>
#include <ostream>

#include "builders_internal.hpp"

namespace hardstack::harness {

// ---- Expectations -------------------------------------------------------------------------

void add_expectation(LayerExpect& to, const FieldExpect& e) { to.fields.push_back(e); }
void add_expectation(LayerExpect& to, const FieldGroup& e) {
  to.fields.insert(to.fields.end(), e.fields.begin(), e.fields.end());
  to.inner.insert(to.inner.end(), e.inner.begin(), e.inner.end());
}
void add_expectation(LayerExpect& to, const LayerExpect& e) { to.inner.push_back(e); }
void add_expectation(LayerExpect& to, const Payload& e) {
  to.fields.push_back({"payload", format::bytes(e.bytes)});
}
void add_expectation(LayerExpect& to, const RouterAlert& e) {
  to.fields.push_back({"router_alert", format::number(e.value)});
}
void add_expectation(LayerExpect& to, const wire::NdSourceLinkLayerAddress& e) {
  to.fields.push_back({"slla", e.address.to_string()});
}
void add_expectation(LayerExpect& to, const wire::NdTargetLinkLayerAddress& e) {
  to.fields.push_back({"tlla", e.address.to_string()});
}

// ---- Fields ------------------------------------------------------------------------------------

namespace {
FieldExpect num(const char* name, unsigned long long v) { return {name, format::number(v)}; }
FieldExpect boolean(const char* name, bool v) { return {name, format::boolean(v)}; }
}  // namespace

FieldExpect field(std::string name, std::string value) { return {std::move(name), std::move(value)}; }
FieldExpect absent(std::string name) { return {std::move(name), std::nullopt}; }

FieldExpect src(const wire::MacAddress& a) { return {"src", a.to_string()}; }
FieldExpect src(const wire::Ipv4Address& a) { return {"src", a.to_string()}; }
FieldExpect src(const wire::Ipv6Address& a) { return {"src", a.to_string()}; }
FieldExpect dst(const wire::MacAddress& a) { return {"dst", a.to_string()}; }
FieldExpect dst(const wire::Ipv4Address& a) { return {"dst", a.to_string()}; }
FieldExpect dst(const wire::Ipv6Address& a) { return {"dst", a.to_string()}; }
FieldExpect ethertype(std::uint16_t t) { return {"type", format::hex16(t)}; }
FieldExpect vlan(std::uint16_t tci) { return num("vlan", tci); }
FieldExpect operation(std::uint16_t op) { return num("operation", op); }
FieldExpect sender_mac(const wire::MacAddress& a) { return {"sender_mac", a.to_string()}; }
FieldExpect sender_ip(const wire::Ipv4Address& a) { return {"sender_ip", a.to_string()}; }
FieldExpect target_mac(const wire::MacAddress& a) { return {"target_mac", a.to_string()}; }
FieldExpect target_ip(const wire::Ipv4Address& a) { return {"target_ip", a.to_string()}; }
FieldExpect version(std::uint8_t v) { return num("version", v); }
FieldExpect ihl(std::uint8_t words) { return num("ihl", words); }
FieldExpect dscp(std::uint8_t v) { return num("dscp", v); }
FieldExpect ecn(std::uint8_t v) { return num("ecn", v); }
FieldExpect total_length(std::uint16_t v) { return num("total_length", v); }
FieldExpect identification(std::uint32_t v) { return num("identification", v); }
FieldExpect dont_fragment(bool v) { return boolean("dont_fragment", v); }
FieldExpect more_fragments(bool v) { return boolean("more_fragments", v); }
FieldExpect fragment_offset(std::uint16_t units) { return num("fragment_offset", units); }
FieldExpect ttl(std::uint8_t v) { return num("ttl", v); }
FieldExpect protocol(std::uint8_t v) { return num("protocol", v); }

void push_ipv4_option(wire::Ipv4Options& list, const Ipv4OptionArg& option) {
  if (!list.push_back(option.option)) detail::builder_failure("options(): over the 40 bytes a header holds");
}
FieldExpect ipv4_options_expect(const wire::Ipv4Options& list) {
  std::vector<std::byte> area(list.padded_len());
  detail::emitted(list.emit(area), "options()");
  return {"options", format::bytes(area)};
}

FieldExpect traffic_class(std::uint8_t v) { return num("traffic_class", v); }
FieldExpect flow_label(std::uint32_t v) { return num("flow_label", v); }
FieldExpect payload_length(std::uint16_t v) { return num("payload_length", v); }
FieldExpect next_header(std::uint8_t v) { return num("next_header", v); }
FieldExpect hop_limit(std::uint8_t v) { return num("hop_limit", v); }
FieldExpect header_ext_len(std::uint8_t v) { return num("header_ext_len", v); }
FieldExpect routing_type(std::uint8_t v) { return num("routing_type", v); }
FieldExpect segments_left(std::uint8_t v) { return num("segments_left", v); }
FieldExpect jumbo_payload_length(std::uint32_t v) { return num("jumbo_payload", v); }
FieldExpect sport(std::uint16_t port) { return num("sport", port); }
FieldExpect dport(std::uint16_t port) { return num("dport", port); }
FieldExpect length(std::uint16_t v) { return num("length", v); }
FieldExpect seq(std::uint32_t v) { return num("seq", v); }
FieldExpect ack(std::uint32_t v) { return num("ack", v); }
FieldExpect flags(wire::TcpFlags f) { return {"flags", format::tcp_flags(f.bits())}; }
FieldExpect flags(const char* letters) { return flags(tcp_flags(letters)); }
FieldExpect window(std::uint16_t v) { return num("window", v); }
FieldExpect urgent_pointer(std::uint16_t v) { return num("urgent_pointer", v); }
FieldExpect data_offset(std::uint8_t words) { return num("data_offset", words); }
FieldExpect mss(std::uint16_t v) { return num("mss", v); }
FieldExpect window_scale(std::uint8_t shift) { return num("window_scale", shift); }
FieldExpect sack_permitted(bool v) {
  return v ? boolean("sack_permitted", true) : absent("sack_permitted");  // decoded only when present
}
FieldExpect timestamps(std::uint32_t tsval, std::uint32_t tsecr) {
  return {"timestamps", "tsval=" + std::to_string(tsval) + " tsecr=" + std::to_string(tsecr)};
}
FieldExpect checksum(std::uint16_t v) { return {"checksum", format::hex16(v)}; }
FieldExpect type(std::uint8_t v) { return num("type", v); }
FieldExpect code(std::uint8_t v) { return num("code", v); }
FieldExpect identifier(std::uint16_t v) { return num("identifier", v); }
FieldExpect sequence(std::uint16_t v) { return num("sequence", v); }
FieldExpect pointer(std::uint32_t v) { return num("pointer", v); }
FieldExpect mtu(std::uint32_t v) { return num("mtu", v); }
FieldExpect next_hop_mtu(std::uint16_t v) { return num("next_hop_mtu", v); }
FieldExpect gateway(const wire::Ipv4Address& a) { return {"gateway", a.to_string()}; }
FieldExpect quote(const ByteArg& bytes) { return {"quote", format::bytes(bytes.bytes)}; }
FieldExpect target(const wire::Ipv6Address& a) { return {"target", a.to_string()}; }
FieldExpect redirect_destination(const wire::Ipv6Address& a) { return {"destination", a.to_string()}; }
FieldExpect router(bool v) { return boolean("router", v); }
FieldExpect solicited(bool v) { return boolean("solicited", v); }
FieldExpect override_flag(bool v) { return boolean("override", v); }
FieldExpect cur_hop_limit(std::uint8_t v) { return num("cur_hop_limit", v); }
FieldExpect router_lifetime(std::uint16_t seconds) { return num("router_lifetime", seconds); }

// ---- Matching ------------------------------------------------------------------------------------

std::ostream& operator<<(std::ostream& out, const MatchResult& r) { return out << r.message(); }

namespace {

std::string shown(const DecodedField& f) {
  return format::abbreviated(f.value) + (f.note.empty() ? "" : " (" + f.note + ")");
}

std::string layer_names(const DecodedFrame& d) {
  std::string out;
  for (const auto& l : d.layers)
    if (l.depth == 0) out += (out.empty() ? "" : ", ") + l.name;
  return out.empty() ? "no layer" : out;
}

std::string label(const DecodedLayer& l) { return (l.depth > 0 ? "quoted " : "") + l.name; }

void render(std::string& out, const LayerExpect& e, unsigned level) {
  out += std::string(2 * level + 2, ' ') + (e.quoted ? "quoted " : "") + e.layer + ":";
  for (const auto& f : e.fields)
    out += " " + f.name + "=" + (f.value ? format::abbreviated(*f.value) : "(none)");
  out += "\n";
  for (const auto& i : e.inner) render(out, i, level + 1);
}

class Matcher {
 public:
  explicit Matcher(const DecodedFrame& d) : d_(d) {}

  void layer(const LayerExpect& e, std::size_t index) {
    const DecodedLayer& l = d_.layers[index];
    for (const auto& f : e.fields) {
      const DecodedField* got = l.field(f.name);
      const std::string at = label(l) + "." + f.name + ": ";
      if (!f.value) {
        if (got != nullptr) problems.push_back(at + "expected none, got " + shown(*got));
      } else if (got == nullptr) {
        problems.push_back(at + "expected " + format::abbreviated(*f.value) + ", got none");
      } else if (got->value != *f.value) {
        problems.push_back(at + "expected " + format::abbreviated(*f.value) + ", got " + shown(*got));
      }
    }
    for (const auto& inner : e.inner) {
      const auto found = find_inner(inner, index);
      if (!found) {
        problems.push_back("no " + inner.layer + " layer " +
                           (inner.quoted ? "quoted in " + label(l) : "after " + label(l)) +
                           " (the frame has " + layer_names(d_) + ")");
        continue;
      }
      layer(inner, *found);
    }
  }

  std::vector<std::string> problems;

 private:
  // After the outer layer at its depth (one deeper, and before the quote
  // ends, for a quoted one); else before it (ethernet() given to IPv4).
  std::optional<std::size_t> find_inner(const LayerExpect& e, std::size_t outer) const {
    const unsigned depth = d_.layers[outer].depth + (e.quoted ? 1 : 0);
    for (std::size_t i = outer + 1; i < d_.layers.size(); ++i) {
      if (d_.layers[i].depth < depth) break;
      if (d_.layers[i].depth == depth && d_.layers[i].name == e.layer) return i;
    }
    if (e.quoted) return std::nullopt;
    for (std::size_t i = 0; i < outer; ++i)
      if (d_.layers[i].depth == depth && d_.layers[i].name == e.layer) return i;
    return std::nullopt;
  }

  const DecodedFrame& d_;
};

std::string link_name(net::LinkType link) { return link == net::LinkType::ethernet ? "Ethernet" : "raw IP"; }

std::string report(std::string_view what, const std::vector<std::string>& problems) {
  std::string out = "\n" + std::string(what) + ": the frame does not match\n";
  for (const auto& p : problems) out += "  " + p + "\n";
  return out;
}

void frame_problems(const DecodedFrame& d, std::vector<std::string>& problems) {
  if (d.error) problems.push_back("the frame does not decode: " + d.error->to_string());
  for (const auto& l : d.layers)
    if (l.depth == 0 && l.checksum_ok == false)
      problems.push_back(l.name + ".checksum: " + shown(*l.field("checksum")));
}

}  // namespace

std::string to_string(const LayerExpect& expected) {
  std::string out;
  render(out, expected, 0);
  return out;
}

MatchResult match_frame(const Frame& frame, const LayerExpect& expected, std::string_view what) {
  const DecodedFrame d = decode(frame);
  std::vector<std::string> problems;
  frame_problems(d, problems);
  Matcher m(d);
  const DecodedLayer* top = d.find(expected.layer);
  if (top == nullptr)
    problems.push_back("no " + expected.layer + " layer (the frame has " + layer_names(d) + ")");
  else
    m.layer(expected, static_cast<std::size_t>(top - d.layers.data()));
  problems.insert(problems.end(), m.problems.begin(), m.problems.end());
  if (problems.empty()) return {};
  std::string out = report(what, problems) + "expected:\n";
  render(out, expected, 0);
  out += "actual (" + std::to_string(d.size) + " bytes, " + link_name(d.link) + "):\n" + d.to_string("  ");
  return MatchResult::mismatch(std::move(out));
}

MatchResult expect_frame(const Frame& actual, const Frame& expected) {
  const DecodedFrame a = decode(actual);
  const DecodedFrame e = decode(expected);
  std::vector<std::string> problems;
  if (e.error) problems.push_back("the expected frame does not decode: " + e.error->to_string());
  frame_problems(a, problems);
  const std::size_t n = std::max(a.layers.size(), e.layers.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= a.layers.size()) {
      problems.push_back("missing layer: " + label(e.layers[i]));
      continue;
    }
    if (i >= e.layers.size()) {
      problems.push_back("extra layer: " + label(a.layers[i]));
      continue;
    }
    const auto& al = a.layers[i];
    const auto& el = e.layers[i];
    if (al.name != el.name || al.depth != el.depth) {
      problems.push_back("layer " + std::to_string(i) + ": expected " + label(el) + ", got " + label(al));
      continue;
    }
    for (const auto& ef : el.fields) {
      const DecodedField* af = al.field(ef.name);
      const std::string at = label(al) + "." + ef.name + ": ";
      if (af == nullptr)
        problems.push_back(at + "expected " + shown(ef) + ", got none");
      else if (af->value != ef.value)
        problems.push_back(at + "expected " + shown(ef) + ", got " + shown(*af));
    }
    for (const auto& af : al.fields)
      if (el.field(af.name) == nullptr)
        problems.push_back(label(al) + "." + af.name + ": expected none, got " + shown(af));
  }
  if (problems.empty() &&
      !std::equal(actual.bytes.begin(), actual.bytes.end(), expected.bytes.begin(), expected.bytes.end())) {
    const auto diff =
        std::mismatch(actual.bytes.begin(), actual.bytes.end(), expected.bytes.begin(), expected.bytes.end());
    problems.push_back("the bytes differ from byte " + std::to_string(diff.first - actual.bytes.begin()) +
                       " (" + std::to_string(actual.bytes.size()) + " bytes, expected " +
                       std::to_string(expected.bytes.size()) + ")");
  }
  if (problems.empty()) return {};
  std::string out = report("expect_frame", problems);
  out += "expected (" + std::to_string(e.size) + " bytes, " + link_name(e.link) + "):\n" + e.to_string("  ");
  out += "actual (" + std::to_string(a.size) + " bytes, " + link_name(a.link) + "):\n" + a.to_string("  ");
  return MatchResult::mismatch(std::move(out));
}

MatchResult expect_frame(const Frame& actual, const Packet& expected) {
  const auto bytes = expected.build();
  return expect_frame(actual, Frame(bytes, expected.link_type()));
}

}  // namespace hardstack::harness
