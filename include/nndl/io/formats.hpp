// One place that chooses a model file's format from its name, for typed networks:
//
//   nndl::save_network(net, "net.onnx", provenance);   // .onnx: ONNX (with nndl::onnx)
//   nndl::save_network(net, "net.json");               // .json: network2.py's format (dense networks)
//   nndl::save_network(net, "net.npz", provenance);    // anything else: nndl's self-describing .npz
//   nndl::load_network(net, file);                     // the same formats, and the older MLP .npz
//
// (Run-time models choose the same way in load_model, model_load.hpp.) ONNX is there when the
// program links nndl::onnx, which defines NNDL_WITH_ONNX; otherwise an .onnx name is refused with
// what to do.
#pragma once

#include "../detail/out_of_line.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "../errors.hpp"
#include "mlp_npz.hpp"
#include "model_file.hpp"
#include "network2_json.hpp"
#ifdef NNDL_WITH_ONNX
#include "onnx.hpp"
#endif

namespace nndl {

namespace detail {
[[noreturn]] NNDL_OUT_OF_LINE void no_onnx(const std::filesystem::path& file);
}  // namespace detail

/// Saves `net` in the format its file name says.
template <class Net>
void save_network(const Net& net, const std::filesystem::path& file,
                  const nlohmann::json& provenance = nlohmann::json::object()) {
  if (file.extension() == ".onnx") {
#ifdef NNDL_WITH_ONNX
    return save_onnx(net, file, provenance);
#else
    detail::no_onnx(file);
#endif
  }
  if (file.extension() == ".json") {
    if constexpr (detail::only_dense_parameters<Net>())
      return save_json(net, file);
    else
      throw model_error(file, "network2.py's JSON holds only dense layers; save this network as .npz or .onnx");
  }
  save_model(net, file, provenance);
}

/// Loads a model file into `net` (refused, naming both architectures, when they differ): ONNX,
/// a self-describing .npz, the older MLP .npz, or network2.py's JSON.
template <class Net>
void load_network(Net& net, const std::filesystem::path& file) {
  if (file.extension() == ".onnx") {
#ifdef NNDL_WITH_ONNX
    return load_onnx_into(net, file);
#else
    detail::no_onnx(file);
#endif
  }
  if (detail::starts_as_zip(file)) {
    if (detail::npz_reader(file).has("model")) return load_model_into(net, file);
    if constexpr (detail::only_dense_parameters<Net>()) return load_npz(net, file);
  } else if constexpr (detail::only_dense_parameters<Net>()) {
    if (file.extension() != ".npz") return load_json(net, file);
  }
  load_model_into(net, file);  // says what is wrong with the file
}

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "formats.ipp"
#endif
