#include "kernel_dut.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace hardstack::harness {

const char* to_string(KernelDutErrorKind kind) {
  switch (kind) {
    case KernelDutErrorKind::not_root: return "not_root";
    case KernelDutErrorKind::tun_missing: return "tun_missing";
    case KernelDutErrorKind::ip_missing: return "ip_missing";
    case KernelDutErrorKind::namespace_refused: return "namespace_refused";
    case KernelDutErrorKind::bad_identity: return "bad_identity";
    case KernelDutErrorKind::tap_failed: return "tap_failed";
    case KernelDutErrorKind::setup_failed: return "setup_failed";
  }
  return "unknown";
}

// ---- Programs --------------------------------------------------------------------------------

namespace {

std::string errno_text(int error) {
  return std::string(std::strerror(error)) + " (errno " + std::to_string(error) + ")";
}

// The output without its trailing newlines, for messages.
std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

Unexpected<KernelDutError> fail(KernelDutErrorKind kind, std::string message) {
  return Unexpected(KernelDutError{kind, std::move(message)});
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
  CommandResult result;
  if (argv.empty()) return result;
  // Everything the child needs is made before fork: it only calls
  // async-signal-safe functions (dup2, open, execvp, _exit).
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // execvp's signature; not written
  args.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.output = "pipe2 failed: " + errno_text(errno);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.output = "fork failed: " + errno_text(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return result;
  }
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::execvp(args[0], args.data());
    static constexpr char not_found[] = "exec failed: program not found or not executable\n";
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, not_found, sizeof not_found - 1);
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], chunk, sizeof chunk);
    if (n > 0) {
      result.output.append(chunk, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return result;
  }
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.exit_status = 128 + WTERMSIG(status);
  return result;
}

std::optional<std::string> find_program(std::string_view name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) dirs.emplace_back(dir);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.emplace_back("/usr/sbin");
  dirs.emplace_back("/sbin");
  for (const auto& dir : dirs) {
    const std::string candidate = dir + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// ---- Setting up --------------------------------------------------------------------------------

namespace {

std::optional<std::string> identity_problem(const DutIdentity& id) {
  if (id.mac == wire::MacAddress{} || id.mac.is_multicast())
    return "the MAC " + id.mac.to_string() + " is zero or multicast; the kernel needs a unicast address";
  if (id.ipv4 && id.ipv4_prefix > 32)
    return "the IPv4 prefix /" + std::to_string(id.ipv4_prefix) + " is over 32";
  if (id.ipv6 && id.ipv6_prefix > 128)
    return "the IPv6 prefix /" + std::to_string(id.ipv6_prefix) + " is over 128";
  if (id.mtu < 68 || id.mtu > 65535) return "the MTU " + std::to_string(id.mtu) + " is outside 68..65535";
  // RFC 8200 5: every IPv6 link has an MTU of at least 1280 (Linux turns IPv6 off below it).
  if ((id.ipv6 || id.ipv6_link_local) && id.mtu < 1280)
    return "the MTU " + std::to_string(id.mtu) + " is below IPv6's 1280 and the identity has IPv6 addresses";
  return std::nullopt;
}

std::atomic<unsigned> namespace_counter{0};

// Namespaces <prefix>-<pid>-<n> whose process is gone: what a run killed
// before its destructor (a CTest timeout) left behind. Live runs' are kept.
void remove_stale_namespaces(const std::string& ip, const std::string& prefix) {
  const CommandResult list = run_command({ip, "netns", "list"});
  if (!list.ok()) return;
  const std::string start = prefix + "-";
  std::string_view rest = list.output;
  while (!rest.empty()) {
    const auto eol = rest.find('\n');
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    const std::string_view name = line.substr(0, line.find(' '));  // "name (id: 3)"
    if (name.substr(0, start.size()) != start) continue;
    const std::string_view tail = name.substr(start.size());
    const std::string pid_text(tail.substr(0, tail.find('-')));
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos ||
        pid_text.size() > 9)
      continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    run_command({ip, "netns", "delete", std::string(name)});
  }
}

}  // namespace

