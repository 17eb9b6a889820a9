// Image files (PNG, JPEG, BMP, PGM/PPM; GIF and TGA too) as grayscale images, and grayscale images
// as PNG files:
//
//   read_image        decode through stb_image; grayscale (Rec. 601 luma, alpha over white), [0, 1]
//   decode_image      the same from bytes in memory (an upload)
//   save_png, png_bytes   an 8-bit grayscale PNG, to a file (atomically) or in memory
//
// Decoding links Debian's libstb (libstb-dev, -lstb), which holds stb_image's implementation, so
// this header stays header-only. Every problem with a file is an nndl::image_error naming it; an
// image's size is checked from its header before any memory is reserved for its pixels. MNIST's
// preprocessing of these images is image.hpp.
#pragma once

#include "../detail/out_of_line.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "../detail/file.hpp"
#include "../errors.hpp"

namespace nndl {

/// The most pixels read_image and decode_image decode by default (64 Mi: an 8192 x 8192 photo); a
/// larger image is refused from its header, before any memory is reserved for its pixels.
inline constexpr std::size_t max_image_pixels = std::size_t{1} << 26;

/// A grayscale image, row-major, values in [0, 1].
struct gray_image {
  //! @{
  /// Its width and height in pixels.
  std::size_t width = 0, height = 0;
  //! @}
  /// width × height values, row by row.
  std::vector<float> pixels;

  gray_image() = default;
  /// An image of w × h pixels, all of value fill.
  gray_image(std::size_t w, std::size_t h, float fill = 0) : width(w), height(h), pixels(w * h, fill) {}
  /// The pixel in column x of row y.
  float& at(std::size_t x, std::size_t y) { return pixels[y * width + x]; }
  /// The pixel in column x of row y.
  float at(std::size_t x, std::size_t y) const { return pixels[y * width + x]; }
  /// True for an image with no pixels.
  bool empty() const { return pixels.empty(); }
};

namespace detail {

NNDL_OUT_OF_LINE std::string byte_list(std::span<const unsigned char> b, std::size_t n);

NNDL_OUT_OF_LINE bool starts_with(std::span<const unsigned char> b, const char* magic, std::size_t n);

/// "PNG", "JPEG", ... from the first bytes; empty when none of the formats stb_image decodes.
NNDL_OUT_OF_LINE std::string image_format(std::span<const unsigned char> b);

NNDL_OUT_OF_LINE std::uint32_t le32(std::span<const unsigned char> b, std::size_t at);

/// stb_image decodes some cut files without complaint (it pads missing data with zeros); this
/// finds the end of the data each format promises. Returns a problem, or "" when complete.
NNDL_OUT_OF_LINE std::string truncation_problem(const std::string& fmt, std::span<const unsigned char> b);

}  // namespace detail

/// Grayscale from 8-bit pixels with 1 (gray), 2 (gray, alpha), 3 (RGB) or 4 (RGBA) channels:
/// Rec. 601 luma (0.299 R + 0.587 G + 0.114 B, as PIL's convert("L")), transparency composited over
/// white (a digit drawn on a transparent canvas reads as ink on paper); values / 255.
NNDL_OUT_OF_LINE gray_image to_grayscale(const unsigned char* px, std::size_t w, std::size_t h, int channels);

/// Decodes an image held in memory (through stb_image), as grayscale. `name` stands for the bytes
/// in messages (a file name, "upload"). Throws image_error for empty, non-image, corrupt or
/// truncated bytes, and for an image of more than max_pixels pixels (refused from its header).
NNDL_OUT_OF_LINE gray_image decode_image(std::span<const unsigned char> bytes, const std::filesystem::path& name,
                                         std::size_t max_pixels = max_image_pixels);
/// The pixels decode_image would decode from `bytes`, as counted against its limit (width x height,
/// twice that for a 16-bit image), read from the header alone; 0 when there is no readable header.
NNDL_OUT_OF_LINE std::size_t decode_pixels(std::span<const unsigned char> bytes);

/// The same for bytes held in a string (an HTTP request's body).
NNDL_OUT_OF_LINE gray_image decode_image(const std::string& bytes, const std::filesystem::path& name,
                                         std::size_t max_pixels = max_image_pixels);

/// Reads and decodes an image file (decode_image), as grayscale. Throws image_error for a missing,
/// unreadable, empty, non-image, corrupt or truncated file, and for one over max_pixels pixels.
NNDL_OUT_OF_LINE gray_image read_image(const std::filesystem::path& file, std::size_t max_pixels = max_image_pixels);

/// A row-major square of values in [0, 1] (784 of them: 28 x 28) as an image.
template <class T, std::size_t N>
gray_image as_image(const std::array<T, N>& v) {
  const auto side = std::size_t(std::lround(std::sqrt(double(N))));
  gray_image g(side, side);
  for (std::size_t i = 0; i < side * side; ++i) g.pixels[i] = std::clamp(float(v[i]), 0.0f, 1.0f);
  return g;
}

/// An 8-bit grayscale PNG (value 1 -> 255) in memory: the bytes save_png writes.
NNDL_OUT_OF_LINE std::vector<unsigned char> png_bytes(const gray_image& g);

/// Writes an 8-bit grayscale PNG (value 1 -> 255), atomically: a temporary file renamed over `file`.
NNDL_OUT_OF_LINE void save_png(const std::filesystem::path& file, const gray_image& g);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "image_file.ipp"
#endif
