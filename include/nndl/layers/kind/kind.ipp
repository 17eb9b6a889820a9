// The bodies of kind.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of kind.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::graph {

NNDL_OUT_OF_LINE void write_activation(const std::string& name, writer& w) {
  with_activation(name, [&]<class Act>() {
    if constexpr (!Act::graph_op.empty()) {
      std::vector<attribute> attrs;
      if (!Act::elementwise) attrs.push_back(attribute::of_int("axis", 1));
      w.node(std::string(Act::graph_op), {}, std::move(attrs));
    }
  });
}

NNDL_OUT_OF_LINE std::optional<std::string> read_activation(reader& g) {
  const node* n = g.peek();
  if (!n) return std::nullopt;
  std::optional<std::string> found;
  std::apply(
      [&](auto... a) {
        (void)((!decltype(a)::graph_op.empty() && n->op == decltype(a)::graph_op
                    ? (found = std::string(decltype(a)::name), true)
                    : false) ||
               ...);
      },
      activations{});
  if (!found) return std::nullopt;
  const auto* axis = n->find("axis");
  if (axis &&
      (axis->kind != attribute::type::ints || axis->ints.size() != 1 || (axis->ints[0] != 1 && axis->ints[0] != -1)))
    g.refuse(*n, "axis", "only axis 1 (the classes of each sample) is implemented");
  if (g.rank() != 2 && (*found == "softmax" || *found == "log_softmax"))
    g.refuse(*n, "", "nndl applies " + *found + " to the outputs of a dense layer only");
  g.take(1);
  return found;
}

}  // namespace nndl::graph
