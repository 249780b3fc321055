#include "tcp_options.hpp"

#include <iterator>

namespace hardstack::wire {

namespace len = tcp_option_len;

const char* to_string(TcpOptionStop s) {
  switch (s) {
    case TcpOptionStop::end_of_header: return "end_of_header";
    case TcpOptionStop::end_of_option_list: return "end_of_option_list";
    case TcpOptionStop::missing_length: return "missing_length";
    case TcpOptionStop::length_too_small: return "length_too_small";
    case TcpOptionStop::length_past_header: return "length_past_header";
  }
  return "unknown_stop";
}

std::optional<TcpOptionTlv> TcpOptionWalker::next() {
  const auto stop_at = [this](TcpOptionStop reason, std::size_t at) -> std::optional<TcpOptionTlv> {
    done_ = true;
    stop_ = {reason, static_cast<std::uint32_t>(base_ + at)};
    return std::nullopt;
  };
  if (done_) return std::nullopt;
  while (pos_ < area_.size()) {
    const std::uint8_t kind = load_u8(area_, pos_);
    // RFC 9293 3.1: EOL ends the list; what follows is padding.
    if (kind == static_cast<std::uint8_t>(TcpOptionKind::end_of_option_list))
      return stop_at(TcpOptionStop::end_of_option_list, pos_);
    // RFC 9293 3.1: NOP is a single byte.
    if (kind == static_cast<std::uint8_t>(TcpOptionKind::no_operation)) {
      ++pos_;
      continue;
    }
    // Every other kind has a length byte. Linux tcp_parse_options() and FreeBSD
    // tcp_dooptions() both stop (keeping the segment) when it is missing, below
    // 2, or runs past the header (TCP-OPT-1).
    const std::size_t left = area_.size() - pos_;
    if (left < 2) return stop_at(TcpOptionStop::missing_length, pos_ + 1);
    const std::size_t length = load_u8(area_, pos_ + 1);
    if (length < 2) return stop_at(TcpOptionStop::length_too_small, pos_ + 1);
    if (length > left) return stop_at(TcpOptionStop::length_past_header, pos_ + 1);
    TcpOptionTlv tlv{kind, static_cast<std::uint32_t>(base_ + pos_), area_.subspan(pos_ + 2, length - 2)};
    pos_ += length;
    return tlv;
  }
  return stop_at(TcpOptionStop::end_of_header, area_.size());
}

bool TcpUnknownOptions::push_back(std::uint8_t kind, Bytes data) {
  if (data.size() > TcpUnknownOption::max_data_len || 2 + data.size() > bytes_.size() - used_) return false;
  store_u8(bytes_, used_, kind);
  store_u8(bytes_, used_ + 1u, static_cast<std::uint8_t>(2 + data.size()));
  copy_into(bytes_, used_ + 2u, data);
  used_ = static_cast<std::uint8_t>(used_ + 2 + data.size());
  ++size_;
  return true;
}

TcpUnknownOptionView TcpUnknownOptions::operator[](std::size_t i) const {
  std::size_t at = 0;
  for (; i > 0 && at < used_; --i) at += option_len_at(at);
  return at < used_ ? option_at(at) : TcpUnknownOptionView{};
}

static_assert(std::forward_iterator<TcpUnknownOptions::Iterator>);

TcpOptionsParse TcpOptions::parse(Bytes area, std::size_t base) {
  TcpOptionsParse out;
  out.stop = parse_into(out.options, out.ignored, area, base);
  return out;
}

TcpOptionStopNote TcpOptions::parse_into(TcpOptions& o, std::uint8_t& ignored, Bytes area, std::size_t base) {
  TcpOptionWalker walker(area, base);
  // A known kind with the wrong length is skipped by its length and parsing
  // goes on: Linux tcp_parse_options() tests `opsize == TCPOLEN_*` per kind and
  // FreeBSD tcp_dooptions() `continue`s. Whether an option matters on this
  // segment (MSS/WS/SACK-permitted only on SYN, Linux `th->syn && !estab`) is
  // for the connection to decide; the value records what the segment carries.
  const auto skip = [&ignored] {
    if (ignored < 0xff) ++ignored;
  };
  while (auto tlv = walker.next()) {
    const Bytes d = tlv->data;
    switch (static_cast<TcpOptionKind>(tlv->kind)) {
      case TcpOptionKind::maximum_segment_size:  // RFC 9293 3.2, length 4
        if (d.size() + 2 != len::maximum_segment_size) {
          skip();
          break;
        }
        o.maximum_segment_size = load_be16(d, 0);
        break;
      case TcpOptionKind::window_scale:  // RFC 7323 2.2, length 3
        if (d.size() + 2 != len::window_scale) {
          skip();
          break;
        }
        o.window_scale = TcpWindowScale{load_u8(d, 0)};
        break;
      case TcpOptionKind::sack_permitted:  // RFC 2018 2, length 2
        if (d.size() + 2 != len::sack_permitted) {
          skip();
          break;
        }
        o.sack_permitted = true;
        break;
      case TcpOptionKind::sack: {  // RFC 2018 3, length 2 + 8n, n >= 1
        // Linux: opsize >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK and a whole
        // number of blocks; tcp_sacktag_write_queue() then reads at most
        // TCP_NUM_SACKS (4). The last SACK option in the header is the one used.
        if (d.empty() || d.size() % len::sack_per_block != 0) {
          skip();
          break;
        }
        o.sack_blocks.clear();
        for (std::size_t at = 0; at < d.size(); at += len::sack_per_block) {
          if (!o.sack_blocks.push_back(TcpSackBlock{load_be32(d, at), load_be32(d, at + 4)})) {
            skip();
            break;
          }
        }
        break;
      }
      case TcpOptionKind::timestamps:  // RFC 7323 3.2, length 10
        if (d.size() + 2 != len::timestamps) {
          skip();
          break;
        }
        o.timestamps = TcpTimestamps{load_be32(d, 0), load_be32(d, 4)};
        break;
      default:
        // Fits whenever the area is a header's (at most 40 bytes); only a
        // longer area from a direct caller can overflow the value.
        if (!o.unknown.push_back(tlv->kind, d)) skip();
        break;
    }
  }
  return walker.stop();
}

namespace {

constexpr std::uint8_t kind_byte(TcpOptionKind k) { return static_cast<std::uint8_t>(k); }
constexpr std::uint8_t nop = kind_byte(TcpOptionKind::no_operation);

// Kinds parse() interprets: an unknown option using one would not read back.
constexpr bool is_interpreted(std::uint8_t kind) {
  switch (static_cast<TcpOptionKind>(kind)) {
    case TcpOptionKind::end_of_option_list:
    case TcpOptionKind::no_operation:
    case TcpOptionKind::maximum_segment_size:
    case TcpOptionKind::window_scale:
    case TcpOptionKind::sack_permitted:
    case TcpOptionKind::sack:
    case TcpOptionKind::timestamps: return true;
    default: return false;
  }
}

// Lay options out byte by byte: OptionCounter only counts them (the length
// of a layout), OptionWriter stores them too. Two types rather than one
// testing on every byte whether it stores, so that each inlines into its
// own lay_out.
class OptionCounter {
 public:
  void u8(std::uint8_t /*v*/) { ++pos_; }
  std::size_t size() const { return pos_; }

