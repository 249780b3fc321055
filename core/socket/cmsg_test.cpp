#include "cmsg.hpp"

#include <netinet/udp.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "hardstack/harness/hex.hpp"
#include "hardstack/harness/print.hpp"

using namespace hardstack::socket;
using hardstack::harness::hex;
using hardstack::harness::to_hex;
using hardstack::wire::Ipv4Address;
using hardstack::wire::Ipv6Address;

// The constant-expression forms agree with the C library's macros.
static_assert(cmsg_len_for(0) == CMSG_LEN(0) && cmsg_len_for(1) == CMSG_LEN(1) &&
              cmsg_len_for(12) == CMSG_LEN(12));
static_assert(cmsg_space_for(0) == CMSG_SPACE(0) && cmsg_space_for(1) == CMSG_SPACE(1) &&
              cmsg_space_for(20) == CMSG_SPACE(20) && cmsg_space_for(24) == CMSG_SPACE(24));
static_assert(cmsg_constant::udp_segment == 103 && cmsg_constant::sol_udp == SOL_UDP);

namespace {

using Bytes = std::vector<std::byte>;

template <class T>
Bytes bytes_of(const T& value) {
  Bytes out(sizeof(T));
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

// A control buffer laid out by hand: each message at a CMSG_ALIGN step, its
// cmsg_len CMSG_LEN(data) unless given, its padding zero unless it is the
// last and `pad` is off. msg(misalign) copies it into a heap buffer that ends
// exactly where the control buffer does, `misalign` bytes into it, so that a
// read past the end is an ASan finding and the header is unaligned.
class Control {
 public:
  Control& add(int level, int type, const Bytes& data, std::optional<std::size_t> len = {}, bool pad = true) {
    cmsghdr h{};
    h.cmsg_len = len.value_or(cmsg_len_for(data.size()));
    h.cmsg_level = level;
    h.cmsg_type = type;
    const std::size_t at = bytes_.size();
    bytes_.resize(at + sizeof(h));
    std::memcpy(bytes_.data() + at, &h, sizeof(h));
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    if (pad) bytes_.resize(at + cmsg_space_for(data.size()));
    return *this;
  }
  template <class T>
  Control& value(int level, int type, const T& v) {
    return add(level, type, bytes_of(v));
  }
  Control& raw(const Bytes& b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  const Bytes& bytes() const { return bytes_; }

  msghdr msg(std::size_t misalign = 0) {
    storage_.assign(misalign + bytes_.size(), std::byte{0x77});
    std::copy(bytes_.begin(), bytes_.end(), storage_.begin() + static_cast<std::ptrdiff_t>(misalign));
    msghdr m{};
    m.msg_control = bytes_.empty() ? nullptr : storage_.data() + misalign;
    m.msg_controllen = bytes_.size();
    return m;
  }

 private:
  Bytes bytes_;
  Bytes storage_;
};

// Every parse runs at each misalignment 0..7 with the same answer; the
// aligned run's value is returned.
int parse4(Control& c, Ipv4SendAncillary& out, bool allow_ipv6 = false) {
  const int err = parse_ipv4_send_cmsgs(c.msg(), out, allow_ipv6);
  for (std::size_t misalign = 1; misalign < 8; ++misalign) {
    Ipv4SendAncillary again;
    BOOST_TEST(parse_ipv4_send_cmsgs(c.msg(misalign), again, allow_ipv6) == err);
  }
  return err;
}
int parse4(Control& c, bool allow_ipv6 = false) {
  Ipv4SendAncillary out;
  return parse4(c, out, allow_ipv6);
}
int parse6(Control& c, Ipv6SendAncillary& out) {
  const Ipv6SendAncillary start = out;
  const int err = parse_ipv6_send_cmsgs(c.msg(), out);
  for (std::size_t misalign = 1; misalign < 8; ++misalign) {
    Ipv6SendAncillary again = start;
    BOOST_TEST(parse_ipv6_send_cmsgs(c.msg(misalign), again) == err);
  }
  return err;
}
int parse6(Control& c) {
  Ipv6SendAncillary out;
  return parse6(c, out);
}

// A buffer of one message, parsed.
int parse4_one(int level, int type, const Bytes& data, bool allow_ipv6 = false) {
  Control c;
  c.add(level, type, data);
  return parse4(c, allow_ipv6);
}
int parse6_one(int level, int type, const Bytes& data) {
  Control c;
  c.add(level, type, data);
  return parse6(c);
}

// A buffer of one message that parses: what it set.
template <class Ancillary>
Ancillary accepted(int level, int type, const Bytes& data) {
  Control c;
  c.add(level, type, data);
  Ancillary out;
  if constexpr (std::is_same_v<Ancillary, Ipv4SendAncillary>)
    BOOST_TEST(parse4(c, out) == 0);
  else
    BOOST_TEST(parse6(c, out) == 0);
  return out;
}
constexpr auto accepted4 = accepted<Ipv4SendAncillary>;
constexpr auto accepted6 = accepted<Ipv6SendAncillary>;

// An address's octets, in network order, into a C struct field.
template <class Address>
void store_octets(void* field, const Address& a) {
  std::memcpy(field, a.octets.data(), a.octets.size());
}

in_pktinfo pktinfo(int ifindex, const char* spec_dst) {
  in_pktinfo p{};
  p.ipi_ifindex = ifindex;
  store_octets(&p.ipi_spec_dst, Ipv4Address::from_string(spec_dst).value());
  return p;
}

in6_pktinfo pktinfo6(unsigned ifindex, const char* addr) {
  in6_pktinfo p{};
  p.ipi6_ifindex = ifindex;
  store_octets(&p.ipi6_addr, Ipv6Address::from_string(addr).value());
  return p;
}

// What a walk saw, one line per message: "level/type/len:data".
std::vector<std::string> walked(const msghdr& msg, int* result = nullptr) {
  std::vector<std::string> seen;
  const int r = walk_cmsgs(msg, [&](const CmsgItem& item) {
    seen.push_back(std::to_string(item.level) + "/" + std::to_string(item.type) + "/" +
                   std::to_string(item.cmsg_len) + ":" + to_hex(item.data));
    return 0;
  });
  if (result != nullptr) *result = r;
  return seen;
}

std::string line(int level, int type, std::size_t len, const Bytes& data) {
  return std::to_string(level) + "/" + std::to_string(type) + "/" + std::to_string(len) + ":" + to_hex(data);
}

}  // namespace

// ---- CMSG-1: the walk ------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(walk)

BOOST_AUTO_TEST_CASE(CMSG_1_visits_what_CMSG_FIRSTHDR_and_CMSG_NXTHDR_visit) {
  // A buffer built with the C library's macros, as an application builds it.
  alignas(cmsghdr)
      std::array<unsigned char, CMSG_SPACE(sizeof(int)) + CMSG_SPACE(1) + CMSG_SPACE(sizeof(in_pktinfo))>
          buf{};
  msghdr msg{};
  msg.msg_control = buf.data();
  msg.msg_controllen = buf.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_IP;
  c->cmsg_type = IP_TTL;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  const int ttl = 9;
  std::memcpy(CMSG_DATA(c), &ttl, sizeof(ttl));
  c = CMSG_NXTHDR(&msg, c);
  c->cmsg_level = SOL_IP;
  c->cmsg_type = IP_TOS;
  c->cmsg_len = CMSG_LEN(1);
  *CMSG_DATA(c) = 0x2e;
  c = CMSG_NXTHDR(&msg, c);
  c->cmsg_level = SOL_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  const auto info = pktinfo(4, "192.0.2.9");
  std::memcpy(CMSG_DATA(c), &info, sizeof(info));

  std::vector<std::string> by_macros;
  for (cmsghdr* h = CMSG_FIRSTHDR(&msg); h != nullptr; h = CMSG_NXTHDR(&msg, h)) {
    const std::size_t data_len = h->cmsg_len - CMSG_LEN(0);
    Bytes data(data_len);
    std::memcpy(data.data(), CMSG_DATA(h), data_len);
    by_macros.push_back(line(h->cmsg_level, h->cmsg_type, h->cmsg_len, data));
  }
  BOOST_TEST(by_macros.size() == 3u);
  BOOST_TEST(walked(msg) == by_macros);

  // The data spans point into the buffer, where CMSG_DATA points.
  std::vector<const void*> starts;
  BOOST_TEST(walk_cmsgs(msg, [&](const CmsgItem& item) {
               starts.push_back(item.data.data());
               return 0;
             }) == 0);
  BOOST_TEST(starts.size() == 3u);
  BOOST_TEST(starts[0] == static_cast<const void*>(CMSG_DATA(CMSG_FIRSTHDR(&msg))));
}

BOOST_AUTO_TEST_CASE(CMSG_1_any_alignment_reads_the_same) {
  Control c;
  c.value(SOL_IP, IP_TTL, 7)
      .add(SOL_SOCKET, SCM_RIGHTS, hex("0102030405"))
      .value(SOL_UDP, UDP_SEGMENT, std::uint16_t{1200});
  const auto aligned = walked(c.msg(0));
  BOOST_TEST(aligned.size() == 3u);
  BOOST_TEST(aligned[1] == line(SOL_SOCKET, SCM_RIGHTS, 21, hex("0102030405")));
  for (std::size_t misalign = 1; misalign < 8; ++misalign) BOOST_TEST(walked(c.msg(misalign)) == aligned);
}

BOOST_AUTO_TEST_CASE(CMSG_1_cmsg_len_below_the_header_is_EINVAL) {
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, sizeof(cmsghdr) - 1}) {
    Control c;
    c.add(SOL_IP, IP_TTL, bytes_of(5), len);
    int r = 0;
    BOOST_TEST(walked(c.msg(), &r).empty());
    BOOST_TEST(r == -EINVAL);
    BOOST_TEST(parse4(c) == -EINVAL);
    BOOST_TEST(parse6(c) == -EINVAL);
  }
}

