// A run-time model (nndl::load_model: its structure read from the file) against the typed network it
// was saved from: evaluating 10,000 images (generated pixels), one thread. The bound: the
// model within 1.2x of the typed network. Networks: chapter 1's [784, 30, 10], the
// [784, 256, 64, 10] MLP, chapter 6's ReLU conv20 + conv40 + FC100 (float).
#include "bench_data.hpp"
#include "bench_main.hpp"

#include <nndl/io/model_file.hpp>
#include <nndl/io/model_load.hpp>
#include <nndl/network.hpp>

#include <filesystem>
#include <unistd.h>

namespace {
using namespace nndl;
using ch1 = network<double, input<784>, dense<30, sigmoid>, dense<10, sigmoid>, quadratic_cost, large_weight_init>;
using mlp =
    network<double, input<784>, dense<256, relu>, dense<64, relu>, dense<10, softmax>, log_likelihood_cost, he_init>;
using relu_net = network<float, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<2>,
                         dense<100, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;

template <class Net>
void typed(benchmark::State& s) {
  const Net net{1};
  const auto d = nndl_bench::generated_images<typename Net::scalar>(10000);
  for (auto _ : s) benchmark::DoNotOptimize(net.evaluate(d));
  s.SetItemsProcessed(std::int64_t(s.iterations()) * 10000);
}

template <class Net>
void runtime(benchmark::State& s) {
  const Net net{1};
  const auto file = std::filesystem::temp_directory_path() / ("bench_model-" + std::to_string(::getpid()) + ".npz");
  save_model(net, file, {{"program", "bench_model"}});
  const model m = load_model(file);
  std::filesystem::remove(file);
  const auto d = nndl_bench::generated_images<typename Net::scalar>(10000);
  if (m.evaluate(d) != net.evaluate(d)) s.SkipWithError("the model and the network disagree");
  for (auto _ : s) benchmark::DoNotOptimize(m.evaluate(d));
  s.SetItemsProcessed(std::int64_t(s.iterations()) * 10000);
}
}  // namespace

BENCHMARK(typed<ch1>)->Name("evaluate/typed/ch1")->Unit(benchmark::kMillisecond);
BENCHMARK(runtime<ch1>)->Name("evaluate/model/ch1")->Unit(benchmark::kMillisecond);
BENCHMARK(typed<mlp>)->Name("evaluate/typed/mlp")->Unit(benchmark::kMillisecond);
BENCHMARK(runtime<mlp>)->Name("evaluate/model/mlp")->Unit(benchmark::kMillisecond);
BENCHMARK(typed<relu_net>)->Name("evaluate/typed/ch6_relu")->Unit(benchmark::kMillisecond);
BENCHMARK(runtime<relu_net>)->Name("evaluate/model/ch6_relu")->Unit(benchmark::kMillisecond);

NNDL_BENCHMARK_MAIN()
