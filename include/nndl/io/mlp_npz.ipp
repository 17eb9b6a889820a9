// The bodies of mlp_npz.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of mlp_npz.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE npz_model_info read_info(const std::filesystem::path& file, const npz_reader& z) {
  npz_model_info info;
  const npy_array s = z.read("sizes");
  if (s.descr != "<i8" && s.descr != "<i4" && s.descr != "<u8" && s.descr != "<u4")
    throw model_error(file, "array sizes: dtype " + s.descr + ", expected int64 (<i8)");
  if (s.shape.size() != 1 || s.size() < 2)
    throw model_error(file, "array sizes: shape " + s.shape_string() + ", expected (layers + 1,)");
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double v = npy_value(s, i);
    if (!(v >= 1 && v < 1e9))
      throw model_error(file,
                        "array sizes: entry " + std::to_string(i) + " = " + std::to_string(v) + " is not a layer size");
    info.sizes.push_back(std::size_t(v));
  }
  const npy_array a = z.read("architecture");
  if (a.descr != "|u1" || a.shape.size() != 1)
    throw model_error(file, "array architecture: dtype " + a.descr + " shape " + a.shape_string() +
                                ", expected uint8 bytes (|u1, 1-D)");
  info.architecture = a.data;
  return info;
}

NNDL_OUT_OF_LINE void parse_book_architecture(const std::string& arch, std::size_t layers,
                                              std::vector<std::string>& acts, std::string& cost,
                                              const std::filesystem::path& file) {
  const auto close = arch.find("] "), comma = arch.rfind(", ");
  if (close == std::string::npos || comma == std::string::npos || comma < close)
    throw model_error(file, "array architecture: \"" + arch.substr(0, 80) + "\" is not \"[sizes] activations, cost\"");
  cost = arch.substr(comma + 2);
  const std::string list = arch.substr(close + 2, comma - close - 2);
  acts.clear();
  for (std::size_t start = 0;;) {
    const auto slash = list.find('/', start);
    acts.push_back(list.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (acts.size() != layers)
    throw model_error(file, "array architecture names " + std::to_string(acts.size()) + " activations for " +
                                std::to_string(layers) + " layers");
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE npz_model_info read_npz_info(const std::filesystem::path& file) {
  const detail::npz_reader z(file);
  return detail::read_info(file, z);
}

}  // namespace nndl
