// The book's expand_mnist.py (chapter 6): every training image, then the same image shifted by one
// pixel down, up, right and left, the row or column that comes in filled with 0 (background):
// 50,000 images become 250,000, shuffled (here from a seed, so the file is reproducible). The result
// is written once as IDX .gz files and read back on later runs.
#pragma once

#include "../detail/out_of_line.hpp"

#include <cstdint>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "../rng.hpp"
#include "idx.hpp"
#include "mnist.hpp"

namespace nndl {

/// out = in shifted by (dy, dx) pixels (|dy|, |dx| <= 1); pixels shifted in are 0.
NNDL_OUT_OF_LINE void shift_image(const std::uint8_t* in, std::uint8_t* out, std::size_t rows, std::size_t cols, int dy,
                                  int dx);

/// The two gzipped IDX files of an expanded training set.
struct expanded_files {
  //! @{
  /// The images file and the labels file.
  std::filesystem::path images, labels;
  //! @}
};

/// Writes (or finds, when already there) the expanded training set of the MNIST folder `mnist_dir`
/// in `out_dir`: the first `training_size` training images, each with its four shifts, shuffled
/// with `seed`. Returns the two IDX .gz files.
NNDL_OUT_OF_LINE expanded_files expand_mnist(const std::filesystem::path& mnist_dir,
                                             const std::filesystem::path& out_dir, std::uint64_t seed = 1,
                                             std::size_t training_size = 50000);

/// The expanded training set as a data set (pixels in [0, 1]), made on the first call.
template <class T>
dataset<T> load_expanded_mnist(const std::filesystem::path& mnist_dir, const std::filesystem::path& cache_dir,
                               std::uint64_t seed = 1) {
  const auto f = expand_mnist(mnist_dir, cache_dir, seed);
  return load_idx_dataset<T>(f.images, f.labels, "MNIST expanded training", 10);
}

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE dataset<float> load_expanded_mnist<float>(const std::filesystem::path&, const std::filesystem::path&,
                                                           std::uint64_t);
NNDL_INSTANTIATE dataset<double> load_expanded_mnist<double>(const std::filesystem::path&, const std::filesystem::path&,
                                                             std::uint64_t);
#endif

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "expand.ipp"
#endif
