// The bodies of read.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of read.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string onnx_prescan(const std::string& bytes) {
  using google::protobuf::io::CodedInputStream;
  CodedInputStream model(reinterpret_cast<const std::uint8_t*>(bytes.data()), int(bytes.size()));
  for (std::uint32_t tag; (tag = model.ReadTag()) != 0;) {
    const int field = int(tag >> 3), wire = int(tag & 7);
    if (field == 7 && wire == 2) {  // ModelProto.graph
      std::uint32_t length = 0;
      if (!model.ReadVarint32(&length)) return "is truncated (in its graph)";
      std::string graph_bytes;
      if (!model.ReadString(&graph_bytes, int(length)))
        return "is truncated (its graph claims " + std::to_string(length) + " bytes)";
      CodedInputStream g(reinterpret_cast<const std::uint8_t*>(graph_bytes.data()), int(graph_bytes.size()));
      long counts[16] = {};
      for (std::uint32_t t; (t = g.ReadTag()) != 0;) {
        const int f = int(t >> 3);
        if (f < 16) ++counts[f];
        if (f < 16 && counts[f] > onnx_max_nodes)
          return "has more than " + std::to_string(onnx_max_nodes) + (f == 1 ? " nodes" : " tensors or values") +
                 " in its graph: far more than any network nndl implements";
        if (!google::protobuf::internal::WireFormatLite::SkipField(&g, t))
          return "is truncated or corrupt (in its graph)";
      }
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&model, tag)) {
      return "is truncated or not an ONNX model (a protobuf ModelProto)";
    }
  }
  if (!model.ConsumedEntireMessage()) return "is truncated or not an ONNX model (a protobuf ModelProto)";
  return "";
}

NNDL_OUT_OF_LINE graph::tensor onnx_tensor(const onnx::TensorProto& t, const std::filesystem::path& file,
                                           bool want_int) {
  const std::string name = "tensor \"" + t.name() + "\"";
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    throw model_error(file, name + " keeps its data in an external file: nndl reads only self-contained ONNX files");
  graph::tensor out;
  double count = 1;
  for (auto d : t.dims()) {
    if (d < 0) throw model_error(file, name + " has a negative dimension");
    count *= double(d);
    out.dims.push_back(d);
  }
  if (count > double(std::size_t{1} << 28))
    throw model_error(file, name + " claims " + std::to_string(count) + " values, more than nndl reads (268,435,456)");
  const std::size_t n = std::size_t(count);
  const int type = t.data_type();
  const bool ok = want_int ? (type == onnx::TensorProto::INT64 || type == onnx::TensorProto::BOOL)
                           : (type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE);
  if (!ok)
    throw model_error(file, name + " has data type " + std::to_string(type) +
                                (want_int ? "; INT64 (7) is needed" : "; nndl reads FLOAT (1) and DOUBLE (11)"));
  const bool boolean = type == onnx::TensorProto::BOOL;  // (Dropout's training_mode)
  const std::size_t width = type == onnx::TensorProto::FLOAT ? 4 : boolean ? 1 : 8;
  const std::size_t held = t.has_raw_data()                    ? t.raw_data().size() / width
                           : type == onnx::TensorProto::FLOAT  ? std::size_t(t.float_data_size())
                           : type == onnx::TensorProto::DOUBLE ? std::size_t(t.double_data_size())
                           : boolean                           ? std::size_t(t.int32_data_size())
                                                               : std::size_t(t.int64_data_size());
  if (t.has_raw_data() && t.raw_data().size() % width != 0)
    throw model_error(file, name + "'s raw data is not a whole number of values");
  if (held != n)
    throw model_error(file, name + " claims " + std::to_string(n) + " values (dims " + graph::dims_string(out.dims) +
                                ") but holds " + std::to_string(held));
  out.values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (t.has_raw_data()) {
      const char* p = t.raw_data().data() + i * width;
      if (type == onnx::TensorProto::FLOAT) {
        float f;
        std::memcpy(&f, p, 4);
        out.values[i] = f;
      } else if (type == onnx::TensorProto::DOUBLE) {
        double d;
        std::memcpy(&d, p, 8);
        out.values[i] = d;
      } else if (boolean)
        out.values[i] = *p != 0;
      else {
        std::int64_t v;
        std::memcpy(&v, p, 8);
        out.values[i] = double(v);
      }
    } else {
      out.values[i] = type == onnx::TensorProto::FLOAT    ? double(t.float_data(int(i)))
                      : type == onnx::TensorProto::DOUBLE ? t.double_data(int(i))
                      : boolean                           ? double(t.int32_data(int(i)) != 0)
                                                          : double(t.int64_data(int(i)));
    }
    if (!want_int && !std::isfinite(out.values[i])) throw model_error(file, name + " holds a non-finite value");
  }
  return out;
}

}  // namespace nndl::detail
