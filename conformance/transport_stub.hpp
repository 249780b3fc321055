#pragma once

// A transport for the conformance suites: registered for a protocol number, it
// records what the stack hands up (deliveries, ICMP error reports), copying
// every borrowed byte, and answers deliveries as told (`answer`).

#include <cstddef>
#include <vector>

#include "hardstack/net/stack.hpp"

namespace hardstack::conformance {

class TransportStub final : public net::TransportProtocol {
 public:
  struct Ipv4Delivered {
    net::Ipv4Delivery meta;  // its byte spans are cleared: see the copies
    std::vector<std::byte> payload;
    std::vector<std::byte> options;
    std::vector<std::byte> datagram;
  };
  struct ErrorReported {
    net::IcmpErrorReport report;  // quoted_transport cleared: see the copy
    std::vector<std::byte> quoted_transport;
  };

  net::DeliveryResult answer = net::DeliveryResult::delivered;
  std::vector<Ipv4Delivered> ipv4;
  std::vector<net::Ipv6Delivery> ipv6;
  std::vector<ErrorReported> errors;

  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload,
                                   net::Instant) override {
    Ipv4Delivered d{meta,
                    {payload.begin(), payload.end()},
                    {meta.options.begin(), meta.options.end()},
                    {meta.datagram.begin(), meta.datagram.end()}};
    d.meta.options = {};
    d.meta.datagram = {};
    ipv4.push_back(std::move(d));
    return answer;
  }
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes, net::Instant) override {
    ipv6.push_back(meta);
    ipv6.back().datagram = {};
    return answer;
  }
  void icmp_error(const net::IcmpErrorReport& report, net::Instant) override {
    ErrorReported e{report, {report.quoted_transport.begin(), report.quoted_transport.end()}};
    e.report.quoted_transport = {};
    errors.push_back(std::move(e));
  }
};

}  // namespace hardstack::conformance