BOOST_AUTO_TEST_CASE(CMSG_1_cmsg_len_past_the_buffer_is_EINVAL) {
  // One byte more than the buffer holds (no padding after the last message).
  Control c;
  c.add(SOL_IP, IP_TTL, bytes_of(5), cmsg_len_for(sizeof(int)) + 1, false);
  BOOST_TEST(c.bytes().size() == cmsg_len_for(sizeof(int)));
  int r = 0;
  BOOST_TEST(walked(c.msg(), &r).empty());
  BOOST_TEST(r == -EINVAL);
  BOOST_TEST(parse4(c) == -EINVAL);
  // Exactly the buffer, no padding: fine.
  Control exact;
  exact.add(SOL_IP, IP_TOS, hex("10"), {}, false);
  BOOST_TEST(exact.bytes().size() == cmsg_len_for(1));
  BOOST_TEST(walked(exact.msg(), &r).size() == 1u);
  BOOST_TEST(r == 0);
  BOOST_TEST(parse4(exact) == 0);
}

BOOST_AUTO_TEST_CASE(CMSG_1_a_second_header_partly_past_the_end_is_EINVAL) {
  // The second header is whole (16 bytes) but its cmsg_len runs past the end:
  // LINUX's CMSG_NXTHDR hands it out and CMSG_OK refuses it.
  Control c;
  c.value(SOL_IP, IP_TTL, 5).add(SOL_IP, IP_TOS, {}, cmsg_len_for(4), false);
  int r = 0;
  BOOST_TEST(walked(c.msg(), &r).size() == 1u);
  BOOST_TEST(r == -EINVAL);
  BOOST_TEST(parse4(c) == -EINVAL);
  // Fewer than 16 bytes after the first message: no second header, the end.
  Control tail;
  tail.value(SOL_IP, IP_TTL, 5).raw(hex("ffffffffffffffff ffffffffffffff"));
  BOOST_TEST(walked(tail.msg(), &r).size() == 1u);
  BOOST_TEST(r == 0);
  BOOST_TEST(parse4(tail) == 0);
}

BOOST_AUTO_TEST_CASE(CMSG_1_short_and_empty_buffers_hold_nothing) {
  int r = -1;
  Control empty;
  BOOST_TEST(walked(empty.msg(), &r).empty());
  BOOST_TEST(r == 0);
  // 15 bytes: not room for one header, nothing is read.
  Control short_buffer;
  short_buffer.raw(hex("ffffffffffffffff ffffffffffffff"));
  BOOST_TEST(walked(short_buffer.msg(), &r).empty());
  BOOST_TEST(r == 0);
  BOOST_TEST(parse4(short_buffer) == 0);
  BOOST_TEST(parse6(short_buffer) == 0);
}

