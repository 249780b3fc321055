// Reassembly rules on IPv4 (the engine is shared: IPv6 specifics are in
// reassembly_v6_test.cpp). Every datagram that comes out is parsed back with
// the wire layer, header checksum verified.
#include "reassembly.hpp"

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <vector>

#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4.hpp"

using namespace hardstack::net;
using namespace hardstack::wire;

namespace {

const Instant t0 = Instant::from_ns(1'000'000'000);

Ipv4FragmentKey key4(std::uint16_t id = 0x1234) {
  return {*Ipv4Address::from_string("192.0.2.1"), *Ipv4Address::from_string("192.0.2.2"), 1, id};
}

std::vector<std::byte> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((seed + i * 7) & 0xff);
  return v;
}

// An IPv4 header as a fragment carries it: `header_len` 20..60 (options are
// NOPs), total length, id, flags and offset set, checksum computed.
std::vector<std::byte> ipv4_header(const Ipv4FragmentKey& k, std::size_t header_len, std::uint32_t offset,
                                   bool more, std::size_t payload_len, bool dont_fragment = false) {
  std::vector<std::byte> h(header_len, std::byte{0x01});
  store_u8(h, 0, static_cast<std::uint8_t>(0x40 | (header_len / 4)));
  store_u8(h, 1, 0);
  store_be16(h, 2, static_cast<std::uint16_t>(header_len + payload_len));
  store_be16(h, 4, k.identification);
  store_be16(h, 6,
             static_cast<std::uint16_t>((dont_fragment ? 0x4000 : 0) | (more ? 0x2000 : 0) | (offset / 8)));
  store_u8(h, 8, 64);
  store_u8(h, 9, k.protocol);
  store_be16(h, 10, 0);
  k.source.store(h, 12);
  k.destination.store(h, 16);
  store_be16(h, 10, internet_checksum(h));
  return h;
}

// The remote sender: one datagram's data, cut into fragments on demand.
struct Sender {
  Ipv4FragmentKey key = key4();
  std::vector<std::byte> data;
  std::size_t header_len = 20;
  std::vector<std::vector<std::byte>> keep;  // header and odd payload buffers stay alive

  explicit Sender(std::size_t n, std::uint8_t seed = 1) : data(pattern(n, seed)) {}
  Ipv4Reassembler::Fragment frag(std::uint32_t offset, std::uint32_t len, bool more) {
    Ipv4Reassembler::Fragment f;
    f.key = key;
    f.offset = offset;
    f.more_fragments = more;
    f.payload = Bytes(data).subspan(offset, len);
    if (offset == 0) f.header = keep.emplace_back(ipv4_header(key, header_len, offset, more, len));
    return f;
  }
  // A fragment whose bytes are not the datagram's (an attacker's).
  Ipv4Reassembler::Fragment forged(std::uint32_t offset, std::vector<std::byte> bytes, bool more) {
    Ipv4Reassembler::Fragment f;
    f.key = key;
    f.offset = offset;
    f.more_fragments = more;
    f.payload = keep.emplace_back(std::move(bytes));
    if (offset == 0) f.header = keep.emplace_back(ipv4_header(key, header_len, 0, more, f.payload.size()));
    return f;
  }
};

Ipv4Reassembler make(ReassemblyConfig c = Ipv4Reassembler::default_config(), std::uint64_t seed = 7) {
  SeededEntropy e(seed);
  auto r = Ipv4Reassembler::create(c, e);
  BOOST_REQUIRE(r.has_value());
  return std::move(r).value();
}

// The datagram parses with the header checksum verified, is no fragment, and
// carries exactly the sender's bytes.
void check_datagram(const ReassemblyOutcome& out, const Sender& s) {
  BOOST_REQUIRE((out.status == ReassemblyStatus::complete));
  auto view = Ipv4View::parse(out.datagram, ChecksumMode::verify);
  BOOST_REQUIRE(view.has_value());
  BOOST_TEST(view->total_len() == s.header_len + s.data.size());
  BOOST_TEST(view->header_len() == s.header_len);
  BOOST_TEST(!view->is_fragment());
  BOOST_TEST(view->identification() == s.key.identification);
  BOOST_TEST(view->protocol() == s.key.protocol);
  BOOST_TEST((view->src() == s.key.source));
  BOOST_TEST((view->dst() == s.key.destination));
  BOOST_TEST(same_bytes(view->payload(), s.data));
}

std::size_t cost(std::size_t header, std::size_t len) { return Ipv4Reassembler::fragment_cost(header, len); }
std::size_t qcost() { return Ipv4Reassembler::queue_cost(); }

}  // namespace

// ---- Configuration ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(default_config_is_linux_like) {
  const auto c4 = Ipv4Reassembler::default_config();
  BOOST_TEST(c4.memory_cap == 4u * 1024 * 1024);
  BOOST_TEST(c4.max_fragments_per_datagram == 64u);
  BOOST_TEST((c4.timeout == Duration::seconds(30)));
  BOOST_TEST((Ipv6Reassembler::default_config().timeout == Duration::seconds(60)));
}

