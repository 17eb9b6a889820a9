// Learning on real MNIST: a [784, 30, 10] sigmoid network with cross-entropy and the default
// initialisation (chapter 3) reaches 90% on the test set after 2 epochs on the first 10,000
// training images (measured: 91.7-92.0% over seeds; the chapter-1 quadratic/large-weight network
// starts too slowly for so short a run: 79%). The data is found as the programs find it (with nothing
// set, the repository's copy); data found but unreadable is a failure, and only when no MNIST is
// found anywhere does the test say loudly that it did not run.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nndl/data/mnist.hpp>
#include <nndl/network.hpp>

#include <cstdlib>

namespace {
template <class T>
void learns() {
  const auto mnist = test_support::mnist_dir_or_warn("learning on real MNIST");
  if (!mnist) return;
  const char* env = mnist->c_str();
  INFO("MNIST folder: " << env);
  const auto data = nndl::load_mnist<T>(env);  // throws (and so fails) when the data is unreadable
  const auto train = data.training.slice(0, 10000);
  nndl::network<T, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                nndl::cross_entropy_cost, nndl::default_weight_init>
      net{1};
  const std::size_t before = net.evaluate(data.test);
  const auto h = nndl::sgd(net, train, {.epochs = 2, .mini_batch = 10, .eta = 0.5, .seed = 1, .verbose = false},
                           nndl::evaluate_on(data.test));
  const std::size_t after = *h.epochs.back().evaluation_correct;
  INFO("test accuracy before: " << before << " / 10000, after 2 epochs: " << after << " / 10000");
  CHECK(before < 2000);  // an untrained network is near chance
  CHECK(after >= 9000);
  CHECK(net.evaluate(data.validation) >= 9000);
}
}  // namespace

TEST_CASE("a [784, 30, 10] network learns real MNIST (double)", "[learning][mnist]") { learns<double>(); }
TEST_CASE("a [784, 30, 10] network learns real MNIST (float)", "[learning][mnist]") { learns<float>(); }
