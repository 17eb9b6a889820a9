// Model files (nndl/io/network2_json.hpp): round trips, atomic saving, every load error, network2.py files,
// and the same numbers as network2.py itself (through tests/network2_compat.py and numpy).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <nndl/io/network2_json.hpp>
#include <nndl/network.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

namespace {
using Catch::Contains;
namespace fs = std::filesystem;

template <class T>
using sig_ce = nndl::network<T, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                             nndl::cross_entropy_cost>;
template <class T>
using relu_ll = nndl::network<T, nndl::input<20>, nndl::dense<16, nndl::relu>, nndl::dense<5, nndl::softmax>,
                              nndl::log_likelihood_cost, nndl::he_init>;
using tiny = nndl::network<double, nndl::input<4>, nndl::dense<3, nndl::sigmoid>, nndl::dense<2, nndl::sigmoid>,
                           nndl::cross_entropy_cost>;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_text(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

/// The message of the model_error that f throws; otherwise a description of what happened instead.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nndl::model_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a model_error: ") + e.what();
  }
  return "no exception";
}

template <class Net>
bool same_parameters(const Net& a, const Net& b) {
  bool same = true;
  std::vector<std::pair<nndl::matrix<typename Net::scalar>, nndl::vector<typename Net::scalar>>> pa;
  a.for_each_layer([&](const auto& l, std::size_t) { pa.emplace_back(l.w, l.b); });
  b.for_each_layer([&](const auto& l, std::size_t i) { same = same && l.w == pa[i].first && l.b == pa[i].second; });
  return same;
}

template <class Net>
nndl::matrix<typename Net::scalar> random_inputs(std::size_t rows, std::uint64_t seed) {
  nndl::rng r(seed);
  auto x = nndl::matrix<typename Net::scalar>::from_shape({rows, Net::input_size});
  for (auto& v : x) v = typename Net::scalar(r.uniform());
  return x;
}

/// A tiny network2.py-style file (no "nndl" key) with hand-picked values; biases as y×1 columns.
const char* network2_tiny = R"({"sizes": [4, 3, 2],
 "weights": [[[0.1, -0.2, 0.3, -0.4], [0.5, 0.25, -1.5, 2.0], [0.0, 1e-3, -7.25, 3.5]],
             [[1.0, -1.0, 0.5], [-0.125, 0.75, 2.5]]],
 "biases": [[[0.5], [-0.5], [1.0]], [[0.0], [-2.0]]],
 "cost": "CrossEntropyCost"})";

template <class Net>
void check_round_trip(std::uint64_t seed) {
  test_support::temp_dir dir("json");
  const fs::path file = dir / "model.json";
  const Net a{seed};
  nndl::save_json(a, file);
  Net b{seed + 100};
  REQUIRE_FALSE(same_parameters(a, b));
  nndl::load_json(b, file);
  CHECK(same_parameters(a, b));
  const auto x = random_inputs<Net>(25, seed);
  const auto ya = a.feedforward(x), yb = b.feedforward(x);
  CHECK(ya == yb);
  for (std::size_t i = 0; i < x.shape()[0]; ++i) CHECK(a.predict(&x(i, 0)) == b.predict(&x(i, 0)));
  for (const auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename() == "model.json");
}
}  // namespace

TEST_CASE("architecture names sizes, activations and cost", "[json]") {
  CHECK(nndl::architecture(sig_ce<double>{1}) == "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost");
  CHECK(nndl::architecture(relu_ll<float>{1}) == "[20, 16, 5] relu/softmax, LogLikelihoodCost");
}

TEST_CASE("save then load gives the same weights and predictions", "[json]") {
  SECTION("sigmoid, cross-entropy, double") { check_round_trip<sig_ce<double>>(1); }
  SECTION("sigmoid, cross-entropy, float") { check_round_trip<sig_ce<float>>(2); }
  SECTION("relu/softmax, log-likelihood, double") { check_round_trip<relu_ll<double>>(3); }
  SECTION("relu/softmax, log-likelihood, float") { check_round_trip<relu_ll<float>>(4); }
}

