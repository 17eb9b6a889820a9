// MNIST loading: the book's split on the real files (the repository's copy data/mnist, or NNDL_DATA
// when set), Fashion-MNIST through the same loader, find_data_dir's search order (flag, NNDL_DATA,
// the user's folder, the repository's copy) and the md5 check of the repository's copy. Nothing is
// skipped silently: a missing data set is reported with WARN, and data named or found but unusable
// is a failure.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
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
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
  ~env_guard() { set(old); }
};

/// Writes a tiny MNIST-like folder: n_train and n_test 2x2 images, label i % 10.
void write_tiny_mnist(const fs::path& dir, std::size_t n_train, std::size_t n_test, bool gz = true,
                      bool skip_test_labels = false) {
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

const expected mnist_expected{"MNIST ",
                              5,
                              7,
                              {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
                              {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}};
const expected fashion_expected{"Fashion-MNIST ",
                                9,
                                9,
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
  CHECK(std::equal(m.validation.labels.begin(), m.validation.labels.end(), raw_labels.bytes.begin() + 50000));
  for (std::size_t row : {std::size_t{0}, std::size_t{9999}}) {
    std::size_t mismatches = 0;
    for (std::size_t j = 0; j < 784; ++j)
      if (m.validation.x(row, j) != raw_images.bytes[(50000 + row) * 784 + j] / 255.0) ++mismatches;
    INFO("validation row " << row);
    CHECK(mismatches == 0);
  }
}

}  // namespace

TEST_CASE("real MNIST where the programs find it: the book's 50k/10k/10k split", "[mnist][data]") {
  // With nothing set this is the repository's copy; NNDL_DATA set but unusable is a failure, never a skip.
  const auto found = test_support::mnist_dir_or_warn("real MNIST");
  if (!found) return;
  const fs::path dir = *found;
  INFO("MNIST folder: " << dir.string());
  if (const char* env = std::getenv("NNDL_DATA"); env && *env) CHECK(dir == fs::path(env));
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
                    Contains(train_file.string()) && Contains("training_size 13") && Contains("12 images"));

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
  CHECK_THROWS_WITH(nndl::load_mnist<double>(bad), Contains(bad.string()) && Contains("t10k-labels-idx1-ubyte"));
}

