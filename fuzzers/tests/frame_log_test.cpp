// fuzzers/frame_log.hpp: the record encoding, totality (every byte string
// decodes, cut records included), time saturation, the Writer, and the shared
// vector tools/tests/test_frame_log.py checks tools/corpus/_frame_log.py
// against (the same hex).
#include "../frame_log.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <utility>
#include <vector>

#include "hardstack/harness/hex.hpp"

using namespace hardstack;
using namespace hardstack::fuzz::frame_log;
using harness::hex;
using harness::to_hex;

namespace {

std::vector<Record> decode(const std::vector<std::byte>& bytes, std::size_t prelude_size,
                           std::size_t max_records = std::numeric_limits<std::size_t>::max()) {
  std::vector<Record> out;
  const Log log(bytes, prelude_size);
  const std::size_t n = for_each_record(
      log, [&](const Record& r) { out.push_back(r); }, max_records);
  BOOST_TEST(n == out.size());
  return out;
}

std::int64_t since_start_ms(const Record& r) { return (r.at - log_start).count_ms(); }

// tools/tests/test_frame_log.py builds the same bytes with _frame_log.log():
//   prelude 2a; frame 010203; time 30000 ms; frame aa (selector 5);
//   time 65537 ms; time 3,000,000,000 ms; empty frame.
const char* const shared_vector =
    "2a"
    "00 0300 010203"
    "f0 3075"
    "05 0100 aa"
    "f1 0080 f0 0100"
    "ff ffff fe 43cb f0 001e"
    "00 0000";

}  // namespace

BOOST_AUTO_TEST_CASE(shared_vector_decodes_record_by_record) {
  const std::vector<std::byte> bytes = hex(shared_vector);
  const Log log(bytes, 1);
  BOOST_TEST(log.prelude().size() == 1u);
  BOOST_TEST(log.prelude_byte(0) == 0x2a);
  BOOST_TEST(log.prelude_byte(1) == 0);  // past the prelude: 0
  const std::vector<Record> r = decode(bytes, 1);
  BOOST_TEST_REQUIRE(r.size() == 9u);

  BOOST_TEST((r[0].kind == RecordKind::frame));
  BOOST_TEST(r[0].offset == 1u);
  BOOST_TEST(r[0].selector == 0);
  BOOST_TEST(to_hex(r[0].frame) == "010203");
  BOOST_TEST(!r[0].truncated);
  BOOST_TEST((r[0].at == log_start));

  BOOST_TEST((r[1].kind == RecordKind::time));
  BOOST_TEST(r[1].offset == 7u);
  BOOST_TEST(r[1].shift == 0);
  BOOST_TEST(r[1].value == 30000);
  BOOST_TEST(r[1].step.count_ms() == 30000);
  BOOST_TEST(since_start_ms(r[1]) == 30000);
  BOOST_TEST(r[1].frame.empty());

  BOOST_TEST((r[2].kind == RecordKind::frame));
  BOOST_TEST(r[2].selector == 5);
  BOOST_TEST(to_hex(r[2].frame) == "aa");
  BOOST_TEST(since_start_ms(r[2]) == 30000);  // a frame arrives at the time reached

  BOOST_TEST(r[3].shift == 1);
  BOOST_TEST(r[3].value == 0x8000);
  BOOST_TEST(r[3].step.count_ms() == 65536);
  BOOST_TEST(r[4].step.count_ms() == 1);
  BOOST_TEST(since_start_ms(r[4]) == 30000 + 65537);

  BOOST_TEST(r[5].shift == 15);
  BOOST_TEST(r[5].value == 0xffff);
  BOOST_TEST(r[5].step.count_ms() == std::int64_t{0xffff} << 15);
  BOOST_TEST(r[6].shift == 14);
  BOOST_TEST(r[6].value == 0xcb43);
  BOOST_TEST(r[7].step.count_ms() == 7680);
  BOOST_TEST(since_start_ms(r[7]) == 30000 + 65537 + 3'000'000'000);

  BOOST_TEST((r[8].kind == RecordKind::frame));
  BOOST_TEST(r[8].offset == 29u);
  BOOST_TEST(r[8].frame.empty());
  BOOST_TEST(!r[8].truncated);
}

BOOST_AUTO_TEST_CASE(writer_produces_the_shared_vector) {
  const std::vector<std::byte> prelude = hex("2a");
  Writer w(prelude);
  BOOST_TEST(w.frame(hex("010203")));
  w.time_ms(30000);
  BOOST_TEST(w.frame(hex("aa"), 5));
  w.time_ms(65537).time_ms(3'000'000'000);
  BOOST_TEST(w.frame({}));
  BOOST_TEST(to_hex(w.bytes()) == to_hex(hex(shared_vector)));
}

BOOST_AUTO_TEST_CASE(empty_and_short_logs_are_valid) {
  const std::vector<std::byte> empty;
  BOOST_TEST(decode(empty, 0).empty());
  BOOST_TEST(decode(empty, 4).empty());
  const Log log(empty, 4);
  BOOST_TEST(log.prelude().empty());
  BOOST_TEST(log.prelude_byte(0) == 0);

  // Shorter than the prelude: what is there is the prelude, no records.
  const std::vector<std::byte> two = hex("0102");
  const Log short_log(two, 4);
  BOOST_TEST(short_log.prelude().size() == 2u);
  BOOST_TEST(short_log.prelude_byte(1) == 2);
  BOOST_TEST(short_log.prelude_byte(2) == 0);
  BOOST_TEST(decode(two, 4).empty());
}

BOOST_AUTO_TEST_CASE(record_cut_in_its_fixed_bytes_ends_the_log) {
  // A tag alone, a tag with one length/value byte: ignored.
  for (const char* text : {"00", "00 05", "f3", "f3 10"}) {
    const std::vector<std::byte> bytes = hex(text);
    BOOST_TEST(decode(bytes, 0).empty(), text);
  }
  // After a whole record.
  const std::vector<std::byte> bytes = hex("f0 0a00 00 02");
  const std::vector<Record> r = decode(bytes, 0);
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].step.count_ms() == 10);
}

