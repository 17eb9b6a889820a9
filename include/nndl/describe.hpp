// describe(net): the layers, their shapes and parameter counts, and the policies, as a table.
#pragma once

#include <cstdio>
#include <string>

#include "detail/parts.hpp"

namespace nndl {

namespace detail {
inline std::string grouped(std::size_t n) {  // 23860 -> "23,860"
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}
inline std::string row(const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                       const std::string& e) {
  char line[160];
  std::snprintf(line, sizeof line, "  %-3s %-22s %10s %10s %12s\n", a.c_str(), b.c_str(), c.c_str(), d.c_str(),
                e.c_str());
  return line;
}
}  // namespace detail

template <class Net>
std::string describe(const Net& net) {
  using T = typename Net::scalar;
  std::string sizes = Net::input_shape::str();
  std::string table = detail::row("#", "layer", "input", "output", "parameters");
  table += detail::row("0", "input", "", Net::input_shape::str(), "");
  std::string in = Net::input_shape::str();
  net.for_each_layer([&](const auto& layer, std::size_t i) {
    using L = std::decay_t<decltype(layer)>;
    const std::string out = L::output_shape::str();
    table += detail::row(std::to_string(i + 1), L::describe(), in, out, detail::grouped(L::parameter_count()));
    sizes += " -> " + out;
    in = out;
  });
  std::string s = std::string("network<") + (sizeof(T) == 4 ? "float" : "double") + ">: " + sizes + ", " +
                  detail::grouped(Net::parameter_count()) + " parameters\n" + table;
  s += "  cost: " + std::string(Net::cost::name) + "; weight init: " + std::string(Net::init::name) +
       "; regulariser: " + std::string(Net::regularizer::name) + "\n";
  return s;
}

/// The sizes in network2.py's JSON form, [784, 30, 10]: the input and each layer with parameters.
template <class Net>
std::vector<std::size_t> layer_sizes(const Net& net) {
  std::vector<std::size_t> v{Net::input_size};
  net.for_each_layer([&](const auto& layer, std::size_t) {
    using L = std::decay_t<decltype(layer)>;
    if constexpr (L::has_parameters) v.push_back(L::out_size);
  });
  return v;
}

}  // namespace nndl
