// The bodies of onnx.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of onnx.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE void with_activation_op(const std::string& op, bool& found) {
  std::apply(
      [&](auto... a) { ((found = found || (!decltype(a)::graph_op.empty() && op == decltype(a)::graph_op)), ...); },
      activations{});
}

NNDL_OUT_OF_LINE void inference_dropout(const graph::reader& chain, const graph::node& n) {
  if (n.inputs.size() < 3 || n.inputs[2].empty()) return;
  const auto mode = chain.constant(n.inputs[2]);
  if (!mode) chain.refuse(n, "training_mode", "is not a constant: nndl reads Dropout at inference only");
  for (double v : mode->values)
    if (v != 0)
      chain.refuse(
          n, "training_mode",
          "is true: this Dropout drops inputs at random; nndl reads Dropout at inference only (export in eval mode)");
}

NNDL_OUT_OF_LINE onnx_contents read_onnx(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec) &&
      !std::filesystem::is_directory(file, ec))
    throw model_error(file, "is not a regular file (a pipe or a device?)");
  const auto c = read_whole_file(file, "an ONNX model file", onnx_max_bytes);
  if (!c.problem.empty()) throw model_error(file, c.problem);
  if (const auto problem = onnx_prescan(c.bytes); !problem.empty()) throw model_error(file, problem);
  onnx::ModelProto m;
  if (!m.ParseFromString(c.bytes))
    throw model_error(
        file, "is not a valid ONNX model (its protobuf is truncated, corrupt, or nested deeper than 100 levels)");
  long opset = -1;
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = long(o.version());
  if (opset < 7)
    throw model_error(file, "imports no opset of the default ONNX domain from 7 on (" + std::to_string(opset) + ")");
  if (m.graph().node_size() == 0) throw model_error(file, "its graph has no nodes");

  onnx_contents out;
  out.producer = m.producer_name() + (m.producer_version().empty() ? "" : " " + m.producer_version());
  onnx_chain chain(m.graph(), file);
  auto& rec = out.record;
  rec.scalar = chain.single() ? "float" : "double";
  rec.input = chain.input_shape();
  rec.cost = "unknown (not in the ONNX file)", rec.init = "unknown", rec.regularizer = "unknown";
  while (!chain.done()) {
    const graph::node& n = *chain.peek();
    std::optional<imported_layer> layer;
    std::apply([&](auto... k) { (void)((layer = decltype(k)::from_graph(chain)) || ...); }, layer_kinds{});
    if (layer) {
      chain.set_shape(layer->record.output, graph_rank(layer->record, chain.rank()));
      rec.layers.push_back(std::move(layer->record));
      out.parameters.push_back(std::move(layer->parameters));
      if (rec.layers.size() > 1000) throw model_error(file, "more than 1000 layers");
      continue;
    }
    if (n.op == "Identity" || n.op == "Dropout") {  // the identity at inference
      if (n.op == "Dropout") detail::inference_dropout(chain, n);
      chain.take(1);
    } else if (n.op == "Flatten") {
      if (chain.ints(n, "axis", {1}) != std::vector<std::int64_t>{1})
        chain.refuse(n, "axis", "only axis 1 (keep the batch) is implemented");
      chain.set_shape({1, 1, shape_size(chain.shape())}, 2);
      chain.take(1);
    } else if (n.op == "Reshape") {
      if (chain.ints(n, "allowzero", {0}) != std::vector<std::int64_t>{0})
        chain.refuse(n, "allowzero", "only 0 is implemented");
      const graph::tensor s = chain.input_constant(n, 1, "shape");
      const std::size_t size = shape_size(chain.shape());
      const auto now = chain.shape();
      const std::vector<double> current = chain.rank() == 2
                                              ? std::vector<double>{0, double(now[2])}
                                              : std::vector<double>{0, double(now[0]), double(now[1]), double(now[2])};
      if (s.size() != 2 && s.size() != 4)
        chain.refuse(
            n, "", "reshapes to rank " + std::to_string(s.size()) + "; nndl implements {N, features} and {N, C, H, W}");
      if (s.values[0] != 0 && s.values[0] != -1)
        chain.refuse(
            n, "",
            "fixes the batch size (" + std::to_string(long(s.values[0])) + "); the first dimension must be 0 or -1");
      std::vector<double> d(s.values.begin() + 1, s.values.end());
      double known = 1;
      int unknown = 0;
      for (std::size_t i = 0; i < d.size(); ++i) {
        if (d[i] == 0) d[i] = i + 1 < current.size() ? current[i + 1] : -2;
        if (d[i] == -1)
          ++unknown;
        else if (d[i] < 1)
          chain.refuse(n, "", "its shape " + graph::dims_string(s.dims) + " is not one nndl implements");
        else
          known *= d[i];
      }
      if (s.values[0] == -1) unknown += 0;  // the batch: inferred from the rest
      if (unknown > (s.values[0] == -1 ? 0 : 1)) chain.refuse(n, "", "its shape has more than one dimension to infer");
      for (auto& v : d)
        if (v == -1) v = double(size) / known;
      double total = 1;
      for (double v : d) total *= v;
      if (total != double(size))
        chain.refuse(n, "",
                     "reshapes " + std::to_string(size) + " values per sample into " + std::to_string(long(total)));
      chain.set_shape(d.size() == 1
                          ? std::array<std::size_t, 3>{1, 1, std::size_t(d[0])}
                          : std::array<std::size_t, 3>{std::size_t(d[0]), std::size_t(d[1]), std::size_t(d[2])},
                      int(d.size()) + 1);
      chain.take(1);
    } else if (n.op == "Relu" && rec.layers.size() >= 2 && rec.layers.back().kind == "max_pool" &&
               rec.layers[rec.layers.size() - 2].kind == "conv" &&
               rec.layers[rec.layers.size() - 2].activation == "identity") {
      rec.layers[rec.layers.size() - 2].activation = "relu";  // max(relu(z)) = relu(max(z)): the same numbers
      chain.take(1);
    } else {
      bool activation = false;
      with_activation_op(n.op, activation);
      if (activation)
        chain.refuse(n, "",
                     "this activation follows no dense or convolutional layer that it could be the activation of");
      chain.refuse(
          n, "",
          "an operation nndl does not implement (it reads Gemm, MatMul + Add, Conv, MaxPool, Relu, Sigmoid, Tanh, "
          "Softmax, LogSoftmax, Flatten, Reshape, Dropout and Identity)");
    }
  }
  if (rec.layers.empty()) throw model_error(file, "its graph holds no layer (no Gemm, MatMul, Conv or MaxPool)");
  for (std::size_t i = 0; i + 1 < rec.layers.size(); ++i)
    if (rec.layers[i].activation == "softmax" || rec.layers[i].activation == "log_softmax")
      throw model_error(file, "layer " + std::to_string(i + 1) + ": " + rec.layers[i].activation +
                                  " can only be the activation of the output layer");
  for (const auto& p : m.metadata_props()) {
    if (p.key() == "nndl.architecture") out.metadata_architecture = p.value();
    if (p.key() == "nndl.provenance") out.provenance = p.value();
  }
  if (!out.metadata_architecture.empty()) {  // nndl's own file: what the graph does not say (the cost, ...)
    const auto j = parse_json_text(file, out.metadata_architecture, "its metadata \"nndl.architecture\": ");
    const architecture_record meta = record_from_json(j, file);
    if (layers_string(meta) != layers_string(rec))
      throw model_error(file, "its metadata describes [" + layers_string(meta) + "] but its graph holds [" +
                                  layers_string(rec) + "]");
    rec.cost = meta.cost, rec.cost_book_name = meta.cost_book_name, rec.init = meta.init,
    rec.regularizer = meta.regularizer;
  }
  if (!nlohmann::json::accept(out.provenance)) out.provenance = "{}";
  out.log_softmax_output = rec.layers.back().activation == "log_softmax";
  return out;
}

