#include "checksum.hpp"

#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

// RFC 1071 3: the example bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
static constexpr std::array<std::byte, 8> rfc1071_example{std::byte{0x00}, std::byte{0x01}, std::byte{0xf2},
                                                          std::byte{0x03}, std::byte{0xf4}, std::byte{0xf5},
                                                          std::byte{0xf6}, std::byte{0xf7}};
static_assert(ChecksumAccumulator{}.add(rfc1071_example).sum() == 0xddf2);
static_assert(internet_checksum(rfc1071_example) == 0x220d);
// RFC 1624 3: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000 by
// eqn. 3 (eqn. 2 would give the negative zero 0xffff).
static_assert(checksum_update16(0xdd2f, 0x5555, 0x3285) == 0x0000);

BOOST_AUTO_TEST_CASE(ipv4_header_checksum_of_known_header) {
  // A header whose checksum field (0xb861) was computed by a reference implementation.
  const auto header = hex("45000073 00004000 4011b861 c0a80001 c0a800c7");
  BOOST_TEST(checksum_verifies(ChecksumAccumulator{}.add(header)));
  auto zeroed = header;
  zeroed[10] = zeroed[11] = std::byte{0};
  BOOST_TEST(internet_checksum(zeroed) == 0xb861);
}

BOOST_AUTO_TEST_CASE(odd_length_pads_with_zero_and_chunking_does_not_matter) {
  const auto data = hex("0102030405060708090a0b");
  const auto whole = ChecksumAccumulator{}.add(data).sum();
  for (std::size_t cut = 0; cut <= data.size(); ++cut) {
    ChecksumAccumulator acc;
    acc.add(Bytes(data).first(cut)).add(Bytes(data).subspan(cut));
    BOOST_TEST(acc.sum() == whole, "split at " << cut);
  }
  BOOST_TEST(internet_checksum(hex("01")) == static_cast<std::uint16_t>(~0x0100 & 0xffff));
}

BOOST_AUTO_TEST_CASE(incremental_update_matches_recomputation) {
  auto header = hex("45000073 00004000 4011b861 c0a80001 c0a800c7");
  // Decrement TTL 0x40 -> 0x3f: word at offset 8 changes 0x4011 -> 0x3f11.
  const auto updated = checksum_update16(0xb861, 0x4011, 0x3f11);
  header[8] = std::byte{0x3f};
  header[10] = header[11] = std::byte{0};
  BOOST_TEST(updated == internet_checksum(header));
  // A 32-bit field (the source address) changing.
  auto h2 = hex("45000073 00004000 4011b861 c0a80001 c0a800c7");
  const auto updated32 = checksum_update32(0xb861, 0xc0a80001, 0x0a000001);
  store_be32(h2, 12, 0x0a000001);
  h2[10] = h2[11] = std::byte{0};
  BOOST_TEST(updated32 == internet_checksum(h2));
}

BOOST_AUTO_TEST_CASE(pseudo_headers_v4_and_v6) {
  // UDP 10.0.0.1:1234 -> 10.0.0.2:80, payload "hi", checksum field 0x7e4c
  // (computed independently with Scapy).
  const auto udp = hex("04d2 0050 000a 0000 6869");
  const auto src = *Ipv4Address::from_string("10.0.0.1");
  const auto dst = *Ipv4Address::from_string("10.0.0.2");
  auto acc = PseudoHeader::v4(src, dst).start(17, 10);
  acc.add(udp);
  BOOST_TEST(acc.checksum() == 0x7e4c);

  // The v6 pseudo-header sums the same way through both entry points.
  const auto s6 = *Ipv6Address::from_string("2001:db8::1");
  const auto d6 = *Ipv6Address::from_string("2001:db8::2");
  auto a6 = PseudoHeader::v6(s6, d6).start(58, 8);
  ChecksumAccumulator by_hand;
  by_hand.add(Bytes(reinterpret_cast<const std::byte*>(s6.octets.data()), 16));
  by_hand.add(Bytes(reinterpret_cast<const std::byte*>(d6.octets.data()), 16));
  by_hand.add(hex("00000008 0000003a"));
  BOOST_TEST(a6.sum() == by_hand.sum());
}

BOOST_AUTO_TEST_CASE(word_at_a_time_sum_equals_the_rfc1071_reference) {
  // Reference: 16-bit words, end-around carry after each add (RFC 1071 4.1).
  auto reference = [](const std::vector<std::byte>& d) {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < d.size(); i += 2) {
      const std::uint32_t hi = static_cast<std::uint32_t>(d[i]) << 8;
      const std::uint32_t lo = i + 1 < d.size() ? static_cast<std::uint32_t>(d[i + 1]) : 0;
      s += hi | lo;
      s = (s & 0xffff) + (s >> 16);
    }
    return static_cast<std::uint16_t>(s);
  };
  std::uint32_t x = 12345;
  for (std::size_t len = 0; len < 300; ++len) {
    std::vector<std::byte> d(len);
    for (auto& b : d) {
      x = x * 1103515245u % 2147483648u + 12345u;
      b = static_cast<std::byte>(x >> 16);
    }
    BOOST_TEST(ChecksumAccumulator{}.add(d).sum() == reference(d), "length " << len);
    // Split at an odd and an even point: same sum.
    ChecksumAccumulator split;
    split.add(Bytes(d).first(len / 3))
        .add(Bytes(d).subspan(len / 3, len / 3))
        .add(Bytes(d).subspan(2 * (len / 3)));
    BOOST_TEST(split.sum() == reference(d), "split, length " << len);
  }
  // All-ones data: the 64-bit accumulator folds every carry back in.
  const std::vector<std::byte> ones(65536, std::byte{0xff});
  BOOST_TEST(ChecksumAccumulator{}.add(ones).sum() == reference(ones));
}

// The run-time sum reads words in the machine's byte order, from any address;
// compile-time evaluation takes the big-endian reference loop. Both agree, at
// every alignment of the data in memory.
constexpr std::uint16_t constexpr_sum_of_pattern(std::size_t len) {
  std::array<std::byte, 64> d{};
  for (std::size_t i = 0; i < len; ++i) d[i] = static_cast<std::byte>(i * 37 + 11);
  return ChecksumAccumulator{}.add(Bytes(d).first(len)).sum();
}

BOOST_AUTO_TEST_CASE(run_time_sum_equals_compile_time_sum_at_every_alignment) {
  static constexpr auto expected = [] {
    std::array<std::uint16_t, 65> sums{};
    for (std::size_t len = 0; len <= 64; ++len) sums[len] = constexpr_sum_of_pattern(len);
    return sums;
  }();
  std::array<std::byte, 64 + 8> storage{};
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t len = 0; len <= 64; ++len) {
      for (std::size_t i = 0; i < len; ++i) storage[offset + i] = static_cast<std::byte>(i * 37 + 11);
      const auto sum = ChecksumAccumulator{}.add(Bytes(storage).subspan(offset, len)).sum();
      BOOST_TEST(sum == expected[len], "offset " << offset << " length " << len);
    }
  }
}
