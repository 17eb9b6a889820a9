// Progress output (nndl/train/progress.hpp): plain lines off a terminal, the bar on one, quiet,
// and the sgd callback with the monitors' figures.
#include <catch2/catch.hpp>

#include <nndl/network.hpp>
#include <nndl/train/progress.hpp>

#include <cstdio>
#include <string>

using Catch::Matchers::Contains;

namespace {

/// Runs f(options) with the output captured in a temporary file; returns what was written.
template <class F>
std::string captured(F&& f, std::optional<bool> terminal = false, bool quiet = false) {
  std::FILE* tmp = std::tmpfile();
  REQUIRE(tmp);
  nndl::progress_options o;
  o.out = tmp;
  o.terminal = terminal;
  o.quiet = quiet;
  f(o);
  std::rewind(tmp);
  std::string s;
  for (int c; (c = std::fgetc(tmp)) != EOF;) s += char(c);
  std::fclose(tmp);
  return s;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("plain lines every 10% and at the end when the output is not a terminal", "[progress]") {
  const auto out = captured([](const nndl::progress_options& o) {
    nndl::progress p(200, "images", o);
    for (int i = 0; i < 200; ++i) p.tick(1, "ok " + std::to_string(i + 1));
  });
  CHECK(count(out, "\n") == 10);
  CHECK(count(out, "\r") == 0);
  CHECK_THAT(out, Contains("images 20/200 (10%)") && Contains("images 200/200 (100%)") && Contains("images/s") &&
                      Contains("elapsed") && Contains("ETA") && Contains("ok 200"));
  // a loop that stops early says where it stopped
  const auto early = captured([](const nndl::progress_options& o) {
    nndl::progress p(100, "trials", o);
    for (int i = 0; i < 15; ++i) p.tick();
  });
  CHECK_THAT(early, Contains("trials 15/100 (15%)"));
}

TEST_CASE("a bar redrawn in place on a terminal; nothing when quiet", "[progress]") {
  const auto bar = captured(
      [](const nndl::progress_options& o) {
        nndl::progress p(4, "epochs", o);
        for (int i = 0; i < 4; ++i) p.tick(1, "loss 0.5");
        p.note("a warning");
      },
      true);
  CHECK(count(bar, "\r") >= 2);
  CHECK_THAT(bar,
             Contains("epochs 4/4 [########################] 100%") && Contains("loss 0.5") && Contains("a warning\n"));
  CHECK(bar.back() == '\n');
  const auto quiet = captured(
      [](const nndl::progress_options& o) {
        nndl::progress p(4, "epochs", o);
        for (int i = 0; i < 4; ++i) p.tick();
        p.note("not shown");
      },
      true, true);
  CHECK(quiet.empty());
}

TEST_CASE("rate, ETA and the clock format", "[progress]") {
  CHECK(nndl::detail::clock_string(7.2) == "0:07");
  CHECK(nndl::detail::clock_string(754) == "12:34");
  CHECK(nndl::detail::clock_string(3723) == "1:02:03");
  CHECK(nndl::detail::clock_string(NAN) == "?");
  nndl::progress_options o;
  o.quiet = true;
  nndl::progress p(10, "x", o);
  CHECK(std::isnan(p.eta()));
  p.tick(5);
  CHECK(p.done() == 5);
  CHECK(p.rate() > 0);
  CHECK(p.eta() >= 0);
}

TEST_CASE("progress_callback shows each epoch with the monitors' figures", "[progress]") {
  nndl::dataset<double> d;
  d.x = nndl::matrix<double>::from_shape({40, 4});
  nndl::rng r(1);
  for (std::size_t i = 0; i < 40; ++i) {
    d.labels.push_back(std::uint8_t(i % 2));
    for (std::size_t j = 0; j < 4; ++j) d.x(i, j) = r.uniform() + (j == i % 2 ? 1.0 : 0.0);
  }
  const auto out = captured([&](const nndl::progress_options& o) {
    nndl::network<double, nndl::input<4>, nndl::dense<2, nndl::softmax>, nndl::log_likelihood_cost> net{1};
    nndl::progress_callback cb;
    cb.options = o;
    cb.options.plain_every = 0;
    cb.evaluation_name = "test";
    nndl::sgd(net, d, {.epochs = 5, .mini_batch = 4, .eta = 0.5, .verbose = false}, nndl::evaluate_on(d, true), cb);
  });
  CHECK(count(out, "\n") == 5);
  CHECK_THAT(out, Contains("epochs 1/5 (20%)") && Contains("epochs 5/5 (100%)") && Contains("test ") &&
                      Contains("%, test cost "));
}

TEST_CASE("on a terminal, progress_callback moves with every mini-batch", "[progress]") {
  nndl::dataset<double> d;
  d.x = xt::ones<double>({40, 4});
  d.labels.assign(40, 1);
  const auto out = captured(
      [&](const nndl::progress_options& o) {
        nndl::network<double, nndl::input<4>, nndl::dense<2, nndl::softmax>, nndl::log_likelihood_cost> net{1};
        nndl::progress_callback cb;
        cb.options = o;
        cb.evaluation_name = "test";
        nndl::sgd(net, d, {.epochs = 3, .mini_batch = 4, .eta = 0.5, .verbose = false}, nndl::evaluate_on(d), cb);
      },
      true);
  // 3 epochs of 10 mini-batches: the bar counts 30 batches and ends with the last epoch's figures
  CHECK_THAT(out, Contains("batches") && Contains("30/30") && Contains("epoch 3/3") && Contains("test 100.00%"));
}
