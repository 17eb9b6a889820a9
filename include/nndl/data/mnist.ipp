// The bodies of mnist.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of mnist.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::optional<std::filesystem::path> mnist_file(const std::filesystem::path& dir,
                                                                 const std::string& base) {
  std::error_code ec;
  for (const auto& p : {dir / (base + ".gz"), dir / base})
    if (std::filesystem::is_regular_file(p, ec)) return p;
  return std::nullopt;
}

NNDL_OUT_OF_LINE std::vector<std::string> missing_mnist_files(const std::filesystem::path& dir) {
  std::vector<std::string> missing;
  for (const char* f : mnist_files)
    if (!mnist_file(dir, f)) missing.push_back(std::string(f) + "[.gz]");
  return missing;
}

NNDL_OUT_OF_LINE std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

NNDL_OUT_OF_LINE std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

NNDL_OUT_OF_LINE std::optional<std::filesystem::path> mnist_pickle_in(const std::filesystem::path& place) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(place, ec)) return place;
  for (const char* f : {"mnist.pkl.gz", "mnist.pkl"})
    if (std::filesystem::is_regular_file(place / f, ec)) return place / f;
  return std::nullopt;
}

NNDL_OUT_OF_LINE bool holds_mnist(const std::filesystem::path& place) {
  std::error_code ec;
  return (std::filesystem::is_directory(place, ec) && missing_mnist_files(place).empty()) ||
         mnist_pickle_in(place).has_value();
}

NNDL_OUT_OF_LINE void require_mnist_dir(const std::filesystem::path& place, const std::string& source) {
  std::error_code ec;
  if (holds_mnist(place)) return;
  if (!std::filesystem::is_directory(place, ec))
    throw data_error("nndl: data folder " + place.string() + " (from " + source +
                     ") does not exist, and is neither a folder nor the book's mnist.pkl.gz");
  throw data_error("nndl: data folder " + place.string() + " (from " + source + ") is missing " +
                   join(missing_mnist_files(place), ", ") + "; it needs the four MNIST files " +
                   "(scripts/download_mnist.sh " + place.string() + " fetches them) or the book's mnist.pkl.gz");
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE std::string default_data_dir() {
  std::string base = detail::env_or_empty("XDG_DATA_HOME");
  if (base.empty() || base.front() != '/') {  // the XDG spec ignores relative values
    std::string home = detail::env_or_empty("HOME");
    if (home.empty()) {
      const passwd* pw = getpwuid(getuid());
      home = pw && pw->pw_dir ? pw->pw_dir : ".";
    }
    base = home + "/.local/share";
  }
  return base + "/nndl/mnist";
}

NNDL_OUT_OF_LINE std::optional<std::filesystem::path> repository_data_dir() {
#ifdef NNDL_REPOSITORY_DATA
  return std::filesystem::path(NNDL_REPOSITORY_DATA);
#else
  return std::nullopt;
#endif
}

NNDL_OUT_OF_LINE std::vector<data_place> data_search_list(const std::optional<std::filesystem::path>& flag,
                                                          const std::optional<std::filesystem::path>& repository) {
  std::vector<data_place> places;
  if (flag) places.push_back({*flag, "the --data flag", true});
  if (const std::string env = detail::env_or_empty("NNDL_DATA"); !env.empty())
    places.push_back({env, "NNDL_DATA", true});
  places.push_back({default_data_dir(), "the user's data folder", false});
  if (repository) places.push_back({*repository, "the repository's copy", false});
  return places;
}
}  // namespace nndl

namespace nndl::detail {

NNDL_OUT_OF_LINE void check_repository_copy(const std::filesystem::path& dir) {
  for (const auto& [name, want] : mnist_md5) {
    const std::filesystem::path file = dir / name;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
      throw data_error("nndl: " + file.string() + " is missing from the repository's copy of MNIST; " + restore_hint);
    const std::string found = md5_file(file);
    if (found != want)
      throw data_error("nndl: " + file.string() + " (the repository's copy of MNIST) has md5 " + found + ", expected " +
                       want + ": the file is damaged or was changed; " + restore_hint +
                       " (or use another copy: scripts/download_mnist.sh, --data DIR or NNDL_DATA=DIR)");
  }
}

NNDL_OUT_OF_LINE bool same_folder(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec);
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE std::filesystem::path find_data_dir(const std::optional<std::filesystem::path>& flag,
                                                     const std::optional<std::filesystem::path>& repository) {
  auto checked = [&](const std::filesystem::path& dir) {
    if (repository && detail::same_folder(dir, *repository)) detail::check_repository_copy(dir);
    return dir;
  };
  std::string looked = "the --data flag (not given), env NNDL_DATA (not set)";
  for (const data_place& place : data_search_list(flag, repository)) {
    if (place.given) {
      detail::require_mnist_dir(place.dir, place.source);
      return checked(place.dir);
    }
    const auto missing = detail::missing_mnist_files(place.dir);
    if (detail::holds_mnist(place.dir)) return checked(place.dir);
    std::error_code ec;
    looked += ", " + place.source + " " + place.dir.string() + " (" +
              (std::filesystem::is_directory(place.dir, ec) ? "exists but lacks " + detail::join(missing, ", ")
                                                            : std::string("does not exist")) +
              (repository && place.dir == *repository ? "; " + std::string(detail::restore_hint) : "") + ")";
  }
  if (!repository)
    looked += ", and no repository's copy (an installed nndl does not carry the data; a clone of nndl "
              "has it in data/mnist)";
  throw data_not_found("nndl: MNIST data not found.\n"
                       "  Looked in: " +
                       looked +
                       ".\n"
                       "  To fix, one of:\n"
                       "  - pass --data DIR or set NNDL_DATA=DIR for a folder holding train-images-idx3-ubyte.gz,"
                       " train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz "
                       "(.gz or uncompressed), e.g. the data/mnist folder of a clone of nndl\n"
                       "  - run scripts/download_mnist.sh (needs the internet; checks md5 sums; puts the four "
                       "files in " +
                       default_data_dir() +
                       ")\n"
                       "  - offline stand-in: apt-get install dataset-fashion-mnist, then "
                       "--data /usr/share/datasets/fashion-mnist (Fashion-MNIST, same format)");
}

}  // namespace nndl
