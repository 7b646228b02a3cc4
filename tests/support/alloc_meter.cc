#include "tests/support/alloc_meter.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<size_t> live{0};
std::atomic<size_t> peak{0};

void* counted_alloc(size_t size) {
  void* p = std::malloc(size ? size : 1);
  if (!p) throw std::bad_alloc();
  size_t now = live.fetch_add(malloc_usable_size(p), std::memory_order_relaxed) +
               malloc_usable_size(p);
  size_t high = peak.load(std::memory_order_relaxed);
  while (now > high && !peak.compare_exchange_weak(high, now, std::memory_order_relaxed)) {
  }
  return p;
}

void counted_free(void* p) noexcept {
  if (!p) return;
  live.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
}

}  // namespace

// The other forms (arrays, nothrow, sized delete) forward to these in libstdc++.
void* operator new(size_t size) { return counted_alloc(size); }
void* operator new[](size_t size) { return counted_alloc(size); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, size_t) noexcept { counted_free(p); }
void operator delete[](void* p, size_t) noexcept { counted_free(p); }

namespace concurry_test {

AllocMeter::AllocMeter() : base_(live.load()) { peak.store(base_); }

size_t AllocMeter::peak_bytes() const {
  size_t high = peak.load();
  return high > base_ ? high - base_ : 0;
}

}  // namespace concurry_test