BOOST_AUTO_TEST_CASE(bad_configs_are_rejected_with_a_reason) {
  SeededEntropy e(1);
  auto check = [&](ReassemblyConfig c, ReassemblyConfigError want) {
    auto r = Ipv4Reassembler::create(c, e);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == want));
    BOOST_TEST(std::string(to_string(r.error())).size() > 10u);
  };
  auto c = Ipv4Reassembler::default_config();
  c.memory_cap = 0;
  check(c, ReassemblyConfigError::memory_cap_too_small);
  c.memory_cap = qcost() + cost(0, 8) - 1;
  check(c, ReassemblyConfigError::memory_cap_too_small);
  c = Ipv4Reassembler::default_config();
  c.max_fragments_per_datagram = 1;
  check(c, ReassemblyConfigError::bad_fragments_per_datagram);
  c.max_fragments_per_datagram = 8193;
  check(c, ReassemblyConfigError::bad_fragments_per_datagram);
  c = Ipv4Reassembler::default_config();
  c.max_queues = 0;
  check(c, ReassemblyConfigError::bad_max_queues);
  c = Ipv4Reassembler::default_config();
  c.timeout = Duration::zero();
  check(c, ReassemblyConfigError::bad_timeout);
  c.timeout = Duration::seconds(-1);
  check(c, ReassemblyConfigError::bad_timeout);
  c = Ipv4Reassembler::default_config();
  c.memory_cap = qcost() + cost(0, 8);
  c.max_fragments_per_datagram = 8192;
  BOOST_TEST(Ipv4Reassembler::create(c, e).has_value());
}

