// Writing a file so that an error or a crash never leaves half a file over a good one, and reading
// a whole file with the problem named. Each caller throws its own error type with these messages.
//
// atomic_file: the data goes to a temporary file beside the target (same folder, so the rename
// stays on one file system); commit() flushes it to disk and renames it over the target in one
// step; a temporary that was never committed is removed when the atomic_file goes.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

namespace nndl::detail {

class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path target) : target_(std::move(target)) {
    static std::atomic<unsigned> counter{0};
    temp_ = target_;
    temp_ += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() {
    if (committed_) return;
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }

  const std::filesystem::path& temp() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }

  /// Puts the written temporary on disk and renames it over the target. Returns "" on success,
  /// otherwise what went wrong (the target is then as it was).
  std::string commit() {
    if (const int fd = ::open(temp_.c_str(), O_RDONLY); fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec) return "cannot rename " + temp_.string() + " into place: " + ec.message();
    committed_ = true;
    return "";
  }

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

/// Writes `bytes` as the file `file`, atomically. Returns "" on success, otherwise what went wrong.
inline std::string write_file_atomically(const std::filesystem::path& file, std::string_view bytes) {
  atomic_file f(file);
  std::FILE* out = std::fopen(f.temp().c_str(), "wb");
  if (!out) return "cannot write " + f.temp().string() + ": " + std::generic_category().message(errno);
  bool ok = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
  int err = errno;
  if (std::fclose(out) != 0 && ok) ok = false, err = errno;
  if (!ok) return "writing " + f.temp().string() + " failed: " + std::generic_category().message(err);
  return f.commit();
}

/// A whole file's bytes, or what kept them from being read.
struct file_contents {
  std::string bytes;
  std::string problem;  ///< empty when the file was read
};

/// Reads the whole of `file`. `what` names what a directory is not ("an image file", "a model file").
inline file_contents read_whole_file(const std::filesystem::path& file, const std::string& what) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) return {{}, "no such file"};
  if (std::filesystem::is_directory(status)) return {{}, "is a directory, not " + what};
  std::ifstream in(file, std::ios::binary);
  if (!in) return {{}, "cannot be opened for reading: " + std::generic_category().message(errno)};
  file_contents c{std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), {}};
  if (in.bad()) c.problem = "cannot be read: " + std::generic_category().message(errno);
  return c;
}

}  // namespace nndl::detail
