// IPv6 input and output, extension headers, fragmentation, reassembly wiring,
// ICMPv6 and neighbour discovery.
// Placeholder: every datagram is counted and dropped until the IPv6 path lands.

#include <cerrno>

#include "stack_internal.hpp"

namespace hardstack::net {

void Stack::Impl::ipv6_input(Interface&, wire::Bytes, const LinkInfo&, Instant) {
  ++stats.ipv6.in_receives;
  drop(DropReason::ipv6_not_for_us);
}

Result<void, Errno> Stack::Impl::ipv6_output(const Ipv6SendParams&, wire::Bytes, Instant) {
  return Unexpected(ENOSYS);
}

void Stack::Impl::send_icmpv6_error(Interface&, wire::Bytes, const LinkInfo&, std::uint8_t, std::uint8_t,
                                    std::uint32_t, bool, Instant) {}

void Stack::Impl::ipv6_poll(Instant now) { reassembly_v6.poll(now); }

void Stack::Impl::send_neighbor_solicitation(Interface&, const Solicitation<wire::Ipv6Address>&) {}

void Stack::Impl::ipv6_unreachable_neighbor(Interface&, wire::Bytes, Instant) {}

}  // namespace hardstack::net
