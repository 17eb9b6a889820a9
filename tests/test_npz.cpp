// .npz model files (nndl/io/mlp_npz.hpp): round trip, what a broken or foreign file gives, and (with
// python3-numpy) numpy.load reading them with a NumPy forward pass giving nndl's predictions.
#include <catch2/catch.hpp>

#include <nndl/io/mlp_npz.hpp>
#include <nndl/network.hpp>

#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

template <class T = double>
using sig_ce = nndl::network<T, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                             nndl::cross_entropy_cost>;
using mlp = nndl::network<double, nndl::input<784>, nndl::dense<256, nndl::relu>, nndl::dense<64, nndl::relu>,
                          nndl::dense<10, nndl::softmax>, nndl::log_likelihood_cost, nndl::he_init>;

/// Every parameter of a equals b's (same architecture, same values), through the parameter walk.
template <class A, class B>
bool same_parameters(const A& a, const B& b) {
  std::vector<std::vector<double>> va, vb;
  a.for_each_parameter([&](const auto&, const auto& p) { va.emplace_back(p.value, p.value + p.size()); });
  b.for_each_parameter([&](const auto&, const auto& p) { vb.emplace_back(p.value, p.value + p.size()); });
  return va == vb;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::string& b) { std::ofstream(p, std::ios::binary) << b; }

/// The error message of load_npz(net, file), or "" when it loads.
template <class Net>
std::string load_error(Net& net, const fs::path& file) {
  try {
    nndl::load_npz(net, file);
    return "";
  } catch (const nndl::model_error& e) {
    return e.what();
  }
}

/// An archive with the given entries (name.npy -> bytes), written with libzip.
void write_zip(const fs::path& file, const std::vector<std::pair<std::string, std::string>>& entries) {
  int err = 0;
  zip_t* z = zip_open(file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z);
  for (const auto& [name, bytes] : entries)
    REQUIRE(zip_file_add(z, name.c_str(), zip_source_buffer(z, bytes.data(), bytes.size(), 0), 0) >= 0);
  REQUIRE(zip_close(z) == 0);
}

}  // namespace

TEST_CASE("save_npz / load_npz round trip", "[npz]") {
  test_support::temp_dir dir("npz");
  SECTION("double, bit for bit") {
    const sig_ce<> a{3};
    sig_ce<> b{4};
    REQUIRE_FALSE(same_parameters(a, b));
    nndl::save_npz(a, dir / "m.npz");
    nndl::load_npz(b, dir / "m.npz");
    CHECK(same_parameters(a, b));
    CHECK(nndl::read_npz_info(dir / "m.npz").architecture == nndl::architecture(a));
    CHECK(nndl::read_npz_info(dir / "m.npz").sizes == std::vector<std::size_t>{784, 30, 10});
  }
  SECTION("three layers, and a float network's file loads into a double network") {
    const mlp a{5};
    mlp b{6};
    nndl::save_npz(a, dir / "mlp.npz");
    nndl::load_npz(b, dir / "mlp.npz");
    CHECK(same_parameters(a, b));
    const sig_ce<float> f{7};
    sig_ce<> d{8};
    nndl::save_npz(f, dir / "f.npz");
    nndl::load_npz(d, dir / "f.npz");
    CHECK(double(f.layer<0>().w(3, 5)) == d.layer<0>().w(3, 5));
    CHECK(double(f.layer<1>().b(9)) == d.layer<1>().b(9));
  }
  SECTION("atomic: no temporary file is left, an existing file is replaced whole") {
    const sig_ce<> a{3}, b{4};
    nndl::save_npz(a, dir / "m.npz");
    nndl::save_npz(b, dir / "m.npz");
    sig_ce<> c{9};
    nndl::load_npz(c, dir / "m.npz");
    CHECK(same_parameters(b, c));
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
    CHECK(files == 1);
    CHECK_THROWS_AS(nndl::save_npz(a, dir / "no-such-folder" / "m.npz"), nndl::model_error);
  }
}

