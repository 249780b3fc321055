// TCP segments with options. Input: the segment (the IP payload); the
// pseudo-header is IPv4 192.0.2.1 -> 192.0.2.2.
// Invariants: errors point inside the input; header, options and payload lie
// inside the input; the option walker never reads outside the header and
// yields at most 20 options; at most 4 SACK blocks; a segment that parses
// re-emits to bytes that parse, with the checksum verified (over IPv4 and
// IPv6), to an equal value.
#include <array>
#include <cstring>
#include <iterator>

#include "fuzz_support.hpp"
#include "hardstack/wire/inline_vector.hpp"
#include "hardstack/wire/tcp.hpp"

using namespace hardstack::wire;
using hardstack::fuzz::inside;

namespace {

constexpr auto ipv4_pseudo = PseudoHeader::v4(hardstack::fuzz::doc_ipv4_src, hardstack::fuzz::doc_ipv4_dst);
constexpr auto ipv6_pseudo = PseudoHeader::v6(hardstack::fuzz::doc_ipv6_src, hardstack::fuzz::doc_ipv6_dst);

// Segments longer than this are checked up to the emit (64 KiB of payload
// copies per input would only slow the fuzzer down).
constexpr std::size_t max_round_trip = 0x10000;
std::array<std::byte, max_round_trip + tcp_field::max_header_len> out;

void check_walk(const TcpView& view) {
  const Bytes header = view.bytes().first(view.header_len());
  auto walker = view.option_walker();
  std::size_t count = 0;
  while (auto tlv = walker.next()) {
    ++count;
    HS_FUZZ_CHECK(count <= tcp_option_len::max_option_space / 2);
    HS_FUZZ_CHECK(tlv->kind > 1);  // EOL and NOP are never yielded
    HS_FUZZ_CHECK(inside(tlv->data, view.options()));
    HS_FUZZ_CHECK(tlv->offset >= tcp_field::options_begin);
    HS_FUZZ_CHECK(tlv->offset + 2 + tlv->data.size() <= view.header_len());
    HS_FUZZ_CHECK(tlv->data.data() == header.data() + tlv->offset + 2);
  }
  const auto stop = walker.stop();
  HS_FUZZ_CHECK(stop.offset >= tcp_field::options_begin && stop.offset <= view.header_len());
  if (stop.reason == TcpOptionStop::end_of_header) HS_FUZZ_CHECK(stop.offset == view.header_len());
  if (stop.reason == TcpOptionStop::end_of_option_list) HS_FUZZ_CHECK(load_u8(header, stop.offset) == 0);
  if (stop.reason == TcpOptionStop::missing_length) HS_FUZZ_CHECK(stop.offset == view.header_len());
  if (stop.reason == TcpOptionStop::length_too_small) HS_FUZZ_CHECK(load_u8(header, stop.offset) < 2);
}

// RFC 9293 3.1 / RFC 3168 6.1: the flag accessors read the raw bits after the
// data offset, and the named flags or-ed back together give the same value.
void check_flags(const TcpView& view, Bytes input) {
  const auto raw = static_cast<std::uint16_t>(load_be16(input, tcp_field::flags.begin) & 0x0fff);
  const TcpFlags f = view.flags();
  HS_FUZZ_CHECK(f.bits() == raw && f.control_bits() == (raw & 0xff) && f.reserved() == (raw >> 8));
  HS_FUZZ_CHECK(f.fin() == ((raw & 0x01) != 0) && f.syn() == ((raw & 0x02) != 0) &&
                f.rst() == ((raw & 0x04) != 0) && f.psh() == ((raw & 0x08) != 0) &&
                f.ack() == ((raw & 0x10) != 0) && f.urg() == ((raw & 0x20) != 0) &&
                f.ece() == ((raw & 0x40) != 0) && f.cwr() == ((raw & 0x80) != 0));
  TcpFlags rebuilt = TcpFlags::from_bits(raw & TcpFlags::reserved_mask);
  for (const TcpFlag flag : {TcpFlag::fin, TcpFlag::syn, TcpFlag::rst, TcpFlag::psh, TcpFlag::ack,
                             TcpFlag::urg, TcpFlag::ece, TcpFlag::cwr})
    if (f.has(flag)) rebuilt = rebuilt | TcpFlags(flag);
  HS_FUZZ_CHECK(rebuilt == f);
  if (f.syn() && f.ack()) HS_FUZZ_CHECK((f.bits() & (TcpFlag::syn | TcpFlag::ack).bits()) == 0x12);
  HS_FUZZ_CHECK(view.checksum() == load_be16(input, tcp_field::checksum.begin));
}

// RFC 9293 3.1: `verify` accepts exactly the segments whose sum with the
// pseudo-header, written out by hand, is 0xffff.
void check_verification(const TcpView& view, Bytes input) {
  const auto by_hand =
      hardstack::fuzz::pseudo_header_bytes(hardstack::fuzz::doc_ipv4_src, hardstack::fuzz::doc_ipv4_dst, 6,
                                           static_cast<std::uint16_t>(input.size()));
  const bool sums = hardstack::fuzz::ones_complement_sum({by_hand.span(), input}) == 0xffff;
  HS_FUZZ_CHECK(view.verify_checksum(ipv4_pseudo) == sums);
  auto verified = TcpRepr::parse(view, ipv4_pseudo, ChecksumMode::verify);
  HS_FUZZ_CHECK(verified.has_value() == sums);
  if (!verified)
    HS_FUZZ_CHECK((verified.error() == ParseError{WireError::bad_checksum, tcp_field::checksum.begin}));
}

// Every walk stop has a name of its own (data, not input: checked once).
bool check_stop_names() {
  const TcpOptionStop stops[] = {TcpOptionStop::end_of_header, TcpOptionStop::end_of_option_list,
                                 TcpOptionStop::missing_length, TcpOptionStop::length_too_small,
                                 TcpOptionStop::length_past_header};
  for (std::size_t i = 0; i < std::size(stops); ++i) {
    HS_FUZZ_CHECK(std::strcmp(to_string(stops[i]), "unknown_stop") != 0);
    for (std::size_t j = 0; j < i; ++j)
      HS_FUZZ_CHECK(std::strcmp(to_string(stops[i]), to_string(stops[j])) != 0);
  }
  HS_FUZZ_CHECK(std::strcmp(to_string(static_cast<TcpOptionStop>(0xff)), "unknown_stop") == 0);
  return true;
}

// An option's kind and data, kept as an unknown option, encode exactly when
// parse() would keep them as unknown: a kind parse() interprets (0-5, 8)
// would not read back, and is refused.
void check_unknown_wrapping(const TcpView& view) {
  static const bool names_checked = check_stop_names();
  (void)names_checked;
  auto walker = view.option_walker();
  while (auto tlv = walker.next()) {
    TcpOptions one;
    TcpUnknownOption u;
    u.kind = tlv->kind;
    for (const std::byte b : tlv->data) HS_FUZZ_CHECK(u.data.push_back(b));
    HS_FUZZ_CHECK(one.unknown.push_back(u));
    const bool interpreted = tlv->kind <= 5 || tlv->kind == 8;
    auto len = one.encoded_len();
    HS_FUZZ_CHECK(len.has_value() == !interpreted);
    if (!len) {
      HS_FUZZ_CHECK(len.error() == WireError::unrepresentable);
      continue;
    }
    std::array<std::byte, tcp_option_len::max_option_space> area{};
    auto n = one.emit(area);
    HS_FUZZ_CHECK(n && *n == *len);
    const auto back = TcpOptions::parse(Bytes(area).first(*n));
    HS_FUZZ_CHECK(back.options == one);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = hardstack::fuzz::as_bytes(data, size);
  auto view = TcpView::parse(input);
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), size);
    HS_FUZZ_CHECK(view.error().code == WireError::truncated ||
                  view.error().offset == tcp_field::data_offset.begin);
    return 0;
  }
  // TCP-HDR-1: 20 <= header <= 60 and inside the segment.
  HS_FUZZ_CHECK(view->header_len() >= tcp_field::header_len &&
                view->header_len() <= tcp_field::max_header_len);
  HS_FUZZ_CHECK(view->header_len() <= size);
  HS_FUZZ_CHECK(inside(view->options(), input) && inside(view->payload(), input));
  HS_FUZZ_CHECK(view->options().size() + view->payload().size() + tcp_field::header_len == size);
  check_walk(*view);
  check_flags(*view, input);
  check_verification(*view, input);
  check_unknown_wrapping(*view);

  const auto parsed = TcpOptions::parse(view->options());
  HS_FUZZ_CHECK(parsed.options.sack_blocks.size() <= TcpOptions::max_sack_blocks);
  HS_FUZZ_CHECK(!parsed.options.window_scale ||
                parsed.options.window_scale->effective_shift() <= TcpWindowScale::max_shift);
  // Nothing is dropped for lack of room: a 40-byte area fits the value.
  for (const auto& u : parsed.options.unknown) HS_FUZZ_CHECK(u.kind > 1);

  auto repr = TcpRepr::parse(*view, ipv4_pseudo, hardstack::fuzz::checksum_mode(ChecksumMode::ignore));
  if (!repr) {
    HS_FUZZ_CHECK((repr.error() == ParseError{WireError::bad_checksum, tcp_field::checksum.begin}));
    return 0;
  }
  HS_FUZZ_CHECK(repr->options == parsed.options);
  HS_FUZZ_CHECK(repr->payload_len == view->payload().size());
  // RFC 9293 3.4 modular arithmetic on the segment's own numbers.
  {
    const SeqNum a = repr->seq;
    const SeqNum b = repr->ack;
    const std::uint32_t d = distance(a, b);
    HS_FUZZ_CHECK(a + d == b && b - d == a);
    HS_FUZZ_CHECK(before(a, b) == after(b, a));
    HS_FUZZ_CHECK(before_or_equal(a, b) == (a == b || before(a, b)));
    HS_FUZZ_CHECK(!(a == b) || (!before(a, b) && after_or_equal(a, b)));
    if (d != 0 && d != 0x80000000u) HS_FUZZ_CHECK(before(a, b) != before(b, a));
    HS_FUZZ_CHECK(a.in_window(a, 1) && !a.in_window(a, 0));
    HS_FUZZ_CHECK(b.in_window(a, d == 0xffffffffu ? d : d + 1) == (d != 0xffffffffu));
    SeqNum c = a;
    c += d;
    c -= d;
    HS_FUZZ_CHECK(c == a);
  }
  if (repr->payload_len > max_round_trip) return 0;

  // Anything that parsed is representable (TCP-OPT-1 values fit 40 bytes).
  const auto hlen = repr->header_len();
  HS_FUZZ_CHECK(hlen && *hlen % 4 == 0 && *hlen <= tcp_field::max_header_len);
  for (const PseudoHeader* pseudo : {&ipv4_pseudo, &ipv6_pseudo}) {
    auto written = repr->emit(out, view->payload(), *pseudo);
    HS_FUZZ_CHECK(written && *written == *hlen + repr->payload_len);
    auto again = TcpView::parse(Bytes(out).first(*written));
    HS_FUZZ_CHECK(again.has_value() && again->header_len() == *hlen);
    auto again_repr = TcpRepr::parse(*again, *pseudo, ChecksumMode::verify);
    HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
    HS_FUZZ_CHECK(same_bytes(again->payload(), view->payload()));
    // The re-emitted option area reads cleanly to its end (or its EOL padding).
    const auto reparsed = TcpOptions::parse(again->options());
    HS_FUZZ_CHECK(reparsed.ignored == 0);
    HS_FUZZ_CHECK(reparsed.stop.reason == TcpOptionStop::end_of_header ||
                  reparsed.stop.reason == TcpOptionStop::end_of_option_list);
  }
  return 0;
}
