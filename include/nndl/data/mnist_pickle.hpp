// The book's own data file, mnist.pkl.gz, read with nndl's restricted unpickler (pickle.hpp).
//
// Layout: a tuple (training, validation, test), each a pair (images, labels) of NumPy arrays:
// images float32 {N, 784}, a 28 x 28 image per row with pixels byte / 256 in [0, 1); labels int64
// {N}, digits 0 to 9; N = 50,000, 10,000 and 10,000. The images are taken as the file has them
// (converted to T, not rescaled); float64 images and int8 to uint64 labels are read as well.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "dataset.hpp"
#include "pickle.hpp"

namespace nndl {

namespace detail {

/// One (images, labels) pair of the book's file as a data set named "MNIST <split>".
template <class T>
dataset<T> pickle_split(const std::filesystem::path& file, const pickle_value& pair, const std::string& split) {
  using type = pickle_value::type;
  auto fail = [&](const std::string& problem) { idx_fail(file, "the " + split + " set: " + problem); };
  if (pair.t != type::tuple || pair.items.size() != 2)
    fail("expected a pair (images, labels), found " + describe(pair));
  const pickle_value& xv = *pair.items[0];
  const pickle_value& yv = *pair.items[1];
  if (xv.t != type::array || !xv.built) fail("the images are " + describe(xv) + ", not a NumPy array");
  if (yv.t != type::array || !yv.built) fail("the labels are " + describe(yv) + ", not a NumPy array");
  const numpy_array& x = xv.array;
  const numpy_array& y = yv.array;
  if (x.kind != 'f') fail("the images are " + x.type_name() + ", expected float32 (or float64)");
  if (x.shape.size() != 2 || x.shape[1] != 784)
    fail("the images have shape " + dims_string(x.shape) + ", expected N x 784 (28 x 28 pixels a row)");
  if (y.kind != 'i' && y.kind != 'u') fail("the labels are " + y.type_name() + ", expected integers (int64)");
  if (y.shape.size() != 1) fail("the labels have shape " + dims_string(y.shape) + ", expected one dimension N");
  const std::size_t n = x.shape[0];
  if (y.shape[0] != n)
    fail(std::to_string(n) + " images but " + std::to_string(y.shape[0]) + " labels; they must agree");

  dataset<T> out;
  out.x = matrix<T>::from_shape({n, 784});
  numpy_elements(x, out.x.data());
  const T* px = out.x.data();
  for (std::size_t k = 0; k < n * 784; ++k)
    if (!(px[k] >= T(0) && px[k] <= T(1))) {  // also catches NaN
      char v[32];
      std::snprintf(v, sizeof v, "%g", static_cast<double>(px[k]));
      fail("pixel " + std::to_string(k % 784) + " of image " + std::to_string(k / 784) + " is " + v +
           ", outside [0, 1]");
    }
  std::vector<double> labels(n);  // exact for any label that could be in range
  numpy_elements(y, labels.data());
  out.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(labels[i] >= 0 && labels[i] <= 9)) {
      char v[32];
      std::snprintf(v, sizeof v, "%.0f", labels[i]);
      fail("label out of range: label " + std::string(v) + " at index " + std::to_string(i) + ", expected 0 to 9");
    }
    out.labels[i] = static_cast<std::uint8_t>(labels[i]);
  }
  out.classes = 10;
  out.name = "MNIST " + split;
  return out;
}

}  // namespace detail

/// Loads the book's mnist.pkl.gz (or the same pickle uncompressed): training, validation and test
/// as the file splits them. Throws data_error naming the file for anything else, and refuses
/// without running it any pickle that names another callable than NumPy's array reconstruction.
template <class T = double>
mnist_data<T> load_mnist_pickle(const std::filesystem::path& file, const pickle_limits& limits = {}) {
  const pickle_ref root = read_pickle(file, limits);
  if (root->t != pickle_value::type::tuple || root->items.size() != 3)
    detail::idx_fail(file, "expected the book's layout, a tuple (training, validation, test) of three "
                           "(images, labels) pairs; the pickle holds " +
                               describe(*root));
  mnist_data<T> out;
  out.training = detail::pickle_split<T>(file, *root->items[0], "training");
  out.validation = detail::pickle_split<T>(file, *root->items[1], "validation");
  out.test = detail::pickle_split<T>(file, *root->items[2], "test");
  return out;
}

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE mnist_data<float> load_mnist_pickle<float>(const std::filesystem::path&, const pickle_limits&);
NNDL_INSTANTIATE mnist_data<double> load_mnist_pickle<double>(const std::filesystem::path&, const pickle_limits&);
#endif

}  // namespace nndl