Result<std::unique_ptr<KernelDut>, KernelDutError> KernelDut::create(const KernelDutConfig& config) {
  if (const auto problem = identity_problem(config.identity))
    return fail(KernelDutErrorKind::bad_identity, "KernelDut: " + *problem + ".");
  if (::geteuid() != 0) {
    return fail(
        KernelDutErrorKind::not_root,
        "KernelDut needs root: it creates a network namespace and a TAP device (run the test as root, "
        "e.g. in the CI container or with sudo).");
  }
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
    return fail(KernelDutErrorKind::tun_missing,
                "KernelDut: /dev/net/tun cannot be opened: " + errno_text(errno) +
                    " (modprobe tun, or give the container the device).");
  }
  auto ip = find_program("ip");
  if (!ip) {
    return fail(KernelDutErrorKind::ip_missing,
                "KernelDut: the ip command is not installed (apt-get install iproute2).");
  }

  remove_stale_namespaces(*ip, config.namespace_prefix);

  // A name no other run uses: pid and a counter; a stale namespace of the
  // same name (a killed run of an earlier process with this pid) moves us on.
  std::string ns;
  std::string refusal;
  for (int attempt = 0; attempt < 8 && ns.empty(); ++attempt) {
    std::string candidate = config.namespace_prefix + "-" + std::to_string(::getpid()) + "-" +
                            std::to_string(namespace_counter.fetch_add(1));
    const CommandResult r = run_command({*ip, "netns", "add", candidate});
    if (r.ok()) {
      ns = std::move(candidate);
    } else {
      refusal = trimmed(r.output);
      if (refusal.find("File exists") == std::string::npos) break;
    }
  }
  if (ns.empty()) {
    return fail(KernelDutErrorKind::namespace_refused,
                "KernelDut: `ip netns add` failed: " + refusal +
                    " (network namespaces need CAP_SYS_ADMIN and a writable /run/netns).");
  }

  // From here the destructor removes what was made, should a step fail.
  std::unique_ptr<KernelDut> dut(new KernelDut(std::move(*ip), std::move(ns)));
  if (auto set = dut->set_up(config); !set) return Unexpected(set.error());
  return dut;
}

Result<bool, KernelDutError> KernelDut::ip_step(const std::vector<std::string>& args,
                                                std::string_view what) const {
  std::vector<std::string> argv{ip_};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = run_command(argv);
  if (r.ok()) return true;
  return fail(KernelDutErrorKind::setup_failed,
              "KernelDut: " + std::string(what) + " failed (`" + joined(argv) + "` exited " +
                  std::to_string(r.exit_status) + "): " + trimmed(r.output));
}

