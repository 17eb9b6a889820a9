// The bodies of network2_json.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of network2_json.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string layer_name(const std::vector<std::size_t>& sizes, std::size_t k) {  // "[0] (784 -> 30)"
  return "[" + std::to_string(k) + "] (" + std::to_string(sizes[k]) + " -> " + std::to_string(sizes[k + 1]) + ")";
}

NNDL_OUT_OF_LINE void write_book_json(const std::filesystem::path& file, const architecture_record& rec,
                                      const std::vector<book_tensor>& tensors) {
  for (const auto& l : rec.layers)
    if (l.parameters > 0 && l.kind != "dense")
      throw model_error(file, "network2.py's JSON holds only dense layers; this network has " + describe_layer(l) +
                                  " (save it as .npz or .onnx)");
  const auto sizes = book_sizes(rec);
  nlohmann::json weights = nlohmann::json::array(), biases = nlohmann::json::array();
  for (const auto& p : tensors) {
    const std::size_t k = p.weighted_layer;
    nlohmann::json values = nlohmann::json::array();
    for (std::size_t r = 0; r < p.rows; ++r) {
      if (p.rank == 2) {
        nlohmann::json row = nlohmann::json::array();
        for (std::size_t c = 0; c < p.cols; ++c) {
          const double v = p.values[r * p.cols + c];
          if (!std::isfinite(v))
            throw model_error(file, "refusing to save: weights" + layer_name(sizes, k) + " row " + std::to_string(r) +
                                        " column " + std::to_string(c) + " is " + std::to_string(v) + " (not finite)");
          row.push_back(v);
        }
        values.push_back(std::move(row));
      } else {
        const double v = p.values[r];
        if (!std::isfinite(v))
          throw model_error(file, "refusing to save: biases" + layer_name(sizes, k) + " index " + std::to_string(r) +
                                      " is " + std::to_string(v) + " (not finite)");
        values.push_back(nlohmann::json::array({v}));  // a y×1 column, as numpy's tolist()
      }
    }
    (p.rank == 2 ? weights : biases).push_back(std::move(values));
  }
  const nlohmann::json j = {{"sizes", sizes},
                            {"weights", std::move(weights)},
                            {"biases", std::move(biases)},
                            {"cost", rec.cost_book_name},
                            {"nndl",
                             {{"version", 1},
                              {"architecture", book_string(rec)},
                              {"activations", book_activations(rec)},
                              {"scalar", rec.scalar}}}};
  const std::string text = j.dump() + "\n";

  if (const std::string problem = write_file_atomically(file, text); !problem.empty()) throw model_error(file, problem);
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE void write_book_json(const std::filesystem::path& file, const architecture_record& rec,
                                      const std::vector<book_tensor>& tensors) {
  detail::write_book_json(file, rec, tensors);
}
}  // namespace nndl

namespace nndl::detail {

NNDL_OUT_OF_LINE json_book read_json_shape(const std::filesystem::path& file) {
  json_book book;
  using json = nlohmann::json;
  book.j = read_json_file(file);
  const json& j = book.j;
  if (!j.is_object()) throw model_error(file, std::string("the top level must be an object, found ") + found(j));
  const json& jsizes = field(file, j, "sizes", json::value_t::array, "an array of layer sizes");
  const json& jweights = field(file, j, "weights", json::value_t::array, "an array of weight matrices");
  const json& jbiases = field(file, j, "biases", json::value_t::array, "an array of bias vectors");
  const json& jcost = field(file, j, "cost", json::value_t::string, "a string such as \"CrossEntropyCost\"");

  // 1. The file's own shape: sizes, then weights and biases consistent with them.
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < jsizes.size(); ++i) {
    const json& s = jsizes[i];
    if (!s.is_number_integer() || (s.is_number_unsigned() ? s.get<std::uint64_t>() == 0 : s.get<std::int64_t>() <= 0))
      throw model_error(file, "sizes[" + std::to_string(i) + "] must be a positive integer, found " + brief(s));
    sizes.push_back(s.get<std::size_t>());
  }
  if (sizes.size() < 2) throw model_error(file, "\"sizes\" must list at least two layers, found " + brief(jsizes));
  const std::size_t n = sizes.size() - 1;
  if (jweights.size() != n || jbiases.size() != n)
    throw model_error(file, "inconsistent: \"sizes\" " + brief(jsizes) + " describes " + std::to_string(n) +
                                " weight matrices and bias vectors, the file has " + std::to_string(jweights.size()) +
                                " weight matrices and " + std::to_string(jbiases.size()) + " bias vectors");
  for (std::size_t k = 0; k < n; ++k) {
    const std::string wname = "weights" + layer_name(sizes, k), bname = "biases" + layer_name(sizes, k);
    const json& w = jweights[k];
    if (!w.is_array()) throw model_error(file, wname + " must be an array of rows, found " + found(w));
    if (w.size() != sizes[k + 1])
      throw model_error(file, "inconsistent: " + wname + " has " + std::to_string(w.size()) + " rows, sizes[" +
                                  std::to_string(k + 1) + "] = " + std::to_string(sizes[k + 1]));
    for (std::size_t r = 0; r < w.size(); ++r) {
      if (!w[r].is_array())
        throw model_error(file, wname + " row " + std::to_string(r) + " must be an array, found " + found(w[r]));
      if (w[r].size() != sizes[k])
        throw model_error(file, "ragged array: " + wname + " row " + std::to_string(r) + " has " +
                                    std::to_string(w[r].size()) + " values, expected " + std::to_string(sizes[k]) +
                                    " (sizes[" + std::to_string(k) + "])");
    }
    const json& b = jbiases[k];
    if (!b.is_array()) throw model_error(file, bname + " must be an array, found " + found(b));
    if (b.size() != sizes[k + 1])
      throw model_error(file, "inconsistent: " + bname + " has " + std::to_string(b.size()) + " entries, sizes[" +
                                  std::to_string(k + 1) + "] = " + std::to_string(sizes[k + 1]));
    for (std::size_t r = 0; r < b.size(); ++r)
      if (b[r].is_array() && b[r].size() != 1)
        throw model_error(file, "ragged array: " + bname + " entry " + std::to_string(r) + " has " +
                                    std::to_string(b[r].size()) + " values, expected one ([b] or b)");
  }

