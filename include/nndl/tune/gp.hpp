// A Gaussian-process regression surrogate for Bayesian optimisation (Rasmussen & Williams, ch. 2, 5):
//   k(x, x') = σf² (1 + √5 r + 5/3 r²) exp(−√5 r),  r² = Σ_i ((x_i − x'_i) / ℓ_i)²   (Matérn 5/2, ARD)
// with Gaussian observation noise σn². The targets are standardised (mean 0, variance 1) unless
// told otherwise. Training: K + σn² I = L Lᵀ by Cholesky (xt::linalg::cholesky, LAPACK dpotrf),
// α = L⁻ᵀ L⁻¹ y. Posterior at x*: mean k*ᵀ α, variance k(x*, x*) − vᵀv with v = L⁻¹ k* (the latent
// function's variance, without the noise). fit() chooses ℓ, σf², σn² by maximising the log marginal
// likelihood −½ yᵀα − Σ log L_ii − (n/2) log 2π with NLopt (BOBYQA, multi-start, in log space).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <nlopt.hpp>
// <sys/ioctl.h> (progress.hpp) defines NCC, a parameter name in FLENS's LAPACK declarations.
#pragma push_macro("NCC")
#undef NCC
#include <xtensor-blas/xlinalg.hpp>
#pragma pop_macro("NCC")

#include "../detail/out_of_line.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"

namespace nndl::tune {

/// The hyperparameters of the Matérn 5/2 kernel: length scales, signal and noise variance.
struct gp_hyper {
  std::vector<double> length;  ///< ℓ_i per input dimension
  double signal = 1.0;         ///< σf²
  double noise = 1e-6;         ///< σn²
};

/// Bounds of the maximum-likelihood fit (inputs in the unit cube, standardised targets).
struct gp_fit_options {
  //! @{
  /// The bounds of each length scale ℓ_i.
  double length_lo = 0.02, length_hi = 5.0;
  //! @}
  //! @{
  /// The bounds of the signal variance σf².
  double signal_lo = 0.05, signal_hi = 20.0;
  //! @}
  //! @{
  /// The bounds of the noise variance σn².
  double noise_lo = 1e-6, noise_hi = 0.5;
  //! @}
  std::size_t restarts = 4;     ///< starting points of the local optimiser (the first is the previous optimum)
  std::size_t max_evals = 300;  ///< per start
  /// The seed of the random starting points.
  std::uint64_t seed = 7;
};

/// Gaussian-process regression (Matérn 5/2, ARD), the surrogate of Bayesian optimisation.
class gaussian_process {
 public:
  /// Matérn 5/2 between two points under the given hyperparameters.
  static double kernel(const double* a, const double* b, std::size_t d, const gp_hyper& h);

  /// Conditions on data X {n, d} (one point per row) and y {n} with fixed hyperparameters.
  void set_data(std::vector<std::vector<double>> x, std::vector<double> y, gp_hyper h, bool standardise = true);

  /// Conditions on the data and fits ℓ, σf², σn² by maximum likelihood.
  void fit(std::vector<std::vector<double>> x, std::vector<double> y, const gp_fit_options& o = {});

  /// −½ yᵀα − Σ log L_ii − (n/2) log 2π of the standardised targets under h; −∞ when K is not PD.
  double log_likelihood(const gp_hyper& h) const;

  /// Posterior mean and variance of the latent function at x (in the targets' original units).
  std::pair<double, double> predict(const std::vector<double>& x) const;

  /// The hyperparameters in use (those fit() chose).
  const gp_hyper& hyper() const { return h_; }
  /// The log marginal likelihood at those hyperparameters.
  double fitted_log_likelihood() const { return log_likelihood_; }
  /// The number of observations.
  std::size_t size() const { return x_.size(); }
  /// The input dimensions.
  std::size_t dims() const { return d_; }

 private:
  static void forward_solve(const matrix<double>& l, const std::vector<double>& b, std::vector<double>& x);
  static void backward_solve_t(const matrix<double>& l, const std::vector<double>& b, std::vector<double>& x);

  /// L and α for hyperparameters h; false when K + σn² I is not positive definite.
  bool cholesky_of(const gp_hyper& h, matrix<double>& l, std::vector<double>& a) const;

  bool factor(const gp_hyper& h) { return cholesky_of(h, l_, alpha_); }

  std::size_t d_ = 0;
  std::vector<std::vector<double>> x_;
  std::vector<double> y_, alpha_;
  double mean_ = 0, scale_ = 1, log_likelihood_ = 0;
  gp_hyper h_;
  matrix<double> l_;
};

}  // namespace nndl::tune

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "gp.ipp"
#endif
