// load_model(file): any model file nndl writes, as a run-time model (model/model.hpp): a
// self-describing .npz (model_file.hpp), the older MLP .npz of save_npz, or network2.py's JSON.
#pragma once

#include "../detail/out_of_line.hpp"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "../model/model.hpp"
#include "book_model.hpp"
#include "mlp_npz.hpp"
#include "model_file.hpp"
#include "model_record.hpp"
#include "network2_json.hpp"

namespace nndl {

namespace detail {

NNDL_OUT_OF_LINE bool starts_as_zip(const std::filesystem::path& file);

/// A run-time model of the dense network an older-format file holds.
template <class T>
model model_of_book(const book_model<T>& b, const std::filesystem::path& file) {
  architecture_record rec = record_of(b, file);
  for (const auto& l : rec.layers)
    if (!with_activation(l.activation, []<class>() {}))
      throw model_error(file, "unknown activation \"" + l.activation + "\" in " + b.architecture());
  std::vector<runtime_network<T>> one(1);
  std::size_t k = 0;
  for (const auto& l : rec.layers) {
    one[0].layers.push_back(make_runtime_layer<T>(l));
    if (l.kind != "dense") continue;
    for (const auto& p : one[0].layers.back()->parameters()) {
      const auto& from = p.rank == 2 ? b.weights.at(k) : b.biases.at(k);
      std::copy(from.begin(), from.end(), p.value);
    }
    ++k;
  }
  return model(std::move(rec), std::move(one), "{\"format\": \"" + b.architecture() + "\"}");
}

}  // namespace detail

namespace detail {
/// The reader of ONNX files, when the program includes <nndl/io/onnx.hpp> (nndl::onnx).
inline model (*onnx_model_loader)(const std::filesystem::path&) = nullptr;
}  // namespace detail

/// The model in `file`, whatever format of nndl's it has (the structure comes from the file): a
/// self-describing .npz, the older MLP .npz, network2.py's JSON, or ONNX (.onnx, with <nndl/io/onnx.hpp>).
NNDL_OUT_OF_LINE model load_model(const std::filesystem::path& file);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "model_load.ipp"
#endif
