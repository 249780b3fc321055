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
// Ipv4Options is the parsed value: the options' wire bytes (at most 40), so
// every option, known or not, round-trips exactly. It hands options out as
// Ipv4OptionView (type and the bytes after the length byte, read in place),
// with decoding accessors for the kinds the stack acts on; Ipv4Option is the
// owning form the builders make. EOL is not an option of the value: it ends
// the list, and the emitter writes it as padding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"
#include "inline_vector.hpp"
#include "packed_options.hpp"

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

class Ipv4Option;
struct Ipv4Repr;

// One option other than EOL, read in place: its type and the bytes after its
// length byte, borrowed from the Ipv4Options (or Ipv4Option) it came from,
// which must outlive it. What Ipv4Options hands out: the decoding accessors
// are here, and an Ipv4Option (the owning form) converts from and to it.
class Ipv4OptionView {
 public:
  using Addresses = InlineVector<Ipv4Address, ipv4_option_field::max_route_addresses>;
  using TimestampEntries = InlineVector<Ipv4TimestampEntry, ipv4_option_field::max_timestamp_entries>;

  // A NOP.
  constexpr Ipv4OptionView() = default;

  std::uint8_t type() const { return type_; }
  Ipv4OptionKind kind() const { return static_cast<Ipv4OptionKind>(type_); }
  // RFC 791 3.1: options with the copied flag go into every fragment.
  bool copied() const { return (type_ & ipv4_option_field::copied_flag) != 0; }
  // Bytes on the wire: 1 for NOP, 2 + data().size() for the others.
  std::size_t wire_len() const {
    return type_ == static_cast<std::uint8_t>(Ipv4OptionKind::no_operation) ? 1 : 2 + data_.size();
  }
  // The bytes after the length byte (empty for NOP).
  Bytes data() const { return data_; }

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
  // Router Alert: the 16-bit value (0: "router shall examine the packet").
  std::uint16_t router_alert_value() const;

  // Writes wire_len() bytes.
  EmitResult emit(MutableBytes out) const;

 private:
  friend class Ipv4Option;
  friend class Ipv4Options;
  constexpr Ipv4OptionView(std::uint8_t type, Bytes data) : type_(type), data_(data) {}
  bool is_route() const;
  bool is_timestamp() const { return kind() == Ipv4OptionKind::timestamp; }
  std::uint8_t data_at(std::size_t i) const {
    return i < data_.size() ? static_cast<std::uint8_t>(data_[i]) : 0;
  }

  std::uint8_t type_ = static_cast<std::uint8_t>(Ipv4OptionKind::no_operation);
  Bytes data_;
};

// Equal when type and data are, whether views or owned options: an
// Ipv4Option compares through its view.
bool operator==(Ipv4OptionView a, Ipv4OptionView b);

// One option other than EOL, owning its bytes: what the builders make and
// push_back takes. Its wire bytes are the single source of truth: the
// decoding accessors read them (through Ipv4OptionView), the builders write them.
class Ipv4Option {
 public:
  using Addresses = Ipv4OptionView::Addresses;
  using TimestampEntries = Ipv4OptionView::TimestampEntries;

  // A NOP.
  Ipv4Option() = default;
  // A copy of an option read in place: `Ipv4Option opt = options[0];`.
  Ipv4Option(Ipv4OptionView view);  // NOLINT(google-explicit-constructor)

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

  // A view of this option's bytes; valid while this object lives unchanged.
  Ipv4OptionView view() const { return {type_, data()}; }
  operator Ipv4OptionView() const { return view(); }  // NOLINT(google-explicit-constructor)

  // The accessors of Ipv4OptionView.
  std::uint8_t type() const { return type_; }
  Ipv4OptionKind kind() const { return static_cast<Ipv4OptionKind>(type_); }
  bool copied() const { return view().copied(); }
  std::size_t wire_len() const { return view().wire_len(); }
  Bytes data() const { return Bytes(data_).first(data_len_); }
  std::uint8_t pointer() const { return view().pointer(); }
  bool is_full() const { return view().is_full(); }
  Addresses addresses() const { return view().addresses(); }
  std::uint8_t overflow() const { return view().overflow(); }
  std::uint8_t timestamp_flag() const { return view().timestamp_flag(); }
  TimestampEntries timestamp_entries() const { return view().timestamp_entries(); }
  bool increments_overflow() const { return view().increments_overflow(); }
  std::uint16_t router_alert_value() const { return view().router_alert_value(); }
  EmitResult emit(MutableBytes out) const { return view().emit(out); }

  // Applies the overflow increment (TS); false (and no change) when the
  // option does not increment, or the counter is at 15, which the walker has
  // already rejected as option_overflow.
  [[nodiscard]] bool increment_overflow();

 private:
  std::uint8_t type_ = static_cast<std::uint8_t>(Ipv4OptionKind::no_operation);
  std::uint8_t data_len_ = 0;
  std::array<std::byte, ipv4_option_field::max_data_len> data_{};
};

// The options of one header, compactly: their wire bytes back to back (at
// most 40, no EOL, no padding) and how many there are. Options are handed out
// as Ipv4OptionView, read in place; each step of an iteration or of
// operator[] reads one type and one length byte.
class Ipv4Options {
 public:
  // Forward iteration over the options, in order, as Ipv4OptionView values.
  using Iterator = PackedOptionIterator<Ipv4Options, Ipv4OptionView>;
  friend Iterator;

