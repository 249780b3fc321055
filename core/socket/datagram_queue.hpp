#pragma once

// A socket's receive queue (LINUX sk_receive_queue): datagrams oldest first,
// in a ring of slots that is reused, each slot keeping its payload buffer when
// its datagram is taken. Once the queue has reached its working depth and
// datagram sizes, queueing a datagram allocates nothing (Linux gets the same
// from its skb caches). What idle slots keep is bounded: pop_front() frees a
// buffer rather than keep more than `retain_limit` bytes idle, so a burst of
// large datagrams does not pin their memory once it is read.

#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "hardstack/wire/bytes.hpp"

namespace hardstack::socket {

// Bytes with a capacity kept across uses; growing does not zero-fill (the
// caller overwrites what it asked for).
class ByteBuffer {
 public:
  ByteBuffer() = default;
  // A copy holds the same bytes in storage of the same capacity (what the
  // queue's accounting of idle buffers counts).
  ByteBuffer(const ByteBuffer& other)
      : bytes_(other.capacity_ == 0 ? nullptr : std::make_unique_for_overwrite<std::byte[]>(other.capacity_)),
        size_(other.size_),
        capacity_(other.capacity_) {
    if (size_ != 0) std::memcpy(bytes_.get(), other.bytes_.get(), size_);
  }
  ByteBuffer& operator=(const ByteBuffer& other) {
    if (this != &other) *this = ByteBuffer(other);
    return *this;
  }
  ByteBuffer(ByteBuffer&&) noexcept = default;
  ByteBuffer& operator=(ByteBuffer&&) noexcept = default;
  ~ByteBuffer() = default;

  std::byte* data() { return bytes_.get(); }
  const std::byte* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  wire::Bytes span() const { return {bytes_.get(), size_}; }
  wire::MutableBytes mutable_span() { return {bytes_.get(), size_}; }
  // Makes the size `n`, keeping the storage if it is large enough; the
  // contents are unspecified until written.
  void resize_for_overwrite(std::size_t n) {
    if (n > capacity_) {
      bytes_ = std::make_unique_for_overwrite<std::byte[]>(n);
      capacity_ = n;
    }
    size_ = n;
  }
  void release() {
    bytes_.reset();
    size_ = capacity_ = 0;
  }

 private:
  std::unique_ptr<std::byte[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// `Datagram` is a plain record with a ByteBuffer `payload`; the queue resets
// every other field of a slot it hands out.
template <typename Datagram>
class DatagramQueue {
 public:
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  Datagram& front() { return slots_[head_]; }
  const Datagram& front() const { return slots_[head_]; }

  // A new datagram at the back: its payload sized `payload_size` (contents
  // unspecified), every other field as a new Datagram's.
  Datagram& push_back(std::size_t payload_size) {
    if (count_ == slots_.size()) grow();
    Datagram& slot = slots_[index(count_)];
    ByteBuffer kept = std::move(slot.payload);
    retained_ -= kept.capacity();
    slot = Datagram{};
    slot.payload = std::move(kept);
    slot.payload.resize_for_overwrite(payload_size);
    ++count_;
    return slot;
  }

  // Takes the oldest datagram away. Its buffer stays with the slot unless the
  // idle slots would then keep more than `retain_limit` bytes.
  void pop_front(std::size_t retain_limit) {
    ByteBuffer& b = slots_[head_].payload;
    if (b.capacity() > retain_limit || retained_ > retain_limit - b.capacity())
      b.release();
    else
      retained_ += b.capacity();
    head_ = index(1);
    --count_;
  }

  // Drops every datagram and frees every buffer.
  void clear() {
    slots_.clear();
    head_ = count_ = retained_ = 0;
  }

  // Bytes of capacity the idle slots keep for reuse.
  std::size_t retained() const { return retained_; }

 private:
  std::size_t index(std::size_t i) const { return (head_ + i) & (slots_.size() - 1); }

  // Twice the slots (at least 8), the datagrams moved to the front in order
  // and the idle slots' buffers with them.
  void grow() {
    std::vector<Datagram> bigger(slots_.empty() ? 8 : slots_.size() * 2);
    for (std::size_t i = 0; i < slots_.size(); ++i) bigger[i] = std::move(slots_[index(i)]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<Datagram> slots_;  // a power of two, or empty
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t retained_ = 0;  // capacity of the buffers idle slots keep
};

}  // namespace hardstack::socket
