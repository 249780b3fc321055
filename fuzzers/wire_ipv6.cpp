// IPv6 header and extension-header chain (RFC 8200 4, RFC 2675, RFC 7112).
// Invariants: errors point inside the input (inside the datagram, but for
// `truncated` at its end), and a header view at the place the walk found a
// bad length reports the same error; the header re-emits to bytes that parse
// equal (and refuses a buffer one byte short); the addresses classify and
// read back as text; the walk ends inside the datagram, within its limits,
// at a consistent place, and agrees with the chain representation on the
// headers, the upper-layer protocol and where Linux stops (V6-EXT-3/7); each
// header's view reads the representation's fields, the header parses on its
// own to the same value and only at its exact length; the representation's
// own bounds hold whatever the limits; the upper-layer pseudo-header sums as
// the bytes written out by hand; the chain representation re-emits (padding
// compacted) to a datagram whose chain parses to an equal representation, and
// emit refuses a chain whose Next Header fields lie or that puts Hop-by-Hop
// after the first place.
#include <algorithm>
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"

using namespace hardstack::wire;

namespace {

constexpr std::size_t max_round_trip = 1 << 17;
std::array<std::byte, max_round_trip> out_buffer;

void check_walk_error(const ParseError& e, const Ipv6View& ip, std::size_t input_size) {
  hardstack::fuzz::check_error_offset(e, input_size);
  if (e.code == WireError::truncated) {
    HS_FUZZ_CHECK(e.offset == ip.datagram_len());
  } else {
    HS_FUZZ_CHECK(e.offset < ip.datagram_len());
  }
  if (e.code == WireError::incomplete_header_chain) HS_FUZZ_CHECK(e.offset == 0);
  if (e.code == WireError::bad_header_length) {
    // The walk's Hdr Ext Len check is the views' check: a view of the header
    // there fails the same way.
    HS_FUZZ_CHECK(e.offset > ipv6_field::header_len);
    const std::size_t at = e.offset - ipv6_ext_field::header_ext_len.begin;
    auto options = Ipv6OptionsHeaderView::parse(ip.datagram(), at);
    HS_FUZZ_CHECK(!options && options.error() == e);
    auto routing = Ipv6RoutingHeaderView::parse(ip.datagram(), at);
    HS_FUZZ_CHECK(!routing && routing.error() == e);
  }
}

void check_walk(const Ipv6ExtChain& c, const Ipv6View& ip, const Ipv6ExtLimits& limits) {
  const std::size_t dlen = ip.datagram_len();
  HS_FUZZ_CHECK(c.chain_end >= ipv6_field::header_len && c.chain_end <= dlen);
  HS_FUZZ_CHECK(c.header_count <= limits.max_headers);
  HS_FUZZ_CHECK(c.chain_len() <= limits.max_chain_bytes);
  HS_FUZZ_CHECK(c.chain_len() >= 8 * c.header_count);
  HS_FUZZ_CHECK(c.next_header_offset < c.chain_end);
  HS_FUZZ_CHECK(c.end_offset <= c.chain_end);
  switch (c.end) {
    case Ipv6ChainEnd::upper_layer:
      HS_FUZZ_CHECK(c.end_offset == c.chain_end);
      HS_FUZZ_CHECK(c.next_header != Ipv6NextHeader::hop_by_hop && c.next_header != Ipv6NextHeader::routing &&
                    c.next_header != Ipv6NextHeader::fragment &&
                    c.next_header != Ipv6NextHeader::destination_options);
      break;
    case Ipv6ChainEnd::fragment: {
      HS_FUZZ_CHECK(c.end_offset == c.chain_end && c.end_offset < dlen);
      auto frag = Ipv6FragmentHeaderView::parse(ip.datagram(), c.fragment_header_offset);
      HS_FUZZ_CHECK(frag && !frag->is_atomic() && frag->offset() + 8 == c.end_offset);
      break;
    }
    case Ipv6ChainEnd::routing: {
      auto rh = Ipv6RoutingHeaderView::parse(ip.datagram(), c.routing_header_offset);
      HS_FUZZ_CHECK(rh && rh->segments_left() != 0 && rh->offset() == c.end_offset);
      HS_FUZZ_CHECK(rh->offset() + rh->header_len() == c.chain_end);
      break;
    }
    case Ipv6ChainEnd::unknown_option:
      HS_FUZZ_CHECK(c.end_offset == c.unknown_option.offset && c.end_offset + 2 <= c.chain_end);
      HS_FUZZ_CHECK(c.unknown_option.action() != TlvAction::skip);
      break;
  }
  if (c.jumbo_payload_length) {
    HS_FUZZ_CHECK(ip.is_jumbogram() && *c.jumbo_payload_length > 0xffff);
    HS_FUZZ_CHECK(dlen == ipv6_field::header_len + *c.jumbo_payload_length);
  }
  if (c.router_alert) HS_FUZZ_CHECK(c.router_alert_offset + 4 <= c.chain_end);
}

// A header given on its own parses only at its exact length: one byte short
// is refused as truncated (below 8 bytes) or as a bad length; one byte long
// (when the datagram has it) as a bad length at `long_offset`.
template <typename Parse>
void check_exact_length(Bytes dg, std::size_t at, std::size_t len, std::uint32_t long_offset, Parse parse) {
  auto shorter = parse(dg.subspan(at, len - 1));
  const ParseError want_short = len - 1 < ipv6_ext_field::min_header_len
                                    ? ParseError{WireError::truncated, static_cast<std::uint32_t>(len - 1)}
                                    : ParseError{WireError::bad_header_length, long_offset};
  HS_FUZZ_CHECK(!shorter && shorter.error() == want_short);
  if (at + len < dg.size()) {
    auto longer = parse(dg.subspan(at, len + 1));
    HS_FUZZ_CHECK(!longer && (longer.error() == ParseError{WireError::bad_header_length, long_offset}));
  }
}

// Where Linux stops processing the chain (V6-EXT-3, V6-EXT-7), found from the
// representation: the first option it does not know whose action is not
// `skip`, or the first Routing header with Segments Left > 0.
struct StackStop {
  Ipv6ChainEnd end = Ipv6ChainEnd::upper_layer;
  std::size_t offset = 0;         // the option's type byte, or the Routing header
  std::size_t header_offset = 0;  // the header it is in
  std::size_t header_count = 0;   // headers walked through it
  Ipv6NextHeader next_header{};   // that header's Next Header
  Ipv6OptionType option{};
};

// Each header of `repr` against the bytes it came from: views read the
// representation's fields, the options iterate inside their header, a header
// parses on its own (at its exact length only). Returns the chain's length as
// received and fills `stop`.
std::size_t check_headers(const Ipv6ExtChainRepr& repr, const Ipv6View& ip, StackStop& stop) {
  const Bytes dg = ip.datagram();
  std::size_t at = ipv6_field::header_len;
  std::size_t count = 0;
  const auto stop_at = [&](Ipv6ChainEnd end, std::size_t offset, Ipv6NextHeader next) {
    if (stop.end != Ipv6ChainEnd::upper_layer) return;
    stop = {end, offset, at, count, next, {}};
  };
  for (const auto& h : repr.headers) {
    ++count;
    HS_FUZZ_CHECK(h.header_len() % ipv6_ext_field::unit == 0);
    if (h.kind == Ipv6NextHeader::fragment) {
      auto v = Ipv6FragmentHeaderView::parse(dg, at);
      HS_FUZZ_CHECK(v.has_value());
      const auto& want = std::get<Ipv6FragmentHeaderRepr>(h.header);
      auto r = Ipv6FragmentHeaderRepr::parse(*v);
      HS_FUZZ_CHECK(r && *r == want);
      HS_FUZZ_CHECK(v->offset() == at && v->next_header() == want.next_header &&
                    v->reserved() == want.reserved);
      HS_FUZZ_CHECK(v->fragment_offset() == want.fragment_offset &&
                    v->fragment_offset_bytes() == std::size_t{want.fragment_offset} * 8);
      HS_FUZZ_CHECK(v->reserved_bits() == want.reserved_bits && v->more_fragments() == want.more_fragments);
      HS_FUZZ_CHECK(v->identification() == want.identification && v->is_atomic() == want.is_atomic());
      HS_FUZZ_CHECK(v->fragment_offset_field_offset() == at + ipv6_ext_field::fragment_offset_flags.begin);
      auto alone = Ipv6FragmentHeaderRepr::parse(v->bytes());
      HS_FUZZ_CHECK(alone && *alone == want);
      check_exact_length(dg, at, ipv6_ext_field::fragment_header_len, ipv6_ext_field::fragment_header_len,
                         [](Bytes b) { return Ipv6FragmentHeaderRepr::parse(b); });
      at += ipv6_ext_field::fragment_header_len;
      continue;
    }
    if (h.kind == Ipv6NextHeader::routing) {
      auto v = Ipv6RoutingHeaderView::parse(dg, at);
      HS_FUZZ_CHECK(v.has_value());
      const auto& want = std::get<Ipv6RoutingHeaderRepr>(h.header);
      auto r = Ipv6RoutingHeaderRepr::parse(v->bytes());
      HS_FUZZ_CHECK(r && *r == want);
      HS_FUZZ_CHECK(v->offset() == at && v->next_header() == want.next_header &&
                    v->routing_type() == want.routing_type && v->segments_left() == want.segments_left);
      HS_FUZZ_CHECK(v->data().data() == want.data.data() && v->data().size() == want.data.size());
      HS_FUZZ_CHECK(v->routing_type_offset() == at + ipv6_ext_field::routing_type.begin);
      check_exact_length(dg, at, v->header_len(), ipv6_ext_field::header_ext_len.begin,
                         [](Bytes b) { return Ipv6RoutingHeaderRepr::parse(b); });
      if (want.segments_left != 0) stop_at(Ipv6ChainEnd::routing, at, want.next_header);
      at += v->header_len();
      continue;
    }
    const bool hop_by_hop = h.kind == Ipv6NextHeader::hop_by_hop;
    auto v = Ipv6OptionsHeaderView::parse(dg, at);
    HS_FUZZ_CHECK(v.has_value());
    const auto& want = std::get<Ipv6OptionsHeaderRepr>(h.header);
    HS_FUZZ_CHECK(v->offset() == at && v->next_header() == want.next_header);
    HS_FUZZ_CHECK(h == (hop_by_hop ? Ipv6ExtHeaderRepr::hop_by_hop(want)
                                   : Ipv6ExtHeaderRepr::destination_options(want)));
    std::size_t i = 0;
    for (auto it = v->begin(); it != v->end(); ++it) {
      HS_FUZZ_CHECK(it->offset >= at + 2 &&
                    it->offset + 1 + (it->type == Ipv6OptionType::pad1 ? 0 : 1) + it->data.size() <=
                        at + v->header_len());
      HS_FUZZ_CHECK(it->action() == tlv_action(it->type));
      if (it->is_padding()) continue;
      HS_FUZZ_CHECK(i < want.options.size() && (want.options[i] == Ipv6OptionRepr{it->type, it->data}));
      ++i;
      // RFC 8200 4.2: the walk knows Router Alert and Jumbo Payload in
      // Hop-by-Hop only; any other option it does not skip ends the walk.
      const bool known = hop_by_hop && (it->type == Ipv6OptionType::router_alert ||
                                        it->type == Ipv6OptionType::jumbo_payload);
      if (!known && it->action() != TlvAction::skip) {
        if (stop.end == Ipv6ChainEnd::upper_layer) {
          stop_at(Ipv6ChainEnd::unknown_option, it->offset, want.next_header);
          stop.option = it->type;
        }
      }
    }
    HS_FUZZ_CHECK(i == want.options.size());
    auto alone = Ipv6OptionsHeaderRepr::parse(v->bytes(), hop_by_hop);
    HS_FUZZ_CHECK(alone && *alone == want);
    check_exact_length(dg, at, v->header_len(), ipv6_ext_field::header_ext_len.begin,
                       [&](Bytes b) { return Ipv6OptionsHeaderRepr::parse(b, hop_by_hop); });
    HS_FUZZ_CHECK(h.header_len() <= v->header_len());
    at += v->header_len();
  }
  HS_FUZZ_CHECK(at <= ip.datagram_len());
  return at - ipv6_field::header_len;
}

// The stack's walk and the representation agree: on the headers and the
// upper-layer protocol when the walk went through the chain, on where it
// stopped otherwise.
void check_walk_against_repr(const Ipv6ExtChain& walked, const Ipv6ExtChainRepr& repr, const StackStop& stop,
                             const Ipv6View& ip) {
  HS_FUZZ_CHECK(walked.end == stop.end ||
                (walked.end == Ipv6ChainEnd::fragment && stop.end == Ipv6ChainEnd::upper_layer));
  switch (walked.end) {
    case Ipv6ChainEnd::upper_layer:
    case Ipv6ChainEnd::fragment: {
      HS_FUZZ_CHECK(repr.headers.size() == walked.header_count);
      // RFC 8200 4: the IPv6 header names the first header, the last names the upper layer.
      HS_FUZZ_CHECK(repr.first_header(walked.next_header) == ip.next_header());
      const Ipv6NextHeader last = repr.headers.empty() ? ip.next_header() : repr.headers.back().next_header();
      HS_FUZZ_CHECK(last == walked.next_header);
      break;
    }
    case Ipv6ChainEnd::unknown_option:
      HS_FUZZ_CHECK(walked.unknown_option.offset == stop.offset && walked.unknown_option.type == stop.option);
      [[fallthrough]];
    case Ipv6ChainEnd::routing:
      HS_FUZZ_CHECK(walked.end_offset == stop.offset && walked.header_count == stop.header_count);
      HS_FUZZ_CHECK(walked.next_header == stop.next_header &&
                    walked.next_header_offset == stop.header_offset);
      break;
  }
}

// The representation's own bounds (ipv6_repr_max_headers headers,
// ipv6_repr_max_options options a header) hold whatever the limits say: with
// limits past them, a chain the walk goes through fails only on those.
void check_repr_bounds(const Ipv6View& ip) {
  const Ipv6ExtLimits loose{64, 1 << 17, 64};
  auto walked = Ipv6ExtChain::walk(ip, loose);
  if (!walked || (walked->end != Ipv6ChainEnd::upper_layer && walked->end != Ipv6ChainEnd::fragment)) return;
  auto repr = Ipv6ExtChainRepr::parse(ip, loose);
  if (repr) {
    HS_FUZZ_CHECK(repr->headers.size() == walked->header_count);
    return;
  }
  if (repr.error().code == WireError::chain_too_long) {
    HS_FUZZ_CHECK(walked->header_count > ipv6_repr_max_headers);
  } else {
    HS_FUZZ_CHECK(repr.error().code == WireError::too_many_options);
  }
}

// RFC 8200 8.1: the pseudo-header of the upper-layer checksum, from the
// packet's addresses, sums as the 40 bytes written out by hand; so do the
// upper-layer bytes fed to the accumulator in two pieces split at an odd byte.
void check_upper_layer_sum(const Ipv6ExtChain& walked, const Ipv6View& ip) {
  const Bytes upper = ip.datagram().subspan(walked.chain_end);
  const auto length = static_cast<std::uint32_t>(upper.size());
  const auto nh = static_cast<std::uint8_t>(walked.next_header);
  const auto pseudo = PseudoHeader::v6(ip.src(), ip.dst());
  const auto by_hand = hardstack::fuzz::pseudo_header_bytes(ip.src(), ip.dst(), nh, length);
  HS_FUZZ_CHECK(pseudo.is_v6());
  HS_FUZZ_CHECK(pseudo.start(nh, length).sum() == hardstack::fuzz::ones_complement_sum({by_hand.span()}));
  const std::size_t split = std::min(upper.size(), (upper.size() / 2) | 1);
  HS_FUZZ_CHECK(pseudo.start(nh, length).add(upper.first(split)).add(upper.subspan(split)).sum() ==
                hardstack::fuzz::ones_complement_sum({by_hand.span(), upper}));
}

// Emit refuses a chain whose Next Header fields do not name the header after
// them, and Hop-by-Hop anywhere but first (RFC 8200 4.1), even when the Next
// Header before it names it. The representation is restored after each try.
void check_emit_refusals(Ipv6ExtChainRepr& repr) {
  if (repr.headers.size() < 2) return;
  const auto set_next = [](Ipv6ExtHeaderRepr& h, Ipv6NextHeader nh) {
    std::visit([nh](auto& x) { x.next_header = nh; }, h.header);
  };
  const MutableBytes out = MutableBytes(out_buffer).subspan(ipv6_field::header_len);
  const Ipv6NextHeader next = repr.headers[0].next_header();
  set_next(repr.headers[0], Ipv6NextHeader::no_next_header);
  auto lying = repr.emit(out);
  HS_FUZZ_CHECK(!lying && lying.error() == WireError::unrepresentable);
  set_next(repr.headers[0], next);
  if (repr.headers[1].kind == Ipv6NextHeader::destination_options) {
    repr.headers[1].kind = Ipv6NextHeader::hop_by_hop;
    set_next(repr.headers[0], Ipv6NextHeader::hop_by_hop);
    auto second = repr.emit(out);
    HS_FUZZ_CHECK(!second && second.error() == WireError::unrepresentable);
    repr.headers[1].kind = Ipv6NextHeader::destination_options;
    set_next(repr.headers[0], next);
  }
}

// Re-emit the header and chain, keep the rest, and parse again.
void check_chain_round_trip(const Ipv6ExtChainRepr& repr, std::size_t old_chain, const Ipv6View& ip,
                            const Ipv6ExtChain* walked) {
  const Bytes rest = ip.datagram().subspan(ipv6_field::header_len + old_chain);
  if (ip.datagram_len() > out_buffer.size()) return;
  auto chain_written = repr.emit(MutableBytes(out_buffer).subspan(ipv6_field::header_len));
  HS_FUZZ_CHECK(chain_written.has_value());
  const std::size_t new_chain = *chain_written;
  HS_FUZZ_CHECK(new_chain == repr.chain_len() && new_chain <= old_chain);
  const std::size_t shrink = old_chain - new_chain;  // padding compacted away
  Ipv6Repr header = Ipv6Repr::parse(ip);
  std::size_t filler = 0;
  if (ip.is_jumbogram()) {
    filler = shrink;  // the Jumbo Payload Length is kept, so keep the length too
  } else {
    header.payload_len = static_cast<std::uint16_t>(header.payload_len - shrink);
  }
  const std::size_t total = ipv6_field::header_len + new_chain + rest.size() + filler;
  auto out = MutableBytes(out_buffer).first(total);
  copy_into(out, ipv6_field::header_len + new_chain, rest);
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(total - filler), out.end(), std::byte{0});
  std::array<std::byte, 40> fixed{};
  auto hdr_written = header.emit(fixed);
  HS_FUZZ_CHECK(hdr_written && *hdr_written == ipv6_field::header_len);
  copy_into(out, 0, fixed);

