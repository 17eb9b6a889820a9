// ONNX model files, both ways (needs nndl::onnx: Debian's libonnx-dev and libprotobuf):
//
//   nndl::save_onnx(net, "relu.onnx", provenance);    // a typed network
//   nndl::save_onnx(model, "relu.onnx");              // a run-time model (one network)
//   nndl::model m = nndl::load_model("torch.onnx");   // any graph of what nndl implements
//   nndl::load_onnx_into(net, "torch.onnx");          // into a typed network of the same layout
//
// What nndl writes and reads, and what it refuses, is in onnx/write.hpp and onnx/read.hpp (and
// docs/formats.md). Every problem is an nndl::model_error naming the file (and, for a graph nndl
// does not implement, the node, its operation and the attribute).
#pragma once

#include "../detail/out_of_line.hpp"

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../model/model.hpp"
#include "model_load.hpp"
#include "model_record.hpp"
#include "onnx/read.hpp"
#include "onnx/write.hpp"
#include "parameter_list.hpp"
#include "untrusted_json.hpp"

namespace nndl {

namespace detail {

NNDL_OUT_OF_LINE void with_activation_op(const std::string& op, bool& found);

/// Refuses a Dropout in training mode (ONNX Runtime would drop inputs at random): only the
/// identity at inference is read.
NNDL_OUT_OF_LINE void inference_dropout(const graph::reader& chain, const graph::node& n);

/// Reads the chain of layers of an ONNX file (everything checked; see onnx/read.hpp).
NNDL_OUT_OF_LINE onnx_contents read_onnx(const std::filesystem::path& file);

template <class T>
model model_of_onnx(onnx_contents c) {
  std::vector<runtime_network<T>> one(1);
  for (std::size_t l = 0; l < c.record.layers.size(); ++l) {
    one[0].layers.push_back(make_runtime_layer<T>(c.record.layers[l]));
    std::size_t k = 0;
    for (const auto& p : one[0].layers.back()->parameters()) {
      const auto& from = c.parameters[l].at(k++);
      std::copy(from.begin(), from.end(), p.value);
    }
  }
  return model(std::move(c.record), std::move(one), c.provenance);
}

NNDL_OUT_OF_LINE model load_onnx_model(const std::filesystem::path& file);

/// Reads an ONNX file into the parameters of a network of architecture `ours` (load_onnx_into), for
/// float and double networks (compiled once, not once per network type).
NNDL_OUT_OF_LINE void read_onnx_into(const std::filesystem::path& file, const architecture_record& ours,
                                     const parameter_list<float>& into);
NNDL_OUT_OF_LINE void read_onnx_into(const std::filesystem::path& file, const architecture_record& ours,
                                     const parameter_list<double>& into);

/// Registers ONNX with load_model (model_load.hpp), for every program that includes this header.
inline const bool onnx_registered = (onnx_model_loader = &load_onnx_model, true);

}  // namespace detail

/// Writes a typed network as an ONNX model (see onnx/write.hpp for what is written).
template <class Net>
void save_onnx(const Net& net, const std::filesystem::path& file,
               const nlohmann::json& provenance = nlohmann::json::object()) {
  using T = typename Net::scalar;
  const architecture_record rec = Net::record();
  detail::layer_parameters params(rec.layers.size());
  net.for_each_parameter([&](const parameter_slot& at, const parameter<const T>& p) {
    params[at.layer].emplace_back(p.value, p.value + p.size());
  });
  detail::write_onnx(file, rec, params, provenance);
}

/// Writes a run-time model of one network as an ONNX model (an ensemble is refused: ONNX holds one network).
NNDL_OUT_OF_LINE void save_onnx(const model& m, const std::filesystem::path& file);

/// Reads an ONNX file into a typed network whose layers match the graph's (a LogSoftmax output
/// reads into a softmax layer: with log-likelihood it trains to the same objective as PyTorch's
/// NLLLoss). A layout that differs is refused, naming the first layer that differs; on any error
/// `net` is unchanged.
template <class Net>
void load_onnx_into(Net& net, const std::filesystem::path& file) {
  Net loaded = net;
  detail::read_onnx_into(file, Net::record(), detail::parameters_of(loaded));
  net = std::move(loaded);
}

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "onnx.ipp"
#endif
