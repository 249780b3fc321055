// Plain replay driver: runs LLVMFuzzerTestOneInput over files and directories
// (recursively, skipping dot-files), each input in a heap block of exactly its
// size so ASan or valgrind see any over-read. Fails when no input ran, so a
// missing corpus cannot pass silently. Targets that keep a stack between
// inputs check that each input runs on it as on a fresh one
// (HARDSTACK_FUZZ_SELF_TEST, stack_reuse.hpp): on unless set otherwise.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

bool run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[content.size()]);
  if (!content.empty()) std::memcpy(data.get(), content.data(), content.size());
  LLVMFuzzerTestOneInput(data.get(), content.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  setenv("HARDSTACK_FUZZ_SELF_TEST", "1", 0);
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path root(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_regular_file(root, ec)) {
      if (!run_file(root)) return 1;
      ++count;
      continue;
    }
    if (!std::filesystem::is_directory(root, ec)) {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", root.c_str());
      return 1;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.is_regular_file() && entry.path().filename().string().rfind('.', 0) != 0)
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // the same order every run
    for (const auto& f : files) {
      if (!run_file(f)) return 1;
      ++count;
    }
  }
  std::printf("replay: %zu inputs ran without a finding\n", count);
  return count == 0 ? 1 : 0;
}
