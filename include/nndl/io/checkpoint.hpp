// Checkpoints: everything needed to continue a training run exactly where it stopped, for runs
// longer than a sitting (the book's chapter-6 networks train for hours on a CPU).
//
//   nndl::sgd_optimizer opt({.momentum = 0.9});
//   nndl::train(net, data, opt, options, ...);
//   save_checkpoint(net, opt, "run.ckpt.npz", {{"epochs_done", 12}, ...});   // after an epoch
//   nlohmann::json state = load_checkpoint(net, opt, "run.ckpt.npz");       // later, then
//   nndl::train(net, data, opt, {..., .first_epoch = state["epochs_done"]});
//
// The file is an .npz archive (numpy.load reads it), written from the parameter walk: per layer k
// with parameters l<k>_w, l<k>_b; the optimizer's state arrays, l<k>_<state><w|b> (momentum's
// velocities are l<k>_vw, l<k>_vb), its counters optimizer_<name> and its name (`optimizer`); per
// dropout layer its mask generator l<k>_rng (6 uint64); `architecture` (every layer, its shapes and
// the scalar type) and `state` (the caller's JSON) as bytes. With first_epoch (which replays the
// skipped epochs' shuffles) a run stopped and continued gives the same weights as one that never
// stopped (tested). Checkpoints of earlier nndl versions (no `optimizer` entry) were written by
// SGD or momentum and load into those. Saving is atomic; loading checks everything (architecture,
// optimizer, names, dtypes, shapes, finite values) before it assigns anything, and every problem
// is an nndl::model_error naming the file.
#pragma once

#include <array>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../network.hpp"
#include "npz_container.hpp"
#include "untrusted_json.hpp"

namespace nndl {

/// One line per layer with its shapes, then the scalar type: what a checkpoint must match.
template <class Net>
std::string checkpoint_architecture(const Net&) {
  return layers_string(Net::record());
}

namespace detail {
template <class L>
concept has_mask_generator = requires(L& l) {
  l.mask_generator().state();
};

template <class T>
std::string npy_values(std::span<const T> v) {
  xt::xtensor<T, 1> a = xt::adapt(v.data(), v.size(), xt::no_ownership(), std::array<std::size_t, 1>{v.size()});
  return xt::dump_npy(a);
}

/// Per parameter tensor k: the entry name of its state array `name`, l<layer>_<name><symbol> (l3_vw),
/// and its shape (a state array has its parameter's shape).
struct state_entry {
  std::string entry;
  std::vector<std::size_t> shape;
};
template <class Net>
std::vector<state_entry> state_entries(const Net& net, std::string_view name) {
  std::vector<state_entry> v;
  net.for_each_parameter([&](const parameter_slot& at, const auto& p) {
    std::vector<std::size_t> shape{p.shape[0]};
    if (p.rank == 2) shape.push_back(p.shape[1]);
    v.push_back({"l" + std::to_string(at.layer) + "_" + std::string(name) + std::string(p.symbol), shape});
  });
  return v;
}

/// Copies the array `name` into dst, which must match it exactly (dtype, shape, C order, finite).
template <class T>
void read_exactly(const npz_reader& z, const std::filesystem::path& file, const std::string& name, T* dst,
                  const std::vector<std::size_t>& shape) {
  const npy_array a = z.read(name);
  const std::string want = sizeof(T) == 4 ? "<f4" : "<f8";
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  if (a.descr != want || a.shape != shape || a.fortran_order)
    throw model_error(file, "array " + name + ": " + a.descr + " " + a.shape_string() + ", expected " + want + " of " +
                                std::to_string(n) + " values in C order");
  std::memcpy(dst, a.data.data(), n * sizeof(T));
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(dst[i])) throw model_error(file, "array " + name + " holds a non-finite value");
}

}  // namespace detail

/// Writes the network's parameters and dropout generators, the optimizer's state and `state`.
template <class Net, optimizer Opt>
void save_checkpoint(const Net& net, Opt& opt, const std::filesystem::path& file, const nlohmann::json& state) {
  using T = typename Net::scalar;
  const architecture_record rec = Net::record();
  if (!state.is_object() && !state.is_null())  // (null, what {} gives, is written as an empty object)
    throw model_error(file, "refusing to save: the state must be a JSON object, found " + detail::found(state));
  std::vector<std::pair<std::string, std::string>> entries;
  net.for_each_parameter([&](const parameter_slot& at, const parameter<const T>& p) {
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!std::isfinite(p.value[i]))
        throw model_error(file, "refusing to save: layer " + std::to_string(at.layer) + " (" +
                                    describe_layer(rec.layers[at.layer]) + ") has a non-finite " + std::string(p.name));
    entries.emplace_back("l" + std::to_string(at.layer) + "_" + std::string(p.symbol) + ".npy", detail::npy_of(p));
  });
  opt.template for_each_state<T>([&](std::size_t k, std::string_view name, std::span<T> values) {
    const auto at = detail::state_entries(net, name).at(k);
    entries.emplace_back(at.entry + ".npy",
                         detail::npy_of(parameter<const T>{name,
                                                           name,
                                                           values.data(),
                                                           nullptr,
                                                           at.shape.size(),
                                                           {at.shape[0], at.shape.size() == 2 ? at.shape[1] : 1}}));
  });
  opt.for_each_counter([&](std::string_view name, std::uint64_t& value) {
    entries.emplace_back("optimizer_" + std::string(name) + ".npy", detail::npy_values<std::uint64_t>({&value, 1}));
  });
  net.for_each_layer([&](const auto& layer, std::size_t k) {
    if constexpr (detail::has_mask_generator<std::decay_t<decltype(layer)>>) {
      const auto st = layer.mask_generator().state();
      entries.emplace_back("l" + std::to_string(k) + "_rng.npy", detail::npy_values<std::uint64_t>(st));
    }
  });
  entries.emplace_back("optimizer.npy", detail::bytes_npy(std::string(opt.name())));
  entries.emplace_back("architecture.npy", detail::bytes_npy(layers_string(rec)));
  entries.emplace_back("state.npy", detail::bytes_npy(state.is_null() ? "{}" : state.dump()));
  detail::write_npz(file, entries);
}

