// Writing a file so that an error or a crash never leaves half a file over a good one, and reading
// a whole file with the problem named. Each caller throws its own error type with these messages.
//
// atomic_file: the data goes to a temporary file beside the target (same folder, so the rename
// stays on one file system), named <target>.tmp-<pid>-<n>; commit() flushes it to disk, renames it
// over the target in one step and flushes the folder, so that the rename itself survives a power
// cut; a temporary that was never committed is removed when the atomic_file goes. A process that
// was killed cannot remove its temporary: the next atomic_file for the same target removes the
// temporaries of processes that no longer exist.
#pragma once

#include "out_of_line.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
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
    remove_stale_temporaries();
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
    if (const int fd = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
      const int r = ::fsync(fd);
      const int err = errno;
      ::close(fd);
      if (r != 0 && err != EINVAL && err != ENOTSUP)  // (some file systems cannot sync: nothing to do there)
        return "cannot flush " + temp_.string() + " to disk: " + std::generic_category().message(err);
    }
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec) return "cannot rename " + temp_.string() + " into place: " + ec.message();
    committed_ = true;
    sync_directory(target_.has_parent_path() ? target_.parent_path() : std::filesystem::path("."));
    return "";
  }

  /// Flushes a folder's entries (a rename in it) to disk; best effort: the data is already in place.
  static void sync_directory(const std::filesystem::path& dir) {
    if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }

 private:
  /// Removes <target>.tmp-<pid>-<n> files left by processes that no longer exist (killed while
  /// writing). Files of live processes, this one included, are theirs and stay.
  void remove_stale_temporaries() const {
    const std::filesystem::path dir = target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
    const std::string prefix = target_.filename().string() + ".tmp-";
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string rest = name.substr(prefix.size());  // "<pid>-<n>"
      const auto dash = rest.find('-');
      auto digits = [](std::string_view v) {
        return !v.empty() && v.size() < 10 &&
               std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
      };
      if (dash == std::string::npos || !digits(std::string_view(rest).substr(0, dash)) ||
          !digits(std::string_view(rest).substr(dash + 1)))
        continue;
      const auto pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
      if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH)
        continue;  // alive, or not ours to judge
      std::error_code rm;
      std::filesystem::remove(it->path(), rm);
    }
  }

  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

/// Writes `bytes` as the file `file`, atomically. Returns "" on success, otherwise what went wrong.
NNDL_OUT_OF_LINE std::string write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

/// A whole file's bytes, or what kept them from being read.
struct file_contents {
  std::string bytes;
  std::string problem;  ///< empty when the file was read
};

/// The most read_whole_file reads unless told otherwise: far more than any model or image nndl
/// writes or reads, far less than the memory of the machines it runs on.
inline constexpr std::size_t default_max_file_bytes = std::size_t{256} << 20;

/// What a file of this type is, when it is not a regular file ("" when it is one).
NNDL_OUT_OF_LINE std::string not_regular_kind(mode_t mode);

/// Why `file` is not one to read as `what` ("a model file"), found from its type alone and so at
/// once (opening a pipe would wait for a writer, a device may never end): "no such file", "is a
/// directory, not a model file", "is a pipe (FIFO), not a regular file: ...", or "" for a regular file.
NNDL_OUT_OF_LINE std::string regular_file_problem(const std::filesystem::path& file, const std::string& what);

/// Reads the whole of `file`, at most `max_bytes` of it: a larger file is a problem, found from its
/// size (and, for a file that grows while it is read, while reading). A file that is not a regular
/// file (a pipe, a device, a socket) is refused at once (regular_file_problem). `what` names what
/// the file should be ("an image file", "a model file").
NNDL_OUT_OF_LINE file_contents read_whole_file(const std::filesystem::path& file, const std::string& what,
                                               std::size_t max_bytes = default_max_file_bytes);

}  // namespace nndl::detail

namespace nndl {

/// Writes `bytes` as the file `file`, atomically (a temporary file beside it, renamed over it once
/// complete). Returns "" on success, otherwise what went wrong.
NNDL_OUT_OF_LINE std::string write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

/// Why `file` is not one to read as `what` ("a model file"), from its type alone: "no such file",
/// "is a directory, not a model file", "is a pipe (FIFO), not a regular file: ...", or "" for a
/// regular file.
NNDL_OUT_OF_LINE std::string regular_file_problem(const std::filesystem::path& file, const std::string& what);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "file.ipp"
#endif