Result<bool, KernelDutError> KernelDut::write_sysctl(const std::string& path, std::string_view value) const {
  // /proc/sys/net shows the namespace of the process that opens it: a child
  // joins the namespace and writes there, the test's own thread stays put.
  const std::string ns_path = "/run/netns/" + namespace_;
  const std::string text = std::string(value) + "\n";
  const pid_t pid = ::fork();
  if (pid < 0) return fail(KernelDutErrorKind::setup_failed, "KernelDut: fork failed: " + errno_text(errno));
  if (pid == 0) {
    // Exit codes: 0 written; 1 namespace open/setns; 2 open; 3 write.
    const int ns_fd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0 || ::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(1);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) ::_exit(2);
    const auto n = ::write(fd, text.data(), text.size());
    ::_exit(n == static_cast<ssize_t>(text.size()) ? 0 : 3);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return fail(KernelDutErrorKind::setup_failed, "KernelDut: waitpid failed: " + errno_text(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  static constexpr const char* steps[] = {"", "joining the namespace", "opening", "writing"};
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  return fail(KernelDutErrorKind::setup_failed,
              "KernelDut: setting " + path + " to " + std::string(value) + " in namespace " + namespace_ +
                  " failed at " + (code >= 1 && code <= 3 ? steps[code] : "an unknown step"));
}

Result<bool, KernelDutError> KernelDut::set_up(const KernelDutConfig& config) {
  identity_ = config.identity;
  if (!identity_.ipv6_link_local) identity_.ipv6_link_local = eui64_link_local(identity_.mac);

  // The TAP is made in our namespace under a name the kernel picks, then moved.
  auto tap =
      devices::TapDevice::open({.name = "hsdut%d", .mode = devices::TunMode::tap, .mtu = identity_.mtu});
  if (!tap) {
    const auto kind = tap.error().kind == devices::DeviceErrorKind::tun_missing
                          ? KernelDutErrorKind::tun_missing
                          : KernelDutErrorKind::tap_failed;
    return fail(kind, "KernelDut: " + tap.error().message);
  }
  interface_ = tap->name();
  tap_.emplace(std::move(*tap));
  buffer_.resize(65535 + 18);  // the longest frame a TAP hands out (TapDevice's limit)

  const std::string& dev = interface_;
  const std::string mac = identity_.mac.to_string();
  if (auto r = ip_step({"link", "set", "dev", dev, "netns", namespace_}, "moving the TAP into the namespace");
      !r)
    return r;
  const std::vector<std::string> in_ns{"-n", namespace_};
  auto step = [&](std::vector<std::string> args, std::string_view what) {
    args.insert(args.begin(), in_ns.begin(), in_ns.end());
    return ip_step(args, what);
  };
  if (auto r = step({"link", "set", "dev", "lo", "up"}, "bringing lo up"); !r) return r;
  if (auto r = step({"link", "set", "dev", dev, "address", mac}, "setting the MAC"); !r) return r;
  // Only the link-local address we give: no kernel-made one (and its DAD).
  if (auto r = step({"link", "set", "dev", dev, "addrgenmode", "none"}, "turning address generation off"); !r)
    return r;
  // RFC 4862 5.4: no duplicate address detection on this link, so the
  // addresses answer as soon as the link is up.
  if (auto r = write_sysctl("/proc/sys/net/ipv6/conf/" + dev + "/accept_dad", "0"); !r) return r;
  if (identity_.ipv4) {
    const std::string a = identity_.ipv4->to_string() + "/" + std::to_string(identity_.ipv4_prefix);
    if (auto r = step({"addr", "add", a, "dev", dev}, "adding the IPv4 address"); !r) return r;
  }
  if (identity_.ipv6) {
    const std::string a = identity_.ipv6->to_string() + "/" + std::to_string(identity_.ipv6_prefix);
    if (auto r = step({"-6", "addr", "add", a, "dev", dev, "nodad"}, "adding the IPv6 address"); !r) return r;
  }
  {
    const std::string a = identity_.ipv6_link_local->to_string() + "/64";
    if (auto r = step({"-6", "addr", "add", a, "dev", dev, "nodad"}, "adding the link-local address"); !r)
      return r;
  }
  if (auto r = step({"link", "set", "dev", dev, "up"}, "bringing the TAP up"); !r) return r;
  return true;
}

KernelDut::~KernelDut() {
  for (const int fd : sockets_) ::close(fd);
  // The TAP first: closing it deletes the interface, wherever it is.
  tap_.reset();
  const CommandResult r = run_command({ip_, "netns", "delete", namespace_});
  if (!r.ok()) {
    std::fprintf(stderr, "KernelDut: deleting namespace %s failed: %s\n", namespace_.c_str(),
                 trimmed(r.output).c_str());
  }
}

CommandResult KernelDut::ip_in_namespace(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{ip_, "-n", namespace_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

// ---- The wire and time ------------------------------------------------------------------------

bool KernelDut::to_dut(std::span<const std::byte> frame) { return tap_->transmit(frame); }

std::optional<DutFrame> KernelDut::from_dut(net::Duration wait) {
  // A wait past the clock's range waits "forever" (until Instant::never()).
  const net::Instant start = now();
  const net::Instant deadline = wait <= net::Duration::zero()           ? start
                                : wait >= net::Instant::never() - start ? net::Instant::never()
                                                                        : start + wait;
  for (;;) {
    if (const auto n = tap_->receive(buffer_)) {
      const std::size_t len = *n < buffer_.size() ? *n : buffer_.size();
      return DutFrame{
          std::vector<std::byte>(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(len)), now()};
    }
    const net::Instant t = now();
    if (t >= deadline) return std::nullopt;
    const std::int64_t left = (deadline - t).count_ns();
    const timespec timeout{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
    pollfd pfd{tap_->fd(), POLLIN, 0};
    ::ppoll(&pfd, 1, &timeout, nullptr);  // EINTR or a timeout: the loop looks again
  }
}

void KernelDut::advance(net::Duration d) {
  if (d <= net::Duration::zero()) return;
  timespec left{static_cast<time_t>(d.count_ns() / 1000000000), static_cast<long>(d.count_ns() % 1000000000)};
  while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

namespace {
// A system call's result the way the stack's calls return it: -errno on failure.
template <typename T>
T result(T r) {
  return r < 0 ? static_cast<T>(-errno) : r;
}
}  // namespace

int KernelDut::socket(int domain, int type, int protocol) {
  // setns() moves only this thread; back to where it was once the socket exists.
  const int here = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (here < 0) return -errno;
  const std::string path = "/run/netns/" + namespace_;
  const int there = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (there < 0) {
    const int e = errno;
    ::close(here);
    return -e;
  }
  int fd = -EINVAL;
  if (::setns(there, CLONE_NEWNET) == 0) {
    fd = result(::socket(domain, type, protocol));
    if (::setns(here, CLONE_NEWNET) != 0) {
      std::fprintf(stderr, "KernelDut: cannot return to the original network namespace: %s\n",
                   errno_text(errno).c_str());
      std::abort();
    }
  } else {
    fd = -errno;
  }
  ::close(there);
  ::close(here);
  if (fd >= 0) sockets_.push_back(fd);
  return fd;
}

bool KernelDut::owns(int fd) const {
  return std::find(sockets_.begin(), sockets_.end(), fd) != sockets_.end();
}

int KernelDut::bind(int fd, const sockaddr* address, socklen_t length) {
  if (!owns(fd)) return -EBADF;
  return result(::bind(fd, address, length));
}
int KernelDut::connect(int fd, const sockaddr* address, socklen_t length) {
  if (!owns(fd)) return -EBADF;
  return result(::connect(fd, address, length));
}
int KernelDut::listen(int fd, int backlog) {
  if (!owns(fd)) return -EBADF;
  return result(::listen(fd, backlog));
}
int KernelDut::accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  if (!owns(fd)) return -EBADF;
  // The connection was made in the namespace: its descriptor is the DUT's too.
  const int child = result(::accept4(fd, address, length, flags));
  if (child >= 0) sockets_.push_back(child);
  return child;
}
ssize_t KernelDut::sendmsg(int fd, const msghdr* message, int flags) {
  if (!owns(fd)) return -EBADF;
  return result(::sendmsg(fd, message, flags | MSG_NOSIGNAL));
}
ssize_t KernelDut::recvmsg(int fd, msghdr* message, int flags) {
  return result(::recvmsg(fd, message, flags));
}
int KernelDut::setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  if (!owns(fd)) return -EBADF;
  return result(::setsockopt(fd, level, name, value, length));
}
int KernelDut::getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  if (!owns(fd)) return -EBADF;
  return result(::getsockopt(fd, level, name, value, length));
}
int KernelDut::getsockname(int fd, sockaddr* address, socklen_t* length) {
  if (!owns(fd)) return -EBADF;
  return result(::getsockname(fd, address, length));
}
int KernelDut::shutdown(int fd, int how) {
  if (!owns(fd)) return -EBADF;
  return result(::shutdown(fd, how));
}
int KernelDut::close(int fd) {
  const auto it = std::find(sockets_.begin(), sockets_.end(), fd);
  if (it == sockets_.end()) return -EBADF;  // not one of the DUT's
  sockets_.erase(it);
  return result(::close(fd));
}
short KernelDut::wait_for(int fd, short events, net::Duration wait) {
  if (std::find(sockets_.begin(), sockets_.end(), fd) == sockets_.end()) return POLLNVAL;
  pollfd p{fd, events, 0};
  const auto ms = wait.count_ns() / 1000000;
  const int r = ::poll(&p, 1, ms > 60000 ? 60000 : static_cast<int>(ms));
  return r > 0 ? p.revents : 0;
}

}  // namespace hardstack::harness