  // Walks and validates `area` (see validate_ipv4_options) and keeps every
  // option before the first EOL. Bytes after an EOL are ignored (Linux
  // overwrites them with EOL); they never reach the value.
  static ParseResult<Ipv4Options> parse(Bytes area, std::size_t base_offset,
                                        Ipv4OptionsOrigin origin = Ipv4OptionsOrigin::received);

  // Former spellings of the list type and its accessor: the options are their own list.
  using List = Ipv4Options;
  const Ipv4Options& list() const { return *this; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, used_}; }
  // The i-th option (i < size()), found by stepping over the i before it.
  Ipv4OptionView operator[](std::size_t i) const;
  // V4-OPT-7: fails (and changes nothing) when the option would take the
  // options past the 40 bytes a header holds; so at most 40 options (NOPs).
  [[nodiscard]] bool push_back(Ipv4OptionView option);

  // Sum of the options' wire lengths, and that rounded up to 4 (the header's share).
  std::size_t wire_len() const { return used_; }
  std::size_t padded_len() const { return (wire_len() + 3) / 4 * 4; }
  // The options' wire bytes back to back, without the EOL padding.
  Bytes bytes() const { return Bytes(bytes_).first(used_); }

  // The first option of a kind, if any.
  std::optional<Ipv4OptionView> find(Ipv4OptionKind kind) const;
  std::optional<Ipv4OptionView> record_route() const { return find(Ipv4OptionKind::record_route); }
  std::optional<Ipv4OptionView> timestamp() const { return find(Ipv4OptionKind::timestamp); }
  // The LSRR or SSRR option (the walker allows one), if any.
  std::optional<Ipv4OptionView> source_route() const;
  bool has_source_route() const { return source_route().has_value(); }
  bool is_strict_source_route() const;
  // The value of the first Router Alert option, if any.
  std::optional<std::uint16_t> router_alert() const;

  // V4-OPT-7: the options a non-first fragment carries, those whose copied
  // flag is set, in order (NOP's is clear: NOPs stay behind). Linux
  // overwrites the others with NOP and keeps the header length; this value
  // is the shorter equivalent.
  Ipv4Options copied_only() const;

  // Writes padded_len() bytes: the options then EOL up to a 4-byte multiple.
  // `buffer_too_small` when `out` is shorter (push_back keeps the value within
  // 40 bytes, so it is always representable).
  EmitResult emit(MutableBytes out) const;

  // Equal when the options are, one by one (type and data): the same bytes.
  friend bool operator==(const Ipv4Options& a, const Ipv4Options& b) {
    return a.size_ == b.size_ && same_bytes(a.bytes(), b.bytes());
  }

 private:
  friend struct Ipv4Repr;
  // parse() into a value in place (Ipv4Repr::parse fills its result's options
  // without copying them); `out` is empty on entry.
  static Result<void, ParseError> parse_into(Ipv4Options& out, Bytes area, std::size_t base_offset,
                                             Ipv4OptionsOrigin origin);
  // Offsets inside bytes_, which hold whole options only: a NOP is 1 byte,
  // any other option carries its length (>= 2) and ends by used_.
  std::size_t option_len_at(std::size_t at) const;
  Ipv4OptionView option_at(std::size_t at) const;

  std::array<std::byte, ipv4_option_field::max_area_len> bytes_{};
  std::uint8_t used_ = 0;  // bytes
  std::uint8_t size_ = 0;  // options
};

// A header's options: 40 bytes and two counts, not a list of 40 options of
// 38 bytes each (1.6 KB), since the stack builds one per packet.
static_assert(sizeof(Ipv4Options) <= ipv4_option_field::max_area_len + 2);

// Validates an options area, from a packet or a socket, without building the
// list: the same rules as Ipv4Options::parse. `base_offset` is added to every
// error offset (20 for the area of a received header). An area over 40 bytes
// (possible only from a socket) is `bad_length` at base_offset + 40.
Result<void, ParseError> validate_ipv4_options(Bytes area, std::size_t base_offset,
                                               Ipv4OptionsOrigin origin = Ipv4OptionsOrigin::received);

// Calls f(type, option) for every option of an area other than NOP, up to
// the first EOL, `option` being its bytes from the type byte (a span of the
// area's constness, so a caller may write into it). Meant for areas that
// validated; every bound is still checked, so that nothing is read or
// written outside the area: bytes that do not form an option end the walk.
template <typename Span, typename F>
void for_each_ipv4_option(Span area, F&& f) {
  std::size_t i = 0;
  while (i < area.size()) {
    const std::uint8_t type = load_u8(area, i);
    if (type == static_cast<std::uint8_t>(Ipv4OptionKind::end_of_list)) return;
    if (type == static_cast<std::uint8_t>(Ipv4OptionKind::no_operation)) {
      ++i;
      continue;
    }
    if (area.size() - i < 2) return;
    const std::size_t len = load_u8(area, i + ipv4_option_field::length);
    if (len < 2 || len > area.size() - i) return;
    f(type, area.subspan(i, len));
    i += len;
  }
}

// RFC 1122 3.2.2.6, LINUX ip_options_echo: the options a reply carries back
// (an echo reply; an IP_RETOPTS cmsg): the Record Route, then the Timestamp
// option of a received area, as recorded on the way in. Source routes are
// not reversed (the stack does not answer them).
Ipv4Options ipv4_echo_options(Bytes area);

}  // namespace hardstack::wire
