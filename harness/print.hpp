// operator<< for the core's value types, so Boost.Test (and any iostream) can
// print them when a check fails. Tests include it; the core never does.
#pragma once

#include <optional>
#include <ostream>

#include "hardstack/net/stack.hpp"
#include "hardstack/net/time.hpp"
#include "hardstack/wire/address.hpp"

namespace hardstack::wire {
inline std::ostream& operator<<(std::ostream& os, const MacAddress& a) { return os << a.to_string(); }
inline std::ostream& operator<<(std::ostream& os, const Ipv4Address& a) { return os << a.to_string(); }
inline std::ostream& operator<<(std::ostream& os, const Ipv6Address& a) { return os << a.to_string(); }
}  // namespace hardstack::wire

namespace hardstack::net {
inline std::ostream& operator<<(std::ostream& os, DropReason r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, const std::optional<DropReason>& r) {
  return r ? os << to_string(*r) : os << "(none)";
}
inline std::ostream& operator<<(std::ostream& os, ConfigErrorCode c) { return os << to_string(c); }
inline std::ostream& operator<<(std::ostream& os, InterfaceId i) {
  return os << "if" << static_cast<unsigned>(i);
}
inline std::ostream& operator<<(std::ostream& os, Instant t) { return os << t.ns() << " ns"; }
inline std::ostream& operator<<(std::ostream& os, Duration d) { return os << d.count_ns() << " ns"; }
}  // namespace hardstack::net