TEST_CASE("the file is network2.py's format plus an \"nndl\" key", "[json]") {
  test_support::temp_dir dir("json");
  const fs::path file = dir / "model.json";
  const sig_ce<float> net{5};
  nndl::save_json(net, file);
  const auto j = nlohmann::json::parse(read_text(file));
  CHECK(j["sizes"] == nlohmann::json({784, 30, 10}));
  CHECK(j["cost"] == "CrossEntropyCost");
  REQUIRE(j["weights"].size() == 2);
  CHECK(j["weights"][0].size() == 30);
  CHECK(j["weights"][0][29].size() == 784);
  CHECK(j["weights"][1].size() == 10);
  CHECK(j["biases"][1].size() == 10);
  CHECK(j["biases"][1][9].size() == 1);  // a y×1 column: [[b0], [b1], ...]
  // floats are written as the exact double they are
  CHECK(j["weights"][0][3][17].get<double>() == double(net.layer<0>().w(3, 17)));
  CHECK(j["biases"][1][9][0].get<double>() == double(net.layer<1>().b(9)));
  CHECK(j["nndl"]["version"] == 1);
  CHECK(j["nndl"]["architecture"] == "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost");
  CHECK(j["nndl"]["activations"] == nlohmann::json({"sigmoid", "sigmoid"}));
  CHECK(j["nndl"]["scalar"] == "float");
}

TEST_CASE("a failed save leaves the old file as it was", "[json]") {
  test_support::temp_dir dir("json");
  const fs::path file = dir / "model.json";
  tiny good{1};
  nndl::save_json(good, file);
  const std::string before = read_text(file);
  auto only_the_model_file = [&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.path)) names.push_back(e.path().filename().string());
    return names == std::vector<std::string>{"model.json"};
  };

  SECTION("a NaN weight is refused before anything is written") {
    tiny bad{2};
    bad.layer<0>().w(1, 2) = std::numeric_limits<double>::quiet_NaN();
    const std::string msg = error_of([&] { nndl::save_json(bad, file); });
    CHECK_THAT(msg, Contains(file.string()) && Contains("refusing to save") &&
                        Contains("weights[0] (4 -> 3) row 1 column 2 is nan (not finite)"));
  }
  SECTION("an infinite bias likewise") {
    tiny bad{2};
    bad.layer<1>().b(1) = -std::numeric_limits<double>::infinity();
    const std::string msg = error_of([&] { nndl::save_json(bad, file); });
    CHECK_THAT(msg, Contains(file.string()) && Contains("biases[1] (3 -> 2) index 1 is -inf (not finite)"));
  }
  SECTION("a rename that fails after writing removes its temporary file") {
    const fs::path target = dir / "occupied";  // a non-empty folder cannot be replaced by a file
    fs::create_directories(target / "x");
    const std::string msg = error_of([&] { nndl::save_json(good, target); });
    CHECK_THAT(msg, Contains(target.string()) && Contains("cannot rename"));
    fs::remove_all(target);
  }
  SECTION("a folder that does not exist") {
    const fs::path missing = dir / "no" / "model.json";
    CHECK_THAT(error_of([&] { nndl::save_json(good, missing); }),
               Contains(missing.string()) && Contains("cannot write") && Contains("No such file or directory"));
  }
  CHECK(read_text(file) == before);
  CHECK(only_the_model_file());
}

