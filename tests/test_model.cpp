// Self-describing model files and run-time models (io/model_file.hpp, model/model.hpp): a typed
// network saved and read back without its type computes the same outputs bit for bit (every layer
// kind, float and double), an ensemble votes as plurality_vote, the older formats load too, a model
// serves several threads, and broken or foreign files are refused by name.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nndl/io/model_file.hpp>
#include <nndl/network.hpp>

#include <atomic>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace {
using namespace nndl;
using Catch::Matchers::Contains;

template <class T>
using conv_net = network<T, input<1, 12, 12>, conv<3, 3, relu>, max_pool<2>, conv<4, 3, nndl::tanh>, dropout<0.25>,
                         dense<7, sigmoid>, dense<5, softmax>, log_likelihood_cost, l2_regularizer>;
template <class T>
using mlp = network<T, input<20>, dense<9, relu>, dropout<0.5>, dense<6, identity>, dense<4, sigmoid>, quadratic_cost>;

template <class Net>
std::vector<typename Net::scalar> inputs(std::size_t rows, std::uint64_t seed) {
  rng r(seed);
  std::vector<typename Net::scalar> x(rows * Net::input_size);
  for (auto& v : x) v = typename Net::scalar(r.uniform());
  return x;
}

template <class Net>
dataset<typename Net::scalar> data(std::size_t rows, std::uint64_t seed) {
  dataset<typename Net::scalar> d;
  d.x = matrix<typename Net::scalar>::from_shape({rows, Net::input_size});
  const auto x = inputs<Net>(rows, seed);
  std::copy(x.begin(), x.end(), d.x.begin());
  for (std::size_t i = 0; i < rows; ++i) d.labels.push_back(std::uint8_t(i % Net::output_size));
  return d;
}

template <class Net>
void same_outputs() {
  using T = typename Net::scalar;
  const test_support::temp_dir dir("model");
  Net net{3};
  const auto d = data<Net>(40, 5);
  test_support::perturb(net, 6);  // not just the seed's weights
  save_model(net, dir / "m.npz", {{"program", "test_model"}, {"weights", "perturbed"}});
  const model m = load_model(dir / "m.npz");
  CHECK(m.is_float() == std::is_same_v<T, float>);
  CHECK(m.members() == 1);
  CHECK(m.input_size() == Net::input_size);
  CHECK(m.output_size() == Net::output_size);
  CHECK(layers_string(m.architecture()) == layers_string(Net::record()));
  CHECK_THAT(m.provenance(), Contains("\"program\":\"test_model\""));
  for (std::size_t rows : {1u, 7u, 40u}) {
    INFO(rows << " rows");
    const auto typed = net.feedforward(d.row(0), rows);
    const auto runtime = m.outputs(d.row(0), rows);
    REQUIRE(runtime.size() == typed.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < typed.size(); ++i) differ += typed.data()[i] != runtime[i];
    CHECK(differ == 0);  // bit for bit
  }
  CHECK(m.evaluate(d) == net.evaluate(d));
  CHECK(m.evaluate(d, 2) == net.evaluate(d));
  Net back{9};
  load_model_into(back, dir / "m.npz");
  CHECK((back.feedforward(d.row(0), 40) == net.feedforward(d.row(0), 40)));
}
}  // namespace

TEST_CASE("a saved network read back as a run-time model computes the same outputs, bit for bit", "[model]") {
  SECTION("conv, max-pool, dropout, dense; relu, tanh, sigmoid, softmax; float") { same_outputs<conv_net<float>>(); }
  SECTION("the same in double") { same_outputs<conv_net<double>>(); }
  SECTION("dense, dropout, identity, quadratic cost; double") { same_outputs<mlp<double>>(); }
  SECTION("the same in float") { same_outputs<mlp<float>>(); }
}

