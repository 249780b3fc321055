#include "file.hpp"

#include <fstream>
#include <iterator>

namespace hardstack::harness {

bool read_file(const std::string& path, std::vector<std::byte>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::vector<char> content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return false;
  out.resize(content.size());
  for (std::size_t i = 0; i < content.size(); ++i) out[i] = static_cast<std::byte>(content[i]);
  return true;
}

}  // namespace hardstack::harness