BOOST_AUTO_TEST_CASE(frame_longer_than_the_log_is_cut_at_its_end) {
  const std::vector<std::byte> bytes = hex("07 ffff 0102 03");
  const std::vector<Record> r = decode(bytes, 0);
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].selector == 7);
  BOOST_TEST(to_hex(r[0].frame) == "010203");
  BOOST_TEST(r[0].truncated);
  // The frame is a view into the log, not a copy.
  BOOST_TEST(r[0].frame.data() == bytes.data() + 3);

  const std::vector<std::byte> none_left = hex("07 0500");
  const std::vector<Record> n = decode(none_left, 0);
  BOOST_TEST_REQUIRE(n.size() == 1u);
  BOOST_TEST(n[0].frame.empty());
  BOOST_TEST(n[0].truncated);
}

BOOST_AUTO_TEST_CASE(every_tag_value_is_a_record) {
  // 0x00-0xef frames (the tag is the selector), 0xf0-0xff time steps of
  // 1 << shift ms.
  for (unsigned t = 0; t <= 0xff; ++t) {
    const std::vector<std::byte> bytes{std::byte(t), std::byte{1}, std::byte{0}, std::byte{0x55}};
    const std::vector<Record> r = decode(bytes, 0);
    BOOST_TEST_REQUIRE(!r.empty());
    if (t < 0xf0) {
      BOOST_TEST((r[0].kind == RecordKind::frame));
      BOOST_TEST(r[0].selector == t);
      BOOST_TEST(to_hex(r[0].frame) == "55");
      BOOST_TEST(r.size() == 1u);
    } else {
      BOOST_TEST((r[0].kind == RecordKind::time));
      BOOST_TEST(r[0].step.count_ms() == std::int64_t{1} << (t & 0x0f));
      BOOST_TEST(r.size() == 1u);  // "55" alone is a cut record
    }
  }
}

BOOST_AUTO_TEST_CASE(max_records_bounds_the_walk) {
  const std::vector<std::byte> bytes = hex("f0 0100 f0 0100 f0 0100 00 0000");
  BOOST_TEST(decode(bytes, 0).size() == 4u);
  const std::vector<Record> r = decode(bytes, 0, 2);
  BOOST_TEST(r.size() == 2u);
  BOOST_TEST(since_start_ms(r[1]) == 2);
}

