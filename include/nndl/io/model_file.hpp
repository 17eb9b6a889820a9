// Self-describing model files: any network nndl can build (dense, conv, max-pool, dropout, every
// activation and cost, float or double), or an ensemble of K such networks, as an .npz archive that
// numpy.load opens:
//
//   m = numpy.load("relu.npz"); info = json.loads(bytes(m["model"]))
//   info["format"] == "nndl model", info["version"] == 1
//   info["architecture"]   the layers, shapes, activations, cost, scalar type (model_record.hpp)
//   info["members"], info["vote"]    1, or K networks voting by plurality
//   info["provenance"]     how it was trained: program, flags, epochs, eta, lambda, seed, data, accuracies
//   m["l3_w"], m["l3_b"]   weights and biases of layer 3 (every layer counted, input side first);
//                          an ensemble's member i: m["m<i>_l3_w"]; float32 or float64 as the scalar
//
//   save_model(net, "relu.npz", provenance);       save_ensemble(nets, "vote.npz", provenance);
//   nndl::model m = load_model("relu.npz");        // run-time structure (model/model.hpp)
//   load_model_into(net, "relu.npz");              // into a typed network of the same architecture
//
// load_model also reads the older formats nndl writes (save_npz's MLP .npz, network2.py's JSON).
// Saving is atomic, loading checks everything before it builds anything, and every problem is an
// nndl::model_error naming the file.
#pragma once

#include "../detail/out_of_line.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../model/model.hpp"
#include "../network/network.hpp"
#include "mlp_npz.hpp"
#include "model_record.hpp"
#include "network2_json.hpp"
#include "npz_container.hpp"
#include "parameter_list.hpp"

namespace nndl {

namespace detail {
inline constexpr const char* vote_rule =
    "plurality; a tie goes to the tied class with the larger summed output activation";

/// Writes the model file of an ensemble of `members` networks of architecture `rec` (one: a network),
/// for float and double networks (compiled once, not once per network type).
NNDL_OUT_OF_LINE void write_model_file(const std::filesystem::path& file, const architecture_record& rec,
                                       const std::vector<parameter_list<const float>>& members,
                                       const nlohmann::json& provenance);
NNDL_OUT_OF_LINE void write_model_file(const std::filesystem::path& file, const architecture_record& rec,
                                       const std::vector<parameter_list<const double>>& members,
                                       const nlohmann::json& provenance);

template <class Net>
void write_model(std::span<const Net> nets, const std::filesystem::path& file, const nlohmann::json& provenance) {
  std::vector<parameter_list<const typename Net::scalar>> members;
  for (const Net& net : nets) members.push_back(parameters_of(net));
  write_model_file(file, Net::record(), members, provenance);
}

/// Reads a one-network model file of architecture `ours` into `into`, for float and double networks
/// (all or nothing is up to the caller).
NNDL_OUT_OF_LINE void read_model_file_into(const std::filesystem::path& file, const architecture_record& ours,
                                           const parameter_list<float>& into);
NNDL_OUT_OF_LINE void read_model_file_into(const std::filesystem::path& file, const architecture_record& ours,
                                           const parameter_list<double>& into);

/// Copies the array `name` into dst (n values of the model's scalar T), checking dtype, shape and
/// finite values.
template <class T>
void read_parameter(const npz_reader& z, const std::filesystem::path& file, const std::string& name,
                    const parameter<T>& p) {
  if (!z.has(name)) throw model_error(file, "missing array " + name + " (" + std::string(p.name) + ")");
  const std::string want = sizeof(T) == 4 ? "<f4" : "<f8";
  std::vector<std::size_t> shape{p.shape[0]};
  if (p.rank == 2) shape.push_back(p.shape[1]);
  // The entry's header must declare this shape and dtype before any of its data is inflated.
  const npy_array a = z.read(name, default_max_file_bytes, npy_expected{shape, {want}});
  std::string expected =
      "(" + std::to_string(p.shape[0]) + (p.rank == 2 ? ", " + std::to_string(p.shape[1]) + ")" : ",)");
  if (a.descr != want)
    throw model_error(file, "array " + name + ": dtype " + a.descr + ", expected " + want + " as the model's scalar");
  if (a.shape != shape || a.fortran_order)
    throw model_error(file, "array " + name + ": shape " + a.shape_string() +
                                (a.fortran_order ? " in Fortran order" : "") + ", expected " + expected +
                                " in C order");
  std::memcpy(p.value, a.data.data(), p.size() * sizeof(T));
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!std::isfinite(p.value[i])) throw model_error(file, "array " + name + " holds a non-finite value");
}

/// The "model" entry of a self-describing file, parsed (nesting and size bounded) and checked.
NNDL_OUT_OF_LINE nlohmann::json read_model_info(const npz_reader& z, const std::filesystem::path& file);

template <class T>
model build_model(const npz_reader& z, const std::filesystem::path& file, const nlohmann::json& info,
                  architecture_record rec) {
  const auto m = info.find("members");
  if (m == info.end() || !m->is_number_unsigned() || m->get<std::uint64_t>() == 0 || m->get<std::uint64_t>() > 1000)
    throw model_error(file, "\"members\" must be a whole number from 1 to 1000");
  const std::size_t k = m->get<std::size_t>();
  std::vector<runtime_network<T>> members(k);
  for (std::size_t i = 0; i < k; ++i) {
    for (const auto& l : rec.layers) members[i].layers.push_back(make_runtime_layer<T>(l));
    for (std::size_t l = 0; l < rec.layers.size(); ++l)
      for (const auto& p : members[i].layers[l]->parameters())
        read_parameter(
            z, file,
            (k > 1 ? "m" + std::to_string(i) + "_" : "") + "l" + std::to_string(l) + "_" + std::string(p.symbol), p);
  }
  const auto prov = info.find("provenance");
  return model(std::move(rec), std::move(members), prov == info.end() ? "{}" : prov->dump());
}
}  // namespace detail

/// Writes `net` as a self-describing model file, with what `provenance` says of its training.
template <class Net>
void save_model(const Net& net, const std::filesystem::path& file,
                const nlohmann::json& provenance = nlohmann::json::object()) {
  detail::write_model(std::span<const Net>(&net, 1), file, provenance);
}

/// Writes an ensemble of networks of one type; load_model gives a model that votes as plurality_vote.
template <class Net>
void save_ensemble(std::span<const Net> nets, const std::filesystem::path& file,
                   const nlohmann::json& provenance = nlohmann::json::object()) {
  detail::write_model(nets, file, provenance);
}

/// Writes a run-time model (one network or an ensemble) as a self-describing model file: what
/// nndl-convert makes of a model read from another format.
NNDL_OUT_OF_LINE void save_model(const model& m, const std::filesystem::path& file);

/// Reads a self-describing model file into a network of the same architecture (refused, naming
/// both, otherwise). On any error `net` is unchanged.
template <class Net>
void load_model_into(Net& net, const std::filesystem::path& file) {
  Net loaded = net;
  detail::read_model_file_into(file, Net::record(), detail::parameters_of(loaded));
  net = std::move(loaded);
}

}  // namespace nndl

#include "model_load.hpp"

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "model_file.ipp"
#endif