/// The same for plain SGD, which keeps no state.
template <class Net>
void save_checkpoint(const Net& net, const std::filesystem::path& file, const nlohmann::json& state) {
  sgd_optimizer plain;
  save_checkpoint(net, plain, file, state);
}

/// Restores a checkpoint written by save_checkpoint for this network type and optimizer and
/// returns its state. On any error `net` and `opt` are left as they were.
template <class Net, optimizer Opt>
nlohmann::json load_checkpoint(Net& net, Opt& opt, const std::filesystem::path& file) {
  using T = typename Net::scalar;
  const detail::npz_reader z(file);
  const std::string theirs = detail::npy_text(z.read("architecture"), file, "architecture");
  const std::string ours = checkpoint_architecture(net);
  if (theirs != ours)
    throw model_error(file,
                      "a checkpoint of another network: it holds [" + theirs + "], this network is [" + ours + "]");
  // Written by an earlier nndl when there is no name: SGD, with momentum when its velocities are not all zero.
  const std::string written_by = z.has("optimizer") ? detail::npy_text(z.read("optimizer"), file, "optimizer") : "sgd";
  if (written_by != opt.name())
    throw model_error(
        file, "a checkpoint of a run with the " + written_by + " optimizer; this run uses " + std::string(opt.name()));
  const nlohmann::json state =
      detail::parse_json_text(file, detail::npy_text(z.read("state"), file, "state"), "its state: ");
  if (!state.is_object()) throw model_error(file, "its state must be a JSON object, found " + detail::found(state));
  // Read and check everything into copies first: all or nothing.
  Net loaded = net;
  Opt staged = opt;
  std::vector<std::size_t> sizes;
  loaded.for_each_parameter([&](const parameter_slot& at, const parameter<T>& p) {
    sizes.push_back(p.size());
    std::vector<std::size_t> shape{p.shape[0]};
    if (p.rank == 2) shape.push_back(p.shape[1]);
    detail::read_exactly(z, file, "l" + std::to_string(at.layer) + "_" + std::string(p.symbol), p.value, shape);
  });
  staged.template prepare<T>(sizes);
  std::vector<std::string> expected;
  staged.template for_each_state<T>([&](std::size_t k, std::string_view name, std::span<T> values) {
    const auto at = detail::state_entries(loaded, name).at(k);
    expected.push_back(at.entry);
    if (!z.has(at.entry))
      throw model_error(file, "no " + at.entry + ": the checkpoint holds no " + std::string(name) + " state for " +
                                  std::string(staged.name()) + " (a run with other optimizer settings?)");
    detail::read_exactly(z, file, at.entry, values.data(), at.shape);
  });
  if (expected.empty())  // plain SGD: an earlier nndl saved zero velocities; other ones mean momentum
    for (const auto& at : detail::state_entries(loaded, "v")) {
      if (!z.has(at.entry)) continue;
      const npy_array a = z.read(at.entry);
      for (std::size_t i = 0; i < a.data.size(); ++i)
        if (a.data[i] != 0)
          throw model_error(file, "a checkpoint of a run with momentum (" + at.entry +
                                      " holds velocities); continue it with sgd_optimizer({.momentum = ...})");
    }
  staged.for_each_counter([&](std::string_view name, std::uint64_t& value) {
    const std::string entry = "optimizer_" + std::string(name);
    const npy_array a = z.read(entry);
    if (a.descr != "<u8" || a.shape != std::vector<std::size_t>{1})
      throw model_error(file, "array " + entry + ": " + a.descr + " " + a.shape_string() + ", expected one uint64");
    std::memcpy(&value, a.data.data(), sizeof value);
  });
  loaded.for_each_layer([&](auto& layer, std::size_t k) {
    if constexpr (detail::has_mask_generator<std::decay_t<decltype(layer)>>) {
      const std::string name = "l" + std::to_string(k) + "_rng";
      const npy_array a = z.read(name);
      if (a.descr != "<u8" || a.shape != std::vector<std::size_t>{6})
        throw model_error(file, "array " + name + ": " + a.descr + " " + a.shape_string() + ", expected 6 uint64");
      std::array<std::uint64_t, 6> st;
      std::memcpy(st.data(), a.data.data(), sizeof st);
      layer.mask_generator().restore(st);
    }
  });
  net = std::move(loaded);
  opt = std::move(staged);
  return state;
}

/// The same for plain SGD, which keeps no state.
template <class Net>
nlohmann::json load_checkpoint(Net& net, const std::filesystem::path& file) {
  sgd_optimizer plain;
  return load_checkpoint(net, plain, file);
}

}  // namespace nndl
