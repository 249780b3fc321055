// Control buffers (sendmsg ancillary data) and the receive-side writer.
// Input: one flags byte, then the control buffer's bytes.
//   bit 0: allow_ipv6 for the IPv4 parser (a dual-stack socket to a v4-mapped address)
//   bit 1: msg_control is null (msg_controllen still the buffer's length)
//   bits 2-4: the buffer starts this many bytes into its allocation (0-7: misaligned headers)
//   bit 5: also put receive messages, the buffer's first 40 bytes as received IPv4 options
// The buffer is copied into a heap allocation that ends where it ends, so a
// read past msg_control + msg_controllen is an ASan finding.
// Invariants: the walk, both parsers agree on the buffer's shape (a CMSG_OK
// failure is EINVAL for both, a null buffer EFAULT); a parser that succeeds
// leaves every field in its range (CMSG-2..7, UDP-7); the messages walked,
// written back by CmsgWriter into a buffer of the same size, come out the same
// and whole, and into one byte less, cut exactly when the last one no longer
// fits; receive messages never overrun and walk back cleanly.
#include <memory>
#include <vector>

#include "fuzz_support.hpp"
#include "hardstack/socket/cmsg.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "hardstack/wire/ipv6_ext.hpp"

using namespace hardstack::socket;
using hardstack::fuzz::inside;
namespace wire = hardstack::wire;

namespace {

struct Walked {
  int result = 0;
  std::vector<CmsgItem> items;
  std::vector<std::size_t> offsets;  // of each header from msg_control
};

Walked walk(const msghdr& msg, std::span<const std::byte> control) {
  Walked w;
  w.result = walk_cmsgs(msg, [&](const CmsgItem& item) {
    // CMSG-1: a message's header and data lie inside the buffer.
    HS_FUZZ_CHECK(item.cmsg_len >= sizeof(cmsghdr));
    HS_FUZZ_CHECK(item.data.size() == item.cmsg_len - cmsg_header_len);
    HS_FUZZ_CHECK(inside(item.data, control));
    // The data starts right after the header (an empty span too points there).
    const auto data_at = static_cast<std::size_t>(item.data.data() - control.data());
    HS_FUZZ_CHECK(data_at >= cmsg_header_len && data_at <= control.size());
    w.offsets.push_back(data_at - cmsg_header_len);
    w.items.push_back(item);
    return 0;
  });
  return w;
}

// A successful IPv4 parse: each field in its range, gso_size the last UDP_SEGMENT's.
void check_ipv4(const Ipv4SendAncillary& out, const Walked& w) {
  if (out.ttl) HS_FUZZ_CHECK(*out.ttl >= 1);  // CMSG-4
  if (out.interface_index) HS_FUZZ_CHECK(*out.interface_index != 0);
  if (out.interface_index) HS_FUZZ_CHECK(out.source.has_value());
  if (out.options) {
    // CMSG-2: at most 40 bytes, EOL-padded to a multiple of 4, valid.
    HS_FUZZ_CHECK(out.options->size() <= 40 && out.options->size() % 4 == 0);
    HS_FUZZ_CHECK(
        wire::validate_ipv4_options(out.options->span(), 20, wire::Ipv4OptionsOrigin::privileged_socket)
            .has_value());
  }
  std::optional<std::uint16_t> gso;
  for (const auto& item : w.items) {
    if (item.level != cmsg_constant::sol_udp) continue;
    // UDP-7: only UDP_SEGMENT, exactly a u16.
    HS_FUZZ_CHECK(item.type == cmsg_constant::udp_segment && item.data.size() == sizeof(std::uint16_t));
    std::uint16_t v = 0;
    std::memcpy(&v, item.data.data(), sizeof(v));
    gso = v;
  }
  HS_FUZZ_CHECK(out.gso_size == gso);
}

void check_options_header(const std::vector<std::byte>& h, bool hop_by_hop) {
  if (h.empty()) return;
  HS_FUZZ_CHECK(h.size() >= 8 && h.size() % 8 == 0);
  HS_FUZZ_CHECK(h.size() == (std::size_t{wire::load_u8(h, 1)} + 1) * 8);  // CMSG-7
  HS_FUZZ_CHECK(wire::Ipv6OptionsHeaderRepr::parse(h, hop_by_hop).has_value());
}

// A successful IPv6 parse: each field in its range (CMSG-7).
void check_ipv6(const Ipv6SendAncillary& out) {
  if (out.hop_limit) HS_FUZZ_CHECK(*out.hop_limit >= -1 && *out.hop_limit <= 255);
  if (out.traffic_class) HS_FUZZ_CHECK(*out.traffic_class >= -1 && *out.traffic_class <= 255);
  if (out.dontfrag) HS_FUZZ_CHECK(*out.dontfrag == 0 || *out.dontfrag == 1);
  if (out.flow_information) HS_FUZZ_CHECK(*out.flow_information <= cmsg_constant::flowinfo_mask);
  if (out.interface_index) HS_FUZZ_CHECK(*out.interface_index != 0);
  if (out.source) HS_FUZZ_CHECK(!out.source->is_unspecified());
  check_options_header(out.hop_by_hop, true);
  check_options_header(out.destination_options, false);
  check_options_header(out.routing_destination_options, false);
  if (!out.routing.empty()) {
    // LINUX with MIP6: type 2, one address.
    HS_FUZZ_CHECK(out.routing.size() == 24);
    HS_FUZZ_CHECK(wire::load_u8(out.routing, 2) == 2 && wire::load_u8(out.routing, 3) == 1);
  }
}

// An exact-size heap buffer for the writer: a write past it is an ASan finding.
struct Buffer {
  explicit Buffer(std::size_t n) : bytes(std::make_unique<std::byte[]>(n == 0 ? 1 : n)), size(n) {}
  msghdr msg() const {
    msghdr m{};
    m.msg_control = bytes.get();
    m.msg_controllen = size;
    return m;
  }
  std::unique_ptr<std::byte[]> bytes;
  std::size_t size;
};

// The walked messages written back (CMSG-8): into `size` bytes.
void check_rewrite(const Walked& w, std::size_t size) {
  Buffer out(size);
  msghdr msg = out.msg();
  CmsgWriter writer(msg);
  for (const auto& item : w.items) writer.put(item.level, item.type, item.data);
  writer.finish();
  HS_FUZZ_CHECK(msg.msg_controllen <= size);
  if (w.items.empty()) {
    HS_FUZZ_CHECK(msg.msg_controllen == 0 && msg.msg_flags == 0);
    return;
  }
  // Every message before the last ends where the next begins; only the last can be cut.
  const std::size_t last_at = w.offsets.back();
  const std::size_t last_len = w.items.back().cmsg_len;
  const bool fits = last_at + last_len <= size;
  HS_FUZZ_CHECK(((msg.msg_flags & MSG_CTRUNC) != 0) == !fits);
  if (fits) HS_FUZZ_CHECK(msg.msg_controllen == std::min(size, last_at + cmsg_align(last_len)));
  // What was written walks back to the same messages, the last maybe cut.
  const std::span<const std::byte> written(out.bytes.get(), msg.msg_controllen);
  const Walked again = walk(msg, written);
  HS_FUZZ_CHECK(again.result == 0);
  HS_FUZZ_CHECK(again.items.size() <= w.items.size());
  if (fits) HS_FUZZ_CHECK(again.items.size() == w.items.size());
  for (std::size_t i = 0; i < again.items.size(); ++i) {
    const auto& a = again.items[i];
    const auto& b = w.items[i];
    HS_FUZZ_CHECK(a.level == b.level && a.type == b.type && again.offsets[i] == w.offsets[i]);
    HS_FUZZ_CHECK(a.data.size() <= b.data.size());
    HS_FUZZ_CHECK(a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size()) == 0);
    if (i + 1 < again.items.size() || fits) HS_FUZZ_CHECK(a.cmsg_len == b.cmsg_len);
  }
}