TEST_CASE("a network2.py file without the \"nndl\" key loads", "[json]") {
  test_support::temp_dir dir("json");
  const fs::path file = dir / "network2.json";
  std::string text = network2_tiny;
  SECTION("biases as y×1 columns, as network2.py writes them") {}
  SECTION("biases as flat lists") {
    const std::string columns = "[[0.5], [-0.5], [1.0]], [[0.0], [-2.0]]";
    text.replace(text.find(columns), columns.size(), "[0.5, -0.5, 1.0], [0.0, -2.0]");
  }
  write_text(file, text);
  tiny net{1};
  nndl::load_json(net, file);
  CHECK(net.layer<0>().w(1, 2) == -1.5);
  CHECK(net.layer<0>().w(2, 1) == 1e-3);
  CHECK(net.layer<1>().w(1, 0) == -0.125);
  CHECK(net.layer<0>().b(2) == 1.0);
  CHECK(net.layer<1>().b(1) == -2.0);
  // one sample by hand: a = σ(w a + b), layer by layer
  const double x[4] = {1, 0.5, 0.25, 0};
  auto s = [](double z) { return 1 / (1 + std::exp(-z)); };
  const double h[3] = {s(0.1 - 0.1 + 0.075 + 0.5), s(0.5 + 0.125 - 0.375 - 0.5), s(0.0005 - 1.8125 + 1.0)};
  const double o[2] = {s(h[0] - h[1] + 0.5 * h[2]), s(-0.125 * h[0] + 0.75 * h[1] + 2.5 * h[2] - 2.0)};
  const auto y = net.feedforward(x, 1);
  CHECK(y(0, 0) == Approx(o[0]).epsilon(1e-14));
  CHECK(y(0, 1) == Approx(o[1]).epsilon(1e-14));
}

