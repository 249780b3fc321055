#include "ipv4_options.hpp"

#include <algorithm>
#include <iterator>

namespace hardstack::wire {

namespace o = ipv4_option_field;

namespace {

using Check = Result<void, ParseError>;

constexpr std::uint8_t type_of(Ipv4OptionKind k) { return static_cast<std::uint8_t>(k); }

// What the walker remembers between options (Linux: opt->rr, opt->ts, opt->srr).
struct Seen {
  bool record_route = false;
  bool timestamp = false;
  bool source_route = false;
};

// `opt` is one option whose length byte has been checked (2 <= len <= area
// left); `at` is the offset of its type byte from the IP header start.

// LSRR / SSRR. Linux __ip_options_compile, then ip_options_rcv_srr.
Check check_source_route(Bytes opt, std::size_t at, Seen& seen, Ipv4OptionsOrigin origin) {
  const std::size_t len = opt.size();
  // V4-OPT-5 (LINUX): length < 3 points at the length byte.
  if (len < o::route_min_len) return parse_error(WireError::bad_option_length, at + o::length);
  const std::uint8_t pointer = load_u8(opt, o::pointer);
  if (pointer < o::route_min_pointer) return parse_error(WireError::bad_option_pointer, at + o::pointer);
  // RFC 1812 5.2.4.1, V4-OPT-5: one source route per datagram; Linux points at
  // the second one's type byte, and checks it after the pointer.
  if (seen.source_route) return parse_error(WireError::duplicate_option, at);
  seen.source_route = true;
  if (origin != Ipv4OptionsOrigin::received) {
    // LINUX (ip_options_compile, socket side): a route a socket sets starts at
    // its first hop (pointer 4) and holds whole addresses, at least one.
    if (pointer != o::route_min_pointer) return parse_error(WireError::bad_option_pointer, at + o::pointer);
    if (len < o::route_min_len + 4 || (len - o::route_min_len) % 4 != 0)
      return parse_error(WireError::bad_option_length, at + o::length);
    return {};
  }
  // LINUX ip_options_rcv_srr: a pointer inside the option must leave room for
  // a whole address; past the length the route is complete.
  if (pointer <= len && pointer + 3u > len)
    return parse_error(WireError::bad_option_pointer, at + o::pointer);
  return {};
}

// Record Route. Linux checks the duplicate first, at the type byte.
Check check_record_route(Bytes opt, std::size_t at, Seen& seen) {
  const std::size_t len = opt.size();
  if (seen.record_route) return parse_error(WireError::duplicate_option, at);
  seen.record_route = true;
  // V4-OPT-3 (LINUX): length < 3 points at the length byte, pointer < 4 at the pointer.
  if (len < o::route_min_len) return parse_error(WireError::bad_option_length, at + o::length);
  const std::uint8_t pointer = load_u8(opt, o::pointer);
  if (pointer < o::route_min_pointer) return parse_error(WireError::bad_option_pointer, at + o::pointer);
  // LINUX: a pointer inside the option must leave room for a whole address.
  // Past the length the option is full and passes through unchanged (V4-OPT-3).
  // Like Linux, the pointer need not sit on a 4-byte slot boundary.
  if (pointer <= len && pointer + 3u > len)
    return parse_error(WireError::bad_option_pointer, at + o::pointer);
  return {};
}

// Internet Timestamp. Linux checks the duplicate first, at the type byte.
Check check_timestamp(Bytes opt, std::size_t at, Seen& seen) {
  const std::size_t len = opt.size();
  if (seen.timestamp) return parse_error(WireError::duplicate_option, at);
  seen.timestamp = true;
  // V4-OPT-4 (LINUX): length < 4 points at the length byte, pointer < 5 at the pointer.
  if (len < o::timestamp_min_len) return parse_error(WireError::bad_option_length, at + o::length);
  const std::uint8_t pointer = load_u8(opt, o::pointer);
  if (pointer < o::timestamp_min_pointer) return parse_error(WireError::bad_option_pointer, at + o::pointer);
  const std::uint8_t overflow_flags = load_u8(opt, o::overflow_flags);
  const std::uint8_t flag = overflow_flags & 0x0f;
  const bool flag_known = flag == static_cast<std::uint8_t>(Ipv4TimestampFlag::timestamps_only) ||
                          flag == static_cast<std::uint8_t>(Ipv4TimestampFlag::with_addresses) ||
                          flag == static_cast<std::uint8_t>(Ipv4TimestampFlag::prespecified);
  if (pointer <= len) {
    // Room left. LINUX: the pointer must leave room for a 4-byte timestamp...
    if (pointer + 3u > len) return parse_error(WireError::bad_option_pointer, at + o::pointer);
    // V4-OPT-4: flag in {0,1,3}, at the flags byte. (Linux drops other flags
    // only from unprivileged sockets, at this byte; it passes them on receive.)
    if (!flag_known) return parse_error(WireError::bad_option_value, at + o::overflow_flags);
    // ...and, with an address, for an 8-byte slot. Like Linux, no alignment check.
    if (flag != static_cast<std::uint8_t>(Ipv4TimestampFlag::timestamps_only) && pointer + 7u > len)
      return parse_error(WireError::bad_option_pointer, at + o::pointer);
    return {};
  }
  // Full. V4-OPT-4 as above for the flag.
  if (!flag_known) return parse_error(WireError::bad_option_value, at + o::overflow_flags);
  // RFC 791, V4-OPT-4: a full option increments the overflow counter; one at
  // 15 cannot, and is a parameter problem at the flags byte. LINUX: a full
  // prespecified option is left alone (its counter is not checked).
  if (flag != static_cast<std::uint8_t>(Ipv4TimestampFlag::prespecified) &&
      (overflow_flags >> 4) == o::overflow_max)
    return parse_error(WireError::option_overflow, at + o::overflow_flags);
  return {};
}

// What a successful walk found: the options are area[0, end), `count` of them.
struct Walked {
  std::size_t end = 0;
  std::size_t count = 0;
};

// The one walker behind Ipv4Options::parse and validate_ipv4_options.
// Linux __ip_options_compile's loop: EOL ends, NOP is one byte, every other
// option has a length byte inside the area, 2 <= length <= bytes left.
Result<Walked, ParseError> walk(Bytes area, std::size_t base, Ipv4OptionsOrigin origin) {
  // V4-OPT-7: at most 40 bytes (a header cannot hold more; a socket may try).
  if (area.size() > o::max_area_len) return parse_error(WireError::bad_length, base + o::max_area_len);
  Seen seen;
  std::size_t i = 0;
  std::size_t count = 0;
  while (i < area.size()) {
    const std::size_t at = base + i;
    const std::uint8_t type = load_u8(area, i);
    // RFC 791: End of Option List; what follows is padding (Linux rewrites it to EOL).
    if (type == type_of(Ipv4OptionKind::end_of_list)) break;
    if (type == type_of(Ipv4OptionKind::no_operation)) {
      ++count;
      ++i;
      continue;
    }
    // V4-OPT-1 (LINUX): a missing or bad length byte points at the type byte.
    const std::size_t left = area.size() - i;
    if (left < 2) return parse_error(WireError::bad_option_length, at);
    const std::uint8_t len = load_u8(area, i + o::length);
    if (len < 2 || len > left) return parse_error(WireError::bad_option_length, at);
    const Bytes opt = area.subspan(i, len);

    Check check;
    switch (static_cast<Ipv4OptionKind>(type)) {
      case Ipv4OptionKind::loose_source_route:
      case Ipv4OptionKind::strict_source_route: check = check_source_route(opt, at, seen, origin); break;
      case Ipv4OptionKind::record_route: check = check_record_route(opt, at, seen); break;
      case Ipv4OptionKind::timestamp: check = check_timestamp(opt, at, seen); break;
      case Ipv4OptionKind::router_alert:
        // V4-OPT-6, RFC 2113 2.1: length 4. Linux rejects a shorter one at the
        // length byte (and lets a longer one through); we reject both there.
        if (len != o::router_alert_len) check = parse_error(WireError::bad_option_length, at + o::length);
        break;
      default:
        // V4-OPT-2: unknown kinds (security, CIPSO, stream ID...) are skipped by
        // their length. LINUX: a socket needs CAP_NET_RAW to send them.
        if (origin == Ipv4OptionsOrigin::socket) check = parse_error(WireError::unsupported, at);
        break;
    }
    if (!check) return Unexpected(check.error());
    ++count;
    i += len;
  }
  return Walked{i, count};
}

}  // namespace

// ---- Ipv4Option -------------------------------------------------------------

Ipv4Option::Ipv4Option(Ipv4OptionView view) : type_(view.type()) {
  // A view holds at most 38 data bytes (it comes from a 40-byte area or an Ipv4Option).
  const Bytes data = view.data().first(std::min(view.data().size(), o::max_data_len));
  data_len_ = static_cast<std::uint8_t>(data.size());
  copy_into(data_, 0, data);
}

Ipv4Option Ipv4Option::no_operation() { return Ipv4Option{}; }

Result<Ipv4Option, WireError> Ipv4Option::raw(std::uint8_t type, Bytes data) {
  if (type == type_of(Ipv4OptionKind::end_of_list)) return emit_error(WireError::unrepresentable);
  if (type == type_of(Ipv4OptionKind::no_operation)) {
    if (!data.empty()) return emit_error(WireError::unrepresentable);
    return no_operation();
  }
  if (data.size() > o::max_data_len) return emit_error(WireError::unrepresentable);
  Ipv4Option opt;
  opt.type_ = type;
  opt.data_len_ = static_cast<std::uint8_t>(data.size());
  copy_into(opt.data_, 0, data);
  return opt;
}

Result<Ipv4Option, WireError> Ipv4Option::route(Ipv4OptionKind kind, std::uint8_t pointer,
                                                std::span<const Ipv4Address> addresses) {
  if (kind != Ipv4OptionKind::record_route && kind != Ipv4OptionKind::loose_source_route &&
      kind != Ipv4OptionKind::strict_source_route)
    return emit_error(WireError::unrepresentable);
  if (addresses.size() > o::max_route_addresses) return emit_error(WireError::unrepresentable);
  Ipv4Option opt;
  opt.type_ = type_of(kind);
  opt.data_len_ = static_cast<std::uint8_t>(1 + 4 * addresses.size());
  store_u8(opt.data_, 0, pointer);
  for (std::size_t k = 0; k < addresses.size(); ++k) addresses[k].store(opt.data_, 1 + 4 * k);
  return opt;
}

Result<Ipv4Option, WireError> Ipv4Option::timestamp(Ipv4TimestampFlag flag, std::uint8_t pointer,
                                                    std::uint8_t overflow,
                                                    std::span<const Ipv4TimestampEntry> entries) {
  const auto flag_bits = static_cast<std::uint8_t>(flag);
  if (flag_bits > 0x0f || overflow > o::overflow_max) return emit_error(WireError::unrepresentable);
  const bool with_address = flag != Ipv4TimestampFlag::timestamps_only;
  const std::size_t slot = with_address ? 8 : 4;
  if (entries.size() > (o::max_area_len - o::timestamp_data) / slot)
    return emit_error(WireError::unrepresentable);
  Ipv4Option opt;
  opt.type_ = type_of(Ipv4OptionKind::timestamp);
  opt.data_len_ = static_cast<std::uint8_t>(2 + slot * entries.size());
  store_u8(opt.data_, 0, pointer);
  store_u8(opt.data_, 1, static_cast<std::uint8_t>(overflow << 4 | flag_bits));
  for (std::size_t k = 0; k < entries.size(); ++k) {
    // Each entry built whole, then copied: g++ -O3 vectorises stores made
    // straight into data_ and then cannot see they fit (-Wstringop-overflow).
    std::array<std::byte, 8> entry{};
    std::size_t at = 0;
    if (with_address) {
      entries[k].address.store(entry, at);
      at += 4;
    }
    store_be32(entry, at, entries[k].timestamp);
    std::copy_n(entry.begin(), slot, opt.data_.begin() + static_cast<std::ptrdiff_t>(2 + slot * k));
  }
  return opt;
}

Ipv4Option Ipv4Option::router_alert(std::uint16_t value) {
  Ipv4Option opt;
  opt.type_ = type_of(Ipv4OptionKind::router_alert);
  opt.data_len_ = 2;
  store_be16(opt.data_, 0, value);
  return opt;
}

bool Ipv4Option::increment_overflow() {
  if (!increments_overflow() || overflow() == o::overflow_max) return false;
  store_u8(data_, 1, static_cast<std::uint8_t>((overflow() + 1) << 4 | timestamp_flag()));
  return true;
}

// ---- Ipv4OptionView ---------------------------------------------------------

bool operator==(Ipv4OptionView a, Ipv4OptionView b) {
  return a.type() == b.type() && same_bytes(a.data(), b.data());
}

bool Ipv4OptionView::is_route() const {
  const auto k = kind();
  return k == Ipv4OptionKind::record_route || k == Ipv4OptionKind::loose_source_route ||
         k == Ipv4OptionKind::strict_source_route;
}

std::uint8_t Ipv4OptionView::pointer() const { return is_route() || is_timestamp() ? data_at(0) : 0; }

bool Ipv4OptionView::is_full() const {
  return (is_route() || is_timestamp()) && !data_.empty() && pointer() > wire_len();
}

Ipv4OptionView::Addresses Ipv4OptionView::addresses() const {
  Addresses out;
  if (!is_route() || data_.empty()) return out;
  // Slots start at byte 3 of the option, byte 1 of the data.
  for (std::size_t at = 1; at + 4 <= data_.size(); at += 4) (void)out.push_back(Ipv4Address::load(data_, at));
  return out;
}

std::uint8_t Ipv4OptionView::overflow() const { return is_timestamp() ? data_at(1) >> 4 : 0; }

std::uint8_t Ipv4OptionView::timestamp_flag() const { return is_timestamp() ? data_at(1) & 0x0f : 0; }

Ipv4OptionView::TimestampEntries Ipv4OptionView::timestamp_entries() const {
  TimestampEntries out;
  if (!is_timestamp() || data_.size() < 2) return out;
  const bool with_address = timestamp_flag() != static_cast<std::uint8_t>(Ipv4TimestampFlag::timestamps_only);
  const std::size_t slot = with_address ? 8 : 4;
  for (std::size_t at = 2; at + slot <= data_.size(); at += slot) {
    Ipv4TimestampEntry e;
    if (with_address) e.address = Ipv4Address::load(data_, at);
    e.timestamp = load_be32(data_, at + slot - 4);
    (void)out.push_back(e);
  }
  return out;
}

bool Ipv4OptionView::increments_overflow() const {
  return is_timestamp() && is_full() &&
         timestamp_flag() != static_cast<std::uint8_t>(Ipv4TimestampFlag::prespecified);
}

std::uint16_t Ipv4OptionView::router_alert_value() const {
  return kind() == Ipv4OptionKind::router_alert && data_.size() >= 2 ? load_be16(data_, 0) : 0;
}

EmitResult Ipv4OptionView::emit(MutableBytes out) const {
  const std::size_t n = wire_len();
  if (out.size() < n) return emit_error(WireError::buffer_too_small);
  store_u8(out, o::type, type_);
  if (n == 1) return n;
  store_u8(out, o::length, static_cast<std::uint8_t>(n));
  copy_into(out, 2, data_);
  return n;
}

// ---- Ipv4Options ------------------------------------------------------------

Result<void, ParseError> Ipv4Options::parse_into(Ipv4Options& out, Bytes area, std::size_t base_offset,
                                                 Ipv4OptionsOrigin origin) {
  const auto walked = walk(area, base_offset, origin);
  if (!walked) return Unexpected(walked.error());
  // The walked bytes are whole options, at most 40 of them in at most 40 bytes.
  std::copy_n(area.begin(), walked->end, out.bytes_.begin());
  out.used_ = static_cast<std::uint8_t>(walked->end);
  out.size_ = static_cast<std::uint8_t>(walked->count);
  return {};
}

ParseResult<Ipv4Options> Ipv4Options::parse(Bytes area, std::size_t base_offset, Ipv4OptionsOrigin origin) {
  // One return object, filled in place.
  ParseResult<Ipv4Options> result{Ipv4Options{}};
  if (auto ok = parse_into(*result, area, base_offset, origin); !ok) result = Unexpected(ok.error());
  return result;
}

Result<void, ParseError> validate_ipv4_options(Bytes area, std::size_t base_offset,
                                               Ipv4OptionsOrigin origin) {
  const auto walked = walk(area, base_offset, origin);
  if (!walked) return Unexpected(walked.error());
  return {};
}

Ipv4Options ipv4_echo_options(Bytes area) {
  // RFC 1122 3.2.2.6, LINUX ip_options_echo: Record Route, then Timestamp.
  Ipv4Options out;
  for (const auto wanted : {Ipv4OptionKind::record_route, Ipv4OptionKind::timestamp}) {
    for_each_ipv4_option(area, [&](std::uint8_t type, Bytes opt) {
      if (type != type_of(wanted)) return;
      if (const auto copy = Ipv4Option::raw(type, opt.subspan(2))) (void)out.push_back(*copy);
    });
  }
  return out;
}

std::size_t Ipv4Options::option_len_at(std::size_t at) const {
  if (load_u8(bytes_, at) == type_of(Ipv4OptionKind::no_operation)) return 1;
  return load_u8(bytes_, at + o::length);
}

Ipv4OptionView Ipv4Options::option_at(std::size_t at) const {
  const std::uint8_t type = load_u8(bytes_, at);
  if (type == type_of(Ipv4OptionKind::no_operation)) return {};
  return {type, Bytes(bytes_).subspan(at + 2, option_len_at(at) - 2)};
}

Ipv4OptionView Ipv4Options::operator[](std::size_t i) const {
  std::size_t at = 0;
  for (; i > 0 && at < used_; --i) at += option_len_at(at);
  return at < used_ ? option_at(at) : Ipv4OptionView{};
}

bool Ipv4Options::push_back(Ipv4OptionView option) {
  const std::size_t n = option.wire_len();
  // V4-OPT-7: a header holds 40 bytes of options. An EOL would end the list.
  if (n > o::max_area_len - used_ || option.kind() == Ipv4OptionKind::end_of_list) return false;
  (void)option.emit(MutableBytes(bytes_).subspan(used_)).value();  // room checked
  used_ = static_cast<std::uint8_t>(used_ + n);
  ++size_;
  return true;
}

std::optional<Ipv4OptionView> Ipv4Options::find(Ipv4OptionKind kind) const {
  for (std::size_t at = 0; at < used_; at += option_len_at(at))
    if (load_u8(bytes_, at) == type_of(kind)) return option_at(at);
  return std::nullopt;
}

std::optional<Ipv4OptionView> Ipv4Options::source_route() const {
  for (std::size_t at = 0; at < used_; at += option_len_at(at)) {
    const auto kind = static_cast<Ipv4OptionKind>(load_u8(bytes_, at));
    if (kind == Ipv4OptionKind::loose_source_route || kind == Ipv4OptionKind::strict_source_route)
      return option_at(at);
  }
  return std::nullopt;
}

bool Ipv4Options::is_strict_source_route() const {
  const auto srr = source_route();
  return srr && srr->kind() == Ipv4OptionKind::strict_source_route;
}

std::optional<std::uint16_t> Ipv4Options::router_alert() const {
  const auto ra = find(Ipv4OptionKind::router_alert);
  if (!ra) return std::nullopt;
  return ra->router_alert_value();
}

Ipv4Options Ipv4Options::copied_only() const {
  Ipv4Options out;
  for (std::size_t at = 0; at < used_; at += option_len_at(at)) {
    if ((load_u8(bytes_, at) & o::copied_flag) == 0) continue;
    // A subset fits: copy the option's bytes as they are.
    const std::size_t n = option_len_at(at);
    copy_into(out.bytes_, out.used_, Bytes(bytes_).subspan(at, n));
    out.used_ = static_cast<std::uint8_t>(out.used_ + n);
    ++out.size_;
  }
  return out;
}

EmitResult Ipv4Options::emit(MutableBytes out) const {
  const std::size_t n = padded_len();
  if (n > o::max_area_len) return emit_error(WireError::unrepresentable);  // unreachable: push_back keeps 40
  if (out.size() < n) return emit_error(WireError::buffer_too_small);
  copy_into(out, 0, bytes());
  // RFC 791: pad with End of Option List to the 32-bit boundary.
  for (std::size_t at = used_; at < n; ++at) store_u8(out, at, type_of(Ipv4OptionKind::end_of_list));
  return n;
}

static_assert(std::forward_iterator<Ipv4Options::Iterator>);

}  // namespace hardstack::wire
