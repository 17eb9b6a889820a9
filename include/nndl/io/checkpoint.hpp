// Checkpoints: everything needed to continue a training run exactly where it stopped, for runs
// longer than a sitting (the book's chapter-6 networks train for hours on a CPU).
//
//   save_checkpoint(net, "run.ckpt.npz", {{"epochs_done", 12}, ...});   // after an epoch
//   nlohmann::json state = load_checkpoint(net, "run.ckpt.npz");        // later, then
//   sgd(net, data, {.epochs = 40, .first_epoch = state["epochs_done"], ...});
//
// The file is an .npz archive (numpy.load reads it): per layer k with parameters l<k>_w, l<k>_b and
// the momentum velocities l<k>_vw, l<k>_vb; per dropout layer its mask generator l<k>_rng (6 uint64);
// `architecture` (every layer, its shapes and the scalar type) and `state` (the caller's JSON) as
// bytes. With sgd's first_epoch (which replays the skipped epochs' shuffles) a run stopped and
// continued gives the same weights as one that never stopped (tested). Saving is atomic; loading
// checks everything (architecture, names, dtypes, shapes, finite values) before it assigns anything,
// and every problem is an nndl::model_error naming the file.
#pragma once

#include <array>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../network.hpp"
#include "json_file.hpp"
#include "npz.hpp"

namespace nndl {

/// One line per layer with its shapes, then the scalar type: what a checkpoint must match.
template <class Net>
std::string checkpoint_architecture(const Net& net) {
  std::string s;
  net.for_each_layer([&](const auto& layer, std::size_t) {
    using L = std::decay_t<decltype(layer)>;
    s += L::describe() + " " + std::to_string(L::in_size) + "->" + std::to_string(L::out_size) + "; ";
  });
  return s + (sizeof(typename Net::scalar) == 4 ? "float32" : "float64");
}

namespace detail {
template <class L>
concept has_mask_generator = requires(const L& l) { l.mask_generator(); };

}  // namespace detail

/// Writes the network's parameters, velocities and dropout generators and `state` (a JSON object) to `file`.
template <class Net>
void save_checkpoint(const Net& net, const std::filesystem::path& file, const nlohmann::json& state) {
  using T = typename Net::scalar;
  if (!state.is_object() && !state.is_null())  // (null, what {} gives, is written as an empty object)
    throw model_error(file, "refusing to save: the state must be a JSON object, found " + detail::found(state));
  std::vector<std::pair<std::string, std::string>> entries;
  net.for_each_layer([&](const auto& layer, std::size_t k) {
    using L = std::decay_t<decltype(layer)>;
    const std::string l = "l" + std::to_string(k) + "_";
    if constexpr (L::has_parameters) {
      for (const T v : layer.w)
        if (!std::isfinite(v)) throw model_error(file, "refusing to save: layer " + std::to_string(k) + " (" + L::describe() + ") has a non-finite weight");
      entries.emplace_back(l + "w.npy", xt::dump_npy(layer.w));
      entries.emplace_back(l + "b.npy", xt::dump_npy(layer.b));
      entries.emplace_back(l + "vw.npy", xt::dump_npy(layer.vw));
      entries.emplace_back(l + "vb.npy", xt::dump_npy(layer.vb));
    }
    if constexpr (detail::has_mask_generator<L>) {
      const auto st = layer.mask_generator().state();
      xt::xtensor<std::uint64_t, 1> a = xt::xtensor<std::uint64_t, 1>::from_shape({st.size()});
      std::copy(st.begin(), st.end(), a.begin());
      entries.emplace_back(l + "rng.npy", xt::dump_npy(a));
    }
  });
  entries.emplace_back("architecture.npy", detail::bytes_npy(checkpoint_architecture(net)));
  entries.emplace_back("state.npy", detail::bytes_npy(state.is_null() ? "{}" : state.dump()));
  detail::write_npz(file, entries);
}

/// Restores a checkpoint written by save_checkpoint for this network type and returns its state.
/// On any error `net` is left as it was.
template <class Net>
nlohmann::json load_checkpoint(Net& net, const std::filesystem::path& file) {
  using T = typename Net::scalar;
  const detail::npz_reader z(file);
  const std::string theirs = detail::npy_text(z.read("architecture"), file, "architecture");
  const std::string ours = checkpoint_architecture(net);
  if (theirs != ours)
    throw model_error(file, "a checkpoint of another network: it holds [" + theirs + "], this network is [" + ours + "]");
  const nlohmann::json state = detail::parse_json_text(file, detail::npy_text(z.read("state"), file, "state"), "its state: ");
  if (!state.is_object()) throw model_error(file, "its state must be a JSON object, found " + detail::found(state));
  // Read and check everything into a copy first: all or nothing.
  Net loaded = net;
  loaded.for_each_layer([&](auto& layer, std::size_t k) {
    using L = std::decay_t<decltype(layer)>;
    const std::string l = "l" + std::to_string(k) + "_";
    auto fill = [&](auto& dst, const std::string& name) {
      const npy_array a = z.read(name);
      const std::string want = sizeof(T) == 4 ? "<f4" : "<f8";
      std::vector<std::size_t> shape(dst.shape().begin(), dst.shape().end());
      if (a.descr != want || a.shape != shape || a.fortran_order)
        throw model_error(file, "array " + name + ": " + a.descr + " " + a.shape_string() + ", expected " + want +
                                    " of " + std::to_string(dst.size()) + " values in C order");
      std::memcpy(dst.data(), a.data.data(), dst.size() * sizeof(T));
      for (const T v : dst)
        if (!std::isfinite(v)) throw model_error(file, "array " + name + " holds a non-finite value");
    };
    if constexpr (L::has_parameters) {
      fill(layer.w, l + "w");
      fill(layer.b, l + "b");
      fill(layer.vw, l + "vw");
      fill(layer.vb, l + "vb");
    }
    if constexpr (detail::has_mask_generator<L>) {
      const npy_array a = z.read(l + "rng");
      if (a.descr != "<u8" || a.shape != std::vector<std::size_t>{6})
        throw model_error(file, "array " + l + "rng: " + a.descr + " " + a.shape_string() + ", expected 6 uint64");
      std::array<std::uint64_t, 6> st;
      std::memcpy(st.data(), a.data.data(), sizeof st);
      layer.mask_generator().restore(st);
    }
  });
  net = std::move(loaded);
  return state;
}

}  // namespace nndl
