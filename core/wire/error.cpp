#include "error.hpp"

namespace hardstack::wire {

const char* to_string(WireError e) {
  switch (e) {
    case WireError::truncated: return "truncated";
    case WireError::bad_version: return "bad_version";
    case WireError::bad_header_length: return "bad_header_length";
    case WireError::bad_total_length: return "bad_total_length";
    case WireError::bad_length: return "bad_length";
    case WireError::bad_checksum: return "bad_checksum";
    case WireError::bad_option_length: return "bad_option_length";
    case WireError::bad_option_pointer: return "bad_option_pointer";
    case WireError::bad_option_value: return "bad_option_value";
    case WireError::duplicate_option: return "duplicate_option";
    case WireError::option_overflow: return "option_overflow";
    case WireError::bad_padding: return "bad_padding";
    case WireError::too_many_options: return "too_many_options";
    case WireError::hop_by_hop_not_first: return "hop_by_hop_not_first";
    case WireError::unknown_next_header: return "unknown_next_header";
    case WireError::chain_too_long: return "chain_too_long";
    case WireError::unsupported: return "unsupported";
    case WireError::bad_field: return "bad_field";
    case WireError::buffer_too_small: return "buffer_too_small";
    case WireError::unrepresentable: return "unrepresentable";
    case WireError::incomplete_header_chain: return "incomplete_header_chain";
  }
  return "unknown_error";
}

std::string describe(const ParseError& e) {
  return std::string(to_string(e.code)) + " at byte " + std::to_string(e.offset);
}

}  // namespace hardstack::wire
