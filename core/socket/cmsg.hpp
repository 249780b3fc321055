// TEMPORARY STUB (uncommitted): the lead compiles against the brief's API until the cmsg branch lands.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/inline_vector.hpp"
namespace hardstack::socket {
struct Ipv4SendAncillary {
  std::optional<unsigned> interface_index;
  std::optional<wire::Ipv4Address> source;
  std::optional<std::uint8_t> ttl;
  std::optional<std::uint8_t> tos;
  std::optional<wire::InlineVector<std::byte, 40>> options;
  std::optional<std::uint16_t> gso_size;
};
int parse_ipv4_send_cmsgs(const msghdr& msg, Ipv4SendAncillary& out, bool allow_ipv6 = false);
struct Ipv6SendAncillary {
  std::optional<unsigned> interface_index;
  std::optional<wire::Ipv6Address> source;
  std::optional<int> hop_limit;
  std::optional<int> traffic_class;
  std::optional<int> dontfrag;
  std::vector<std::byte> hop_by_hop, destination_options, routing, routing_destination_options;
  std::optional<std::uint16_t> gso_size;
};
int parse_ipv6_send_cmsgs(const msghdr& msg, Ipv6SendAncillary& out);
class CmsgWriter {
 public:
  explicit CmsgWriter(msghdr& msg);
  void put(int level, int type, std::span<const std::byte> data);
  void finish();
};
struct RecvCmsgFlags {
  bool pktinfo = false, ttl = false, tos = false, recvopts = false, retopts = false;
  bool v6_pktinfo = false, v6_hoplimit = false, v6_tclass = false;
};
struct Ipv4RecvInfo {
  unsigned interface_index = 0;
  wire::Ipv4Address spec_dst, destination;
  std::uint8_t ttl = 0, tos = 0;
  std::span<const std::byte> options;
};
struct Ipv6RecvInfo {
  unsigned interface_index = 0;
  wire::Ipv6Address destination;
  std::uint8_t hop_limit = 0, traffic_class = 0;
};
void put_ipv4_recv_cmsgs(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv4RecvInfo& info);
void put_ipv6_recv_cmsgs(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv6RecvInfo& info);
void put_ipv6_recv_cmsgs_for_ipv4(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv4RecvInfo& info);
}  // namespace hardstack::socket