  auto again = Ipv6View::parse(Bytes(out));
  HS_FUZZ_CHECK(again.has_value());
  HS_FUZZ_CHECK(Ipv6Repr::parse(*again) == header);
  HS_FUZZ_CHECK(again->datagram_len() == total);
  auto again_repr = Ipv6ExtChainRepr::parse(*again);
  HS_FUZZ_CHECK(again_repr && *again_repr == repr);
  if (walked != nullptr) {
    auto again_walk = Ipv6ExtChain::walk(*again);
    HS_FUZZ_CHECK(again_walk.has_value());
    HS_FUZZ_CHECK(again_walk->end == walked->end && again_walk->next_header == walked->next_header);
    HS_FUZZ_CHECK(again_walk->header_count == walked->header_count);
    HS_FUZZ_CHECK(again_walk->chain_len() + shrink == walked->chain_len() ||
                  walked->end == Ipv6ChainEnd::routing || walked->end == Ipv6ChainEnd::unknown_option);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = hardstack::fuzz::as_bytes(data, size);
  auto view = Ipv6View::parse(input);
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), size);
    return 0;
  }
  const Ipv6View& ip = *view;
  HS_FUZZ_CHECK(ip.version() == 6 && ip.bytes().data() == input.data() && ip.bytes().size() == size);
  HS_FUZZ_CHECK(ip.datagram_len() >= ipv6_field::header_len && ip.datagram_len() <= size);
  HS_FUZZ_CHECK(ip.payload().size() + ipv6_field::header_len == ip.datagram_len());
  if (!ip.is_jumbogram() && !ip.payload_length_missing())
    HS_FUZZ_CHECK(ip.payload().size() == ip.payload_len());

  // The fixed header alone: emit, parse, compare; one byte short is refused.
  {
    const Ipv6Repr repr = Ipv6Repr::parse(ip);
    std::array<std::byte, Ipv6Repr::header_len()> fixed{};
    auto too_small = repr.emit(MutableBytes(fixed).first(Ipv6Repr::header_len() - 1));
    HS_FUZZ_CHECK(!too_small && too_small.error() == WireError::buffer_too_small);
    auto written = repr.emit(fixed);
    HS_FUZZ_CHECK(written && *written == ipv6_field::header_len);
    HS_FUZZ_CHECK(std::equal(fixed.begin(), fixed.end(), input.begin()));
    hardstack::fuzz::check_address(repr.src);
    hardstack::fuzz::check_address(repr.dst);
  }

  const Ipv6ExtLimits limits;
  auto walked = Ipv6ExtChain::walk(ip, limits);
  if (walked) {
    check_walk(*walked, ip, limits);
    if (walked->end == Ipv6ChainEnd::upper_layer) check_upper_layer_sum(*walked, ip);
  } else {
    check_walk_error(walked.error(), ip, size);
  }

  // Tight limits reach the bounds with short inputs.
  const Ipv6ExtLimits tight{3, 64, 2};
  auto tight_walk = Ipv6ExtChain::walk(ip, tight);
  if (tight_walk) {
    check_walk(*tight_walk, ip, tight);
  } else {
    check_walk_error(tight_walk.error(), ip, size);
  }
  check_repr_bounds(ip);

  auto repr = Ipv6ExtChainRepr::parse(ip, limits);
  if (walked && (walked->end == Ipv6ChainEnd::upper_layer || walked->end == Ipv6ChainEnd::fragment)) {
    // The representation walks what the stack walked, with the same checks.
    HS_FUZZ_CHECK(repr.has_value() && repr->headers.size() == walked->header_count);
  }
  if (!walked && walked.error().code != WireError::chain_too_long &&
      walked.error().code != WireError::too_many_options) {
    HS_FUZZ_CHECK(!repr.has_value() && repr.error() == walked.error());
  }
  if (!repr) {
    check_walk_error(repr.error(), ip, size);
    return 0;
  }
  StackStop stop;
  const std::size_t chain_len = check_headers(*repr, ip, stop);
  if (walked) check_walk_against_repr(*walked, *repr, stop, ip);
  const bool comparable =
      walked && (walked->end == Ipv6ChainEnd::upper_layer || walked->end == Ipv6ChainEnd::fragment);
  if (comparable) HS_FUZZ_CHECK(chain_len == walked->chain_len());
  check_chain_round_trip(*repr, chain_len, ip, comparable ? &*walked : nullptr);
  check_emit_refusals(*repr);
  return 0;
}