TEST_CASE("every bad model file is a model_error naming the file and the problem", "[json]") {
  test_support::temp_dir dir("json");
  const fs::path file = dir / "bad-model.json";
  tiny net{7};
  const tiny before = net;
  // the problem in `file` written with `text`, and that the network was left as it was
  auto load_text = [&](const std::string& text) {
    write_text(file, text);
    return error_of([&] { nndl::load_json(net, file); });
  };
  auto with = [](std::string text, const std::string& from, const std::string& to) {
    const auto p = text.find(from);
    REQUIRE(p != std::string::npos);
    return text.replace(p, from.size(), to);
  };
  const std::string good = network2_tiny;
  const Catch::Matchers::StdString::ContainsMatcher names_file = Contains(file.string());

  SECTION("no such file") {
    CHECK_THAT(error_of([&] { nndl::load_json(net, dir / "absent.json"); }),
               Contains((dir / "absent.json").string()) && Contains("no such file"));
  }
  SECTION("a folder") {
    fs::create_directories(file);
    CHECK_THAT(error_of([&] { nndl::load_json(net, file); }), names_file && Contains("is a directory"));
  }
  SECTION("unreadable") {
    write_text(file, good);
    fs::permissions(file, fs::perms::none);
    if (::geteuid() == 0) {
      WARN("running as root: an unreadable file cannot be made, that check is skipped");
    } else {
      CHECK_THAT(error_of([&] { nndl::load_json(net, file); }), names_file && Contains("cannot be opened for reading"));
    }
    fs::permissions(file, fs::perms::owner_all);
  }
  SECTION("empty") { CHECK_THAT(load_text(" \n"), names_file && Contains("is empty")); }
  SECTION("malformed JSON says where") {
    CHECK_THAT(load_text(good.substr(0, 40)),
               names_file && Contains("malformed JSON (byte 41)") && Contains("unexpected end of input"));
    CHECK_THAT(load_text(with(good, "-0.2,", "-0.2,,")),
               names_file && Contains("malformed JSON (byte ") && Contains("line 2, column"));
  }
  SECTION("NaN and Infinity, as Python's json.dump writes them") {
    for (const char* bad : {"NaN", "Infinity", "-Infinity"})
      CHECK_THAT(load_text(with(good, "0.25", bad)),
                 names_file && Contains("NaN/Infinity values are not allowed (one at line 2, column 45)"));
  }
  SECTION("a number too large for a double or a float") {
    CHECK_THAT(load_text(with(good, "0.25", "1e400")),
               names_file && Contains("invalid JSON number") && Contains("1e400"));
    using tiny_float = nndl::network<float, nndl::input<4>, nndl::dense<3, nndl::sigmoid>,
                                     nndl::dense<2, nndl::sigmoid>, nndl::cross_entropy_cost>;
    tiny_float f{1};
    write_text(file, with(good, "0.25", "1e39"));
    CHECK_THAT(error_of([&] { nndl::load_json(f, file); }),
               names_file && Contains("weights[0] (4 -> 3) row 1 column 1 = 1e+39 does not fit in a float"));
  }
  SECTION("not an object") { CHECK_THAT(load_text("[1, 2]"), names_file && Contains("top level must be an object")); }
  SECTION("missing fields") {
    CHECK_THAT(load_text(with(good, "\"sizes\"", "\"size\"")), names_file && Contains("missing field \"sizes\""));
    CHECK_THAT(load_text(with(good, "\"weights\"", "\"w\"")), names_file && Contains("missing field \"weights\""));
    CHECK_THAT(load_text(with(good, "\"biases\"", "\"b\"")), names_file && Contains("missing field \"biases\""));
    CHECK_THAT(load_text(with(good, "\"cost\"", "\"c\"")), names_file && Contains("missing field \"cost\""));
  }
  SECTION("an unknown cost, refused with the known ones") {
    CHECK_THAT(load_text(with(good, "\"CrossEntropyCost\"", "\"EvilCost\"")),
               names_file && Contains("unknown \"cost\" \"EvilCost\"") &&
                   Contains("(known: QuadraticCost, CrossEntropyCost, LogLikelihoodCost)"));
    CHECK_THAT(load_text(with(good, "\"CrossEntropyCost\"", "\"crossentropycost\"")),
               names_file && Contains("unknown \"cost\""));
  }
  SECTION("wrong JSON types") {
    CHECK_THAT(load_text(with(good, "[4, 3, 2]", "\"4, 3, 2\"")),
               names_file && Contains("field \"sizes\" must be an array") && Contains("found string"));
    CHECK_THAT(load_text(with(good, "\"CrossEntropyCost\"", "3")),
               names_file && Contains("field \"cost\" must be a string") && Contains("found number"));
    CHECK_THAT(load_text(with(good, "[4, 3, 2]", "[4, \"3\", 2]")),
               names_file && Contains("sizes[1] must be a positive integer, found \"3\""));
    CHECK_THAT(load_text(with(good, "[4, 3, 2]", "[4, 3.5, 2]")),
               names_file && Contains("sizes[1] must be a positive integer"));
    CHECK_THAT(load_text(with(good, "[4, 3, 2]", "[4, 0, 2]")),
               names_file && Contains("sizes[1] must be a positive integer"));
    CHECK_THAT(load_text(with(good, "[4, 3, 2]", "[4]")), names_file && Contains("at least two layers"));
    CHECK_THAT(load_text(with(good, "-0.125", "\"-0.125\"")),
               names_file && Contains("weights[1] (3 -> 2) row 1 column 0 is a string, expected a number"));
    CHECK_THAT(load_text(with(good, "[1.0, -1.0, 0.5]", "{\"a\": 1}")),
               names_file && Contains("weights[1] (3 -> 2) row 0 must be an array, found an object"));
  }
  SECTION("null where a number should be") {
    CHECK_THAT(load_text(with(good, "2.5]", "null]")),
               names_file && Contains("weights[1] (3 -> 2) row 1 column 2 is null, expected a number"));
    CHECK_THAT(load_text(with(good, "[-2.0]", "[null]")),
               names_file && Contains("biases[1] (3 -> 2) entry 1 is null, expected a number"));
  }
  SECTION("ragged arrays") {
    CHECK_THAT(load_text(with(good, "[0.5, 0.25, -1.5, 2.0]", "[0.5, 0.25, -1.5]")),
               names_file && Contains("ragged array: weights[0] (4 -> 3) row 1 has 3 values, expected 4 (sizes[0])"));
    CHECK_THAT(load_text(with(good, "[-0.5]", "[-0.5, 1]")),
               names_file && Contains("ragged array: biases[0] (4 -> 3) entry 1 has 2 values"));
  }
  SECTION("sizes, weights and biases that disagree") {
    CHECK_THAT(load_text(with(good, "[4, 3, 2]", "[4, 3, 2, 2]")),
               names_file && Contains("inconsistent: \"sizes\" [4,3,2,2] describes 3 weight matrices and bias vectors, "
                                      "the file has 2 weight matrices and 2 bias vectors"));
    CHECK_THAT(load_text(with(good, ", [0.0, 1e-3, -7.25, 3.5]]", "]")),
               names_file && Contains("inconsistent: weights[0] (4 -> 3) has 2 rows, sizes[1] = 3"));
    CHECK_THAT(load_text(with(good, "[[0.0], [-2.0]]", "[[0.0], [-2.0], [1.0]]")),
               names_file && Contains("inconsistent: biases[1] (3 -> 2) has 3 entries, sizes[2] = 2"));
  }
  SECTION("another architecture") {
    const fs::path wide = dir / "wide.json";
    nndl::save_json(nndl::network<double, nndl::input<784>, nndl::dense<100, nndl::sigmoid>,
                                  nndl::dense<10, nndl::sigmoid>, nndl::cross_entropy_cost>{1},
                    wide);
    sig_ce<double> n30{1};
    const sig_ce<double> n30_before = n30;
    CHECK_THAT(error_of([&] { nndl::load_json(n30, wide); }),
               Contains(wide.string()) &&
                   Contains("architecture mismatch: the file holds [784, 100, 10] sigmoid/sigmoid, CrossEntropyCost; "
                            "this network is [784, 30, 10] sigmoid/sigmoid, CrossEntropyCost"));
    CHECK(same_parameters(n30, n30_before));
  }
  SECTION("another cost") {
    CHECK_THAT(load_text(with(good, "CrossEntropyCost", "QuadraticCost")),
               names_file && Contains("cost mismatch: the file holds [4, 3, 2] sigmoid/sigmoid, QuadraticCost; "
                                      "this network is [4, 3, 2] sigmoid/sigmoid, CrossEntropyCost"));
  }
  SECTION("other activations in an nndl file") {
    nndl::save_json(nndl::network<double, nndl::input<4>, nndl::dense<3, nndl::tanh>, nndl::dense<2, nndl::sigmoid>,
                                  nndl::cross_entropy_cost>{1},
                    file);
    CHECK_THAT(error_of([&] { nndl::load_json(net, file); }),
               names_file && Contains("activation mismatch: the file holds [4, 3, 2] tanh/sigmoid, CrossEntropyCost; "
                                      "this network is [4, 3, 2] sigmoid/sigmoid, CrossEntropyCost"));
  }
  SECTION("a network2.py file (all sigmoid) into a network that is not all sigmoid") {
    write_text(file, good);
    nndl::network<double, nndl::input<4>, nndl::dense<3, nndl::relu>, nndl::dense<2, nndl::sigmoid>,
                  nndl::cross_entropy_cost>
        relu_net{1};
    CHECK_THAT(error_of([&] { nndl::load_json(relu_net, file); }),
               names_file && Contains("no \"nndl\" key") &&
                   Contains("the file holds [4, 3, 2] sigmoid/sigmoid, CrossEntropyCost; "
                            "this network is [4, 3, 2] relu/sigmoid, CrossEntropyCost"));
  }
  SECTION("a bad \"nndl\" key") {
    const std::string cost = "\"cost\": \"CrossEntropyCost\"";
    CHECK_THAT(load_text(with(good, cost, cost + ", \"nndl\": []")),
               names_file && Contains("\"nndl\" must be an object"));
    CHECK_THAT(
        load_text(with(good, cost, cost + ", \"nndl\": {\"version\": 2, \"activations\": [\"sigmoid\", \"sigmoid\"]}")),
        names_file && Contains("\"version\" is 2; this nndl reads version 1"));
    CHECK_THAT(load_text(with(good, cost, cost + ", \"nndl\": {\"version\": 1}")),
               names_file && Contains("missing field \"nndl\".\"activations\""));
    CHECK_THAT(load_text(with(good, cost, cost + ", \"nndl\": {\"version\": 1, \"activations\": [\"sigmoid\"]}")),
               names_file && Contains("\"activations\" must be an array of 2 names"));
  }
  CHECK(same_parameters(net, before));  // every failed load left the network untouched
}

