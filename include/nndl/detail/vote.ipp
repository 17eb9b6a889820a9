// The bodies of vote.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of vote.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::size_t vote_winner(const std::size_t* votes, const double* activation, std::size_t classes) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < classes; ++c)
    if (votes[c] > votes[best] || (votes[c] == votes[best] && activation[c] > activation[best])) best = c;
  return best;
}

}  // namespace nndl::detail
