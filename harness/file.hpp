// Whole files as bytes, for the tools and tests that read captures, logs and corpora.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hardstack::harness {

// The file's bytes into `out` (replaced); false when it cannot be opened or read.
bool read_file(const std::string& path, std::vector<std::byte>& out);

}  // namespace hardstack::harness
