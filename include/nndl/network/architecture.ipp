// The bodies of architecture.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of architecture.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE std::vector<std::size_t> book_sizes(const architecture_record& a) {
  std::vector<std::size_t> v{shape_size(a.input)};
  for (const auto& l : a.layers)
    if (l.parameters > 0) v.push_back(shape_size(l.output));
  return v;
}

NNDL_OUT_OF_LINE std::vector<std::string> book_activations(const architecture_record& a) {
  std::vector<std::string> v;
  std::string before;
  for (const auto& l : a.layers) {
    if (l.parameters > 0) {
      v.push_back(before + l.activation);
      before.clear();
    } else {
      before += describe_layer(l) + " > ";
    }
  }
  return v;
}

NNDL_OUT_OF_LINE std::string book_string(const std::vector<std::size_t>& sizes, const std::vector<std::string>& acts,
                                         const std::string& cost) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  s += "] ";
  for (std::size_t i = 0; i < acts.size(); ++i) s += (i ? "/" : "") + acts[i];
  return s + ", " + cost;
}

NNDL_OUT_OF_LINE std::string book_string(const architecture_record& a) {
  return book_string(book_sizes(a), book_activations(a), a.cost_book_name);
}

NNDL_OUT_OF_LINE std::string layers_string(const architecture_record& a) {
  std::string s;
  for (const auto& l : a.layers)
    s += describe_layer(l) + " " + std::to_string(shape_size(l.input)) + "->" + std::to_string(shape_size(l.output)) +
         "; ";
  return s + (a.scalar == "float" ? "float32" : "float64");
}
}  // namespace nndl

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string grouped(std::size_t n) {  // 23860 -> "23,860"
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

NNDL_OUT_OF_LINE std::string table_row(const std::string& a, const std::string& b, const std::string& c,
                                       const std::string& d, const std::string& e) {
  char line[160];
  std::snprintf(line, sizeof line, "  %-3s %-22s %10s %10s %12s\n", a.c_str(), b.c_str(), c.c_str(), d.c_str(),
                e.c_str());
  return line;
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE std::string describe(const architecture_record& a) {
  std::string sizes = shape_string(a.input);
  std::string table = detail::table_row("#", "layer", "input", "output", "parameters");
  table += detail::table_row("0", "input", "", shape_string(a.input), "");
  std::string in = shape_string(a.input);  // as the layer below gives it: a dense layer after a pool reads "40x4x4"
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const auto& l = a.layers[i];
    const std::string out = shape_string(l.output);
    table += detail::table_row(std::to_string(i + 1), describe_layer(l), in, out, detail::grouped(l.parameters));
    sizes += " -> " + out;
    in = out;
  }
  return "network<" + a.scalar + ">: " + sizes + ", " + detail::grouped(a.parameters()) + " parameters\n" + table +
         "  cost: " + a.cost + "; weight init: " + a.init + "; regulariser: " + a.regularizer + "\n";
}

}  // namespace nndl