// ---- the same numbers as network2.py ---------------------------------------------------------

namespace {
const std::string python = test_support::python();
const std::string script = std::string(NNDL_SOURCE_DIR) + "/tests/network2_compat.py";

int run(const std::string& args) { return std::system((python + " '" + script + "' " + args).c_str()); }

/// network2.py's feedforward of each input row on `model`: per row the argmax, then the activations.
std::vector<std::vector<double>> python_outputs(const fs::path& model, const nndl::matrix<double>& x,
                                                const test_support::temp_dir& dir) {
  const fs::path in = dir / "inputs.txt", out = dir / "outputs.txt";
  {
    std::ofstream f(in);
    f.precision(17);
    for (std::size_t i = 0; i < x.shape()[0]; ++i) {
      for (std::size_t j = 0; j < x.shape()[1]; ++j) f << (j ? " " : "") << x(i, j);
      f << "\n";
    }
  }
  REQUIRE(run("predict '" + model.string() + "' '" + in.string() + "' '" + out.string() + "'") == 0);
  std::vector<std::vector<double>> rows;
  std::ifstream f(out);
  for (std::string line; std::getline(f, line);) {
    std::istringstream ss(line);
    rows.emplace_back(std::istream_iterator<double>(ss), std::istream_iterator<double>());
  }
  return rows;
}

template <class Net>
void check_same_as_python(const Net& net, const fs::path& model, const test_support::temp_dir& dir) {
  const auto x = random_inputs<Net>(8, 11);
  const auto py = python_outputs(model, x, dir);
  REQUIRE(py.size() == x.shape()[0]);
  const auto y = net.feedforward(x);
  for (std::size_t i = 0; i < x.shape()[0]; ++i) {
    REQUIRE(py[i].size() == 1 + Net::output_size);
    CHECK(std::size_t(py[i][0]) == net.predict(&x(i, 0)));
    for (std::size_t j = 0; j < Net::output_size; ++j) CHECK(std::abs(py[i][1 + j] - y(i, j)) < 1e-9);
  }
}
}  // namespace

