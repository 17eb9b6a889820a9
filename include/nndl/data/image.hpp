// Image files (PNG, JPEG, BMP, PGM/PPM; GIF and TGA too) to the 784 inputs of an MNIST network,
// with MNIST's own preprocessing, one step per function so that each can be looked at and tested:
//
//   read_image        decode through stb_image; grayscale (Rec. 601 luma, alpha over white), [0, 1]
//                     (decode_image: the same from bytes in memory, e.g. an upload)
//   to_ink_on_black   background from the border: light -> invert; stretch so background = 0, ink = 1
//   crop_to_ink       the bounding box of the strokes (and their faint rim)
//   fit_box           scale to fit 20 x 20 keeping the aspect ratio (area averaging down, bilinear up)
//   center_by_mass    into 28 x 28 so that the centre of mass lands on pixel (14, 14), as in MNIST
//
//   auto x = nndl::mnist_preprocess_file("three.jpg");      // std::array<float, 784>, row-major
//   nndl::save_png("three-input.png", nndl::as_image(x));   // what the network sees
//
// Decoding links Debian's libstb (libstb-dev, -lstb), which holds stb_image's implementation, so
// this header stays header-only. Every problem with a file is an nndl::image_error naming it.
#pragma once

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
  std::size_t width = 0, height = 0;
  std::vector<float> pixels;

  gray_image() = default;
  gray_image(std::size_t w, std::size_t h, float fill = 0) : width(w), height(h), pixels(w * h, fill) {}
  float& at(std::size_t x, std::size_t y) { return pixels[y * width + x]; }
  float at(std::size_t x, std::size_t y) const { return pixels[y * width + x]; }
  bool empty() const { return pixels.empty(); }
};

/// A rectangle of pixels: columns [x, x + width), rows [y, y + height).
struct pixel_box {
  std::size_t x = 0, y = 0, width = 0, height = 0;
};

/// What mnist_preprocess did, for --show-input and tests.
struct preprocess_steps {
  bool inverted = false;        ///< the background was light, so the image was inverted
  float background = 0;         ///< background level (median of the border, after any inversion)
  float noise_floor = 0;        ///< border noise removed (95th percentile of the border after the stretch)
  pixel_box ink;                ///< the ink's bounding box in the original image
  std::size_t fit_width = 0, fit_height = 0;  ///< size after fitting into 20 x 20
  double center_x = 0, center_y = 0;          ///< centre of mass of the fitted digit, before the shift
  long offset_x = 0, offset_y = 0;            ///< where the fitted digit's top-left lands in 28 x 28
};

namespace detail {

inline std::string byte_list(std::span<const unsigned char> b, std::size_t n) {
  std::string s;
  char buf[8];
  for (std::size_t i = 0; i < std::min(n, b.size()); ++i) {
    std::snprintf(buf, sizeof buf, "%s%02X", i ? " " : "", b[i]);
    s += buf;
  }
  return s;
}

inline bool starts_with(std::span<const unsigned char> b, const char* magic, std::size_t n) {
  return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
}

/// "PNG", "JPEG", ... from the first bytes; empty when none of the formats stb_image decodes.
inline std::string image_format(std::span<const unsigned char> b) {
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) return "PNG";
  if (starts_with(b, "\xFF\xD8\xFF", 3)) return "JPEG";
  if (starts_with(b, "BM", 2)) return "BMP";
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return b[1] == '2' || b[1] == '5' ? "PGM" : "PNM";
  if (starts_with(b, "GIF8", 4)) return "GIF";
  return "";
}

inline std::uint32_t le32(std::span<const unsigned char> b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}

