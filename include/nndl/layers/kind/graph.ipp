// The bodies of graph.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of graph.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::graph {

NNDL_OUT_OF_LINE std::string dims_string(const std::vector<std::int64_t>& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

}  // namespace nndl::graph
