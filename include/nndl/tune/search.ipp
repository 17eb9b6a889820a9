// The bodies of search.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of search.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::tune {

NNDL_OUT_OF_LINE grid_search::grid_search(space s, std::size_t budget, std::size_t levels) : s_(std::move(s)) {
  std::size_t continuous = 0, fixed = 1;
  for (const auto& p : s_.parameters()) {
    if (p.is_choice())
      fixed *= p.choices.size();
    else
      ++continuous;
  }
  if (levels == 0) {
    levels = 1;
    const double per = double(std::max<std::size_t>(budget / std::max<std::size_t>(fixed, 1), 1));
    while (continuous > 0 && std::pow(double(levels + 1), double(continuous)) <= per + 1e-9) ++levels;
  }
  std::vector<std::vector<double>> lv;
  for (const auto& p : s_.parameters()) lv.push_back(p.levels(levels));
  // Cartesian product, the last parameter changing fastest.
  std::vector<std::size_t> idx(lv.size(), 0);
  for (;;) {
    point x(lv.size());
    for (std::size_t i = 0; i < lv.size(); ++i) x[i] = lv[i][idx[i]];
    grid_.push_back(std::move(x));
    std::size_t i = lv.size();
    while (i > 0 && ++idx[i - 1] == lv[i - 1].size()) idx[--i] = 0;
    if (i == 0) break;
  }
}

NNDL_OUT_OF_LINE point random_search::sample(const space& s, std::uint64_t seed, std::size_t id, std::uint64_t stream) {
  rng r = trial_rng(seed, id, stream);
  std::vector<double> u(s.size());
  for (auto& t : u) t = r.uniform();
  return s.from_unit(u);
}

NNDL_OUT_OF_LINE std::optional<point> bayes_search::propose(std::size_t id, const std::vector<trial>& done,
                                                            const std::vector<point>& pending) {
  if (id < initial_ || done.size() < 2) return random_search::sample(s_, seed_, id);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (const auto& t : done)
    if (std::isfinite(t.score)) x.push_back(s_.to_unit(t.x)), y.push_back(t.score);
  if (x.size() < 2) return random_search::sample(s_, seed_, id);
  gp_fit_options fo;
  fo.seed = seed_ + id;
  gp_.fit(x, y, fo);
  const double best = *std::max_element(y.begin(), y.end());
  if (!pending.empty()) {  // kriging believer: running trials count as scoring their predicted mean
    for (const auto& p : pending) {
      const auto u = s_.to_unit(p);
      y.push_back(gp_.predict(u).first);
      x.push_back(u);
    }
    gp_.set_data(x, y, gp_.hyper());
  }
  std::vector<std::size_t> order(done.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return done[a].score > done[b].score; });
  std::vector<std::vector<double>> starts;
  for (std::size_t i = 0; i < std::min<std::size_t>(order.size(), 3); ++i)
    starts.push_back(s_.to_unit(done[order[i]].x));
  acquisition_options ao;
  ao.seed = seed_ + id;
  ao.xi = 0.01 * gp_scale(y);
  auto [u, ei] = maximise_ei(gp_, best, starts, ao);
  last_ei_ = ei;
  point p = s_.from_unit(u);
  // A point already tried (integer or choice parameters snap together) teaches nothing: explore.
  for (std::uint64_t k = 1; k < 50 && seen(p, done, pending); ++k) p = random_search::sample(s_, seed_, id, k);
  return p;
}

NNDL_OUT_OF_LINE double bayes_search::gp_scale(const std::vector<double>& y) {
  double m = 0, v = 0;
  for (double t : y) m += t;
  m /= double(y.size());
  for (double t : y) v += (t - m) * (t - m);
  return std::sqrt(v / double(y.size()));
}

NNDL_OUT_OF_LINE bool bayes_search::seen(const point& p, const std::vector<trial>& done,
                                         const std::vector<point>& pending) const {
  auto same = [&](const point& q) {
    for (std::size_t i = 0; i < p.size(); ++i)
      if (std::abs(s_[i].to_unit(p[i]) - s_[i].to_unit(q[i])) > 1e-9) return false;
    return true;
  };
  return std::any_of(done.begin(), done.end(), [&](const trial& t) { return same(t.x); }) ||
         std::any_of(pending.begin(), pending.end(), same);
}

NNDL_OUT_OF_LINE std::unique_ptr<strategy> make_strategy(const std::string& name, const space& s, std::size_t budget,
                                                         std::uint64_t seed, std::size_t bayes_initial) {
  if (name == "grid") return std::make_unique<grid_search>(s, budget);
  if (name == "random") return std::make_unique<random_search>(s, seed);
  if (name == "bayes") return std::make_unique<bayes_search>(s, seed, bayes_initial);
  throw std::invalid_argument("nndl: unknown search strategy '" + name + "' (grid, random or bayes)");
}

}  // namespace nndl::tune
