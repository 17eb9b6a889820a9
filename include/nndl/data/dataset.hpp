// A labelled data set stored one sample per row, so that a mini-batch of consecutive samples is
// one contiguous block of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../detail/out_of_line.hpp"
#include "../detail/xtensor.hpp"

namespace nndl {

/// A labelled data set: one sample per row of x, its class in labels.
template <class T>
struct dataset {
  matrix<T> x = matrix<T>::from_shape({0, 0});  ///< {size, features}, values in [0, 1] for images
  std::vector<std::uint8_t> labels;             ///< class index per row
  /// The number of classes (labels are below it).
  std::size_t classes = 10;
  std::string name;  ///< e.g. "MNIST test"

  /// The number of samples.
  std::size_t size() const { return labels.size(); }
  /// The values per sample (the columns of x).
  std::size_t features() const { return x.shape()[1]; }
  /// The first value of sample i.
  const T* row(std::size_t i) const { return x.data() + i * features(); }

  /// Rows [begin, end) as a new data set (a copy).
  dataset slice(std::size_t begin, std::size_t end) const;
};

/// A data set split three ways, as the book splits MNIST.
template <class T>
struct mnist_data {
  //! @{
  /// The three parts: training, validation and test data.
  dataset<T> training, validation, test;
  //! @}
};

template <class T>
dataset<T> dataset<T>::slice(std::size_t begin, std::size_t end) const {
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

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE struct dataset<float>;
NNDL_INSTANTIATE struct dataset<double>;
#endif

}  // namespace nndl
