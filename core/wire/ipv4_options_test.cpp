#include "ipv4_options.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;
using hardstack::harness::to_hex;

namespace {

constexpr std::size_t kBase = 20;  // options start 20 bytes into the IP header

// The error the walker reports for an options area placed at byte 20; the
// bare validator must report the same.
ParseError options_error(std::string_view text, Ipv4OptionsOrigin origin = Ipv4OptionsOrigin::received) {
  const auto area = hex(text);
  auto parsed = Ipv4Options::parse(area, kBase, origin);
  BOOST_REQUIRE(!parsed);
  auto bare = validate_ipv4_options(area, kBase, origin);
  BOOST_REQUIRE(!bare);
  BOOST_TEST((bare.error() == parsed.error()));
  return parsed.error();
}

Ipv4Options options_ok(std::string_view text, Ipv4OptionsOrigin origin = Ipv4OptionsOrigin::received) {
  const auto area = hex(text);
  auto parsed = Ipv4Options::parse(area, kBase, origin);
  if (!parsed) BOOST_FAIL("options did not parse: " << describe(parsed.error()));
  BOOST_TEST(validate_ipv4_options(area, kBase, origin).has_value());
  return *parsed;
}

// Emits and parses back: the value survives.
void check_round_trip(const Ipv4Options& options) {
  std::array<std::byte, 40> out{};
  auto n = options.emit(out);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == options.padded_len());
  BOOST_TEST(*n % 4 == 0u);
  auto again = Ipv4Options::parse(std::span<const std::byte>(out).first(*n), kBase);
  BOOST_REQUIRE(again);
  BOOST_TEST((*again == options));
}

Ipv4Address addr(const char* text) { return Ipv4Address::from_string(text).value(); }

}  // namespace

// ---- V4-OPT-1: EOL, NOP, the generic length rules ----------------------------

BOOST_AUTO_TEST_CASE(V4_OPT_1_empty_area_and_eol_first_give_no_options) {
  const std::vector<std::byte> empty;
  auto none = Ipv4Options::parse(empty, kBase);
  BOOST_REQUIRE(none);
  BOOST_TEST(none->empty());
  // EOL first: what follows (even a bad Router Alert) is padding, never looked at.
  BOOST_TEST(options_ok("00 94 03 ff").empty());
}

BOOST_AUTO_TEST_CASE(V4_OPT_1_eol_ends_the_list_and_later_bytes_are_dropped) {
  // NOP, EOL, then bytes that would be a bad RR: ignored as Linux ignores them.
  const auto options = options_ok("01 00 07 00 ff ff 00 00");
  BOOST_REQUIRE(options.size() == 1u);
  BOOST_TEST((options[0].kind() == Ipv4OptionKind::no_operation));
  BOOST_TEST(options.wire_len() == 1u);
  check_round_trip(options);
}

BOOST_AUTO_TEST_CASE(V4_OPT_1_nop_is_one_byte_and_kept) {
  const auto options = options_ok("01 01 01 94 04 00 00 01");
  BOOST_REQUIRE(options.size() == 5u);
  BOOST_TEST((options[3].kind() == Ipv4OptionKind::router_alert));
  BOOST_TEST((options[4].kind() == Ipv4OptionKind::no_operation));
  BOOST_TEST(options.wire_len() == 8u);
  BOOST_TEST(options[0].wire_len() == 1u);
  check_round_trip(options);
  // Forty NOPs: the whole area, forty list entries.
  std::string forty;
  for (int i = 0; i < 40; ++i) forty += "01";
  const auto nops = options_ok(forty);
  BOOST_TEST(nops.size() == 40u);
  check_round_trip(nops);
}

