// The bodies of gp.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of gp.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::tune {

NNDL_OUT_OF_LINE double gaussian_process::kernel(const double* a, const double* b, std::size_t d, const gp_hyper& h) {
  double r2 = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double t = (a[i] - b[i]) / h.length[i];
    r2 += t * t;
  }
  const double s5r = std::sqrt(5.0 * r2);
  return h.signal * (1 + s5r + 5.0 / 3.0 * r2) * std::exp(-s5r);
}

NNDL_OUT_OF_LINE void gaussian_process::set_data(std::vector<std::vector<double>> x, std::vector<double> y, gp_hyper h,
                                                 bool standardise) {
  if (x.size() != y.size() || x.empty())
    throw std::invalid_argument("nndl: gaussian_process needs n >= 1 points and n targets");
  d_ = x.front().size();
  if (h.length.size() != d_) h.length.assign(d_, 0.3);
  x_ = std::move(x);
  mean_ = 0, scale_ = 1;
  if (standardise) {
    for (double v : y) mean_ += v;
    mean_ /= double(y.size());
    double var = 0;
    for (double v : y) var += (v - mean_) * (v - mean_);
    var /= double(y.size());
    scale_ = var > 1e-300 ? std::sqrt(var) : 1.0;
  }
  y_.resize(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) y_[i] = (y[i] - mean_) / scale_;
  h_ = std::move(h);
  if (!factor(h_)) throw std::runtime_error("nndl: gaussian_process: the kernel matrix is not positive definite");
}

NNDL_OUT_OF_LINE void gaussian_process::fit(std::vector<std::vector<double>> x, std::vector<double> y,
                                            const gp_fit_options& o) {
  const std::size_t d = x.empty() ? 0 : x.front().size();
  gp_hyper start{std::vector<double>(d, 0.3), 1.0, 1e-3};
  set_data(std::move(x), std::move(y), start);
  const std::size_t p = d_ + 2;
  std::vector<double> lo(p), hi(p);
  for (std::size_t i = 0; i < d_; ++i) lo[i] = std::log(o.length_lo), hi[i] = std::log(o.length_hi);
  lo[d_] = std::log(o.signal_lo), hi[d_] = std::log(o.signal_hi);
  lo[d_ + 1] = std::log(o.noise_lo), hi[d_ + 1] = std::log(o.noise_hi);
  auto pack = [&](const gp_hyper& h) {
    std::vector<double> t(p);
    for (std::size_t i = 0; i < d_; ++i) t[i] = std::log(h.length[i]);
    t[d_] = std::log(h.signal), t[d_ + 1] = std::log(h.noise);
    for (std::size_t i = 0; i < p; ++i) t[i] = std::clamp(t[i], lo[i], hi[i]);
    return t;
  };
  auto objective = [](unsigned n, const double* t, double*, void* self) -> double {
    auto& gp = *static_cast<gaussian_process*>(self);
    gp_hyper h{std::vector<double>(t, t + gp.d_), std::exp(t[gp.d_]), std::exp(t[gp.d_ + 1])};
    for (auto& l : h.length) l = std::exp(l);
    (void)n;
    const double ll = gp.log_likelihood(h);
    return std::isfinite(ll) ? ll : -1e30;
  };
  std::vector<double> best_t = pack(start);
  double best = objective(unsigned(p), best_t.data(), nullptr, this);
  rng r(o.seed);
  for (std::size_t s = 0; s < o.restarts; ++s) {
    std::vector<double> t = s == 0 ? best_t : std::vector<double>(p);
    if (s > 0)
      for (std::size_t i = 0; i < p; ++i) t[i] = lo[i] + r.uniform() * (hi[i] - lo[i]);
    try {
      nlopt::opt opt(nlopt::LN_BOBYQA, unsigned(p));
      opt.set_lower_bounds(lo);
      opt.set_upper_bounds(hi);
      opt.set_max_objective(objective, this);
      opt.set_maxeval(int(o.max_evals));
      opt.set_xtol_rel(1e-4);
      double v = 0;
      opt.optimize(t, v);
      if (v > best) best = v, best_t = t;
    } catch (const std::exception&) {
      // a failed start (roundoff, a non-finite likelihood) leaves the best so far
    }
  }
  gp_hyper h{std::vector<double>(d_), std::exp(best_t[d_]), std::exp(best_t[d_ + 1])};
  for (std::size_t i = 0; i < d_; ++i) h.length[i] = std::exp(best_t[i]);
  h_ = h;
  if (!factor(h_)) throw std::runtime_error("nndl: gaussian_process: no positive-definite fit");
  log_likelihood_ = best;
}

