// The bodies of kinds.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of kinds.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE std::string kind_names() {
  std::string s;
  std::size_t i = 0, n = std::tuple_size_v<layer_kinds>;
  std::apply(
      [&](auto... k) { ((s += (i ? (i + 1 == n ? " and " : ", ") : "") + std::string(decltype(k)::name), ++i), ...); },
      layer_kinds{});
  return s;
}

NNDL_OUT_OF_LINE int graph_rank(const layer_record& r, int input_rank) {
  int rank = input_rank;
  with_kind(r.kind, [&]<class K>() { rank = K::graph_rank ? K::graph_rank : input_rank; });
  return rank;
}

NNDL_OUT_OF_LINE std::string describe_layer(const layer_record& r) {
  std::string s = r.kind;
  with_kind(r.kind, [&]<class K>() { s = K::describe(r); });
  return s;
}

}  // namespace nndl
