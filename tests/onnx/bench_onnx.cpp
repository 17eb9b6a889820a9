// onnx_bench MODEL [--data DIR] [--repeat R]: nndl's side of tests/onnx/bench_ort.sh. Reads MODEL (.onnx,
// .npz or .json) with nndl::load_model, the run-time model nndl-predict, nndl-evaluate and nndl-serve use,
// and times its forward pass on the 10,000 MNIST test images at batch 1 and at batch 100 (one thread:
// run it with OPENBLAS_NUM_THREADS=1), R times each (default 5) after a warm-up, printing each run and
// the median:
//   onnx_bench: relu.onnx: read in 2.1 ms (1234567 bytes); 9876 / 10000
//   onnx_bench: relu.onnx: batch 1: 12345 images/s (median of 5: 12001 .. 12502)
// The images are decoded before the clock starts (preprocessing image files is not timed; nndl-predict
// would add it). Exit status: 0 done, 1 a failure (said on stderr), 2 a bad command line.
#include <nndl/data/mnist.hpp>
#include <nndl/io/formats.hpp>
#include <nndl/io/model_file.hpp>
#include <nndl/io/onnx.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

template <class T>
int run(const nndl::model& m, const std::string& name, const std::filesystem::path& dir, int repeat) {
  const auto test = nndl::load_mnist<T>(dir).test;
  const std::size_t n = test.size(), in = m.input_size(), classes = m.output_size();
  // The count, as a check that the model read is the model timed.
  const auto all = m.predict(test.row(0), n);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) correct += all[i] == test.labels[i];
  std::printf("onnx_bench: %s: %zu / %zu, %zu inputs -> %zu outputs, %s\n", name.c_str(), correct, n, in, classes,
              m.is_float() ? "float32" : "float64");
  for (const std::size_t batch : {std::size_t{1}, std::size_t{100}}) {
    auto pass = [&](std::size_t images) {
      for (std::size_t i = 0; i + batch <= images; i += batch) (void)m.outputs(test.row(i), batch);
    };
    pass(200);  // warm-up
    std::vector<double> rates;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = clock_type::now();
      pass(n);
      const double s = std::chrono::duration<double>(clock_type::now() - t0).count();
      rates.push_back(double(n / batch * batch) / s);
    }
    std::vector<double> sorted = rates;
    std::sort(sorted.begin(), sorted.end());
    std::printf("onnx_bench: %s: batch %zu: %.0f images/s (median of %d runs over %zu images: %.0f .. %.0f)\n",
                name.c_str(), batch, sorted[sorted.size() / 2], repeat, n, sorted.front(), sorted.back());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, data;
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--data" && i + 1 < argc)
      data = argv[++i];
    else if (a == "--repeat" && i + 1 < argc)
      repeat = std::atoi(argv[++i]);
    else if (!a.empty() && a[0] != '-' && file.empty())
      file = a;
    else {
      std::fprintf(stderr, "usage: onnx_bench MODEL [--data DIR] [--repeat R]\n");
      return 2;
    }
  }
  if (file.empty() || repeat < 1 || repeat > 100) {
    std::fprintf(stderr, "usage: onnx_bench MODEL [--data DIR] [--repeat R (1 to 100)]\n");
    return 2;
  }
  try {
    const auto t0 = clock_type::now();
    const nndl::model m = nndl::load_model(file);
    const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    const std::string name = std::filesystem::path(file).filename().string();
    std::printf("onnx_bench: %s: read in %.1f ms (%ju bytes): %s\n", name.c_str(), ms,
                std::uintmax_t(std::filesystem::file_size(file)), nndl::layers_string(m.architecture()).c_str());
    const auto dir = nndl::find_data_dir(data.empty() ? std::nullopt : std::optional<std::filesystem::path>(data));
    return m.is_float() ? run<float>(m, name, dir, repeat) : run<double>(m, name, dir, repeat);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx_bench: %s\n", e.what());
    return 1;
  }
}
