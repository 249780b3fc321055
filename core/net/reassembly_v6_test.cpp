// IPv6 reassembly (RFC 8200 4.5, RFC 5722, RFC 6946): the IPv6 front-end of
// the engine tested in reassembly_test.cpp. Datagrams that come out are
// walked with the wire layer's extension-header chain.
#include <array>
#include <boost/test/unit_test.hpp>
#include <vector>

#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "reassembly.hpp"

using namespace hardstack::net;
using namespace hardstack::wire;

namespace {

const Instant t0 = Instant::from_ns(5'000'000'000);

Ipv6FragmentKey key6(std::uint32_t id = 0xdeadbeef) {
  return {*Ipv6Address::from_string("2001:db8::1"), *Ipv6Address::from_string("2001:db8::2"), id};
}

std::vector<std::byte> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((seed + i * 13) & 0xff);
  return v;
}

// A fragment's headers as received: fixed header, an optional Destination
// Options header (8 bytes of PadN) before the Fragment header, the Fragment
// header carrying `upper` as Next Header.
std::vector<std::byte> ipv6_headers(const Ipv6FragmentKey& k, bool dest_opts, std::uint32_t offset, bool more,
                                    std::size_t payload_len, std::uint8_t upper = 58) {
  const std::size_t ext = dest_opts ? 8 : 0;
  std::vector<std::byte> h(40 + ext + 8);
  store_be32(h, 0, 0x60000000u);
  store_be16(h, 4, static_cast<std::uint16_t>(ext + 8 + payload_len));
  store_u8(h, 6, dest_opts ? 60 : 44);
  store_u8(h, 7, 64);
  k.source.store(h, 8);
  k.destination.store(h, 24);
  if (dest_opts) {
    store_u8(h, 40, 44);
    store_u8(h, 41, 0);
    store_u8(h, 42, 1);  // PadN, 4 bytes of zeros
    store_u8(h, 43, 4);
  }
  store_u8(h, 40 + ext, upper);
  store_be16(h, 40 + ext + 2, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
  store_be32(h, 40 + ext + 4, k.identification);
  return h;
}

struct Sender {
  Ipv6FragmentKey key = key6();
  std::vector<std::byte> data;
  bool dest_opts = false;
  std::vector<std::vector<std::byte>> keep;

  explicit Sender(std::size_t n, std::uint8_t seed = 3) : data(pattern(n, seed)) {}
  Ipv6Reassembler::Fragment frag(std::uint32_t offset, std::uint32_t len, bool more,
                                 std::uint8_t upper = 58) {
    Ipv6Reassembler::Fragment f;
    f.key = key;
    f.offset = offset;
    f.more_fragments = more;
    f.payload = Bytes(data).subspan(offset, len);
    if (offset == 0) {
      f.header = keep.emplace_back(ipv6_headers(key, dest_opts, offset, more, len, upper));
      f.next_header_offset = dest_opts ? 40 : 6;
    }
    return f;
  }
};

Ipv6Reassembler make(ReassemblyConfig c = Ipv6Reassembler::default_config()) {
  SeededEntropy e(11);
  auto r = Ipv6Reassembler::create(c, e);
  BOOST_REQUIRE(r.has_value());
  return std::move(r).value();
}

// The datagram parses, its chain walks to the upper layer with no Fragment
// header left, and it carries exactly the sender's bytes.
void check_datagram(const ReassemblyOutcome& out, const Sender& s,
                    Ipv6NextHeader upper = Ipv6NextHeader::icmpv6) {
  BOOST_REQUIRE((out.status == ReassemblyStatus::complete));
  auto view = Ipv6View::parse(out.datagram);
  BOOST_REQUIRE(view.has_value());
  const std::size_t ext = s.dest_opts ? 8 : 0;
  BOOST_TEST(view->payload_len() == ext + s.data.size());
  BOOST_TEST(out.datagram.size() == 40 + ext + s.data.size());
  BOOST_TEST((view->src() == s.key.source));
  BOOST_TEST((view->dst() == s.key.destination));
  auto chain = Ipv6ExtChain::walk(*view);
  BOOST_REQUIRE(chain.has_value());
  BOOST_TEST((chain->end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST((chain->next_header == upper));
  BOOST_TEST(chain->fragment_header_offset == 0u);
  BOOST_TEST(chain->end_offset == 40 + ext);
  BOOST_TEST(same_bytes(out.datagram.subspan(40 + ext), s.data));
}

}  // namespace

BOOST_AUTO_TEST_CASE(V6_FRAG_1_fragments_reassemble_without_the_fragment_header) {
  auto r = make();
  Sender s(3000);
  BOOST_TEST((r.submit(s.frag(1448, 1448, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(2896, 104, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST(r.memory_in_use() == Ipv6Reassembler::queue_cost() + Ipv6Reassembler::fragment_cost(0, 1448) +
                                      Ipv6Reassembler::fragment_cost(0, 104));
  auto out = r.submit(s.frag(0, 1448, true), t0);
  check_datagram(out, s);
  BOOST_TEST(load_u8(out.datagram, 6) == 58u);
  BOOST_TEST(load_u8(out.datagram, 7) == 64u);  // hop limit as the first fragment had it
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.counters().reasm_oks == 1u);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_1_unfragmentable_extension_headers_are_kept) {
  auto r = make();
  Sender s(64);
  s.dest_opts = true;
  BOOST_TEST((r.submit(s.frag(0, 32, true), t0).status == ReassemblyStatus::held));
  auto out = r.submit(s.frag(32, 32, false), t0);
  check_datagram(out, s);
  BOOST_TEST(load_u8(out.datagram, 6) == 60u);   // fixed header still names Destination Options
  BOOST_TEST(load_u8(out.datagram, 40) == 58u);  // which now names ICMPv6
}

BOOST_AUTO_TEST_CASE(
    V6_FRAG_1_key_is_source_destination_identification_and_next_header_comes_from_the_first) {
  auto r = make();
  Sender s(32);
  // RFC 8200 4.5: Next Header values may differ between fragments; the
  // first fragment's is used. The key has no protocol.
  auto later = s.frag(16, 16, false);
  BOOST_TEST((r.submit(later, t0).status == ReassemblyStatus::held));
  Sender other_id(32);
  other_id.key.identification = 1;
  Sender other_src(32);
  other_src.key.source = *Ipv6Address::from_string("2001:db8::99");
  BOOST_TEST((r.submit(other_id.frag(0, 16, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(other_src.frag(0, 16, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST(r.queue_count() == 3u);
  check_datagram(r.submit(s.frag(0, 16, true, 17), t0), s, Ipv6NextHeader::udp);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_2_non_last_fragment_not_multiple_of_8_is_discarded) {
  auto r = make();
  Sender s(64);
  auto out = r.submit(s.frag(0, 20, true), t0);
  BOOST_TEST((out.status == ReassemblyStatus::dropped));
  BOOST_TEST((out.reason == ReassemblyDrop::not_multiple_of_8));
  BOOST_TEST(r.queue_count() == 0u);
  BOOST_TEST(r.counters().reasm_fails == 0u);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_3_offset_plus_length_past_65535_is_too_big) {
  auto r = make();
  Sender s(65535);
  auto out = r.submit(s.frag(65528, 7, false), t0);  // ends at 65535: fine
  BOOST_TEST((out.status == ReassemblyStatus::held));
  std::vector<std::byte> nine(9);
  auto over = s.frag(65528, 7, false);
  over.payload = nine;  // ends at 65537
  out = r.submit(over, t0);
  BOOST_TEST((out.reason == ReassemblyDrop::too_big));
  BOOST_TEST(out.queue_discarded);
  // The largest datagram: Payload Length 65535.
  for (std::uint32_t off = 0; off < 65528; off += 8192)
    BOOST_TEST((r.submit(s.frag(off, std::min<std::uint32_t>(8192, 65528 - off), true), t0).status ==
                ReassemblyStatus::held));
  out = r.submit(s.frag(65528, 7, false), t0);
  check_datagram(out, s);
  BOOST_TEST(load_be16(out.datagram, 4) == 65535u);
  // With 8 bytes of Destination Options the same data no longer fits.
  Sender d(65535);
  d.dest_opts = true;
  BOOST_TEST((r.submit(d.frag(65528, 7, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(d.frag(0, 8, true), t0).reason == ReassemblyDrop::too_big));
  BOOST_TEST(r.memory_in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_4_overlap_discards_and_exact_duplicate_is_ignored) {
  auto r = make();
  Sender s(48);
  BOOST_TEST((r.submit(s.frag(16, 16, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(16, 16, true), t0).status == ReassemblyStatus::duplicate));
  auto out = r.submit(s.frag(24, 24, false), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::overlap));
  BOOST_TEST(out.queue_discarded);
  BOOST_TEST(r.counters().reasm_overlaps == 1u);
  BOOST_TEST(r.counters().duplicates == 1u);
  BOOST_TEST(r.memory_in_use() == 0u);
  // Nothing of it comes out, even once the rest arrives: those fragments
  // start a new queue that lacks the discarded one.
  BOOST_TEST((r.submit(s.frag(0, 16, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(32, 16, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST(r.counters().reasm_oks == 0u);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_5_atomic_fragment_is_processed_alone) {
  auto r = make();
  Sender s(32);
  BOOST_TEST((r.submit(s.frag(16, 16, false), t0).status == ReassemblyStatus::held));
  // Same identification, offset 0, M=0: RFC 6946, never merged.
  Sender atomic(24, 9);
  auto out = r.submit(atomic.frag(0, 24, false), t0);
  check_datagram(out, atomic);
  const auto info = r.find(s.key);
  BOOST_REQUIRE(info.has_value());
  BOOST_TEST(info->fragments == 1u);
  BOOST_TEST(!info->first_received);
  BOOST_TEST(r.counters().reasm_reqds == 2u);
  BOOST_TEST(r.counters().reasm_oks == 1u);
  // An atomic fragment with no data at all is a whole (empty) datagram too.
  Sender none(0);
  out = r.submit(none.frag(0, 0, false, 59), t0);
  BOOST_TEST((out.status == ReassemblyStatus::complete));
  BOOST_TEST(out.datagram.size() == 40u);
  BOOST_TEST(load_u8(out.datagram, 6) == 59u);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_7_timeout_is_60_seconds_and_reports_the_first_fragment) {
  auto r = make();
  Sender s(64);
  s.dest_opts = true;
  auto first = s.frag(0, 32, true);
  BOOST_TEST((r.submit(first, t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.next_deadline() == t0 + Duration::seconds(60)));
  BOOST_TEST(r.poll(t0 + Duration::seconds(59)) == 0u);
  std::vector<std::byte> quoted;
  std::size_t header_len = 0;
  BOOST_TEST(r.poll(t0 + Duration::seconds(60), [&](const Ipv6Reassembler::Expired& e) {
    BOOST_TEST(e.first_fragment_received);
    quoted.assign(e.first_fragment.begin(), e.first_fragment.end());
    header_len = e.first_fragment_header_len;
  }) == 1u);
  // As received, Fragment header included: what ICMPv6 time exceeded quotes.
  BOOST_TEST(header_len == 56u);
  BOOST_REQUIRE(quoted.size() == 56u + 32u);
  BOOST_TEST(same_bytes(Bytes(quoted).first(56), first.header));
  BOOST_TEST(same_bytes(Bytes(quoted).subspan(56), first.payload));
  auto view = Ipv6View::parse(quoted);
  BOOST_REQUIRE(view.has_value());
  auto chain = Ipv6ExtChain::walk(*view);
  BOOST_REQUIRE(chain.has_value());
  BOOST_TEST((chain->end == Ipv6ChainEnd::fragment));
  BOOST_TEST(r.counters().reasm_timeout == 1u);
  BOOST_TEST(r.memory_in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_7_timeout_without_the_first_fragment_reports_none) {
  auto r = make();
  Sender s(64);
  BOOST_TEST((r.submit(s.frag(32, 32, false), t0).status == ReassemblyStatus::held));
  bool first = true;
  BOOST_TEST(r.poll(t0 + Duration::seconds(60),
                    [&](const Ipv6Reassembler::Expired& e) { first = e.first_fragment_received; }) == 1u);
  BOOST_TEST(!first);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_8_caps_apply_to_ipv6) {
  auto c = Ipv6Reassembler::default_config();
  c.max_fragments_per_datagram = 3;
  c.memory_cap = 2 * (Ipv6Reassembler::queue_cost() + Ipv6Reassembler::fragment_cost(0, 8));
  auto r = make(c);
  std::vector<Sender> s;
  for (std::uint32_t id = 0; id < 3; ++id) {
    s.emplace_back(64);
    s.back().key.identification = id;
    BOOST_TEST((r.submit(s.back().frag(8, 8, true), t0).status == ReassemblyStatus::held));
    BOOST_TEST(r.memory_in_use() <= c.memory_cap);
  }
  BOOST_TEST(!r.find(s[0].key).has_value());
  BOOST_TEST(r.counters().evictions == 1u);
  c.memory_cap = Ipv6Reassembler::default_config().memory_cap;
  auto r2 = make(c);
  Sender t(64);
  for (std::uint32_t off : {8u, 24u, 40u})
    BOOST_TEST((r2.submit(t.frag(off, 8, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r2.submit(t.frag(56, 8, false), t0).reason == ReassemblyDrop::too_many_fragments));
}

BOOST_AUTO_TEST_CASE(first_fragment_header_must_end_in_the_fragment_header) {
  auto r = make();
  Sender s(32);
  auto f = s.frag(0, 16, true);
  std::vector<std::byte> short_header(f.header.begin(), f.header.begin() + 47);
  auto bad = f;
  bad.header = short_header;
  BOOST_TEST((r.submit(bad, t0).reason == ReassemblyDrop::invalid_header));
  bad = f;
  bad.next_header_offset = 7;  // the hop limit, not a Next Header naming 44
  BOOST_TEST((r.submit(bad, t0).reason == ReassemblyDrop::invalid_header));
  bad.next_header_offset = 48;  // inside the Fragment header itself
  BOOST_TEST((r.submit(bad, t0).reason == ReassemblyDrop::invalid_header));
  BOOST_TEST(r.queue_count() == 0u);
  BOOST_TEST((r.submit(f, t0).status == ReassemblyStatus::held));
}