NNDL_OUT_OF_LINE double gaussian_process::log_likelihood(const gp_hyper& h) const {
  matrix<double> l;
  std::vector<double> a;
  if (!cholesky_of(h, l, a)) return -std::numeric_limits<double>::infinity();
  double q = 0, logdet = 0;
  for (std::size_t i = 0; i < y_.size(); ++i) q += y_[i] * a[i], logdet += std::log(l(i, i));
  return -0.5 * q - logdet - 0.5 * double(y_.size()) * std::log(2 * std::numbers::pi);
}

NNDL_OUT_OF_LINE std::pair<double, double> gaussian_process::predict(const std::vector<double>& x) const {
  const std::size_t n = x_.size();
  std::vector<double> k(n), v(n);
  for (std::size_t i = 0; i < n; ++i) k[i] = kernel(x.data(), x_[i].data(), d_, h_);
  double mu = 0;
  for (std::size_t i = 0; i < n; ++i) mu += k[i] * alpha_[i];
  forward_solve(l_, k, v);
  double var = h_.signal;
  for (double t : v) var -= t * t;
  return {mean_ + scale_ * mu, scale_ * scale_ * std::max(var, 0.0)};
}

NNDL_OUT_OF_LINE void gaussian_process::forward_solve(const matrix<double>& l, const std::vector<double>& b,
                                                      std::vector<double>& x) {
  const std::size_t n = b.size();
  for (std::size_t i = 0; i < n; ++i) {
    double s = b[i];
    for (std::size_t j = 0; j < i; ++j) s -= l(i, j) * x[j];
    x[i] = s / l(i, i);
  }
}

NNDL_OUT_OF_LINE void gaussian_process::backward_solve_t(const matrix<double>& l, const std::vector<double>& b,
                                                         std::vector<double>& x) {
  const std::size_t n = b.size();  // solves Lᵀ x = b
  for (std::size_t i = n; i-- > 0;) {
    double s = b[i];
    for (std::size_t j = i + 1; j < n; ++j) s -= l(j, i) * x[j];
    x[i] = s / l(i, i);
  }
}

NNDL_OUT_OF_LINE bool gaussian_process::cholesky_of(const gp_hyper& h, matrix<double>& l,
                                                    std::vector<double>& a) const {
  const std::size_t n = x_.size();
  matrix<double> k = matrix<double>::from_shape({n, n});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) k(i, j) = k(j, i) = kernel(x_[i].data(), x_[j].data(), d_, h);
  for (std::size_t i = 0; i < n; ++i) k(i, i) += h.noise + 1e-10 * h.signal;  // a little jitter
  try {
    if (n == 1) {
      if (!(k(0, 0) > 0)) return false;
      l = matrix<double>::from_shape({1, 1});
      l(0, 0) = std::sqrt(k(0, 0));
    } else {
      l = xt::linalg::cholesky(k);
    }
  } catch (const std::runtime_error&) {
    return false;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!(l(i, i) > 0) || !std::isfinite(l(i, i))) return false;
  std::vector<double> z(n);
  a.assign(n, 0);
  forward_solve(l, y_, z);
  backward_solve_t(l, z, a);
  return true;
}

}  // namespace nndl::tune
