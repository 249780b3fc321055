#include "ipv6_ext.hpp"

namespace hardstack::wire {

namespace f = ipv6_ext_field;

namespace {

constexpr std::uint8_t pad1_type = 0x00;
constexpr std::uint8_t padn_type = 0x01;
constexpr std::uint8_t router_alert_type = 0x05;
constexpr std::uint8_t jumbo_type = 0xc2;
constexpr std::size_t router_alert_len = 2 + 2;  // RFC 2711 2: Opt Data Len = 2
constexpr std::size_t jumbo_len = 2 + 4;         // RFC 2675 2: Opt Data Len = 4

constexpr bool is_walked(Ipv6NextHeader nh) {
  return nh == Ipv6NextHeader::hop_by_hop || nh == Ipv6NextHeader::routing ||
         nh == Ipv6NextHeader::fragment || nh == Ipv6NextHeader::destination_options;
}

// Length of the header of kind `nh` at `at`: the caller has checked that the
// Hdr Ext Len byte is there.
std::size_t header_length(Bytes b, std::size_t at, Ipv6NextHeader nh) {
  if (nh == Ipv6NextHeader::fragment) return f::fragment_header_len;
  return (static_cast<std::size_t>(load_u8(b, at + f::header_ext_len.begin)) + 1) * f::unit;
}

// One Hop-by-Hop or Destination Options header to scan.
struct OptionArea {
  Bytes bytes;        // the datagram, or the header alone
  std::size_t begin;  // the header's first byte in `bytes`
  std::size_t end;    // one past its last byte
  bool hop_by_hop;
  bool has_payload_len;       // false for a header on its own (no IPv6 header)
  std::uint16_t payload_len;  // the IPv6 Payload Length field
};

enum class Visit : std::uint8_t { go_on, stop, full };

// RFC 8200 4.2 with Linux's ip6_parse_tlv rules. `on_option(type, offset,
// data, known)` sees every non-padding option in order; it may stop the
// scan (an unrecognised option to act on) or say its list is full.
// Router Alert and Jumbo findings go straight into `found` (no copies of
// optionals on the hot path: they cost store-forwarding stalls).
template <typename OnOption>
ParseResult<Visit> scan_options(const OptionArea& a, const Ipv6ExtLimits& limits, Ipv6ExtChain& found,
                                OnOption&& on_option) {
  std::size_t off = a.begin + f::options_begin;
  std::size_t padding = 0;  // padding bytes in a row just before `off`
  std::size_t count = 0;
  while (off < a.end) {
    const std::uint8_t type = load_u8(a.bytes, off);
    if (type == pad1_type) {
      // V6-EXT-5 (LINUX): at most 7 padding bytes in a row.
      if (padding == f::max_padding_run) return parse_error(WireError::bad_padding, off);
      ++padding;
      ++off;
      continue;
    }
    // V6-EXT-4: the option, length byte included, stays inside its header.
    if (a.end - off < f::option_data_begin) return parse_error(WireError::bad_option_length, off);
    const std::size_t optlen = static_cast<std::size_t>(load_u8(a.bytes, off + 1)) + f::option_data_begin;
    if (optlen > a.end - off) return parse_error(WireError::bad_option_length, off);
    if (type == padn_type) {
      if (padding + optlen > f::max_padding_run)
        return parse_error(WireError::bad_padding, off - padding + f::max_padding_run);
      // RFC 4942 2.1.9.5, Linux: PadN carries zeros only.
      for (std::size_t i = f::option_data_begin; i < optlen; ++i)
        if (load_u8(a.bytes, off + i) != 0) return parse_error(WireError::bad_padding, off + i);
      padding += optlen;
      off += optlen;
      continue;
    }
    padding = 0;
    // V6-EXT-5 (LINUX): net.ipv6.max_{hbh,dst}_opts_number.
    if (++count > limits.max_options_per_header) return parse_error(WireError::too_many_options, off);
    bool known = false;
    if (a.hop_by_hop && type == router_alert_type) {
      // RFC 2711 2 / V6-EXT-6: length 2 (Linux ipv6_hop_ra drops others).
      if (optlen != router_alert_len) return parse_error(WireError::bad_option_length, off);
      found.router_alert = load_be16(a.bytes, off + f::option_data_begin);
      found.router_alert_offset = off;
      known = true;
    } else if (a.hop_by_hop && type == jumbo_type) {
      // RFC 2675 2-3 / V6-EXT-6, in Linux ipv6_hop_jumbo's order.
      if (optlen != jumbo_len) return parse_error(WireError::bad_option_length, off);
      if ((off & 3) != 2) return parse_error(WireError::bad_option_value, off);
      const std::uint32_t value = load_be32(a.bytes, off + f::option_data_begin);
      if (value <= ipv6_field::max_payload_len)
        return parse_error(WireError::bad_option_value, off + f::option_data_begin);
      if (a.has_payload_len && a.payload_len != 0) return parse_error(WireError::bad_total_length, off);
      if (found.jumbo_payload_length) return parse_error(WireError::duplicate_option, off);
      found.jumbo_payload_length = value;
      found.jumbo_offset = off;
      known = true;
    }
    const Bytes data = a.bytes.subspan(off + f::option_data_begin, optlen - f::option_data_begin);
    switch (on_option(static_cast<Ipv6OptionType>(type), off, data, known)) {
      case Visit::go_on: break;
      case Visit::stop: return Visit::stop;
      case Visit::full: return parse_error(WireError::too_many_options, off);
    }
    off += optlen;
  }
  return Visit::go_on;
}

// The upper-layer header bytes a first fragment must hold (RFC 7112; the
// sizes Linux's ipv6frag_thdr_truncated asks for). No Next Header: none.
std::size_t upper_layer_min_len(Ipv6NextHeader nh) {
  switch (nh) {
    case Ipv6NextHeader::tcp: return 20;
    case Ipv6NextHeader::udp: return 8;
    case Ipv6NextHeader::icmpv6: return 8;
    case Ipv6NextHeader::no_next_header: return 0;
    default: return 1;
  }
}

// RFC 7112 / RFC 8200 4.5 / V6-FRAG-6: a first fragment holds every header
// through the upper-layer header. Walks the headers after the Fragment header
// at `frag_at` by their lengths only (their contents are checked once the
// datagram is reassembled), within the same limits.
Result<void, ParseError> check_first_fragment(Bytes dg, std::size_t frag_at, const Ipv6ExtLimits& limits,
                                              std::size_t count) {
  const std::size_t end = dg.size();
  auto nh = static_cast<Ipv6NextHeader>(load_u8(dg, frag_at));
  std::size_t nh_offset = frag_at;
  std::size_t at = frag_at + f::fragment_header_len;
  const auto incomplete = parse_error(WireError::incomplete_header_chain, 0);
  for (;;) {
    std::size_t len = 0;
    if (nh == Ipv6NextHeader::fragment) {
      len = f::fragment_header_len;
    } else if (is_walked(nh) || nh == Ipv6NextHeader::authentication) {
      if (end - at < f::options_begin) return incomplete;
      len = nh == Ipv6NextHeader::authentication
                ? (static_cast<std::size_t>(load_u8(dg, at + 1)) + 2) * 4  // RFC 4302 2.2
                : header_length(dg, at, nh);
    } else {
      if (upper_layer_min_len(nh) > end - at) return incomplete;
      return {};
    }
    if (count == limits.max_headers) return parse_error(WireError::chain_too_long, nh_offset);
    if (len > end - at) return incomplete;
    if (at + len - ipv6_field::header_len > limits.max_chain_bytes)
      return parse_error(WireError::chain_too_long, nh_offset);
    ++count;
    // A non-first Fragment header: what follows is data (as Linux's ipv6_skip_exthdr).
    if (nh == Ipv6NextHeader::fragment && (load_be16(dg, at + f::fragment_offset_flags.begin) >> 3) != 0)
      return {};
    nh_offset = at;
    nh = static_cast<Ipv6NextHeader>(load_u8(dg, at));
    at += len;
  }
}

// The walk shared by Ipv6ExtChain::walk and Ipv6ExtChainRepr::parse; the
// sink decides where to stop (routing, unknown options) and what to keep.
template <typename Sink>
ParseResult<Ipv6ExtChain> walk_chain(const Ipv6View& ip, const Ipv6ExtLimits& limits, Sink& sink) {
  const Bytes dg = ip.datagram();
  const std::size_t end = dg.size();
  Ipv6ExtChain c;
  Ipv6NextHeader nh = ip.next_header();
  std::size_t nh_offset = ipv6_field::next_header.begin;
  std::size_t at = ipv6_field::header_len;
  while (is_walked(nh)) {
    // RFC 8200 4.1 / V6-EXT-1: Hop-by-Hop only right after the IPv6 header.
    if (nh == Ipv6NextHeader::hop_by_hop && at != ipv6_field::header_len)
      return parse_error(WireError::hop_by_hop_not_first, nh_offset);
    // V6-EXT-8: bounded walk.
    if (c.header_count == limits.max_headers) return parse_error(WireError::chain_too_long, nh_offset);
    if (end - at < f::min_header_len) return parse_error(WireError::truncated, end);
    const std::size_t len = header_length(dg, at, nh);
    if (len > end - at) return parse_error(WireError::bad_header_length, at + f::header_ext_len.begin);
    if (at + len - ipv6_field::header_len > limits.max_chain_bytes)
      return parse_error(WireError::chain_too_long, nh_offset);
    ++c.header_count;
    c.chain_end = at + len;
    const Bytes header = dg.subspan(at, len);
    const auto next = static_cast<Ipv6NextHeader>(load_u8(dg, at));

    switch (nh) {
      case Ipv6NextHeader::hop_by_hop:
      case Ipv6NextHeader::destination_options: {
        if (sink.begin_options(nh, next) == Visit::full)
          return parse_error(WireError::chain_too_long, nh_offset);
        const OptionArea area{dg, at, at + len, nh == Ipv6NextHeader::hop_by_hop, true, ip.payload_len()};
        auto scanned =
            scan_options(area, limits, c, [&](Ipv6OptionType type, std::size_t off, Bytes data, bool known) {
              return sink.option(c, type, off, data, known);
            });
        if (!scanned) return Unexpected(scanned.error());
        if (*scanned == Visit::stop) {
          c.end = Ipv6ChainEnd::unknown_option;
          c.next_header = next;
          c.next_header_offset = at;
          c.end_offset = c.unknown_option.offset;
          return c;
        }
        // RFC 2675 3: Payload Length 0 needs a Jumbo Payload option.
        if (nh == Ipv6NextHeader::hop_by_hop && ip.payload_len() == 0 && !c.jumbo_payload_length)
          return parse_error(WireError::bad_total_length, ipv6_field::payload_length.begin);
        break;
      }
      case Ipv6NextHeader::routing: {
        c.routing_header_offset = at;
        const Visit v = sink.routing(header);
        if (v == Visit::full) return parse_error(WireError::chain_too_long, nh_offset);
        if (v == Visit::stop) {
          c.end = Ipv6ChainEnd::routing;
          c.next_header = next;
          c.next_header_offset = at;
          c.end_offset = at;
          return c;
        }
        break;
      }
      case Ipv6NextHeader::fragment: {
        // RFC 2675 3: no Fragment header in a jumbogram; pointer: its first byte.
        if (c.jumbo_payload_length) return parse_error(WireError::bad_field, at);
        c.fragment_header_offset = at;
        if (sink.fragment(header) == Visit::full) return parse_error(WireError::chain_too_long, nh_offset);
        const std::uint16_t flags = load_be16(dg, at + f::fragment_offset_flags.begin);
        const std::size_t frag_offset = static_cast<std::size_t>(flags >> 3) * 8;
        const bool more = (flags & f::more_fragments_flag) != 0;
        if (frag_offset == 0 && !more) break;  // RFC 6946: atomic, processed on its own
        if (frag_offset == 0) {
          auto whole = check_first_fragment(dg, at, limits, c.header_count);
          if (!whole) return Unexpected(whole.error());
        }
        const std::size_t data_len = end - (at + f::fragment_header_len);
        // V6-FRAG-3: the fragment would end past 65535.
        if (frag_offset + data_len > ipv6_field::max_payload_len)
          return parse_error(WireError::bad_field, at + f::fragment_offset_flags.begin);
        // V6-FRAG-2: a non-last fragment carries a multiple of 8 bytes.
        if (more && data_len % 8 != 0)
          return parse_error(WireError::bad_total_length, ipv6_field::payload_length.begin);
        // Linux ip6_frag_queue: an empty fragment is dropped.
        if (data_len == 0) return parse_error(WireError::truncated, end);
        c.end = Ipv6ChainEnd::fragment;
        c.next_header = next;
        c.next_header_offset = at;
        c.end_offset = at + f::fragment_header_len;
        return c;
      }
      default: break;
    }
    nh_offset = at;
    nh = next;
    at += len;
  }
  c.end = Ipv6ChainEnd::upper_layer;
  c.next_header = nh;
  c.next_header_offset = nh_offset;
  c.end_offset = at;
  return c;
}

// The stack's walk: stops where Linux stops processing (V6-EXT-3, V6-EXT-7).
struct StackSink {
  Visit begin_options(Ipv6NextHeader, Ipv6NextHeader) { return Visit::go_on; }
  Visit option(Ipv6ExtChain& c, Ipv6OptionType type, std::size_t off, Bytes, bool known) {
    if (known || tlv_action(type) == TlvAction::skip) return Visit::go_on;
    c.unknown_option = {type, off};
    return Visit::stop;
  }
  Visit routing(Bytes header) {
    return load_u8(header, f::segments_left.begin) != 0 ? Visit::stop : Visit::go_on;
  }
  Visit fragment(Bytes) { return Visit::go_on; }
};

Ipv6FragmentHeaderRepr fragment_repr(Bytes header) {
  const std::uint16_t flags = load_be16(header, f::fragment_offset_flags.begin);
  Ipv6FragmentHeaderRepr r;
  r.next_header = static_cast<Ipv6NextHeader>(load_u8(header, f::next_header.begin));
  r.reserved = load_u8(header, f::fragment_reserved.begin);
  r.fragment_offset = static_cast<std::uint16_t>(flags >> 3);
  r.reserved_bits = static_cast<std::uint8_t>((flags & f::fragment_reserved_bits) >> 1);
  r.more_fragments = (flags & f::more_fragments_flag) != 0;
  r.identification = load_be32(header, f::identification.begin);
  return r;
}

Ipv6RoutingHeaderRepr routing_repr(Bytes header) {
  Ipv6RoutingHeaderRepr r;
  r.next_header = static_cast<Ipv6NextHeader>(load_u8(header, f::next_header.begin));
  r.routing_type = static_cast<Ipv6RoutingType>(load_u8(header, f::routing_type.begin));
  r.segments_left = load_u8(header, f::segments_left.begin);
  r.data = header.subspan(f::routing_data_begin);
  return r;
}

// The representation's walk: keeps every header and option.
struct ReprSink {
  Ipv6ExtChainRepr& chain;
  Visit push(const Ipv6ExtHeaderRepr& h) { return chain.headers.push_back(h) ? Visit::go_on : Visit::full; }
  Visit begin_options(Ipv6NextHeader kind, Ipv6NextHeader next) {
    Ipv6OptionsHeaderRepr h;
    h.next_header = next;
    return push({kind, h});
  }
  Visit option(Ipv6ExtChain&, Ipv6OptionType type, std::size_t, Bytes data, bool) {
    auto& h = std::get<Ipv6OptionsHeaderRepr>(chain.headers.back().header);
    return h.options.push_back({type, data}) ? Visit::go_on : Visit::full;
  }
  Visit routing(Bytes header) { return push(Ipv6ExtHeaderRepr::routing(routing_repr(header))); }
  Visit fragment(Bytes header) { return push(Ipv6ExtHeaderRepr::fragment(fragment_repr(header))); }
};

// Where a checked view's header ends, or the error: fewer than 8 bytes at
// `offset`, or a Hdr Ext Len past the datagram.
ParseResult<std::size_t> locate_header(Bytes datagram, std::size_t offset, Ipv6NextHeader nh) {
  if (offset > datagram.size() || datagram.size() - offset < f::min_header_len)
    return parse_error(WireError::truncated, datagram.size());
  const std::size_t len = header_length(datagram, offset, nh);
  if (len > datagram.size() - offset)
    return parse_error(WireError::bad_header_length, offset + f::header_ext_len.begin);
  return len;
}

// A header given on its own must be exactly as long as it says.
Result<void, ParseError> check_whole_header(Bytes header) {
  if (header.size() < f::min_header_len) return parse_error(WireError::truncated, header.size());
  if (header_length(header, 0, Ipv6NextHeader::routing) != header.size())
    return parse_error(WireError::bad_header_length, f::header_ext_len.begin);
  return {};
}

void write_padding(MutableBytes out, std::size_t at, std::size_t n) {
  if (n == 0) return;
  if (n == 1) {
    store_u8(out, at, pad1_type);
    return;
  }
  store_u8(out, at, padn_type);
  store_u8(out, at + 1, static_cast<std::uint8_t>(n - f::option_data_begin));
  for (std::size_t i = f::option_data_begin; i < n; ++i) store_u8(out, at + i, 0);
}

// Padding that puts a Jumbo option at 4n+2 (RFC 2675 2).
std::size_t jumbo_padding(std::size_t pos) { return (6 - pos % 4) % 4; }

std::size_t round_up_to_unit(std::size_t n) { return (n + f::unit - 1) / f::unit * f::unit; }

}  // namespace

// ---- Views ----------------------------------------------------------------

void Ipv6OptionIterator::settle() {
  len_ = 0;
  if (pos_ >= area_.size()) return;
  const std::uint8_t type = load_u8(area_, pos_);
  if (type == pad1_type) {
    current_ = {Ipv6OptionType::pad1, base_ + pos_, {}};
    len_ = 1;
    return;
  }
  if (area_.size() - pos_ < f::option_data_begin) return;
  const std::size_t optlen = static_cast<std::size_t>(load_u8(area_, pos_ + 1)) + f::option_data_begin;
  if (optlen > area_.size() - pos_) return;
  current_ = {static_cast<Ipv6OptionType>(type), base_ + pos_,
              area_.subspan(pos_ + f::option_data_begin, optlen - f::option_data_begin)};
  len_ = optlen;
}

Ipv6OptionIterator& Ipv6OptionIterator::operator++() {
  pos_ += len_;
  settle();
  return *this;
}

ParseResult<Ipv6OptionsHeaderView> Ipv6OptionsHeaderView::parse(Bytes datagram, std::size_t offset) {
  auto len = locate_header(datagram, offset, Ipv6NextHeader::destination_options);
  if (!len) return Unexpected(len.error());
  return Ipv6OptionsHeaderView(datagram.subspan(offset, *len), offset);
}

ParseResult<Ipv6RoutingHeaderView> Ipv6RoutingHeaderView::parse(Bytes datagram, std::size_t offset) {
  auto len = locate_header(datagram, offset, Ipv6NextHeader::routing);
  if (!len) return Unexpected(len.error());
  return Ipv6RoutingHeaderView(datagram.subspan(offset, *len), offset);
}

ParseResult<Ipv6FragmentHeaderView> Ipv6FragmentHeaderView::parse(Bytes datagram, std::size_t offset) {
  auto len = locate_header(datagram, offset, Ipv6NextHeader::fragment);
  if (!len) return Unexpected(len.error());
  return Ipv6FragmentHeaderView(datagram.subspan(offset, *len), offset);
}

// ---- The walk ---------------------------------------------------------------

ParseResult<Ipv6ExtChain> Ipv6ExtChain::walk(const Ipv6View& ip, const Ipv6ExtLimits& limits) {
  StackSink sink;
  return walk_chain(ip, limits, sink);
}

// ---- Representations ----------------------------------------------------------

ParseResult<Ipv6OptionsHeaderRepr> Ipv6OptionsHeaderRepr::parse(Bytes header, bool hop_by_hop,
                                                                const Ipv6ExtLimits& limits) {
  if (auto whole = check_whole_header(header); !whole) return Unexpected(whole.error());
  Ipv6OptionsHeaderRepr r;
  r.next_header = static_cast<Ipv6NextHeader>(load_u8(header, f::next_header.begin));
  Ipv6ExtChain found;
  const OptionArea area{header, 0, header.size(), hop_by_hop, false, 0};
  auto scanned = scan_options(area, limits, found, [&](Ipv6OptionType type, std::size_t, Bytes data, bool) {
    return r.options.push_back({type, data}) ? Visit::go_on : Visit::full;
  });
  if (!scanned) return Unexpected(scanned.error());
  return r;
}

std::size_t Ipv6OptionsHeaderRepr::header_len(bool hop_by_hop) const {
  std::size_t pos = f::options_begin;
  for (const auto& o : options) {
    if (hop_by_hop && o.type == Ipv6OptionType::jumbo_payload) pos += jumbo_padding(pos);
    pos += f::option_data_begin + o.data.size();
  }
  return round_up_to_unit(pos);
}

EmitResult Ipv6OptionsHeaderRepr::emit(MutableBytes out, bool hop_by_hop) const {
  for (const auto& o : options)
    if (o.type == Ipv6OptionType::pad1 || o.type == Ipv6OptionType::padn || o.data.size() > 0xff)
      return emit_error(WireError::unrepresentable);
  const std::size_t len = header_len(hop_by_hop);
  if (len > f::max_header_len) return emit_error(WireError::unrepresentable);
  if (out.size() < len) return emit_error(WireError::buffer_too_small);
  store_u8(out, f::next_header.begin, static_cast<std::uint8_t>(next_header));
  store_u8(out, f::header_ext_len.begin, static_cast<std::uint8_t>(len / f::unit - 1));
  std::size_t pos = f::options_begin;
  for (const auto& o : options) {
    if (hop_by_hop && o.type == Ipv6OptionType::jumbo_payload) {
      const std::size_t pad = jumbo_padding(pos);
      write_padding(out, pos, pad);
      pos += pad;
    }
    store_u8(out, pos + f::option_type.begin, static_cast<std::uint8_t>(o.type));
    store_u8(out, pos + f::option_data_len.begin, static_cast<std::uint8_t>(o.data.size()));
    copy_into(out, pos + f::option_data_begin, o.data);
    pos += f::option_data_begin + o.data.size();
  }
  write_padding(out, pos, len - pos);
  return len;
}

ParseResult<Ipv6RoutingHeaderRepr> Ipv6RoutingHeaderRepr::parse(Bytes header) {
  if (auto whole = check_whole_header(header); !whole) return Unexpected(whole.error());
  return routing_repr(header);
}

EmitResult Ipv6RoutingHeaderRepr::emit(MutableBytes out) const {
  const std::size_t len = header_len();
  if (len % f::unit != 0 || len > f::max_header_len) return emit_error(WireError::unrepresentable);
  if (out.size() < len) return emit_error(WireError::buffer_too_small);
  store_u8(out, f::next_header.begin, static_cast<std::uint8_t>(next_header));
  store_u8(out, f::header_ext_len.begin, static_cast<std::uint8_t>(len / f::unit - 1));
  store_u8(out, f::routing_type.begin, static_cast<std::uint8_t>(routing_type));
  store_u8(out, f::segments_left.begin, segments_left);
  copy_into(out, f::routing_data_begin, data);
  return len;
}

ParseResult<Ipv6FragmentHeaderRepr> Ipv6FragmentHeaderRepr::parse(Bytes header) {
  if (header.size() < f::fragment_header_len) return parse_error(WireError::truncated, header.size());
  if (header.size() > f::fragment_header_len)
    return parse_error(WireError::bad_header_length, f::fragment_header_len);
  return fragment_repr(header);
}

ParseResult<Ipv6FragmentHeaderRepr> Ipv6FragmentHeaderRepr::parse(const Ipv6FragmentHeaderView& view) {
  return fragment_repr(view.bytes());
}

EmitResult Ipv6FragmentHeaderRepr::emit(MutableBytes out) const {
  if (fragment_offset > 0x1fff || reserved_bits > 3) return emit_error(WireError::unrepresentable);
  if (out.size() < f::fragment_header_len) return emit_error(WireError::buffer_too_small);
  store_u8(out, f::next_header.begin, static_cast<std::uint8_t>(next_header));
  store_u8(out, f::fragment_reserved.begin, reserved);
  store_be16(
      out, f::fragment_offset_flags.begin,
      static_cast<std::uint16_t>((fragment_offset << 3) | (reserved_bits << 1) | (more_fragments ? 1 : 0)));
  store_be32(out, f::identification.begin, identification);
  return f::fragment_header_len;
}

Ipv6NextHeader Ipv6ExtHeaderRepr::next_header() const {
  return std::visit([](const auto& h) { return h.next_header; }, header);
}

std::size_t Ipv6ExtHeaderRepr::header_len() const {
  if (const auto* o = std::get_if<Ipv6OptionsHeaderRepr>(&header))
    return o->header_len(kind == Ipv6NextHeader::hop_by_hop);
  if (const auto* r = std::get_if<Ipv6RoutingHeaderRepr>(&header)) return r->header_len();
  return Ipv6FragmentHeaderRepr::header_len();
}

EmitResult Ipv6ExtHeaderRepr::emit(MutableBytes out) const {
  const bool matches =
      ((kind == Ipv6NextHeader::hop_by_hop || kind == Ipv6NextHeader::destination_options) &&
       std::holds_alternative<Ipv6OptionsHeaderRepr>(header)) ||
      (kind == Ipv6NextHeader::routing && std::holds_alternative<Ipv6RoutingHeaderRepr>(header)) ||
      (kind == Ipv6NextHeader::fragment && std::holds_alternative<Ipv6FragmentHeaderRepr>(header));
  if (!matches) return emit_error(WireError::unrepresentable);
  if (const auto* o = std::get_if<Ipv6OptionsHeaderRepr>(&header))
    return o->emit(out, kind == Ipv6NextHeader::hop_by_hop);
  if (const auto* r = std::get_if<Ipv6RoutingHeaderRepr>(&header)) return r->emit(out);
  return std::get<Ipv6FragmentHeaderRepr>(header).emit(out);
}

ParseResult<Ipv6ExtChainRepr> Ipv6ExtChainRepr::parse(const Ipv6View& ip, const Ipv6ExtLimits& limits) {
  Ipv6ExtChainRepr r;
  ReprSink sink{r};
  auto walked = walk_chain(ip, limits, sink);
  if (!walked) return Unexpected(walked.error());
  return r;
}

std::size_t Ipv6ExtChainRepr::chain_len() const {
  std::size_t len = 0;
  for (const auto& h : headers) len += h.header_len();
  return len;
}

EmitResult Ipv6ExtChainRepr::emit(MutableBytes out) const {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (headers[i].kind == Ipv6NextHeader::hop_by_hop && i != 0)
      return emit_error(WireError::unrepresentable);
    if (i + 1 < headers.size() && headers[i].next_header() != headers[i + 1].kind)
      return emit_error(WireError::unrepresentable);
  }
  std::size_t pos = 0;
  for (const auto& h : headers) {
    auto n = h.emit(out.subspan(pos));
    if (!n) return n;
    pos += *n;
  }
  return pos;
}

}  // namespace hardstack::wire
