// The bodies of expand.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of expand.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE void shift_image(const std::uint8_t* in, std::uint8_t* out, std::size_t rows, std::size_t cols, int dy,
                                  int dx) {
  for (std::size_t y = 0; y < rows; ++y)
    for (std::size_t x = 0; x < cols; ++x) {
      const long sy = long(y) - dy, sx = long(x) - dx;
      out[y * cols + x] =
          sy >= 0 && sx >= 0 && sy < long(rows) && sx < long(cols) ? in[std::size_t(sy) * cols + std::size_t(sx)] : 0;
    }
}

NNDL_OUT_OF_LINE expanded_files expand_mnist(const std::filesystem::path& mnist_dir,
                                             const std::filesystem::path& out_dir, std::uint64_t seed,
                                             std::size_t training_size) {
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

}  // namespace nndl
