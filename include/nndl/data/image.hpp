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
// Reading and writing the files is image_file.hpp (stb_image, Debian's libstb). Every problem with
// a file is an nndl::image_error naming it.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <vector>

#include "image_file.hpp"

namespace nndl {

/// A rectangle of pixels: columns [x, x + width), rows [y, y + height).
struct pixel_box {
  //! @{
  /// Its left column, top row, width and height, in pixels.
  std::size_t x = 0, y = 0, width = 0, height = 0;
  //! @}
};

/// What mnist_preprocess did, for --show-input and tests.
struct preprocess_steps {
  bool inverted = false;  ///< the background was light, so the image was inverted
  float background = 0;   ///< background level (median of the border, after any inversion)
  float noise_floor = 0;  ///< border noise removed (95th percentile of the border after the stretch)
  pixel_box ink;          ///< the ink's bounding box in the original image
  //! @{
  std::size_t fit_width = 0, fit_height = 0;  ///< size after fitting into 20 x 20
  //! @}
  //! @{
  double center_x = 0, center_y = 0;  ///< centre of mass of the fitted digit, before the shift
  //! @}
  //! @{
  long offset_x = 0, offset_y = 0;  ///< where the fitted digit's top-left lands in 28 x 28
  //! @}
};

namespace detail {

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
      for (auto k = std::size_t(a); k < n && double(k) < e; ++k)
        v += src[k * s] * (std::min(e, double(k + 1)) - std::max(a, double(k)));
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
  for (std::size_t y = 0; y < g.height; ++y)
    detail::resample_line(&g.pixels[y * g.width], g.width, 1, &across.pixels[y * w], w, 1);
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
    for (std::size_t x = 0; x < g.width; ++x)
      m += g.at(x, y), cx += double(x) * g.at(x, y), cy += double(y) * g.at(x, y);
  cx = m > 0 ? cx / m : double(g.width - 1) / 2;
  cy = m > 0 ? cy / m : double(g.height - 1) / 2;
  const double mid = double(size / 2);
  const long ox = std::clamp(std::lround(mid - cx), 0L, long(size) - long(std::min(g.width, size)));
  const long oy = std::clamp(std::lround(mid - cy), 0L, long(size) - long(std::min(g.height, size)));
  for (std::size_t y = 0; y < std::min(g.height, size); ++y)
    for (std::size_t x = 0; x < std::min(g.width, size); ++x)
      out.at(std::size_t(ox) + x, std::size_t(oy) + y) = g.at(x, y);
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
inline std::array<float, 784> mnist_preprocess_file(const std::filesystem::path& file,
                                                    preprocess_steps* steps = nullptr) {
  gray_image g = read_image(file);
  try {
    return mnist_preprocess(std::move(g), steps);
  } catch (const image_error& e) {
    throw image_error(file, e.problem());
  }
}

}  // namespace nndl