/// stb_image decodes some cut files without complaint (it pads missing data with zeros); this
/// finds the end of the data each format promises. Returns a problem, or "" when complete.
inline std::string truncation_problem(const std::string& fmt, std::span<const unsigned char> b) {
  if (fmt == "PNG") {
    // Chunks: length (4 bytes, big-endian), type (4), data, CRC (4); the last is IEND. stb_image
    // reserves the memory a chunk's length claims before reading its data (a 110-byte file claimed
    // 1.3 GB), so each chunk must end inside the file.
    std::size_t at = 8;
    while (at + 8 <= b.size()) {
      const std::uint64_t length = std::uint64_t(b[at]) << 24 | std::uint64_t(b[at + 1]) << 16 | std::uint64_t(b[at + 2]) << 8 | b[at + 3];
      std::string type;
      for (std::size_t i = at + 4; i < at + 8; ++i) type += std::isalpha(b[i]) ? char(b[i]) : '?';
      if (at + 12 + length > b.size())
        return "truncated PNG: chunk " + type + " at byte " + std::to_string(at) + " claims " + std::to_string(length) +
               " bytes of data, only " + std::to_string(b.size() - std::min(b.size(), at + 8)) + " bytes follow";
      if (type == "IEND") return "";
      at += 12 + std::size_t(length);
    }
    return "truncated PNG: the IEND chunk that ends every PNG file is missing";
  } else if (fmt == "JPEG") {  // an end-of-image marker FF D9 after the last start-of-scan FF DA
    std::size_t sos = 0;
    for (std::size_t i = 0; i + 1 < b.size(); ++i)
      if (b[i] == 0xFF && b[i + 1] == 0xDA) sos = i;
    bool eoi = false;
    for (std::size_t i = sos; i + 1 < b.size() && !eoi; ++i) eoi = b[i] == 0xFF && b[i + 1] == 0xD9;
    if (!eoi) return "truncated JPEG: no end-of-image marker (FF D9) after the image data";
  } else if (fmt == "BMP" && b.size() >= 54) {
    const std::uint32_t offset = le32(b, 10), header = le32(b, 14);
    if (header >= 40 && le32(b, 30) == 0) {  // BI_RGB: rows of width * bpp bits, padded to 4 bytes
      const auto w = static_cast<std::int32_t>(le32(b, 18)), h = static_cast<std::int32_t>(le32(b, 22));
      const unsigned bpp = unsigned(b[28]) | unsigned(b[29]) << 8;
      const std::uint64_t row = (std::uint64_t(std::abs(w)) * bpp + 31) / 32 * 4;
      const std::uint64_t need = offset + row * std::uint64_t(std::abs(std::int64_t(h)));
      if (b.size() < need)
        return "truncated BMP: " + std::to_string(b.size()) + " bytes, the header promises " + std::to_string(need);
    }
  } else if ((fmt == "PGM" || fmt == "PNM") && (b[1] == '5' || b[1] == '6')) {  // binary: header, then data
    std::size_t i = 2;
    long v[3] = {0, 0, 0};
    for (long& x : v) {
      for (;;) {
        while (i < b.size() && std::isspace(b[i])) ++i;
        if (i < b.size() && b[i] == '#')
          while (i < b.size() && b[i] != '\n') ++i;
        else
          break;
      }
      if (i >= b.size() || !std::isdigit(b[i])) return "truncated or malformed " + fmt + " header";
      while (i < b.size() && std::isdigit(b[i]) && x < 1000000000) x = x * 10 + (b[i++] - '0');
    }
    const std::uint64_t need = i + 1 + std::uint64_t(v[0]) * std::uint64_t(v[1]) * (b[1] == '6' ? 3u : 1u) *
                                           (v[2] > 255 ? 2u : 1u);
    if (b.size() < need)
      return "truncated " + fmt + ": " + std::to_string(b.size()) + " bytes, the header promises " + std::to_string(need);
  }
  return "";
}

inline float median_of(std::vector<float> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

inline float percentile_of(std::vector<float> v, double p) {
  if (v.empty()) return 0;
  auto at = v.begin() + std::ptrdiff_t(std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5)));
  std::nth_element(v.begin(), at, v.end());
  return *at;
}

