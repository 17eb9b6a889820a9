// load_model(file): any model file nndl writes, as a run-time model (model/model.hpp): a
// self-describing .npz (model_file.hpp), the older MLP .npz of save_npz, or network2.py's JSON.
#pragma once

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

inline bool starts_as_zip(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char m[4] = {};
  return in.read(m, 4) && std::memcmp(m, "PK\x03\x04", 4) == 0;
}

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
inline model load_model(const std::filesystem::path& file) {
  if (file.extension() == ".onnx") {
    if (!detail::onnx_model_loader)
      throw model_error(file,
                        "an ONNX file: this program reads ONNX only with <nndl/io/onnx.hpp> (CMake target nndl::onnx)");
    return detail::onnx_model_loader(file);
  }
  if (std::error_code ec; std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec) &&
                          !std::filesystem::is_directory(file, ec))
    throw model_error(file, "is not a regular file (a pipe or a device?)");
  if (file.extension() == ".npz" && std::filesystem::is_regular_file(file) && !detail::starts_as_zip(file))
    throw model_error(file, "is not a zip archive, so not an .npz model file (its first bytes are not \"PK\\3\\4\")");
  if (detail::starts_as_zip(file)) {
    const detail::npz_reader z(file);
    if (z.has("model")) {
      const auto info = detail::read_model_info(z, file);
      if (!info.contains("architecture")) throw model_error(file, "the model record has no \"architecture\"");
      architecture_record rec = record_from_json(info["architecture"], file);
      return rec.scalar == "float" ? detail::build_model<float>(z, file, info, std::move(rec))
                                   : detail::build_model<double>(z, file, info, std::move(rec));
    }
    if (z.has("sizes") && z.has("architecture")) {  // save_npz's MLP format
      const npz_model_info info = detail::read_info(file, z);
      const bool single = z.read("w0").descr == "<f4";
      return single ? detail::model_of_book(detail::read_npz_arrays<float>(z, file, info), file)
                    : detail::model_of_book(detail::read_npz_arrays<double>(z, file, info), file);
    }
    throw model_error(
        file, "an .npz archive, but not a model of nndl's (no \"model\" record, no \"sizes\" and \"architecture\")");
  }
  const detail::json_book book = detail::read_json_shape(file);  // network2.py's JSON, or save_json's
  return book.scalar == "float" ? detail::model_of_book(detail::read_json_values<float>(book, file), file)
                                : detail::model_of_book(detail::read_json_values<double>(book, file), file);
}

}  // namespace nndl
