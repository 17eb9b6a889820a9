// The bodies of model_record.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of model_record.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE nlohmann::json shape_json(const std::array<std::size_t, 3>& s) { return {s[0], s[1], s[2]}; }
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE nlohmann::json record_to_json(const architecture_record& a) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : a.layers) {
    nlohmann::json j = {{"kind", l.kind}};
    record_fields fields;
    with_kind(l.kind, [&]<class K>() { K::write_fields(l, fields); });
    for (const auto& [key, value] : fields) std::visit([&, &key = key](const auto& v) { j[key] = v; }, value);
    j["output"] = detail::shape_json(l.output);
    layers.push_back(std::move(j));
  }
  return {{"scalar", a.scalar == "float" ? "float32" : "float64"},
          {"input", detail::shape_json(a.input)},
          {"layers", std::move(layers)},
          {"cost", a.cost},
          {"cost_book_name", a.cost_book_name},
          {"init", a.init},
          {"regularizer", a.regularizer}};
}

NNDL_OUT_OF_LINE architecture_record record_from_json(const nlohmann::json& j, const std::filesystem::path& file) {
  using json = nlohmann::json;
  auto bad = [&](const std::string& problem) -> void { throw model_error(file, "architecture: " + problem); };
  if (!j.is_object()) bad("not a JSON object");
  auto text = [&](const json& o, const char* key, const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) bad(where + "\"" + key + "\" must be a string");
    return it->get<std::string>();
  };
  auto shape = [&](const json& v, const std::string& where) {
    if (!v.is_array() || v.size() != 3) bad(where + " must be [channels, height, width]");
    std::array<std::size_t, 3> s{};
    for (std::size_t i = 0; i < 3; ++i) {
      if (!v[i].is_number_unsigned() || v[i].get<std::uint64_t>() == 0 || v[i].get<std::uint64_t>() > (1u << 24))
        bad(where + " must hold three whole numbers from 1 to 16777216");
      s[i] = std::size_t(v[i].get<std::uint64_t>());
    }
    if (double(s[0]) * double(s[1]) * double(s[2]) > double(1u << 26)) bad(where + " is too large");
    return s;
  };
  architecture_record a;
  const std::string scalar = text(j, "scalar", "");
  if (scalar != "float32" && scalar != "float64")
    bad("\"scalar\" must be \"float32\" or \"float64\", found \"" + scalar + "\"");
  a.scalar = scalar == "float32" ? "float" : "double";
  if (!j.contains("input")) bad("\"input\" is missing");
  a.input = shape(j["input"], "\"input\"");
  a.cost = text(j, "cost", "");
  a.cost_book_name = j.contains("cost_book_name") ? text(j, "cost_book_name", "") : std::string();
  a.init = j.contains("init") ? text(j, "init", "") : std::string("default");
  a.regularizer = j.contains("regularizer") ? text(j, "regularizer", "") : std::string("none");
  const auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array() || layers->empty() || layers->size() > 1000)
    bad("\"layers\" must be a list of 1 to 1000 layers");
  std::array<std::size_t, 3> in = a.input;
  double parameters = 0;
  for (std::size_t i = 0; i < layers->size(); ++i) {
    const json& l = (*layers)[i];
    const std::string where = "layer " + std::to_string(i + 1) + ": ";
    if (!l.is_object()) bad(where + "not an object");
    const std::string kind = text(l, "kind", where);
    layer_record r;
    if (!with_kind(kind, [&]<class K>() { r = K::read_fields(detail::json_fields(l, file, where), in); }))
      bad(where + "unknown kind \"" + kind + "\" (" + kind_names() + " are known)");
    if (r.activation.empty()) r.activation = "identity";
    if (!with_activation(r.activation, []<class>() {})) bad(where + "unknown activation \"" + r.activation + "\"");
    if ((r.activation == "softmax" || r.activation == "log_softmax") && (r.kind != "dense" || i + 1 != layers->size()))
      bad(where + r.activation + " can only be the activation of the output layer");
    if (l.contains("output") && shape(l["output"], where + "\"output\"") != r.output)
      bad(where + "\"output\" " + shape_string(shape(l["output"], where)) + " is not what the layer makes of " +
          shape_string(in) + " (" + shape_string(r.output) + ")");
    parameters += double(r.parameters);
    if (parameters > double(1u << 28)) bad("more than 268,435,456 parameters");
    a.layers.push_back(r);
    in = r.output;
  }
  return a;
}

}  // namespace nndl
