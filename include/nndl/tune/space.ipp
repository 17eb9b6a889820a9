// The bodies of space.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of space.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::tune {

NNDL_OUT_OF_LINE double parameter::from_unit(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  if (is_choice()) {
    const auto k = std::min(choices.size() - 1, static_cast<std::size_t>(u * double(choices.size())));
    return choices[k];
  }
  double v = sc == scale::log ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))) : lo + u * (hi - lo);
  if (integer) v = std::clamp(std::round(v), std::ceil(lo), std::floor(hi));
  return v;
}

NNDL_OUT_OF_LINE double parameter::to_unit(double v) const {
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

NNDL_OUT_OF_LINE std::vector<double> parameter::levels(std::size_t k) const {
  if (is_choice()) return choices;
  k = std::max<std::size_t>(k, 1);
  std::vector<double> out;
  for (std::size_t i = 0; i < k; ++i) {
    const double v = from_unit(k == 1 ? 0.5 : double(i) / double(k - 1));
    if (out.empty() || out.back() != v) out.push_back(v);
  }
  return out;
}

NNDL_OUT_OF_LINE std::string parameter::spec() const {
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

NNDL_OUT_OF_LINE space::space(std::vector<parameter> ps) : params_(std::move(ps)) {
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

NNDL_OUT_OF_LINE std::size_t space::index(const std::string& name) const {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return i;
  throw space_error("nndl: the search space has no parameter " + name);
}

NNDL_OUT_OF_LINE point space::from_unit(const std::vector<double>& u) const {
  point x(size());
  for (std::size_t i = 0; i < size(); ++i) x[i] = params_[i].from_unit(u[i]);
  return x;
}

NNDL_OUT_OF_LINE std::vector<double> space::to_unit(const point& x) const {
  std::vector<double> u(size());
  for (std::size_t i = 0; i < size(); ++i) u[i] = params_[i].to_unit(x[i]);
  return u;
}

NNDL_OUT_OF_LINE std::map<std::string, double> space::named(const point& x) const {
  std::map<std::string, double> m;
  for (std::size_t i = 0; i < size(); ++i) m[params_[i].name] = x[i];
  return m;
}

NNDL_OUT_OF_LINE std::string space::spec() const {
  std::string s;
  for (std::size_t i = 0; i < size(); ++i) s += (i ? "," : "") + params_[i].spec();
  return s;
}

namespace detail {
NNDL_OUT_OF_LINE std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t b = 0;
  for (;;) {
    const auto e = s.find(sep, b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) return out;
    b = e + 1;
  }
}
NNDL_OUT_OF_LINE std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
NNDL_OUT_OF_LINE double to_number(const std::string& s, const std::string& where) {
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

NNDL_OUT_OF_LINE space parse_space(const std::string& text) {
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