TEST_CASE("network2.py loads nndl's files and nndl loads network2.py's", "[json][python]") {
  if (!test_support::numpy_or_warn("the network2.py compatibility checks")) return;
  test_support::temp_dir dir("json-py");
  SECTION("nndl saves, network2.load reads: same outputs") {
    const fs::path model = dir / "nndl.json";
    const sig_ce<double> net{21};
    nndl::save_json(net, model);
    check_same_as_python(net, model, dir);
    const nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                        nndl::quadratic_cost, nndl::large_weight_init>
        quadratic{22};
    nndl::save_json(quadratic, model);
    check_same_as_python(quadratic, model, dir);
  }
  SECTION("network2.save writes, nndl loads: same outputs") {
    const fs::path model = dir / "network2.json";
    REQUIRE(run("write '" + model.string() + "' 3 784 30 10") == 0);
    REQUIRE_FALSE(nlohmann::json::parse(read_text(model)).contains("nndl"));
    sig_ce<double> net{1};
    nndl::load_json(net, model);
    check_same_as_python(net, model, dir);
  }
}

TEST_CASE("dropout is part of the architecture a model file records", "[json]") {
  using with = nndl::network<double, nndl::input<20>, nndl::dense<8, nndl::sigmoid>, nndl::dropout<0.5>,
                             nndl::dense<3, nndl::sigmoid>, nndl::cross_entropy_cost>;
  using without = nndl::network<double, nndl::input<20>, nndl::dense<8, nndl::sigmoid>, nndl::dense<3, nndl::sigmoid>,
                                nndl::cross_entropy_cost>;
  test_support::temp_dir dir("json-dropout");
  const auto file = dir / "d.json";
  nndl::save_json(with{1}, file);
  with back{2};
  nndl::load_json(back, file);
  CHECK((back.layer<0>().w == with{1}.layer<0>().w));
  without other{3};
  CHECK_THROWS_WITH(nndl::load_json(other, file),
                    Catch::Contains("sigmoid/dropout p=0.5 > sigmoid") && Catch::Contains("this network is"));
}