BOOST_AUTO_TEST_CASE(CMSG_1_null_control_is_EFAULT_and_a_huge_length_ENOBUFS) {
  msghdr msg{};
  int r = 0;
  BOOST_TEST(walked(msg, &r).empty());  // null and 0: nothing to copy
  BOOST_TEST(r == 0);
  // LINUX ____sys_sendmsg: the copy from a null buffer faults, whatever the length.
  for (std::size_t len : {std::size_t{1}, sizeof(cmsghdr), std::size_t{64}}) {
    msg.msg_controllen = len;
    BOOST_TEST(walked(msg, &r).empty());
    BOOST_TEST(r == -EFAULT);
    Ipv4SendAncillary v4;
    BOOST_TEST(parse_ipv4_send_cmsgs(msg, v4) == -EFAULT);
    Ipv6SendAncillary v6;
    BOOST_TEST(parse_ipv6_send_cmsgs(msg, v6) == -EFAULT);
  }
  // LINUX: msg_controllen > INT_MAX -> ENOBUFS before anything is read.
  std::array<std::byte, 16> small{};
  msg.msg_control = small.data();
  msg.msg_controllen = static_cast<std::size_t>(INT_MAX) + 1;
  BOOST_TEST(walked(msg, &r).empty());
  BOOST_TEST(r == -ENOBUFS);
  Ipv4SendAncillary v4;
  BOOST_TEST(parse_ipv4_send_cmsgs(msg, v4) == -ENOBUFS);
  msg.msg_control = nullptr;
  BOOST_TEST(walked(msg, &r).empty());
  BOOST_TEST(r == -ENOBUFS);
}

BOOST_AUTO_TEST_CASE(CMSG_1_the_visitor_stops_the_walk) {
  Control c;
  c.value(SOL_IP, IP_TTL, 1).value(SOL_IP, IP_TTL, 2).value(SOL_IP, IP_TTL, 3);
  int visits = 0;
  const int r = walk_cmsgs(c.msg(), [&](const CmsgItem&) { return ++visits == 2 ? -EPERM : 0; });
  BOOST_TEST(r == -EPERM);
  BOOST_TEST(visits == 2);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- IPv4 send: CMSG-2..6, UDP-7 --------------------------------------------------------

BOOST_AUTO_TEST_SUITE(ipv4_send)

BOOST_AUTO_TEST_CASE(every_field_at_once) {
  Control c;
  c.value(SOL_IP, IP_PKTINFO, pktinfo(3, "192.0.2.1"))
      .value(SOL_IP, IP_TTL, 64)
      .value(SOL_IP, IP_TOS, 0xb8)
      .add(SOL_IP, IP_RETOPTS, hex("07 07 04 00000000"))
      .value(SOL_UDP, UDP_SEGMENT, std::uint16_t{1400});
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(c, out) == 0);
  BOOST_TEST(out.interface_index.value_or(0) == 3u);
  BOOST_TEST(out.source.value_or(Ipv4Address{}) == Ipv4Address::from_string("192.0.2.1").value());
  BOOST_TEST(out.ttl.value_or(0) == 64);
  BOOST_TEST(out.tos.value_or(0) == 0xb8);
  BOOST_REQUIRE(out.options.has_value());
  BOOST_TEST(to_hex(out.options->span()) == "0707040000000000");  // padded with EOL to 8
  BOOST_TEST(out.gso_size.value_or(0) == 1400);
}

BOOST_AUTO_TEST_CASE(nothing_given_nothing_set) {
  Control c;
  c.value(IPPROTO_TCP, 1, 12345);  // another level only
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(c, out) == 0);
  BOOST_TEST(!out.interface_index);
  BOOST_TEST(!out.source);
  BOOST_TEST(!out.ttl);
  BOOST_TEST(!out.tos);
  BOOST_TEST(!out.options);
  BOOST_TEST(!out.gso_size);
}

BOOST_AUTO_TEST_CASE(CMSG_3_pktinfo_is_exactly_an_in_pktinfo) {
  const Bytes info = bytes_of(pktinfo(2, "198.51.100.7"));
  for (std::size_t len : {info.size() - 1, info.size() + 1, info.size() + 4}) {
    Control c;
    Bytes data = info;
    data.resize(len);
    c.add(SOL_IP, IP_PKTINFO, data);
    BOOST_TEST(parse4(c) == -EINVAL);
  }
  // Interface 0 leaves the socket's; the source is set even as 0.0.0.0
  // (LINUX ipc->addr = ipi_spec_dst: the route chooses).
  Control zero;
  zero.value(SOL_IP, IP_PKTINFO, pktinfo(0, "0.0.0.0"));
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(zero, out) == 0);
  BOOST_TEST(!out.interface_index);
  BOOST_REQUIRE(out.source.has_value());
  BOOST_TEST(out.source->is_unspecified());
}

BOOST_AUTO_TEST_CASE(CMSG_4_ttl_is_an_int_from_1_to_255) {
  for (int ttl : {1, 255}) BOOST_TEST(accepted4(SOL_IP, IP_TTL, bytes_of(ttl)).ttl.value_or(0) == ttl);
  for (int ttl : {0, 256, -1}) {
    BOOST_TEST(parse4_one(SOL_IP, IP_TTL, bytes_of(ttl)) == -EINVAL);
  }
  // A byte is not enough (IP_TOS takes one, IP_TTL does not), nor is a long.
  BOOST_TEST(parse4_one(SOL_IP, IP_TTL, hex("40")) == -EINVAL);
  BOOST_TEST(parse4_one(SOL_IP, IP_TTL, bytes_of(std::int64_t{64})) == -EINVAL);
}

BOOST_AUTO_TEST_CASE(CMSG_5_tos_is_an_int_or_a_byte_from_0_to_255) {
  Control as_int;
  as_int.value(SOL_IP, IP_TOS, 0x10);
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(as_int, out) == 0);
  BOOST_TEST(out.tos.value_or(0) == 0x10);
  Control as_byte;
  as_byte.add(SOL_IP, IP_TOS, hex("ff"));
  out = {};
  BOOST_TEST(parse4(as_byte, out) == 0);
  BOOST_TEST(out.tos.value_or(0) == 0xff);
  for (int tos : {256, -1}) {
    BOOST_TEST(parse4_one(SOL_IP, IP_TOS, bytes_of(tos)) == -EINVAL);
  }
  for (const char* data : {"", "1010", "101010", "1010101010"}) {
    BOOST_TEST(parse4_one(SOL_IP, IP_TOS, hex(data)) == -EINVAL);
  }
}

BOOST_AUTO_TEST_CASE(CMSG_2_retopts_are_validated_as_a_privileged_socket_s) {
  // Bad: RR pointer 3 (V4-OPT-3), a length past the area, a second RR,
  // Router Alert of length 3.
  for (const char* bad :
       {"07 07 03 00000000", "07 09 04 00000000", "07 03 04 07 03 04 00 00", "94 03 00 00"}) {
    Control c;
    c.add(SOL_IP, IP_RETOPTS, hex(bad));
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(parse4(c) == -EINVAL); }
  }
  // Unknown kinds pass (CAP_NET_RAW), source routes as a socket gives them.
  for (const char* good : {"1e 04 00 00", "83 07 04 c0000201", "01 01 01 00"}) {
    Control c;
    c.add(SOL_IP, IP_RETOPTS, hex(good));
    BOOST_TEST_CONTEXT(good) { BOOST_TEST(parse4(c) == 0); }
  }
  // No data: options, none of them (LINUX: replaces the socket's).
  Control empty;
  empty.add(SOL_IP, IP_RETOPTS, {});
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(empty, out) == 0);
  BOOST_REQUIRE(out.options.has_value());
  BOOST_TEST(out.options->empty());
}

