// MNIST loading: the book's split on the real files (from NNDL_DATA), Fashion-MNIST through the
// same loader, and find_data_dir's search order. Nothing is skipped silently: a missing data set
// is reported with WARN, and NNDL_DATA set but unusable is a failure.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "nndl/data/mnist.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

using test_support::temp_dir;

/// Sets (or unsets, with nullopt) an environment variable and restores it on scope exit.
struct env_guard {
  std::string name;
  std::optional<std::string> old;
  env_guard(std::string n, const std::optional<std::string>& value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    set(value);
  }
  void set(const std::optional<std::string>& value) const {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
  ~env_guard() { set(old); }
};

/// Writes a tiny MNIST-like folder: n_train and n_test 2x2 images, label i % 10.
void write_tiny_mnist(const fs::path& dir, std::size_t n_train, std::size_t n_test,
                      bool gz = true, bool skip_test_labels = false) {
  fs::create_directories(dir);
  const std::string ext = gz ? ".gz" : "";
  auto write_pair = [&](const std::string& prefix, std::size_t n, bool labels_too) {
    std::vector<std::uint8_t> img(n * 4), lbl(n);
    for (std::size_t i = 0; i < n; ++i) {
      lbl[i] = static_cast<std::uint8_t>(i % 10);
      for (std::size_t j = 0; j < 4; ++j) img[i * 4 + j] = static_cast<std::uint8_t>(i + j);
    }
    nndl::write_idx(dir / (prefix + "-images-idx3-ubyte" + ext), {n, 2, 2}, img);
    if (labels_too) nndl::write_idx(dir / (prefix + "-labels-idx1-ubyte" + ext), {n}, lbl);
  };
  write_pair("train", n_train, true);
  write_pair("t10k", n_test, !skip_test_labels);
}

fs::path data_file(const fs::path& dir, const std::string& base) {
  return fs::exists(dir / (base + ".gz")) ? dir / (base + ".gz") : dir / base;
}

struct expected {
  std::string prefix;
  int first_training_label, first_test_label;
  std::array<std::size_t, 10> train60k, test10k;  // label histograms of the two official files
};

const expected mnist_expected{"MNIST ", 5, 7,
                              {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
                              {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}};
const expected fashion_expected{"Fashion-MNIST ", 9, 9,
                                {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000},
                                {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}};

std::array<std::size_t, 10> histogram(const nndl::dataset<double>& d) {
  std::array<std::size_t, 10> h{};
  for (auto l : d.labels) ++h.at(l);
  return h;
}

/// Loads the folder with load_mnist and checks the book's split against the raw files.
void check_real_data(const fs::path& dir, const expected& want) {
  INFO("data folder: " << dir.string());
  nndl::mnist_data<double> m;
  REQUIRE_NOTHROW(m = nndl::load_mnist<double>(dir));

  CHECK(m.training.name == want.prefix + "training");
  CHECK(m.validation.name == want.prefix + "validation");
  CHECK(m.test.name == want.prefix + "test");
  REQUIRE(m.training.size() == 50000);
  REQUIRE(m.validation.size() == 10000);
  REQUIRE(m.test.size() == 10000);
  for (const auto* d : {&m.training, &m.validation, &m.test}) {
    INFO(d->name);
    REQUIRE(d->features() == 784);
    CHECK(d->x.shape()[0] == d->size());
    CHECK(d->classes == 10);
    CHECK(xt::amin(d->x)() == 0.0);
    CHECK(xt::amax(d->x)() == 1.0);
  }
  CHECK(int(m.training.labels.front()) == want.first_training_label);
  CHECK(int(m.test.labels.front()) == want.first_test_label);

  // Label histograms: training + validation make up the official 60k file.
  const auto htr = histogram(m.training), hva = histogram(m.validation), hte = histogram(m.test);
  std::size_t sum_tr = 0, sum_va = 0, sum_te = 0;
  for (std::size_t k = 0; k < 10; ++k) {
    INFO("digit " << k);
    CHECK(htr[k] + hva[k] == want.train60k[k]);
    CHECK(hte[k] == want.test10k[k]);
    CHECK(htr[k] > 0);
    CHECK(hva[k] > 0);
    sum_tr += htr[k];
    sum_va += hva[k];
    sum_te += hte[k];
  }
  CHECK(sum_tr == 50000);
  CHECK(sum_va == 10000);
  CHECK(sum_te == 10000);

  // Validation is rows 50000..59999 of the training files, read here straight from the IDX.
  const auto raw_labels = nndl::read_idx(data_file(dir, "train-labels-idx1-ubyte"));
  const auto raw_images = nndl::read_idx(data_file(dir, "train-images-idx3-ubyte"));
  REQUIRE(raw_labels.dims == std::vector<std::size_t>{60000});
  REQUIRE(raw_images.dims == std::vector<std::size_t>{60000, 28, 28});
  CHECK(m.validation.labels.front() == raw_labels.bytes[50000]);
  CHECK(std::equal(m.training.labels.begin(), m.training.labels.end(), raw_labels.bytes.begin()));
  CHECK(std::equal(m.validation.labels.begin(), m.validation.labels.end(),
                   raw_labels.bytes.begin() + 50000));
  for (std::size_t row : {std::size_t{0}, std::size_t{9999}}) {
    std::size_t mismatches = 0;
    for (std::size_t j = 0; j < 784; ++j)
      if (m.validation.x(row, j) != raw_images.bytes[(50000 + row) * 784 + j] / 255.0) ++mismatches;
    INFO("validation row " << row);
    CHECK(mismatches == 0);
  }
}

}  // namespace

TEST_CASE("real MNIST from NNDL_DATA: the book's 50k/10k/10k split", "[mnist][data]") {
  const char* env = std::getenv("NNDL_DATA");
  if (!env || !*env) {
    WARN("NNDL_DATA is not set, so real MNIST was NOT tested (only this notice passes). "
         "Set NNDL_DATA to a folder with the four MNIST files, e.g. "
         "NNDL_DATA=/work/shared/data/mnist, or fetch them with scripts/download_mnist.sh "
         "and point NNDL_DATA at " << nndl::default_data_dir());
    SUCCEED("NNDL_DATA not set: real-data checks not run");
    return;
  }
  INFO("NNDL_DATA=" << env);
  fs::path dir;
  // NNDL_DATA set but unusable is a failure, never a skip.
  REQUIRE_NOTHROW(dir = nndl::find_data_dir());
  REQUIRE(dir == fs::path(env));
  std::string lower = dir.string();
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  check_real_data(dir, lower.find("fashion") != std::string::npos ? fashion_expected : mnist_expected);
}

TEST_CASE("Fashion-MNIST through the same loader", "[mnist][data]") {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::is_directory(dir)) {
    WARN("Fashion-MNIST NOT tested: " << dir.string()
         << " does not exist (package dataset-fashion-mnist is not installed; "
            "apt-get install dataset-fashion-mnist)");
    SUCCEED("dataset-fashion-mnist not installed");
    return;
  }
  REQUIRE(nndl::find_data_dir(dir) == dir);
  check_real_data(dir, fashion_expected);
}

