// Chapter 1: the book's network.py on MNIST. Sigmoid neurons, quadratic cost, weights and biases
// from N(0, 1), plain mini-batch SGD; the test accuracy is printed after every epoch.
//   ch1_network                 # [784, 30, 10], eta 3.0, 30 epochs, mini-batch 10 (book: 95.42%)
//   ch1_network --hidden 100    # [784, 100, 10] (book: 96.59%)
#include "common.hpp"

namespace {

template <std::size_t Hidden>
using ch1_net = nndl::network<double, nndl::input<784>, nndl::dense<Hidden, nndl::sigmoid>,
                              nndl::dense<10, nndl::sigmoid>, nndl::quadratic_cost, nndl::large_weight_init>;

template <std::size_t Hidden>
int run(const examples::common_flags& f) {
  const auto data = examples::load_data<double>(f);
  ch1_net<Hidden> net{f.seed};
  std::cout << nndl::describe(net);
  std::printf("SGD: %zu epochs, mini-batch %zu, eta %g, seed %llu\n", f.epochs, f.mini_batch, f.eta,
              static_cast<unsigned long long>(f.seed));
  const nndl::sgd_options opts{.epochs = f.epochs, .mini_batch = f.mini_batch, .eta = f.eta, .seed = f.seed};
  nndl::train_history h;
  if (f.metrics.empty()) {
    h = nndl::sgd(net, data.training, opts, nndl::evaluate_on(data.test));
  } else {
    h = nndl::sgd(net, data.training, opts, nndl::evaluate_on(data.test), nndl::csv_metrics(f.metrics));
    std::cout << "Per-epoch figures: " << f.metrics << '\n';
  }
  examples::print_curve(h);
  examples::print_summary(h);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 1: network.py on MNIST (sigmoid, quadratic cost, N(0,1) weights, SGD)"};
  examples::common_flags f;
  std::size_t hidden = 30;
  examples::add_common_flags(app, f);
  app.add_option("--hidden", hidden, "Hidden neurons: 30 or 100 (compile-time sizes)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  examples::setup_blas(argv, f);
  switch (hidden) {
    case 30: return run<30>(f);
    case 100: return run<100>(f);
    default:
      std::cerr << "ch1_network: --hidden " << hidden
                << " is not built in; layer sizes are compile-time, and this program offers 30 and 100.\n"
                   "Add a case to examples/ch1_network.cpp for another size.\n";
      return 2;
  }
}
