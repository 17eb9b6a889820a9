// nndl/io/plot.hpp: PNG, CSV and script from a scripted history, several runs on one chart, and the
// failures (no gnuplot, a failing gnuplot) that must leave a good PNG alone. The tests that need a
// real gnuplot say loudly when it is missing (apt-get install gnuplot-nox) instead of passing.
#include <catch2/catch.hpp>

#include <nndl/io/plot.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support.hpp"

namespace fs = std::filesystem;

namespace {

// 30 epochs in the manner of the book's overfitting run: training keeps improving, the test cost
// turns up after epoch 15.
nndl::train_history scripted(std::size_t n = 30, bool training = true) {
  nndl::train_history h;
  for (std::size_t i = 0; i < n; ++i) {
    nndl::epoch_record r;
    r.epoch = i;
    r.eta = 0.5;
    const double t = double(i);
    r.evaluation_total = 10000;
    r.evaluation_correct = std::size_t(8000 + 1500 * (1 - std::exp(-t / 5)) + 20 * std::sin(t));
    r.evaluation_cost = 0.9 - 0.5 * (1 - std::exp(-t / 4)) + 0.002 * (t - 15) * (t - 15) * (t > 15);
    if (training) {
      r.training_total = 1000;
      r.training_correct = std::min<std::size_t>(1000, std::size_t(850 + 150 * (1 - std::exp(-t / 6))));
      r.training_cost = 0.8 * std::exp(-t / 8) + 0.01;
    }
    h.epochs.push_back(r);
  }
  return h;
}

bool have_gnuplot() {
  if (nndl::find_gnuplot()) return true;
  if (test_support::tools_required())
    FAIL("gnuplot is not installed (apt-get install gnuplot-nox); NNDL_REQUIRE_TOOLS is set");
  WARN("gnuplot is NOT installed, so plotting was NOT tested: apt-get install gnuplot-nox");
  return false;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s)
    if (c == sep)
      out.emplace_back();
    else
      out.back().push_back(c);
  return out;
}

bool is_png(const fs::path& p) { return slurp(p).rfind("\x89PNG\r\n\x1a\n", 0) == 0; }

// Sets PATH for its lifetime.
struct path_env {
  std::optional<std::string> saved;
  explicit path_env(const std::string& value) {
    if (const char* p = std::getenv("PATH")) saved = p;
    ::setenv("PATH", value.c_str(), 1);
  }
  ~path_env() { saved ? ::setenv("PATH", saved->c_str(), 1) : ::unsetenv("PATH"); }
};

