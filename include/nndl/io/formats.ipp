// The bodies of formats.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of formats.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

[[noreturn]] NNDL_OUT_OF_LINE void no_onnx(const std::filesystem::path& file) {
  throw model_error(
      file,
      "an ONNX file: this program was built without ONNX (CMake target nndl::onnx, which defines NNDL_WITH_ONNX)");
}

}  // namespace nndl::detail
