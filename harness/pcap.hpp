// A pcap (libpcap classic format) writer: every frame a test or tool sends or
// receives can be opened in Wireshark. Timestamps are given by the caller
// (virtual time), never read from a clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

namespace hardstack::harness {

enum class PcapLinkType : std::uint32_t {
  ethernet = 1,  // LINKTYPE_ETHERNET
  raw_ip = 101,  // LINKTYPE_RAW: IPv4 or IPv6 by the version nibble
};

class PcapWriter {
 public:
  PcapWriter() = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  ~PcapWriter();

  // Creates (truncates) `path` and writes the file header. False on I/O error.
  bool open(const std::string& path, PcapLinkType link, std::uint32_t snaplen = 262144);
  // Appends one record; frames longer than snaplen are cut, as captures are.
  bool write(std::span<const std::byte> frame, std::uint64_t timestamp_ns);
  bool close();
  bool is_open() const { return file_ != nullptr; }

 private:
  std::FILE* file_ = nullptr;
  std::uint32_t snaplen_ = 0;
};

}  // namespace hardstack::harness
