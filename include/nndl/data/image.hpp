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

#include "../detail/out_of_line.hpp"

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

NNDL_OUT_OF_LINE float median_of(std::vector<float> v);

NNDL_OUT_OF_LINE float percentile_of(std::vector<float> v, double p);

NNDL_OUT_OF_LINE std::vector<float> border_pixels(const gray_image& g);

/// Resamples one axis: n source samples (stride s) to m, by area averaging (m <= n) or linear
/// interpolation between pixel centres (m > n).
NNDL_OUT_OF_LINE void resample_line(const float* src, std::size_t n, std::size_t s, float* dst, std::size_t m,
                                    std::size_t d);

}  // namespace detail

// ---- the steps ------------------------------------------------------------------------------

/// MNIST digits are light ink on black. The background level is the median of the border pixels;
/// when it is light (> 0.5) the image is inverted. Then the levels are stretched so that the
/// background becomes 0 and the brightest ink 1, and the border's noise (its 95th percentile after
/// the stretch, when below 0.25: JPEG ringing, paper texture) is removed the same way. Fills the first three fields
/// of `steps` when given.
NNDL_OUT_OF_LINE void to_ink_on_black(gray_image& g, preprocess_steps* steps = nullptr);

/// The ink's bounding box: the box of the pixels above `strong` (0.3), grown by up to `grow`
/// pixels (1) on each side where the next row or column holds a value above `rim` (0.1): the faint
/// anti-aliased rim of the strokes, but not the speckle JPEG scatters over the whole image.
/// Width 0 when no pixel is above `strong`.
NNDL_OUT_OF_LINE pixel_box ink_box(const gray_image& g, float strong = 0.3f, std::size_t grow = 1, float rim = 0.1f);

/// The part of the image inside the box.
NNDL_OUT_OF_LINE gray_image crop(const gray_image& g, const pixel_box& b);

/// Cropped to the ink (ink_box, after to_ink_on_black); empty when there is no ink.
NNDL_OUT_OF_LINE gray_image crop_to_ink(const gray_image& g);

/// Scaled so that its longer side is `box` pixels (MNIST: 20), keeping the aspect ratio: area
/// averaging when it shrinks (each output pixel is the mean of the source area it covers, the
/// anti-aliasing MNIST's digits have), bilinear interpolation when it grows. Unchanged when the
/// longer side is already `box`.
NNDL_OUT_OF_LINE gray_image fit_box(const gray_image& g, std::size_t box = 20);

/// Places the (fitted) digit in a size x size field (28) so that its centre of mass, rounded to
/// whole pixels, lands on pixel (size/2, size/2) = (14, 14), where MNIST's digits have theirs
/// (their mean over the test set: row 13.99, column 14.01). The digit is kept inside the field.
NNDL_OUT_OF_LINE gray_image center_by_mass(const gray_image& g, std::size_t size = 28,
                                           preprocess_steps* steps = nullptr);

/// The whole preprocessing of a grayscale image: the 784 network inputs, row-major, in [0, 1].
/// Throws image_error (with no file name) when the image has no ink at all.
NNDL_OUT_OF_LINE std::array<float, 784> mnist_preprocess(gray_image g, preprocess_steps* steps = nullptr);

/// read_image + mnist_preprocess; every error names the file.
NNDL_OUT_OF_LINE std::array<float, 784> mnist_preprocess_file(const std::filesystem::path& file,
                                                              preprocess_steps* steps = nullptr);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "image.ipp"
#endif
