// The bodies of model_load.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of model_load.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE bool starts_as_zip(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char m[4] = {};
  return in.read(m, 4) && std::memcmp(m, "PK\x03\x04", 4) == 0;
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE model load_model(const std::filesystem::path& file) {
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