NNDL_OUT_OF_LINE model load_onnx_model(const std::filesystem::path& file) {
  auto c = read_onnx(file);
  return c.record.scalar == "float" ? model_of_onnx<float>(std::move(c)) : model_of_onnx<double>(std::move(c));
}
template <class T>
void onnx_into(const std::filesystem::path& file, const architecture_record& ours, const parameter_list<T>& into) {
  auto c = read_onnx(file);
  auto& theirs = c.record;
  if (c.log_softmax_output && ours.layers.back().activation == "softmax") theirs.layers.back().activation = "softmax";
  const std::size_t n = std::max(theirs.layers.size(), ours.layers.size());
  auto line = [](const architecture_record& a, std::size_t i) {
    if (i >= a.layers.size()) return std::string("no layer");
    const auto& l = a.layers[i];
    const bool flat = graph_rank(l, 2) == 2;  // dense and dropout read a sample as one row
    return describe_layer(l) + " " + (flat ? std::to_string(shape_size(l.input)) : shape_string(l.input)) + "->" +
           (flat ? std::to_string(shape_size(l.output)) : shape_string(l.output));
  };
  if (shape_size(theirs.input) != shape_size(ours.input))
    throw model_error(file,
                      "its input is " + shape_string(theirs.input) + "; this network's is " + shape_string(ours.input));
  for (std::size_t i = 0; i < n; ++i)
    if (line(theirs, i) != line(ours, i))
      throw model_error(file, "layer " + std::to_string(i + 1) + " differs: the file has " + line(theirs, i) +
                                  ", this network has " + line(ours, i));
  if (theirs.scalar != ours.scalar)
    throw model_error(file, "its tensors are " + std::string(theirs.scalar == "float" ? "FLOAT" : "DOUBLE") +
                                "; this network's scalar is " + ours.scalar);
  if (!c.metadata_architecture.empty() && theirs.cost != ours.cost)
    throw model_error(file, "it was trained with the " + theirs.cost + " cost; this network has " + ours.cost);
  std::vector<std::size_t> next(theirs.layers.size(), 0);
  for (const auto& [at, p] : into) {
    const auto& from = c.parameters.at(at.layer).at(next[at.layer]++);
    if (from.size() != p.size())
      throw model_error(file,
                        "layer " + std::to_string(at.layer + 1) + ": " + std::string(p.name) + " of the wrong size");
    std::copy(from.begin(), from.end(), p.value);
  }
}

NNDL_OUT_OF_LINE void read_onnx_into(const std::filesystem::path& file, const architecture_record& ours,
                                     const parameter_list<float>& into) {
  onnx_into(file, ours, into);
}
NNDL_OUT_OF_LINE void read_onnx_into(const std::filesystem::path& file, const architecture_record& ours,
                                     const parameter_list<double>& into) {
  onnx_into(file, ours, into);
}

}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE void save_onnx(const model& m, const std::filesystem::path& file) {
  if (m.members() != 1)
    throw model_error(file, "an ensemble of " + std::to_string(m.members()) +
                                " networks: an ONNX file holds one network (save each member)");
  detail::layer_parameters params(m.architecture().layers.size());
  m.for_each_parameter(0, [&](std::size_t l, const auto& p) { params[l].emplace_back(p.value, p.value + p.size()); });
  nlohmann::json provenance = nlohmann::json::object();
  try {
    provenance = nlohmann::json::parse(m.provenance());
  } catch (const nlohmann::json::exception&) {
  }
  detail::write_onnx(file, m.architecture(), params, provenance);
}

}  // namespace nndl
