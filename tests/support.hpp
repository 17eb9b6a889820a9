// Helpers shared by the tests.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace test_support {

/// True when the outside tools some tests use (python3-numpy, gnuplot) must be there: a missing
/// one is then a failure, not a warning. scripts/test.sh, which installs them, sets NNDL_REQUIRE_TOOLS.
inline bool tools_required() {
  const char* v = std::getenv("NNDL_REQUIRE_TOOLS");
  return v && *v && std::string(v) != "0";
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

}  // namespace test_support
