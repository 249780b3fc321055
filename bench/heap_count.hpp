// Every heap allocation of the program counted, for the memory benchmarks:
// include in exactly one translation unit of a program (it replaces the global
// operator new and delete). Single-threaded. A block counts its usable size
// plus the 8-byte header glibc's allocator puts before each chunk.
#pragma once

#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace hardstack::bench {

struct HeapCount {
  std::int64_t bytes = 0;
  std::int64_t blocks = 0;
  std::int64_t peak_bytes = 0;
};
inline HeapCount heap;

inline void* counted_alloc(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  heap.bytes += static_cast<std::int64_t>(malloc_usable_size(p)) + 8;
  ++heap.blocks;
  if (heap.bytes > heap.peak_bytes) heap.peak_bytes = heap.bytes;
  return p;
}

inline void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  heap.bytes -= static_cast<std::int64_t>(malloc_usable_size(p)) + 8;
  --heap.blocks;
  std::free(p);
}

}  // namespace hardstack::bench

void* operator new(std::size_t n) { return hardstack::bench::counted_alloc(n); }
void* operator new[](std::size_t n) { return hardstack::bench::counted_alloc(n); }
void operator delete(void* p) noexcept { hardstack::bench::counted_free(p); }
void operator delete[](void* p) noexcept { hardstack::bench::counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { hardstack::bench::counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { hardstack::bench::counted_free(p); }