 private:
  std::size_t pos_ = 0;
};

class OptionWriter {
 public:
  explicit OptionWriter(MutableBytes out) : out_(out) {}
  void u8(std::uint8_t v) { store_u8(out_, pos_++, v); }
  std::size_t size() const { return pos_; }

 private:
  MutableBytes out_;
  std::size_t pos_ = 0;
};

template <typename W>
void be16(W& w, std::uint16_t v) {
  w.u8(static_cast<std::uint8_t>(v >> 8));
  w.u8(static_cast<std::uint8_t>(v & 0xff));
}
template <typename W>
void be32(W& w, std::uint32_t v) {
  be16(w, static_cast<std::uint16_t>(v >> 16));
  be16(w, static_cast<std::uint16_t>(v & 0xffff));
}
template <typename W>
void pad_to4(W& w, std::uint8_t with) {
  while (w.size() % 4 != 0) w.u8(with);
}

// One layout pass. aligned: Linux tcp_options_write() order and padding;
// packed: no NOPs, EOL/zero padding at the end only.
// Returns the bytes laid out. The writer comes by value, a local of this
// pass, so that its position stays in a register: every byte stored could
// alias a writer held by reference, forcing a reload per byte.
template <typename W>
std::size_t lay_out(const TcpOptions& o, W w, bool aligned) {
  if (o.maximum_segment_size) {
    w.u8(kind_byte(TcpOptionKind::maximum_segment_size));
    w.u8(len::maximum_segment_size);
    be16(w, *o.maximum_segment_size);
  }
  bool sack_permitted_written = false;
  if (o.timestamps) {
    if (aligned) {
      // Linux folds SACK-permitted into the two bytes NOP NOP would take.
      if (o.sack_permitted) {
        w.u8(kind_byte(TcpOptionKind::sack_permitted));
        w.u8(len::sack_permitted);
        sack_permitted_written = true;
      } else {
        w.u8(nop);
        w.u8(nop);
      }
    }
    w.u8(kind_byte(TcpOptionKind::timestamps));
    w.u8(len::timestamps);
    be32(w, o.timestamps->tsval);
    be32(w, o.timestamps->tsecr);
  }
  if (o.sack_permitted && !sack_permitted_written) {
    if (aligned) {
      w.u8(nop);
      w.u8(nop);
    }
    w.u8(kind_byte(TcpOptionKind::sack_permitted));
    w.u8(len::sack_permitted);
  }
  if (o.window_scale) {
    if (aligned) w.u8(nop);
    w.u8(kind_byte(TcpOptionKind::window_scale));
    w.u8(len::window_scale);
    w.u8(o.window_scale->shift);
  }
  if (!o.sack_blocks.empty()) {
    if (aligned) {
      w.u8(nop);
      w.u8(nop);
    }
    w.u8(kind_byte(TcpOptionKind::sack));
    w.u8(static_cast<std::uint8_t>(len::sack_base + len::sack_per_block * o.sack_blocks.size()));
    for (const auto& b : o.sack_blocks) {
      be32(w, b.left);
      be32(w, b.right);
    }
  }
  for (const auto u : o.unknown) {
    w.u8(u.kind);
    w.u8(static_cast<std::uint8_t>(2 + u.data.size()));
    for (const std::byte b : u.data) w.u8(static_cast<std::uint8_t>(b));
    // Linux pads the Fast Open cookie with trailing NOPs the same way.
    if (aligned) pad_to4(w, nop);
  }
  // RFC 9293 3.1: header padding is zeros (the first one reads as EOL).
  pad_to4(w, kind_byte(TcpOptionKind::end_of_option_list));
  return w.size();
}

// Which layout emit() uses and its length, or unrepresentable.
struct Layout {
  bool aligned = true;
  std::size_t size = 0;
};

Result<Layout, WireError> choose_layout(const TcpOptions& o) {
  for (const auto& u : o.unknown)
    if (is_interpreted(u.kind)) return emit_error(WireError::unrepresentable);
  if (const std::size_t aligned = lay_out(o, OptionCounter{}, true); aligned <= len::max_option_space)
    return Layout{true, aligned};
  if (const std::size_t packed = lay_out(o, OptionCounter{}, false); packed <= len::max_option_space)
    return Layout{false, packed};
  return emit_error(WireError::unrepresentable);
}

}  // namespace

Result<std::size_t, WireError> TcpOptions::encoded_len() const {
  const auto layout = choose_layout(*this);
  if (!layout) return emit_error(layout.error());
  return layout->size;
}

EmitResult TcpOptions::emit(MutableBytes out) const {
  const auto layout = choose_layout(*this);
  if (!layout) return emit_error(layout.error());
  const std::size_t n = layout->size;
  if (out.size() < n) return emit_error(WireError::buffer_too_small);
  if (n == 0) return std::size_t{0};
  lay_out(*this, OptionWriter{out.first(n)}, layout->aligned);
  return n;
}

}  // namespace hardstack::wire