BOOST_AUTO_TEST_CASE(CMSG_2_retopts_use_40_bytes_padded_with_eol) {
  // LINUX ip_options_get pads to a multiple of 4 with EOL before checking: a
  // Timestamp option cut after 5 bytes ends in the padding.
  Control cut;
  cut.add(SOL_IP, IP_RETOPTS, hex("44 08 05 00 00"));
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(cut, out) == 0);
  BOOST_REQUIRE(out.options.has_value());
  BOOST_TEST(to_hex(out.options->span()) == "4408050000000000");

  // 44 bytes: the first 40 are used. 40 NOPs and junk: fine, 40 bytes kept.
  Bytes nops(40, std::byte{1});
  nops.insert(nops.end(), {std::byte{7}, std::byte{0}, std::byte{0}, std::byte{0}});
  Control long_nops;
  long_nops.add(SOL_IP, IP_RETOPTS, nops);
  out = {};
  BOOST_TEST(parse4(long_nops, out) == 0);
  BOOST_REQUIRE(out.options.has_value());
  BOOST_TEST(out.options->size() == 40u);
  BOOST_TEST(to_hex(out.options->span()) == to_hex(Bytes(40, std::byte{1})));

  // 4 NOPs and a 39-byte RR: whole in 44 bytes, cut at 40 -> EINVAL.
  Bytes rr = hex("01010101 07 27 04");
  rr.resize(44);
  BOOST_TEST(parse4_one(SOL_IP, IP_RETOPTS, rr) == -EINVAL);
  // The same RR in 36 bytes fits.
  Bytes rr_fits = hex("01010101 07 23 04");
  rr_fits.resize(40);
  BOOST_TEST(parse4_one(SOL_IP, IP_RETOPTS, rr_fits) == 0);
}

BOOST_AUTO_TEST_CASE(UDP_7_udp_segment_is_exactly_a_u16) {
  Control ok;
  ok.value(SOL_UDP, UDP_SEGMENT, std::uint16_t{1200});
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(ok, out) == 0);
  BOOST_TEST(out.gso_size.value_or(0) == 1200);
  Ipv6SendAncillary out6;
  BOOST_TEST(parse6(ok, out6) == 0);
  BOOST_TEST(out6.gso_size.value_or(0) == 1200);
  for (const char* data : {"b004", "b00400", "b0040000"}) {
    Control c;
    c.add(SOL_UDP, UDP_SEGMENT, hex(data));
    BOOST_TEST(parse4(c) == (hex(data).size() == 2 ? 0 : -EINVAL));
    BOOST_TEST(parse6(c) == (hex(data).size() == 2 ? 0 : -EINVAL));
  }
}

BOOST_AUTO_TEST_CASE(CMSG_6_unknown_types_at_SOL_IP_and_SOL_UDP_are_EINVAL) {
  for (int type : {IP_OPTIONS, IP_HDRINCL, IP_RECVOPTS, 99}) {
    Control c;
    c.value(SOL_IP, type, 1);
    BOOST_TEST_CONTEXT(type) { BOOST_TEST(parse4(c) == -EINVAL); }
  }
  for (int type : {1, 100, 102, 104}) {  // UDP_CORK, UDP_ENCAP, ..., UDP_GRO
    Control c;
    c.value(SOL_UDP, type, std::uint16_t{1});
    BOOST_TEST_CONTEXT(type) {
      BOOST_TEST(parse4(c) == -EINVAL);
      BOOST_TEST(parse6(c) == -EINVAL);
    }
  }
}

BOOST_AUTO_TEST_CASE(CMSG_6_the_udp_walk_comes_first) {
  // LINUX udp_sendmsg: udp_cmsg_send walks the whole buffer before
  // ip_cmsg_send: a bad SOL_UDP message after a good IP_TTL leaves it unread.
  Control c;
  c.value(SOL_IP, IP_TTL, 5).value(SOL_UDP, 1, 0);
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(c, out) == -EINVAL);
  BOOST_TEST(!out.ttl);
  // And a good UDP_SEGMENT after a bad IP_TTL is read before the IP walk fails.
  Control d;
  d.value(SOL_IP, IP_TTL, 0).value(SOL_UDP, UDP_SEGMENT, std::uint16_t{512});
  out = {};
  BOOST_TEST(parse4(d, out) == -EINVAL);
  BOOST_TEST(out.gso_size.value_or(0) == 512);
}

BOOST_AUTO_TEST_CASE(CMSG_6_sol_socket_accepts_what_linux_does) {
  const auto check = [](int type, const Bytes& data, int expected) {
    Control c;
    c.add(SOL_SOCKET, type, data);
    BOOST_TEST_CONTEXT("type " << type << " data " << to_hex(data)) {
      BOOST_TEST(parse4(c) == expected);
      BOOST_TEST(parse6(c) == expected);
    }
  };
  check(SO_MARK, bytes_of(std::uint32_t{7}), 0);
  check(SO_MARK, bytes_of(std::uint64_t{7}), -EINVAL);
  check(SO_MARK, hex("07"), -EINVAL);
  check(SO_TIMESTAMPING_OLD, bytes_of(std::uint32_t{0x303}), 0);  // TX hardware, software, sched, ack
  check(SO_TIMESTAMPING_OLD, bytes_of(std::uint32_t{0}), 0);
  check(SO_TIMESTAMPING_OLD, bytes_of(std::uint32_t{0x4}), -EINVAL);  // RX hardware
  check(SO_TIMESTAMPING_OLD, bytes_of(std::uint16_t{1}), -EINVAL);
  check(SCM_TXTIME, bytes_of(std::uint64_t{1}), -EINVAL);  // SO_TXTIME never enabled
  check(SCM_RIGHTS, hex("03000000 04000000"), 0);
  check(SCM_CREDENTIALS, hex(""), 0);
  check(SO_PRIORITY, bytes_of(1), -EINVAL);
  check(99, bytes_of(1), -EINVAL);
}

BOOST_AUTO_TEST_CASE(CMSG_6_other_levels_are_ignored) {
  Control c;
  c.value(IPPROTO_TCP, 1, 0).value(1234, 5, 6).add(SOL_IPV6, IPV6_PKTINFO, hex("00"));
  BOOST_TEST(parse4(c) == 0);
  // SOL_IPV6 IPV6_PKTINFO is ignored by an IPv4 socket...
  Control v6info;
  v6info.value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(2, "::ffff:192.0.2.7"));
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(v6info, out) == 0);
  BOOST_TEST(!out.source);
  // ...and read by a dual-stack one sending to a v4-mapped address.
  BOOST_TEST(parse4(v6info, out, true) == 0);
  BOOST_TEST(out.source.value_or(Ipv4Address{}) == Ipv4Address::from_string("192.0.2.7").value());
  BOOST_TEST(out.interface_index.value_or(0) == 2u);
}

