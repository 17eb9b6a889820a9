// MD5 (RFC 1321), enough to check that the MNIST files shipped with nndl are the published ones.
// MD5 is broken as a defence against forgery; here it only detects damaged or changed files, and
// it is the checksum MNIST's sums are published in.
#pragma once

#include "out_of_line.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../errors.hpp"

namespace nndl::detail {

/// Incremental MD5: feed bytes with update() in pieces of any size, then hex() once.
class md5 {
 public:
  void update(std::span<const std::uint8_t> bytes) {
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    length_ += n;
    if (used_ > 0) {  // top up a partly filled block first
      const std::size_t take = std::min(n, block_.size() - used_);
      std::memcpy(block_.data() + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
      if (used_ < block_.size()) return;
      transform(block_.data());
      used_ = 0;
    }
    for (; n >= 64; p += 64, n -= 64) transform(p);
    std::memcpy(block_.data(), p, n);
    used_ = n;
  }

  void update(std::string_view s) { update(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); }

  /// The digest as 32 lower-case hex digits, as md5sum prints it. Ends the computation.
  std::string hex() {
    const std::uint64_t bits = length_ * 8;
    std::array<std::uint8_t, 72> pad{};  // 0x80, zeros up to 56 mod 64, then the length in bits
    pad[0] = 0x80;
    const std::size_t zeros = (used_ < 56 ? 56 - used_ : 120 - used_);
    for (int i = 0; i < 8; ++i) pad[zeros + i] = static_cast<std::uint8_t>(bits >> (8 * i));
    update(std::span<const std::uint8_t>(pad.data(), zeros + 8));
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::uint32_t word : state_)
      for (int i = 0; i < 4; ++i) {  // little-endian bytes of each word
        const auto byte = (word >> (8 * i)) & 0xFFu;
        out += digits[byte >> 4];
        out += digits[byte & 0xFu];
      }
    return out;
  }

 private:
  static std::uint32_t rotl(std::uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

  // One 64-byte block (RFC 1321, section 3.4): four rounds of 16 steps.
  void transform(const std::uint8_t* block) {
    static constexpr std::array<int, 64> shift{7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                               5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                               4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                               6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    // T[i] = floor(2^32 * |sin(i + 1)|), the RFC's table.
    static constexpr std::array<std::uint32_t, 64> k{
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
    std::array<std::uint32_t, 16> m;
    for (int i = 0; i < 16; ++i)
      m[i] = std::uint32_t{block[4 * i]} | (std::uint32_t{block[4 * i + 1]} << 8) |
             (std::uint32_t{block[4 * i + 2]} << 16) | (std::uint32_t{block[4 * i + 3]} << 24);
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t f;
      int g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (b & d) | (c & ~d);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const std::uint32_t next = b + rotl(a + f + k[i] + m[g], shift[i]);
      a = d;
      d = c;
      c = b;
      b = next;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
  }

  std::array<std::uint32_t, 4> state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  std::array<std::uint8_t, 64> block_{};
  std::size_t used_ = 0;      // bytes waiting in block_
  std::uint64_t length_ = 0;  // bytes fed so far
};

/// The MD5 of a file's bytes as md5sum prints it; a file that cannot be read is a data_error naming it.
NNDL_OUT_OF_LINE std::string md5_file(const std::filesystem::path& path);

}  // namespace nndl::detail

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "md5.ipp"
#endif
