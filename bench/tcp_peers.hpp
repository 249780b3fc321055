// Many TCP peers played by the benchmark against one stack, without a second
// stack: segments are written from reprs into Ethernet frames and given to
// Stack::input(); what the stack sends goes to a PeerWire that remembers the
// latest SYN-ACK (for the handshake's third segment) and counts the rest. Only
// the stack under test holds connection state, so its memory is what a
// process measures. For bench_tcp_idle and bench_tcp_synflood.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "hardstack/net/device.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/tcp.hpp"

namespace hardstack::bench {

// The stack's side of the wire: every frame it sends ends here.
class PeerWire final : public net::Device {
 public:
  struct SynAck {
    wire::Ipv4Address peer;
    std::uint16_t peer_port = 0;
    wire::SeqNum seq;
    wire::SeqNum ack;
    std::uint32_t tsval = 0;
  };

  net::LinkType link_type() const override { return net::LinkType::ethernet; }
  std::size_t mtu() const override { return 1500; }
  bool transmit(std::span<const std::byte> frame) override {
    ++frames;
    const auto eth = wire::EthernetView::parse(frame);
    if (eth && eth->ethertype() == wire::EtherType::arp) ++arp_requests;  // the stack only asks
    if (!eth || eth->ethertype() != wire::EtherType::ipv4) return true;
    const auto ip = wire::Ipv4View::parse(eth->payload());
    if (!ip || ip->protocol() != wire::ip_protocol_tcp) return true;
    const auto view = wire::TcpView::parse(ip->payload());
    if (!view) return true;
    const auto tcp = wire::TcpRepr::parse(*view, wire::PseudoHeader::v4(ip->src(), ip->dst()));
    if (!tcp) return true;
    ++segments;
    if (watched && ip->dst() == *watched && tcp->payload_len > 0) ++watched_data_segments;
    if (tcp->flags.rst()) ++resets;
    if (tcp->flags.syn() && tcp->flags.ack()) {
      ++syn_acks;
      last_syn_ack = SynAck{ip->dst(), tcp->dst_port, tcp->seq, tcp->ack,
                            tcp->options.timestamps ? tcp->options.timestamps->tsval : 0};
    }
    return true;
  }
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }

  std::uint64_t frames = 0;
  std::uint64_t arp_requests = 0;  // for the one neighbour every peer is behind (a gateway)
  std::uint64_t segments = 0;      // TCP
  std::uint64_t syn_acks = 0;
  std::uint64_t resets = 0;
  std::optional<SynAck> last_syn_ack;
  // Segments with data to one peer.
  std::optional<wire::Ipv4Address> watched;
  std::uint64_t watched_data_segments = 0;
};

// One peer's segment to the stack, as an Ethernet frame (no payload).
class SegmentFrame {
 public:
  SegmentFrame(const wire::MacAddress& from, const wire::MacAddress& to, const wire::Ipv4Address& destination)
      : destination_(destination) {
    eth_.source = from;
    eth_.destination = to;
    eth_.ethertype = wire::EtherType::ipv4;
  }

  // Writes the frame for `tcp` (and `payload`, tcp.payload_len bytes) from
  // `source` and returns it (valid until the next call).
  std::span<const std::byte> build(const wire::Ipv4Address& source, const wire::TcpRepr& tcp,
                                   std::span<const std::byte> payload = {}) {
    wire::Ipv4Repr ip;
    ip.src = source;
    ip.dst = destination_;
    ip.protocol = wire::ip_protocol_tcp;
    const auto tcp_len = tcp.header_len();
    if (!tcp_len) return {};
    ip.payload_len = static_cast<std::uint16_t>(*tcp_len + payload.size());
    const std::span<std::byte> out(buffer_);
    const std::size_t eth_len = eth_.header_len();
    if (!eth_.emit(out)) return {};
    const auto ip_len = ip.emit_header(out.subspan(eth_len));
    if (!ip_len) return {};
    const auto written =
        tcp.emit(out.subspan(eth_len + *ip_len), payload, wire::PseudoHeader::v4(source, destination_));
    if (!written) return {};
    return std::span<const std::byte>(buffer_).first(eth_len + *ip_len + *written);
  }

 private:
  wire::EthernetRepr eth_;
  wire::Ipv4Address destination_;
  std::array<std::byte, 14 + 60 + 60 + 1460> buffer_{};
};

// A SYN as Linux sends it: MSS, SACK-permitted, timestamps, window scale 7.
inline wire::TcpRepr linux_syn(std::uint16_t source_port, std::uint16_t destination_port, std::uint32_t isn,
                               std::uint32_t tsval) {
  wire::TcpRepr t;
  t.src_port = source_port;
  t.dst_port = destination_port;
  t.seq = wire::SeqNum(isn);
  t.flags = wire::TcpFlags(wire::TcpFlag::syn);
  t.window = 64240;
  t.options.maximum_segment_size = 1460;
  t.options.sack_permitted = true;
  t.options.timestamps = wire::TcpTimestamps{tsval, 0};
  t.options.window_scale = wire::TcpWindowScale{7};
  return t;
}

// The handshake's third segment for `syn_ack` (with timestamps when it had them).
inline wire::TcpRepr third_ack(const PeerWire::SynAck& syn_ack, std::uint16_t destination_port,
                               std::uint32_t tsval) {
  wire::TcpRepr t;
  t.src_port = syn_ack.peer_port;
  t.dst_port = destination_port;
  t.seq = syn_ack.ack;
  t.ack = syn_ack.seq + 1;
  t.flags = wire::TcpFlags(wire::TcpFlag::ack);
  t.window = 502;  // 64256 bytes at scale 7
  if (syn_ack.tsval != 0) t.options.timestamps = wire::TcpTimestamps{tsval, syn_ack.tsval};
  return t;
}

}  // namespace hardstack::bench