BOOST_AUTO_TEST_CASE(dual_stack_pktinfo_must_be_v4_mapped) {
  Control native;
  native.value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(0, "2001:db8::1"));
  BOOST_TEST(parse4(native, true) == -EINVAL);
  // LINUX: at least an in6_pktinfo; more is fine.
  Bytes longer = bytes_of(pktinfo6(0, "::ffff:198.51.100.1"));
  longer.resize(longer.size() + 4);
  Control l;
  l.add(SOL_IPV6, IPV6_PKTINFO, longer);
  Ipv4SendAncillary out;
  BOOST_TEST(parse4(l, out, true) == 0);
  BOOST_TEST(!out.interface_index);
  BOOST_TEST(out.source.value_or(Ipv4Address{}) == Ipv4Address::from_string("198.51.100.1").value());
  Bytes shorter = bytes_of(pktinfo6(0, "::ffff:198.51.100.1"));
  shorter.pop_back();
  Control s;
  s.add(SOL_IPV6, IPV6_PKTINFO, shorter);
  BOOST_TEST(parse4(s, true) == -EINVAL);
  // Other SOL_IPV6 messages are still ignored (ip_cmsg_send only knows this one).
  Control hop;
  hop.value(SOL_IPV6, IPV6_HOPLIMIT, 999);
  BOOST_TEST(parse4(hop, true) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- IPv6 send: CMSG-7 -----------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(ipv6_send)

BOOST_AUTO_TEST_CASE(CMSG_7_pktinfo) {
  Control c;
  c.value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(5, "2001:db8::9"));
  Ipv6SendAncillary out;
  BOOST_TEST(parse6(c, out) == 0);
  BOOST_TEST(out.interface_index.value_or(0) == 5u);
  BOOST_TEST(out.source.value_or(Ipv6Address{}) == Ipv6Address::from_string("2001:db8::9").value());
  // :: and interface 0: nothing chosen.
  Control none;
  none.value(SOL_IPV6, IPV6_2292PKTINFO, pktinfo6(0, "::"));
  out = {};
  BOOST_TEST(parse6(none, out) == 0);
  BOOST_TEST(!out.interface_index);
  BOOST_TEST(!out.source);
  // Shorter than an in6_pktinfo -> EINVAL; longer is fine (LINUX).
  Bytes data = bytes_of(pktinfo6(1, "2001:db8::1"));
  data.pop_back();
  BOOST_TEST(parse6_one(SOL_IPV6, IPV6_PKTINFO, data) == -EINVAL);
  data.resize(28);
  BOOST_TEST(parse6_one(SOL_IPV6, IPV6_PKTINFO, data) == 0);
  // A second interface unlike the first -> EINVAL; the same, or 0, is fine.
  Control two;
  two.value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(5, "::")).value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(6, "::"));
  BOOST_TEST(parse6(two) == -EINVAL);
  Control same;
  same.value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(5, "::"))
      .value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(5, "2001:db8::2"))
      .value(SOL_IPV6, IPV6_PKTINFO, pktinfo6(0, "::"));
  out = {};
  BOOST_TEST(parse6(same, out) == 0);
  BOOST_TEST(out.interface_index.value_or(0) == 5u);
  BOOST_TEST(out.source.value_or(Ipv6Address{}) == Ipv6Address::from_string("2001:db8::2").value());
}

BOOST_AUTO_TEST_CASE(CMSG_7_hop_limit_and_traffic_class_from_minus_1_to_255) {
  for (int type : {IPV6_HOPLIMIT, IPV6_2292HOPLIMIT, IPV6_TCLASS}) {
    for (int v : {-1, 0, 255}) {
      const auto out = accepted6(SOL_IPV6, type, bytes_of(v));
      BOOST_TEST((type == IPV6_TCLASS ? out.traffic_class : out.hop_limit).value_or(-9) == v);
    }
    for (int v : {-2, 256}) {
      BOOST_TEST(parse6_one(SOL_IPV6, type, bytes_of(v)) == -EINVAL);
    }
    BOOST_TEST(parse6_one(SOL_IPV6, type, hex("40")) == -EINVAL);
  }
}

BOOST_AUTO_TEST_CASE(dontfrag_is_0_or_1) {
  for (int v : {0, 1}) BOOST_TEST(accepted6(SOL_IPV6, IPV6_DONTFRAG, bytes_of(v)).dontfrag.value_or(-9) == v);
  for (int v : {-1, 2}) {  // LINUX: -1 is not "the default" here
    BOOST_TEST(parse6_one(SOL_IPV6, IPV6_DONTFRAG, bytes_of(v)) == -EINVAL);
  }
}

BOOST_AUTO_TEST_CASE(flowinfo) {
  BOOST_TEST(
      accepted6(SOL_IPV6, cmsg_constant::ipv6_flowinfo, hex("00 01 23 45")).flow_information.value_or(0) ==
      0x12345u);
  Ipv6SendAncillary out;
  // Version bits are masked off when nothing was set before...
  Control version;
  version.add(SOL_IPV6, cmsg_constant::ipv6_flowinfo, hex("60 01 23 45"));
  out = {};
  BOOST_TEST(parse6(version, out) == 0);
  BOOST_TEST(out.flow_information.value_or(0) == 0x12345u);
  // ...and refused once flow information is set (LINUX).
  out = {};
  out.flow_information = 0x77;
  BOOST_TEST(parse6(version, out) == -EINVAL);
  BOOST_TEST(parse6_one(SOL_IPV6, cmsg_constant::ipv6_flowinfo, hex("000123")) == -EINVAL);
}

// A Hop-by-Hop or Destination Options header with a PadN of 4: 8 bytes.
const char* const padded_options = "3a 00 01 04 00000000";
const char* const other_padded_options = "11 00 01 04 00000000";

