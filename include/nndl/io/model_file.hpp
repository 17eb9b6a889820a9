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

namespace nndl {

namespace detail {
inline constexpr const char* vote_rule =
    "plurality; a tie goes to the tied class with the larger summed output activation";

/// The arrays of one network, named prefix + l<layer>_<w|b>.
template <class Net>
void add_parameters(const Net& net, const std::string& prefix, const std::filesystem::path& file,
                    std::vector<std::pair<std::string, std::string>>& entries) {
  using T = typename Net::scalar;
  net.for_each_parameter([&](const parameter_slot& at, const parameter<const T>& p) {
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!std::isfinite(p.value[i]))
        throw model_error(file, "refusing to save: layer " + std::to_string(at.layer + 1) + " has a non-finite " +
                                    std::string(p.name));
    entries.emplace_back(prefix + "l" + std::to_string(at.layer) + "_" + std::string(p.symbol) + ".npy", npy_of(p));
  });
}

template <class Net>
void write_model(std::span<const Net> nets, const std::filesystem::path& file, const nlohmann::json& provenance) {
  if (nets.empty()) throw model_error(file, "refusing to save an ensemble of no networks");
  const nlohmann::json info = {{"format", "nndl model"},
                               {"version", 1},
                               {"architecture", record_to_json(Net::record())},
                               {"members", nets.size()},
                               {"vote", nets.size() > 1 ? nlohmann::json(vote_rule) : nlohmann::json(nullptr)},
                               {"provenance", provenance.is_null() ? nlohmann::json::object() : provenance}};
  std::vector<std::pair<std::string, std::string>> entries{{"model.npy", bytes_npy(info.dump())}};
  for (std::size_t i = 0; i < nets.size(); ++i)
    add_parameters(nets[i], nets.size() > 1 ? "m" + std::to_string(i) + "_" : "", file, entries);
  write_npz(file, entries);
}

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
  using T = typename Net::scalar;
  const detail::npz_reader z(file);
  const auto info = detail::read_model_info(z, file);
  const auto theirs = record_from_json(info.at("architecture"), file), ours = Net::record();
  const auto members = info.value("members", nlohmann::json(1));
  if (theirs.scalar != ours.scalar || layers_string(theirs) != layers_string(ours) || theirs.cost != ours.cost)
    throw model_error(file, "architecture mismatch: the file holds [" + layers_string(theirs) + ", " + theirs.cost +
                                "]; this network is [" + layers_string(ours) + ", " + ours.cost + "]");
  if (members != 1) throw model_error(file, "an ensemble of " + members.dump() + " networks; load it with load_model");
  Net loaded = net;
  loaded.for_each_parameter([&](const parameter_slot& at, const parameter<T>& p) {
    detail::read_parameter(z, file, "l" + std::to_string(at.layer) + "_" + std::string(p.symbol), p);
  });
  net = std::move(loaded);
}

}  // namespace nndl

#include "model_load.hpp"

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "model_file.ipp"
#endif