TEST_CASE("load_npz refuses broken and foreign files with a clear model_error", "[npz]") {
  test_support::temp_dir dir("npz-bad");
  const sig_ce<> good{3};
  nndl::save_npz(good, dir / "good.npz");
  const std::string bytes = read_bytes(dir / "good.npz");
  sig_ce<> net{11};
  const sig_ce<> before = net;
  auto err = [&](const std::string& name) { return load_error(net, dir / name); };

  write_bytes(dir / "empty.npz", "");
  CHECK_THAT(err("empty.npz"), Contains("empty.npz") && Contains("empty"));
  write_bytes(dir / "text.npz", "{\"sizes\": [784, 30, 10]}");
  CHECK_THAT(err("text.npz"), Contains("not an .npz (zip) archive"));
  write_bytes(dir / "cut.npz", bytes.substr(0, bytes.size() / 2));
  CHECK_THAT(err("cut.npz"), Contains("cut.npz") && (Contains("not an .npz") || Contains("corrupt or truncated")));
  std::string flipped = bytes;
  flipped[bytes.find("\x93NUMPY") + 200] ^= 0x55;  // inside w0's data: the CRC no longer matches
  write_bytes(dir / "crc.npz", flipped);
  CHECK_THAT(err("crc.npz"), Contains("crc.npz") && Contains("w0") && (Contains("CRC") || Contains("corrupt")));
  CHECK_THAT(err("missing.npz"), Contains("no such file"));

  // Entries with the right container but the wrong contents.
  const std::string arch = nndl::architecture(good);
  xt::xtensor<std::uint8_t, 1> a = xt::xtensor<std::uint8_t, 1>::from_shape({arch.size()});
  std::copy(arch.begin(), arch.end(), a.begin());
  const xt::xtensor<std::int64_t, 1> sizes = {784, 30, 10};
  const auto w0 = xt::dump_npy(good.layer<0>().w), b0 = xt::dump_npy(good.layer<0>().b),
             w1 = xt::dump_npy(good.layer<1>().w), b1 = xt::dump_npy(good.layer<1>().b);
  auto entries = [&](std::vector<std::pair<std::string, std::string>> replace) {
    std::vector<std::pair<std::string, std::string>> e = {{"w0.npy", w0},
                                                          {"b0.npy", b0},
                                                          {"w1.npy", w1},
                                                          {"b1.npy", b1},
                                                          {"sizes.npy", xt::dump_npy(sizes)},
                                                          {"architecture.npy", xt::dump_npy(a)}};
    for (auto& [n, v] : replace)
      for (auto& [m, w] : e)
        if (m == n) w = v;
    std::erase_if(e, [](const auto& p) { return p.second.empty(); });
    return e;
  };
  write_zip(dir / "ok.npz", entries({}));  // the same entries, written by another zip writer: fine
  sig_ce<> other_net{12};
  CHECK(load_error(other_net, dir / "ok.npz").empty());
  CHECK(same_parameters(other_net, good));
  write_zip(dir / "no-b1.npz", entries({{"b1.npy", ""}}));
  CHECK_THAT(err("no-b1.npz"), Contains("missing array b1"));
  write_zip(dir / "int-w0.npz",
            entries({{"w0.npy", xt::dump_npy(xt::xtensor<std::int32_t, 2>::from_shape({30, 784}))}}));
  CHECK_THAT(err("int-w0.npz"), Contains("array w0: dtype <i4"));
  write_zip(dir / "shape-w1.npz", entries({{"w1.npy", xt::dump_npy(xt::xtensor<double, 2>::from_shape({30, 10}))}}));
  CHECK_THAT(err("shape-w1.npz"), Contains("array w1: shape (30, 10), expected (10, 30)"));
  write_zip(dir / "cut-w0.npz", entries({{"w0.npy", w0.substr(0, w0.size() - 8)}}));
  CHECK_THAT(err("cut-w0.npz"), Contains("array w0") && Contains("truncated"));
  write_zip(dir / "junk-b0.npz", entries({{"b0.npy", "not numpy"}}));
  CHECK_THAT(err("junk-b0.npz"), Contains("array b0: not a .npy array"));
  xt::xtensor<double, 1> nan_b = good.layer<1>().b;
  nan_b(4) = std::nan("");
  write_zip(dir / "nan.npz", entries({{"b1.npy", xt::dump_npy(nan_b)}}));
  CHECK_THAT(err("nan.npz"), Contains("array b1: value at [4] is not finite"));

  // Another architecture: refused, naming both.
  const mlp other{1};
  nndl::save_npz(other, dir / "mlp.npz");
  CHECK_THAT(err("mlp.npz"), Contains("architecture mismatch") &&
                                 Contains("[784, 256, 64, 10] relu/relu/softmax, LogLikelihoodCost") &&
                                 Contains("[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost"));
  const nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                      nndl::quadratic_cost>
      quad{1};
  nndl::save_npz(quad, dir / "quad.npz");
  CHECK_THAT(err("quad.npz"), Contains("architecture mismatch") && Contains("QuadraticCost"));
  CHECK(same_parameters(net, before));  // nothing failed half-way
}

// ---- NumPy reads the files -------------------------------------------------------------------

