// IDX reading and writing: round trips, pixel scaling, and every malformed-input error, each
// checked to name the file and the problem. Files are written into a fresh temporary folder.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "nndl/data/idx.hpp"

#include "largest_alloc.hpp"  // largest_alloc: a lying header allocates nothing huge

namespace {

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;
using Catch::Matchers::Contains;

using test_support::temp_dir;

/// An IDX header by hand: {0, 0, type, ndims} then big-endian dims.
bytes header(std::uint8_t type, std::uint8_t ndims, const std::vector<std::uint32_t>& dims) {
  bytes h{0, 0, type, ndims};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<std::uint8_t>(d >> s));
  return h;
}

bytes concat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bytes iota_bytes(std::size_t n) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  return b;
}

bytes slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), {});
}

void spit(const fs::path& p, const bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

/// The message of the data_error thrown by f (fails the test if none is thrown).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nndl::data_error& e) {
    return e.what();
  }
  FAIL("no nndl::data_error was thrown");
  return "";
}

bool only_expected_files(const temp_dir& dir, std::size_t n) {
  std::size_t count = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) {
    if (e.path().string().find(".tmp-") != std::string::npos) return false;
    ++count;
  }
  return count == n;
}

}  // namespace

TEST_CASE("write_idx then read_idx round-trips, plain and gzip", "[idx]") {
  temp_dir dir;
  const bytes data = iota_bytes(3 * 5 * 7);
  for (const char* name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
    const auto p = dir / name;
    nndl::write_idx(p, {3, 5, 7}, data);
    const auto f = nndl::read_idx(p);
    CHECK(f.path == p);
    CHECK(f.type == 0x08);
    CHECK(f.dims == std::vector<std::size_t>{3, 5, 7});
    CHECK(f.bytes == data);
  }
  // The .gz file really is gzip (magic 1f 8b); the plain one is raw IDX.
  CHECK(slurp(dir / "a-idx3-ubyte.gz").at(0) == 0x1f);
  CHECK(slurp(dir / "a-idx3-ubyte") == concat(header(0x08, 3, {3, 5, 7}), data));
  CHECK(only_expected_files(dir, 2));

  // 1-D and 4-D, and overwriting an existing file.
  nndl::write_idx(dir / "l.gz", {4}, bytes{9, 8, 7, 6});
  nndl::write_idx(dir / "l.gz", {2}, bytes{1, 2});
  CHECK(nndl::read_idx(dir / "l.gz").bytes == bytes{1, 2});
  nndl::write_idx(dir / "four", {1, 2, 3, 4}, iota_bytes(24));
  CHECK(nndl::read_idx(dir / "four").dims.size() == 4);
}

TEST_CASE("write_idx rejects bad input and leaves no temporary file", "[idx]") {
  temp_dir dir;
  const auto p = dir / "x.gz";
  CHECK_THROWS_WITH(nndl::write_idx(p, {2, 3}, bytes(5)), Contains(p.string()) && Contains("need 6 bytes, given 5"));
  CHECK_THROWS_WITH(nndl::write_idx(p, {}, bytes{}), Contains(p.string()) && Contains("dimensions"));
  CHECK_THROWS_WITH(nndl::write_idx(p, {2, 0}, bytes{}), Contains(p.string()) && Contains("dimension 0"));
  const auto nowhere = dir / "no-such-folder" / "x";
  CHECK_THROWS_WITH(nndl::write_idx(nowhere, {1}, bytes{1}), Contains(nowhere.string()) && Contains("cannot create"));
  CHECK(only_expected_files(dir, 0));
}

TEST_CASE("bad magic", "[idx]") {
  temp_dir dir;
  const auto p = dir / "magic";
  nndl::write_raw(p, concat(bytes{0, 1, 8, 1, 0, 0, 0, 1}, bytes{3}));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("bad magic") && Contains("0x00 0x01"));
  const std::string text = "hello, this is not an IDX file\n";
  nndl::write_raw(p, bytes(text.begin(), text.end()));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("bad magic"));
  // A type code the IDX format does not define.
  nndl::write_raw(p, concat(header(0x07, 1, {1}), bytes{3}));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("bad magic") && Contains("type code 0x07"));
  // Number of dimensions outside 1..4.
  nndl::write_raw(p, header(0x08, 0, {}));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("0 dimensions"));
  nndl::write_raw(p, concat(header(0x08, 5, {1, 1, 1, 1, 1}), bytes{3}));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("5 dimensions"));
}

TEST_CASE("unsupported element type", "[idx]") {
  temp_dir dir;
  const auto p = dir / "floats.gz";
  nndl::write_raw(p, concat(header(0x0D, 1, {2}), bytes(8)));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("unsupported element type 0x0D (float)"));
  nndl::write_raw(p, concat(header(0x0B, 1, {2}), bytes(4)));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("unsupported element type 0x0B (short)"));
}