TEST_CASE("find_data_dir: flag, then NNDL_DATA, then the user's folder, then the repository's copy", "[mnist]") {
  REQUIRE(nndl::repository_data_dir());  // this build is in the repository
  const fs::path repo = *nndl::repository_data_dir();
  temp_dir tmp;
  const fs::path a = tmp.path / "a", b = tmp.path / "b", c = tmp.path / "c";
  write_tiny_mnist(a, 3, 2);
  write_tiny_mnist(b, 3, 2);
  write_tiny_mnist(c, 3, 2, true, /*skip_test_labels=*/true);
  const fs::path xdg = tmp.path / "xdg";
  env_guard nndl_data("NNDL_DATA", b.string());
  env_guard xdg_home("XDG_DATA_HOME", xdg.string());
  env_guard home("HOME", (tmp.path / "home").string());
  const fs::path user = xdg / "nndl" / "mnist";
  CHECK(nndl::default_data_dir() == user.string());
  write_tiny_mnist(user, 3, 2);

  // The search list, in order.
  const auto list = nndl::data_search_list(a, repo);
  REQUIRE(list.size() == 4);
  CHECK(list[0].dir == a);
  CHECK(list[0].source == "the --data flag");
  CHECK(list[0].given);
  CHECK(list[1].dir == b);
  CHECK(list[1].source == "NNDL_DATA");
  CHECK(list[1].given);
  CHECK(list[2].dir == user);
  CHECK(list[2].source == "the user's data folder");
  CHECK_FALSE(list[2].given);
  CHECK(list[3].dir == repo);
  CHECK(list[3].source == "the repository's copy");
  CHECK_FALSE(list[3].given);
  CHECK(nndl::data_search_list(std::nullopt, std::nullopt).size() == 2);  // NNDL_DATA, the user's folder

  // Each place wins over the ones after it while it has the data.
  CHECK(nndl::find_data_dir(a, repo) == a);
  CHECK(nndl::find_data_dir(std::nullopt, repo) == b);
  nndl_data.set(std::nullopt);
  CHECK(nndl::find_data_dir(std::nullopt, repo) == user);
  fs::remove(user / "t10k-labels-idx1-ubyte.gz");  // an incomplete user's folder is passed over
  CHECK(nndl::find_data_dir(std::nullopt, repo) == repo);
  fs::remove_all(user);
  CHECK(nndl::find_data_dir(std::nullopt, repo) == repo);
  CHECK(nndl::find_data_dir() == repo);  // the repository's copy is the default one
  nndl_data.set("");                     // empty counts as not set
  CHECK(nndl::find_data_dir() == repo);

  // A folder the user names that lacks files is an error naming it, its source and the missing file,
  // even when later places have the data.
  nndl_data.set(b.string());
  try {
    nndl::find_data_dir(c, repo);
    FAIL("no error for a --data folder missing a file");
  } catch (const nndl::data_not_found&) {
    FAIL("an explicit folder must give data_error, not data_not_found");
  } catch (const nndl::data_error& e) {
    CHECK_THAT(e.what(), Contains(c.string()) && Contains("--data") && Contains("t10k-labels-idx1-ubyte") &&
                             !Contains("train-images"));
  }
  CHECK_THROWS_WITH(nndl::find_data_dir(tmp.path / "none", repo),
                    Contains((tmp.path / "none").string()) && Contains("does not exist"));
  nndl_data.set(c.string());
  CHECK_THROWS_WITH(nndl::find_data_dir(std::nullopt, repo),
                    Contains(c.string()) && Contains("NNDL_DATA") && Contains("t10k-labels-idx1-ubyte"));
  CHECK(nndl::find_data_dir(a, repo) == a);  // the flag still wins over a bad NNDL_DATA

  // An installed nndl (no repository's copy) with nothing set: not found, saying where it looked.
  for (const std::optional<std::string>& v : {std::optional<std::string>{}, std::optional<std::string>{""}}) {
    nndl_data.set(v);
    REQUIRE_THROWS_AS(nndl::find_data_dir(std::nullopt, std::nullopt), nndl::data_not_found);
    CHECK_THROWS_WITH(nndl::find_data_dir(std::nullopt, std::nullopt),
                      Contains("--data flag (not given)") && Contains("NNDL_DATA (not set)") &&
                          Contains(user.string() + " (does not exist)") && Contains("no repository's copy") &&
                          Contains("scripts/download_mnist.sh") && Contains("--data DIR") &&
                          Contains("NNDL_DATA=DIR") && Contains("apt-get install dataset-fashion-mnist") &&
                          Contains("--data /usr/share/datasets/fashion-mnist"));
  }
  write_tiny_mnist(user, 3, 2, true, /*skip_test_labels=*/true);
  CHECK_THROWS_WITH(nndl::find_data_dir(std::nullopt, std::nullopt),
                    Contains(user.string()) && Contains("lacks t10k-labels"));
  // A repository's copy that lacks a file: not found, naming it and how to restore it.
  const fs::path partial = tmp.path / "partial-repo";
  fs::create_directories(partial);
  fs::copy_file(repo / "train-images-idx3-ubyte.gz", partial / "train-images-idx3-ubyte.gz");
  REQUIRE_THROWS_AS(nndl::find_data_dir(std::nullopt, partial), nndl::data_not_found);
  CHECK_THROWS_WITH(nndl::find_data_dir(std::nullopt, partial),
                    Contains("the repository's copy " + partial.string() + " (exists but lacks") &&
                        Contains("t10k-labels-idx1-ubyte") && Contains("git checkout data/mnist"));
  write_tiny_mnist(user, 3, 2);
  CHECK(nndl::find_data_dir(std::nullopt, std::nullopt) == user);

  // Without XDG_DATA_HOME the user's folder is under $HOME/.local/share.
  xdg_home.set(std::nullopt);
  CHECK(nndl::default_data_dir() == (tmp.path / "home").string() + "/.local/share/nndl/mnist");
}

