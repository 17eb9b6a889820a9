// Chapter 1: the book's network.py on MNIST. Sigmoid neurons, quadratic cost, weights and biases
// from N(0, 1), plain mini-batch SGD; the test accuracy is printed after every epoch.
//   ch1_network                 # [784, 30, 10], eta 3.0, 30 epochs, mini-batch 10 (book: 95.42%)
//   ch1_network --hidden 100    # [784, 100, 10] (book: 96.59%)
//   ch1_network --runs 3        # the book's procedure: the best of three runs
//   ch1_network --plot ch1.png  # the learning curve as a picture (gnuplot)
//   ch1_network --save ch1.npz  # then: nndl-evaluate --model ch1.npz, nndl-predict --model ch1.npz digit.png
//   mpirun -np 2 ch1_network --data-parallel   # one network, each mini-batch split over two processes
#include "common.hpp"
#include "data_parallel.hpp"
#include "session.hpp"

#include <nndl/io/plot.hpp>

namespace {

template <std::size_t Hidden>
using ch1_net = nndl::network<double, nndl::input<784>, nndl::dense<Hidden, nndl::sigmoid>,
                              nndl::dense<10, nndl::sigmoid>, nndl::quadratic_cost, nndl::large_weight_init>;

template <std::size_t Hidden>
int run(const examples::common_flags& f, std::size_t runs, const std::string& plot, std::size_t train_size,
        nndl::process_group* group) {
  using Net = ch1_net<Hidden>;
  if (!f.save.empty()) examples::check_writable(f.save);
  if (!plot.empty()) nndl::plot::beside(plot);  // a bad name is refused before training
  auto data = examples::load_data<double>(f);
  if (train_size > data.training.size())
    throw std::invalid_argument("--train-size " + std::to_string(train_size) + ": the training data has only " +
                                std::to_string(data.training.size()) + " images");
  if (train_size) data.training = data.training.slice(0, train_size);
  std::cout << nndl::describe(Net{f.seed});
  if (f.epochs == 0) {  // evaluate a saved network (or the seed's weights)
    Net net{f.seed};
    if (!f.load.empty()) examples::load_into(net, f.load);
    std::cout << examples::accuracy_line("Test", net.evaluate(data.test), data.test.size()) << '\n';
    return examples::done;
  }
  const auto* stop = examples::stop_on_signals();
  std::optional<nndl::epoch_record> best;
  std::uint64_t best_seed = f.seed;
  Net best_net{f.seed};
  nndl::train_history best_history;
  for (std::size_t run = 0; run < runs; ++run) {
    const std::uint64_t seed = f.seed + run;
    Net net{seed};
    if (!f.load.empty()) examples::load_into(net, f.load);
    std::printf("SGD: %zu epochs, mini-batch %zu, eta %g, seed %llu%s\n", f.epochs, f.mini_batch, f.eta,
                static_cast<unsigned long long>(seed),
                runs > 1 ? (" (run " + std::to_string(run + 1) + " of " + std::to_string(runs) + ")").c_str() : "");
    nndl::sgd_options opts{.epochs = f.epochs,
                           .mini_batch = f.mini_batch,
                           .eta = f.eta,
                           .seed = seed,
                           .workers = f.workers,
                           .stop = stop,
                           .data_parallel = group};
    nndl::sgd_optimizer plain;
    examples::run_checkpoint<Net, nndl::sgd_optimizer> ckpt{
        f.checkpoint.empty()
            ? ""
            : f.checkpoint + "/ch1-hidden" + std::to_string(Hidden) + "-seed" + std::to_string(seed) + ".ckpt.npz",
        {{"program", "ch1_network"},
         {"hidden", Hidden},
         {"seed", seed},
         {"eta", f.eta},
         {"mini_batch", f.mini_batch},
         {"load", f.load}},
        &plain};
    ckpt.resume(net, opts);
    std::optional<nndl::csv_metrics> csv;
    if (!f.metrics.empty()) csv.emplace(examples::numbered(f.metrics, run, runs)), csv->resume(opts.first_epoch);
    const auto prov = examples::provenance("ch1_network", f.command, opts, data.training.name);
    auto h = examples::saving_if_diverged(net, f.save_diverged ? f.save : "", prov, [&] {
      return nndl::train(net, data.training, plain, opts, nndl::evaluate_on(data.test),
                         f.checkpoint.empty() ? nullptr : &ckpt, csv, examples::progress_bar(f));
    });
    if (h.interrupted) return examples::after_interruption("ch1_network", net, ckpt, h);
    h = ckpt.whole(std::move(h));
    if (csv) std::cout << "Per-epoch figures: " << csv->path.string() << '\n';
    examples::print_curve(h);
    examples::print_summary(h);
    const auto b = h.best_evaluation();
    if (b && (!best || *b->evaluation_accuracy() > *best->evaluation_accuracy()))
      best = b, best_seed = seed, best_net = net, best_history = h;
  }
  if (runs > 1 && best)
    std::printf("Best of %zu runs: %zu / %zu (%.2f%%), seed %llu, epoch %zu\n", runs, *best->evaluation_correct,
                *best->evaluation_total, 100.0 * *best->evaluation_accuracy(),
                static_cast<unsigned long long>(best_seed), best->epoch);
  if (!f.save.empty()) {
    const std::size_t final_test = best_net.evaluate(data.test);
    examples::save_as(
        best_net, f.save,
        examples::provenance(
            "ch1_network", f.command, {.epochs = f.epochs, .mini_batch = f.mini_batch, .eta = f.eta, .seed = best_seed},
            data.training.name,
            {{"saved", "last epoch"}, {"test_correct", final_test}, {"test_total", data.test.size()}}));
    std::printf("Saved the network after its last epoch (%s): %s\n",
                examples::accuracy_line("test", final_test, data.test.size()).c_str(), f.save.c_str());
  }
  if (!plot.empty()) {
    nndl::plot_history(best_history, plot,
                       {.title = "ch1_network: [784, " + std::to_string(Hidden) + ", 10], eta " +
                                 nndl::plot::number(f.eta) + (runs > 1 ? ", best of runs" : "")});
    std::cout << "Plot: " << plot << '\n';
  }
  return examples::done;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"Chapter 1: network.py on MNIST (sigmoid, quadratic cost, N(0,1) weights, SGD)"};
  examples::common_flags f;
  std::size_t hidden = 30, runs = 1, train_size = 0;
  std::string plot;
  examples::add_common_flags(app, f);
  examples::add_model_flags(app, f, argc, argv);
  app.add_option("--hidden", hidden, "Hidden neurons: 30 or 100 (compile-time sizes)")->capture_default_str();
  app.add_option("--runs", runs,
                 "Independent runs with seeds seed, seed+1, ...; the book reports the best of three "
                 "(--save keeps the best run)")
      ->capture_default_str()
      ->check(cli::positive_number);
  app.add_option("--train-size", train_size, "Train on the first N training images (default: 0, all 50,000)");
  app.add_option("--plot", plot, "Write the learning curve as a PNG (gnuplot), its figures and script beside it");
  bool data_parallel = false;
  examples::add_data_parallel_flag(app, data_parallel);
  NNDL_PARSE(app, argc, argv);
  examples::data_parallel dp;
  if (const int s = dp.start(data_parallel, "ch1_network", f)) return s;
  if (examples::follower) plot.clear();
  examples::setup_blas(f);
  const int status = examples::guarded("ch1_network", [&] {
    return nndl::choose_value<std::size_t{30}, std::size_t{100}>(
        hidden, "--hidden", [&](auto h) { return run<h()>(f, runs, plot, train_size, dp.group()); });
  });
  dp.print_communication();
  return dp.finish(status);
}
