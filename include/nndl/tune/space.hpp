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
  double from_unit(double u) const {
    u = std::clamp(u, 0.0, 1.0);
    if (is_choice()) {
      const auto k = std::min(choices.size() - 1, static_cast<std::size_t>(u * double(choices.size())));
      return choices[k];
    }
    double v = sc == scale::log ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))) : lo + u * (hi - lo);
    if (integer) v = std::clamp(std::round(v), std::ceil(lo), std::floor(hi));
    return v;
  }

  /// The unit coordinate of a value (the centre of its cell for a choice).
  double to_unit(double v) const {
    if (is_choice()) {
      const auto it = std::find(choices.begin(), choices.end(), v);
      if (it == choices.end())
        throw space_error("nndl: " + name + " = " + std::to_string(v) + " is not one of its choices");
      return (double(it - choices.begin()) + 0.5) / double(choices.size());
    }
    if (hi == lo) return 0.5;
    const double u =
        sc == scale::log ? (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo)) : (v - lo) / (hi - lo);
    return std::clamp(u, 0.0, 1.0);
  }

  /// Evenly spaced values for a grid with about `k` levels (fewer when the parameter has fewer).
  std::vector<double> levels(std::size_t k) const {
    if (is_choice()) return choices;
    k = std::max<std::size_t>(k, 1);
    std::vector<double> out;
    for (std::size_t i = 0; i < k; ++i) {
      const double v = from_unit(k == 1 ? 0.5 : double(i) / double(k - 1));
      if (out.empty() || out.back() != v) out.push_back(v);
    }
    return out;
  }

  /// "eta=0.01:10:log" back again.
  std::string spec() const {
    auto num = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, "%g", v);
      return std::string(b);
    };
    if (is_choice()) {
      std::string s = name + "=";
      for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? "|" : "") + num(choices[i]);
      return s;
    }
    return name + "=" + num(lo) + ":" + num(hi) + (sc == scale::log ? ":log" : "") + (integer ? ":int" : "");
  }
};

/// A point: one value per parameter, in the space's order.
using point = std::vector<double>;

/// A search space: its parameters, and points as one value per parameter.
class space {
 public:
  space() = default;
  /// The space of these parameters (their names must differ).
  explicit space(std::vector<parameter> ps) : params_(std::move(ps)) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const auto& p = params_[i];
      if (p.name.empty()) throw space_error("nndl: a search-space parameter needs a name");
      for (std::size_t j = 0; j < i; ++j)
        if (params_[j].name == p.name) throw space_error("nndl: parameter " + p.name + " appears twice in the space");
      if (!p.is_choice()) {
        if (!(p.lo <= p.hi)) throw space_error("nndl: " + p.name + ": lo must not exceed hi");
        if (p.sc == scale::log && !(p.lo > 0)) throw space_error("nndl: " + p.name + ": a log scale needs lo > 0");
        if (p.integer && std::ceil(p.lo) > std::floor(p.hi))
          throw space_error("nndl: " + p.name + ": no whole number between lo and hi");
      }
    }
  }

  /// The number of parameters.
  std::size_t size() const { return params_.size(); }
  /// Parameter i.
  const parameter& operator[](std::size_t i) const { return params_[i]; }
  /// The parameters, in order.
  const std::vector<parameter>& parameters() const { return params_; }
  /// The position of the parameter `name` (a space_error if none).
  std::size_t index(const std::string& name) const {
    for (std::size_t i = 0; i < params_.size(); ++i)
      if (params_[i].name == name) return i;
    throw space_error("nndl: the search space has no parameter " + name);
  }
  /// Whether it has a parameter `name`.
  bool has(const std::string& name) const {
    return std::any_of(params_.begin(), params_.end(), [&](const parameter& p) { return p.name == name; });
  }

  /// The point at unit coordinates u.
  point from_unit(const std::vector<double>& u) const {
    point x(size());
    for (std::size_t i = 0; i < size(); ++i) x[i] = params_[i].from_unit(u[i]);
    return x;
  }
  /// The unit coordinates of point x.
  std::vector<double> to_unit(const point& x) const {
    std::vector<double> u(size());
    for (std::size_t i = 0; i < size(); ++i) u[i] = params_[i].to_unit(x[i]);
    return u;
  }

  /// The parameters' values by name, for the objective.
  std::map<std::string, double> named(const point& x) const {
    std::map<std::string, double> m;
    for (std::size_t i = 0; i < size(); ++i) m[params_[i].name] = x[i];
    return m;
  }

  /// The space as text, "eta=0.01:10:log,lambda=0.01:20:log" (what a journal records).
  std::string spec() const {
    std::string s;
    for (std::size_t i = 0; i < size(); ++i) s += (i ? "," : "") + params_[i].spec();
    return s;
  }

 private:
  std::vector<parameter> params_;
};

namespace detail {
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t b = 0;
  for (;;) {
    const auto e = s.find(sep, b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) return out;
    b = e + 1;
  }
}
inline std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
inline double to_number(const std::string& s, const std::string& where) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(v))
    throw space_error("nndl: search space: '" + s + "' in '" + where + "' is not a number");
  return v;
}
}  // namespace detail

/// Parses "name=lo:hi[:log|:lin][:int],name=v1|v2|v3,...".
inline space parse_space(const std::string& text) {
  std::vector<parameter> ps;
  for (const auto& raw : detail::split(text, ',')) {
    const std::string item = detail::trim(raw);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw space_error("nndl: search space: '" + item + "' should be name=lo:hi[:log][:int] or name=a|b|c");
    parameter p;
    p.name = detail::trim(item.substr(0, eq));
    const std::string rest = detail::trim(item.substr(eq + 1));
    if (rest.find('|') != std::string::npos || rest.find(':') == std::string::npos) {
      for (const auto& c : detail::split(rest, '|')) p.choices.push_back(detail::to_number(detail::trim(c), item));
    } else {
      const auto f = detail::split(rest, ':');
      if (f.size() < 2) throw space_error("nndl: search space: '" + item + "' needs lo:hi");
      p.lo = detail::to_number(detail::trim(f[0]), item);
      p.hi = detail::to_number(detail::trim(f[1]), item);
      for (std::size_t i = 2; i < f.size(); ++i) {
        const auto flag = detail::trim(f[i]);
        if (flag == "log")
          p.sc = scale::log;
        else if (flag == "lin" || flag == "linear")
          p.sc = scale::linear;
        else if (flag == "int")
          p.integer = true;
        else
          throw space_error("nndl: search space: unknown flag '" + flag + "' in '" + item + "' (log, lin, int)");
      }
    }
    ps.push_back(std::move(p));
  }
  if (ps.empty()) throw space_error("nndl: the search space is empty");
  return space(std::move(ps));
}

}  // namespace nndl::tune
