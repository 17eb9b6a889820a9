// Writing and reading whole files (nndl/detail/file.hpp): the size cap of whole-file reads, the
// refusal of what is not a regular file (/dev/zero, a pipe), the temporaries a killed writer leaves behind, and
// the folder flushed to disk after the rename. This executable is linked with -Wl,--wrap=fsync
// (tests/CMakeLists.txt), so that the test sees which files and folders are flushed.
#include <catch2/catch.hpp>

#include <nndl/detail/file.hpp>
#include <nndl/data/image.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace fs = std::filesystem;

namespace {
std::mutex synced_mutex;
std::vector<std::string> synced;  // what fsync was called on, as /proc/self/fd names it
}  // namespace

extern "C" int __real_fsync(int fd);
extern "C" int __wrap_fsync(int fd) {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf);
  if (n > 0) {
    std::lock_guard lock(synced_mutex);
    synced.emplace_back(buf, std::size_t(n));
  }
  return __real_fsync(fd);
}

TEST_CASE("whole-file reads stop at their limit, also on files without a size", "[file]") {
  test_support::temp_dir dir("file-cap");
  const auto big = dir / "big.bin";
  std::ofstream(big, std::ios::binary) << std::string(5000, 'x');
  auto r = nndl::detail::read_whole_file(big, "a model file", 4096);
  CHECK(r.bytes.empty());
  CHECK_THAT(r.problem, Catch::Contains("5000 bytes") && Catch::Contains("limit of 4096 bytes for a model file"));
  r = nndl::detail::read_whole_file(big, "a model file", 5000);  // exactly at the limit: read
  CHECK(r.problem.empty());
  CHECK(r.bytes == std::string(5000, 'x'));

  // Files that are not regular files are refused from their type, before anything is read: /dev/zero
  // (which says it has 0 bytes and never ends), a pipe (whose opening would wait for a writer).
  const auto t0 = std::chrono::steady_clock::now();
  r = nndl::detail::read_whole_file("/dev/zero", "a model file", 1 << 20);
  CHECK(r.bytes.empty());
  CHECK_THAT(r.problem, Catch::Contains("is a device, not a regular file: give a model file itself"));
  const auto fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // no writer
  r = nndl::detail::read_whole_file(fifo, "an image file", 100000);
  CHECK(r.bytes.empty());
  CHECK_THAT(r.problem, Catch::Contains("is a pipe (FIFO), not a regular file: give an image file itself"));
  CHECK(nndl::detail::regular_file_problem(fifo, "a model file") ==
        "is a pipe (FIFO), not a regular file: give a model file itself (a file on disk)");
  CHECK(nndl::detail::regular_file_problem(dir.path, "a model file") == "is a directory, not a model file");
  CHECK(nndl::detail::regular_file_problem(dir / "absent", "a model file") == "no such file");
  CHECK(nndl::detail::regular_file_problem(big, "a model file").empty());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));  // at once, not after a wait
}

TEST_CASE("an image or model file that never ends is refused by name", "[file]") {
  try {
    nndl::read_image("/dev/zero");
    FAIL("read /dev/zero as an image");
  } catch (const nndl::image_error& e) {
    CHECK_THAT(std::string(e.what()),
               Catch::Contains("/dev/zero") && Catch::Contains("is a device, not a regular file"));
  }
}

TEST_CASE("a write removes the temporaries that killed writers of the same file left", "[file]") {
  test_support::temp_dir dir("file-stale");
  const auto target = dir / "model.json";
  // A process that has ended: its pid names no process any more.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  ::waitpid(child, nullptr, 0);
  const std::string dead = std::to_string(child), me = std::to_string(::getpid());
  const auto stale = dir / ("model.json.tmp-" + dead + "-0");
  const auto stale2 = dir / ("model.json.tmp-" + dead + "-17");
  const auto alive = dir / "model.json.tmp-1-0";                      // pid 1 is alive: its file stays
  const auto mine = dir / ("model.json.tmp-" + me + "-999");          // this process's own: stays
  const auto other_target = dir / ("other.json.tmp-" + dead + "-0");  // another target's: stays
  const auto not_ours = dir / "model.json.tmp-notes";                 // not the pattern: stays
  for (const auto& p : {stale, stale2, alive, mine, other_target, not_ours}) std::ofstream(p) << "half";

  REQUIRE(nndl::detail::write_file_atomically(target, "{}\n").empty());
  CHECK_FALSE(fs::exists(stale));
  CHECK_FALSE(fs::exists(stale2));
  CHECK(fs::exists(alive));
  CHECK(fs::exists(mine));
  CHECK(fs::exists(other_target));
  CHECK(fs::exists(not_ours));
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(text == "{}\n");
}

TEST_CASE("an atomic write flushes the file, then the folder that holds the rename", "[file]") {
  test_support::temp_dir dir("file-sync");
  const auto target = dir / "out.bin";
  {
    std::lock_guard lock(synced_mutex);
    synced.clear();
  }
  REQUIRE(nndl::detail::write_file_atomically(target, "data").empty());
  std::lock_guard lock(synced_mutex);
  const std::string folder = fs::canonical(dir.path).string();
  REQUIRE(synced.size() >= 2);
  CHECK(synced.front().find("out.bin.tmp-") != std::string::npos);  // the data, before the rename
  CHECK(synced.back() == folder);                                   // the folder, after it
}