TEST_CASE("hostile model files: deep nesting, huge values and endless files are refused, not a crash",
          "[json][hostile]") {
  test_support::temp_dir dir("json-hostile");
  const fs::path file = dir / "hostile.json";
  tiny net{7};
  const tiny before = net;
  SECTION("100,000 nested arrays where the sizes belong") {
    // Messages that dump() such a value recurse once per level and overflow the stack.
    write_text(file, "{\"sizes\": " + std::string(100000, '[') + std::string(100000, ']') +
                         ", \"weights\": [], \"biases\": [], \"cost\": \"CrossEntropyCost\"}");
    CHECK_THAT(error_of([&] { nndl::load_json(net, file); }),
               Contains(file.string()) && Contains("nested more than 64 levels deep"));
  }
  SECTION("nesting up to the limit parses; one level more does not") {
    auto nested = [](int levels) {
      return "{\"sizes\": [4, 3, 2], \"x\": " + std::string(std::size_t(levels - 1), '[') +
             std::string(std::size_t(levels - 1), ']') + "}";
    };
    write_text(file, nested(nndl::detail::max_json_depth));
    CHECK_THAT(error_of([&] { nndl::load_json(net, file); }), Contains("missing field \"weights\""));
    write_text(file, nested(nndl::detail::max_json_depth + 1));
    CHECK_THAT(error_of([&] { nndl::load_json(net, file); }), Contains("nested more than 64 levels deep"));
  }
  SECTION("a message shows the start of a huge value, not all of it") {
    write_text(file, "{\"sizes\": [\"" + std::string(1 << 20, 'a') +
                         "\", 3], \"weights\": [], \"biases\": [], "
                         "\"cost\": \"CrossEntropyCost\"}");
    const std::string m = error_of([&] { nndl::load_json(net, file); });
    CHECK_THAT(
        m, Contains("sizes[0] must be a positive integer, found \"aaaa") && Contains("(a string of 1048576 bytes)"));
    CHECK(m.size() < 400);
    std::string sizes = "[";
    for (int i = 0; i < 100000; ++i) sizes += "7,";
    write_text(file, "{\"sizes\": " + sizes + "7], \"weights\": [], \"biases\": [], \"cost\": \"CrossEntropyCost\"}");
    const std::string m2 = error_of([&] { nndl::load_json(net, file); });
    CHECK_THAT(m2, Contains("inconsistent: \"sizes\" [7,7,7,") && Contains("(an array of 100001 values)"));
    CHECK(m2.size() < 400);
  }
  SECTION("short values read as before") {
    write_text(file, "{\"sizes\": [784], \"weights\": [], \"biases\": [], \"cost\": \"CrossEntropyCost\"}");
    CHECK_THAT(error_of([&] { nndl::load_json(net, file); }), Contains("found [784]"));
    CHECK(nndl::detail::brief(nlohmann::json::parse(R"({"a":[1,[2,[3,[4]]]],"b":"\u00e9"})")) ==
          R"({"a":[1,[2,[...]]],"b":"é"})");
  }
  SECTION("/dev/zero or a pipe as a model is refused at once, not read until memory runs out") {
    CHECK_THAT(error_of([&] { nndl::load_json(net, "/dev/zero"); }),
               Contains("/dev/zero") && Contains("is a device, not a regular file: give a model file itself"));
    test_support::temp_dir fifo_dir("json-fifo");
    const auto fifo = fifo_dir / "model.json";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // no writer: opening it to read would wait forever
    CHECK_THAT(error_of([&] { nndl::load_json(net, fifo); }), Contains(fifo.string()) && Contains("is a pipe (FIFO)"));
  }
  CHECK(same_parameters(net, before));
}
