// Files written by the nndl before the optimizer left the layers (tests/data/compat, made by
// gen.cpp there against commit dd2a99c) still read as they did, and the formats still write the
// same bytes: network2.py's JSON byte for byte, the .npz model's arrays, and checkpoints that load
// into the optimizer that wrote them (or are refused, naming it).
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nndl/io/checkpoint.hpp>
#include <nndl/io/mlp_npz.hpp>
#include <nndl/io/network2_json.hpp>
#include <nndl/network.hpp>

#include <fstream>
#include <algorithm>
#include <cmath>
#include <iterator>

namespace {
using namespace nndl;
using mlp = network<double, input<12>, dense<7, sigmoid>, dense<3, sigmoid>, cross_entropy_cost>;
using ckpt_net = network<float, input<1, 6, 6>, conv<2, 3, relu>, max_pool<2>, dropout<0.5>, dense<5, relu>,
                         dense<3, softmax>, log_likelihood_cost, l2_regularizer>;

const std::filesystem::path compat = std::filesystem::path(NNDL_SOURCE_DIR) / "tests" / "data" / "compat";

std::string bytes_of(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

dataset<float> data() {  // as gen.cpp made it
  dataset<float> d;
  d.x = xt::zeros<float>({std::size_t{20}, ckpt_net::input_size});
  rng r(3);
  for (auto& v : d.x) v = float(r.uniform());
  for (std::size_t i = 0; i < 20; ++i) d.labels.push_back(std::uint8_t(i % 3));
  return d;
}
const train_options settings{.epochs = 2, .mini_batch = 5, .eta = 0.1, .lambda = 0.5, .seed = 7, .verbose = false};

/// Equal to rounding: the files were made on one machine with -O3 -march=native (then they match
/// this nndl's training bit for bit); another CPU's kernels may round the last bits otherwise.
bool close(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].size() != b[k].size()) return false;
    for (std::size_t i = 0; i < a[k].size(); ++i)
      if (std::abs(a[k][i] - b[k][i]) > 1e-6 * (1 + std::abs(b[k][i]))) return false;
  }
  return true;
}

template <class Net>
std::vector<std::vector<double>> parameters(const Net& net) {
  std::vector<std::vector<double>> v;
  net.for_each_parameter([&](const auto&, const auto& p) { v.emplace_back(p.value, p.value + p.size()); });
  return v;
}
}  // namespace

TEST_CASE("network2.py's JSON and the .npz model are written as before, byte for byte", "[compat]") {
  const test_support::temp_dir dir("compat");
  save_json(mlp{11}, dir / "new.json");
  CHECK(bytes_of(dir / "new.json") == bytes_of(compat / "old.json"));
  save_npz(mlp{11}, dir / "new.npz");
  const detail::npz_reader before(compat / "old.npz"), now(dir / "new.npz");
  for (const char* name : {"w0", "b0", "w1", "b1", "sizes", "architecture"}) {
    INFO(name);
    const auto a = before.read(name), b = now.read(name);
    CHECK(a.descr == b.descr);
    CHECK(a.shape == b.shape);
    CHECK(a.data == b.data);
  }
  mlp loaded{1};
  load_npz(loaded, compat / "old.npz");
  CHECK(parameters(loaded) == parameters(mlp{11}));
  load_json(loaded, compat / "old.json");
  CHECK(parameters(loaded) == parameters(mlp{11}));
}

TEST_CASE("checkpoints of the earlier nndl load into the optimizer that wrote them", "[compat][checkpoint]") {
  const auto d = data();
  SECTION("plain SGD: the same weights as this nndl's two epochs") {
    ckpt_net now{5}, loaded{1};
    sgd(now, d, settings);
    CHECK(load_checkpoint(loaded, compat / "old-sgd.ckpt.npz")["epochs_done"] == 2);
    CHECK(close(parameters(loaded), parameters(now)));
    CHECK_FALSE(close(parameters(loaded), parameters(ckpt_net{5})));  // it holds trained weights
    adam other;
    CHECK_THROWS_WITH(
        load_checkpoint(loaded, other, compat / "old-sgd.ckpt.npz"),
        Catch::Contains("old-sgd.ckpt.npz") && Catch::Contains("sgd optimizer") && Catch::Contains("adam"));
  }
  SECTION("momentum: weights and velocities, and a plain run refuses them") {
    ckpt_net now{5}, loaded{1}, refused{1};
    sgd_optimizer momentum({.momentum = 0.5}), restored({.momentum = 0.5}), plain;
    train(now, d, momentum, settings);
    load_checkpoint(loaded, restored, compat / "old-momentum.ckpt.npz");
    CHECK(close(parameters(loaded), parameters(now)));
    std::vector<std::vector<double>> v_now, v_restored;
    momentum.for_each_state<float>(
        [&](std::size_t, std::string_view, std::span<float> v) { v_now.emplace_back(v.begin(), v.end()); });
    restored.for_each_state<float>(
        [&](std::size_t, std::string_view, std::span<float> v) { v_restored.emplace_back(v.begin(), v.end()); });
    REQUIRE(v_now.size() == 6);  // conv w, b; dense w, b; dense w, b
    CHECK(close(v_restored, v_now));
    CHECK(std::any_of(v_restored[0].begin(), v_restored[0].end(), [](double v) { return v != 0; }));
    const auto before = parameters(refused);
    CHECK_THROWS_WITH(load_checkpoint(refused, plain, compat / "old-momentum.ckpt.npz"),
                      Catch::Contains("old-momentum.ckpt.npz") && Catch::Contains("momentum"));
    CHECK(parameters(refused) == before);  // all or nothing
  }
}
