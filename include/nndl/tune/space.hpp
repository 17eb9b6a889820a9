// Search spaces for hyperparameter tuning: named parameters on a linear or log scale, real or
// integer, or a choice among listed values (e.g. the hidden sizes a program compiles). Every
// strategy works in the unit cube [0, 1]^d; a space maps unit coordinates to values and back.
//
//   auto s = nndl::tune::parse_space("eta=0.01:10:log,lambda=0.01:20:log,mini_batch=5:50:int,hidden=30|100");
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "../detail/out_of_line.hpp"

namespace nndl::tune {

/// A search space that could not be read, or a point outside it.
struct space_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// How a parameter's range is spread over the unit interval.
enum class scale { linear, log };

/// One dimension of a search space: a range (linear or log, whole numbers or not) or a list of choices.
struct parameter {
  /// Its name ("eta", "lambda", ...).
  std::string name;
  //! @{
  /// The lower and upper end of its range.
  double lo = 0, hi = 1;
  //! @}
  /// Linear or logarithmic.
  scale sc = scale::linear;
  bool integer = false;         ///< rounded to whole numbers
  std::vector<double> choices;  ///< non-empty: one of these values (lo, hi unused)

  /// Whether it is one of a list of values.
  bool is_choice() const { return !choices.empty(); }

  /// The value at unit coordinate u in [0, 1].
  double from_unit(double u) const;

  /// The unit coordinate of a value (the centre of its cell for a choice).
  double to_unit(double v) const;

  /// Evenly spaced values for a grid with about `k` levels (fewer when the parameter has fewer).
  std::vector<double> levels(std::size_t k) const;

  /// "eta=0.01:10:log" back again.
  std::string spec() const;
};

/// A point: one value per parameter, in the space's order.
using point = std::vector<double>;

/// A search space: its parameters, and points as one value per parameter.
class space {
 public:
  space() = default;
  /// The space of these parameters (their names must differ).
  explicit space(std::vector<parameter> ps);

  /// The number of parameters.
  std::size_t size() const { return params_.size(); }
  /// Parameter i.
  const parameter& operator[](std::size_t i) const { return params_[i]; }
  /// The parameters, in order.
  const std::vector<parameter>& parameters() const { return params_; }
  /// The position of the parameter `name` (a space_error if none).
  std::size_t index(const std::string& name) const;
  /// Whether it has a parameter `name`.
  bool has(const std::string& name) const {
    return std::any_of(params_.begin(), params_.end(), [&](const parameter& p) { return p.name == name; });
  }

  /// The point at unit coordinates u.
  point from_unit(const std::vector<double>& u) const;
  /// The unit coordinates of point x.
  std::vector<double> to_unit(const point& x) const;

  /// The parameters' values by name, for the objective.
  std::map<std::string, double> named(const point& x) const;

  /// The space as text, "eta=0.01:10:log,lambda=0.01:20:log" (what a journal records).
  std::string spec() const;

 private:
  std::vector<parameter> params_;
};

namespace detail {
NNDL_OUT_OF_LINE std::vector<std::string> split(const std::string& s, char sep);
NNDL_OUT_OF_LINE std::string trim(const std::string& s);
NNDL_OUT_OF_LINE double to_number(const std::string& s, const std::string& where);
}  // namespace detail

/// Parses "name=lo:hi[:log|:lin][:int],name=v1|v2|v3,...".
NNDL_OUT_OF_LINE space parse_space(const std::string& text);

}  // namespace nndl::tune

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "space.ipp"
#endif
