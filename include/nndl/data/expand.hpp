// The book's expand_mnist.py (chapter 6): every training image, then the same image shifted by one
// pixel down, up, right and left, the row or column that comes in filled with 0 (background):
// 50,000 images become 250,000, shuffled (here from a seed, so the file is reproducible). The result
// is written once as IDX .gz files and read back on later runs.
#pragma once

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
inline void shift_image(const std::uint8_t* in, std::uint8_t* out, std::size_t rows, std::size_t cols, int dy, int dx) {
  for (std::size_t y = 0; y < rows; ++y)
    for (std::size_t x = 0; x < cols; ++x) {
      const long sy = long(y) - dy, sx = long(x) - dx;
      out[y * cols + x] =
          sy >= 0 && sx >= 0 && sy < long(rows) && sx < long(cols) ? in[std::size_t(sy) * cols + std::size_t(sx)] : 0;
    }
}

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
inline expanded_files expand_mnist(const std::filesystem::path& mnist_dir, const std::filesystem::path& out_dir,
                                   std::uint64_t seed = 1, std::size_t training_size = 50000) {
  const std::string stem = "mnist-expanded-" + std::to_string(training_size) + "-seed" + std::to_string(seed);
  expanded_files f{out_dir / (stem + "-images-idx3-ubyte.gz"), out_dir / (stem + "-labels-idx1-ubyte.gz")};
  if (std::filesystem::exists(f.images) && std::filesystem::exists(f.labels)) return f;  // checked when read

  const idx_file images = read_idx(*detail::mnist_file(mnist_dir, detail::mnist_files[0]));
  const idx_file labels = read_idx(*detail::mnist_file(mnist_dir, detail::mnist_files[1]));
  const std::size_t n = detail::check_idx_pair(images, labels, 10);
  if (training_size > n || images.dims.size() != 3)
    throw data_error("nndl: " + images.path.string() + ": cannot expand " + std::to_string(training_size) +
                     " images of a file with " + std::to_string(n));
  const std::size_t rows = images.dims[1], cols = images.dims[2], px = rows * cols, total = 5 * training_size;
  constexpr int shifts[5][2] = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}};  // as expand_mnist.py: down, up, right, left

  std::vector<std::size_t> order(total);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng(seed).shuffle(order.begin(), order.end());
  std::vector<std::uint8_t> out_images(total * px), out_labels(total);
  for (std::size_t k = 0; k < total; ++k) {
    const std::size_t src = order[k] / 5, shift = order[k] % 5;
    shift_image(images.bytes.data() + src * px, out_images.data() + k * px, rows, cols, shifts[shift][0],
                shifts[shift][1]);
    out_labels[k] = labels.bytes[src];
  }
  std::filesystem::create_directories(out_dir);
  write_idx(f.labels, {total}, out_labels);  // labels first: the images file marks a finished run
  write_idx(f.images, {total, rows, cols}, out_images);
  return f;
}

/// The expanded training set as a data set (pixels in [0, 1]), made on the first call.
template <class T>
dataset<T> load_expanded_mnist(const std::filesystem::path& mnist_dir, const std::filesystem::path& cache_dir,
                               std::uint64_t seed = 1) {
  const auto f = expand_mnist(mnist_dir, cache_dir, seed);
  return load_idx_dataset<T>(f.images, f.labels, "MNIST expanded training", 10);
}

}  // namespace nndl