BOOST_AUTO_TEST_CASE(CMSG_7_option_headers) {
  const struct {
    int type;
    std::vector<std::byte> Ipv6SendAncillary::*slot;
  } kinds[] = {{IPV6_HOPOPTS, &Ipv6SendAncillary::hop_by_hop},
               {IPV6_2292HOPOPTS, &Ipv6SendAncillary::hop_by_hop},
               {IPV6_DSTOPTS, &Ipv6SendAncillary::destination_options},
               {IPV6_2292DSTOPTS, &Ipv6SendAncillary::destination_options},
               {IPV6_RTHDRDSTOPTS, &Ipv6SendAncillary::routing_destination_options}};
  for (const auto& kind : kinds) {
    BOOST_TEST_CONTEXT("type " << kind.type) {
      const auto out = accepted6(SOL_IPV6, kind.type, hex(padded_options));
      BOOST_TEST(to_hex(out.*kind.slot) == to_hex(hex(padded_options)));
      // A 16-byte header with an option of 6 data bytes and a PadN of 4.
      BOOST_TEST(parse6_one(SOL_IPV6, kind.type, hex("3a 01 1e 06 010203040506 01 04 00000000")) == 0);

      const auto rejected = [&](const Bytes& data) {
        Control c;
        c.add(SOL_IPV6, kind.type, data);
        return parse6(c) == -EINVAL;
      };
      BOOST_TEST(rejected(hex("3a")));                                               // no Hdr Ext Len
      BOOST_TEST(rejected(hex("3a 01 01 04 00000000")));                             // says 16 bytes, has 8
      BOOST_TEST(rejected(hex(std::string(padded_options) + "00000000 00000000")));  // CMSG-7: 8 after it
      BOOST_TEST(rejected(hex("3a 00 1e 05 01020304")));                             // option past the header
      BOOST_TEST(rejected(hex("3a 00 01 04 00000100")));                             // PadN with data
      BOOST_TEST(rejected(hex("3a 01 00000000 00000000 00000000 0000")));            // 14 Pad1 in a row
      // V6-EXT-5: more than 8 options (9 empty unknown ones of a "skip" type).
      BOOST_TEST(rejected(hex("3a 02 1e00 1e00 1e00 1e00 1e00 1e00 1e00 1e00 1e00 01020000")));

      // A second header of the same kind: LINUX refuses a second Hop-by-Hop
      // or IPV6_2292DSTOPTS, and takes the last of the others.
      Control twice;
      twice.add(SOL_IPV6, kind.type, hex(padded_options)).add(SOL_IPV6, kind.type, hex(other_padded_options));
      Ipv6SendAncillary last;
      const bool refused =
          kind.type == IPV6_HOPOPTS || kind.type == IPV6_2292HOPOPTS || kind.type == IPV6_2292DSTOPTS;
      BOOST_TEST(parse6(twice, last) == (refused ? -EINVAL : 0));
      if (!refused) BOOST_TEST(to_hex(last.*kind.slot) == to_hex(hex(other_padded_options)));
    }
  }
  // The 2292 and RFC 3542 names of one kind are the same kind.
  Control mixed;
  mixed.add(SOL_IPV6, IPV6_2292HOPOPTS, hex(padded_options)).add(SOL_IPV6, IPV6_HOPOPTS, hex(padded_options));
  BOOST_TEST(parse6(mixed) == -EINVAL);
  Control mixed_destination;
  mixed_destination.add(SOL_IPV6, IPV6_DSTOPTS, hex(padded_options))
      .add(SOL_IPV6, IPV6_2292DSTOPTS, hex(padded_options));
  BOOST_TEST(parse6(mixed_destination) == -EINVAL);
  // Different kinds go together.
  Control all;
  all.add(SOL_IPV6, IPV6_HOPOPTS, hex(padded_options))
      .add(SOL_IPV6, IPV6_DSTOPTS, hex(padded_options))
      .add(SOL_IPV6, IPV6_RTHDRDSTOPTS, hex(padded_options));
  Ipv6SendAncillary out;
  BOOST_TEST(parse6(all, out) == 0);
  BOOST_TEST(out.hop_by_hop.size() == 8u);
  BOOST_TEST(out.destination_options.size() == 8u);
  BOOST_TEST(out.routing_destination_options.size() == 8u);
  BOOST_TEST(out.routing.empty());
}

BOOST_AUTO_TEST_CASE(CMSG_7_jumbo_and_router_alert_follow_the_receive_rules) {
  // Router Alert must have length 2 (V6-EXT-4); in a Hop-by-Hop header it is fine.
  BOOST_TEST(parse6_one(SOL_IPV6, IPV6_HOPOPTS, hex("3a 00 05 02 0000 01 00")) == 0);
  BOOST_TEST(parse6_one(SOL_IPV6, IPV6_HOPOPTS, hex("3a 00 05 03 000000 00")) == -EINVAL);
}

// RFC 6275 6.4: a type 2 Routing header: 24 bytes, one address.
const char* const type2_routing = "3a 02 02 01 00000000 20010db8000000000000000000000042";
const char* const other_type2_routing = "3a 02 02 01 00000000 20010db8000000000000000000000043";

BOOST_AUTO_TEST_CASE(CMSG_7_routing_header_type_2_only) {
  for (int type : {IPV6_RTHDR, IPV6_2292RTHDR}) {
    BOOST_TEST(to_hex(accepted6(SOL_IPV6, type, hex(type2_routing)).routing) == to_hex(hex(type2_routing)));
    const auto rejected = [&](const Bytes& data) {
      Control c;
      c.add(SOL_IPV6, type, data);
      return parse6(c) == -EINVAL;
    };
    BOOST_TEST(rejected(hex("3a 02 02")));                                               // under 4 bytes
    BOOST_TEST(rejected(hex("3a 02 00 01 00000000 20010db8000000000000000000000042")));  // type 0
    BOOST_TEST(rejected(hex("3a 02 04 01 00000000 20010db8000000000000000000000042")));  // type 4 (SRH)
    BOOST_TEST(rejected(hex("3a 02 02 00 00000000 20010db8000000000000000000000042")));  // segments left 0
    BOOST_TEST(rejected(
        hex("3a 04 02 02 00000000 20010db8000000000000000000000042 20010db8000000000000000000000043")));
    BOOST_TEST(rejected(hex("3a 02 02 01 00000000 20010db80000000000000000000000")));  // 23 bytes
    BOOST_TEST(rejected(hex(std::string(type2_routing) + "0000000000000000")));        // CMSG-7: 8 after it
    // LINUX: a second Routing header replaces the first.
    Control twice;
    twice.add(SOL_IPV6, type, hex(type2_routing)).add(SOL_IPV6, IPV6_RTHDR, hex(other_type2_routing));
    Ipv6SendAncillary out;
    BOOST_TEST(parse6(twice, out) == 0);
    BOOST_TEST(to_hex(out.routing) == to_hex(hex(other_type2_routing)));
  }
}

