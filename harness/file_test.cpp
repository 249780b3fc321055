#include "file.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

using hardstack::harness::read_file;

BOOST_AUTO_TEST_CASE(reads_every_byte_and_refuses_a_missing_file) {
  const auto path = std::filesystem::temp_directory_path() / "hardstack_file_test.bin";
  {
    std::ofstream out(path, std::ios::binary);
    const char bytes[] = {'\x00', '\xff', '\x0a', 'x'};
    out.write(bytes, sizeof bytes);
  }
  std::vector<std::byte> got{std::byte{9}};
  BOOST_TEST(read_file(path.string(), got));
  BOOST_TEST_REQUIRE(got.size() == 4u);
  BOOST_TEST(std::to_integer<int>(got[0]) == 0x00);
  BOOST_TEST(std::to_integer<int>(got[1]) == 0xff);
  BOOST_TEST(std::to_integer<int>(got[2]) == 0x0a);
  BOOST_TEST(std::to_integer<int>(got[3]) == 'x');
  std::filesystem::remove(path);
  BOOST_TEST(!read_file(path.string(), got));
}
