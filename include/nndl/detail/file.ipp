// The bodies of file.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of file.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string write_file_atomically(const std::filesystem::path& file, std::string_view bytes) {
  atomic_file f(file);
  std::FILE* out = std::fopen(f.temp().c_str(), "wb");
  if (!out) return "cannot write " + f.temp().string() + ": " + std::generic_category().message(errno);
  bool ok = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
  int err = errno;
  if (std::fclose(out) != 0 && ok) ok = false, err = errno;
  if (!ok) return "writing " + f.temp().string() + " failed: " + std::generic_category().message(err);
  return f.commit();
}

NNDL_OUT_OF_LINE std::string not_regular_kind(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a pipe (FIFO)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

NNDL_OUT_OF_LINE std::string regular_file_problem(const std::filesystem::path& file, const std::string& what) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return "no such file";
    return "cannot be examined: " + std::generic_category().message(errno);
  }
  if (S_ISDIR(st.st_mode)) return "is a directory, not " + what;
  if (const std::string kind = not_regular_kind(st.st_mode); !kind.empty())
    return "is " + kind + ", not a regular file: give " + what + " itself (a file on disk)";
  return "";
}

NNDL_OUT_OF_LINE file_contents read_whole_file(const std::filesystem::path& file, const std::string& what,
                                               std::size_t max_bytes) {
  if (std::string problem = regular_file_problem(file, what); !problem.empty()) return {{}, std::move(problem)};
  // O_NONBLOCK: a pipe put in the file's place since the check above is not waited on either.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return {{}, "cannot be opened for reading: " + std::generic_category().message(errno)};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return {{},
            "is " + not_regular_kind(st.st_mode) + ", not a regular file: give " + what + " itself (a file on disk)"};
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  file_contents c;
  if (std::uintmax_t(st.st_size) > max_bytes) {
    ::close(fd);
    return {{},
            "is " + std::to_string(st.st_size) + " bytes, larger than the limit of " + std::to_string(max_bytes) +
                " bytes for " + what};
  }
  // The buffer starts at the file's size (+1 to see the end), and grows by doubling if the file
  // grows while it is read; never past max_bytes + 1.
  const std::size_t room = std::max<std::size_t>(std::size_t(st.st_size) + 1, 4096);
  std::size_t have = 0;
  for (;;) {
    if (have == c.bytes.size()) c.bytes.resize(std::min(max_bytes + 1, have + std::max(room, have)));
    const ssize_t r = ::read(fd, c.bytes.data() + have, c.bytes.size() - have);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int err = errno;
      ::close(fd);
      return {{}, "cannot be read: " + std::generic_category().message(err)};
    }
    if (r == 0) break;
    have += std::size_t(r);
    if (have > max_bytes) {
      ::close(fd);
      return {{},
              "goes on past " + std::to_string(max_bytes) + " bytes, the limit for " + what + " (it grew while read)"};
    }
  }
  ::close(fd);
  c.bytes.resize(have);
  return c;
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE std::string write_file_atomically(const std::filesystem::path& file, std::string_view bytes) {
  return detail::write_file_atomically(file, bytes);
}

NNDL_OUT_OF_LINE std::string regular_file_problem(const std::filesystem::path& file, const std::string& what) {
  return detail::regular_file_problem(file, what);
}

}  // namespace nndl
