#include "pcap.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "hex.hpp"

using namespace hardstack::harness;

namespace {
std::vector<unsigned char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::uint32_t le32(const std::vector<unsigned char>& b, std::size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
}  // namespace

BOOST_AUTO_TEST_CASE(writes_header_and_records_with_nanosecond_timestamps) {
  const auto path = (std::filesystem::temp_directory_path() / "hardstack_pcap_test.pcap").string();
  const auto frame = hex("ffffffffffff 020000000001 0806 0001");
  {
    PcapWriter w;
    BOOST_REQUIRE(w.open(path, PcapLinkType::ethernet, 10));
    BOOST_REQUIRE(w.write(frame, 3'000'000'123ull));  // 3 s + 123 ns, cut to the 10-byte snaplen
    BOOST_REQUIRE(w.close());
  }
  const auto b = slurp(path);
  BOOST_REQUIRE(b.size() == 24u + 16u + 10u);
  BOOST_TEST(le32(b, 0) == 0xa1b23c4du);  // nanosecond magic
  BOOST_TEST(le32(b, 16) == 10u);         // snaplen
  BOOST_TEST(le32(b, 20) == 1u);          // LINKTYPE_ETHERNET
  BOOST_TEST(le32(b, 24) == 3u);          // seconds
  BOOST_TEST(le32(b, 28) == 123u);        // nanoseconds
  BOOST_TEST(le32(b, 32) == 10u);         // captured length
  BOOST_TEST(le32(b, 36) == 16u);         // original length
  BOOST_TEST(b[40] == 0xff);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(write_without_open_fails) {
  PcapWriter w;
  BOOST_TEST(!w.write(hex("00"), 0));
  BOOST_TEST(!w.open("/nonexistent-dir/x.pcap", PcapLinkType::raw_ip));
}
