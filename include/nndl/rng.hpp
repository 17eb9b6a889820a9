// A small, portable random number generator (xoshiro256**, seeded through splitmix64), so that a
// seeded run gives the same weights and the same shuffles with any compiler and standard library.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <utility>

namespace nndl {

/// A seeded random number generator (xoshiro256**): the same sequence on every platform.
class rng {
 public:
  /// A generator seeded with `seed`.
  explicit rng(std::uint64_t seed = 0) { reseed(seed); }

  /// Starts the sequence of `seed` again.
  void reseed(std::uint64_t seed) {
    for (auto& s : s_) {  // splitmix64 spreads any seed over the whole state
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
    has_spare_ = false;
  }

  /// The next 64 random bits.
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = n == 0 ? 0 : (0 - n) % n;  // 2^64 mod n
    for (;;) {
      const std::uint64_t r = next();
      if (r >= limit) return r % n;
    }
  }

  /// Standard normal N(0, 1) by the Box–Muller transform.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 0;
    while (u1 <= 0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }

  /// The generator's whole state (for checkpoints): restore(state()) continues the same sequence.
  std::array<std::uint64_t, 6> state() const {
    return {s_[0], s_[1], s_[2], s_[3], std::uint64_t(has_spare_), std::bit_cast<std::uint64_t>(spare_)};
  }
  /// Continues from a state() (for checkpoints).
  void restore(const std::array<std::uint64_t, 6>& st) {
    for (std::size_t i = 0; i < 4; ++i) s_[i] = st[i];
    has_spare_ = st[4] != 0;
    spare_ = std::bit_cast<double>(st[5]);
  }

  /// Fisher–Yates shuffle of [first, last).
  template <class It>
  void shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) std::swap(first[i - 1], first[below(i)]);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace nndl
