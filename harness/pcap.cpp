#include "pcap.hpp"

#include <algorithm>
#include <array>

namespace hardstack::harness {

namespace {
// pcap files are written in the writer's byte order; the magic tells readers which.
void put32(std::array<unsigned char, 24>& b, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}
void put16(std::array<unsigned char, 24>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<unsigned char>(v & 0xff);
  b[at + 1] = static_cast<unsigned char>(v >> 8);
}
}  // namespace

PcapWriter::~PcapWriter() { close(); }

bool PcapWriter::open(const std::string& path, PcapLinkType link, std::uint32_t snaplen) {
  close();
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return false;
  snaplen_ = snaplen;
  std::array<unsigned char, 24> header{};
  put32(header, 0, 0xa1b23c4d);  // nanosecond-resolution magic, little-endian
  put16(header, 4, 2);
  put16(header, 6, 4);
  put32(header, 8, 0);   // thiszone
  put32(header, 12, 0);  // sigfigs
  put32(header, 16, snaplen);
  put32(header, 20, static_cast<std::uint32_t>(link));
  return std::fwrite(header.data(), 1, header.size(), file_) == header.size();
}

bool PcapWriter::write(std::span<const std::byte> frame, std::uint64_t timestamp_ns) {
  if (file_ == nullptr) return false;
  const auto captured = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), snaplen_));
  std::array<unsigned char, 24> record{};  // first 16 bytes used
  put32(record, 0, static_cast<std::uint32_t>(timestamp_ns / 1000000000u));
  put32(record, 4, static_cast<std::uint32_t>(timestamp_ns % 1000000000u));
  put32(record, 8, captured);
  put32(record, 12, static_cast<std::uint32_t>(frame.size()));
  if (std::fwrite(record.data(), 1, 16, file_) != 16) return false;
  return std::fwrite(frame.data(), 1, captured, file_) == captured;
}

bool PcapWriter::close() {
  if (file_ == nullptr) return true;
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  return ok;
}

}  // namespace hardstack::harness
