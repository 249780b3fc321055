#include "system_entropy.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hardstack::devices {

namespace {
[[noreturn]] void no_entropy(const char* what, int error) {
  if (error != 0) {
    std::fprintf(stderr,
                 "hardstack: SystemEntropy: getrandom(2) %s: %s (errno %d); refusing to run without "
                 "unpredictable randomness\n",
                 what, std::strerror(error), error);
  } else {
    std::fprintf(stderr,
                 "hardstack: SystemEntropy: getrandom(2) %s; refusing to run without unpredictable "
                 "randomness\n",
                 what);
  }
  std::abort();
}
}  // namespace

SystemEntropy::SystemEntropy() : source_(&::getrandom) {}

void SystemEntropy::fill(std::span<std::byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t wanted = out.size() - done;
    const ssize_t n = source_(out.data() + done, wanted, 0);
    if (n < 0) {
      const int error = errno;
      if (error == EINTR) continue;  // a signal arrived before any byte was copied
      no_entropy(error == ENOSYS ? "is not available (Linux 3.17 or later needed)" : "failed", error);
    }
    if (n == 0) no_entropy("returned no bytes", 0);
    if (static_cast<std::size_t>(n) > wanted) no_entropy("returned more bytes than asked for", 0);
    done += static_cast<std::size_t>(n);  // a short read: ask again for the rest
  }
}

}  // namespace hardstack::devices