namespace {
const std::string python = test_support::python();
const std::string script = std::string(NNDL_SOURCE_DIR) + "/tests/npz_compat.py";
int run(const std::string& args) { return std::system((python + " '" + script + "' " + args).c_str()); }

template <class Net>
void check_numpy_forward(const Net& net, const fs::path& model, const test_support::temp_dir& dir) {
  nndl::rng r(17);
  nndl::matrix<double> x = nndl::matrix<double>::from_shape({12, 784});
  for (auto& v : x) v = r.uniform();
  {
    std::ofstream f(dir / "in.txt");
    f.precision(17);
    for (std::size_t i = 0; i < 12; ++i) {
      for (std::size_t j = 0; j < 784; ++j) f << (j ? " " : "") << x(i, j);
      f << '\n';
    }
  }
  REQUIRE(run("predict '" + model.string() + "' '" + (dir / "in.txt").string() + "' '" + (dir / "out.txt").string() +
              "'") == 0);
  const auto y = net.feedforward(x);
  std::ifstream f(dir / "out.txt");
  std::size_t rows = 0;
  for (std::string line; std::getline(f, line); ++rows) {
    std::istringstream ss(line);
    const std::vector<double> v{std::istream_iterator<double>(ss), std::istream_iterator<double>()};
    REQUIRE(v.size() == 11);
    CHECK(std::size_t(v[0]) == net.predict(&x(rows, 0)));
    for (std::size_t j = 0; j < 10; ++j) CHECK(std::abs(v[1 + j] - y(rows, j)) < 1e-9);
  }
  CHECK(rows == 12);
}
}  // namespace

TEST_CASE("numpy.load reads nndl's .npz and a NumPy forward pass predicts the same", "[npz][python]") {
  if (!test_support::numpy_or_warn("the .npz NumPy checks")) return;
  test_support::temp_dir dir("npz-py");
  SECTION("sigmoid [784, 30, 10]") {
    const sig_ce<> net{21};
    nndl::save_npz(net, dir / "m.npz");
    check_numpy_forward(net, dir / "m.npz", dir);
  }
  SECTION("ReLU/softmax [784, 256, 64, 10]") {
    const mlp net{22};
    nndl::save_npz(net, dir / "m.npz");
    check_numpy_forward(net, dir / "m.npz", dir);
  }
  SECTION("numpy.savez writes (Fortran order, float32 biases), nndl loads") {
    REQUIRE(run("write '" + (dir / "np.npz").string() + "'") == 0);
    sig_ce<> net{1};
    REQUIRE(load_error(net, dir / "np.npz").empty());
    check_numpy_forward(net, dir / "np.npz", dir);
  }
}

namespace {
/// Sets the uncompressed size that the zip headers (local and central) record for entry `name`.
std::string with_claimed_size(std::string zip, const std::string& name, std::uint32_t size) {
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) zip[at + std::size_t(i)] = char(v >> (8 * i) & 0xFF);
  };
  auto get16 = [&](std::size_t at) {
    return std::size_t(std::uint8_t(zip[at])) | std::size_t(std::uint8_t(zip[at + 1])) << 8;
  };
  int patched = 0;
  for (std::size_t at = 0; at + 46 < zip.size(); ++at) {
    if (zip.compare(at, 4, "PK\x03\x04") == 0 && zip.compare(at + 30, name.size(), name) == 0 &&
        get16(at + 26) == name.size())
      put32(at + 22, size), ++patched;
    if (zip.compare(at, 4, "PK\x01\x02") == 0 && zip.compare(at + 46, name.size(), name) == 0 &&
        get16(at + 28) == name.size())
      put32(at + 24, size), ++patched;
  }
  REQUIRE(patched == 2);
  return zip;
}
long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}
}  // namespace

TEST_CASE("an entry that claims more bytes than it stores is refused before any memory is spent on it",
          "[npz][hostile]") {
  test_support::temp_dir dir("npz-claim");
  const sig_ce<> good{3};
  nndl::save_npz(good, dir / "good.npz");
  write_bytes(dir / "claims.npz", with_claimed_size(read_bytes(dir / "good.npz"), "w0.npy", 2000000000u));
  sig_ce<> net{11};
  const sig_ce<> before = net;
  const long rss = max_rss_kib();
  const std::string m = load_error(net, dir / "claims.npz");
  CHECK_THAT(m, Contains("claims.npz") && Contains("array w0") && Contains("claims 2000000000 bytes") &&
                    Contains("stores 188288 (uncompressed) bytes"));
  CHECK(max_rss_kib() - rss < 256 * 1024);  // not the 2 GB the header claims
  CHECK(same_parameters(net, before));
}

