// IPv4 header and options. The one target that keeps checksum verification
// on: its custom mutator (libFuzzer) repairs the header checksum after each
// mutation, so inputs get past the check. HARDSTACK_FUZZ_CHECKSUMS=ignore
// parses without verifying.
// Invariants: errors point inside the input, option errors inside the
// header; the bare-buffer validator agrees with the repr; a header that parses
// re-emits to bytes that parse (checksum verified) to an equal value with the
// same payload; the options re-emit on their own; copied_only() is an ordered
// subset of copied options that is itself valid.
#include <array>
#include <cstring>

#include "fuzz_support.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4.hpp"

using namespace hardstack::wire;

// libFuzzer's mutator; weak, so the replay and AFL drivers link without it.
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size)
    __attribute__((weak));

namespace {

// Largest emitted datagram: total length is a 16-bit field.
std::array<std::byte, ipv4_field::max_total_len> emit_buffer;

void check_copied_only(const Ipv4Options& options) {
  const Ipv4Options copied = options.copied_only();
  std::size_t from = 0;
  for (const auto& opt : copied) {
    HS_FUZZ_CHECK(opt.copied());
    while (from < options.size() && !(options[from] == opt)) ++from;
    HS_FUZZ_CHECK(from < options.size());  // found, in order
    ++from;
  }
  std::array<std::byte, ipv4_option_field::max_area_len> area{};
  const auto n = copied.emit(area);
  HS_FUZZ_CHECK(n && *n == copied.padded_len());
  auto again = Ipv4Options::parse(Bytes(area).first(*n), ipv4_field::options);
  HS_FUZZ_CHECK(again && *again == copied);
}

void check_options(const Ipv4View& view, const Ipv4Options& options) {
  std::array<std::byte, ipv4_option_field::max_area_len> area{};
  const auto n = options.emit(area);
  HS_FUZZ_CHECK(n && *n == options.padded_len() && *n <= view.options().size());
  auto again = Ipv4Options::parse(Bytes(area).first(*n), ipv4_field::options);
  HS_FUZZ_CHECK(again && *again == options);
  for (const auto& opt : options) {
    HS_FUZZ_CHECK(opt.kind() != Ipv4OptionKind::end_of_list);
    if (opt.is_full() && opt.kind() == Ipv4OptionKind::timestamp && opt.increments_overflow()) {
      Ipv4Option bumped = opt;
      HS_FUZZ_CHECK(bumped.increment_overflow() && bumped.overflow() == opt.overflow() + 1);
    }
  }
  check_copied_only(options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = hardstack::fuzz::as_bytes(data, size);
  auto view = Ipv4View::parse(input, hardstack::fuzz::checksum_mode(ChecksumMode::verify));
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(view->bytes().size() == view->total_len() && view->total_len() <= size);
  HS_FUZZ_CHECK(view->header_len() + view->payload().size() == view->total_len());

  auto repr = Ipv4Repr::parse(*view);
  const auto bare = validate_ipv4_options(view->options(), ipv4_field::options);
  HS_FUZZ_CHECK(repr.has_value() == bare.has_value());
  // The socket rules only add checks.
  const auto from_socket =
      validate_ipv4_options(view->options(), ipv4_field::options, Ipv4OptionsOrigin::socket);
  HS_FUZZ_CHECK(bare.has_value() || !from_socket.has_value());
  if (!from_socket) {
    HS_FUZZ_CHECK(from_socket.error().offset >= ipv4_field::options &&
                  from_socket.error().offset < view->header_len());
  }
  if (!repr) {
    // An option error points inside the options area, as the bare walker's does.
    HS_FUZZ_CHECK(repr.error() == bare.error());
    HS_FUZZ_CHECK(repr.error().offset >= ipv4_field::options && repr.error().offset < view->header_len());
    return 0;
  }
  check_options(*view, repr->options);

  HS_FUZZ_CHECK(repr->header_len() <= view->header_len());
  const auto written = repr->emit(emit_buffer, view->payload());
  HS_FUZZ_CHECK(written && *written == repr->total_len());
  const Bytes out = Bytes(emit_buffer).first(*written);
  auto again = Ipv4View::parse(out, ChecksumMode::verify);
  HS_FUZZ_CHECK(again.has_value());
  HS_FUZZ_CHECK(same_bytes(again->payload(), view->payload()));
  auto again_repr = Ipv4Repr::parse(*again);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);

  // RFC 1624: a forwarder's TTL decrement patched in with checksum_update16
  // verifies, and equals a full recomputation over the changed header.
  if (repr->ttl > 0) {
    std::array<std::byte, ipv4_field::max_header_len> header{};
    const auto hlen = repr->header_len();
    copy_into(header, 0, out.first(hlen));
    const MutableBytes h = MutableBytes(header).first(hlen);
    const std::uint16_t old_word = load_be16(h, ipv4_field::ttl.begin);
    const auto new_word = static_cast<std::uint16_t>(old_word - 0x100);
    const std::uint16_t patched =
        checksum_update16(load_be16(h, ipv4_field::checksum.begin), old_word, new_word);
    store_be16(h, ipv4_field::ttl.begin, new_word);
    store_be16(h, ipv4_field::checksum.begin, 0);
    HS_FUZZ_CHECK(patched == internet_checksum(h));
  }
  return 0;
}

// Mutate, then repair the header checksum when the IHL is plausible, so most
// inputs reach past verification. Unused (and harmless) outside libFuzzer.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int /*seed*/) {
  if (LLVMFuzzerMutate == nullptr) return size;
  size = LLVMFuzzerMutate(data, size, max_size);
  if (size < ipv4_field::header_len) return size;
  const std::size_t header_len = std::size_t{data[0] & 0x0fu} * 4;
  if (header_len < ipv4_field::header_len || header_len > size) return size;
  const std::span<std::byte> header(reinterpret_cast<std::byte*>(data), header_len);
  store_be16(header, ipv4_field::checksum.begin, 0);
  store_be16(header, ipv4_field::checksum.begin, internet_checksum(header));
  return size;
}
