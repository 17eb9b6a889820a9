// serve_test_models FOLDER: writes conv.npz, a small convolutional network (conv 20@5x5 relu,
// max-pool 2x2, dense 10 softmax) trained for one epoch on the first 5,000 MNIST training images
// (about 90% on the test set), for nndl-serve's tests: ch6_convnet's epochs of 50,000 images would
// make the tests several times longer. MNIST is found as the programs find it.
#include <nndl/data/mnist.hpp>
#include <nndl/io/model_file.hpp>
#include <nndl/network.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: serve_test_models FOLDER\n");
    return 2;
  }
  try {
    using namespace nndl;
    using conv20 =
        network<float, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, dense<10, softmax>, log_likelihood_cost>;
    const auto data = load_mnist<float>(find_data_dir());
    conv20 net{1};
    const auto h = sgd(net, data.training.slice(0, 5000),
                       {.epochs = 1, .mini_batch = 10, .eta = 0.05, .verbose = false}, evaluate_on(data.test));
    const std::size_t correct = *h.epochs.back().evaluation_correct;
    const auto file = std::filesystem::path(argv[1]) / "conv.npz";
    save_model(net, file,
               {{"program", "serve_test_models"}, {"epochs", 1}, {"training_images", 5000}, {"test_correct", correct}});
    std::printf("serve_test_models: %s (test accuracy %zu / 10000)\n", file.c_str(), correct);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_test_models: %s\n", e.what());
    return 1;
  }
}
