// IPv4 options (RFC 791 3.1, RFC 1122 3.2.1.8, RFC 2113 Router Alert).
//
// One walker validates an options area, whether it comes from a received
// header or from a socket (IP_OPTIONS, an IP_RETOPTS cmsg). Its rules are
// Linux's __ip_options_compile (net/ipv4/ip_options.c) plus the V4-OPT
// requirements where those say more; each rule is cited where it is checked
// (ipv4_options.cpp). Error offsets count from the start of the IP header
// (`base_offset` is where the options area starts in it, 20 for a packet):
// the value an ICMP parameter-problem pointer carries.
//
// Ipv4Options is the parsed value: a fixed-capacity list of Ipv4Option, each
// holding its type and its bytes after the length byte (so every option,
// known or not, round-trips exactly), with decoding accessors for the kinds
// the stack acts on. EOL is not a list element: it ends the list, and the
// emitter writes it as padding.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"
#include "inline_vector.hpp"

namespace hardstack::wire {

// RFC 791 3.1 option type: copied flag (bit 7), class (bits 6-5), number (4-0).
enum class Ipv4OptionKind : std::uint8_t {
  end_of_list = 0,
  no_operation = 1,
  record_route = 7,
  timestamp = 68,
  security = 130,  // RFC 1108: skipped by length, as unknown kinds are
  loose_source_route = 131,
  commercial_security = 134,  // CIPSO: skipped by length (Linux hands it to NetLabel)
  stream_id = 136,            // obsolete (RFC 6814): skipped by length
  strict_source_route = 137,
  router_alert = 148,  // RFC 2113
};

// RFC 791 3.1 Internet Timestamp flag (low nibble of the fourth byte).
enum class Ipv4TimestampFlag : std::uint8_t {
  timestamps_only = 0,
  with_addresses = 1,
  prespecified = 3,
};

// Where an options buffer comes from: the checks differ as they do in Linux
// between a received header (skb != NULL) and a socket (skb == NULL).
enum class Ipv4OptionsOrigin : std::uint8_t {
  received,           // from a packet
  socket,             // IP_OPTIONS / IP_RETOPTS from a socket without CAP_NET_RAW
  privileged_socket,  // the same with CAP_NET_RAW: unknown kinds allowed
};

// Byte positions inside one option (from its type byte) and the limits.
namespace ipv4_option_field {
inline constexpr std::size_t type = 0;
inline constexpr std::size_t length = 1;
inline constexpr std::size_t pointer = 2;         // RR, LSRR, SSRR, TS
inline constexpr std::size_t overflow_flags = 3;  // TS: overflow (high nibble), flag (low)
inline constexpr std::size_t route_data = 3;      // first address of RR, LSRR, SSRR
inline constexpr std::size_t timestamp_data = 4;  // first TS slot
inline constexpr std::size_t router_alert_value = 2;
inline constexpr std::size_t max_area_len = 40;  // RFC 791: IHL 15 leaves 40 bytes
inline constexpr std::size_t max_data_len = max_area_len - 2;
inline constexpr std::uint8_t route_min_len = 3;
inline constexpr std::uint8_t route_min_pointer = 4;
inline constexpr std::uint8_t timestamp_min_len = 4;
inline constexpr std::uint8_t timestamp_min_pointer = 5;
inline constexpr std::uint8_t router_alert_len = 4;  // RFC 2113 2.1
inline constexpr std::uint8_t overflow_max = 15;
inline constexpr std::uint8_t copied_flag = 0x80;
inline constexpr std::size_t max_route_addresses = (max_area_len - route_data) / 4;        // 9
inline constexpr std::size_t max_timestamp_entries = (max_area_len - timestamp_data) / 4;  // 9
}  // namespace ipv4_option_field

struct Ipv4TimestampEntry {
  Ipv4Address address;  // 0.0.0.0 for Ipv4TimestampFlag::timestamps_only
  std::uint32_t timestamp = 0;
  constexpr bool operator==(const Ipv4TimestampEntry&) const = default;
};

// One option other than EOL. Its wire bytes are the single source of truth:
// the decoding accessors read them, the builders write them.
class Ipv4Option {
 public:
  using Addresses = InlineVector<Ipv4Address, ipv4_option_field::max_route_addresses>;
  using TimestampEntries = InlineVector<Ipv4TimestampEntry, ipv4_option_field::max_timestamp_entries>;

  // Builders. Each fails with `unrepresentable` when the option would not fit
  // the 40-byte area or a field is out of its range; they do not apply the
  // walker's rules (validate the emitted bytes for that).
  static Ipv4Option no_operation();
  // RR, LSRR or SSRR: length 3 + 4 * addresses.size().
  static Result<Ipv4Option, WireError> route(Ipv4OptionKind kind, std::uint8_t pointer,
                                             std::span<const Ipv4Address> addresses);
  // TS: 4-byte slots for timestamps_only, 8-byte (address, timestamp) slots otherwise.
  static Result<Ipv4Option, WireError> timestamp(Ipv4TimestampFlag flag, std::uint8_t pointer,
                                                 std::uint8_t overflow,
                                                 std::span<const Ipv4TimestampEntry> entries);
  static Ipv4Option router_alert(std::uint16_t value);
  // Any kind but EOL and NOP from its bytes after the length byte.
  static Result<Ipv4Option, WireError> raw(std::uint8_t type, Bytes data);

