// The bodies of checkpoint.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the
// end of checkpoint.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

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
template <class T>
std::vector<state_entry> state_entries(const parameter_list<T>& parameters, std::string_view name) {
  std::vector<state_entry> v;
  for (const auto& [at, p] : parameters) {
    std::vector<std::size_t> shape{p.shape[0]};
    if (p.rank == 2) shape.push_back(p.shape[1]);
    v.push_back({"l" + std::to_string(at.layer) + "_" + std::string(name) + std::string(p.symbol), shape});
  }
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

template <class T>
void write_checkpoint(const std::filesystem::path& file, const checkpoint_parts<const T>& c,
                      const nlohmann::json& state) {
  if (!state.is_object() && !state.is_null())  // (null, what {} gives, is written as an empty object)
    throw model_error(file, "refusing to save: the state must be a JSON object, found " + found(state));
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [at, p] : c.parameters) {
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!std::isfinite(p.value[i]))
        throw model_error(file, "refusing to save: layer " + std::to_string(at.layer) + " (" +
                                    describe_layer(c.record.layers[at.layer]) + ") has a non-finite " +
                                    std::string(p.name));
    entries.emplace_back("l" + std::to_string(at.layer) + "_" + std::string(p.symbol) + ".npy", npy_of(p));
  }
  for (const auto& s : c.states) {
    const auto at = state_entries(c.parameters, s.name).at(s.k);
    entries.emplace_back(at.entry + ".npy",
                         npy_of(parameter<const T>{s.name,
                                                   s.name,
                                                   s.values.data(),
                                                   nullptr,
                                                   at.shape.size(),
                                                   {at.shape[0], at.shape.size() == 2 ? at.shape[1] : 1}}));
  }
  for (const auto& [name, value] : c.counters)
    entries.emplace_back("optimizer_" + name + ".npy", npy_values<std::uint64_t>({value, 1}));
  for (const auto& [k, st] : c.generators)
    entries.emplace_back("l" + std::to_string(k) + "_rng.npy", npy_values<std::uint64_t>(st));
  entries.emplace_back("optimizer.npy", bytes_npy(c.optimizer));
  entries.emplace_back("architecture.npy", bytes_npy(layers_string(c.record)));
  entries.emplace_back("state.npy", bytes_npy(state.is_null() ? "{}" : state.dump()));
  write_npz(file, entries);
}

NNDL_OUT_OF_LINE void write_checkpoint_file(const std::filesystem::path& file, const checkpoint_parts<const float>& c,
                                            const nlohmann::json& state) {
  write_checkpoint(file, c, state);
}
NNDL_OUT_OF_LINE void write_checkpoint_file(const std::filesystem::path& file, const checkpoint_parts<const double>& c,
                                            const nlohmann::json& state) {
  write_checkpoint(file, c, state);
}

template <class T>
nlohmann::json read_checkpoint(const std::filesystem::path& file, checkpoint_parts<T>& c) {
  const npz_reader z(file);
  const std::string theirs = npy_text(z.read("architecture"), file, "architecture");
  const std::string ours = layers_string(c.record);
  if (theirs != ours)
    throw model_error(file,
                      "a checkpoint of another network: it holds [" + theirs + "], this network is [" + ours + "]");
  // Written by an earlier nndl when there is no name: SGD, with momentum when its velocities are not all zero.
  const std::string written_by = z.has("optimizer") ? npy_text(z.read("optimizer"), file, "optimizer") : "sgd";
  if (written_by != c.optimizer)
    throw model_error(file,
                      "a checkpoint of a run with the " + written_by + " optimizer; this run uses " + c.optimizer);
  const nlohmann::json state = parse_json_text(file, npy_text(z.read("state"), file, "state"), "its state: ");
  if (!state.is_object()) throw model_error(file, "its state must be a JSON object, found " + found(state));
  for (const auto& [at, p] : c.parameters) {
    std::vector<std::size_t> shape{p.shape[0]};
    if (p.rank == 2) shape.push_back(p.shape[1]);
    read_exactly(z, file, "l" + std::to_string(at.layer) + "_" + std::string(p.symbol), p.value, shape);
  }
  for (const auto& s : c.states) {
    const auto at = state_entries(c.parameters, s.name).at(s.k);
    if (!z.has(at.entry))
      throw model_error(file, "no " + at.entry + ": the checkpoint holds no " + s.name + " state for " + c.optimizer +
                                  " (a run with other optimizer settings?)");
    read_exactly(z, file, at.entry, s.values.data(), at.shape);
  }
  if (c.states.empty())  // plain SGD: an earlier nndl saved zero velocities; other ones mean momentum
    for (const auto& at : state_entries(c.parameters, "v")) {
      if (!z.has(at.entry)) continue;
      const npy_array a = z.read(at.entry);
      for (std::size_t i = 0; i < a.data.size(); ++i)
        if (a.data[i] != 0)
          throw model_error(file, "a checkpoint of a run with momentum (" + at.entry +
                                      " holds velocities); continue it with sgd_optimizer({.momentum = ...})");
    }
  for (const auto& [name, value] : c.counters) {
    const std::string entry = "optimizer_" + name;
    const npy_array a = z.read(entry);
    if (a.descr != "<u8" || a.shape != std::vector<std::size_t>{1})
      throw model_error(file, "array " + entry + ": " + a.descr + " " + a.shape_string() + ", expected one uint64");
    std::memcpy(value, a.data.data(), sizeof *value);
  }
  for (auto& [k, st] : c.generators) {
    const std::string name = "l" + std::to_string(k) + "_rng";
    const npy_array a = z.read(name);
    if (a.descr != "<u8" || a.shape != std::vector<std::size_t>{6})
      throw model_error(file, "array " + name + ": " + a.descr + " " + a.shape_string() + ", expected 6 uint64");
    std::memcpy(st.data(), a.data.data(), sizeof st);
  }
  return state;
}

NNDL_OUT_OF_LINE nlohmann::json read_checkpoint_into(const std::filesystem::path& file, checkpoint_parts<float>& into) {
  return read_checkpoint(file, into);
}
NNDL_OUT_OF_LINE nlohmann::json read_checkpoint_into(const std::filesystem::path& file,
                                                     checkpoint_parts<double>& into) {
  return read_checkpoint(file, into);
}

}  // namespace nndl::detail
