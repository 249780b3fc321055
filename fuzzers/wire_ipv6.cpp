// IPv6 header and extension-header chain (RFC 8200 4, RFC 2675, RFC 7112).
// Invariants: errors point inside the input (inside the datagram, but for
// `truncated` at its end); the header re-emits to bytes that parse equal; the
// walk ends inside the datagram, within its limits, at a consistent place;
// each options header iterates inside its bounds and parses on its own to
// the same value; the chain representation re-emits (padding compacted) to
// a datagram whose chain parses to an equal representation.
#include <algorithm>
#include <array>

#include "fuzz_support.hpp"
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

// Each header of `repr` against the bytes it came from: views agree, the
// options iterate inside their header, a header parses on its own. Returns
// the chain's length as received.
std::size_t check_headers(const Ipv6ExtChainRepr& repr, const Ipv6View& ip) {
  const Bytes dg = ip.datagram();
  std::size_t at = ipv6_field::header_len;
  for (const auto& h : repr.headers) {
    if (h.kind == Ipv6NextHeader::fragment) {
      auto v = Ipv6FragmentHeaderView::parse(dg, at);
      HS_FUZZ_CHECK(v.has_value());
      auto r = Ipv6FragmentHeaderRepr::parse(*v);
      HS_FUZZ_CHECK(r && *r == std::get<Ipv6FragmentHeaderRepr>(h.header));
      at += 8;
      continue;
    }
    if (h.kind == Ipv6NextHeader::routing) {
      auto v = Ipv6RoutingHeaderView::parse(dg, at);
      HS_FUZZ_CHECK(v.has_value());
      auto r = Ipv6RoutingHeaderRepr::parse(v->bytes());
      HS_FUZZ_CHECK(r && *r == std::get<Ipv6RoutingHeaderRepr>(h.header));
      at += v->header_len();
      continue;
    }
    auto v = Ipv6OptionsHeaderView::parse(dg, at);
    HS_FUZZ_CHECK(v.has_value());
    const auto& want = std::get<Ipv6OptionsHeaderRepr>(h.header);
    std::size_t i = 0;
    for (const auto& opt : *v) {
      HS_FUZZ_CHECK(opt.offset >= at + 2 &&
                    opt.offset + 1 + (opt.type == Ipv6OptionType::pad1 ? 0 : 1) + opt.data.size() <=
                        at + v->header_len());
      if (opt.is_padding()) continue;
      HS_FUZZ_CHECK(i < want.options.size() && (want.options[i] == Ipv6OptionRepr{opt.type, opt.data}));
      ++i;
    }
    HS_FUZZ_CHECK(i == want.options.size());
    auto alone = Ipv6OptionsHeaderRepr::parse(v->bytes(), h.kind == Ipv6NextHeader::hop_by_hop);
    HS_FUZZ_CHECK(alone && *alone == want);
    HS_FUZZ_CHECK(h.header_len() <= v->header_len());
    at += v->header_len();
  }
  HS_FUZZ_CHECK(at <= ip.datagram_len());
  return at - ipv6_field::header_len;
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
  HS_FUZZ_CHECK(ip.datagram_len() >= ipv6_field::header_len && ip.datagram_len() <= size);
  HS_FUZZ_CHECK(ip.payload().size() + ipv6_field::header_len == ip.datagram_len());
  if (!ip.is_jumbogram() && !ip.payload_length_missing())
    HS_FUZZ_CHECK(ip.payload().size() == ip.payload_len());

  // The fixed header alone: emit, parse, compare.
  {
    const Ipv6Repr repr = Ipv6Repr::parse(ip);
    std::array<std::byte, 40> fixed{};
    auto written = repr.emit(fixed);
    HS_FUZZ_CHECK(written && *written == ipv6_field::header_len);
    HS_FUZZ_CHECK(std::equal(fixed.begin(), fixed.end(), input.begin()));
  }

  const Ipv6ExtLimits limits;
  auto walked = Ipv6ExtChain::walk(ip, limits);
  if (walked) {
    check_walk(*walked, ip, limits);
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
  const std::size_t chain_len = check_headers(*repr, ip);
  const bool comparable =
      walked && (walked->end == Ipv6ChainEnd::upper_layer || walked->end == Ipv6ChainEnd::fragment);
  if (comparable) HS_FUZZ_CHECK(chain_len == walked->chain_len());
  check_chain_round_trip(*repr, chain_len, ip, comparable ? &*walked : nullptr);
  return 0;
}
