// Chapter 1: the book's network.py on MNIST. Sigmoid neurons, quadratic cost, weights and biases
// from N(0, 1), plain mini-batch SGD; the test accuracy is printed after every epoch.
//   ch1_network                 # [784, 30, 10], eta 3.0, 30 epochs, mini-batch 10 (book: 95.42%)
//   ch1_network --hidden 100    # [784, 100, 10] (book: 96.59%)
//   ch1_network --runs 3        # the book's procedure: the best of three runs
#include "common.hpp"

namespace {

template <std::size_t Hidden>
using ch1_net = nndl::network<double, nndl::input<784>, nndl::dense<Hidden, nndl::sigmoid>,
                              nndl::dense<10, nndl::sigmoid>, nndl::quadratic_cost, nndl::large_weight_init>;

template <std::size_t Hidden>
int run(const examples::common_flags& f, std::size_t runs) {
  const auto data = examples::load_data<double>(f);
  std::cout << nndl::describe(ch1_net<Hidden>{f.seed});
  std::optional<nndl::epoch_record> best;
  std::uint64_t best_seed = f.seed;
  for (std::size_t run = 0; run < runs; ++run) {
    const std::uint64_t seed = f.seed + run;
    ch1_net<Hidden> net{seed};
    std::printf("SGD: %zu epochs, mini-batch %zu, eta %g, seed %llu%s\n", f.epochs, f.mini_batch, f.eta,
                static_cast<unsigned long long>(seed),
                runs > 1 ? (" (run " + std::to_string(run + 1) + " of " + std::to_string(runs) + ")").c_str() : "");
    const nndl::sgd_options opts{
        .epochs = f.epochs, .mini_batch = f.mini_batch, .eta = f.eta, .seed = seed, .workers = f.workers};
    std::optional<nndl::csv_metrics> csv;
    if (!f.metrics.empty()) csv.emplace(examples::numbered(f.metrics, run, runs));
    const auto h = nndl::sgd(net, data.training, opts, nndl::evaluate_on(data.test), csv, examples::progress_bar(f));
    if (csv) std::cout << "Per-epoch figures: " << csv->path.string() << '\n';
    examples::print_curve(h);
    examples::print_summary(h);
    const auto b = h.best_evaluation();
    if (b && (!best || *b->evaluation_accuracy() > *best->evaluation_accuracy())) best = b, best_seed = seed;
  }
  if (runs > 1 && best)
    std::printf("Best of %zu runs: %zu / %zu (%.2f%%), seed %llu, epoch %zu\n", runs, *best->evaluation_correct,
                *best->evaluation_total, 100.0 * *best->evaluation_accuracy(),
                static_cast<unsigned long long>(best_seed), best->epoch);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 1: network.py on MNIST (sigmoid, quadratic cost, N(0,1) weights, SGD)"};
  examples::common_flags f;
  std::size_t hidden = 30, runs = 1;
  examples::add_common_flags(app, f);
  app.add_option("--hidden", hidden, "Hidden neurons: 30 or 100 (compile-time sizes)")->capture_default_str();
  app.add_option("--runs", runs, "Independent runs with seeds seed, seed+1, ...; the book reports the best of three")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  examples::setup_blas(f);
  try {
    return nndl::choose_value<std::size_t{30}, std::size_t{100}>(hidden, "--hidden", [&](auto h) { return run<h()>(f, runs); });
  } catch (const std::invalid_argument& e) {
    std::cerr << "ch1_network: " << e.what() << " (layer sizes are compile-time: add one in examples/ch1_network.cpp)\n";
    return 2;
  }
}
