// AFL++ persistent-mode driver (built with afl-clang-fast++): the same
// LLVMFuzzerTestOneInput, fed from shared memory without a fork per input.
// Each input is copied into a heap block of its exact size so sanitizers see
// over-reads that the larger shared buffer would hide.
#include <cstdint>
#include <cstring>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

__AFL_FUZZ_INIT();

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  __AFL_INIT();
  const unsigned char* shared = __AFL_FUZZ_TESTCASE_BUF;
  while (__AFL_LOOP(100000)) {
    const auto size = static_cast<std::size_t>(__AFL_FUZZ_TESTCASE_LEN);
    const std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[size]);
    if (size != 0) std::memcpy(data.get(), shared, size);
    LLVMFuzzerTestOneInput(data.get(), size);
  }
  return 0;
}
