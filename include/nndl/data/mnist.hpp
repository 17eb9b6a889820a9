// MNIST (and Fashion-MNIST, same format) with the book's split, and where to find the files.
//
// Split (as in the book's mnist.pkl.gz): training = the first 50,000 images of the official
// training file, validation = the remaining 10,000, test = the 10,000 t10k images.
#pragma once

#include <pwd.h>     // getpwuid: home folder when HOME is unset
#include <unistd.h>  // getuid

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dataset.hpp"
#include "idx.hpp"

namespace nndl {

template <class T>
struct mnist_data {
  dataset<T> training, validation, test;
};

namespace detail {

inline constexpr std::array<const char*, 4> mnist_files{
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte"};

/// dir/base.gz if present, else dir/base (uncompressed), else nothing.
inline std::optional<std::filesystem::path> mnist_file(const std::filesystem::path& dir,
                                                       const std::string& base) {
  std::error_code ec;
  for (const auto& p : {dir / (base + ".gz"), dir / base})
    if (std::filesystem::is_regular_file(p, ec)) return p;
  return std::nullopt;
}

/// The standard files a folder lacks ("name[.gz]" each); empty when it has all four.
inline std::vector<std::string> missing_mnist_files(const std::filesystem::path& dir) {
  std::vector<std::string> missing;
  for (const char* f : mnist_files)
    if (!mnist_file(dir, f)) missing.push_back(std::string(f) + "[.gz]");
  return missing;
}

inline std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

/// Throws data_error unless dir holds the four files; `source` says where dir came from.
inline void require_mnist_dir(const std::filesystem::path& dir, const std::string& source) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw data_error("nndl: data folder " + dir.string() + " (from " + source +
                     ") does not exist or is not a folder");
  const auto missing = missing_mnist_files(dir);
  if (!missing.empty())
    throw data_error("nndl: data folder " + dir.string() + " (from " + source + ") is missing " +
                     join(missing, ", ") + "; it needs the four MNIST files " +
                     "(scripts/download_mnist.sh " + dir.string() + " fetches them)");
}

}  // namespace detail

/// ${XDG_DATA_HOME:-$HOME/.local/share}/nndl/mnist (scripts/download_mnist.sh uses the same).
inline std::string default_data_dir() {
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

/// Where the MNIST files are: the --data flag, else env NNDL_DATA, else default_data_dir().
/// A folder given explicitly that lacks files is an error naming it; nothing found anywhere
/// throws data_not_found with instructions.
inline std::filesystem::path find_data_dir(
    const std::optional<std::filesystem::path>& flag = std::nullopt) {
  if (flag) {
    detail::require_mnist_dir(*flag, "the --data flag");
    return *flag;
  }
  const std::string env = detail::env_or_empty("NNDL_DATA");
  if (!env.empty()) {
    detail::require_mnist_dir(env, "NNDL_DATA");
    return env;
  }
  const std::filesystem::path def = default_data_dir();
  const auto missing = detail::missing_mnist_files(def);
  if (missing.empty()) return def;
  std::error_code ec;
  const std::string status = std::filesystem::is_directory(def, ec)
                                 ? "exists but lacks " + detail::join(missing, ", ")
                                 : "does not exist";
  throw data_not_found(
      "nndl: MNIST data not found.\n"
      "  Looked in: the --data flag (not given), env NNDL_DATA (not set), and the default "
      "folder " + def.string() + " (" + status + ").\n"
      "  To fix, one of:\n"
      "  - run scripts/download_mnist.sh (needs the internet; checks md5 sums; puts the four "
      "files in " + def.string() + ")\n"
      "  - pass --data DIR or set NNDL_DATA=DIR for a folder holding train-images-idx3-ubyte.gz,"
      " train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz "
      "(.gz or uncompressed)\n"
      "  - offline stand-in: apt-get install dataset-fashion-mnist, then "
      "--data /usr/share/datasets/fashion-mnist (Fashion-MNIST, same format)");
}

/// Loads the book's split from a folder holding the four standard files (.gz preferred).
/// training = first training_size images of the training file, validation = the rest.
template <class T = double>
mnist_data<T> load_mnist(const std::filesystem::path& dir, std::size_t training_size = 50000) {
  detail::require_mnist_dir(dir, "the load_mnist argument");
  std::string lower = dir.string();
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string prefix = lower.find("fashion") != std::string::npos ? "Fashion-MNIST " : "MNIST ";
  auto file = [&](std::size_t i) { return *detail::mnist_file(dir, detail::mnist_files[i]); };

  mnist_data<T> out;
  {
    // Both parts come straight from the bytes: the full 60k matrix is never built.
    const idx_file images = read_idx(file(0));
    const idx_file labels = read_idx(file(1));
    const std::size_t n = detail::check_idx_pair(images, labels, 10);
    if (training_size > n)
      throw data_error("nndl: " + images.path.string() + ": training_size " +
                       std::to_string(training_size) + " is more than the " + std::to_string(n) +
                       " images in the file");
    out.training = detail::idx_rows<T>(images, labels, 0, training_size, prefix + "training", 10);
    out.validation = detail::idx_rows<T>(images, labels, training_size, n, prefix + "validation", 10);
  }
  out.test = load_idx_dataset<T>(file(2), file(3), prefix + "test", 10);
  return out;
}

}  // namespace nndl
