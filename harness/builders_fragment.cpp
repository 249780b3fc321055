// fragment_ipv4 / fragment_ipv6: a datagram split into fragments of given sizes.
#include <string>
#include <utility>

#include "builders.hpp"
#include "builders_internal.hpp"
#include "hardstack/wire/ipv6_ext.hpp"

namespace hardstack::harness {

using detail::builder_failure;
using detail::emitted;
using wire::Bytes;

namespace {

using Frames = std::vector<std::vector<std::byte>>;

struct Piece {
  std::size_t offset;  // in the fragmentable data, bytes
  std::size_t size;
};

// The listed sizes, then the rest as one more fragment (if any is left, or
// if nothing was listed). All but the last must be multiples of 8.
std::vector<Piece> split(std::size_t data_len, const std::vector<std::size_t>& sizes, const char* what) {
  std::vector<Piece> pieces;
  std::size_t at = 0;
  for (const std::size_t size : sizes) {
    if (size > data_len - at)
      builder_failure("%s: the sizes add up to more than the %zu bytes of data", what, data_len);
    pieces.push_back({at, size});
    at += size;
  }
  if (at < data_len || pieces.empty()) pieces.push_back({at, data_len - at});
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i)
    if (pieces[i].size % 8 != 0)
      builder_failure("%s: fragment %zu carries %zu bytes, not a multiple of 8 (RFC 791 3.2, RFC 8200 4.5)",
                      what, i, pieces[i].size);
  return pieces;
}

// Builds `packet`, splits what follows its Ethernet header (if any) with
// `split_datagram`, and puts the header back on every fragment.
template <typename F>
Frames with_link_header(const Packet& packet, F split_datagram) {
  const auto frame = packet.build();
  std::size_t link_len = 0;
  if (packet.link_type() == net::LinkType::ethernet) {
    const auto eth = wire::EthernetView::parse(frame);
    if (!eth)
      builder_failure("fragment: the Ethernet header does not parse (%s)",
                      wire::describe(eth.error()).c_str());
    link_len = eth->header_len();
  }
  Frames fragments = split_datagram(Bytes(frame).subspan(link_len));
  for (auto& f : fragments)
    f.insert(f.begin(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(link_len));
  return fragments;
}

}  // namespace

Frames fragment_ipv4(Bytes datagram, const std::vector<std::size_t>& sizes) {
  const char* what = "fragment_ipv4()";
  const auto view = wire::Ipv4View::parse(datagram, wire::ChecksumMode::ignore);
  if (!view) builder_failure("%s: not an IPv4 datagram (%s)", what, wire::describe(view.error()).c_str());
  const auto repr = wire::Ipv4Repr::parse(*view);
  if (!repr) builder_failure("%s: its options do not parse (%s)", what, wire::describe(repr.error()).c_str());
  const Bytes data = view->payload();
  const auto pieces = split(data.size(), sizes, what);
  Frames out;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    wire::Ipv4Repr f = *repr;
    // RFC 791 3.2 / V4-OPT-7: options without the copied flag go in the first fragment only.
    if (k > 0) f.options = repr->options.copied_only();
    f.fragment_offset = static_cast<std::uint16_t>(repr->fragment_offset + pieces[k].offset / 8);
    f.more_fragments = k + 1 < pieces.size() || repr->more_fragments;
    f.payload_len = static_cast<std::uint16_t>(pieces[k].size);
    std::vector<std::byte> bytes(f.total_len());
    emitted(f.emit(bytes, data.subspan(pieces[k].offset, pieces[k].size)), what);
    out.push_back(std::move(bytes));
  }
  return out;
}

Frames fragment_ipv4(const Packet& packet, const std::vector<std::size_t>& sizes) {
  return with_link_header(packet, [&](Bytes d) { return fragment_ipv4(d, sizes); });
}

Frames fragment_ipv6(Bytes datagram, const std::vector<std::size_t>& sizes, std::uint32_t identification) {
  const char* what = "fragment_ipv6()";
  const auto view = wire::Ipv6View::parse(datagram);
  if (!view) builder_failure("%s: not an IPv6 datagram (%s)", what, wire::describe(view.error()).c_str());
  const Bytes d = view->datagram();

  // RFC 8200 4.5: the per-fragment headers are Hop-by-Hop and Routing and
  // whatever comes before the last of them (Destination Options for the
  // Routing header). `nh_field`: the Next Header field that will name the
  // Fragment header, the one of the last per-fragment header.
  std::size_t nh_field = wire::ipv6_field::next_header.begin;
  std::size_t unfragmentable_end = wire::ipv6_field::header_len;
  std::size_t offset = wire::ipv6_field::header_len;
  auto nh = static_cast<wire::Ipv6NextHeader>(wire::load_u8(d, nh_field));
  while (nh == wire::Ipv6NextHeader::hop_by_hop || nh == wire::Ipv6NextHeader::routing ||
         nh == wire::Ipv6NextHeader::destination_options) {
    const auto h = wire::Ipv6OptionsHeaderView::parse(d, offset);
    if (!h)
      builder_failure("%s: an extension header does not parse (%s)", what, wire::describe(h.error()).c_str());
    if (nh != wire::Ipv6NextHeader::destination_options) {
      nh_field = offset;
      unfragmentable_end = offset + h->header_len();
    }
    nh = h->next_header();
    offset += h->header_len();
  }
  if (nh == wire::Ipv6NextHeader::fragment) builder_failure("%s: the datagram is a fragment already", what);

  const auto first_fragmentable = static_cast<wire::Ipv6NextHeader>(wire::load_u8(d, nh_field));
  const Bytes extension_headers =
      d.subspan(wire::ipv6_field::header_len, unfragmentable_end - wire::ipv6_field::header_len);
  const Bytes data = d.subspan(unfragmentable_end);
  const auto pieces = split(data.size(), sizes, what);
  Frames out;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    wire::Ipv6FragmentHeaderRepr fh;
    fh.next_header = first_fragmentable;
    fh.fragment_offset = static_cast<std::uint16_t>(pieces[k].offset / 8);
    fh.more_fragments = k + 1 < pieces.size();
    fh.identification = identification;

    std::vector<std::byte> payload(extension_headers.begin(), extension_headers.end());
    if (nh_field != wire::ipv6_field::next_header.begin)
      payload[nh_field - wire::ipv6_field::header_len] =
          std::byte{static_cast<std::uint8_t>(wire::Ipv6NextHeader::fragment)};
    std::vector<std::byte> header(fh.header_len());
    emitted(fh.emit(header), what);
    payload.insert(payload.end(), header.begin(), header.end());
    const Bytes piece = data.subspan(pieces[k].offset, pieces[k].size);
    payload.insert(payload.end(), piece.begin(), piece.end());

    wire::Ipv6Repr ip = wire::Ipv6Repr::parse(*view);
    if (payload.size() > wire::ipv6_field::max_payload_len)
      builder_failure("%s: a fragment over 65535 bytes", what);
    ip.payload_len = static_cast<std::uint16_t>(payload.size());
    if (nh_field == wire::ipv6_field::next_header.begin) ip.next_header = wire::Ipv6NextHeader::fragment;
    std::vector<std::byte> bytes(wire::ipv6_field::header_len + payload.size());
    emitted(ip.emit(bytes, payload), what);
    out.push_back(std::move(bytes));
  }
  return out;
}

Frames fragment_ipv6(const Packet& packet, const std::vector<std::size_t>& sizes,
                     std::uint32_t identification) {
  return with_link_header(packet, [&](Bytes d) { return fragment_ipv6(d, sizes, identification); });
}

}  // namespace hardstack::harness
