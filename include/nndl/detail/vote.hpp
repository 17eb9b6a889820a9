// The plurality vote of an ensemble (chapter 6), shared by typed ensembles (train/ensemble.hpp)
// and models read from files (model/model.hpp).
#pragma once

#include <cstddef>

namespace nndl::detail {

/// The winning class from each class's votes and its output activation summed over the networks:
/// the most votes; a tie goes to the tied class with the larger summed activation, then the lower.
inline std::size_t vote_winner(const std::size_t* votes, const double* activation, std::size_t classes) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < classes; ++c)
    if (votes[c] > votes[best] || (votes[c] == votes[best] && activation[c] > activation[best])) best = c;
  return best;
}

}  // namespace nndl::detail