TEST_CASE("load_mnist splits a tiny folder like the book", "[mnist]") {
  temp_dir tmp;
  const fs::path dir = tmp.path / "tiny";
  write_tiny_mnist(dir, 12, 5);
  const auto m = nndl::load_mnist<double>(dir, 8);
  CHECK(m.training.size() == 8);
  CHECK(m.validation.size() == 4);
  CHECK(m.test.size() == 5);
  CHECK(m.training.features() == 4);
  CHECK(m.training.name == "MNIST training");
  CHECK(m.validation.name == "MNIST validation");
  CHECK(m.test.name == "MNIST test");
  CHECK(m.validation.labels == std::vector<std::uint8_t>{8, 9, 0, 1});
  CHECK(m.validation.x(0, 0) == 8.0 / 255.0);  // image 8 of the training file
  CHECK(m.validation.x(3, 3) == 14.0 / 255.0);
  CHECK(m.test.x(4, 0) == 4.0 / 255.0);

  const auto all = nndl::load_mnist<float>(dir, 12);
  CHECK(all.training.size() == 12);
  CHECK(all.validation.size() == 0);
  const auto train_file = dir / "train-images-idx3-ubyte.gz";
  CHECK_THROWS_WITH(nndl::load_mnist<double>(dir, 13),
                    Contains(train_file.string()) && Contains("training_size 13") &&
                        Contains("12 images"));

  // "fashion" in the path names the sets Fashion-MNIST; uncompressed files are accepted.
  const fs::path fdir = tmp.path / "my-Fashion-data";
  write_tiny_mnist(fdir, 3, 2, /*gz=*/false);
  const auto f = nndl::load_mnist<double>(fdir, 2);
  CHECK(f.training.name == "Fashion-MNIST training");
  CHECK(f.test.name == "Fashion-MNIST test");
  CHECK(f.validation.size() == 1);

  // .gz is preferred when both forms are present.
  write_tiny_mnist(fdir, 6, 2, /*gz=*/true);
  CHECK(nndl::load_mnist<double>(fdir, 2).validation.size() == 4);

  // A folder missing a file names it.
  const fs::path bad = tmp.path / "bad";
  write_tiny_mnist(bad, 3, 2, true, /*skip_test_labels=*/true);
  CHECK_THROWS_WITH(nndl::load_mnist<double>(bad),
                    Contains(bad.string()) && Contains("t10k-labels-idx1-ubyte"));
}

