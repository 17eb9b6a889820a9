// The plurality vote of an ensemble (chapter 6), shared by typed ensembles (train/ensemble.hpp)
// and models read from files (model/model.hpp).
#pragma once

#include "out_of_line.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <vector>

namespace nndl::detail {

/// The winning class from each class's votes and its output activation summed over the networks:
/// the most votes; a tie goes to the tied class with the larger summed activation, then the lower.
NNDL_OUT_OF_LINE std::size_t vote_winner(const std::size_t* votes, const double* activation, std::size_t classes);

/// The plurality vote of `nets` networks on `rows` samples: output(k) gives network k's output
/// activations, {rows, classes} row by row (read before the next call); each row's winner goes to
/// winners[0, rows). The same for every network type: compiled once per scalar type.
template <class T>
void vote_rows(std::size_t nets, std::size_t rows, std::size_t classes,
               const std::function<const T*(std::size_t k)>& output, std::size_t* winners) {
  std::vector<std::size_t> votes(rows * classes, 0);
  std::vector<double> activation(rows * classes, 0.0);
  for (std::size_t k = 0; k < nets; ++k) {
    const T* a = output(k);
    for (std::size_t i = 0; i < rows; ++i) {
      const T* p = a + i * classes;
      ++votes[i * classes + std::size_t(std::max_element(p, p + classes) - p)];
      for (std::size_t c = 0; c < classes; ++c) activation[i * classes + c] += double(p[c]);
    }
  }
  for (std::size_t i = 0; i < rows; ++i)
    winners[i] = vote_winner(votes.data() + i * classes, activation.data() + i * classes, classes);
}

#ifdef NNDL_INSTANTIATE  // compiled once (out_of_line.hpp)
NNDL_INSTANTIATE void vote_rows<float>(std::size_t, std::size_t, std::size_t,
                                       const std::function<const float*(std::size_t)>&, std::size_t*);
NNDL_INSTANTIATE void vote_rows<double>(std::size_t, std::size_t, std::size_t,
                                        const std::function<const double*(std::size_t)>&, std::size_t*);
#endif

}  // namespace nndl::detail

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "vote.ipp"
#endif