BOOST_AUTO_TEST_CASE(rfc_2292_destination_options_before_a_routing_header_go_before_it) {
  // LINUX: IPV6_2292DSTOPTS then IPV6_2292RTHDR: the options move to the
  // slot before the Routing header.
  Control c;
  c.add(SOL_IPV6, IPV6_2292DSTOPTS, hex(padded_options)).add(SOL_IPV6, IPV6_2292RTHDR, hex(type2_routing));
  Ipv6SendAncillary out;
  BOOST_TEST(parse6(c, out) == 0);
  BOOST_TEST(out.destination_options.empty());
  BOOST_TEST(to_hex(out.routing_destination_options) == to_hex(hex(padded_options)));
  // With IPV6_RTHDR they stay after it.
  Control d;
  d.add(SOL_IPV6, IPV6_2292DSTOPTS, hex(padded_options)).add(SOL_IPV6, IPV6_RTHDR, hex(type2_routing));
  out = {};
  BOOST_TEST(parse6(d, out) == 0);
  BOOST_TEST(out.destination_options.size() == 8u);
  BOOST_TEST(out.routing_destination_options.empty());
  // The slot before it already taken: LINUX replaces what was there.
  Control e;
  e.add(SOL_IPV6, IPV6_RTHDRDSTOPTS, hex(padded_options))
      .add(SOL_IPV6, IPV6_2292DSTOPTS, hex(other_padded_options))
      .add(SOL_IPV6, IPV6_2292RTHDR, hex(type2_routing));
  out = {};
  BOOST_TEST(parse6(e, out) == 0);
  BOOST_TEST(to_hex(out.routing_destination_options) == to_hex(hex(other_padded_options)));
  BOOST_TEST(out.destination_options.empty());
}

