// MNIST (and Fashion-MNIST, same format) with the book's split, and where to find the files: the
// --data flag, NNDL_DATA, the user's data folder, then the copy that ships in the repository's
// data/mnist (checked against the published md5 sums whenever it is used). A place holds the four
// IDX files, or the book's own mnist.pkl.gz (a folder holding it, or the file itself), read by the
// restricted unpickler of mnist_pickle.hpp; a folder with both is read from its IDX files.
//
// Split (as in the book's mnist.pkl.gz): training = the first 50,000 images of the official
// training file, validation = the remaining 10,000, test = the 10,000 t10k images.
#pragma once

#include "../detail/out_of_line.hpp"

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

#include "../detail/md5.hpp"
#include "dataset.hpp"
#include "idx.hpp"
#include "mnist_pickle.hpp"

namespace nndl {

namespace detail {

inline constexpr std::array<const char*, 4> mnist_files{"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/// dir/base.gz if present, else dir/base (uncompressed), else nothing.
NNDL_OUT_OF_LINE std::optional<std::filesystem::path> mnist_file(const std::filesystem::path& dir,
                                                                 const std::string& base);

/// The standard files a folder lacks ("name[.gz]" each); empty when it has all four.
NNDL_OUT_OF_LINE std::vector<std::string> missing_mnist_files(const std::filesystem::path& dir);

NNDL_OUT_OF_LINE std::string join(const std::vector<std::string>& v, const char* sep);

NNDL_OUT_OF_LINE std::string env_or_empty(const char* name);

/// The book's mnist.pkl.gz (or mnist.pkl) when `place` is that file or a folder holding it.
NNDL_OUT_OF_LINE std::optional<std::filesystem::path> mnist_pickle_in(const std::filesystem::path& place);

/// True when `place` holds MNIST: the four IDX files, or the book's pickle.
NNDL_OUT_OF_LINE bool holds_mnist(const std::filesystem::path& place);

/// Throws data_error unless `place` holds MNIST; `source` says where it came from.
NNDL_OUT_OF_LINE void require_mnist_dir(const std::filesystem::path& place, const std::string& source);

}  // namespace detail

/// The user's data folder: ${XDG_DATA_HOME:-$HOME/.local/share}/nndl/mnist (scripts/download_mnist.sh
/// puts the files there by default).
NNDL_OUT_OF_LINE std::string default_data_dir();

/// The copy of MNIST that ships with nndl: data/mnist of the source tree. The nndl CMake target
/// defines NNDL_REPOSITORY_DATA for programs built in the tree or through add_subdirectory; an
/// installed nndl (cmake --install) does not carry the data, so there it is nothing.
NNDL_OUT_OF_LINE std::optional<std::filesystem::path> repository_data_dir();

/// One place find_data_dir looks.
struct data_place {
  /// The folder.
  std::filesystem::path dir;
  std::string source;  ///< "the --data flag", "NNDL_DATA", "the user's data folder" or "the repository's copy"
  bool given = false;  ///< named by the user (flag or NNDL_DATA): used, or an error; never passed over
};

/// Where find_data_dir looks, in order: the --data flag (when given), env NNDL_DATA (when set and
/// not empty), the user's data folder default_data_dir(), the repository's copy (when there is one;
/// `repository` defaults to repository_data_dir() and is a parameter so that tests can move it).
NNDL_OUT_OF_LINE std::vector<data_place> data_search_list(
    const std::optional<std::filesystem::path>& flag = std::nullopt,
    const std::optional<std::filesystem::path>& repository = repository_data_dir());

namespace detail {

/// The published md5 sums of the four MNIST files (the same as data/mnist/MD5SUMS and
/// scripts/download_mnist.sh).
inline constexpr std::array<std::array<const char*, 2>, 4> mnist_md5{{
    {"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
    {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
    {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
    {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"},
}};

inline constexpr const char* restore_hint = "restore it with `git checkout data/mnist` in the nndl repository";

/// Throws data_error unless each of the four .gz files in dir (the repository's copy) has its
/// published md5; the message names the file, both sums and how to restore it.
NNDL_OUT_OF_LINE void check_repository_copy(const std::filesystem::path& dir);

NNDL_OUT_OF_LINE bool same_folder(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace detail

/// Where the MNIST files are: the first place of data_search_list(flag, repository) that has them.
/// A place the user named (flag, NNDL_DATA) is final: if it lacks a file, that is a data_error
/// naming it. The user's folder and the repository's copy are used when they hold all four files.
/// Whenever the folder chosen is the repository's copy, its md5 sums are checked first. Nothing
/// found throws data_not_found, saying where nndl looked and what to do.
NNDL_OUT_OF_LINE std::filesystem::path find_data_dir(
    const std::optional<std::filesystem::path>& flag = std::nullopt,
    const std::optional<std::filesystem::path>& repository = repository_data_dir());

/// Loads the book's split from a folder holding the four standard files (.gz preferred), or from
/// the book's mnist.pkl.gz (the file, or a folder holding it). IDX: training = first training_size
/// images of the training file, validation = the rest, pixels / 255; the pickle fixes its split
/// (50,000 training images) and its pixels (/ 256, as the book's file has them).
template <class T = double>
mnist_data<T> load_mnist(const std::filesystem::path& dir, std::size_t training_size = 50000) {
  detail::require_mnist_dir(dir, "the load_mnist argument");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec) || !detail::missing_mnist_files(dir).empty()) {
    const auto file = *detail::mnist_pickle_in(dir);
    auto out = load_mnist_pickle<T>(file);
    if (training_size != out.training.size())
      throw data_error("nndl: " + file.string() + ": the book's pickle fixes the split at " +
                       std::to_string(out.training.size()) + " training images; training_size " +
                       std::to_string(training_size) + " needs the IDX files");
    return out;
  }
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
      throw data_error("nndl: " + images.path.string() + ": training_size " + std::to_string(training_size) +
                       " is more than the " + std::to_string(n) + " images in the file");
    out.training = detail::idx_rows<T>(images, labels, 0, training_size, prefix + "training", 10);
    out.validation = detail::idx_rows<T>(images, labels, training_size, n, prefix + "validation", 10);
  }
  out.test = load_idx_dataset<T>(file(2), file(3), prefix + "test", 10);
  return out;
}

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE mnist_data<float> load_mnist<float>(const std::filesystem::path&, std::size_t);
NNDL_INSTANTIATE mnist_data<double> load_mnist<double>(const std::filesystem::path&, std::size_t);
#endif

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "mnist.ipp"
#endif