TEST_CASE("truncated files, plain and gzip", "[idx]") {
  temp_dir dir;
  for (const char* name : {"t-idx2-ubyte", "t-idx2-ubyte.gz"}) {
    const auto p = dir / name;
    nndl::write_raw(p, concat(header(0x08, 2, {2, 3}), bytes{1, 2, 3, 4}));
    CHECK_THROWS_WITH(nndl::read_idx(p),
                      Contains(p.string()) && Contains("truncated: header says 6 bytes of data, file has 4"));
    // Ends inside the header.
    nndl::write_raw(p, bytes{0, 0});
    CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("truncated"));
    nndl::write_raw(p, concat(header(0x08, 3, {2}), bytes{}));
    CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("truncated") && Contains("ends inside them"));
    nndl::write_raw(p, bytes{});
    CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("empty file"));
  }
  // A valid .gz file cut in half: zlib delivers what it can, and we say the stream ended early.
  const auto p = dir / "cut.gz";
  nndl::write_idx(p, {1000, 100}, iota_bytes(100000));
  bytes gz = slurp(p);
  gz.resize(gz.size() / 2);
  spit(p, gz);
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("truncated: header says 100000 bytes") &&
                                           Contains("gzip stream ends early"));
  // Cut only inside the 8-byte gzip trailer: all data arrives, but the stream is incomplete.
  nndl::write_idx(p, {1000, 100}, iota_bytes(100000));
  gz = slurp(p);
  gz.resize(gz.size() - 3);
  spit(p, gz);
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("gzip"));
}

TEST_CASE("trailing bytes after the declared data", "[idx]") {
  temp_dir dir;
  for (const char* name : {"tr", "tr.gz"}) {
    const auto p = dir / name;
    nndl::write_raw(p, concat(header(0x08, 1, {4}), bytes{1, 2, 3, 4, 5, 6}));
    CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("trailing bytes: 2 bytes after the 4 bytes"));
  }
}

TEST_CASE("zero dimension", "[idx]") {
  temp_dir dir;
  const auto p = dir / "zero";
  nndl::write_raw(p, header(0x08, 3, {3, 0, 2}));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("zero dimension") && Contains("3 x 0 x 2"));
}

TEST_CASE("absurd dimensions fail fast without a giant allocation", "[idx]") {
  temp_dir dir;
  const auto p = dir / "absurd.gz";
  using clock = std::chrono::steady_clock;

  // 4e9 x 28 x 28 = 3.1e12 bytes declared, 784 present.
  nndl::write_raw(p, concat(header(0x08, 3, {4000000000u, 28, 28}), bytes(784)));
  largest_alloc = 0;
  auto t0 = clock::now();
  CHECK_THROWS_WITH(nndl::read_idx(p),
                    Contains(p.string()) && Contains("absurd size") && Contains("4000000000 x 28 x 28"));
  CHECK(clock::now() - t0 < std::chrono::seconds(1));
  CHECK(largest_alloc < (std::size_t{1} << 20));

  // Four dims of 2^32-1 overflow a 64-bit product.
  nndl::write_raw(p, header(0x08, 4, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}));
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("absurd size") && Contains("overflow"));

  // A lie just under the 1 GiB limit: rejected as truncated, after at most a 64 MiB reservation.
  nndl::write_raw(p, concat(header(0x08, 2, {1u << 20, 1u << 10}), bytes(10)));
  largest_alloc = 0;
  t0 = clock::now();
  CHECK_THROWS_WITH(nndl::read_idx(p),
                    Contains(p.string()) && Contains("truncated: header says 1073741824 bytes of data, file has 10"));
  CHECK(clock::now() - t0 < std::chrono::seconds(1));
  CHECK(largest_alloc <= (std::size_t{64} << 20));

  // The limit is a parameter.
  nndl::write_raw(p, concat(header(0x08, 2, {10, 11}), bytes(110)));
  CHECK_THROWS_WITH(nndl::read_idx(p, 100),
                    Contains(p.string()) && Contains("absurd size") && Contains("limit of 100"));
  CHECK(nndl::read_idx(p, 110).bytes.size() == 110);
}

TEST_CASE("corrupt gzip stream", "[idx]") {
  temp_dir dir;
  const auto p = dir / "corrupt-idx2-ubyte.gz";
  // Wrong CRC in the trailer: zlib reports "incorrect data check".
  nndl::write_idx(p, {1000, 100}, iota_bytes(100000));
  bytes gz = slurp(p);
  gz[gz.size() - 8] ^= 0xFF;
  spit(p, gz);
  CHECK_THROWS_WITH(nndl::read_idx(p),
                    Contains(p.string()) && Contains("corrupt gzip stream") && Contains("incorrect data check"));
  // Garbage in the middle of the deflate data.
  nndl::write_idx(p, {1000, 100}, iota_bytes(100000));
  gz = slurp(p);
  for (std::size_t i = gz.size() / 3; i < gz.size() / 3 + 64; ++i) gz[i] = 0xFF;
  spit(p, gz);
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("corrupt gzip stream"));
}

