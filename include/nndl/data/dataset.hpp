// A labelled data set stored one sample per row, so that a mini-batch of consecutive samples is
// one contiguous block of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../detail/xtensor.hpp"

namespace nndl {

template <class T>
struct dataset {
  matrix<T> x = matrix<T>::from_shape({0, 0});  ///< {size, features}, values in [0, 1] for images
  std::vector<std::uint8_t> labels;             ///< class index per row
  std::size_t classes = 10;
  std::string name;  ///< e.g. "MNIST test"

  std::size_t size() const { return labels.size(); }
  std::size_t features() const { return x.shape()[1]; }
  const T* row(std::size_t i) const { return x.data() + i * features(); }

  /// Rows [begin, end) as a new data set (a copy).
  dataset slice(std::size_t begin, std::size_t end) const {
    if (begin > end || end > size())
      throw std::out_of_range("nndl: slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") of " + name +
                              " with " + std::to_string(size()) + " rows");
    dataset out;
    out.x = xt::view(x, xt::range(begin, end), xt::all());
    out.labels.assign(labels.begin() + static_cast<std::ptrdiff_t>(begin),
                      labels.begin() + static_cast<std::ptrdiff_t>(end));
    out.classes = classes;
    out.name = name;
    return out;
  }
};

/// A data set split three ways, as the book splits MNIST.
template <class T>
struct mnist_data {
  dataset<T> training, validation, test;
};

}  // namespace nndl
