// Data-parallel work inside a training step: a team of threads made once (by the training loop,
// when asked for more than one worker) that splits the samples of a mini-batch between the cores.
// The team is passed explicitly to whatever uses it (layers get it in their pass context).
//
// A mini-batch of 10 takes about a millisecond, so the team must hand out work in microseconds:
// its helpers spin on an atomic generation counter for a while before they sleep on it (C++20
// atomic wait, a futex), and the caller does the first share itself. A step makes a few such
// rounds (one per convolution forward and backward); everything else stays on the caller.
// Nothing is allocated per round: the work is passed as a pointer to the caller's lambda.
#pragma once

#include "out_of_line.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NNDL_CPU_RELAX() _mm_pause()
#else
#define NNDL_CPU_RELAX() std::this_thread::yield()
#endif

namespace nndl::detail {

class worker_team {
 public:
  /// A team of `threads` members: the calling thread and threads − 1 helpers.
  explicit worker_team(std::size_t threads) : errors_(threads) {
    for (std::size_t i = 1; i < threads; ++i) helpers_.emplace_back([this, i] { serve(i); });
  }
  worker_team(const worker_team&) = delete;
  worker_team& operator=(const worker_team&) = delete;
  ~worker_team() {
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& t : helpers_) t.join();
  }

  std::size_t size() const { return helpers_.size() + 1; }

  /// Calls fn(member) for every member 0 .. size() − 1 (member 0 on the calling thread) and
  /// returns when all have finished; an exception thrown by any member is rethrown here then.
  template <class Fn>
  void run(Fn& fn) {
    job_ = &fn;
    call_ = [](void* f, std::size_t member) { (*static_cast<Fn*>(f))(member); };
    pending_.store(helpers_.size(), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    try {
      fn(0);
    } catch (...) {
      errors_[0] = std::current_exception();
    }
    wait_for_helpers();  // even after an exception: the helpers use fn, which lives in our caller
    for (auto& e : errors_)
      if (e) {
        const auto first = std::exchange(e, nullptr);
        for (auto& rest : errors_) rest = nullptr;
        std::rethrow_exception(first);
      }
  }

 private:
  static constexpr std::size_t spin_limit = 1 << 14;  // about half a millisecond of pause instructions

  void wait_for_helpers() {
    for (std::size_t spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < spin_limit) {
        NNDL_CPU_RELAX();
      } else {
        const auto left = pending_.load(std::memory_order_acquire);
        if (left != 0) pending_.wait(left, std::memory_order_acquire);
      }
    }
  }

  void serve(std::size_t member) {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t g;
      for (std::size_t spins = 0; (g = generation_.load(std::memory_order_acquire)) == seen; ++spins) {
        if (spins < spin_limit)
          NNDL_CPU_RELAX();
        else
          generation_.wait(seen, std::memory_order_acquire);
      }
      seen = g;
      if (stop_.load(std::memory_order_relaxed)) return;
      try {
        call_(job_, member);
      } catch (...) {
        errors_[member] = std::current_exception();
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
  }

  std::vector<std::thread> helpers_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::exception_ptr> errors_;  ///< one slot per member, made with the team
  void* job_ = nullptr;
  void (*call_)(void*, std::size_t) = nullptr;
};

/// How many shares parallel_for cuts n items into on `team` (one when there is no team).
inline std::size_t parallel_shares(const worker_team* team, std::size_t n) {
  const std::size_t t = team ? team->size() : 1;
  return n < t ? (n == 0 ? 1 : n) : t;
}

/// Calls fn(begin, end, share) for contiguous shares of [0, n), share 0 .. parallel_shares(team, n) − 1,
/// in parallel on `team` (inline when there is none). Shares differ by at most one item.
template <class Fn>
void parallel_for(worker_team* team, std::size_t n, Fn&& fn) {
  const std::size_t shares = parallel_shares(team, n);
  if (!team || shares <= 1) {
    fn(std::size_t(0), n, std::size_t(0));
    return;
  }
  auto member = [&](std::size_t k) {
    if (k < shares) fn(n * k / shares, n * (k + 1) / shares, k);
  };
  team->run(member);
}

/// A team of `threads` when that is more than one, else none: what a training run owns.
inline std::unique_ptr<worker_team> make_team(std::size_t threads) {
  return threads > 1 ? std::make_unique<worker_team>(threads) : nullptr;
}

/// Σ fn(start, rows) over blocks of `chunk` rows of [0, n), the blocks taken by `workers` threads
/// (the caller one of them) and the partial results added in block order: the same sum for any
/// number of workers. For evaluations, where each block is independent. The same for every network
/// type: compiled once per result type.
template <class R>
R sum_over_chunks(std::size_t n, std::size_t chunk, std::size_t workers,
                  const std::function<R(std::size_t start, std::size_t rows)>& fn) {
  const std::size_t blocks = chunk == 0 ? 0 : (n + chunk - 1) / chunk;
  std::vector<R> part(blocks, R{});
  std::vector<std::exception_ptr> failed(std::max<std::size_t>(workers, 1));
  auto work = [&](std::size_t w, std::size_t stride) {
    try {
      for (std::size_t b = w; b < blocks; b += stride) part[b] = fn(b * chunk, std::min(chunk, n - b * chunk));
    } catch (...) {
      failed[w] = std::current_exception();
    }
  };
  const std::size_t threads = std::max<std::size_t>(1, std::min(workers, blocks));
  std::vector<std::thread> helpers;
  for (std::size_t w = 1; w < threads; ++w) helpers.emplace_back(work, w, threads);
  work(0, threads);
  for (auto& t : helpers) t.join();
  for (auto& e : failed)
    if (e) std::rethrow_exception(e);
  R sum{};
  for (const R& r : part) sum += r;
  return sum;
}

#ifdef NNDL_INSTANTIATE  // compiled once (out_of_line.hpp)
NNDL_INSTANTIATE std::size_t sum_over_chunks<std::size_t>(std::size_t, std::size_t, std::size_t,
                                                          const std::function<std::size_t(std::size_t, std::size_t)>&);
NNDL_INSTANTIATE double sum_over_chunks<double>(std::size_t, std::size_t, std::size_t,
                                                const std::function<double(std::size_t, std::size_t)>&);
#endif

}  // namespace nndl::detail
