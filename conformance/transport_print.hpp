#pragma once

// operator<< for the socket layer's drop reasons, so Boost.Test prints them
// when a check fails (the socket, UDP and TCP suites share it).

#include <optional>
#include <ostream>

#include "hardstack/socket/socket.hpp"

namespace hardstack::socket {
inline std::ostream& operator<<(std::ostream& os, TransportDropReason r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, const std::optional<TransportDropReason>& r) {
  return r ? os << to_string(*r) : os << "(none)";
}
}  // namespace hardstack::socket
