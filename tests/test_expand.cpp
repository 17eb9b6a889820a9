// The book's expand_mnist: one-pixel shifts with zero fill, five images per original, seeded.
#include <catch2/catch.hpp>

#include <nndl/data/expand.hpp>

#include "support.hpp"

#include <algorithm>
#include <cstdlib>

TEST_CASE("shift_image moves the ink by one pixel and fills with background", "[expand]") {
  const std::vector<std::uint8_t> in{1, 2, 3, 4, 5, 6, 7, 8, 9};  // 3x3
  std::vector<std::uint8_t> out(9);
  nndl::shift_image(in.data(), out.data(), 3, 3, 1, 0);  // down
  CHECK(out == std::vector<std::uint8_t>{0, 0, 0, 1, 2, 3, 4, 5, 6});
  nndl::shift_image(in.data(), out.data(), 3, 3, -1, 0);  // up
  CHECK(out == std::vector<std::uint8_t>{4, 5, 6, 7, 8, 9, 0, 0, 0});
  nndl::shift_image(in.data(), out.data(), 3, 3, 0, 1);  // right
  CHECK(out == std::vector<std::uint8_t>{0, 1, 2, 0, 4, 5, 0, 7, 8});
  nndl::shift_image(in.data(), out.data(), 3, 3, 0, -1);  // left
  CHECK(out == std::vector<std::uint8_t>{2, 3, 0, 5, 6, 0, 8, 9, 0});
  nndl::shift_image(in.data(), out.data(), 3, 3, 0, 0);
  CHECK(out == in);
}

TEST_CASE("expand_mnist makes five shuffled images per original, written once and reused", "[expand]") {
  test_support::temp_dir dir("expand");
  // a tiny "MNIST" folder of 6 training images 4x4 (the t10k files are needed by the folder check)
  std::vector<std::uint8_t> imgs(6 * 16), labs(6);
  for (std::size_t i = 0; i < 6; ++i) {
    labs[i] = static_cast<std::uint8_t>(i);
    imgs[i * 16 + 5] = static_cast<std::uint8_t>(100 + i);  // one ink pixel at (1, 1)
  }
  nndl::write_idx(dir / "train-images-idx3-ubyte.gz", {6, 4, 4}, imgs);
  nndl::write_idx(dir / "train-labels-idx1-ubyte.gz", {6}, labs);
  nndl::write_idx(dir / "t10k-images-idx3-ubyte.gz", {6, 4, 4}, imgs);
  nndl::write_idx(dir / "t10k-labels-idx1-ubyte.gz", {6}, labs);
  const auto f = nndl::expand_mnist(dir.path, dir / "cache", 7, 4);
  const auto d = nndl::load_idx_dataset<double>(f.images, f.labels, "expanded");
  REQUIRE(d.size() == 20);
  for (std::uint8_t k = 0; k < 4; ++k) CHECK(std::count(d.labels.begin(), d.labels.end(), k) == 5);
  CHECK(std::count(d.labels.begin(), d.labels.end(), 4) == 0);  // only the first training_size images
  // every expanded image keeps its single ink pixel, at (1,1) or one pixel away, with its label's value
  for (std::size_t i = 0; i < d.size(); ++i) {
    std::size_t ink = 0, where = 0;
    for (std::size_t p = 0; p < 16; ++p)
      if (d.x(i, p) > 0) ++ink, where = p;
    REQUIRE(ink == 1);
    CHECK(d.x(i, where) == Approx((100 + d.labels[i]) / 255.0));
    CHECK((where == 5 || where == 1 || where == 9 || where == 4 || where == 6));
  }
  CHECK(d.labels != std::vector<std::uint8_t>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3});  // shuffled
  const auto time = std::filesystem::last_write_time(f.images);
  const auto again = nndl::expand_mnist(dir.path, dir / "cache", 7, 4);  // reused, not rewritten
  CHECK(std::filesystem::last_write_time(again.images) == time);
  const auto other = nndl::load_idx_dataset<double>(nndl::expand_mnist(dir.path, dir / "cache", 8, 4).images,
                                                    nndl::expand_mnist(dir.path, dir / "cache", 8, 4).labels, "x");
  CHECK(other.labels != d.labels);  // another seed, another order
}

TEST_CASE("expanding real MNIST gives 250,000 images", "[expand][mnist]") {
  const auto folder = test_support::mnist_dir_or_warn("expanding real MNIST");
  if (!folder) return;
  const char* env = folder->c_str();
  test_support::temp_dir dir("expand-real");
  const auto d = nndl::load_expanded_mnist<float>(env, dir.path, 1);
  CHECK(d.size() == 250000);
  CHECK(d.features() == 784);
  const auto mnist = nndl::load_mnist<float>(env);
  // the ink of the expanded set equals five times that of the originals, less what the shifts push out
  const double ink = xt::sum(d.x)(), original = xt::sum(mnist.training.x)();
  CHECK(ink <= 5 * original);
  CHECK(ink > 4.99 * original);
}
