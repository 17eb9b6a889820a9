// The largest single allocation of a test program, for the tests that show that a lying length in a
// file allocates nothing huge (test_idx.cpp, test_pickle.cpp). Include it in one file of a test
// program: it replaces the global operator new.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> largest_alloc{0};
}
void* operator new(std::size_t n) {
  std::size_t cur = largest_alloc.load(std::memory_order_relaxed);
  while (n > cur && !largest_alloc.compare_exchange_weak(cur, n)) {
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// Every other (unaligned) form goes through the one above or straight to free().
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(n);
  } catch (...) {
    return nullptr;
  }
}
// GCC pairs the inlined free() with the builtin new and warns; this new is malloc, so it is fine.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop
