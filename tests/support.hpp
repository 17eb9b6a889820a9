// Helpers shared by the tests.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "nndl/data/mnist.hpp"
#include "nndl/rng.hpp"

namespace test_support {

/// True when the outside tools some tests use (python3-numpy, gnuplot) must be there: a missing
/// one is then a failure, not a warning. scripts/test.sh, which installs them, sets NNDL_REQUIRE_TOOLS.
inline bool tools_required() {
  const char* v = std::getenv("NNDL_REQUIRE_TOOLS");
  return v && *v && std::string(v) != "0";
}

/// The MNIST folder as the programs find it (nndl::find_data_dir: NNDL_DATA, the user's data folder,
/// then the repository's copy data/mnist), so with nothing set the tests read the repository's copy.
/// Only when no place has the data (an nndl without its repository's copy, and no NNDL_DATA) does the
/// calling test say loudly what it did not test (WARN) and get nothing: it must then return. A folder
/// that is named or found but unusable (NNDL_DATA lacking a file, a damaged repository copy) throws,
/// which fails the test.
inline std::optional<std::string> mnist_dir_or_warn(const std::string& what_is_not_tested) {
  try {
    return nndl::find_data_dir().string();
  } catch (const nndl::data_not_found& e) {
    WARN(what_is_not_tested + " was NOT tested: no MNIST was found.\n" + e.what());
    return std::nullopt;
  }
}

/// The Python the compatibility tests run: Debian's /usr/bin/python3 with python3-numpy (the first
/// python3 on PATH may lack numpy), or $NNDL_PYTHON.
inline std::string python() {
  const char* p = std::getenv("NNDL_PYTHON");
  return p && *p ? p : "/usr/bin/python3";
}

/// True when python() has numpy. Otherwise the calling test says what it did not test (FAIL when
/// NNDL_REQUIRE_TOOLS is set, WARN otherwise) and must return.
inline bool numpy_or_warn(const std::string& what_is_not_tested) {
  if (std::system((python() + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0) return true;
  const std::string why = "NOT TESTED: " + python() + " with numpy is missing, so " + what_is_not_tested +
                          " did not run (apt-get install python3-numpy, or set NNDL_PYTHON to a python with numpy)";
  if (tools_required()) FAIL(why + "; NNDL_REQUIRE_TOOLS is set");
  WARN(why);
  return false;
}

/// A fresh folder under the system's temporary directory, removed with everything in it at scope end.
struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& tag = "tmp") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("nndl-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

/// Moves every parameter of `net` by a uniform amount in [−0.05, 0.05): weights that are not the
/// seed's, as a few steps of training would give, for the tests of formats (which need no training,
/// and so do not compile it for each network type, to check that what is written is read).
template <class Net>
void perturb(Net& net, std::uint64_t seed) {
  nndl::rng r(seed);
  net.for_each_parameter([&](const auto&, const auto& p) {
    for (std::size_t i = 0; i < p.size(); ++i)
      p.value[i] += static_cast<typename Net::scalar>(0.1 * (r.uniform() - 0.5));
  });
}

}  // namespace test_support
