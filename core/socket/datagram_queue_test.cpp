#include "datagram_queue.hpp"

#include <boost/test/unit_test.hpp>
#include <cstring>

using namespace hardstack::socket;

namespace {

struct Datagram {
  ByteBuffer payload;
  int tag = 0;
};

void fill(Datagram& d, int tag) {
  d.tag = tag;
  std::memset(d.payload.data(), tag & 0xff, d.payload.size());
}

bool holds(const Datagram& d, int tag, std::size_t size) {
  if (d.tag != tag || d.payload.size() != size) return false;
  for (std::size_t i = 0; i < size; ++i)
    if (d.payload.data()[i] != static_cast<std::byte>(tag & 0xff)) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(first_in_first_out_across_growth_and_wrap_around) {
  DatagramQueue<Datagram> q;
  BOOST_TEST(q.empty());
  int next_in = 0;
  int next_out = 0;
  // Push 5, pop 3, repeatedly: the ring wraps and grows past 8 slots.
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 5; ++i) {
      fill(q.push_back(static_cast<std::size_t>(10 + next_in)), next_in);
      ++next_in;
    }
    for (int i = 0; i < 3; ++i) {
      BOOST_TEST(holds(q.front(), next_out, static_cast<std::size_t>(10 + next_out)));
      q.pop_front(1 << 20);
      ++next_out;
    }
  }
  BOOST_TEST(q.size() == static_cast<std::size_t>(next_in - next_out));
  while (!q.empty()) {
    BOOST_TEST(holds(q.front(), next_out, static_cast<std::size_t>(10 + next_out)));
    q.pop_front(1 << 20);
    ++next_out;
  }
  BOOST_TEST(next_out == next_in);
}

BOOST_AUTO_TEST_CASE(a_slot_keeps_its_buffer_and_resets_the_other_fields) {
  DatagramQueue<Datagram> q;
  Datagram& first = q.push_back(1000);
  fill(first, 7);
  const std::byte* storage = first.payload.data();
  q.pop_front(4096);
  BOOST_TEST(q.retained() == 1000u);
  // Eight pushes later the ring is back at that slot: same storage, no allocation.
  for (int i = 0; i < 7; ++i) {
    q.push_back(0);
    q.pop_front(4096);
  }
  Datagram& again = q.push_back(600);
  BOOST_TEST(again.payload.data() == storage);
  BOOST_TEST(again.payload.size() == 600u);
  BOOST_TEST(again.tag == 0);  // reset, as a new Datagram
  BOOST_TEST(q.retained() == 0u);
}

BOOST_AUTO_TEST_CASE(idle_buffers_are_freed_beyond_the_retain_limit) {
  DatagramQueue<Datagram> q;
  for (int i = 0; i < 4; ++i) fill(q.push_back(3000), i);
  // Limit 7000: the first two buffers (6000 bytes) are kept, the next two freed.
  for (int i = 0; i < 4; ++i) q.pop_front(7000);
  BOOST_TEST(q.retained() == 6000u);
  // A buffer larger than the limit is never kept.
  q.push_back(9000);
  q.pop_front(7000);
  BOOST_TEST(q.retained() == 6000u);
  q.clear();
  BOOST_TEST(q.retained() == 0u);
  BOOST_TEST(q.empty());
}