TEST_CASE("with nothing set, the programs' search finds the repository's copy data/mnist", "[mnist]") {
  temp_dir tmp;
  env_guard nndl_data("NNDL_DATA", std::nullopt);
  env_guard xdg_home("XDG_DATA_HOME", std::nullopt);
  env_guard home("HOME", (tmp.path / "home").string());  // a user without a data folder
  const fs::path repo = fs::path(NNDL_SOURCE_DIR) / "data" / "mnist";
  REQUIRE(nndl::repository_data_dir());
  CHECK(fs::equivalent(*nndl::repository_data_dir(), repo));
  const fs::path found = nndl::find_data_dir();
  CHECK(fs::equivalent(found, repo));
  const auto m = nndl::load_mnist<float>(found);
  CHECK(m.training.size() == 50000);
  CHECK(m.test.size() == 10000);
  CHECK(int(m.test.labels.front()) == 7);
}

TEST_CASE("the repository's copy is checked against the published md5 sums", "[mnist][md5]") {
  const fs::path repo = fs::path(NNDL_SOURCE_DIR) / "data" / "mnist";
  // The sums compiled into nndl are those of data/mnist/MD5SUMS.
  std::ifstream sums(repo / "MD5SUMS");
  REQUIRE(sums);
  std::map<std::string, std::string> published;
  for (std::string sum, name; sums >> sum >> name;) published[name] = sum;
  REQUIRE(published.size() == 4);
  for (const auto& [name, sum] : nndl::detail::mnist_md5) CHECK(published[name] == sum);

  temp_dir tmp;
  env_guard nndl_data("NNDL_DATA", std::nullopt);
  env_guard xdg_home("XDG_DATA_HOME", (tmp.path / "xdg").string());  // no user's folder
  // A copy of the repository's data with one byte of the test labels changed, which the search
  // is told is the repository's copy.
  const fs::path bad = tmp.path / "repo-copy";
  fs::create_directories(bad);
  for (const auto& [name, sum] : nndl::detail::mnist_md5) fs::copy_file(repo / name, bad / name);
  const fs::path labels = bad / "t10k-labels-idx1-ubyte.gz";
  {
    std::fstream f(labels, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(2000);
    const char byte = static_cast<char>(f.get());
    f.seekp(2000);
    f.put(static_cast<char>(byte ^ 0x01));
  }
  const std::string found = nndl::detail::md5_file(labels);
  REQUIRE(found != "ec29112dd5afa0611ce80d1b7f02629c");
  auto is_md5_error = [&](const std::function<void()>& f) {
    try {
      f();
      FAIL("no error for a damaged repository's copy");
    } catch (const nndl::data_not_found& e) {
      FAIL("a damaged copy must be a data_error, not data_not_found: " << e.what());
    } catch (const nndl::data_error& e) {
      CHECK_THAT(e.what(), Contains(labels.string()) && Contains("repository's copy") && Contains("has md5 " + found) &&
                               Contains("expected ec29112dd5afa0611ce80d1b7f02629c") &&
                               Contains("git checkout data/mnist") && !Contains("train-images"));
    }
  };
  is_md5_error([&] { nndl::find_data_dir(std::nullopt, bad); });  // found by the search
  is_md5_error([&] { nndl::find_data_dir(bad, bad); });           // named with --data
  // The same files elsewhere are not the repository's copy: no md5 check, they are used as they are.
  CHECK(nndl::find_data_dir(bad, repo) == bad);

  // A repository's copy of other, well-formed IDX files: the first file's sum already differs.
  const fs::path tiny = tmp.path / "tiny-repo";
  write_tiny_mnist(tiny, 3, 2);
  CHECK_THROWS_WITH(nndl::find_data_dir(std::nullopt, tiny),
                    Contains((tiny / "train-images-idx3-ubyte.gz").string()) &&
                        Contains("has md5 " + nndl::detail::md5_file(tiny / "train-images-idx3-ubyte.gz")) &&
                        Contains("expected f68b3c2dcbeaaa9fbdd348bbdeb94873"));
}