TEST_CASE("find_data_dir: flag, then NNDL_DATA, then the default folder", "[mnist]") {
  temp_dir tmp;
  const fs::path a = tmp.path / "a", b = tmp.path / "b", c = tmp.path / "c";
  write_tiny_mnist(a, 3, 2);
  write_tiny_mnist(b, 3, 2);
  write_tiny_mnist(c, 3, 2, true, /*skip_test_labels=*/true);
  const fs::path xdg = tmp.path / "xdg";
  env_guard nndl_data("NNDL_DATA", b.string());
  env_guard xdg_home("XDG_DATA_HOME", xdg.string());
  env_guard home("HOME", (tmp.path / "home").string());

  // The flag beats the environment; the environment is used when there is no flag.
  CHECK(nndl::find_data_dir(a) == a);
  CHECK(nndl::find_data_dir() == b);
  CHECK(nndl::find_data_dir(std::nullopt) == b);

  // An explicit folder lacking files is an error naming it, its source and the missing file.
  try {
    nndl::find_data_dir(c);
    FAIL("no error for a --data folder missing a file");
  } catch (const nndl::data_not_found&) {
    FAIL("an explicit folder must give data_error, not data_not_found");
  } catch (const nndl::data_error& e) {
    CHECK_THAT(e.what(), Contains(c.string()) && Contains("--data") &&
                             Contains("t10k-labels-idx1-ubyte") && !Contains("train-images"));
  }
  CHECK_THROWS_WITH(nndl::find_data_dir(tmp.path / "none"),
                    Contains((tmp.path / "none").string()) && Contains("does not exist"));
  nndl_data.set(c.string());
  CHECK_THROWS_WITH(nndl::find_data_dir(), Contains(c.string()) && Contains("NNDL_DATA") &&
                                               Contains("t10k-labels-idx1-ubyte"));
  CHECK(nndl::find_data_dir(a) == a);  // the flag still wins over a bad NNDL_DATA

  // No flag, no NNDL_DATA (unset or empty): the default folder under XDG_DATA_HOME.
  const fs::path def = xdg / "nndl" / "mnist";
  CHECK(nndl::default_data_dir() == def.string());
  for (const std::optional<std::string>& v : {std::optional<std::string>{}, std::optional<std::string>{""}}) {
    nndl_data.set(v);
    REQUIRE_THROWS_AS(nndl::find_data_dir(), nndl::data_not_found);
    CHECK_THROWS_WITH(nndl::find_data_dir(),
                      Contains(def.string()) && Contains("does not exist") &&
                          Contains("scripts/download_mnist.sh") && Contains("--data DIR") &&
                          Contains("NNDL_DATA=DIR") &&
                          Contains("apt-get install dataset-fashion-mnist") &&
                          Contains("--data /usr/share/datasets/fashion-mnist"));
  }
  write_tiny_mnist(def, 3, 2, true, /*skip_test_labels=*/true);
  CHECK_THROWS_WITH(nndl::find_data_dir(), Contains(def.string()) && Contains("lacks t10k-labels"));
  write_tiny_mnist(def, 3, 2);
  CHECK(nndl::find_data_dir() == def);

  // Without XDG_DATA_HOME the default is under $HOME/.local/share.
  xdg_home.set(std::nullopt);
  CHECK(nndl::default_data_dir() == (tmp.path / "home").string() + "/.local/share/nndl/mnist");
}
