// IPv4 input and output, options, fragmentation, reassembly wiring and ICMPv4.
// Placeholder: every datagram is counted and dropped until the IPv4 path lands.

#include <cerrno>

#include "stack_internal.hpp"

namespace hardstack::net {

void Stack::Impl::ipv4_input(Interface&, wire::Bytes, const LinkInfo&, Instant) {
  ++stats.ipv4.in_receives;
  drop(DropReason::ipv4_not_for_us);
}

Result<void, Errno> Stack::Impl::ipv4_output(const Ipv4SendParams&, wire::Bytes, Instant) {
  return Unexpected(ENOSYS);
}

void Stack::Impl::send_icmpv4_error(Interface&, wire::Bytes, const LinkInfo&, std::uint8_t, std::uint8_t,
                                    std::uint32_t, Instant) {}

void Stack::Impl::ipv4_poll(Instant now) { reassembly_v4.poll(now); }

std::uint16_t Stack::Impl::next_ipv4_id(const wire::Ipv4Address&) {
  return static_cast<std::uint16_t>(ipv4_next_id++);
}

void Stack::Impl::ipv4_unreachable_neighbor(Interface&, wire::Bytes, Instant) {}

}  // namespace hardstack::net
