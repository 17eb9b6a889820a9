// Model files for NumPy users: the weights and biases as an .npz archive, what numpy.savez writes
// and numpy.load reads (a zip of .npy files):
//
//   m = numpy.load("model.npz")
//   m["w0"], m["b0"], m["w1"], ...   weights {out, in} (like network2.py's), biases {out}; float64
//                                    (float32 for a float network)
//   m["sizes"]                       int64, [784, 30, 10]
//   bytes(m["architecture"]).decode() "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost" (uint8),
//                                    the same string as nndl::architecture(net) and the JSON files
//
// The arrays are written and read through npz_container.hpp (strict .npy headers, atomic writes,
// compressed archives from numpy.savez_compressed accepted); loading is all-or-nothing, and every
// problem is an nndl::model_error naming the file.
#pragma once

#include "../detail/out_of_line.hpp"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include <xtensor/xnpy.hpp>

#include "../describe.hpp"
#include "../detail/file.hpp"
#include "../detail/xtensor.hpp"
#include "book_model.hpp"
#include "network2_json.hpp"  // architecture(), the dense-layer walk
#include "npz_container.hpp"

namespace nndl {

/// What a model .npz file says it holds, read without a network: for choosing one.
struct npz_model_info {
  std::string architecture;        ///< "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost"
  std::vector<std::size_t> sizes;  ///< [784, 30, 10]
};

namespace detail {

NNDL_OUT_OF_LINE npz_model_info read_info(const std::filesystem::path& file, const npz_reader& z);

/// The activations and network2.py's cost name of an architecture string "[784, 30, 10] a/b, Cost".
NNDL_OUT_OF_LINE void parse_book_architecture(const std::string& arch, std::size_t layers,
                                              std::vector<std::string>& acts, std::string& cost,
                                              const std::filesystem::path& file);

/// The arrays w<k>, b<k> of a save_npz file whose info was read, each checked for dtype (float32 or
/// float64), shape and finite values; the activations and cost from its architecture string.
template <class T>
book_model<T> read_npz_arrays(const npz_reader& z, const std::filesystem::path& file, const npz_model_info& info) {
  const auto& sizes = info.sizes;
  const std::size_t n = sizes.size() - 1;
  book_model<T> m{sizes, {}, {}, std::vector<std::vector<T>>(n), std::vector<std::vector<T>>(n)};
  parse_book_architecture(info.architecture, n, m.activations, m.cost, file);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t in = sizes[k], out = sizes[k + 1];
    for (const bool weights : {true, false}) {
      const std::string name = (weights ? "w" : "b") + std::to_string(k);
      const npy_array a = z.read(name);
      if (a.descr != "<f8" && a.descr != "<f4")
        throw model_error(file, "array " + name + ": dtype " + a.descr + ", expected float64 (<f8) or float32 (<f4)");
      const std::string expected =
          weights ? "(" + std::to_string(out) + ", " + std::to_string(in) + ")" : "(" + std::to_string(out) + ",)";
      const bool ok = weights ? a.shape == std::vector<std::size_t>{out, in}
                              : a.shape == std::vector<std::size_t>{out} || a.shape == std::vector<std::size_t>{out, 1};
      if (!ok) throw model_error(file, "array " + name + ": shape " + a.shape_string() + ", expected " + expected);
      const std::size_t cols = weights ? in : 1;
      auto& values = weights ? m.weights[k] : m.biases[k];
      values.resize(out * cols);
      T* dst = values.data();
      for (std::size_t r = 0; r < out; ++r)
        for (std::size_t c = 0; c < cols; ++c) {
          const double v = detail::npy_value(a, a.fortran_order ? c * out + r : r * cols + c);
          const T t = static_cast<T>(v);
          if (!std::isfinite(v) || !std::isfinite(t))
            throw model_error(file, "array " + name + ": value at [" + std::to_string(r) +
                                        (weights ? ", " + std::to_string(c) : "") + "] is not finite" +
                                        (std::isfinite(v) ? " as a float" : ""));
          dst[r * cols + c] = t;
        }
    }
  }
  return m;
}

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE book_model<float> read_npz_arrays<float>(const npz_reader&, const std::filesystem::path&,
                                                          const npz_model_info&);
NNDL_INSTANTIATE book_model<double> read_npz_arrays<double>(const npz_reader&, const std::filesystem::path&,
                                                            const npz_model_info&);
#endif
}  // namespace detail

/// The architecture and sizes stored in an .npz model, without loading the weights.
NNDL_OUT_OF_LINE npz_model_info read_npz_info(const std::filesystem::path& file);

/// Writes the network's weights and biases to `file` as an .npz archive (see the top of this file).
/// No program of nndl's writes this format any more (they write save_model's), but it is kept: it
/// makes the files that load_npz and load_model's reading of the older format are tested against
/// (tests/test_npz.cpp, tests/test_compat.cpp, fuzz/make_seeds.cpp).
template <class Net>
void save_npz(const Net& net, const std::filesystem::path& file) {
  static_assert(detail::only_dense_parameters<Net>(), "nndl: save_npz/load_npz handle dense layers only");
  using T = typename Net::scalar;
  const auto sizes = book_sizes(Net::record());
  std::vector<std::pair<std::string, std::string>> entries;  // name.npy, its bytes (alive until zip_close)
  net.for_each_parameter([&](const parameter_slot& at, const parameter<const T>& p) {
    const std::string what = (p.rank == 2 ? "weights" : "biases") + detail::layer_name(sizes, at.weighted_layer);
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!std::isfinite(p.value[i])) throw model_error(file, "refusing to save: " + what + " hold a non-finite value");
    entries.emplace_back(std::string(p.symbol) + std::to_string(at.weighted_layer) + ".npy", detail::npy_of(p));
  });
  xt::xtensor<std::int64_t, 1> s = xt::xtensor<std::int64_t, 1>::from_shape({sizes.size()});
  for (std::size_t i = 0; i < sizes.size(); ++i) s(i) = std::int64_t(sizes[i]);
  entries.emplace_back("sizes.npy", xt::dump_npy(s));
  entries.emplace_back("architecture.npy", detail::bytes_npy(architecture(net)));

  detail::write_npz(file, entries);
}

/// Reads an .npz model written by save_npz (or by NumPy in the same layout) into `net`. The stored
/// architecture must be the network's (both are named otherwise); every array is checked for name,
/// dtype (float32 or float64), shape and finite values before anything is assigned.
template <class Net>
void load_npz(Net& net, const std::filesystem::path& file) {
  static_assert(detail::only_dense_parameters<Net>(), "nndl: save_npz/load_npz handle dense layers only");
  using T = typename Net::scalar;
  const detail::npz_reader z(file);
  const npz_model_info info = detail::read_info(file, z);
  const std::string ours = architecture(net);
  if (info.architecture != ours)
    throw model_error(file, "architecture mismatch: the file holds " + info.architecture + "; this network is " + ours);
  const auto sizes = layer_sizes(net);
  if (info.sizes != sizes) {
    std::string s;
    for (std::size_t v : info.sizes) s += (s.empty() ? "" : ", ") + std::to_string(v);
    throw model_error(file, "inconsistent: array sizes is [" + s + "] but the architecture says " + info.architecture);
  }
  const book_model<T> m = detail::read_npz_arrays<T>(z, file, info);
  net.for_each_parameter([&](const parameter_slot& at, const parameter<T>& p) {  // same shapes: cannot fail
    const auto& from = p.rank == 2 ? m.weights[at.weighted_layer] : m.biases[at.weighted_layer];
    std::copy(from.begin(), from.end(), p.value);
  });
}

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "mlp_npz.ipp"
#endif
