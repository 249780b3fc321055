// tcp_reset_check: a client on the kernel's own TCP sockets that checks what
// a Linux application sees from a peer that closes with data unread (RFC 2525
// 2.17, RFC 1122 4.2.2.13: the close is a RST, not a FIN). For
// tools/tap_server_test.sh, against tap_server's close-unread service (TCP
// port 10: accept, wait 200 ms, close without reading).
//
//   tcp_reset_check ADDRESS PORT [--then read|write|eof] [--bytes N] [--min-ms M]
//
//   --then read   (default) write N bytes, then a blocking read must fail with
//                 ECONNRESET, at least M ms after connecting (the server waited);
//                 a write after it must fail with EPIPE (the connection is gone).
//   --then write  write N bytes, sleep until well past the server's close, then
//                 a write must fail with ECONNRESET (the error the RST left).
//   --then eof    write nothing: the server's close is a FIN, a read returns 0.
//
// Exit 0 when the kernel reported what is expected, 1 otherwise (with what it
// reported), 2 on a usage error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void usage() {
  std::fputs("usage: tcp_reset_check ADDRESS PORT [--then read|write|eof] [--bytes N] [--min-ms M]\n",
             stderr);
  std::exit(2);
}

std::string describe(long result, int error) {
  if (result >= 0) return "returned " + std::to_string(result);
  return std::string("failed with ") + strerrorname_np(error) + " (" + std::strerror(error) + ")";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) usage();
  const std::string address = argv[1];
  const int port = std::atoi(argv[2]);
  std::string_view then = "read";
  std::size_t bytes = 1000;
  long min_ms = 150;
  for (int i = 3; i < argc; i += 2) {
    if (i + 1 >= argc) usage();
    const std::string_view flag = argv[i];
    if (flag == "--then")
      then = argv[i + 1];
    else if (flag == "--bytes")
      bytes = std::strtoul(argv[i + 1], nullptr, 10);
    else if (flag == "--min-ms")
      min_ms = std::strtol(argv[i + 1], nullptr, 10);
    else
      usage();
  }
  if (then != "read" && then != "write" && then != "eof") usage();
  if (port <= 0 || port > 65535 || bytes == 0) usage();

  sockaddr_storage to{};
  socklen_t to_length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&to);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&to);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    to_length = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    to_length = sizeof *v6;
  } else {
    usage();
  }

  const int fd = ::socket(to.ss_family, SOCK_STREAM, 0);
  if (fd < 0) {
    std::perror("tcp_reset_check: socket");
    return 1;
  }
  const timeval timeout{3, 0};  // no hang if the server never answers
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed_ms = [&] {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
            .count());
  };
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), to_length) < 0) {
    std::printf("connect to %s port %d %s\n", address.c_str(), port, describe(-1, errno).c_str());
    return 1;
  }

  const std::vector<char> data(bytes, 'x');
  if (then != "eof") {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(data.size())) {
      std::printf("the first write of %zu bytes %s\n", bytes, describe(n, errno).c_str());
      return 1;
    }
  }

  bool ok = true;
  char buffer[4096];
  if (then == "read" || then == "eof") {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    const int error = errno;
    const long ms = elapsed_ms();
    const bool expected = then == "read" ? (n < 0 && error == ECONNRESET) : n == 0;
    std::printf("read after %ld ms %s (expected %s)\n", ms, describe(n, error).c_str(),
                then == "read" ? "ECONNRESET" : "0, the server's FIN");
    ok = expected && ms >= min_ms;
    if (expected && ms < min_ms) std::printf("  too early: the server should have waited %ld ms\n", min_ms);
    if (then == "read") {
      // The RST has been reported: the connection is gone (LINUX tcp_sendmsg: EPIPE).
      const ssize_t w = ::send(fd, data.data(), 1, MSG_NOSIGNAL);
      const int werror = errno;
      std::printf("a write after it %s (expected EPIPE)\n", describe(w, werror).c_str());
      ok = ok && w < 0 && werror == EPIPE;
    }
  } else {
    // Well past the server's close: the RST is in, and the write reports it.
    std::this_thread::sleep_for(std::chrono::milliseconds(min_ms + 400));
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    const int error = errno;
    std::printf("write after %ld ms %s (expected ECONNRESET)\n", elapsed_ms(), describe(n, error).c_str());
    ok = n < 0 && error == ECONNRESET;
  }
  ::close(fd);
  return ok ? 0 : 1;
}
