// The nndl-predict program itself: a folder of digit images with broken files among them, a JSON
// report, exit codes, and a model of another architecture.
#include <catch2/catch.hpp>

#include <nndl/data/image.hpp>
#include <nndl/data/mnist.hpp>
#include <nndl/io/network2_json.hpp>
#include <nndl/network.hpp>

#include "support.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sys/wait.h>

#ifndef NNDL_PREDICT_TOOL
#error "NNDL_PREDICT_TOOL (the path of nndl-predict) must be defined by the build"
#endif

namespace {
int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
using net_t = nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                            nndl::cross_entropy_cost>;
}  // namespace

TEST_CASE("nndl-predict classifies a folder, reports broken files and goes on", "[predict][tool]") {
  const auto mnist = test_support::mnist_dir_or_warn("nndl-predict on MNIST digits");
  if (!mnist) return;
  const char* env = mnist->c_str();
  const auto data = nndl::load_mnist<double>(env);
  net_t net{1};
  nndl::sgd(net, data.training.slice(0, 5000), {.epochs = 1, .eta = 0.5, .verbose = false});
  test_support::temp_dir dir("predict");
  nndl::save_json(net, dir / "model.json");
  std::filesystem::create_directories(dir / "digits" / "more");
  std::map<std::string, std::size_t> expected;  // file name -> the digit the same network gives in memory
  for (std::size_t i = 0; i < 6; ++i) {
    std::array<double, 784> px{};
    std::copy(data.test.row(i), data.test.row(i) + 784, px.begin());
    const std::string name = "d" + std::to_string(i) + ".png";
    const auto file = dir / "digits" / (i < 3 ? "" : "more") / name;
    nndl::save_png(file, nndl::as_image(px));
    const auto seen = nndl::mnist_preprocess_file(file);
    std::vector<double> x(seen.begin(), seen.end());
    expected[name] = net.predict(x.data());
  }
  std::ofstream(dir / "digits" / "notes.txt") << "not an image\n";
  std::ofstream(dir / "digits" / "empty.jpg");
  std::ofstream(dir / "digits" / "more" / "broken.png") << "\x89PNG\r\n\x1a\n garbage";
  const auto out = dir / "out.json";
  const int code = run(std::string(NNDL_PREDICT_TOOL) + " --quiet --json --model '" + (dir / "model.json").string() +
                       "' '" + (dir / "digits").string() + "' > '" + out.string() + "' 2>/dev/null");
  CHECK(code == 1);  // some files failed, the others were classified
  const auto j = nlohmann::json::parse(slurp(out));
  REQUIRE(j["results"].size() == 6);
  REQUIRE(j["errors"].size() == 3);
  for (const auto& r : j["results"]) {
    const std::string name = std::filesystem::path(r["file"].get<std::string>()).filename();
    INFO(name << ": " << r.dump());
    CHECK(r["digit"].get<std::size_t>() == expected.at(name));
  }
  const std::string errors = j["errors"].dump();
  CHECK_THAT(errors, Catch::Contains("notes.txt") && Catch::Contains("empty.jpg") && Catch::Contains("broken.png"));

  // all good: exit 0
  CHECK(run(std::string(NNDL_PREDICT_TOOL) + " --quiet --model '" + (dir / "model.json").string() + "' '" +
            (dir / "digits" / "d0.png").string() + "' > /dev/null 2>&1") == 0);
  // any architecture a program of the user's saved: [784, 50, 10] classifies too
  nndl::network<double, nndl::input<784>, nndl::dense<50, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                nndl::cross_entropy_cost>
      other{1};
  nndl::save_json(other, dir / "other.json");
  CHECK(run(std::string(NNDL_PREDICT_TOOL) + " --quiet --model '" + (dir / "other.json").string() + "' '" +
            (dir / "digits" / "d0.png").string() + "' > /dev/null 2>&1") == 0);
  // a model that does not take 28 x 28 images: refused, its input named, exit 2
  nndl::network<double, nndl::input<100>, nndl::dense<10, nndl::sigmoid>, nndl::cross_entropy_cost> small{1};
  nndl::save_json(small, dir / "small.json");
  const auto err = dir / "err.txt";
  CHECK(run(std::string(NNDL_PREDICT_TOOL) + " --model '" + (dir / "small.json").string() + "' '" +
            (dir / "digits").string() + "' > /dev/null 2> '" + err.string() + "'") == 2);
  CHECK_THAT(slurp(err), Catch::Contains("small.json") && Catch::Contains("takes 100 inputs"));
}

TEST_CASE("nndl-predict refuses a deeply nested model file with a message, not a crash", "[predict][tool][hostile]") {
  test_support::temp_dir dir("predict-deep");
  const auto model = dir / "deep.json";
  std::ofstream(model) << "{\"sizes\": " << std::string(100000, '[') << std::string(100000, ']')
                       << ", \"cost\": \"QuadraticCost\"}";
  std::ofstream(dir / "x.png") << "not read";
  const int code = run(std::string(NNDL_PREDICT_TOOL) + " --quiet --model '" + model.string() + "' '" +
                       (dir / "x.png").string() + "' 2> '" + (dir / "err.txt").string() + "'");
  CHECK(code == 2);
  CHECK_THAT(slurp(dir / "err.txt"),
             Catch::Contains(model.string()) && Catch::Contains("nested more than 64 levels deep"));
}