inline std::vector<float> border_pixels(const gray_image& g) {
  std::vector<float> v;
  for (std::size_t x = 0; x < g.width; ++x) {
    v.push_back(g.at(x, 0));
    if (g.height > 1) v.push_back(g.at(x, g.height - 1));
  }
  for (std::size_t y = 1; y + 1 < g.height; ++y) {
    v.push_back(g.at(0, y));
    if (g.width > 1) v.push_back(g.at(g.width - 1, y));
  }
  return v;
}

/// Resamples one axis: n source samples (stride s) to m, by area averaging (m <= n) or linear
/// interpolation between pixel centres (m > n).
inline void resample_line(const float* src, std::size_t n, std::size_t s, float* dst, std::size_t m, std::size_t d) {
  const double scale = double(n) / double(m);  // source pixels per output pixel
  for (std::size_t j = 0; j < m; ++j) {
    double v = 0;
    if (m <= n) {  // output pixel j covers source [j*scale, (j+1)*scale)
      const double a = double(j) * scale, e = double(j + 1) * scale;
      for (auto k = std::size_t(a); k < n && double(k) < e; ++k) v += src[k * s] * (std::min(e, double(k + 1)) - std::max(a, double(k)));
      v /= scale;
    } else {
      const double x = std::clamp((double(j) + 0.5) * scale - 0.5, 0.0, double(n - 1));
      const auto k = std::size_t(x);
      const double f = x - double(k);
      v = src[k * s] * (1 - f) + (k + 1 < n ? src[(k + 1) * s] * f : src[k * s] * f);
    }
    dst[j * d] = float(std::clamp(v, 0.0, 1.0));
  }
}

}  // namespace detail

// ---- the steps ------------------------------------------------------------------------------

/// Grayscale from 8-bit pixels with 1 (gray), 2 (gray, alpha), 3 (RGB) or 4 (RGBA) channels:
/// Rec. 601 luma (0.299 R + 0.587 G + 0.114 B, as PIL's convert("L")), transparency composited over
/// white (a digit drawn on a transparent canvas reads as ink on paper); values / 255.
inline gray_image to_grayscale(const unsigned char* px, std::size_t w, std::size_t h, int channels) {
  gray_image g(w, h);
  for (std::size_t i = 0; i < w * h; ++i) {
    const unsigned char* p = px + i * std::size_t(channels);
    float v = channels <= 2 ? p[0] : 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    if (channels == 2 || channels == 4) {
      const float a = p[channels - 1] / 255.0f;
      v = v * a + 255.0f * (1 - a);
    }
    g.pixels[i] = std::clamp(v / 255.0f, 0.0f, 1.0f);
  }
  return g;
}