BOOST_AUTO_TEST_CASE(V4_OPT_1_length_byte_missing_points_at_type_byte) {
  // Three NOPs then an RR type in the last byte: no room for its length.
  BOOST_TEST((options_error("01 01 01 07") == ParseError{WireError::bad_option_length, 23}));
  BOOST_TEST((options_error("44") == ParseError{WireError::bad_option_length, 20}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_1_length_0_or_1_points_at_type_byte) {
  BOOST_TEST((options_error("01 83 00 00") == ParseError{WireError::bad_option_length, 21}));
  BOOST_TEST((options_error("01 44 01 00") == ParseError{WireError::bad_option_length, 21}));
  BOOST_TEST((options_error("85 01 00 00") == ParseError{WireError::bad_option_length, 20}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_1_length_past_the_area_points_at_type_byte) {
  // RR of length 8 starting at byte 1 of an 8-byte area: one byte short.
  BOOST_TEST((options_error("01 07 08 04 00 00 00 00") == ParseError{WireError::bad_option_length, 21}));
  // An unknown kind is held to the same rule.
  BOOST_TEST((options_error("9e 05 00 00") == ParseError{WireError::bad_option_length, 20}));
}

BOOST_AUTO_TEST_CASE(offsets_follow_base_offset) {
  const auto area = hex("01 07 08 04 00 00 00 00");
  BOOST_TEST((Ipv4Options::parse(area, 0).error() == ParseError{WireError::bad_option_length, 1}));
  BOOST_TEST((validate_ipv4_options(area, 100).error() == ParseError{WireError::bad_option_length, 101}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_7_area_over_40_bytes_is_refused) {
  std::string text;
  for (int i = 0; i < 41; ++i) text += "01";
  BOOST_TEST((options_error(text) == ParseError{WireError::bad_length, 60}));
  text.resize(80);
  BOOST_TEST(options_ok(text).size() == 40u);
}

// ---- V4-OPT-2: unknown options ------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_OPT_2_unknown_kinds_are_skipped_by_length_and_kept) {
  // Security (130), unknown 133, CIPSO (134), stream ID (136), unknown 30 (length 2).
  const auto options = options_ok("82 06 aa bb cc dd 85 04 11 22 86 04 00 03 88 04 12 34 1e 02 00 00");
  BOOST_REQUIRE(options.size() == 5u);
  BOOST_TEST(options[0].type() == 130);
  BOOST_TEST((options[0].kind() == Ipv4OptionKind::security));
  BOOST_TEST(options[0].copied());
  BOOST_TEST(options[0].wire_len() == 6u);
  BOOST_TEST((options[0].data().size() == 4u && options[0].data()[3] == std::byte{0xdd}));
  BOOST_TEST(options[1].type() == 133);
  BOOST_TEST(options[1].pointer() == 0);  // no decoding for unknown kinds
  BOOST_TEST(options[4].type() == 30);
  BOOST_TEST(!options[4].copied());
  BOOST_TEST(options[4].data().empty());
  check_round_trip(options);
}

// ---- V4-OPT-3: Record Route --------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_OPT_3_record_route_decodes_pointer_and_slots) {
  // Length 11, pointer 8: one address recorded, one slot free.
  const auto options = options_ok("07 0b 08 c0 00 02 0a 00 00 00 00 00");
  BOOST_REQUIRE(options.size() == 1u);
  const auto rr = options.record_route();
  BOOST_REQUIRE(rr.has_value());
  BOOST_TEST(rr->pointer() == 8);
  BOOST_TEST(!rr->is_full());
  BOOST_TEST(!rr->copied());
  const auto slots = rr->addresses();
  BOOST_REQUIRE(slots.size() == 2u);
  BOOST_TEST(slots[0].to_string() == "192.0.2.10");
  BOOST_TEST(slots[1].to_string() == "0.0.0.0");
  check_round_trip(options);
}

BOOST_AUTO_TEST_CASE(V4_OPT_3_record_route_length_below_3_points_at_length_byte) {
  // LINUX: the per-kind minimum length points at the length byte.
  BOOST_TEST((options_error("07 02 01 01") == ParseError{WireError::bad_option_length, 21}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_3_record_route_pointer_below_4_points_at_pointer) {
  BOOST_TEST((options_error("07 0b 03 00 00 00 00 00 00 00 00 00") ==
              ParseError{WireError::bad_option_pointer, 22}));
  BOOST_TEST((options_error("01 07 07 00 00 00 00 00") == ParseError{WireError::bad_option_pointer, 23}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_3_record_route_pointer_without_room_for_an_address) {
  // Length 11, pointer 9: 9 + 3 > 11. LINUX: parameter problem at the pointer.
  BOOST_TEST((options_error("07 0b 09 c0 00 02 0a 00 00 00 00 00") ==
              ParseError{WireError::bad_option_pointer, 22}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_3_full_record_route_passes_unchanged) {
  // Pointer 12 > length 11: full. Pointer 40: also past the end, also full.
  for (const char* text : {"07 0b 0c c0 00 02 0a c0 00 02 0b 00", "07 0b 28 c0 00 02 0a c0 00 02 0b 00"}) {
    const auto options = options_ok(text);
    BOOST_REQUIRE(options.size() == 1u);
    BOOST_TEST(options[0].is_full());
    BOOST_TEST(options[0].addresses().size() == 2u);
    check_round_trip(options);
  }
  // Length 3, pointer 4: a route option with no slot is full from the start.
  BOOST_TEST(options_ok("07 03 04 00").record_route()->is_full());
}

BOOST_AUTO_TEST_CASE(V4_OPT_3_record_route_misaligned_pointer_and_stray_bytes_are_kept) {
  // LINUX: no 4-byte alignment check. Pointer 5 in length 11 leaves room.
  const auto misaligned = options_ok("07 0b 05 00 00 00 00 00 00 00 00 00");
  BOOST_TEST(misaligned[0].pointer() == 5);
  // Length 9: one slot and two stray bytes; the bytes survive a round trip.
  const auto stray = options_ok("07 09 04 00 00 00 00 aa bb 00 00 00");
  BOOST_TEST(stray[0].addresses().size() == 1u);
  BOOST_TEST(stray[0].wire_len() == 9u);
  check_round_trip(stray);
}

BOOST_AUTO_TEST_CASE(V4_OPT_3_second_record_route_is_a_duplicate_at_its_type_byte) {
  // LINUX checks the duplicate before the second option's own fields.
  BOOST_TEST(
      (options_error("07 07 04 00 00 00 00 07 02 00 00 00") == ParseError{WireError::duplicate_option, 27}));
}

// ---- V4-OPT-4: Timestamp -------------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_OPT_4_timestamp_flag_0_decodes_timestamps) {
  // Pointer 9: one timestamp (1000) recorded, one slot free.
  const auto options = options_ok("44 0c 09 00 00 00 03 e8 00 00 00 00");
  const auto ts = options.timestamp();
  BOOST_REQUIRE(ts.has_value());
  BOOST_TEST(ts->pointer() == 9);
  BOOST_TEST(ts->overflow() == 0);
  BOOST_TEST(ts->timestamp_flag() == 0);
  const auto entries = ts->timestamp_entries();
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].timestamp == 1000u);
  BOOST_TEST(entries[0].address.is_unspecified());
  BOOST_TEST(!ts->increments_overflow());
  check_round_trip(options);
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_timestamp_flags_1_and_3_decode_address_pairs) {
  const auto with_addresses = options_ok("44 14 05 01 00000000 00000000 00000000 00000000");
  BOOST_TEST(with_addresses[0].timestamp_entries().size() == 2u);
  // Prespecified (Scapy-built seed opt_ts_flag3_prespec).
  const auto prespecified = options_ok("44 14 05 03 c000020a 00000000 c000020b 00000000");
  const auto entries = prespecified[0].timestamp_entries();
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[1].address.to_string() == "192.0.2.11");
  BOOST_TEST(prespecified[0].timestamp_flag() == 3);
  check_round_trip(prespecified);
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_timestamp_length_below_4_points_at_length_byte) {
  BOOST_TEST((options_error("44 03 05 00") == ParseError{WireError::bad_option_length, 21}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_timestamp_pointer_below_5_points_at_pointer) {
  BOOST_TEST((options_error("44 0c 04 00 00 00 00 00 00 00 00 00") ==
              ParseError{WireError::bad_option_pointer, 22}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_timestamp_pointer_without_room) {
  // Flag 0: pointer 10 in length 12 (10 + 3 > 12).
  BOOST_TEST((options_error("44 0c 0a 00 00 00 00 00 00 00 00 00") ==
              ParseError{WireError::bad_option_pointer, 22}));
  // Flag 1: pointer 9 in length 12 leaves 4 bytes, an 8-byte pair needs 9 + 7 <= 12.
  BOOST_TEST((options_error("44 0c 09 01 00 00 00 00 00 00 00 00") ==
              ParseError{WireError::bad_option_pointer, 22}));
  // The same pointer is fine for flag 0.
  BOOST_TEST(options_ok("44 0c 09 00 00 00 00 00 00 00 00 00").size() == 1u);
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_timestamp_flag_2_is_a_bad_value_at_flags_byte) {
  BOOST_TEST(
      (options_error("44 0c 05 02 00 00 00 00 00 00 00 00") == ParseError{WireError::bad_option_value, 23}));
  BOOST_TEST(
      (options_error("01 44 08 05 0f 00 00 00 00 00 00 00") == ParseError{WireError::bad_option_value, 24}));
  // Full with flag 2: still a bad value, not an overflow question.
  BOOST_TEST((options_error("44 08 09 f2 00 00 00 01") == ParseError{WireError::bad_option_value, 23}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_full_timestamp_increments_overflow) {
  // Pointer 13 > length 12: full, counter 14 -> may go to 15.
  auto options = options_ok("44 0c 0d e0 00 00 00 01 00 00 00 02");
  Ipv4Option ts = options[0];
  BOOST_TEST(ts.is_full());
  BOOST_TEST(ts.overflow() == 14);
  BOOST_TEST(ts.increments_overflow());
  BOOST_TEST(ts.increment_overflow());
  BOOST_TEST(ts.overflow() == 15);
  BOOST_TEST(ts.timestamp_flag() == 0);
  BOOST_TEST(!ts.increment_overflow());  // 15 cannot wrap
  BOOST_TEST(ts.overflow() == 15);
  // Room left: nothing to increment.
  Ipv4Option room = options_ok("44 08 05 00 00 00 00 00")[0];
  BOOST_TEST(!room.increments_overflow());
  BOOST_TEST(!room.increment_overflow());
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_full_timestamp_with_counter_15_overflows_at_flags_byte) {
  BOOST_TEST(
      (options_error("44 0c 0d f0 00 00 00 01 00 00 00 02") == ParseError{WireError::option_overflow, 23}));
  BOOST_TEST(
      (options_error("44 0c 0d f1 c0 00 02 0a 00 00 00 07") == ParseError{WireError::option_overflow, 23}));
  // Counter 15 with room left is not an overflow yet.
  BOOST_TEST(options_ok("44 08 05 f0 00 00 00 00")[0].overflow() == 15);
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_full_prespecified_timestamp_is_left_alone) {
  // LINUX: a full flag-3 option neither increments nor checks the counter.
  const auto options = options_ok("44 0c 0d f3 c0 00 02 0a 00 00 00 07");
  BOOST_TEST(options[0].is_full());
  BOOST_TEST(!options[0].increments_overflow());
}

BOOST_AUTO_TEST_CASE(V4_OPT_4_second_timestamp_is_a_duplicate_at_its_type_byte) {
  BOOST_TEST(
      (options_error("44 08 05 00 00 00 00 00 44 03 00 00") == ParseError{WireError::duplicate_option, 28}));
}

// ---- V4-OPT-5: source routes ---------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_OPT_5_loose_and_strict_source_routes_decode) {
  const auto loose = options_ok("83 0b 04 c0 00 02 0a c0 00 02 0b 00");
  BOOST_TEST(loose.has_source_route());
  BOOST_TEST(!loose.is_strict_source_route());
  const auto srr = loose.source_route();
  BOOST_REQUIRE(srr.has_value());
  BOOST_TEST(srr->copied());
  BOOST_TEST(srr->pointer() == 4);
  BOOST_REQUIRE(srr->addresses().size() == 2u);
  BOOST_TEST(srr->addresses()[1].to_string() == "192.0.2.11");
  check_round_trip(loose);
  const auto strict = options_ok("89 07 04 c6 33 64 01");
  BOOST_TEST(strict.is_strict_source_route());
  // Pointer past the length: the route is complete.
  BOOST_TEST(options_ok("83 07 08 c0 00 02 0a 00").source_route()->is_full());
}

BOOST_AUTO_TEST_CASE(V4_OPT_5_source_route_length_pointer_and_room) {
  BOOST_TEST((options_error("83 02 01 01") == ParseError{WireError::bad_option_length, 21}));
  BOOST_TEST((options_error("83 07 03 c0 00 02 0a 00") == ParseError{WireError::bad_option_pointer, 22}));
  // LINUX ip_options_rcv_srr: pointer 6 in length 7 (6 + 3 > 7).
  BOOST_TEST((options_error("89 07 06 c0 00 02 0a 00") == ParseError{WireError::bad_option_pointer, 22}));
}

BOOST_AUTO_TEST_CASE(V4_OPT_5_second_source_route_is_a_duplicate_at_its_type_byte) {
  BOOST_TEST((options_error("83 07 04 c0 00 02 0a 89 07 04 c0 00 02 0b 00 00") ==
              ParseError{WireError::duplicate_option, 27}));
  BOOST_TEST((options_error("89 07 04 c0 00 02 0a 89 07 04 c0 00 02 0b 00 00") ==
              ParseError{WireError::duplicate_option, 27}));
  // LINUX checks the second one's length and pointer before calling it a duplicate.
  BOOST_TEST((options_error("83 07 04 c0 00 02 0a 89 07 02 c0 00 02 0b 00 00") ==
              ParseError{WireError::bad_option_pointer, 29}));
}

// ---- V4-OPT-6: Router Alert ------------------------------------------------------

BOOST_AUTO_TEST_CASE(V4_OPT_6_router_alert_length_4) {
  const auto options = options_ok("94 04 00 00");
  BOOST_TEST(options.router_alert().value_or(0xffff) == 0);
  BOOST_TEST(options[0].copied());
  BOOST_TEST(options_ok("94 04 00 01").router_alert().value_or(0) == 1);
  BOOST_TEST(!options_ok("01 01 01 01").router_alert().has_value());
}

BOOST_AUTO_TEST_CASE(V4_OPT_6_router_alert_other_lengths_point_at_length_byte) {
  BOOST_TEST((options_error("94 03 00 00") == ParseError{WireError::bad_option_length, 21}));
  BOOST_TEST((options_error("94 06 00 00 00 00 00 00") == ParseError{WireError::bad_option_length, 21}));
  BOOST_TEST((options_error("94 02 00 00") == ParseError{WireError::bad_option_length, 21}));
}

// ---- Socket-set options (IP_OPTIONS, IP_RETOPTS) -----------------------------------

BOOST_AUTO_TEST_CASE(socket_options_follow_linux_setsockopt_rules) {
  constexpr auto socket = Ipv4OptionsOrigin::socket;
  // A source route from a socket: pointer 4, whole addresses, at least one.
  BOOST_TEST(options_ok("83 0b 04 c0 00 02 0a c0 00 02 0b 00", socket).has_source_route());
  BOOST_TEST((options_error("83 0b 08 c0 00 02 0a c0 00 02 0b 00", socket) ==
              ParseError{WireError::bad_option_pointer, 22}));
  BOOST_TEST((options_error("83 03 04 00", socket) == ParseError{WireError::bad_option_length, 21}));
  BOOST_TEST((options_error("83 09 04 c0 00 02 0a 00 00 00 00 00", socket) ==
              ParseError{WireError::bad_option_length, 21}));
  // Unknown kinds need CAP_NET_RAW.
  BOOST_TEST((options_error("01 85 04 00 00 00 00 00", socket) == ParseError{WireError::unsupported, 21}));
  BOOST_TEST(options_ok("01 85 04 00 00 00 00 00", Ipv4OptionsOrigin::privileged_socket).size() == 2u);
  // The same packet rules still apply.
  BOOST_TEST((options_error("44 0c 05 02 00 00 00 00 00 00 00 00", socket) ==
              ParseError{WireError::bad_option_value, 23}));
  BOOST_TEST((options_error("07 0b 03 00 00 00 00 00 00 00 00 00", socket) ==
              ParseError{WireError::bad_option_pointer, 22}));
}

// ---- V4-OPT-7: copied options and the emitter ----------------------------------------

BOOST_AUTO_TEST_CASE(V4_OPT_7_copied_only_keeps_copied_options_in_order) {
  // LSRR (copied), RR (not), Router Alert (copied), NOP (not), TS (not), security (copied).
  const auto options = options_ok(
      "83 07 04 c0 00 02 0a 07 07 04 00 00 00 00 94 04 00 00 01 "
      "44 08 05 00 00 00 00 00 82 04 ab cd");
  BOOST_REQUIRE(options.size() == 6u);
  const auto copied = options.copied_only();
  BOOST_REQUIRE(copied.size() == 3u);
  BOOST_TEST((copied[0] == options[0]));
  BOOST_TEST((copied[1] == options[2]));
  BOOST_TEST((copied[2] == options[5]));
  BOOST_TEST(copied.wire_len() == 15u);
  BOOST_TEST(copied.padded_len() == 16u);
  std::array<std::byte, 40> out{};
  auto n = copied.emit(out);
  BOOST_REQUIRE(n);
  const auto expected = hex("83 07 04 c0 00 02 0a 94 04 00 00 82 04 ab cd 00");
  BOOST_TEST(*n == expected.size());
  BOOST_TEST(std::equal(expected.begin(), expected.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(V4_OPT_7_emitter_pads_with_eol_to_a_multiple_of_4) {
  Ipv4Options options;
  BOOST_REQUIRE(options.push_back(Ipv4Option::router_alert(0)));
  BOOST_REQUIRE(options.push_back(Ipv4Option::no_operation()));
  std::array<std::byte, 40> out;
  out.fill(std::byte{0xee});
  auto n = options.emit(out);
  BOOST_REQUIRE(n);
  const auto expected = hex("94 04 00 00 01 00 00 00");
  BOOST_TEST(*n == 8u);
  BOOST_TEST(std::equal(expected.begin(), expected.end(), out.begin()));
  BOOST_TEST((out[8] == std::byte{0xee}));  // nothing written past the padding
  Ipv4Options none;
  BOOST_TEST(none.emit(out).value_or(99) == 0u);
}

BOOST_AUTO_TEST_CASE(V4_OPT_7_push_back_refuses_more_than_40_bytes) {
  const std::array<Ipv4Address, 9> nine{};
  Ipv4Options options;
  BOOST_REQUIRE(options.push_back(Ipv4Option::route(Ipv4OptionKind::record_route, 4, nine).value()));  // 39
  std::array<std::byte, 64> out{};
  BOOST_TEST(options.emit(out).value_or(0) == 40u);
  BOOST_REQUIRE(options.push_back(Ipv4Option::no_operation()));  // 40
  BOOST_TEST(options.emit(out).value_or(0) == 40u);
  // 41 bytes would not fit a header: refused, the value unchanged.
  BOOST_TEST(!options.push_back(Ipv4Option::no_operation()));
  BOOST_TEST(!options.push_back(Ipv4Option::router_alert(0)));
  BOOST_TEST(options.size() == 2u);
  BOOST_TEST(options.wire_len() == 40u);
  BOOST_TEST(options.emit(out).value_or(0) == 40u);
  // Ten Router Alerts fill 40 bytes, the eleventh does not fit.
  Ipv4Options alerts;
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(alerts.push_back(Ipv4Option::router_alert(0)));
  BOOST_TEST(!alerts.push_back(Ipv4Option::router_alert(0)));
  BOOST_TEST(alerts.size() == 10u);
}

BOOST_AUTO_TEST_CASE(emit_into_too_small_buffers) {
  Ipv4Options options;
  BOOST_REQUIRE(options.push_back(Ipv4Option::router_alert(0)));
  BOOST_REQUIRE(options.push_back(Ipv4Option::no_operation()));
  std::array<std::byte, 7> seven{};
  BOOST_TEST((options.emit(seven).error() == WireError::buffer_too_small));
  std::array<std::byte, 3> three{};
  BOOST_TEST((Ipv4Option::router_alert(0).emit(three).error() == WireError::buffer_too_small));
  std::array<std::byte, 0> zero{};
  BOOST_TEST((Ipv4Option::no_operation().emit(zero).error() == WireError::buffer_too_small));
}

BOOST_AUTO_TEST_CASE(builders_write_what_the_walker_reads) {
  const std::array<Ipv4Address, 2> hops{addr("192.0.2.10"), addr("198.51.100.1")};
  auto lsrr = Ipv4Option::route(Ipv4OptionKind::loose_source_route, 4, hops);
  BOOST_REQUIRE(lsrr);
  const std::array<Ipv4TimestampEntry, 2> stamps{Ipv4TimestampEntry{addr("192.0.2.10"), 7},
                                                 Ipv4TimestampEntry{addr("192.0.2.11"), 0}};
  auto ts = Ipv4Option::timestamp(Ipv4TimestampFlag::with_addresses, 13, 2, stamps);
  BOOST_REQUIRE(ts);
  auto unknown = Ipv4Option::raw(133, hex("aabb"));
  BOOST_REQUIRE(unknown);
  Ipv4Options options;
  BOOST_REQUIRE(options.push_back(*lsrr));
  BOOST_REQUIRE(options.push_back(*ts));
  BOOST_REQUIRE(options.push_back(*unknown));
  std::array<std::byte, 40> out{};
  auto n = options.emit(out);
  BOOST_REQUIRE(n);
  const auto expected =
      hex("83 0b 04 c000020a c6336401  44 14 0d 21 c000020a 00000007 c000020b 00000000"
          "85 04 aa bb");
  BOOST_TEST(*n == 36u);
  BOOST_TEST(std::equal(expected.begin(), expected.end(), out.begin()));
  auto parsed = Ipv4Options::parse(std::span<const std::byte>(out).first(*n), kBase);
  BOOST_REQUIRE(parsed);
  BOOST_TEST((*parsed == options));
  BOOST_TEST(parsed->timestamp()->overflow() == 2);
  BOOST_TEST((parsed->timestamp()->timestamp_entries()[0] == stamps[0]));
}

BOOST_AUTO_TEST_CASE(builders_refuse_what_cannot_be_encoded) {
  const std::array<Ipv4Address, 10> ten{};
  BOOST_TEST((Ipv4Option::route(Ipv4OptionKind::record_route, 4, ten).error() == WireError::unrepresentable));
  BOOST_TEST((Ipv4Option::route(Ipv4OptionKind::timestamp, 4, {}).error() == WireError::unrepresentable));
  const std::array<Ipv4TimestampEntry, 5> five{};
  BOOST_TEST((Ipv4Option::timestamp(Ipv4TimestampFlag::with_addresses, 5, 0, five).error() ==
              WireError::unrepresentable));
  BOOST_TEST(Ipv4Option::timestamp(Ipv4TimestampFlag::timestamps_only, 5, 0, five).has_value());
  BOOST_TEST((Ipv4Option::timestamp(Ipv4TimestampFlag::timestamps_only, 5, 16, {}).error() ==
              WireError::unrepresentable));
  BOOST_TEST((Ipv4Option::raw(0, {}).error() == WireError::unrepresentable));
  BOOST_TEST((Ipv4Option::raw(1, hex("00")).error() == WireError::unrepresentable));
  BOOST_TEST((Ipv4Option::raw(1, {}).value() == Ipv4Option::no_operation()));
  const std::vector<std::byte> too_long(39);
  BOOST_TEST((Ipv4Option::raw(133, too_long).error() == WireError::unrepresentable));
}

BOOST_AUTO_TEST_CASE(push_back_stops_at_40_options) {
  Ipv4Options options;
  for (int i = 0; i < 40; ++i) BOOST_REQUIRE(options.push_back(Ipv4Option::no_operation()));
  BOOST_TEST(!options.push_back(Ipv4Option::no_operation()));
  BOOST_TEST(options.size() == 40u);
}

// The value keeps the options' wire bytes; options are read in place.
BOOST_AUTO_TEST_CASE(options_are_read_in_place_from_the_value) {
  // NOP, Router Alert 0x0102, RR (pointer 4, one empty slot), security.
  const auto options = options_ok("01 94 04 01 02 07 07 04 00 00 00 00 82 03 ab 00");
  BOOST_REQUIRE(options.size() == 4u);
  BOOST_TEST(options.wire_len() == 15u);
  BOOST_TEST(to_hex(options.bytes()) ==
             "019404010207070400000000"
             "8203ab");
  // A view's data lies inside the value, so it outlives the expression that found it.
  const Bytes security = options[3].data();
  BOOST_TEST((security.data() == options.bytes().data() + 14));
  BOOST_TEST(to_hex(security) == "ab");
  const auto rr = options.record_route();
  BOOST_REQUIRE(rr.has_value());
  BOOST_TEST((rr->data().data() == options.bytes().data() + 7));
  BOOST_TEST(options.router_alert().value_or(0) == 0x0102);
  // Iteration yields the options in order, as operator[] does.
  std::vector<std::uint8_t> types;
  for (const auto& opt : options) types.push_back(opt.type());
  BOOST_TEST((types == std::vector<std::uint8_t>{1, 0x94, 7, 0x82}));
  std::size_t i = 0;
  for (auto it = options.begin(); it != options.end(); ++it, ++i) BOOST_TEST((*it == options[i]));
  BOOST_TEST(i == 4u);
  BOOST_TEST(options.begin()->type() == 1);
  // Past the end: a NOP, never a read outside the value.
  BOOST_TEST((options[4].kind() == Ipv4OptionKind::no_operation));
  BOOST_TEST(options[4].data().empty());
  // An owned copy compares equal to the view and outlives the value.
  Ipv4Option copy = Ipv4Options{options}[2];
  BOOST_TEST((copy == options[2]));
  BOOST_TEST(copy.addresses().size() == 1u);
  // Equal values hold the same options; the built value equals the parsed one.
  Ipv4Options built;
  for (const auto opt : options) BOOST_REQUIRE(built.push_back(opt));
  BOOST_TEST((built == options));
  BOOST_TEST(!(options.copied_only() == options));
  BOOST_TEST(!options.find(Ipv4OptionKind::timestamp).has_value());
}

// ---- Echo (RFC 1122 3.2.2.6) ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(echo_carries_record_route_then_timestamp_nothing_else) {
  // RFC 1122 3.2.2.6; LINUX ip_options_echo's order (RR, TS) whatever the request's.
  std::array<std::byte, 40> out{};
  const auto echoed = ipv4_echo_options(hex("44 08 05 00 00000000 94 04 00 00 07 07 04 00000000 00"));
  BOOST_TEST(echoed.emit(out).value_or(0) == 16u);
  BOOST_TEST(to_hex(std::span(out).first(16)) == to_hex(hex("07 07 04 00000000 44 08 05 00 00000000 00")));
  BOOST_TEST(ipv4_echo_options(hex("94 04 00 00 01 01 01 00")).empty());
  BOOST_TEST(ipv4_echo_options({}).empty());
  // A full overflowed TS is carried back as it is.
  const auto full = ipv4_echo_options(hex("44 08 09 f0 00000001"));
  BOOST_TEST(full.emit(out).value_or(0) == 8u);
  BOOST_TEST(to_hex(std::span(out).first(8)) == to_hex(hex("44 08 09 f0 00000001")));
}

BOOST_AUTO_TEST_CASE(option_walk_stops_at_eol_and_at_bytes_that_are_no_option) {
  std::vector<std::string> seen;
  const auto record = [&](std::uint8_t type, Bytes opt) {
    seen.push_back(std::to_string(type) + ":" + to_hex(opt));
  };
  for_each_ipv4_option(Bytes(hex("01 94 04 00 00 00 07 03 04")), record);
  BOOST_TEST(seen == (std::vector<std::string>{"148:94040000"}));
  seen.clear();
  // A length past the area, a length below 2, a lone type byte: the walk ends.
  for_each_ipv4_option(Bytes(hex("01 07 09 04")), record);
  for_each_ipv4_option(Bytes(hex("07 01 04")), record);
  for_each_ipv4_option(Bytes(hex("01 07")), record);
  BOOST_TEST(seen.empty());
}