BOOST_AUTO_TEST_CASE(reader_steps_one_record_at_a_time) {
  const std::vector<std::byte> bytes = hex("aa f2 0300 01 0100 ee");
  const Log log(bytes, 1);
  Reader reader(log, net::Instant::from_ns(0));
  Record r;
  BOOST_TEST(reader.offset() == 1u);
  BOOST_TEST(reader.next(r));
  BOOST_TEST(r.step.count_ms() == 12);
  BOOST_TEST(reader.now().ns() == 12'000'000);
  BOOST_TEST(reader.offset() == 4u);
  BOOST_TEST(reader.next(r));
  BOOST_TEST(r.selector == 1);
  BOOST_TEST(to_hex(r.frame) == "ee");
  BOOST_TEST((r.at == net::Instant::from_ns(12'000'000)));
  BOOST_TEST(!reader.next(r));
  BOOST_TEST(!reader.next(r));  // stays at the end
}

BOOST_AUTO_TEST_CASE(time_saturates_at_max_elapsed) {
  // 2^62 ns is 4,611,686,018,427 ms; the largest step is 65535 << 15 ms,
  // so 2148 of them reach it and the 2148th is cut short.
  std::vector<std::byte> bytes;
  for (int i = 0; i < 2150; ++i)
    for (const std::byte b : hex("ff ffff")) bytes.push_back(b);
  const std::vector<Record> r = decode(bytes, 0);
  BOOST_TEST_REQUIRE(r.size() == 2150u);
  const std::int64_t full = (std::int64_t{0xffff} << 15) * 1'000'000;
  BOOST_TEST(r[2146].step.count_ns() == full);
  BOOST_TEST(r[2147].step.count_ns() == max_elapsed.count_ns() - 2147 * full);
  BOOST_TEST(r[2148].step.count_ns() == 0);
  BOOST_TEST(r[2149].step.count_ns() == 0);
  BOOST_TEST((r[2149].at == log_start + max_elapsed));
  BOOST_TEST(r[2149].value == 0xffff);  // the raw encoding is still reported
}

BOOST_AUTO_TEST_CASE(split_ms_is_greedy_and_exact) {
  const std::vector<std::pair<std::uint64_t, std::vector<std::pair<unsigned, std::uint16_t>>>> cases{
      {0, {}},
      {1, {{0, 1}}},
      {65535, {{0, 65535}}},
      {65536, {{1, 32768}}},
      {100000, {{1, 50000}}},
      {std::uint64_t{0xffff} << 15, {{15, 0xffff}}},
      {(std::uint64_t{0xffff} << 15) + 1, {{15, 0xffff}, {0, 1}}},
      {3'000'000'000, {{15, 0xffff}, {14, 52035}, {0, 7680}}},
  };
  for (const auto& [ms, want] : cases) {
    std::vector<std::pair<unsigned, std::uint16_t>> got;
    std::uint64_t sum = 0;
    split_ms(ms, [&](unsigned shift, std::uint16_t value) {
      got.emplace_back(shift, value);
      sum += std::uint64_t{value} << shift;
    });
    BOOST_TEST((got == want), "ms " << ms);
    BOOST_TEST(sum == ms);
  }
}

BOOST_AUTO_TEST_CASE(writer_refuses_what_the_format_cannot_hold) {
  Writer w;
  const std::vector<std::byte> big(65536);
  BOOST_TEST(!w.frame(big));
  BOOST_TEST(!w.frame(hex("01"), 0xf0));
  BOOST_TEST(w.bytes().empty());
  const std::vector<std::byte> largest(65535, std::byte{0x11});
  BOOST_TEST(w.frame(largest, 0xef));
  BOOST_TEST(w.bytes().size() == 3u + 65535u);
  const std::vector<Record> r = decode(w.bytes(), 0);
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].frame.size() == 65535u);
  BOOST_TEST(r[0].selector == 0xef);
  BOOST_TEST(!r[0].truncated);
  w.time_step(3, 7);
  BOOST_TEST(to_hex(std::span(w.bytes()).last(3)) == "f30700");
}

BOOST_AUTO_TEST_CASE(decode_then_encode_is_identity_for_written_logs) {
  Writer w(hex("0102"));
  w.time_step(0, 0);  // a zero step is a record too
  BOOST_TEST(w.frame(hex("deadbeef"), 9));
  w.time_step(15, 1).time_step(4, 0x1234);
  BOOST_TEST(w.frame({}));
  Writer again(hex("0102"));
  for (const Record& r : decode(w.bytes(), 2)) {
    if (r.kind == RecordKind::time)
      again.time_step(r.shift, r.value);
    else
      BOOST_TEST(again.frame(r.frame, r.selector));
  }
  BOOST_TEST(to_hex(again.bytes()) == to_hex(w.bytes()));
}
