// Generated images of MNIST's size for the benchmarks (uniform pixels, uniform labels): timing does
// not depend on what the pixels show.
#pragma once

#include <cstddef>
#include <cstdint>

#include <nndl/data/dataset.hpp>
#include <nndl/rng.hpp>

namespace nndl_bench {

template <class T>
nndl::dataset<T> generated_images(std::size_t n, std::uint64_t seed = 7) {
  nndl::dataset<T> d;
  d.x = nndl::matrix<T>::from_shape({n, std::size_t{784}});
  nndl::rng r(seed);
  for (auto& v : d.x) v = T(r.uniform());
  d.labels.resize(n);
  for (auto& l : d.labels) l = static_cast<std::uint8_t>(r.below(10));
  d.name = "generated";
  return d;
}

}  // namespace nndl_bench
