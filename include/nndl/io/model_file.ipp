// The bodies of model_file.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of model_file.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

template <class T>
void write_members(const std::filesystem::path& file, const architecture_record& rec,
                   const std::vector<parameter_list<const T>>& members, const nlohmann::json& provenance) {
  if (members.empty()) throw model_error(file, "refusing to save an ensemble of no networks");
  const nlohmann::json info = {{"format", "nndl model"},
                               {"version", 1},
                               {"architecture", record_to_json(rec)},
                               {"members", members.size()},
                               {"vote", members.size() > 1 ? nlohmann::json(vote_rule) : nlohmann::json(nullptr)},
                               {"provenance", provenance.is_null() ? nlohmann::json::object() : provenance}};
  std::vector<std::pair<std::string, std::string>> entries{{"model.npy", bytes_npy(info.dump())}};
  for (std::size_t m = 0; m < members.size(); ++m)  // the arrays of member m: [m<m>_]l<layer>_<w|b>
    for (const auto& [at, p] : members[m]) {
      for (std::size_t i = 0; i < p.size(); ++i)
        if (!std::isfinite(p.value[i]))
          throw model_error(file, "refusing to save: layer " + std::to_string(at.layer + 1) + " has a non-finite " +
                                      std::string(p.name));
      entries.emplace_back((members.size() > 1 ? "m" + std::to_string(m) + "_" : "") + "l" + std::to_string(at.layer) +
                               "_" + std::string(p.symbol) + ".npy",
                           npy_of(p));
    }
  write_npz(file, entries);
}

NNDL_OUT_OF_LINE void write_model_file(const std::filesystem::path& file, const architecture_record& rec,
                                       const std::vector<parameter_list<const float>>& members,
                                       const nlohmann::json& provenance) {
  write_members(file, rec, members, provenance);
}
NNDL_OUT_OF_LINE void write_model_file(const std::filesystem::path& file, const architecture_record& rec,
                                       const std::vector<parameter_list<const double>>& members,
                                       const nlohmann::json& provenance) {
  write_members(file, rec, members, provenance);
}

template <class T>
void read_into(const std::filesystem::path& file, const architecture_record& ours, const parameter_list<T>& into) {
  const npz_reader z(file);
  const auto info = read_model_info(z, file);
  const auto theirs = record_from_json(info.at("architecture"), file);
  const auto members = info.value("members", nlohmann::json(1));
  if (theirs.scalar != ours.scalar || layers_string(theirs) != layers_string(ours) || theirs.cost != ours.cost)
    throw model_error(file, "architecture mismatch: the file holds [" + layers_string(theirs) + ", " + theirs.cost +
                                "]; this network is [" + layers_string(ours) + ", " + ours.cost + "]");
  if (members != 1) throw model_error(file, "an ensemble of " + members.dump() + " networks; load it with load_model");
  for (const auto& [at, p] : into)
    read_parameter(z, file, "l" + std::to_string(at.layer) + "_" + std::string(p.symbol), p);
}

NNDL_OUT_OF_LINE void read_model_file_into(const std::filesystem::path& file, const architecture_record& ours,
                                           const parameter_list<float>& into) {
  read_into(file, ours, into);
}
NNDL_OUT_OF_LINE void read_model_file_into(const std::filesystem::path& file, const architecture_record& ours,
                                           const parameter_list<double>& into) {
  read_into(file, ours, into);
}

NNDL_OUT_OF_LINE nlohmann::json read_model_info(const npz_reader& z, const std::filesystem::path& file) {
  const npy_array a = z.read("model", std::size_t{1} << 24);
  const std::string text = npy_text(a, file, "model");
  const nlohmann::json j = parse_json_text(file, text, "its model record: ");
  if (!j.is_object() || j.value("format", "") != "nndl model")
    throw model_error(file, "not an nndl model: its \"model\" record has no \"format\": \"nndl model\"");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<long>() != 1)
    throw model_error(file, "model record version " + (j.contains("version") ? brief(j["version"]) : "(none)") +
                                "; this nndl reads version 1");
  return j;
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE void save_model(const model& m, const std::filesystem::path& file) {
  nlohmann::json provenance = nlohmann::json::object();
  try {
    provenance = nlohmann::json::parse(m.provenance());
  } catch (const nlohmann::json::exception&) {
  }
  const nlohmann::json info = {{"format", "nndl model"},
                               {"version", 1},
                               {"architecture", record_to_json(m.architecture())},
                               {"members", m.members()},
                               {"vote", m.members() > 1 ? nlohmann::json(detail::vote_rule) : nlohmann::json(nullptr)},
                               {"provenance", provenance}};
  std::vector<std::pair<std::string, std::string>> entries{{"model.npy", detail::bytes_npy(info.dump())}};
  for (std::size_t k = 0; k < m.members(); ++k)
    m.for_each_parameter(k, [&](std::size_t l, const auto& p) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(p.value)>>;
      for (std::size_t i = 0; i < p.size(); ++i)
        if (!std::isfinite(p.value[i]))
          throw model_error(
              file, "refusing to save: layer " + std::to_string(l + 1) + " has a non-finite " + std::string(p.name));
      const parameter<const T> c{p.name, p.symbol, p.value, nullptr, p.rank, p.shape, p.regularized};
      entries.emplace_back((m.members() > 1 ? "m" + std::to_string(k) + "_" : "") + "l" + std::to_string(l) + "_" +
                               std::string(p.symbol) + ".npy",
                           detail::npy_of(c));
    });
  detail::write_npz(file, entries);
}

}  // namespace nndl
