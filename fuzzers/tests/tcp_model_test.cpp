// fuzzers/tcp_model.hpp's byte streams: what fill_stream_sum writes is the
// stream byte by byte (Stream::at), its sum is the RFC 1071 sum of those
// bytes, is_stream accepts them and rejects any one changed or shifted, at
// every alignment, across the 2^32 wrap, and the two streams differ.
#include "../tcp_model.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <vector>

#include "hardstack/wire/checksum.hpp"

using namespace hardstack;
using namespace hardstack::fuzz::tcp;

namespace {

constexpr std::uint32_t starts[] = {0,           1,           7,           8,           13,
                                    0x0000fff0u, 0x7ffffffbu, 0xfffffff0u, 0xfffffff9u, 0xffffffffu};

}  // namespace

BOOST_AUTO_TEST_CASE(fill_stream_sum_writes_the_stream_and_sums_it) {
  for (const std::uint32_t start : starts) {
    for (std::size_t len = 0; len <= 40; ++len) {
      std::vector<std::byte> out(len, std::byte{0xee});
      const std::uint16_t sum = fill_stream_sum<peer_stream>(out, SeqNum(start));
      for (std::size_t i = 0; i < len; ++i)
        BOOST_TEST((out[i] == peer_byte(SeqNum(start) + static_cast<std::uint32_t>(i))),
                   "start " << start << " len " << len << " byte " << i);
      BOOST_TEST(sum == wire::ChecksumAccumulator{}.add(out).sum(), "start " << start << " len " << len);
      BOOST_TEST(is_stream<peer_stream>(out, SeqNum(start)));
    }
  }
}

BOOST_AUTO_TEST_CASE(is_stream_rejects_a_changed_or_shifted_byte) {
  for (const std::uint32_t start : starts) {
    std::vector<std::byte> out(37);
    fill_stream<stack_stream>(out, SeqNum(start));
    BOOST_TEST(is_stream<stack_stream>(out, SeqNum(start)));
    BOOST_TEST(!is_stream<stack_stream>(out, SeqNum(start) + 1));  // at the wrong offset
    BOOST_TEST(!is_stream<peer_stream>(out, SeqNum(start)));       // the other stream's
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::vector<std::byte> changed = out;
      changed[i] ^= std::byte{0x01};
      BOOST_TEST(!is_stream<stack_stream>(changed, SeqNum(start)), "start " << start << " byte " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_displaced_byte_differs_about_255_times_in_256) {
  // Over 2^16 sequence numbers, byte s against the byte due d further on.
  for (const std::uint32_t d : {1u, 2u, 8u, 64u, 1460u}) {
    unsigned same = 0;
    for (std::uint32_t s = 0; s < 65536; ++s)
      if (peer_byte(SeqNum(s)) == peer_byte(SeqNum(s + d))) ++same;
    BOOST_TEST(same < 65536u / 256u * 2u, "distance " << d << ": " << same << " equal");
  }
}
