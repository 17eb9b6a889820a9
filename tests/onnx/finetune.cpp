// onnx_finetune CNN.onnx [OUT.onnx]: a network trained in PyTorch goes on training in nndl. Reads
// tests/onnx/torch_models.py's CNN (conv 6@5x5 relu, max-pool 2, conv 12@3x3 tanh, max-pool 2, dense
// 50 sigmoid, dense 10 log-softmax) into the typed network of the same layout (the LogSoftmax output
// reads into a softmax layer, trained with log-likelihood: PyTorch's NLLLoss objective), checks that
// layouts which differ are refused naming the first layer that differs, then trains one epoch of the
// book's SGD on the 50,000 training images and prints
//   before: N / 10000
//   after: M / 10000
// (the test, tests/onnx/onnx.cmake, checks M >= N and N against PyTorch's count). With OUT.onnx, the
// trained network is saved there (save_onnx) for ONNX Runtime to score. MNIST is found as the programs
// find it (NNDL_DATA, ...). Exit status: 0 done, 1 a failure (said on stderr), 2 a bad command line.
#include <nndl/data/mnist.hpp>
#include <nndl/io/onnx.hpp>
#include <nndl/network.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

namespace {

using namespace nndl;
using T = float;

using torch_cnn = network<T, input<1, 28, 28>, conv<6, 5, relu>, max_pool<2>, conv<12, 3, nndl::tanh>, max_pool<2>,
                          dense<50, sigmoid>, dense<10, softmax>, log_likelihood_cost>;
// The same but for one layer each: the load must refuse them and name that layer.
using wrong_activation = network<T, input<1, 28, 28>, conv<6, 5, relu>, max_pool<2>, conv<12, 3, sigmoid>, max_pool<2>,
                                 dense<50, sigmoid>, dense<10, softmax>, log_likelihood_cost>;
using wrong_width = network<T, input<1, 28, 28>, conv<6, 5, relu>, max_pool<2>, conv<12, 3, nndl::tanh>, max_pool<2>,
                            dense<60, sigmoid>, dense<10, softmax>, log_likelihood_cost>;

/// Loading `file` into Net must throw a model_error that names `layer`; false (said why) otherwise.
template <class Net>
bool refused(const std::string& file, const std::string& layer) {
  Net net{1};
  try {
    load_onnx_into(net, file);
  } catch (const model_error& e) {
    const std::string what = e.what();
    std::printf("refused as it should be: %s\n", what.c_str());
    if (what.find(layer) != std::string::npos && what.find(file) != std::string::npos) return true;
    std::fprintf(stderr, "onnx_finetune: the refusal does not name %s and the file\n", layer.c_str());
    return false;
  }
  std::fprintf(stderr, "onnx_finetune: %s was read into a network whose %s differs\n", file.c_str(), layer.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: onnx_finetune CNN.onnx [OUT.onnx]\n");
    return 2;
  }
  const std::string file = argv[1];
  try {
    if (!refused<wrong_activation>(file, "layer 3") || !refused<wrong_width>(file, "layer 5")) return 1;
    const auto data = load_mnist<T>(find_data_dir());
    torch_cnn net{1};
    const auto t0 = std::chrono::steady_clock::now();
    load_onnx_into(net, file);
    const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("loaded %s into the typed network in %.1f ms\n", file.c_str(), load_ms);
    const std::size_t before = net.evaluate(data.test);
    std::printf("before: %zu / %zu\n", before, data.test.size());
    std::fflush(stdout);
    const auto h = sgd(net, data.training, {.epochs = 1, .mini_batch = 10, .eta = 0.02, .verbose = false});
    const std::size_t after = net.evaluate(data.test);
    std::printf("after: %zu / %zu (one epoch of SGD, mini-batch 10, eta 0.02, %zu images, %.1f s)\n", after,
                data.test.size(), data.training.size(), h.train_seconds);
    if (argc == 3) {
      save_onnx(net, argv[2], {{"program", "onnx_finetune"}, {"from", file}, {"test_correct", after}});
      std::printf("saved %s\n", argv[2]);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx_finetune: %s\n", e.what());
    return 1;
  }
}
