// Expected improvement (Jones, Schonlau & Welch 1998) for maximisation, and its maximiser over the
// unit cube: NLopt's DIRECT-L (global, deterministic), polished by BOBYQA from its optimum and from
// the best observed points; if NLopt fails, the best of seeded random candidates.
//   EI(x) = (μ − f* − ξ) Φ(z) + σ φ(z),  z = (μ − f* − ξ) / σ;  EI = max(μ − f* − ξ, 0) when σ = 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

#include <nlopt.hpp>

#include "../detail/out_of_line.hpp"
#include "../rng.hpp"
#include "gp.hpp"

namespace nndl::tune {

inline double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi); }
inline double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

/// Expected improvement over `best` of a normal N(mean, variance), for maximisation.
NNDL_OUT_OF_LINE double expected_improvement(double mean, double variance, double best, double xi = 0.0);

/// How maximise_ei searches the unit cube for the highest expected improvement.
struct acquisition_options {
  double xi = 0.0;                ///< exploration margin, in the targets' units
  std::size_t direct_evals = 0;   ///< 0: 400 per dimension
  std::size_t polish_starts = 3;  ///< BOBYQA polishes from the DIRECT optimum and the best observed points
  std::uint64_t seed = 11;        ///< for the random fallback
};

/// The point of the unit cube with the highest EI under the GP (and its EI).
NNDL_OUT_OF_LINE std::pair<std::vector<double>, double> maximise_ei(const gaussian_process& gp, double best,
                                                                    const std::vector<std::vector<double>>& starts = {},
                                                                    const acquisition_options& o = {});

}  // namespace nndl::tune

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "acquisition.ipp"
#endif