TEST_CASE("an ensemble file votes as plurality_vote, member by member as each network", "[model]") {
  using net_t = mlp<float>;
  const test_support::temp_dir dir("model-ensemble");
  const auto d = data<net_t>(60, 8);
  std::vector<net_t> nets;
  for (std::uint64_t s = 1; s <= 3; ++s) {
    nets.emplace_back(s);
    test_support::perturb(nets.back(), s);
  }
  save_ensemble(std::span<const net_t>(nets), dir / "vote.npz", {{"members", "seeds 1-3"}});
  const model m = load_model(dir / "vote.npz");
  REQUIRE(m.members() == 3);
  const auto voted = m.predict(d.row(0), d.size());
  CHECK(voted == plurality_vote(std::span<const net_t>(nets), d));
  CHECK(m.evaluate(d) == ensemble_correct(std::span<const net_t>(nets), d));
  for (std::size_t k = 0; k < 3; ++k) {
    const auto c = m.predict_member(d.row(0), d.size(), k);
    for (std::size_t i = 0; i < d.size(); ++i) CHECK(c[i] == nets[k].predict(d.row(i)));
  }
  net_t one;
  CHECK_THROWS_WITH(load_model_into(one, dir / "vote.npz"), Contains("ensemble of 3"));
}

TEST_CASE("load_model reads the older formats: save_npz's MLP and network2.py's JSON", "[model]") {
  using net_t = network<double, input<12>, dense<7, sigmoid>, dense<3, sigmoid>, cross_entropy_cost>;
  const std::filesystem::path compat = std::filesystem::path(NNDL_SOURCE_DIR) / "tests" / "data" / "compat";
  const net_t net{11};
  const auto x = inputs<net_t>(5, 2);
  for (const char* file : {"old.npz", "old.json"}) {
    INFO(file);
    const model m = load_model(compat / file);
    CHECK(m.members() == 1);
    CHECK(book_string(m.architecture()) == "[12, 7, 3] sigmoid/sigmoid, CrossEntropyCost");
    const matrix<double> typed = net.feedforward(x.data(), 5);
    CHECK(m.outputs(x.data(), 5) == std::vector<double>(typed.begin(), typed.end()));
  }
}

TEST_CASE("a const model serves several threads with the single-thread answers", "[model][parallel]") {
  using net_t = conv_net<float>;
  const test_support::temp_dir dir("model-threads");
  save_model(net_t{4}, dir / "m.npz");
  const model m = load_model(dir / "m.npz");
  const auto d = data<net_t>(50, 3);
  std::vector<std::vector<float>> expected;
  for (std::size_t i = 0; i < d.size(); ++i) expected.push_back(m.outputs(d.row(i), 1));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = std::size_t(t); i < d.size(); i += 2)
        if (m.outputs(d.row(i), 1) != expected[i]) ++wrong;
    });
  for (auto& t : threads) t.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("broken and foreign model files are refused, naming the file and the problem", "[model]") {
  using net_t = mlp<double>;
  const test_support::temp_dir dir("model-bad");
  save_model(net_t{1}, dir / "good.npz");
  auto error_of = [](const std::filesystem::path& f) {
    try {
      load_model(f);
    } catch (const model_error& e) {
      return std::string(e.what());
    }
    return std::string("(loaded)");
  };
  // another network type
  network<double, input<20>, dense<8, relu>, dense<4, sigmoid>, quadratic_cost> other;
  CHECK_THROWS_WITH(load_model_into(other, dir / "good.npz"),
                    Contains("architecture mismatch") && Contains("dense 9 relu") && Contains("dense 8 relu"));
  // a record whose layers do not fit, an unknown layer and activation, a missing array, a wrong dtype
  auto write = [&](const std::string& name, const nlohmann::json& arch,
                   std::vector<std::pair<std::string, std::string>> arrays) {
    const nlohmann::json info = {{"format", "nndl model"}, {"version", 1}, {"architecture", arch}, {"members", 1}};
    arrays.insert(arrays.begin(), {"model.npy", detail::bytes_npy(info.dump())});
    detail::write_npz(dir / name, arrays);
    return dir / name;
  };
  nlohmann::json arch = record_to_json(net_t::record());
  auto conv_too_big = arch;
  conv_too_big["input"] = {1, 4, 5};
  conv_too_big["layers"][0] = {{"kind", "conv"}, {"maps", 2}, {"kernel", 6}, {"activation", "relu"}};
  CHECK_THAT(error_of(write("big.npz", conv_too_big, {})), Contains("big.npz") && Contains("6x6 kernel does not fit"));
  auto unknown = arch;
  unknown["layers"][0]["kind"] = "lstm";
  CHECK_THAT(error_of(write("kind.npz", unknown, {})), Contains("unknown kind \"lstm\""));
  auto act = arch;
  act["layers"][0]["activation"] = "swish";
  CHECK_THAT(error_of(write("act.npz", act, {})), Contains("unknown activation \"swish\""));
  CHECK_THAT(error_of(write("none.npz", arch, {})), Contains("none.npz") && Contains("missing array l0_w"));
  xt::xtensor<float, 2> wrong = xt::zeros<float>({9, 20});
  CHECK_THAT(error_of(write("dtype.npz", arch, {{"l0_w.npy", xt::dump_npy(wrong)}})),
             Contains("array l0_w: dtype <f4"));
  auto version = nlohmann::json::object({{"format", "nndl model"}, {"version", 7}});
  detail::write_npz(dir / "v7.npz", {{"model.npy", detail::bytes_npy(version.dump())}});
  CHECK_THAT(error_of(dir / "v7.npz"), Contains("version 7"));
  std::ofstream(dir / "text.npz") << "not a zip";
  CHECK_THAT(error_of(dir / "text.npz"), Contains("text.npz"));
}

