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
#include <cstdint>
#include <cstring>
#include <span>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../detail/out_of_line.hpp"
#include "../network.hpp"
#include "npz_container.hpp"
#include "parameter_list.hpp"
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

/// What a checkpoint holds besides the caller's state, gathered from a typed network and optimizer,
/// so that writing and reading it depend on the scalar type only (compiled once for float and once
/// for double, not once per network type). T is const to write from, plain to read into.
template <class T>
struct checkpoint_parts {
  architecture_record record;  ///< the network's layers
  std::string optimizer;       ///< the optimizer's name
  parameter_list<T> parameters;
  /// One of the optimizer's state arrays: its name ("v") and its values, for parameter tensor k.
  struct state_array {
    std::size_t k;
    std::string name;
    std::span<T> values;
  };
  std::vector<state_array> states;
  std::vector<std::pair<std::string, std::uint64_t*>> counters;  ///< the optimizer's counters
  /// Per dropout layer (its index): its mask generator's state.
  std::vector<std::pair<std::size_t, std::array<std::uint64_t, 6>>> generators;
};

/// The parts of `net` and `opt` (opt prepared for net's parameters when it keeps state).
template <class Net, optimizer Opt>
auto checkpoint_parts_of(Net& net, Opt& opt) {
  using S = typename Net::scalar;
  using T = std::conditional_t<std::is_const_v<Net>, const S, S>;
  checkpoint_parts<T> c{std::remove_const_t<Net>::record(), std::string(opt.name()), parameters_of(net), {}, {}, {}};
  opt.template for_each_state<S>([&](std::size_t k, std::string_view name, std::span<S> values) {
    c.states.push_back({k, std::string(name), std::span<T>(values.data(), values.size())});
  });
  opt.for_each_counter([&](std::string_view name, std::uint64_t& value) { c.counters.emplace_back(name, &value); });
  net.for_each_layer([&](auto& layer, std::size_t k) {
    if constexpr (has_mask_generator<std::decay_t<decltype(layer)>>)
      c.generators.emplace_back(k, layer.mask_generator().state());
  });
  return c;
}

/// Writes a checkpoint of these parts and `state` (an object or null).
NNDL_OUT_OF_LINE void write_checkpoint_file(const std::filesystem::path& file, const checkpoint_parts<const float>& c,
                                            const nlohmann::json& state);
NNDL_OUT_OF_LINE void write_checkpoint_file(const std::filesystem::path& file, const checkpoint_parts<const double>& c,
                                            const nlohmann::json& state);

/// Checks a checkpoint against the parts' architecture and optimizer, reads everything it holds into
/// them (parameters, state arrays, counters, generator states) and returns its state; the caller's
/// copies take the parts, so that a refused file changes nothing.
NNDL_OUT_OF_LINE nlohmann::json read_checkpoint_into(const std::filesystem::path& file, checkpoint_parts<float>& into);
NNDL_OUT_OF_LINE nlohmann::json read_checkpoint_into(const std::filesystem::path& file, checkpoint_parts<double>& into);
}  // namespace detail

/// Writes the network's parameters and dropout generators, the optimizer's state and `state`.
template <class Net, optimizer Opt>
void save_checkpoint(const Net& net, Opt& opt, const std::filesystem::path& file, const nlohmann::json& state) {
  detail::write_checkpoint_file(file, detail::checkpoint_parts_of(net, opt), state);
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
  // Read and check everything into copies first: all or nothing.
  Net loaded = net;
  Opt staged = opt;
  std::vector<std::size_t> sizes;
  loaded.for_each_parameter([&](const parameter_slot&, const parameter<T>& p) { sizes.push_back(p.size()); });
  staged.template prepare<T>(sizes);
  auto parts = detail::checkpoint_parts_of(loaded, staged);
  const nlohmann::json state = detail::read_checkpoint_into(file, parts);
  std::size_t g = 0;
  loaded.for_each_layer([&](auto& layer, std::size_t) {
    if constexpr (detail::has_mask_generator<std::decay_t<decltype(layer)>>)
      layer.mask_generator().restore(parts.generators[g++].second);
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

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "checkpoint.ipp"
#endif
