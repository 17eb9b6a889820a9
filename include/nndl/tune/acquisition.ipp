// The bodies of acquisition.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the
// end of acquisition.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::tune {

NNDL_OUT_OF_LINE double expected_improvement(double mean, double variance, double best, double xi) {
  const double imp = mean - best - xi;
  const double sd = std::sqrt(std::max(variance, 0.0));
  if (sd < 1e-12) return std::max(imp, 0.0);
  const double z = imp / sd;
  return imp * normal_cdf(z) + sd * normal_pdf(z);
}

NNDL_OUT_OF_LINE std::pair<std::vector<double>, double> maximise_ei(const gaussian_process& gp, double best,
                                                                    const std::vector<std::vector<double>>& starts,
                                                                    const acquisition_options& o) {
  const std::size_t d = gp.dims();
  struct ctx {
    const gaussian_process* gp;
    double best, xi;
    std::size_t evals = 0;
  } c{&gp, best, o.xi};
  auto f = [](unsigned n, const double* x, double*, void* p) -> double {
    auto& c = *static_cast<ctx*>(p);
    ++c.evals;
    const auto [m, v] = c.gp->predict(std::vector<double>(x, x + n));
    return expected_improvement(m, v, c.best, c.xi);
  };
  std::vector<double> best_x(d, 0.5);
  double best_v = f(unsigned(d), best_x.data(), nullptr, &c);
  auto consider = [&](const std::vector<double>& x, double v) {
    if (v > best_v) best_v = v, best_x = x;
  };
  const std::vector<double> lo(d, 0.0), hi(d, 1.0);
  bool ok = true;
  try {
    nlopt::opt g(nlopt::GN_DIRECT_L, unsigned(d));
    g.set_lower_bounds(lo);
    g.set_upper_bounds(hi);
    g.set_max_objective(f, &c);
    g.set_maxeval(int(o.direct_evals ? o.direct_evals : 400 * d));
    std::vector<double> x(d, 0.5);
    double v = 0;
    g.optimize(x, v);
    consider(x, v);
  } catch (const std::exception&) {
    ok = false;
  }
  std::vector<std::vector<double>> from{best_x};
  for (std::size_t i = 0; i < starts.size() && from.size() < o.polish_starts; ++i) from.push_back(starts[i]);
  for (auto x : from) {
    try {
      nlopt::opt l(nlopt::LN_BOBYQA, unsigned(d));
      l.set_lower_bounds(lo);
      l.set_upper_bounds(hi);
      l.set_max_objective(f, &c);
      l.set_maxeval(int(100 * d));
      l.set_xtol_rel(1e-6);
      for (auto& t : x) t = std::clamp(t, 0.0, 1.0);
      double v = 0;
      l.optimize(x, v);
      consider(x, v);
    } catch (const std::exception&) {
      // a polish that fails keeps what DIRECT found
    }
  }
  if (!ok) {  // derivative-free fallback without NLopt's global search: seeded random candidates
    rng r(o.seed);
    std::vector<double> x(d);
    for (std::size_t k = 0; k < 2000 * d; ++k) {
      for (auto& t : x) t = r.uniform();
      consider(x, f(unsigned(d), x.data(), nullptr, &c));
    }
  }
  return {best_x, best_v};
}

}  // namespace nndl::tune
