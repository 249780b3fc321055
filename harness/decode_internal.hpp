// The decoder behind decode() (decode.hpp), shared by its source files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "decode.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv6_ext.hpp"

namespace hardstack::harness::detail {

namespace w = hardstack::wire;
using w::Bytes;

// "UDP" for 17...; "" for a number without a name here.
const char* protocol_name(std::uint8_t protocol);
// The checksum `region` should carry at `field`, over `seed` (a pseudo-header) and `region`.
std::uint16_t correct_checksum(Bytes region, std::size_t field, w::ChecksumAccumulator seed);

// Where a layer is decoded: its depth, and whether a failure there is the
// frame's error (no) or just where decoding of a quote or a first
// fragment's upper layer stops (lenient; checksums not verified either).
struct Where {
  unsigned depth = 0;
  bool lenient = false;
};

class Decoder {
 public:
  Decoder(Bytes frame, DecodedFrame& out) : frame_(frame), out_(out) {}

  void ethernet(Bytes b, Where at);
  void ip(Bytes b, Where at);

 private:
  void arp(Bytes b, Where at);
  void ipv4(Bytes b, Where at);
  void ipv6(Bytes b, Where at);
  void ipv6_extension(const w::Ipv6ExtHeaderRepr& h, Bytes bytes, Where at);
  void upper_layer(std::uint8_t protocol, Bytes b, const w::PseudoHeader& pseudo, Where at);
  void udp(Bytes b, const w::PseudoHeader& pseudo, Where at);
  void tcp(Bytes b, const w::PseudoHeader& pseudo, Where at);
  void icmpv4(Bytes b, Where at);
  void icmpv6(Bytes b, const w::PseudoHeader& pseudo, Where at);
  void data(Bytes b, Where at, std::string note = "");

  // Every span decoded is a part of the frame (an empty one may sit at its end).
  std::size_t offset(Bytes b) const {
    return b.data() == nullptr ? frame_.size() : static_cast<std::size_t>(b.data() - frame_.data());
  }
  DecodedLayer start(std::string name, Bytes b, Where at) const {
    DecodedLayer l;
    l.name = std::move(name);
    l.depth = at.depth;
    l.offset = offset(b);
    return l;
  }
  // `e` counts from the start of `b`. Lenient: the bytes are shown as data.
  void fail(const char* layer, const w::ParseError& e, Bytes b, Where at) {
    const w::ParseError in_frame{e.code, static_cast<std::uint32_t>(offset(b) + e.offset)};
    if (at.lenient) return data(b, at, std::string("not decoded as ") + layer + ": " + w::describe(in_frame));
    if (!out_.error) out_.error = DecodeError{layer, in_frame, at.depth};
  }
  void checksum(DecodedLayer& l, std::uint16_t value, bool ok, std::uint16_t correct, Where at) {
    if (at.lenient) {
      l.fields.push_back({"checksum", format::hex16(value), "not verified"});
      return;
    }
    l.checksum_ok = ok;
    l.fields.push_back(
        {"checksum", format::hex16(value), ok ? "ok" : "bad, correct " + format::hex16(correct)});
  }
  void add(DecodedLayer& l, std::string name, std::string value, std::string note = "") {
    l.fields.push_back({std::move(name), std::move(value), std::move(note)});
  }
  void add_quote(DecodedLayer& l, Bytes quote) { add(l, "quote", format::bytes(quote)); }

  Bytes frame_;
  DecodedFrame& out_;
};

}  // namespace hardstack::harness::detail