  std::uint8_t type() const { return type_; }
  Ipv4OptionKind kind() const { return static_cast<Ipv4OptionKind>(type_); }
  // RFC 791 3.1: options with the copied flag go into every fragment.
  bool copied() const { return (type_ & ipv4_option_field::copied_flag) != 0; }
  // Bytes on the wire: 1 for NOP, 2 + data().size() for the others.
  std::size_t wire_len() const;
  // The bytes after the length byte (empty for NOP).
  Bytes data() const { return Bytes(data_).first(data_len_); }

  // RR, LSRR, SSRR, TS: the pointer byte, 1-based from the type byte.
  std::uint8_t pointer() const;
  // RR, LSRR, SSRR, TS: the option is full (RFC 791: the pointer exceeds the length).
  bool is_full() const;
  // RR, LSRR, SSRR: every whole 4-byte address slot, recorded or not.
  Addresses addresses() const;
  // TS: overflow counter, flag nibble, every whole slot.
  std::uint8_t overflow() const;
  std::uint8_t timestamp_flag() const;
  TimestampEntries timestamp_entries() const;
  // TS: RFC 791 and Linux: a full option increments the overflow counter,
  // except a full prespecified one (Linux skips it: nothing was missed).
  bool increments_overflow() const;
  // Applies that increment; false (and no change) when the counter is at 15,
  // which the walker has already rejected as option_overflow.
  [[nodiscard]] bool increment_overflow();
  // Router Alert: the 16-bit value (0: "router shall examine the packet").
  std::uint16_t router_alert_value() const;

  // Writes wire_len() bytes.
  EmitResult emit(MutableBytes out) const;

  friend bool operator==(const Ipv4Option& a, const Ipv4Option& b) {
    return a.type_ == b.type_ && same_bytes(a.data(), b.data());
  }

 private:
  bool is_route() const;
  bool is_timestamp() const { return kind() == Ipv4OptionKind::timestamp; }
  std::uint8_t data_at(std::size_t i) const {
    return i < data_len_ ? static_cast<std::uint8_t>(data_[i]) : 0;
  }

  std::uint8_t type_ = static_cast<std::uint8_t>(Ipv4OptionKind::no_operation);
  std::uint8_t data_len_ = 0;
  std::array<std::byte, ipv4_option_field::max_data_len> data_{};
};

class Ipv4Options {
 public:
  using List = InlineVector<Ipv4Option, ipv4_option_field::max_area_len>;

  // Walks and validates `area` (see validate_ipv4_options) and keeps every
  // option before the first EOL. Bytes after an EOL are ignored (Linux
  // overwrites them with EOL); they never reach the value.
  static ParseResult<Ipv4Options> parse(Bytes area, std::size_t base_offset,
                                        Ipv4OptionsOrigin origin = Ipv4OptionsOrigin::received);

  const List& list() const { return list_; }
  std::size_t size() const { return list_.size(); }
  bool empty() const { return list_.empty(); }
  const Ipv4Option* begin() const { return list_.begin(); }
  const Ipv4Option* end() const { return list_.end(); }
  const Ipv4Option& operator[](std::size_t i) const { return list_[i]; }
  // Fails only when the list holds 40 options already; the byte limit is the
  // emitter's to enforce, so a too-long value is representable and refused there.
  [[nodiscard]] bool push_back(const Ipv4Option& option);

  // Sum of the options' wire lengths, and that rounded up to 4 (the header's share).
  std::size_t wire_len() const;
  std::size_t padded_len() const { return (wire_len() + 3) / 4 * 4; }

  // The first option of a kind, or null.
  const Ipv4Option* find(Ipv4OptionKind kind) const;
  const Ipv4Option* record_route() const { return find(Ipv4OptionKind::record_route); }
  const Ipv4Option* timestamp() const { return find(Ipv4OptionKind::timestamp); }
  // The LSRR or SSRR option (the walker allows one), or null.
  const Ipv4Option* source_route() const;
  bool has_source_route() const { return source_route() != nullptr; }
  bool is_strict_source_route() const;
  // The value of the first Router Alert option, if any.
  std::optional<std::uint16_t> router_alert() const;

  // V4-OPT-7: the options a non-first fragment carries, those whose copied
  // flag is set, in order; NOPs go too. (Linux overwrites the others with NOP
  // and keeps the header length; this value is the shorter equivalent.)
  Ipv4Options copied_only() const;

  // Writes padded_len() bytes: the options then EOL up to a 4-byte multiple.
  // `unrepresentable` past 40 bytes (V4-OPT-7), `buffer_too_small` otherwise.
  EmitResult emit(MutableBytes out) const;

  friend bool operator==(const Ipv4Options& a, const Ipv4Options& b) { return a.list_ == b.list_; }

 private:
  List list_;
};

// Validates an options area, from a packet or a socket, without building the
// list: the same rules as Ipv4Options::parse. `base_offset` is added to every
// error offset (20 for the area of a received header). An area over 40 bytes
// (possible only from a socket) is `bad_length` at base_offset + 40.
Result<void, ParseError> validate_ipv4_options(Bytes area, std::size_t base_offset,
                                               Ipv4OptionsOrigin origin = Ipv4OptionsOrigin::received);

}  // namespace hardstack::wire
