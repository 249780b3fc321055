#include "sha256.hpp"

#include <boost/test/unit_test.hpp>
#include <string_view>
#include <vector>

using hardstack::harness::Sha256;

namespace {

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string digest(std::string_view s) {
  Sha256 h;
  h.update(bytes(s));
  return h.finish_hex();
}

}  // namespace

// FIPS 180-4 examples (NIST CSRC "Examples with intermediate values").
BOOST_AUTO_TEST_CASE(fips_180_examples) {
  BOOST_TEST(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the padding needs a second block.
  BOOST_TEST(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

BOOST_AUTO_TEST_CASE(a_million_a_in_uneven_pieces_equals_one_update) {
  const std::vector<std::byte> a(1'000'000, std::byte{'a'});
  Sha256 pieces;
  std::size_t at = 0;
  for (std::size_t step = 1; at < a.size(); step = step % 200 + 7) {
    const std::size_t n = std::min(step, a.size() - at);
    pieces.update(std::span(a).subspan(at, n));
    at += n;
  }
  BOOST_TEST(pieces.finish_hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // finish() starts over.
  BOOST_TEST(pieces.finish_hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