// ---- V4-FRAG-1: keys and order ------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_FRAG_1_in_order_fragments_reassemble) {
  auto r = make();
  Sender s(40);
  auto a = r.submit(s.frag(0, 16, true), t0);
  BOOST_TEST((a.status == ReassemblyStatus::held));
  BOOST_TEST(r.queue_count() == 1u);
  BOOST_TEST(r.memory_in_use() == qcost() + cost(20, 16));
  auto info = r.find(s.key);
  BOOST_REQUIRE(info.has_value());
  BOOST_TEST(info->fragments == 1u);
  BOOST_TEST(info->bytes_received == 16u);
  BOOST_TEST(info->first_received);
  BOOST_TEST(!info->last_received);
  BOOST_TEST(info->length == 16u);
  BOOST_TEST(info->memory == r.memory_in_use());
  BOOST_TEST((info->deadline == t0 + Duration::seconds(30)));
  BOOST_TEST((r.submit(s.frag(16, 16, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST(r.memory_in_use() == qcost() + cost(20, 16) + cost(0, 16));
  check_datagram(r.submit(s.frag(32, 8, false), t0), s);
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.queue_count() == 0u);
  BOOST_TEST(!r.find(s.key).has_value());
  BOOST_TEST(r.counters().reasm_reqds == 3u);
  BOOST_TEST(r.counters().reasm_oks == 1u);
  BOOST_TEST(r.counters().reasm_fails == 0u);
  BOOST_TEST((r.next_deadline() == Instant::never()));
}

BOOST_AUTO_TEST_CASE(V4_FRAG_1_every_arrival_order_reassembles_including_last_first) {
  std::array<int, 4> order{0, 1, 2, 3};
  int permutations = 0;
  do {
    auto r = make();
    Sender s(100);
    const std::array<std::pair<std::uint32_t, std::uint32_t>, 4> parts{
        {{0, 24}, {24, 32}, {56, 40}, {96, 4}}};
    ReassemblyOutcome last;
    for (int i = 0; i < 4; ++i) {
      const auto [off, len] = parts[order[i]];
      last = r.submit(s.frag(off, len, order[i] != 3), t0);
      if (i < 3) BOOST_TEST((last.status == ReassemblyStatus::held));
    }
    check_datagram(last, s);
    BOOST_TEST(r.memory_in_use() == 0u);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  BOOST_TEST(permutations == 24);
}

BOOST_AUTO_TEST_CASE(V4_FRAG_1_key_is_source_destination_protocol_identification) {
  auto r = make();
  Sender base(16);
  BOOST_TEST((r.submit(base.frag(0, 8, true), t0).status == ReassemblyStatus::held));
  // The last fragment under each other key does not complete the datagram.
  std::vector<Sender> others(4, Sender(16));
  others[0].key.source = *Ipv4Address::from_string("192.0.2.9");
  others[1].key.destination = *Ipv4Address::from_string("192.0.2.9");
  others[2].key.protocol = 17;
  others[3].key.identification = 0x1235;
  for (auto& o : others) BOOST_TEST((r.submit(o.frag(8, 8, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST(r.queue_count() == 5u);
  check_datagram(r.submit(base.frag(8, 8, false), t0), base);
  BOOST_TEST(r.queue_count() == 4u);
}

BOOST_AUTO_TEST_CASE(reassembled_header_keeps_options_and_df_clears_mf_offset_and_reserved_bit) {
  auto r = make();
  Sender s(24);
  s.header_len = 32;  // 12 bytes of options
  auto first = s.frag(0, 16, true);
  std::vector<std::byte> header(first.header.begin(), first.header.end());
  store_be16(header, 6, 0x8000 | 0x4000 | 0x2000);  // reserved + DF + MF
  first.header = header;
  BOOST_TEST((r.submit(first, t0).status == ReassemblyStatus::held));
  auto out = r.submit(s.frag(16, 8, false), t0);
  check_datagram(out, s);
  BOOST_TEST(load_be16(out.datagram, 6) == 0x4000);
  BOOST_TEST(same_bytes(out.datagram.subspan(20, 12), Bytes(header).subspan(20, 12)));
  BOOST_TEST(load_u8(out.datagram, 8) == 64u);  // TTL as the first fragment had it
}

BOOST_AUTO_TEST_CASE(offset_zero_without_more_fragments_is_a_whole_datagram_never_merged) {
  auto r = make();
  Sender s(16);
  BOOST_TEST((r.submit(s.frag(8, 8, true), t0).status == ReassemblyStatus::held));
  Sender whole(12);
  auto out = r.submit(whole.frag(0, 12, false), t0);
  check_datagram(out, whole);
  const auto info = r.find(s.key);
  BOOST_REQUIRE(info.has_value());
  BOOST_TEST(info->fragments == 1u);
  BOOST_TEST(r.counters().reasm_oks == 1u);
  BOOST_TEST(r.counters().reasm_reqds == 2u);
}

// ---- V4-FRAG-3: duplicates and overlaps ------------------------------------------

BOOST_AUTO_TEST_CASE(V4_FRAG_3_exact_duplicate_is_ignored) {
  auto r = make();
  Sender s(24);
  BOOST_TEST((r.submit(s.frag(8, 8, true), t0).status == ReassemblyStatus::held));
  const auto before = r.memory_in_use();
  BOOST_TEST((r.submit(s.frag(8, 8, true), t0).status == ReassemblyStatus::duplicate));
  BOOST_TEST(r.memory_in_use() == before);
  BOOST_TEST(r.find(s.key)->fragments == 1u);
  BOOST_TEST((r.submit(s.frag(0, 8, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(0, 8, true), t0).status == ReassemblyStatus::duplicate));
  check_datagram(r.submit(s.frag(16, 8, false), t0), s);
  BOOST_TEST(r.counters().duplicates == 2u);
  BOOST_TEST(r.counters().reasm_fails == 0u);
  BOOST_TEST(r.counters().reasm_overlaps == 0u);
}

BOOST_AUTO_TEST_CASE(V4_FRAG_3_overlap_discards_datagram_at_every_position) {
  // Held: [16, 32). Each case overlaps it a different way.
  struct Case {
    const char* shape;
    std::uint32_t offset;
    std::uint32_t len;
    bool more;
  };
  const std::array<Case, 9> cases{{
      {"covers its start", 8, 16, true},
      {"covers its end", 24, 16, true},
      {"inside, same start", 16, 8, true},
      {"inside, same end", 24, 8, true},
      {"covers it whole", 8, 32, true},
      {"same start, longer", 16, 24, true},
      {"from zero across it", 0, 24, true},
      {"last, reaching into it", 24, 9, false},
      {"same range, other bytes", 16, 16, true},
  }};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.shape) {
      auto r = make();
      Sender s(64);
      BOOST_TEST((r.submit(s.frag(16, 16, true), t0).status == ReassemblyStatus::held));
      auto f = c.len == 16 && c.offset == 16 ? s.forged(16, pattern(16, 99), true)
                                             : s.frag(c.offset, c.len, c.more);
      auto out = r.submit(f, t0);
      BOOST_TEST((out.status == ReassemblyStatus::dropped));
      BOOST_TEST((out.reason == ReassemblyDrop::overlap));
      BOOST_TEST(out.queue_discarded);
      BOOST_TEST(!r.find(s.key).has_value());
      BOOST_TEST(r.memory_in_use() == 0u);
      BOOST_TEST(r.counters().reasm_overlaps == 1u);
      BOOST_TEST(r.counters().reasm_fails == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(V4_FRAG_3_overlap_with_the_previous_or_next_of_several_fragments) {
  // Held: [0,8) [16,24) [32,40); the new fragment fits the gap but for one
  // byte... in 8-byte units: it spills into the neighbour on either side.
  for (const auto& [off, len] :
       std::array<std::pair<std::uint32_t, std::uint32_t>, 3>{{{8, 16}, {0, 16}, {24, 16}}}) {
    auto r = make();
    Sender s(64);
    for (const std::uint32_t o : {0u, 16u, 32u})
      BOOST_TEST((r.submit(s.frag(o, 8, true), t0).status == ReassemblyStatus::held));
    auto out = r.submit(s.frag(off, len, true), t0);
    BOOST_TEST((out.reason == ReassemblyDrop::overlap));
    BOOST_TEST(r.queue_count() == 0u);
    BOOST_TEST(r.memory_in_use() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(V4_FRAG_3_fragments_after_an_overlap_start_a_new_queue) {
  // Linux, and RFC 5722 as amended by erratum 3089: the datagram is forgotten.
  auto r = make();
  Sender s(24);
  BOOST_TEST((r.submit(s.frag(0, 16, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(8, 16, false), t0).reason == ReassemblyDrop::overlap));
  BOOST_TEST((r.submit(s.frag(16, 8, false), t0 + Duration::seconds(1)).status == ReassemblyStatus::held));
  const auto info = r.find(s.key);
  BOOST_REQUIRE(info.has_value());
  BOOST_TEST(info->fragments == 1u);
  BOOST_TEST(!info->first_received);
  BOOST_TEST((info->deadline == t0 + Duration::seconds(31)));
  check_datagram(r.submit(s.frag(0, 16, true), t0 + Duration::seconds(1)), s);
}

BOOST_AUTO_TEST_CASE(SEC_FRAG_1_teardrop_never_delivers_and_frees_everything) {
  // teardrop: a last fragment that lies inside the first one, so that a
  // trimming reassembler computes a negative length. Here it ends before data
  // already held: the datagram is discarded.
  auto r = make();
  Sender s(64);
  BOOST_TEST((r.submit(s.frag(0, 32, true), t0).status == ReassemblyStatus::held));
  auto out = r.submit(s.forged(24, pattern(4, 3), false), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::inconsistent_length));
  BOOST_TEST(out.queue_discarded);
  // The same shape with MF set ("bonk"/"newtear"): an overlap.
  BOOST_TEST((r.submit(s.frag(0, 32, true), t0).status == ReassemblyStatus::held));
  out = r.submit(s.frag(24, 8, true), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::overlap));
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.counters().reasm_oks == 0u);
  BOOST_TEST(r.counters().reasm_fails == 2u);
  // Still reassembles a well-formed datagram afterwards.
  Sender good(24);
  good.key.identification = 0x4321;
  BOOST_TEST((r.submit(good.frag(0, 16, true), t0).status == ReassemblyStatus::held));
  check_datagram(r.submit(good.frag(16, 8, false), t0), good);
}

BOOST_AUTO_TEST_CASE(SEC_FRAG_3_rfc1858_tiny_and_overlapping_fragments) {
  auto r = make();
  // Tiny fragments: the first carries 8 bytes of a TCP header, the flags come
  // later. Reassembly happens before the transport looks, so it sees the
  // whole header: the datagram is delivered intact.
  Sender tiny(40);
  tiny.key.protocol = 6;
  BOOST_TEST((r.submit(tiny.frag(0, 8, true), t0).status == ReassemblyStatus::held));
  check_datagram(r.submit(tiny.frag(8, 32, false), t0), tiny);
  // RFC 1858 4: a second fragment at offset 8 rewriting the header's flags.
  Sender over(40);
  over.key.protocol = 6;
  BOOST_TEST((r.submit(over.frag(0, 24, true), t0).status == ReassemblyStatus::held));
  auto out = r.submit(over.forged(8, pattern(32, 77), false), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::overlap));
  BOOST_TEST(r.memory_in_use() == 0u);
}

// ---- V4-FRAG-2: ping of death ----------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_FRAG_2_ping_of_death_discards_the_datagram) {
  auto r = make();
  Sender s(65535);
  BOOST_TEST((r.submit(s.frag(0, 1480, true), t0).status == ReassemblyStatus::held));
  // offset 65528 (8191 * 8) + 8 bytes: past 65535 with any header.
  auto out = r.submit(s.forged(65528, pattern(8, 1), false), t0);
  BOOST_TEST((out.status == ReassemblyStatus::dropped));
  BOOST_TEST((out.reason == ReassemblyDrop::too_big));
  BOOST_TEST(out.queue_discarded);
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.counters().reasm_fails == 1u);
  // Alone (no queue yet): dropped, nothing held.
  out = r.submit(s.forged(65512, pattern(24, 1), false), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::too_big));
  BOOST_TEST(!out.queue_discarded);
  BOOST_TEST(r.queue_count() == 0u);
}

BOOST_AUTO_TEST_CASE(V4_FRAG_2_a_65535_byte_datagram_is_the_largest_that_reassembles) {
  auto r = make();
  Sender s(65515);  // + 20-byte header = 65535
  for (std::uint32_t off = 0; off < 65512; off += 1480 * 8)
    BOOST_TEST((r.submit(s.frag(off, std::min<std::uint32_t>(1480 * 8, 65512 - off), true), t0).status ==
                ReassemblyStatus::held));
  auto out = r.submit(s.frag(65512, 3, false), t0);
  check_datagram(out, s);
  BOOST_TEST(out.datagram.size() == 65535u);
  // With a 24-byte first header the same data is 4 bytes too many.
  Sender big(65515);
  big.header_len = 24;
  BOOST_TEST((r.submit(big.frag(65512, 3, false), t0).status == ReassemblyStatus::held));
  out = r.submit(big.frag(0, 8, true), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::too_big));
  BOOST_TEST(out.queue_discarded);
  // And the other way round: the header is known before the fragment that ends too far.
  BOOST_TEST((r.submit(big.frag(0, 8, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(big.frag(65512, 3, false), t0).reason == ReassemblyDrop::too_big));
  BOOST_TEST(r.memory_in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(whole_datagram_past_65535_is_too_big) {
  auto r = make();
  Sender s(65516);
  auto out = r.submit(s.frag(0, 65516, false), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::too_big));
  BOOST_TEST(r.counters().reasm_fails == 1u);
}

// ---- V4-FRAG-4 and other fragment-only checks ----------------------------------------

BOOST_AUTO_TEST_CASE(V4_FRAG_4_non_last_fragment_not_multiple_of_8_is_discarded) {
  auto r = make();
  Sender s(40);
  BOOST_TEST((r.submit(s.frag(0, 16, true), t0).status == ReassemblyStatus::held));
  auto out = r.submit(s.frag(16, 12, true), t0);
  BOOST_TEST((out.status == ReassemblyStatus::dropped));
  BOOST_TEST((out.reason == ReassemblyDrop::not_multiple_of_8));
  BOOST_TEST(!out.queue_discarded);  // the fragment only
  BOOST_TEST(r.find(s.key)->fragments == 1u);
  BOOST_TEST(r.counters().reasm_fails == 0u);  // a header error: InHdrErrors
  // A last fragment may have any length.
  BOOST_TEST((r.submit(s.frag(16, 16, true), t0).status == ReassemblyStatus::held));
  check_datagram(r.submit(s.frag(32, 8, false), t0), s);
}

BOOST_AUTO_TEST_CASE(offset_not_in_8_byte_units_is_refused) {
  auto r = make();
  Sender s(40);
  BOOST_TEST((r.submit(s.frag(12, 8, true), t0).reason == ReassemblyDrop::not_multiple_of_8));
  BOOST_TEST(r.queue_count() == 0u);
}

BOOST_AUTO_TEST_CASE(first_fragment_needs_a_header) {
  auto r = make();
  Sender s(40);
  auto f = s.frag(0, 16, true);
  for (const std::size_t n : {0u, 19u, 22u, 64u}) {
    std::vector<std::byte> h(n);
    f.header = h;
    auto out = r.submit(f, t0);
    BOOST_TEST((out.reason == ReassemblyDrop::invalid_header));
  }
  BOOST_TEST(r.queue_count() == 0u);
  BOOST_TEST(r.counters().reasm_fails == 0u);
}

BOOST_AUTO_TEST_CASE(empty_fragment_discards_the_datagram) {
  auto r = make();
  Sender s(40);
  BOOST_TEST((r.submit(s.frag(0, 16, true), t0).status == ReassemblyStatus::held));
  auto out = r.submit(s.frag(16, 0, true), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::empty_fragment));
  BOOST_TEST(out.queue_discarded);
  BOOST_TEST(r.memory_in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(last_fragments_must_agree_on_the_length) {
  auto r = make();
  Sender s(64);
  // Two different ends.
  BOOST_TEST((r.submit(s.frag(32, 8, false), t0).status == ReassemblyStatus::held));
  auto out = r.submit(s.frag(40, 8, false), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::inconsistent_length));
  BOOST_TEST(out.queue_discarded);
  // Data past the known end.
  BOOST_TEST((r.submit(s.frag(32, 8, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(40, 8, true), t0).reason == ReassemblyDrop::inconsistent_length));
  // A last fragment ending before data held.
  BOOST_TEST((r.submit(s.frag(40, 8, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(24, 8, false), t0).reason == ReassemblyDrop::inconsistent_length));
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.counters().reasm_fails == 3u);
  BOOST_TEST(r.counters().reasm_overlaps == 0u);
}

// ---- V4-FRAG-5: timeout ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_FRAG_5_timeout_reports_the_first_fragment_as_received) {
  auto r = make();
  Sender s(40);
  auto first = s.frag(0, 16, true);
  BOOST_TEST((r.submit(first, t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s.frag(24, 16, false), t0 + Duration::seconds(10)).status == ReassemblyStatus::held));
  // Linux arms the timer once, at the first fragment.
  BOOST_TEST((r.next_deadline() == t0 + Duration::seconds(30)));
  int reports = 0;
  BOOST_TEST(r.poll(t0 + Duration::seconds(30) - Duration::nanoseconds(1), [&](const auto&) { ++reports; }) ==
             0u);
  BOOST_TEST(reports == 0);
  std::vector<std::byte> quoted;
  const auto n = r.poll(t0 + Duration::seconds(30), [&](const Ipv4Reassembler::Expired& e) {
    ++reports;
    BOOST_TEST((e.key == s.key));
    BOOST_TEST(e.first_fragment_received);
    BOOST_TEST(e.first_fragment_header_len == 20u);
    quoted.assign(e.first_fragment.begin(), e.first_fragment.end());
  });
  BOOST_TEST(n == 1u);
  BOOST_TEST(reports == 1);
  // Header then data: the fragment as it came, ready to quote in ICMP time exceeded code 1.
  BOOST_REQUIRE(quoted.size() == 36u);
  BOOST_TEST(same_bytes(Bytes(quoted).first(20), first.header));
  BOOST_TEST(same_bytes(Bytes(quoted).subspan(20), first.payload));
  auto view = Ipv4View::parse(quoted, ChecksumMode::verify);
  BOOST_REQUIRE(view.has_value());
  BOOST_TEST(view->more_fragments());
  BOOST_TEST(r.counters().reasm_timeout == 1u);
  BOOST_TEST(r.counters().reasm_fails == 1u);
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.queue_count() == 0u);
  BOOST_TEST((r.next_deadline() == Instant::never()));
}

BOOST_AUTO_TEST_CASE(V4_FRAG_5_timeout_without_the_first_fragment_reports_none) {
  auto r = make();
  Sender s(40);
  BOOST_TEST((r.submit(s.frag(16, 8, true), t0).status == ReassemblyStatus::held));
  bool seen = false;
  r.poll(t0 + Duration::seconds(31), [&](const Ipv4Reassembler::Expired& e) {
    seen = true;
    BOOST_TEST(!e.first_fragment_received);
    BOOST_TEST(e.first_fragment.empty());
  });
  BOOST_TEST(seen);
  BOOST_TEST(r.counters().reasm_timeout == 1u);
}

BOOST_AUTO_TEST_CASE(poll_expires_oldest_first_and_only_what_is_due) {
  auto r = make();
  std::vector<Sender> s;
  for (std::uint16_t i = 0; i < 3; ++i) {
    s.emplace_back(16);
    s.back().key.identification = i;
  }
  for (std::uint16_t i = 0; i < 3; ++i)
    BOOST_TEST(
        (r.submit(s[i].frag(8, 8, false), t0 + Duration::seconds(i * 5)).status == ReassemblyStatus::held));
  std::vector<std::uint16_t> ids;
  auto record = [&](const Ipv4Reassembler::Expired& e) { ids.push_back(e.key.identification); };
  BOOST_TEST(r.poll(t0 + Duration::seconds(35), record) == 2u);
  BOOST_TEST((ids == std::vector<std::uint16_t>{0, 1}));
  BOOST_TEST((r.next_deadline() == t0 + Duration::seconds(40)));
  // Time running backwards is taken as standing still.
  BOOST_TEST(r.poll(t0) == 0u);
  BOOST_TEST(r.poll(t0 + Duration::seconds(3600)) == 1u);
  BOOST_TEST(r.memory_in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(configured_timeout_is_used) {
  auto c = Ipv4Reassembler::default_config();
  c.timeout = Duration::seconds(5);
  auto r = make(c);
  Sender s(16);
  BOOST_TEST((r.submit(s.frag(8, 8, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.next_deadline() == t0 + Duration::seconds(5)));
}

// ---- V4-FRAG-6: caps ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_FRAG_6_too_many_fragments_discards_the_datagram) {
  auto c = Ipv4Reassembler::default_config();
  c.max_fragments_per_datagram = 4;
  auto r = make(c);
  Sender s(48);
  for (std::uint32_t off = 0; off < 32; off += 8)
    BOOST_TEST((r.submit(s.frag(off, 8, true), t0).status == ReassemblyStatus::held));
  // A duplicate does not count as a fifth.
  BOOST_TEST((r.submit(s.frag(8, 8, true), t0).status == ReassemblyStatus::duplicate));
  auto out = r.submit(s.frag(32, 16, false), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::too_many_fragments));
  BOOST_TEST(out.queue_discarded);
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.counters().reasm_fails == 1u);
  // Exactly the bound reassembles.
  for (std::uint32_t off = 0; off < 24; off += 8)
    BOOST_TEST((r.submit(s.frag(off, 8, true), t0).status == ReassemblyStatus::held));
  check_datagram(r.submit(s.frag(24, 24, false), t0), s);
}

BOOST_AUTO_TEST_CASE(V4_FRAG_6_memory_cap_evicts_the_oldest_queue) {
  auto c = Ipv4Reassembler::default_config();
  const std::size_t per_queue = qcost() + cost(0, 64);
  c.memory_cap = 3 * per_queue;
  auto r = make(c);
  std::vector<Sender> s;
  for (std::uint16_t i = 0; i < 4; ++i) {
    s.emplace_back(128);
    s.back().key.identification = i;
  }
  for (std::uint16_t i = 0; i < 3; ++i)
    BOOST_TEST(
        (r.submit(s[i].frag(64, 64, false), t0 + Duration::seconds(i)).status == ReassemblyStatus::held));
  BOOST_TEST(r.memory_in_use() == 3 * per_queue);
  BOOST_TEST(
      (r.submit(s[3].frag(64, 64, false), t0 + Duration::seconds(3)).status == ReassemblyStatus::held));
  BOOST_TEST(!r.find(s[0].key).has_value());
  BOOST_TEST(r.find(s[1].key).has_value());
  BOOST_TEST(r.memory_in_use() == 3 * per_queue);
  BOOST_TEST(r.counters().evictions == 1u);
  BOOST_TEST(r.counters().reasm_fails == 1u);
  // A fragment of an existing queue that is the oldest: the others go, not it.
  check_datagram(r.submit(s[1].frag(0, 64, true), t0 + Duration::seconds(4)), s[1]);
  BOOST_TEST(r.counters().evictions == 2u);  // s[2] made room for it
  BOOST_TEST(!r.find(s[2].key).has_value());
  BOOST_TEST(r.find(s[3].key).has_value());
}

BOOST_AUTO_TEST_CASE(V4_FRAG_6_fragment_that_cannot_fit_is_dropped_without_evicting) {
  auto c = Ipv4Reassembler::default_config();
  c.memory_cap = 2048;
  auto r = make(c);
  Sender small(16);
  small.key.identification = 1;
  BOOST_TEST((r.submit(small.frag(8, 8, false), t0).status == ReassemblyStatus::held));
  Sender big(4096);
  auto out = r.submit(big.frag(8, 2048, true), t0);
  BOOST_TEST((out.status == ReassemblyStatus::dropped));
  BOOST_TEST((out.reason == ReassemblyDrop::memory_cap));
  BOOST_TEST(!out.queue_discarded);
  BOOST_TEST(r.find(small.key).has_value());
  BOOST_TEST(!r.find(big.key).has_value());
  BOOST_TEST(r.counters().evictions == 0u);
  BOOST_TEST(r.counters().reasm_fails == 1u);
  // Its own queue's bytes count against it: the queue stays, the fragment goes.
  BOOST_TEST((r.submit(big.frag(0, 1024, true), t0).status == ReassemblyStatus::held));
  out = r.submit(big.frag(1024, 1024, true), t0);
  BOOST_TEST((out.reason == ReassemblyDrop::memory_cap));
  BOOST_TEST(r.find(big.key)->fragments == 1u);
  BOOST_TEST(r.find(small.key).has_value());
  BOOST_TEST(r.counters().evictions == 0u);
  BOOST_TEST(r.memory_in_use() == 2 * qcost() + cost(0, 8) + cost(20, 1024));
}

BOOST_AUTO_TEST_CASE(V4_FRAG_6_queue_cap_evicts_the_oldest_queue) {
  auto c = Ipv4Reassembler::default_config();
  c.max_queues = 2;
  auto r = make(c);
  std::vector<Sender> s;
  for (std::uint16_t i = 0; i < 3; ++i) {
    s.emplace_back(16);
    s.back().key.identification = i;
    BOOST_TEST((r.submit(s.back().frag(8, 8, false), t0).status == ReassemblyStatus::held));
  }
  BOOST_TEST(r.queue_count() == 2u);
  BOOST_TEST(!r.find(s[0].key).has_value());
  BOOST_TEST(r.counters().evictions == 1u);
  BOOST_TEST(r.memory_in_use() == 2 * (qcost() + cost(0, 8)));
}

BOOST_AUTO_TEST_CASE(memory_counts_every_block_and_returns_to_zero) {
  auto r = make();
  std::size_t expect = 0;
  std::vector<Sender> s;
  for (std::uint16_t i = 0; i < 50; ++i) {
    s.emplace_back(200);
    s.back().key.identification = i;
  }
  for (auto& x : s) {
    BOOST_TEST((r.submit(x.frag(0, 64, true), t0).status == ReassemblyStatus::held));
    BOOST_TEST((r.submit(x.frag(128, 72, false), t0).status == ReassemblyStatus::held));
    expect += qcost() + cost(20, 64) + cost(0, 72);
    BOOST_TEST(r.memory_in_use() == expect);
  }
  std::size_t sum = 0;
  for (auto& x : s) sum += r.find(x.key)->memory;
  BOOST_TEST(sum == expect);
  for (std::size_t i = 0; i < 25; ++i) check_datagram(r.submit(s[i].frag(64, 64, true), t0), s[i]);
  BOOST_TEST(r.memory_in_use() == expect / 2);
  BOOST_TEST(r.poll(t0 + Duration::seconds(30)) == 25u);
  BOOST_TEST(r.memory_in_use() == 0u);
  BOOST_TEST(r.queue_count() == 0u);
  // Block costs follow the allocator: 8-byte header, 16-byte granules, 32 at least.
  BOOST_TEST(cost(0, 8) % 16 == 0u);
  BOOST_TEST(cost(0, 8) >= 32u);
  BOOST_TEST(cost(20, 1480) >= 1500u + 8u);
}

BOOST_AUTO_TEST_CASE(SEC_FRAG_4_incomplete_fragment_flood_stays_under_the_cap) {
  // Rose-style: many sources each send a lone middle fragment, never the rest.
  auto c = Ipv4Reassembler::default_config();
  c.memory_cap = 256 * 1024;
  auto r = make(c);
  SeededEntropy rng(3);
  const auto filler = pattern(1480, 0);
  std::size_t peak = 0;
  Sender good(3000);
  good.key.source = *Ipv4Address::from_string("198.51.100.7");
  for (std::uint32_t i = 0; i < 20000; ++i) {
    Ipv4Reassembler::Fragment f;
    f.key = {Ipv4Address::from_u32(0x0a000000u | rng.uniform(5000)), key4().destination, 1,
             static_cast<std::uint16_t>(rng.next_u32())};
    f.offset = 8 * (1 + rng.uniform(1000));
    f.more_fragments = true;
    f.payload = Bytes(filler).first(8 * (1 + rng.uniform(185)));
    const auto out = r.submit(f, t0 + Duration::milliseconds(i / 10));
    BOOST_REQUIRE((out.status != ReassemblyStatus::complete));
    peak = std::max(peak, r.memory_in_use());
    BOOST_REQUIRE(r.memory_in_use() <= c.memory_cap);
    // A legitimate datagram's fragments, spread through the flood.
    const auto now = t0 + Duration::milliseconds(i / 10);
    if (i == 10000) BOOST_TEST((r.submit(good.frag(1480, 1480, true), now).status == ReassemblyStatus::held));
    if (i == 10050) BOOST_TEST((r.submit(good.frag(2960, 40, false), now).status == ReassemblyStatus::held));
    if (i == 10100) check_datagram(r.submit(good.frag(0, 1480, true), now), good);
  }
  BOOST_TEST(peak > c.memory_cap - 2048);
  BOOST_TEST(r.counters().evictions > 0u);
  BOOST_TEST(r.counters().reasm_oks == 1u);
  r.poll(t0 + Duration::seconds(100));
  BOOST_TEST(r.memory_in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(many_queues_from_one_source_are_all_found) {
  auto r = make();
  std::vector<Sender> s;
  for (std::uint16_t i = 0; i < 2000; ++i) {
    s.emplace_back(16);
    s.back().key.identification = i;
    BOOST_TEST((r.submit(s.back().frag(8, 8, false), t0).status == ReassemblyStatus::held));
  }
  BOOST_TEST(r.queue_count() == 2000u);
  for (auto& x : s) check_datagram(r.submit(x.frag(0, 8, true), t0), x);
  BOOST_TEST(r.queue_count() == 0u);
  BOOST_TEST(r.counters().reasm_fails == 0u);
}

BOOST_AUTO_TEST_CASE(move_keeps_the_queues_and_clear_frees_them) {
  auto r = make();
  Sender s(16);
  BOOST_TEST((r.submit(s.frag(8, 8, false), t0).status == ReassemblyStatus::held));
  Ipv4Reassembler moved(std::move(r));
  BOOST_TEST(moved.queue_count() == 1u);
  auto other = make();
  other = std::move(moved);
  check_datagram(other.submit(s.frag(0, 8, true), t0), s);
  BOOST_TEST((other.submit(s.frag(8, 8, false), t0).status == ReassemblyStatus::held));
  other.clear();
  BOOST_TEST(other.memory_in_use() == 0u);
  BOOST_TEST(other.queue_count() == 0u);
}

BOOST_AUTO_TEST_CASE(copy_holds_the_same_queues_and_goes_its_own_way) {
  auto r = make();
  std::vector<Sender> s;
  for (std::uint16_t id : {7, 3, 5}) {
    s.emplace_back(24, static_cast<std::uint8_t>(id));
    s.back().key.identification = id;
  }
  BOOST_TEST((r.submit(s[0].frag(0, 8, true), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s[0].frag(16, 8, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s[1].frag(8, 8, true), t0 + Duration::seconds(1)).status == ReassemblyStatus::held));
  BOOST_TEST((r.submit(s[2].frag(16, 8, false), t0 + Duration::seconds(2)).status == ReassemblyStatus::held));
  BOOST_TEST(
      (r.submit(s[2].frag(16, 8, false), t0 + Duration::seconds(2)).status == ReassemblyStatus::duplicate));

  const Ipv4Reassembler copy(r);
  BOOST_TEST(copy.queue_count() == 3u);
  BOOST_TEST(copy.memory_in_use() == r.memory_in_use());
  BOOST_TEST((copy.counters() == r.counters()));
  BOOST_TEST(copy.counters().duplicates == 1u);
  std::vector<std::uint16_t> ids;
  copy.for_each_queue([&](const Ipv4FragmentKey& k, const Ipv4Reassembler::QueueInfo& info) {
    ids.push_back(k.identification);
    BOOST_TEST(copy.find(k).has_value());  // the same hash key
    const auto original = r.find(k);
    BOOST_REQUIRE(original.has_value());
    BOOST_TEST(info.fragments == original->fragments);
    BOOST_TEST(info.bytes_received == original->bytes_received);
    BOOST_TEST(info.first_received == original->first_received);
    BOOST_TEST(info.memory == original->memory);
    BOOST_TEST((info.deadline == original->deadline));
  });
  BOOST_TEST((ids == std::vector<std::uint16_t>{7, 3, 5}));

  // Each completes the datagram on its own: what one takes, the other keeps.
  Ipv4Reassembler other = copy;
  check_datagram(other.submit(s[0].frag(8, 8, true), t0), s[0]);
  BOOST_TEST(other.queue_count() == 2u);
  BOOST_TEST(r.queue_count() == 3u);
  check_datagram(r.submit(s[0].frag(8, 8, true), t0), s[0]);

  // The oldest left expires first in both, its first fragment reported as held.
  std::vector<std::uint16_t> expired;
  other.poll(t0 + Duration::seconds(31), [&](const Ipv4Reassembler::Expired& e) {
    expired.push_back(e.key.identification);
    BOOST_TEST(!e.first_fragment_received);
  });
  BOOST_TEST((expired == std::vector<std::uint16_t>{3}));
  BOOST_TEST(copy.queue_count() == 3u);
}

BOOST_AUTO_TEST_CASE(copy_assignment_frees_what_was_held_first) {
  auto r = make();
  Sender a(16);
  BOOST_TEST((r.submit(a.frag(0, 8, true), t0).status == ReassemblyStatus::held));
  auto other = make(Ipv4Reassembler::default_config(), 99);
  Sender b(16, 2);
  b.key.identification = 99;
  BOOST_TEST((other.submit(b.frag(8, 8, false), t0).status == ReassemblyStatus::held));
  BOOST_TEST((other.submit(b.frag(8, 8, false), t0).status == ReassemblyStatus::duplicate));
  other = r;
  BOOST_TEST(!other.find(b.key).has_value());
  BOOST_TEST(other.find(a.key).has_value());  // looked up under r's hash key, not its own
  BOOST_TEST(other.memory_in_use() == r.memory_in_use());
  BOOST_TEST(other.counters().duplicates == 0u);
  const Ipv4Reassembler& same = other;
  other = same;
  BOOST_TEST(other.queue_count() == 1u);
  check_datagram(other.submit(a.frag(8, 8, false), t0), a);
  BOOST_TEST(r.find(a.key).has_value());
}

BOOST_AUTO_TEST_CASE(drop_reasons_have_names) {
  BOOST_TEST(std::string(to_string(ReassemblyDrop::overlap)) == "overlap");
  BOOST_TEST(std::string(to_string(ReassemblyDrop::memory_cap)) == "memory_cap");
  BOOST_TEST(std::string(to_string(ReassemblyStatus::duplicate)) == "duplicate");
}

BOOST_AUTO_TEST_CASE(for_each_queue_walks_oldest_first) {
  auto r = make();
  for (std::uint16_t id : {7, 3, 5}) {
    Sender s(16);
    s.key.identification = id;
    BOOST_TEST((r.submit(s.frag(8, 8, false), t0).status == ReassemblyStatus::held));
  }
  std::vector<std::uint16_t> ids;
  r.for_each_queue([&](const Ipv4FragmentKey& k, const Ipv4Reassembler::QueueInfo& info) {
    ids.push_back(k.identification);
    BOOST_TEST(info.fragments == 1u);
  });
  BOOST_TEST((ids == std::vector<std::uint16_t>{7, 3, 5}));
}

BOOST_AUTO_TEST_CASE(hash_chains_are_bounded) {
  // White box: with the entropy the table is keyed from, find keys that all
  // land in one bucket (the table has 2 * max_queues buckets, rounded up to a
  // power of two). The chain takes max_chain_length queues, then refuses.
  auto c = Ipv4Reassembler::default_config();
  c.max_queues = 64;
  auto r = make(c, 42);
  SeededEntropy same(42);
  const SipHashKey hash_key{same.next_u64(), same.next_u64()};
  const std::uint32_t mask = 127;
  std::vector<Ipv4FragmentKey> colliding;
  for (std::uint32_t id = 0; colliding.size() <= Ipv4Reassembler::max_chain_length && id < 65536; ++id) {
    Ipv4FragmentKey k = key4(static_cast<std::uint16_t>(id));
    std::array<std::byte, Ipv4Family::key_size> bytes{};
    Ipv4Family::key_bytes(k, bytes.data());
    if ((siphash24(hash_key, std::span<const std::byte, Ipv4Family::key_size>(bytes)) & mask) == 0)
      colliding.push_back(k);
  }
  BOOST_REQUIRE(colliding.size() == Ipv4Reassembler::max_chain_length + 1);
  const auto data = pattern(8, 1);
  for (std::size_t i = 0; i < colliding.size(); ++i) {
    Ipv4Reassembler::Fragment f;
    f.key = colliding[i];
    f.offset = 8;
    f.payload = data;
    const auto out = r.submit(f, t0);
    if (i < Ipv4Reassembler::max_chain_length) {
      BOOST_TEST((out.status == ReassemblyStatus::held));
    } else {
      BOOST_TEST((out.reason == ReassemblyDrop::too_many_queues));
      BOOST_TEST(!out.queue_discarded);
    }
  }
  BOOST_TEST(r.queue_count() == Ipv4Reassembler::max_chain_length);
  BOOST_TEST(r.counters().reasm_fails == 1u);
  // Each of them is still found through the chain.
  for (std::size_t i = 0; i < Ipv4Reassembler::max_chain_length; ++i)
    BOOST_TEST(r.find(colliding[i]).has_value());
}