/// Decodes an image held in memory (through stb_image), as grayscale. `name` stands for the bytes
/// in messages (a file name, "upload"). Throws image_error for empty, non-image, corrupt or
/// truncated bytes, and for an image of more than max_pixels pixels (refused from its header).
inline gray_image decode_image(std::span<const unsigned char> bytes, const std::filesystem::path& name,
                               std::size_t max_pixels = max_image_pixels) {
  if (bytes.empty()) throw image_error(name, "empty file (0 bytes)");
  if (bytes.size() > std::size_t{INT32_MAX}) throw image_error(name, "too large for an image (" + std::to_string(bytes.size()) + " bytes)");

  const std::string fmt = detail::image_format(bytes);
  if (fmt.empty())
    throw image_error(name, "not an image in a supported format (PNG, JPEG, BMP, PGM/PPM, GIF): it starts with bytes " +
                                detail::byte_list(bytes, 8));
  if (fmt == "PGM" && bytes[1] == '2') throw image_error(name, "ASCII PGM (P2) is not supported; save it as binary PGM (P5)");
  if (fmt == "PNM" && (bytes[1] == '1' || bytes[1] == '3' || bytes[1] == '4'))
    throw image_error(name, "ASCII or 1-bit PNM (P" + std::string(1, char(bytes[1])) + ") is not supported; use P5 or P6");
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), int(bytes.size()), &w, &h, &channels))
    throw image_error(name, "corrupt " + fmt + " header (" + std::string(stbi_failure_reason()) + ")");
  if (w <= 0 || h <= 0 || std::size_t(w) * std::size_t(h) > max_pixels)
    throw image_error(name, fmt + " of " + std::to_string(w) + " x " + std::to_string(h) + " pixels is too large (limit " +
                                std::to_string(max_pixels) + " pixels)");
  if (const std::string cut = detail::truncation_problem(fmt, bytes); !cut.empty()) throw image_error(name, cut);
  unsigned char* px = stbi_load_from_memory(bytes.data(), int(bytes.size()), &w, &h, &channels, 0);
  if (!px) throw image_error(name, "corrupt " + fmt + " data (" + std::string(stbi_failure_reason()) + ")");
  gray_image g;
  try {
    g = to_grayscale(px, std::size_t(w), std::size_t(h), channels);
  } catch (...) {  // out of memory: the pixels are still freed
    stbi_image_free(px);
    throw;
  }
  stbi_image_free(px);
  return g;
}
/// The same for bytes held in a string (an HTTP request's body).
inline gray_image decode_image(const std::string& bytes, const std::filesystem::path& name, std::size_t max_pixels = max_image_pixels) {
  return decode_image(std::span(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()), name, max_pixels);
}

/// Reads and decodes an image file (decode_image), as grayscale. Throws image_error for a missing,
/// unreadable, empty, non-image, corrupt or truncated file, and for one over max_pixels pixels.
inline gray_image read_image(const std::filesystem::path& file, std::size_t max_pixels = max_image_pixels) {
  const auto contents = detail::read_whole_file(file, "an image file");
  if (!contents.problem.empty()) throw image_error(file, contents.problem);
  return decode_image(contents.bytes, file, max_pixels);
}

/// MNIST digits are light ink on black. The background level is the median of the border pixels;
/// when it is light (> 0.5) the image is inverted. Then the levels are stretched so that the
/// background becomes 0 and the brightest ink 1, and the border's noise (its 95th percentile after
/// the stretch, when below 0.25: JPEG ringing, paper texture) is removed the same way. Fills the first three fields
/// of `steps` when given.
inline void to_ink_on_black(gray_image& g, preprocess_steps* steps = nullptr) {
  if (g.empty()) return;
  float bg = detail::median_of(detail::border_pixels(g));
  const bool invert = bg > 0.5f;
  if (invert) {
    for (float& v : g.pixels) v = 1 - v;
    bg = 1 - bg;
  }
  const float top = *std::max_element(g.pixels.begin(), g.pixels.end());
  auto stretch = [&](float lo, float hi) {
    const float range = hi - lo;
    for (float& v : g.pixels) v = range > 1e-6f ? std::clamp((v - lo) / range, 0.0f, 1.0f) : 0.0f;
  };
  stretch(bg, top);
  float noise = detail::percentile_of(detail::border_pixels(g), 0.95);
  if (noise > 0.25f) noise = 0;  // that much is ink touching the border, not noise
  if (noise > 0) stretch(noise, 1);
  if (steps) steps->inverted = invert, steps->background = bg, steps->noise_floor = noise;
}

