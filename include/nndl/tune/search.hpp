// Search strategies behind one interface. A strategy proposes the point of trial `id` from the
// finished trials (and the points still running, for a parallel batch); everything is seeded, so
// the same seed, space and results give the same proposals.
//   grid:   the Cartesian product of evenly spaced levels, trial id = index into the grid
//   random: trial id draws its point from its own generator, seeded by (seed, id)
//   bayes:  the first `initial` trials are those of random search; then the maximiser of expected
//           improvement under a Matérn 5/2 GP fitted to the finished trials (for a batch, the
//           pending points enter the GP with their predicted means: "kriging believer")
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../detail/out_of_line.hpp"
#include "../rng.hpp"
#include "acquisition.hpp"
#include "gp.hpp"
#include "space.hpp"

namespace nndl::tune {

/// One finished trial. score is maximised (e.g. validation accuracy).
struct trial {
  /// Its number (it decides its seed).
  std::size_t id = 0;
  /// The point it tried.
  point x;
  /// Its score (maximised).
  double score = 0;
  std::size_t epochs = 0;  ///< epochs run (fewer than asked when stopped early)
  /// How long it took.
  double seconds = 0;
  int worker = 0;  ///< thread or MPI rank that ran it
  /// The objective's remark.
  std::string note;
};

/// Where a search looks next: grid, random or Bayesian.
class strategy {
 public:
  virtual ~strategy() = default;
  /// Its name in the journal ("grid", "random", "bayes").
  virtual std::string name() const = 0;
  /// The point of trial `id`, or nothing when the strategy has no more (a finished grid).
  virtual std::optional<point> propose(std::size_t id, const std::vector<trial>& done,
                                       const std::vector<point>& pending) = 0;
  /// How many distinct trials the strategy can propose (the grid's size; otherwise unlimited).
  virtual std::size_t capacity() const { return SIZE_MAX; }
};

/// A generator for trial `id` of a search seeded with `seed` (independent of the order trials run in).
inline rng trial_rng(std::uint64_t seed, std::size_t id, std::uint64_t stream = 0) {
  return rng(seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL * (id + 1) + 0xd1b54a32d192ed03ULL * stream);
}

/// Every combination of `levels` values per continuous parameter (and every choice), in order.
class grid_search : public strategy {
 public:
  /// `levels` per continuous parameter (choices use all their values); 0 picks the largest k with
  /// k^d ≤ budget.
  grid_search(space s, std::size_t budget, std::size_t levels = 0);
  /// "grid".
  std::string name() const override { return "grid"; }
  std::size_t capacity() const override { return grid_.size(); }
  std::optional<point> propose(std::size_t id, const std::vector<trial>&, const std::vector<point>&) override {
    if (id >= grid_.size()) return std::nullopt;
    return grid_[id];
  }
  /// The grid's points, in trial order.
  const std::vector<point>& points() const { return grid_; }

 private:
  space s_;
  std::vector<point> grid_;
};

/// Points drawn uniformly in the unit cube (log scale for log parameters), one generator per trial.
class random_search : public strategy {
 public:
  /// Random search over s, seeded with seed.
  random_search(space s, std::uint64_t seed) : s_(std::move(s)), seed_(seed) {}
  /// "random".
  std::string name() const override { return "random"; }
  std::optional<point> propose(std::size_t id, const std::vector<trial>&, const std::vector<point>&) override {
    return sample(s_, seed_, id);
  }
  /// The random point of trial `id` (and `stream`, for redraws) of a search seeded with `seed`.
  static point sample(const space& s, std::uint64_t seed, std::size_t id, std::uint64_t stream = 0);

 private:
  space s_;
  std::uint64_t seed_;
};

/// Bayesian optimisation: a Gaussian process of the scores so far, and the point of highest expected improvement.
class bayes_search : public strategy {
 public:
  /// Bayesian search over s, seeded with seed, after `initial` random trials.
  bayes_search(space s, std::uint64_t seed, std::size_t initial = 5)
      : s_(std::move(s)), seed_(seed), initial_(initial) {}
  /// "bayes".
  std::string name() const override { return "bayes"; }

  std::optional<point> propose(std::size_t id, const std::vector<trial>& done,
                               const std::vector<point>& pending) override;
  /// The Gaussian process of the last proposal.
  const gaussian_process& model() const { return gp_; }
  /// The expected improvement of the last proposal.
  double last_ei() const { return last_ei_; }

 private:
  static double gp_scale(const std::vector<double>& y);
  bool seen(const point& p, const std::vector<trial>& done, const std::vector<point>& pending) const;

  space s_;
  std::uint64_t seed_;
  std::size_t initial_;
  gaussian_process gp_;
  double last_ei_ = 0;
};

/// "grid", "random" or "bayes".
NNDL_OUT_OF_LINE std::unique_ptr<strategy> make_strategy(const std::string& name, const space& s, std::size_t budget,
                                                         std::uint64_t seed, std::size_t bayes_initial = 5);

}  // namespace nndl::tune

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "search.ipp"
#endif