// ---- NumPy reads the model files and computes the same forward pass ---------------------------

namespace {
template <class Net>
void numpy_forward_agrees(double tolerance) {
  using T = typename Net::scalar;
  const test_support::temp_dir dir("model-py");
  Net net{4};
  const auto d = data<Net>(24, 6);
  test_support::perturb(net, 5);
  save_model(net, dir / "m.npz", {{"program", "test_model"}});
  {
    std::ofstream f(dir / "in.txt");
    f.precision(17);
    for (std::size_t i = 0; i < d.size(); ++i) {
      for (std::size_t j = 0; j < Net::input_size; ++j) f << (j ? " " : "") << double(d.row(i)[j]);
      f << '\n';
    }
  }
  const std::string cmd = test_support::python() + " '" + NNDL_SOURCE_DIR + "/tests/npz_compat.py' model '" +
                          (dir / "m.npz").string() + "' '" + (dir / "in.txt").string() + "' '" +
                          (dir / "out.txt").string() + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto y = net.feedforward(d.row(0), d.size());
  std::ifstream f(dir / "out.txt");
  std::size_t rows = 0;
  double worst = 0;
  for (std::string line; std::getline(f, line); ++rows) {
    std::istringstream ss(line);
    const std::vector<double> v{std::istream_iterator<double>(ss), std::istream_iterator<double>()};
    REQUIRE(v.size() == 1 + Net::output_size);
    CHECK(std::size_t(v[0]) == net.predict(d.row(rows)));
    for (std::size_t j = 0; j < Net::output_size; ++j)
      worst = std::max(worst, std::abs(v[1 + j] - double(y.data()[rows * Net::output_size + j])));
  }
  CHECK(rows == d.size());
  INFO("largest difference " << worst << (std::is_same_v<T, float> ? " (float32)" : " (float64)"));
  CHECK(worst < tolerance);
}
using mnist_conv = network<float, input<1, 28, 28>, conv<4, 5, relu>, max_pool<2>, conv<6, 5, relu>, max_pool<2>,
                           dropout<0.5>, dense<12, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
}  // namespace

TEST_CASE("a NumPy forward pass of a model file (dense, conv, max-pool, dropout, softmax) predicts as nndl does",
          "[model][python]") {
  if (!test_support::numpy_or_warn("the NumPy forward pass of model files")) return;
  SECTION("conv + pool + conv + dropout + dense, float") { numpy_forward_agrees<conv_net<float>>(1e-5); }
  SECTION("conv + pool + conv + dropout + dense, double") { numpy_forward_agrees<conv_net<double>>(1e-12); }
  SECTION("chapter 6's shape: 28x28, two conv-pool stages, dropout, ReLU, softmax") {
    numpy_forward_agrees<mnist_conv>(1e-5);
  }
  SECTION("dense with dropout, double") { numpy_forward_agrees<mlp<double>>(1e-12); }
}
