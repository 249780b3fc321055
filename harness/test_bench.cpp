#include "test_bench.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <ostream>

#include "builders_internal.hpp"
#include "memory_link.hpp"

namespace hardstack::harness {

// ---- Paths, filters, results -------------------------------------------------------------------

std::string default_pcap_path(std::string_view test_name) {
  const char* env = std::getenv("HARDSTACK_PCAP_DIR");
  std::string dir = (env != nullptr && *env != '\0') ? env : "pcap";
  std::string name(test_name);
  for (char& c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_';
    if (!keep) c = '_';
  }
  if (name.empty()) name = "unnamed";
  return dir + "/" + name + ".pcap";
}

namespace {

std::string_view value_of(const DecodedLayer* layer, std::string_view field) {
  if (layer == nullptr) return {};
  const DecodedField* f = layer->field(field);
  return f == nullptr ? std::string_view() : std::string_view(f->value);
}

bool icmpv6_message(const DecodedFrame& d, std::string_view message) {
  return value_of(d.find("ICMPv6"), "message") == message;
}

}  // namespace

FrameFilter arp_requests() {
  return {"arp_requests", [](const DecodedFrame& d) { return value_of(d.find("ARP"), "operation") == "1"; }};
}
FrameFilter neighbor_solicitations() {
  return {"neighbor_solicitations",
          [](const DecodedFrame& d) { return icmpv6_message(d, "neighbor_solicitation"); }};
}
FrameFilter router_solicitations() {
  return {"router_solicitations",
          [](const DecodedFrame& d) { return icmpv6_message(d, "router_solicitation"); }};
}
FrameFilter mld_reports() {
  return {"mld_reports", [](const DecodedFrame& d) {
            // RFC 2710 3: report 131, done 132; RFC 3810 5.2: version 2 report 143.
            const std::string_view type = value_of(d.find("ICMPv6"), "type");
            return type == "131" || type == "132" || type == "143";
          }};
}
FrameFilter link_chatter() {
  return {"link_chatter", [arp = arp_requests(), ns = neighbor_solicitations(), rs = router_solicitations(),
                           mld = mld_reports()](const DecodedFrame& d) {
            return arp.matches(d) || ns.matches(d) || rs.matches(d) || mld.matches(d);
          }};
}

std::ostream& operator<<(std::ostream& out, const ExpectResult& r) { return out << r.message(); }

// ---- TestBench ------------------------------------------------------------------------------

namespace {

std::string link_name(net::LinkType link) { return link == net::LinkType::ethernet ? "Ethernet" : "raw IP"; }

// "12.345 ms"
std::string milliseconds(net::Duration d) {
  std::int64_t ns = d.count_ns();
  const bool negative = ns < 0;
  if (negative)
    ns = ns == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max() : -ns;
  const std::int64_t us = ns / 1000;
  std::string frac = std::to_string(us % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return (negative ? "-" : "") + std::to_string(us / 1000) + "." + frac + " ms";
}

// t + d, at most Instant::never(); a negative d counts as zero.
net::Instant deadline_after(net::Instant t, net::Duration d) {
  if (d <= net::Duration::zero()) return t;
  if (t.ns() > 0 && d.count_ns() > std::numeric_limits<std::int64_t>::max() - t.ns())
    return net::Instant::never();
  return t + d;
}

std::string decoded_text(const DecodedFrame& d) {
  return "  (" + std::to_string(d.size) + " bytes, " + link_name(d.link) + ")\n" + d.to_string("  ");
}

}  // namespace

TestBench::TestBench(Dut& dut, TestBenchConfig config)
    : dut_(&dut), config_(std::move(config)), start_(dut.now()) {
  pcap_path_ = !config_.pcap_path.empty()   ? config_.pcap_path
               : !config_.test_name.empty() ? default_pcap_path(config_.test_name)
                                            : std::string();
  if (pcap_path_.empty()) return;
  const std::filesystem::path parent = std::filesystem::path(pcap_path_).parent_path();
  std::error_code ignored;  // open() reports a folder that could not be made
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  if (!pcap_.open(pcap_path_, pcap_link_type(dut.link_type()))) {
    const int error = errno;
    pcap_error_ = "cannot create the capture " + pcap_path_ + ": " + std::strerror(error);
  }
}

TestBench::~TestBench() { close_pcap(); }

MatchResult TestBench::pcap_status() const {
  if (pcap_error_.empty()) return {};
  return MatchResult::mismatch("\n" + pcap_error_ + "\n");
}

void TestBench::close_pcap() {
  if (pcap_.is_open() && !pcap_.close() && pcap_error_.empty())
    pcap_error_ = "closing the capture " + pcap_path_ + " failed";
}

void TestBench::record(std::span<const std::byte> frame, net::Instant time) {
  if (!pcap_.is_open()) return;
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(time.ns(), 0));
  if (!pcap_.write(frame, ns)) {
    pcap_error_ = "writing the capture " + pcap_path_ + " failed";
    pcap_.close();
  }
}

std::string TestBench::at(net::Instant t) const { return milliseconds(t - start_); }

std::string TestBench::skipped_note() const {
  if (skipped_now_.empty()) return "";
  std::string out = "; " + std::to_string(skipped_now_.size()) +
                    (skipped_now_.size() == 1 ? " frame" : " frames") + " skipped before it (";
  for (std::size_t i = 0; i < skipped_now_.size(); ++i) out += (i == 0 ? "" : ", ") + skipped_now_[i];
  return out + ")";
}

// ---- The peer's frames -------------------------------------------------------------------------

void TestBench::send(std::span<const std::byte> frame) {
  record(frame, dut_->now());
  dut_->to_dut(frame);
}

MatchResult TestBench::inject(std::span<const std::byte> frame) {
  drain();
  record(frame, dut_->now());
  if (dut_->to_dut(frame)) return {};
  return MatchResult::mismatch("\ninject: the DUT (" + std::string(dut_->name()) +
                               ") did not take the frame at " + at(dut_->now()) + "\n" +
                               decoded_text(decode(Frame(frame, dut_->link_type()))));
}

Packet TestBench::link_to_dut() const {
  if (dut_->link_type() != net::LinkType::ethernet) return {};
  return eth(config_.peer_mac, dut_->identity().mac);
}

Ipv4Layer TestBench::ipv4_to_dut() const {
  if (!config_.peer_ipv4 || !dut_->identity().ipv4)
    detail::builder_failure("TestBench::ipv4_to_dut(): the peer or the DUT (%s) has no IPv4 address",
                            std::string(dut_->name()).c_str());
  return ipv4(*config_.peer_ipv4, *dut_->identity().ipv4);
}

Ipv6Layer TestBench::ipv6_to_dut() const {
  if (!config_.peer_ipv6 || !dut_->identity().ipv6)
    detail::builder_failure("TestBench::ipv6_to_dut(): the peer or the DUT (%s) has no IPv6 address",
                            std::string(dut_->name()).c_str());
  return ipv6(*config_.peer_ipv6, *dut_->identity().ipv6);
}

void TestBench::advance(net::Duration d) {
  // Through from_dut() rather than Dut::advance(), so the peer answers a
  // solicitation when it is sent: a virtual DUT stops its clock at each frame.
  const net::Instant deadline = deadline_after(dut_->now(), d);
  while (pull(dut_->now() >= deadline ? net::Duration::zero() : deadline - dut_->now()) ||
         dut_->now() < deadline) {
  }
}

// ---- The DUT's frames ---------------------------------------------------------------------------

bool TestBench::answer(const DecodedFrame& d) {
  if (d.link != net::LinkType::ethernet || d.error) return false;
  const DecodedLayer* ethernet_layer = d.find("Ethernet");

  // RFC 826: a request for our protocol address gets a reply from our hardware address.
  if (const DecodedLayer* arp = d.find("ARP"); arp != nullptr) {
    if (!config_.peer_ipv4 || value_of(arp, "operation") != "1" ||
        value_of(arp, "target_ip") != config_.peer_ipv4->to_string())
      return false;
    const auto sender_mac = wire::MacAddress::from_string(value_of(arp, "sender_mac"));
    const auto sender_ip = wire::Ipv4Address::from_string(value_of(arp, "sender_ip"));
    if (!sender_mac || !sender_ip) return false;
    const std::vector<std::byte> reply =
        eth(config_.peer_mac, *sender_mac) /
        arp_reply(config_.peer_mac, *config_.peer_ipv4, *sender_mac, *sender_ip);
    send(reply);
    ++neighbor_answers_;
    return true;
  }

  const DecodedLayer* ip = d.find("IPv6");
  const DecodedLayer* icmp = d.find("ICMPv6");
  if (ip == nullptr || icmp == nullptr || value_of(icmp, "message") != "neighbor_solicitation") return false;
  // RFC 4861 7.1.1: a valid NS has hop limit 255 and a correct checksum; a
  // DUT that sends another is shown to the scenario, not answered.
  if (value_of(ip, "hop_limit") != "255" || icmp->checksum_ok != true) return false;
  const std::string_view target_text = value_of(icmp, "target");
  const bool ours =
      (config_.peer_ipv6 && target_text == config_.peer_ipv6->to_string()) ||
      (config_.peer_ipv6_link_local && target_text == config_.peer_ipv6_link_local->to_string());
  if (!ours) return false;
  const auto target = wire::Ipv6Address::from_string(target_text);
  const auto source = wire::Ipv6Address::from_string(value_of(ip, "src"));
  // Duplicate address detection (unspecified source) is not resolution: left to the scenario.
  if (!target || !source || source->is_unspecified()) return false;
  const std::string_view slla = value_of(icmp, "slla");
  const auto to_mac = wire::MacAddress::from_string(slla.empty() ? value_of(ethernet_layer, "src") : slla);
  if (!to_mac) return false;
  // RFC 4861 7.2.4: to the solicitation's source, Solicited and Override set,
  // with our link-layer address.
  const std::vector<std::byte> advertisement =
      eth(config_.peer_mac, *to_mac) / ipv6(*target, *source).hop_limit(255) /
      nd_na(*target).solicited().override_flag().options(tlla(config_.peer_mac));
  send(advertisement);
  ++neighbor_answers_;
  return true;
}

bool TestBench::pull(net::Duration wait) {
  auto frame = dut_->from_dut(wait);
  if (!frame) return false;
  record(frame->bytes, frame->time);
  DecodedFrame decoded = decode(Frame(frame->bytes, dut_->link_type()));
  if (config_.answer_neighbor_solicitations && answer(decoded)) return true;
  queue_.push_back({std::move(*frame), std::move(decoded)});
  return true;
}

void TestBench::drain() {
  // Bounded, should a real DUT never stop talking.
  for (int i = 0; i < 100000 && pull(net::Duration::zero()); ++i) {
  }
}

std::optional<TestBench::Received> TestBench::pop_unfiltered() {
  while (!queue_.empty()) {
    Received r = std::move(queue_.front());
    queue_.pop_front();
    const auto filter = std::find_if(filters_.begin(), filters_.end(),
                                     [&](const FrameFilter& f) { return f.matches(r.decoded); });
    if (filter == filters_.end()) return r;
    ++skipped_;
    skipped_now_.push_back(filter->name);
  }
  return std::nullopt;
}

std::optional<TestBench::Received> TestBench::next_received(net::Duration timeout) {
  skipped_now_.clear();
  const net::Instant deadline = deadline_after(dut_->now(), timeout);
  bool polled = false;
  for (;;) {
    if (auto r = pop_unfiltered()) return r;
    const net::Instant now = dut_->now();
    if (polled && now >= deadline) return std::nullopt;
    pull(now >= deadline ? net::Duration::zero() : deadline - now);
    polled = true;
  }
}

std::optional<DutFrame> TestBench::next_frame(net::Duration timeout) {
  auto r = next_received(timeout);
  if (!r) return std::nullopt;
  return std::move(r->frame);
}

ExpectResult TestBench::expect(const LayerExpect& expected, net::Duration timeout, std::string_view what) {
  const net::Instant begin = dut_->now();
  auto r = next_received(timeout);
  if (!r) {
    return ExpectResult::failed("\n" + std::string(what) + ": no frame from the DUT (" +
                                std::string(dut_->name()) + ") within " + milliseconds(timeout) + " from " +
                                at(begin) + skipped_note() + "\nexpected:\n" + to_string(expected));
  }
  const MatchResult m = match_frame(Frame(r->frame.bytes, dut_->link_type()), expected, what);
  if (m) return ExpectResult::matched(std::move(r->frame));
  return ExpectResult::failed(m.message() + "sent by the DUT at " + at(r->frame.time) + skipped_note() + "\n",
                              std::move(r->frame));
}

ExpectResult TestBench::expect_exactly(const Packet& exactly, net::Duration timeout) {
  const net::Instant begin = dut_->now();
  auto r = next_received(timeout);
  if (!r) {
    return ExpectResult::failed("\nexpect_exactly: no frame from the DUT (" + std::string(dut_->name()) +
                                ") within " + milliseconds(timeout) + " from " + at(begin) + skipped_note() +
                                "\nexpected:\n" + decode(exactly).to_string("  "));
  }
  const MatchResult m = expect_frame(Frame(r->frame.bytes, dut_->link_type()), exactly);
  if (m) return ExpectResult::matched(std::move(r->frame));
  return ExpectResult::failed(m.message() + "sent by the DUT at " + at(r->frame.time) + skipped_note() + "\n",
                              std::move(r->frame));
}

MatchResult TestBench::expect_none(net::Duration window) {
  const net::Instant begin = dut_->now();
  auto r = next_received(window);
  if (!r) return {};
  const net::Instant t = r->frame.time;
  const std::string when = t < begin
                               ? "before the " + milliseconds(window) + " window began"
                               : milliseconds(t - begin) + " into the " + milliseconds(window) + " window";
  return MatchResult::mismatch("\nexpect_none: the DUT (" + std::string(dut_->name()) + ") sent a frame at " +
                               at(t) + ", " + when + skipped_note() + ":\n" + decoded_text(r->decoded));
}

void TestBench::skip(FrameFilter filter) { filters_.push_back(std::move(filter)); }
void TestBench::clear_skips() { filters_.clear(); }

}  // namespace hardstack::harness