namespace {
/// An archive with one deflated entry (name.npy -> bytes).
void write_deflated_zip(const fs::path& file, const std::string& name, const std::string& bytes) {
  int err = 0;
  zip_t* z = zip_open(file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z);
  const zip_int64_t i = zip_file_add(z, name.c_str(), zip_source_buffer(z, bytes.data(), bytes.size(), 0), 0);
  REQUIRE(i >= 0);
  REQUIRE(zip_set_file_compression(z, zip_uint64_t(i), ZIP_CM_DEFLATE, 1) == 0);
  REQUIRE(zip_close(z) == 0);
}
/// A .npy header for `shape` of <f8, padded as numpy pads it (to 64 bytes with the magic).
std::string npy_header_for(const std::string& shape) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(dict.size() & 0xFF) + char(dict.size() >> 8) + dict;
}
}  // namespace

TEST_CASE("a deflated entry is inflated only up to what its .npy header declares", "[npz][hostile]") {
  test_support::temp_dir dir("npz-bomb");
  // A zip bomb: the header declares (30, 784) float64 (188,160 bytes), the entry inflates to 200 MB.
  const std::string small = npy_header_for("(30, 784)");
  std::string bomb = small + std::string(std::size_t{200} << 20, '\0');
  write_deflated_zip(dir / "bomb.npz", "w0.npy", bomb);
  bomb = {};
  bomb.shrink_to_fit();
  CHECK(fs::file_size(dir / "bomb.npz") < std::size_t{1} << 20);
  const long rss = max_rss_kib();
  const auto t0 = std::chrono::steady_clock::now();
  const nndl::detail::npz_reader z(dir / "bomb.npz");
  try {
    (void)z.read("w0");
    FAIL("read the bomb");
  } catch (const nndl::model_error& e) {
    CHECK_THAT(std::string(e.what()), Contains("bomb.npz") && Contains("array w0") &&
                                          Contains("declares shape (30, 784) of <f8 (188288 bytes with the header)") &&
                                          Contains("records 209715328 bytes"));
  }
  CHECK(max_rss_kib() - rss < 32 * 1024);  // not the 200 MB it would inflate to
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));

  // A header and entry that agree on 72 MB, where the caller expects (30, 784): refused from the
  // header, before the data is inflated or memory taken for it.
  const std::string big = npy_header_for("(3000, 3000)") + std::string(std::size_t{3000} * 3000 * 8, '\0');
  write_deflated_zip(dir / "big.npz", "w0.npy", big);
  const nndl::detail::npz_reader zb(dir / "big.npz");
  const long rss2 = max_rss_kib();
  try {
    (void)zb.read("w0", std::size_t{1} << 30, {.shape = {30, 784}, .descrs = {"<f8", "<f4"}});
    FAIL("read an entry of another shape than expected");
  } catch (const nndl::model_error& e) {
    CHECK_THAT(std::string(e.what()), Contains("array w0: its header declares shape (3000, 3000), expected (30, 784)"));
  }
  CHECK(max_rss_kib() - rss2 < 32 * 1024);
  try {
    (void)zb.read("w0", std::size_t{1} << 30, {.shape = {}, .descrs = {"<f4"}});
    FAIL("read an entry of another dtype than expected");
  } catch (const nndl::model_error& e) {
    CHECK_THAT(std::string(e.what()), Contains("array w0: dtype <f8, expected <f4"));
  }
  // Over the reader's limit: refused from the zip's record.
  CHECK_THROWS_WITH(zb.read("w0", std::size_t{1} << 20), Contains("is too large (limit 1048576 bytes)"));
  // What agrees with its header and the caller is read whole.
  const std::string ok = npy_header_for("(30, 784)") + std::string(188160, '\0');
  write_deflated_zip(dir / "ok.npz", "w0.npy", ok);
  const nndl::detail::npz_reader zo(dir / "ok.npz");
  const nndl::npy_array a = zo.read("w0", std::size_t{1} << 20, {.shape = {30, 784}, .descrs = {"<f8"}});
  CHECK(a.shape == std::vector<std::size_t>{30, 784});
  CHECK(a.data.size() == 188160);
}

TEST_CASE("a model path that is not a regular file is refused at once", "[npz][hostile]") {
  test_support::temp_dir dir("npz-fifo");
  const auto fifo = dir / "model.npz";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // no writer: libzip would wait on it forever
  sig_ce<> net{1};
  CHECK_THAT(load_error(net, fifo), Contains(fifo.string()) && Contains("is a pipe (FIFO), not a regular file"));
  CHECK_THAT(load_error(net, "/dev/zero"), Contains("/dev/zero") && Contains("is a device, not a regular file"));
  CHECK_THAT(load_error(net, dir.path), Contains("is a directory"));
}