// Receive messages for a datagram whose options are the input's first bytes,
// into a buffer of the input's size.
void check_receive(std::span<const std::byte> control) {
  Ipv4RecvInfo info;
  info.interface_index = 7;
  info.ttl = 1;
  info.options = control.first(std::min<std::size_t>(control.size(), 40));
  RecvCmsgFlags all;
  all.pktinfo = all.ttl = all.tos = all.recvopts = all.retopts = true;
  all.v6_pktinfo = all.v6_hoplimit = all.v6_tclass = true;
  Buffer out(control.size());
  msghdr msg = out.msg();
  CmsgWriter writer(msg);
  put_ipv6_recv_cmsgs_for_ipv4(writer, all, info);
  put_ipv6_recv_cmsgs(writer, all, Ipv6RecvInfo{});
  writer.finish();
  HS_FUZZ_CHECK(msg.msg_controllen <= control.size());
  const Walked w = walk(msg, std::span<const std::byte>(out.bytes.get(), msg.msg_controllen));
  HS_FUZZ_CHECK(w.result == 0);
  for (const auto& item : w.items) {
    if (item.level == SOL_IP && item.type == IP_RETOPTS && (msg.msg_flags & MSG_CTRUNC) == 0)
      HS_FUZZ_CHECK(item.data.size() <= 40 && item.data.size() % 4 == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const bool allow_ipv6 = (flags & 0x01) != 0;
  const bool null_control = (flags & 0x02) != 0;
  const std::size_t misalign = (flags >> 2) & 0x07;
  const std::size_t n = size - 1;

  // The buffer at `misalign` in an allocation that ends with it.
  auto storage = std::make_unique<std::byte[]>(misalign + n + (misalign + n == 0 ? 1 : 0));
  std::memcpy(storage.get() + misalign, data + 1, n);
  const std::span<const std::byte> control(storage.get() + misalign, n);
  msghdr msg{};
  msg.msg_control = null_control ? nullptr : storage.get() + misalign;
  msg.msg_controllen = n;

  const Walked w = walk(msg, control);
  Ipv4SendAncillary v4;
  const int r4 = parse_ipv4_send_cmsgs(msg, v4, allow_ipv6);
  Ipv6SendAncillary v6;
  const int r6 = parse_ipv6_send_cmsgs(msg, v6);

  if (null_control && n > 0) {
    HS_FUZZ_CHECK(w.result == -EFAULT && r4 == -EFAULT && r6 == -EFAULT && w.items.empty());
    return 0;
  }
  HS_FUZZ_CHECK(w.result == 0 || w.result == -EINVAL);
  HS_FUZZ_CHECK(r4 == 0 || r4 == -EINVAL);
  HS_FUZZ_CHECK(r6 == 0 || r6 == -EINVAL);
  if (w.result != 0) {
    // CMSG-1: the UDP walk meets the bad header first, whatever comes before it.
    HS_FUZZ_CHECK(r4 == -EINVAL && r6 == -EINVAL);
  } else {
    if (r4 == 0) check_ipv4(v4, w);
    if (r6 == 0) check_ipv6(v6);
    check_rewrite(w, n);
    if (n > 0) check_rewrite(w, n - 1);
  }
  if ((flags & 0x20) != 0) check_receive(control);
  return 0;
}
