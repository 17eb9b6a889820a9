// The plurality vote of an ensemble (chapter 6), shared by typed ensembles (train/ensemble.hpp)
// and models read from files (model/model.hpp).
#pragma once

#include "out_of_line.hpp"

#include <cstddef>

namespace nndl::detail {

/// The winning class from each class's votes and its output activation summed over the networks:
/// the most votes; a tie goes to the tied class with the larger summed activation, then the lower.
NNDL_OUT_OF_LINE std::size_t vote_winner(const std::size_t* votes, const double* activation, std::size_t classes);

}  // namespace nndl::detail

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "vote.ipp"
#endif