BOOST_AUTO_TEST_CASE(CMSG_7_unknown_types_are_EINVAL_and_other_levels_ignored) {
  for (int type : {IPV6_2292PKTOPTIONS, IPV6_RECVPKTINFO, IPV6_UNICAST_HOPS, 999}) {
    Control c;
    c.value(SOL_IPV6, type, 1);
    BOOST_TEST_CONTEXT(type) { BOOST_TEST(parse6(c) == -EINVAL); }
  }
  Control other;
  other.value(SOL_IP, IP_TTL, 0).value(IPPROTO_TCP, 1, 2);
  BOOST_TEST(parse6(other) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- CMSG-8: the writer and the receive messages ---------------------------------------

BOOST_AUTO_TEST_SUITE(receive)

struct Put {
  int level;
  int type;
  Bytes data;
};

// A sequence of messages of assorted sizes (data 12, 4, 1, 0, 9 bytes).
std::vector<Put> sample_puts() {
  return {{SOL_IP, IP_PKTINFO, hex("010203040506070809 0a0b0c")},
          {SOL_IP, IP_TTL, bytes_of(64)},
          {SOL_IP, IP_TOS, hex("b8")},
          {SOL_IP, IP_RETOPTS, {}},
          {SOL_SOCKET, 99, hex("112233445566778899")}};
}

BOOST_AUTO_TEST_CASE(CMSG_8_layout_is_the_cmsg_macros) {
  const auto puts = sample_puts();
  std::size_t full = 0;
  for (const auto& p : puts) full += CMSG_SPACE(p.data.size());
  // Both buffers start as 0xaa: padding is not written by either.
  alignas(cmsghdr) std::array<unsigned char, 256> expected{};
  expected.fill(0xaa);
  msghdr em{};
  em.msg_control = expected.data();
  em.msg_controllen = full;
  cmsghdr* h = CMSG_FIRSTHDR(&em);
  for (const auto& p : puts) {
    h->cmsg_len = CMSG_LEN(p.data.size());
    h->cmsg_level = p.level;
    h->cmsg_type = p.type;
    if (!p.data.empty()) std::memcpy(CMSG_DATA(h), p.data.data(), p.data.size());
    h = CMSG_NXTHDR(&em, h);
  }

  alignas(cmsghdr) std::array<unsigned char, 256> got{};
  got.fill(0xaa);
  msghdr msg{};
  msg.msg_control = got.data();
  msg.msg_controllen = got.size();
  CmsgWriter w(msg);
  for (const auto& p : puts) w.put(p.level, p.type, p.data);
  w.finish();
  BOOST_TEST(msg.msg_controllen == full);
  BOOST_TEST(msg.msg_flags == 0);
  BOOST_TEST(to_hex(std::as_bytes(std::span(got))) == to_hex(std::as_bytes(std::span(expected))));
}

BOOST_AUTO_TEST_CASE(CMSG_8_every_short_buffer_is_cut_never_overrun) {
  const auto puts = sample_puts();
  std::size_t full = 0;
  for (const auto& p : puts) full += cmsg_space_for(p.data.size());
  // The last message needs no padding after it: below `needed`, something is cut.
  const std::size_t needed =
      full - cmsg_space_for(puts.back().data.size()) + cmsg_len_for(puts.back().data.size());
  constexpr std::size_t guard = 64;
  for (std::size_t misalign : {std::size_t{0}, std::size_t{3}}) {
    for (std::size_t size = 0; size <= full + 8; ++size) {
      BOOST_TEST_CONTEXT("size " << size << " misalign " << misalign) {
        Bytes storage(misalign + size + guard, std::byte{0x5a});
        msghdr msg{};
        msg.msg_control = storage.data() + misalign;
        msg.msg_controllen = size;
        CmsgWriter w(msg);
        for (const auto& p : puts) w.put(p.level, p.type, p.data);
        w.finish();
        // Nothing before or after the buffer changed.
        for (std::size_t i = 0; i < misalign; ++i) BOOST_TEST((storage[i] == std::byte{0x5a}));
        for (std::size_t i = misalign + size; i < storage.size(); ++i)
          BOOST_TEST((storage[i] == std::byte{0x5a}));
        BOOST_TEST(((msg.msg_flags & MSG_CTRUNC) != 0) == (size < needed));
        BOOST_TEST(msg.msg_controllen <= size);
        if (size >= needed)
          BOOST_TEST(msg.msg_controllen == std::min(size, full));
        else  // cut: the buffer is used up but for less than a header
          BOOST_TEST(size - msg.msg_controllen < sizeof(cmsghdr));
        if (size < sizeof(cmsghdr)) BOOST_TEST(msg.msg_controllen == 0u);
        // What was written walks cleanly: whole messages, then at most one
        // cut one whose cmsg_len says what it holds (LINUX put_cmsg).
        std::size_t i = 0;
        const int r = walk_cmsgs(msg, [&](const CmsgItem& item) {
          BOOST_REQUIRE(i < puts.size());
          BOOST_TEST(item.level == puts[i].level);
          BOOST_TEST(item.type == puts[i].type);
          BOOST_REQUIRE(item.data.size() <= puts[i].data.size());
          BOOST_TEST(to_hex(item.data) == to_hex(std::span(puts[i].data).first(item.data.size())));
          // A cut message fills the buffer: nothing follows it.
          const bool whole = item.data.size() == puts[i].data.size();
          BOOST_TEST((whole || msg.msg_controllen == size));
          ++i;
          return 0;
        });
        BOOST_TEST(r == 0);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(CMSG_8_a_cut_message_says_what_it_holds) {
  // Room for a header and 2 of the int's 4 bytes.
  Bytes storage(cmsg_len_for(2) + 8, std::byte{0x5a});
  msghdr msg{};
  msg.msg_control = storage.data();
  msg.msg_controllen = cmsg_len_for(2);
  CmsgWriter w(msg);
  w.put_value(SOL_IP, IP_TTL, 0x01020304);
  w.put_value(SOL_IP, IP_TOS, std::uint8_t{1});  // no room at all
  w.finish();
  BOOST_TEST(msg.msg_controllen == cmsg_len_for(2));
  BOOST_TEST((msg.msg_flags & MSG_CTRUNC) != 0);
  cmsghdr h{};
  std::memcpy(&h, storage.data(), sizeof(h));
  BOOST_TEST(h.cmsg_len == cmsg_len_for(2));
  BOOST_TEST(h.cmsg_level == SOL_IP);
  BOOST_TEST(h.cmsg_type == IP_TTL);
  const int ttl = 0x01020304;
  BOOST_TEST(std::memcmp(storage.data() + sizeof(h), &ttl, 2) == 0);
  BOOST_TEST((storage[sizeof(h) + 2] == std::byte{0x5a}));
}

BOOST_AUTO_TEST_CASE(CMSG_8_no_buffer_is_truncation) {
  msghdr msg{};
  msg.msg_controllen = 100;  // but no buffer
  CmsgWriter w(msg);
  w.put_value(SOL_IP, IP_TTL, 1);
  w.finish();
  BOOST_TEST((msg.msg_flags & MSG_CTRUNC) != 0);
  BOOST_TEST(msg.msg_controllen == 0u);
  msghdr none{};
  CmsgWriter nothing(none);
  nothing.finish();  // nothing asked, nothing cut
  BOOST_TEST(none.msg_flags == 0);
}

// What put(writer) writes into a roomy buffer, as "level/type/len:data" lines.
template <class Put>
std::vector<std::string> put_and_walk(Put&& put) {
  Bytes storage(512);
  msghdr msg{};
  msg.msg_control = storage.data();
  msg.msg_controllen = storage.size();
  CmsgWriter w(msg);
  put(w);
  w.finish();
  BOOST_TEST(msg.msg_flags == 0);
  return walked(msg);
}

BOOST_AUTO_TEST_CASE(CMSG_8_ipv4_order_is_linux_s) {
  const Bytes options = hex("94 04 00 00 07 07 08 c0000201 00");  // RA, RR (one address), EOL
  Ipv4RecvInfo info;
  info.interface_index = 2;
  info.spec_dst = Ipv4Address::from_string("192.0.2.2").value();
  info.destination = Ipv4Address::from_string("192.0.2.255").value();
  info.ttl = 61;
  info.tos = 0x2e;
  info.options = options;
  RecvCmsgFlags flags;
  flags.pktinfo = flags.ttl = flags.tos = flags.recvopts = flags.retopts = true;
  flags.v6_hoplimit = true;  // not an IPv4 socket's
  const auto seen = put_and_walk([&](CmsgWriter& w) { put_ipv4_recv_cmsgs(w, flags, info); });
  const Bytes pktinfo_bytes = hex("02000000 c0000202 c00002ff");
  BOOST_TEST(seen == (std::vector<std::string>{
                         line(SOL_IP, IP_PKTINFO, 28, pktinfo_bytes), line(SOL_IP, IP_TTL, 20, bytes_of(61)),
                         line(SOL_IP, IP_TOS, 17, hex("2e")), line(SOL_IP, IP_RECVOPTS, 28, options),
                         line(SOL_IP, IP_RETOPTS, 24, hex("07 07 08 c0000201 00"))}));

  // No options: neither IP_RECVOPTS nor IP_RETOPTS. Options with nothing to
  // echo: IP_RETOPTS without data (LINUX).
  for (const char* area : {"", "94040000"}) {
    const Bytes a = hex(area);
    info.options = a;
    RecvCmsgFlags only;
    only.recvopts = only.retopts = true;
    const auto with_options = put_and_walk([&](CmsgWriter& w) { put_ipv4_recv_cmsgs(w, only, info); });
    if (a.empty())
      BOOST_TEST(with_options.empty());
    else
      BOOST_TEST(with_options == (std::vector<std::string>{line(SOL_IP, IP_RECVOPTS, 20, a),
                                                           line(SOL_IP, IP_RETOPTS, 16, {})}));
  }
}

BOOST_AUTO_TEST_CASE(CMSG_8_ipv6_order_is_linux_s) {
  Ipv6RecvInfo info;
  info.interface_index = 3;
  info.destination = Ipv6Address::from_string("2001:db8::2").value();
  info.hop_limit = 64;
  info.traffic_class = 0xb8;
  RecvCmsgFlags flags;
  flags.v6_pktinfo = flags.v6_hoplimit = flags.v6_tclass = true;
  flags.ttl = true;  // not an IPv6 datagram's
  const auto seen = put_and_walk([&](CmsgWriter& w) { put_ipv6_recv_cmsgs(w, flags, info); });
  BOOST_TEST(seen == (std::vector<std::string>{
                         line(SOL_IPV6, IPV6_PKTINFO, 36, hex("20010db8000000000000000000000002 03000000")),
                         line(SOL_IPV6, IPV6_HOPLIMIT, 20, bytes_of(64)),
                         line(SOL_IPV6, IPV6_TCLASS, 20, bytes_of(0xb8))}));
}

BOOST_AUTO_TEST_CASE(CMSG_8_ipv4_on_a_dual_stack_socket) {
  // LINUX udpv6_recvmsg: IPV6_PKTINFO with the v4-mapped destination, then
  // the IP_* messages; no IPV6_HOPLIMIT / IPV6_TCLASS for an IPv4 datagram.
  Ipv4RecvInfo info;
  info.interface_index = 4;
  info.destination = Ipv4Address::from_string("198.51.100.9").value();
  info.ttl = 33;
  RecvCmsgFlags flags;
  flags.v6_pktinfo = flags.v6_hoplimit = flags.v6_tclass = true;
  flags.ttl = true;
  const auto seen = put_and_walk([&](CmsgWriter& w) { put_ipv6_recv_cmsgs_for_ipv4(w, flags, info); });
  BOOST_TEST(seen == (std::vector<std::string>{
                         line(SOL_IPV6, IPV6_PKTINFO, 36, hex("00000000000000000000ffffc6336409 04000000")),
                         line(SOL_IP, IP_TTL, 20, bytes_of(33))}));
}

BOOST_AUTO_TEST_SUITE_END()