TEST_CASE("missing or unreadable file", "[idx]") {
  temp_dir dir;
  const auto p = dir / "nope-idx1-ubyte.gz";
  CHECK_THROWS_WITH(nndl::read_idx(p), Contains(p.string()) && Contains("no such file"));
  CHECK_THROWS_WITH(nndl::read_idx(dir.path), Contains(dir.path.string()) && Contains("is a directory"));
  const auto lbl = dir / "l";
  nndl::write_idx(lbl, {1}, bytes{1});
  CHECK_THROWS_WITH(nndl::load_idx_dataset<double>(p, lbl, "x"), Contains(p.string()) && Contains("no such file"));
}

TEST_CASE("load_idx_dataset checks shapes, counts and labels", "[idx]") {
  temp_dir dir;
  const auto img = dir / "img-idx3-ubyte.gz";
  const auto lbl = dir / "lbl-idx1-ubyte.gz";
  nndl::write_idx(img, {3, 2, 2}, iota_bytes(12));

  nndl::write_idx(lbl, {2}, bytes{1, 2});
  CHECK_THROWS_WITH(
      nndl::load_idx_dataset<double>(img, lbl, "x"),
      Contains("image and label counts disagree: 3 images in " + img.string() + ", 2 labels in " + lbl.string()));

  nndl::write_idx(lbl, {3}, bytes{1, 10, 2});
  CHECK_THROWS_WITH(
      nndl::load_idx_dataset<double>(img, lbl, "x"),
      Contains(lbl.string()) && Contains("label out of range: label 10 at index 1") && Contains("0 to 9"));
  nndl::write_idx(lbl, {3}, bytes{1, 0, 3});
  CHECK_THROWS_WITH(nndl::load_idx_dataset<double>(img, lbl, "x", 3),
                    Contains(lbl.string()) && Contains("label 3 at index 2"));
  CHECK(nndl::load_idx_dataset<double>(img, lbl, "x", 4).size() == 3);

  // Labels must be 1-D, images 2-D or 3-D.
  CHECK_THROWS_WITH(nndl::load_idx_dataset<double>(img, img, "x"),
                    Contains(img.string()) && Contains("expected labels with 1 dim"));
  CHECK_THROWS_WITH(nndl::load_idx_dataset<double>(lbl, lbl, "x"),
                    Contains(lbl.string()) && Contains("expected images with 3 dims"));
}

TEST_CASE("pixels are scaled by 1/255 into [0, 1]", "[idx]") {
  temp_dir dir;
  const auto img = dir / "img";
  const auto lbl = dir / "lbl";
  nndl::write_idx(img, {2, 2, 3}, bytes{0, 255, 128, 1, 254, 51, 255, 0, 0, 0, 0, 0});
  nndl::write_idx(lbl, {2}, bytes{7, 3});

  const auto d = nndl::load_idx_dataset<double>(img, lbl, "tiny", 10);
  REQUIRE(d.x.shape()[0] == 2);
  REQUIRE(d.x.shape()[1] == 6);
  CHECK(d.size() == 2);
  CHECK(d.features() == 6);
  CHECK(d.name == "tiny");
  CHECK(d.classes == 10);
  CHECK(d.labels == std::vector<std::uint8_t>{7, 3});
  CHECK(d.x(0, 0) == 0.0);
  CHECK(d.x(0, 1) == 1.0);
  CHECK(d.x(0, 2) == Approx(128.0 / 255.0).epsilon(1e-15));
  CHECK(d.x(0, 3) == Approx(1.0 / 255.0).epsilon(1e-15));
  CHECK(d.x(0, 5) == Approx(0.2).epsilon(1e-15));
  CHECK(d.x(1, 0) == 1.0);
  CHECK(d.x(1, 5) == 0.0);

  const auto f = nndl::load_idx_dataset<float>(img, lbl, "tiny");
  CHECK(f.x(0, 0) == 0.0f);
  CHECK(f.x(0, 1) == 1.0f);
  CHECK(f.x(0, 4) == Approx(254.0f / 255.0f));

  // 2-D images {N, features} are taken as they are.
  nndl::write_idx(img, {2, 5}, bytes{255, 0, 0, 0, 0, 0, 0, 0, 0, 255});
  const auto d2 = nndl::load_idx_dataset<double>(img, lbl, "flat");
  CHECK(d2.features() == 5);
  CHECK(d2.x(0, 0) == 1.0);
  CHECK(d2.x(1, 4) == 1.0);
}
