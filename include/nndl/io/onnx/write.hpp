// Writing a network as an ONNX model (onnx.hpp has the calls): the protobuf side of graph::writer.
// What is written (docs/formats.md):
//   IR version 8, opset 17 of the default domain (ONNX 1.12, Debian 12's; ONNX Runtime reads both)
//   input  "input"  {N, features} when the first layer reads a vector, else {N, C, H, W}; N symbolic
//   output "output" {N, outputs}
//   tensors of the network's own scalar type: FLOAT for float networks, DOUBLE for double ones
//   metadata: producer "nndl" and its version; "nndl.architecture" (the model file's record, JSON),
//   "nndl.provenance" (how it was trained)
#pragma once

#include "../../detail/out_of_line.hpp"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../detail/file.hpp"
#include "../../errors.hpp"
#include "../../layers/kinds.hpp"
#include "../../network/architecture.hpp"
#include "../model_record.hpp"

namespace nndl {

/// The ONNX IR version nndl writes.
inline constexpr int onnx_ir_version = 8;
/// The ONNX operator set nndl writes.
inline constexpr int onnx_opset = 17;
/// nndl's version, in the producer field of the ONNX files it writes.
inline constexpr const char* nndl_version = "0.1.0";

namespace detail {

/// The parameter tensors of each layer (in nndl's layout and walk order), as double.
using layer_parameters = std::vector<std::vector<std::vector<double>>>;

class onnx_writer final : public graph::writer {
 public:
  onnx_writer(onnx::GraphProto& g, bool single, const std::array<std::size_t, 3>& input)
      : g_(g), type_(single ? onnx::TensorProto::FLOAT : onnx::TensorProto::DOUBLE), single_(single) {
    rank_ = input[0] == 1 && input[1] == 1 ? 2 : 4;
    auto* in = g_.add_input();
    in->set_name("input");
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type_);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    if (rank_ == 2) {
      t->mutable_shape()->add_dim()->set_dim_value(std::int64_t(input[2]));
    } else {
      for (std::size_t d : input) t->mutable_shape()->add_dim()->set_dim_value(std::int64_t(d));
    }
  }

  void node(std::string op, std::vector<std::string> more_inputs, std::vector<graph::attribute> attributes) override {
    auto* n = g_.add_node();
    const std::string id = std::to_string(g_.node_size());
    n->set_name(op + "_" + id);
    n->set_op_type(op);
    n->add_input(current_);
    for (const auto& i : more_inputs) n->add_input(i);
    current_ = "t" + id;
    n->add_output(current_);
    for (const auto& a : attributes) {
      auto* at = n->add_attribute();
      at->set_name(a.name);
      if (a.kind == graph::attribute::type::ints && a.list) {
        at->set_type(onnx::AttributeProto::INTS);
        for (auto v : a.ints) at->add_ints(v);
      } else if (a.kind == graph::attribute::type::ints) {
        at->set_type(onnx::AttributeProto::INT);
        at->set_i(a.ints.at(0));
      } else if (a.kind == graph::attribute::type::floats) {
        at->set_type(onnx::AttributeProto::FLOAT);
        at->set_f(float(a.floats.at(0)));
      } else {
        at->set_type(onnx::AttributeProto::STRING);
        at->set_s(a.text);
      }
    }
  }
  std::string constant(const std::string& hint, std::vector<std::int64_t> dims,
                       std::span<const double> values) override {
    auto* t = g_.add_initializer();
    const std::string name = "l" + std::to_string(layer) + "_" + hint;
    t->set_name(name);
    t->set_data_type(type_);
    for (auto d : dims) t->add_dims(d);
    std::string raw(values.size() * (single_ ? 4 : 8), '\0');
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (single_) {
        const float f = float(values[i]);
        std::memcpy(raw.data() + 4 * i, &f, 4);
      } else {
        std::memcpy(raw.data() + 8 * i, &values[i], 8);
      }
    }
    t->set_raw_data(std::move(raw));  // little-endian, as ONNX stores raw data (x86-64, ARM64)
    return name;
  }
  void as_matrix() override {
    if (rank_ == 4) node("Flatten", {}, {graph::attribute::of_int("axis", 1)}), rank_ = 2;
  }
  void as_images(const std::array<std::size_t, 3>& chw) override {
    if (rank_ == 4) return;
    auto* t = g_.add_initializer();
    const std::string name = "l" + std::to_string(layer) + "_shape";
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(4);
    for (std::int64_t v : {std::int64_t(-1), std::int64_t(chw[0]), std::int64_t(chw[1]), std::int64_t(chw[2])})
      t->add_int64_data(v);
    node("Reshape", {name}, {});
    rank_ = 4;
  }
  /// Names the last value "output" and declares it {N, outputs}.
  void finish(std::size_t outputs) {
    as_matrix();
    auto* last = g_.mutable_node(g_.node_size() - 1);
    last->set_output(0, "output");
    auto* out = g_.add_output();
    out->set_name("output");
    auto* t = out->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type_);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    t->mutable_shape()->add_dim()->set_dim_value(std::int64_t(outputs));
  }

  std::size_t layer = 0;  ///< the layer being written (names its constants: l3_weights)

 private:
  onnx::GraphProto& g_;
  onnx::TensorProto::DataType type_;
  bool single_;
  int rank_;
  std::string current_ = "input";
};

/// The ONNX bytes of a network given as its record and its parameters.
NNDL_OUT_OF_LINE std::string onnx_bytes(const architecture_record& rec, const layer_parameters& params,
                                        const nlohmann::json& provenance);

NNDL_OUT_OF_LINE void write_onnx(const std::filesystem::path& file, const architecture_record& rec,
                                 const layer_parameters& params, const nlohmann::json& provenance);

}  // namespace detail
}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "write.ipp"
#endif