// A stand-in gnuplot: writes half a PNG to its output (and the file `wrote` beside itself to show it
// did), says something and exits with `status`. The folder goes first on PATH.
std::string fake_gnuplot(const fs::path& dir, int status) {
  fs::create_directories(dir);
  const auto exe = dir / "gnuplot";
  std::ofstream(exe) << "#!/bin/sh\nPATH=/usr/bin:/bin\n"
                        "out=$(printf '%s' \"$2\" | sed \"s/^out = '\\(.*\\)'$/\\1/\")\n"
                        "printf 'half a png' > \"$out\" && touch \"$(dirname \"$0\")/wrote\"\n"
                        "echo 'fake gnuplot: it went wrong' >&2\n"
                        "exit "
                     << status << "\n";
  fs::permissions(exe, fs::perms::owner_all);
  return dir.string() + ":" + std::getenv("PATH");
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("plot_history writes a PNG, its CSV and its script", "[plot]") {
  if (!have_gnuplot()) return;
  test_support::temp_dir dir("plot");
  const auto h = scripted();
  const auto png = nndl::plot_history(h, dir / "curves.png", {.title = "[784, 30, 10], eta = 0.5"});
  CHECK(png == dir / "curves.png");
  REQUIRE(fs::exists(png));
  CHECK(is_png(png));
  CHECK(fs::file_size(png) > 10000);
  CHECK(names_in(dir.path) == std::vector<std::string>{"curves.csv", "curves.gp", "curves.png"});

  const auto lines = split(slurp(dir / "curves.csv"), '\n');
  REQUIRE(lines.size() == 32);  // header, 30 rows, the empty piece after the last newline
  CHECK(lines[0] == "epoch,evaluation_accuracy,training_accuracy,evaluation_cost,training_cost");
  CHECK(lines[31].empty());
  for (std::size_t i = 0; i < 30; ++i) {
    const auto f = split(lines[i + 1], ',');
    REQUIRE(f.size() == 5);
    const auto& e = h.epochs[i];
    CHECK(std::stoul(f[0]) == i);
    CHECK(std::strtod(f[1].c_str(), nullptr) == *e.evaluation_accuracy());  // exact: shortest round trip
    CHECK(std::strtod(f[2].c_str(), nullptr) == *e.training_accuracy());
    CHECK(std::strtod(f[3].c_str(), nullptr) == *e.evaluation_cost);
    CHECK(std::strtod(f[4].c_str(), nullptr) == *e.training_cost);
  }
  const auto gp = slurp(dir / "curves.gp");
  CHECK(gp.find("'epoch'") != std::string::npos);
  CHECK(gp.find("'accuracy (%)'") != std::string::npos);
  CHECK(gp.find("'test data'") != std::string::npos);

  SECTION("the script re-plots by itself") {
    fs::remove(png);
    const std::string cmd = "gnuplot '" + (dir / "curves.gp").string() + "' 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
    CHECK(is_png(png));
  }
}

TEST_CASE("plot_history leaves empty fields and panels for figures not recorded", "[plot]") {
  if (!have_gnuplot()) return;
  test_support::temp_dir dir("plot");
  auto h = scripted(12, false);
  for (auto& e : h.epochs) e.evaluation_cost.reset();
  nndl::plot_history(h, dir / "acc.png", {.evaluation_name = "validation"});
  CHECK(is_png(dir / "acc.png"));
  const auto lines = split(slurp(dir / "acc.csv"), '\n');
  REQUIRE(lines.size() == 14);
  CHECK(lines[1] == "0,0.8,,,");
  const auto gp = slurp(dir / "acc.gp");
  CHECK(gp.find("layout 1,1") != std::string::npos);  // the cost panel is left out
  CHECK(gp.find("'validation data'") != std::string::npos);
  CHECK(gp.find("'training data'") == std::string::npos);
}

TEST_CASE("plot_history from first_epoch, into a folder whose name needs quoting", "[plot]") {
  if (!have_gnuplot()) return;
  test_support::temp_dir dir("plot");
  const auto odd = dir.path / "a b'c \"d\" $HOME;";
  fs::create_directories(odd);
  nndl::plot_history(scripted(), odd / "late epochs.png", {.title = "it's \"late\"", .first_epoch = 10});
  CHECK(is_png(odd / "late epochs.png"));
  CHECK(split(slurp(odd / "late epochs.csv"), '\n').size() == 32);  // the CSV keeps every epoch
  CHECK(slurp(odd / "late epochs.gp").find("set xrange [10:29]") != std::string::npos);
}

TEST_CASE("plot_histories puts several runs on one chart", "[plot]") {
  if (!have_gnuplot()) return;
  test_support::temp_dir dir("plot");
  auto large = scripted(30, false);
  for (auto& e : large.epochs) *e.evaluation_correct -= 600 / (e.epoch + 1) + 300;
  const auto png = nndl::plot_histories({{"default init", scripted(30, false)}, {"large init", large}},
                                        dir / "init.png", {.title = "weight initialisation"});
  CHECK(is_png(png));
  CHECK(fs::file_size(png) > 10000);
  const auto lines = split(slurp(dir / "init.csv"), '\n');
  REQUIRE(lines.size() == 32);
  CHECK(lines[0] ==
        "epoch,default init evaluation_accuracy,default init evaluation_cost,large init evaluation_accuracy,"
        "large init evaluation_cost");
  const auto f = split(lines[5], ',');
  REQUIRE(f.size() == 5);
  CHECK(std::strtod(f[3].c_str(), nullptr) == *large.epochs[4].evaluation_accuracy());
  const auto gp = slurp(dir / "init.gp");
  CHECK(gp.find("title 'large init'") != std::string::npos);
  CHECK(gp.find("layout 1,2") != std::string::npos);  // every run has its cost

  SECTION("runs of different lengths, one without cost: accuracy alone") {
    auto short_run = scripted(20, false);
    for (auto& e : short_run.epochs) e.evaluation_cost.reset();
    nndl::plot_histories({{"30 epochs", scripted(30, false)}, {"20, no cost", short_run}}, dir / "two.png");
    CHECK(is_png(dir / "two.png"));
    CHECK(slurp(dir / "two.gp").find("layout 1,1") != std::string::npos);
    const auto rows = split(slurp(dir / "two.csv"), '\n');
    REQUIRE(rows.size() == 32);
    CHECK(rows[0] == "epoch,30 epochs evaluation_accuracy,30 epochs evaluation_cost,"
                     "\"20, no cost evaluation_accuracy\",\"20, no cost evaluation_cost\"");
    CHECK(rows[25].substr(rows[25].size() - 2) == ",,");  // epoch 24: the short run has nothing
  }
}

TEST_CASE("without gnuplot on PATH: the CSV is written, the message says what to install", "[plot]") {
  test_support::temp_dir dir("plot");
  test_support::temp_dir empty("plot-path");
  const auto png = dir / "curves.png";
  std::ofstream(png, std::ios::binary) << "\x89PNG\r\n\x1a\n a good old plot";
  const auto before = slurp(png);
  {
    path_env path(empty.path.string());
    CHECK_FALSE(nndl::find_gnuplot());
    try {
      nndl::plot_history(scripted(), png);
      FAIL("no plot_error");
    } catch (const nndl::plot_error& e) {
      const std::string msg = e.what();
      CHECK(msg == "gnuplot not found: apt-get install gnuplot-nox (the figures are in " +
                       (dir / "curves.csv").string() + ")");
    }
  }
  CHECK(std::getenv("PATH") != nullptr);
  CHECK(split(slurp(dir / "curves.csv"), '\n').size() == 32);
  CHECK(slurp(png) == before);
  CHECK(names_in(dir.path) == std::vector<std::string>{"curves.csv", "curves.gp", "curves.png"});

  SECTION("and no PNG when there was none") {
    fs::remove(png);
    path_env path(empty.path.string());
    CHECK_THROWS_AS(nndl::plot_histories({{"a", scripted()}}, png), nndl::plot_error);
    CHECK_FALSE(fs::exists(png));
    CHECK(fs::exists(dir / "curves.csv"));
  }
}

TEST_CASE("a failing gnuplot leaves the good PNG and no half-written file", "[plot]") {
  test_support::temp_dir dir("plot");
  const auto png = dir / "curves.png";
  std::ofstream(png, std::ios::binary) << "\x89PNG\r\n\x1a\n a good old plot";
  const auto before = slurp(png);

  SECTION("exit status 1") {
    path_env path(fake_gnuplot(dir / "bin", 1));
    CHECK_THROWS_WITH(nndl::plot_history(scripted(), png),
                      Catch::Contains("gnuplot failed on") && Catch::Contains("curves.gp") &&
                          Catch::Contains("exit status 1") && Catch::Contains("fake gnuplot: it went wrong"));
  }
  SECTION("exit status 0 but no PNG") {
    path_env path(fake_gnuplot(dir / "bin", 0));
    CHECK_THROWS_WITH(nndl::plot_history(scripted(), png), Catch::Contains("it wrote no PNG"));
  }
  CHECK(fs::exists(dir / "bin" / "wrote"));  // the fake did write half a PNG
  CHECK(slurp(png) == before);
  CHECK(names_in(dir.path) == std::vector<std::string>{"bin", "curves.csv", "curves.gp", "curves.png"});
}

TEST_CASE("plot errors name the file and the problem", "[plot]") {
  test_support::temp_dir dir("plot");
  const auto png = dir / "x.png";
  CHECK_THROWS_WITH(nndl::plot_history({}, png), Catch::Contains("empty training history") && Catch::Contains("x.png"));
  nndl::train_history bare;
  bare.epochs.resize(3);
  CHECK_THROWS_WITH(nndl::plot_history(bare, png), Catch::Contains("no accuracy or cost"));
  CHECK_THROWS_WITH(nndl::plot_history(scripted(), png, {.first_epoch = 30}), Catch::Contains("first_epoch 30"));
  CHECK_THROWS_WITH(nndl::plot_histories({}, png), Catch::Contains("no runs"));
  CHECK_THROWS_WITH(nndl::plot_histories({{"bare", bare}}, png),
                    Catch::Contains("run 'bare' has no evaluation accuracy"));
  CHECK_THROWS_WITH(nndl::plot_history(scripted(), dir / "x.csv"), Catch::Contains("overwritten"));
  CHECK_THROWS_WITH(nndl::plot_history(scripted(), dir / "no such folder" / "x.png"),
                    Catch::Contains("cannot write") && Catch::Contains("x.csv"));
  CHECK(names_in(dir.path).empty());
}
