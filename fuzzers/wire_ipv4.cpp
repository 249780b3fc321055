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

#include <optional>
#include <span>
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

// Decode -> build -> equal: every option rebuilds from its decoded fields
// with its builder (route/timestamp when the data is whole slots, always
// raw/router_alert/no_operation); the decoders read the bytes as RFC 791 lays
// them out; find() and the named lookups agree with a scan of the list.
void check_option_decoders(const Ipv4Options& options) {
  for (const auto& opt : options) {
    const Bytes d = opt.data();
    HS_FUZZ_CHECK(opt.type() == static_cast<std::uint8_t>(opt.kind()));
    if (opt.kind() == Ipv4OptionKind::no_operation) {
      HS_FUZZ_CHECK(opt == Ipv4Option::no_operation() && d.empty());
    } else {
      auto again = Ipv4Option::raw(opt.type(), d);
      HS_FUZZ_CHECK(again && *again == opt);
    }
    std::array<std::byte, ipv4_option_field::max_area_len> one{};
    auto n = opt.emit(one);
    HS_FUZZ_CHECK(n && *n == opt.wire_len() && std::to_integer<std::uint8_t>(one[0]) == opt.type());
    switch (opt.kind()) {
      case Ipv4OptionKind::record_route:
      case Ipv4OptionKind::loose_source_route:
      case Ipv4OptionKind::strict_source_route: {
        // RFC 791 3.1: pointer, then 4-byte addresses.
        HS_FUZZ_CHECK(!d.empty() && opt.pointer() == std::to_integer<std::uint8_t>(d[0]));
        const auto addresses = opt.addresses();
        HS_FUZZ_CHECK(addresses.size() == (d.size() - 1) / 4);
        for (std::size_t k = 0; k < addresses.size(); ++k)
          HS_FUZZ_CHECK(addresses[k] == Ipv4Address::load(d, 1 + 4 * k));
        HS_FUZZ_CHECK(opt.timestamp_entries().empty() && opt.router_alert_value() == 0);
        if ((d.size() - 1) % 4 == 0) {
          auto rebuilt = Ipv4Option::route(opt.kind(), opt.pointer(),
                                           std::span<const Ipv4Address>(addresses.begin(), addresses.size()));
          HS_FUZZ_CHECK(rebuilt && *rebuilt == opt);
        }
        break;
      }
      case Ipv4OptionKind::timestamp: {
        // RFC 791 3.1: pointer, overflow:4 flag:4, then 4- or 8-byte slots.
        HS_FUZZ_CHECK(d.size() >= 2 && opt.pointer() == std::to_integer<std::uint8_t>(d[0]));
        HS_FUZZ_CHECK(opt.overflow() == std::to_integer<std::uint8_t>(d[1]) >> 4 &&
                      opt.timestamp_flag() == (std::to_integer<std::uint8_t>(d[1]) & 0x0f));
        const bool with_address =
            opt.timestamp_flag() != static_cast<std::uint8_t>(Ipv4TimestampFlag::timestamps_only);
        const std::size_t slot = with_address ? 8 : 4;
        const auto entries = opt.timestamp_entries();
        HS_FUZZ_CHECK(entries.size() == (d.size() - 2) / slot);
        for (std::size_t k = 0; k < entries.size(); ++k) {
          const std::size_t at = 2 + slot * k;
          HS_FUZZ_CHECK(entries[k].address == (with_address ? Ipv4Address::load(d, at) : Ipv4Address{}));
          HS_FUZZ_CHECK(entries[k].timestamp == load_be32(d, at + slot - 4));
        }
        HS_FUZZ_CHECK(opt.addresses().empty() && opt.router_alert_value() == 0);
        if ((d.size() - 2) % slot == 0) {
          auto rebuilt = Ipv4Option::timestamp(
              static_cast<Ipv4TimestampFlag>(opt.timestamp_flag()), opt.pointer(), opt.overflow(),
              std::span<const Ipv4TimestampEntry>(entries.begin(), entries.size()));
          HS_FUZZ_CHECK(rebuilt && *rebuilt == opt);
        }
        break;
      }
      case Ipv4OptionKind::router_alert:
        // RFC 2113 2.1: length 4, a 16-bit value.
        HS_FUZZ_CHECK(d.size() == 2 && opt.router_alert_value() == load_be16(d, 0));
        HS_FUZZ_CHECK(Ipv4Option::router_alert(opt.router_alert_value()) == opt);
        break;
      default:
        HS_FUZZ_CHECK(opt.addresses().empty() && opt.timestamp_entries().empty() &&
                      opt.router_alert_value() == 0);
        break;
    }
  }
  // Lookups against a scan of the list.
  const auto first = [&](auto pred) -> std::optional<Ipv4OptionView> {
    for (const auto& opt : options)
      if (pred(opt)) return opt;
    return std::nullopt;
  };
  for (const auto kind :
       {Ipv4OptionKind::no_operation, Ipv4OptionKind::record_route, Ipv4OptionKind::timestamp,
        Ipv4OptionKind::security, Ipv4OptionKind::loose_source_route, Ipv4OptionKind::strict_source_route,
        Ipv4OptionKind::router_alert})
    HS_FUZZ_CHECK(options.find(kind) == first([kind](const Ipv4OptionView& o) { return o.kind() == kind; }));
  HS_FUZZ_CHECK(options.record_route() == options.find(Ipv4OptionKind::record_route));
  HS_FUZZ_CHECK(options.timestamp() == options.find(Ipv4OptionKind::timestamp));
  const auto route = first([](const Ipv4OptionView& o) {
    return o.kind() == Ipv4OptionKind::loose_source_route || o.kind() == Ipv4OptionKind::strict_source_route;
  });
  HS_FUZZ_CHECK(options.source_route() == route && options.has_source_route() == route.has_value());
  HS_FUZZ_CHECK(options.is_strict_source_route() ==
                (route && route->kind() == Ipv4OptionKind::strict_source_route));
  const auto alert = options.find(Ipv4OptionKind::router_alert);
  HS_FUZZ_CHECK(options.router_alert() ==
                (alert ? std::optional<std::uint16_t>(load_be16(alert->data(), 0)) : std::nullopt));
  // The list rebuilt one option at a time is the same value.
  Ipv4Options rebuilt;
  for (const auto& opt : options) HS_FUZZ_CHECK(rebuilt.push_back(opt));
  HS_FUZZ_CHECK(rebuilt == options && rebuilt.list().size() == options.size());
  HS_FUZZ_CHECK(options.empty() == (options.size() == 0));
}

// The view's readings are the value's fields, and the raw bits (RFC 791 3.1).
void check_header_fields(const Ipv4View& view, const Ipv4Repr& repr, Bytes input) {
  const std::uint16_t flags_fragment = load_be16(input, ipv4_field::flags_fragment_offset.begin);
  HS_FUZZ_CHECK(view.version() == 4 && view.header().size() == view.header_len());
  HS_FUZZ_CHECK(view.header().data() == input.data());
  HS_FUZZ_CHECK(view.reserved_flag() == ((flags_fragment & 0x8000) != 0));
  HS_FUZZ_CHECK(view.fragment_offset_bytes() == repr.fragment_offset_bytes() &&
                repr.fragment_offset_bytes() == std::size_t{flags_fragment & 0x1fffu} * 8);
  HS_FUZZ_CHECK(view.is_fragment() == (repr.more_fragments || repr.fragment_offset != 0));
  HS_FUZZ_CHECK(view.checksum() == load_be16(input, ipv4_field::checksum.begin));
  hardstack::fuzz::check_address(repr.src);
  hardstack::fuzz::check_address(repr.dst);
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
  check_option_decoders(repr->options);
  check_header_fields(*view, *repr, input);

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