  // 2. Its activations (network2.py's are all sigmoid; nndl names them in its "nndl" key).
  std::vector<std::string>& acts = book.activations;
  acts.assign(n, "sigmoid");  // network2.py's networks are all-sigmoid
  const auto extra = j.find("nndl");
  const bool has_extra = book.has_extra = extra != j.end();
  if (has_extra) {
    if (!extra->is_object()) throw model_error(file, "field \"nndl\" must be an object, found " + found(*extra));
    const auto v = extra->find("version");
    if (v != extra->end() && (!v->is_number_integer() || v->get<std::int64_t>() != 1))
      throw model_error(file, "\"nndl\".\"version\" is " + brief(*v) + "; this nndl reads version 1");
    const auto a = extra->find("activations");
    if (a == extra->end()) throw model_error(file, "missing field \"nndl\".\"activations\"");
    if (!a->is_array() || a->size() != n)
      throw model_error(
          file, "\"nndl\".\"activations\" must be an array of " + std::to_string(n) + " names, found " + brief(*a));
    for (std::size_t k = 0; k < n; ++k) {
      if (!(*a)[k].is_string())
        throw model_error(
            file, "\"nndl\".\"activations\"[" + std::to_string(k) + "] must be a string, found " + found((*a)[k]));
      acts[k] = (*a)[k].get<std::string>();
    }
    if (const auto sc = extra->find("scalar"); sc != extra->end() && sc->is_string() && *sc == "float")
      book.scalar = "float";
  }
  book.cost = jcost.get<std::string>();
  constexpr std::string_view known_costs[] = {quadratic_cost::book_name, cross_entropy_cost::book_name,
                                              log_likelihood_cost::book_name};
  if (std::find(std::begin(known_costs), std::end(known_costs), book.cost) == std::end(known_costs)) {
    std::string names;
    for (const auto name : known_costs) names += (names.empty() ? "" : ", ") + std::string(name);
    throw model_error(file, "unknown \"cost\" " + brief(jcost) + " (known: " + names + ")");
  }
  book.sizes = std::move(sizes);
  return book;
}

template <class T>
void json_into(const std::filesystem::path& file, const architecture_record& rec, const parameter_list<T>& into) {
  const json_book book = read_json_shape(file);
  const auto& sizes = book.sizes;
  const auto& acts = book.activations;
  const auto& cost = book.cost;
  const bool has_extra = book.has_extra;
  const std::string theirs = book_string(sizes, acts, cost), ours = book_string(rec);
  const std::string both = "the file holds " + theirs + "; this network is " + ours;
  if (sizes != book_sizes(rec)) throw model_error(file, "architecture mismatch: " + both);
  if (acts != book_activations(rec))
    throw model_error(file, has_extra ? "activation mismatch: " + both
                                      : "activation mismatch: the file has no \"nndl\" key, so it is a network2.py "
                                        "file whose layers are all sigmoid: " +
                                            both);
  if (cost != rec.cost_book_name) throw model_error(file, "cost mismatch: " + both);

  const book_model<T> m = read_json_values<T>(book, file);
  for (const auto& [at, p] : into) {  // same shapes: copies that cannot fail
    const auto& from = p.rank == 2 ? m.weights[at.weighted_layer] : m.biases[at.weighted_layer];
    std::copy(from.begin(), from.end(), p.value);
  }
}

NNDL_OUT_OF_LINE void read_json_into(const std::filesystem::path& file, const architecture_record& rec,
                                     const parameter_list<float>& into) {
  json_into(file, rec, into);
}
NNDL_OUT_OF_LINE void read_json_into(const std::filesystem::path& file, const architecture_record& rec,
                                     const parameter_list<double>& into) {
  json_into(file, rec, into);
}

}  // namespace nndl::detail
