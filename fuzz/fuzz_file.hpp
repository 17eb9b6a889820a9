// What the harnesses share: the readers take a path, so each input is written to a file first,
// in /dev/shm (memory) when there is one.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace nndl_fuzz {

/// The file the inputs of this process go to: one per harness and process, removed at exit.
inline const std::filesystem::path& input_path(const char* name) {
  static const std::filesystem::path path = [&] {
    const std::filesystem::path dir =
        std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    auto p = dir / ("nndl-fuzz-" + std::string(name) + "-" + std::to_string(::getpid()));
    static std::string remove_at_exit;
    remove_at_exit = p.string();
    std::atexit([] { ::unlink(remove_at_exit.c_str()); });
    return p;
  }();
  return path;
}

/// Writes the input as the whole of the file; aborts when it cannot (the harness is then broken).
inline const std::filesystem::path& write_input(const char* name, const std::uint8_t* data, std::size_t size) {
  const auto& path = input_path(name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += std::size_t(n);
  }
  ::close(fd);
  return path;
}

}  // namespace nndl_fuzz
