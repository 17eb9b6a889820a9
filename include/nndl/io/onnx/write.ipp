// The bodies of write.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of write.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string onnx_bytes(const architecture_record& rec, const layer_parameters& params,
                                        const nlohmann::json& provenance) {
  onnx::ModelProto m;
  m.set_ir_version(onnx_ir_version);
  m.set_producer_name("nndl");
  m.set_producer_version(nndl_version);
  m.set_doc_string(describe(rec));
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(onnx_opset);
  auto meta = [&](const char* key, const std::string& value) {
    auto* p = m.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  };
  meta("nndl.architecture", record_to_json(rec).dump());
  meta("nndl.provenance", (provenance.is_null() ? nlohmann::json::object() : provenance).dump());
  auto* g = m.mutable_graph();
  g->set_name("nndl");
  onnx_writer w(*g, rec.scalar == "float", rec.input);
  for (std::size_t l = 0; l < rec.layers.size(); ++l) {
    w.layer = l;
    const auto& r = rec.layers[l];
    with_kind(r.kind, [&]<class K>() { K::to_graph(r, params.at(l), w); });
  }
  w.finish(shape_size(rec.layers.back().output));
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw std::runtime_error("nndl: the ONNX model could not be serialised");
  return bytes;
}

NNDL_OUT_OF_LINE void write_onnx(const std::filesystem::path& file, const architecture_record& rec,
                                 const layer_parameters& params, const nlohmann::json& provenance) {
  for (std::size_t l = 0; l < params.size(); ++l)
    for (const auto& p : params[l])
      for (double v : p)
        if (!std::isfinite(v))
          throw model_error(file, "refusing to save: layer " + std::to_string(l + 1) + " has a non-finite parameter");
  if (const auto problem = write_file_atomically(file, onnx_bytes(rec, params, provenance)); !problem.empty())
    throw model_error(file, problem);
}

}  // namespace nndl::detail