/// The ink's bounding box: the box of the pixels above `strong` (0.3), grown by up to `grow`
/// pixels (1) on each side where the next row or column holds a value above `rim` (0.1): the faint
/// anti-aliased rim of the strokes, but not the speckle JPEG scatters over the whole image.
/// Width 0 when no pixel is above `strong`.
inline pixel_box ink_box(const gray_image& g, float strong = 0.3f, std::size_t grow = 1, float rim = 0.1f) {
  std::size_t x0 = g.width, y0 = g.height, x1 = 0, y1 = 0;
  for (std::size_t y = 0; y < g.height; ++y)
    for (std::size_t x = 0; x < g.width; ++x)
      if (g.at(x, y) > strong) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  if (x0 > x1 || y0 > y1) return {};
  auto col_has_ink = [&](std::size_t x) {
    for (std::size_t y = y0; y <= y1; ++y)
      if (g.at(x, y) > rim) return true;
    return false;
  };
  auto row_has_ink = [&](std::size_t y) {
    for (std::size_t x = x0; x <= x1; ++x)
      if (g.at(x, y) > rim) return true;
    return false;
  };
  for (std::size_t k = 0; k < grow; ++k) {
    if (x0 > 0 && col_has_ink(x0 - 1)) --x0;
    if (x1 + 1 < g.width && col_has_ink(x1 + 1)) ++x1;
    if (y0 > 0 && row_has_ink(y0 - 1)) --y0;
    if (y1 + 1 < g.height && row_has_ink(y1 + 1)) ++y1;
  }
  return {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

/// The part of the image inside the box.
inline gray_image crop(const gray_image& g, const pixel_box& b) {
  gray_image out(b.width, b.height);
  for (std::size_t y = 0; y < b.height; ++y)
    std::copy_n(&g.pixels[(b.y + y) * g.width + b.x], b.width, &out.pixels[y * b.width]);
  return out;
}

/// Cropped to the ink (ink_box, after to_ink_on_black); empty when there is no ink.
inline gray_image crop_to_ink(const gray_image& g) {
  const pixel_box b = ink_box(g);
  return b.width ? crop(g, b) : gray_image{};
}

/// Scaled so that its longer side is `box` pixels (MNIST: 20), keeping the aspect ratio: area
/// averaging when it shrinks (each output pixel is the mean of the source area it covers, the
/// anti-aliasing MNIST's digits have), bilinear interpolation when it grows. Unchanged when the
/// longer side is already `box`.
inline gray_image fit_box(const gray_image& g, std::size_t box = 20) {
  if (g.empty() || std::max(g.width, g.height) == box) return g;
  const double s = double(box) / double(std::max(g.width, g.height));
  const std::size_t w = std::clamp<std::size_t>(std::size_t(std::lround(double(g.width) * s)), 1, box);
  const std::size_t h = std::clamp<std::size_t>(std::size_t(std::lround(double(g.height) * s)), 1, box);
  gray_image across(w, g.height), out(w, h);
  for (std::size_t y = 0; y < g.height; ++y) detail::resample_line(&g.pixels[y * g.width], g.width, 1, &across.pixels[y * w], w, 1);
  for (std::size_t x = 0; x < w; ++x) detail::resample_line(&across.pixels[x], g.height, w, &out.pixels[x], h, w);
  return out;
}

/// Places the (fitted) digit in a size x size field (28) so that its centre of mass, rounded to
/// whole pixels, lands on pixel (size/2, size/2) = (14, 14), where MNIST's digits have theirs
/// (their mean over the test set: row 13.99, column 14.01). The digit is kept inside the field.
inline gray_image center_by_mass(const gray_image& g, std::size_t size = 28, preprocess_steps* steps = nullptr) {
  gray_image out(size, size);
  if (g.empty()) return out;
  double m = 0, cx = 0, cy = 0;
  for (std::size_t y = 0; y < g.height; ++y)
    for (std::size_t x = 0; x < g.width; ++x) m += g.at(x, y), cx += double(x) * g.at(x, y), cy += double(y) * g.at(x, y);
  cx = m > 0 ? cx / m : double(g.width - 1) / 2;
  cy = m > 0 ? cy / m : double(g.height - 1) / 2;
  const double mid = double(size / 2);
  const long ox = std::clamp(std::lround(mid - cx), 0L, long(size) - long(std::min(g.width, size)));
  const long oy = std::clamp(std::lround(mid - cy), 0L, long(size) - long(std::min(g.height, size)));
  for (std::size_t y = 0; y < std::min(g.height, size); ++y)
    for (std::size_t x = 0; x < std::min(g.width, size); ++x) out.at(std::size_t(ox) + x, std::size_t(oy) + y) = g.at(x, y);
  if (steps) steps->center_x = cx, steps->center_y = cy, steps->offset_x = ox, steps->offset_y = oy;
  return out;
}

/// The whole preprocessing of a grayscale image: the 784 network inputs, row-major, in [0, 1].
/// Throws image_error (with no file name) when the image has no ink at all.
inline std::array<float, 784> mnist_preprocess(gray_image g, preprocess_steps* steps = nullptr) {
  preprocess_steps local;
  preprocess_steps& s = steps ? *steps : local;
  to_ink_on_black(g, &s);
  s.ink = ink_box(g);
  if (s.ink.width == 0) throw image_error({}, "blank image: no ink found (every pixel is background)");
  const gray_image fitted = fit_box(crop(g, s.ink), 20);
  s.fit_width = fitted.width, s.fit_height = fitted.height;
  const gray_image field = center_by_mass(fitted, 28, &s);
  std::array<float, 784> x{};
  std::copy(field.pixels.begin(), field.pixels.end(), x.begin());
  return x;
}

/// read_image + mnist_preprocess; every error names the file.
inline std::array<float, 784> mnist_preprocess_file(const std::filesystem::path& file, preprocess_steps* steps = nullptr) {
  gray_image g = read_image(file);
  try {
    return mnist_preprocess(std::move(g), steps);
  } catch (const image_error& e) {
    throw image_error(file, e.problem());
  }
}

/// A row-major square of values in [0, 1] (784 of them: 28 x 28) as an image.
template <class T, std::size_t N>
gray_image as_image(const std::array<T, N>& v) {
  const auto side = std::size_t(std::lround(std::sqrt(double(N))));
  gray_image g(side, side);
  for (std::size_t i = 0; i < side * side; ++i) g.pixels[i] = std::clamp(float(v[i]), 0.0f, 1.0f);
  return g;
}

/// An 8-bit grayscale PNG (value 1 -> 255) in memory: the bytes save_png writes.
inline std::vector<unsigned char> png_bytes(const gray_image& g) {
  if (g.empty()) throw image_error({}, "refusing to encode an empty image");
  std::vector<unsigned char> px(g.pixels.size()), out;
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(std::lround(255 * std::clamp(g.pixels[i], 0.0f, 1.0f)));
  auto append = [](void* to, void* data, int size) {
    auto* v = static_cast<std::vector<unsigned char>*>(to);
    v->insert(v->end(), static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + size);
  };
  if (!stbi_write_png_to_func(append, &out, int(g.width), int(g.height), 1, px.data(), int(g.width)))
    throw image_error({}, "cannot encode a " + std::to_string(g.width) + " x " + std::to_string(g.height) + " PNG");
  return out;
}

/// Writes an 8-bit grayscale PNG (value 1 -> 255), atomically: a temporary file renamed over `file`.
inline void save_png(const std::filesystem::path& file, const gray_image& g) {
  if (g.empty()) throw image_error(file, "refusing to write an empty image");
  std::vector<unsigned char> px(g.pixels.size());
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(std::lround(255 * std::clamp(g.pixels[i], 0.0f, 1.0f)));
  detail::atomic_file out(file);
  errno = 0;
  if (!stbi_write_png(out.temp().c_str(), int(g.width), int(g.height), 1, px.data(), int(g.width)))
    throw image_error(file, "cannot write " + out.temp().string() +
                                (errno ? ": " + std::generic_category().message(errno) : std::string()));
  if (const std::string problem = out.commit(); !problem.empty()) throw image_error(file, problem);
}

}  // namespace nndl
