// Chapter 3: network2.py on MNIST. Cross-entropy or quadratic cost (or log-likelihood with a
// softmax output), L2 or L1 regularisation, default or large weight initialisation, the four
// monitors, early stopping, the halving learning-rate schedule, momentum, dropout, model files in
// network2.py's JSON format and plots of the learning curves.
//   ch3_network2 --preset ce30          # the book's runs, see --help for the list
//   ch3_network2 --cost cross-entropy --lambda 5 --eta 0.1 --epochs 30 --monitor all --plot ch3.png
#include "common.hpp"
#include "optimizer_choice.hpp"
#include "data_parallel.hpp"
#include "session.hpp"

#include <nndl/io/network2_json.hpp>
#include <nndl/io/plot.hpp>

#include <map>

namespace {

struct options {
  examples::common_flags common;
  std::string cost = "cross-entropy", init = "default", evaluate = "test", monitor = "eval-acc";
  std::string plot, preset, optimizer = "sgd";
  double lambda = 0, momentum = 0;
  std::size_t hidden = 30, train_size = 50000, early_stop = 0, schedule_patience = 10, runs = 1;
  bool schedule = false, dropout = false;
  bool data_parallel = false;  // --data-parallel (data_parallel.hpp)
  nndl::process_group* group = nullptr;
};

/// The book's chapter-3 experiments (its figures beside ours: docs/results.md, chapter 3).
struct preset {
  const char* what;
  std::size_t hidden, train_size, epochs;
  double eta, lambda;
  const char* init;
  const char* evaluate;
  const char* monitor;
  double book;
};
const std::map<std::string, preset> presets{
    {"ce30", {"cross-entropy [784,30,10]", 30, 50000, 30, 0.5, 0, "large", "test", "eval-acc", 95.49}},
    {"ce100", {"cross-entropy [784,100,10]", 100, 50000, 30, 0.5, 0, "large", "test", "eval-acc", 96.82}},
    {"overfit", {"overfitting: 1,000 images, 400 epochs", 30, 1000, 400, 0.5, 0, "large", "test", "all", 82.27}},
    {"l2-small", {"L2 lambda=0.1 on 1,000 images, 400 epochs", 30, 1000, 400, 0.5, 0.1, "large", "test", "all", 87.1}},
    {"l2-full", {"L2 lambda=5.0 on 50,000 images", 30, 50000, 30, 0.5, 5.0, "large", "test", "all", 96.49}},
    {"l2-100",
     {"[784,100,10] lambda=5.0 eta=0.1, 60 epochs (validation)", 100, 50000, 60, 0.1, 5.0, "large", "validation",
      "eval-acc", 98.04}},
    {"init-default",
     {"default init, lambda=5.0 eta=0.1 (validation; book: 92.70 after epoch 1)", 30, 50000, 30, 0.1, 5.0, "default",
      "validation", "eval-acc", 96.50}},
    {"init-large",
     {"large init, lambda=5.0 eta=0.1 (validation; book: 86.43 after epoch 1)", 30, 50000, 30, 0.1, 5.0, "large",
      "validation", "eval-acc", 96.37}},
};

/// One training run with the given seed; returns its history (nothing when it was interrupted),
/// leaves the trained network in `net`.
template <class Net>
std::optional<nndl::train_history> train_once(Net& net, const options& o, const nndl::mnist_data<double>& data,
                                              const nndl::dataset<double>& training, std::uint64_t seed,
                                              std::size_t run) {
  const auto& evaluation = o.evaluate == "validation" ? data.validation : data.test;
  net.initialize(seed);
  if (o.init == "large") net.template initialize<nndl::large_weight_init>(seed);
  if (!o.common.load.empty()) {
    examples::load_into(net, o.common.load);
    std::cout << "Loaded " << o.common.load << '\n';
  }
  std::cout << nndl::describe(net);
  std::printf("%s: %zu epochs, mini-batch %zu, eta %g, lambda %g, momentum %g, %s init, %zu training images, "
              "evaluated on %s data, seed %llu%s\n",
              o.optimizer == "adam" ? "Adam" : "SGD", o.common.epochs, o.common.mini_batch, o.common.eta, o.lambda,
              o.momentum, o.init.c_str(), training.size(), o.evaluate.c_str(), static_cast<unsigned long long>(seed),
              o.runs > 1 ? (" (run " + std::to_string(run + 1) + " of " + std::to_string(o.runs) + ")").c_str() : "");

  const bool all = o.monitor == "all";
  auto has = [&](const char* m) { return all || o.monitor.find(m) != std::string::npos; };
  std::optional<nndl::monitor_training<double>> train;
  if (has("train-acc") || has("train-cost")) {
    train.emplace(training, o.lambda);
    train->accuracy = has("train-acc");
    train->cost = has("train-cost");
  }
  std::optional<nndl::early_stopping> early;
  if (o.early_stop > 0) early = nndl::early_stopping{.patience = o.early_stop};
  std::optional<nndl::eta_schedule> schedule;
  if (o.schedule) schedule = nndl::eta_schedule{.patience = o.schedule_patience};
  examples::optimizer_choice opt(o.optimizer, o.momentum);
  nndl::train_options to{.epochs = o.common.epochs,
                         .mini_batch = o.common.mini_batch,
                         .eta = o.common.eta,
                         .lambda = o.lambda,
                         .seed = seed,
                         .workers = o.common.workers,
                         .stop = examples::stop_on_signals(),
                         .data_parallel = o.group};
  examples::run_checkpoint<Net, examples::optimizer_choice> ckpt{
      o.common.checkpoint.empty() ? ""
                                  : o.common.checkpoint + "/ch3-" + (o.preset.empty() ? "run" : o.preset) + "-seed" +
                                        std::to_string(seed) + ".ckpt.npz",
      {{"program", "ch3_network2"},
       {"architecture", nndl::architecture(net)},
       {"seed", seed},
       {"lambda", o.lambda},
       {"mini_batch", o.common.mini_batch},
       {"train_size", training.size()},
       {"optimizer", o.optimizer},
       {"momentum", o.momentum},
       {"init", o.init},
       {"load", o.common.load},
       {"early_stop", o.early_stop},
       {"schedule", o.schedule}},
      &opt};
  if (ckpt.resume(net, to)) {  // the patience counters go on where they were
    const auto* state = &ckpt.extra;
    if (early)
      early->counter.best = state->value("early_best", -1.0),
      early->counter.since_best = state->value("early_since", 0);
    if (schedule)
      schedule->counter.best = state->value("schedule_best", -1.0),
      schedule->counter.since_best = state->value("schedule_since", 0),
      schedule->first_eta = state->value("first_eta", 0.0);
  }
  struct counters_into_checkpoint {  // before the checkpoint callback saves them
    decltype(ckpt)* c;
    const std::optional<nndl::early_stopping>* early;
    const std::optional<nndl::eta_schedule>* schedule;
    bool on_epoch_end(const Net&, const nndl::epoch_record&) const {
      if (*early)
        c->extra["early_best"] = (*early)->counter.best, c->extra["early_since"] = (*early)->counter.since_best;
      if (*schedule)
        c->extra["schedule_best"] = (*schedule)->counter.best,
        c->extra["schedule_since"] = (*schedule)->counter.since_best, c->extra["first_eta"] = (*schedule)->first_eta;
      return false;
    }
  } counters{&ckpt, &early, &schedule};
  std::optional<nndl::csv_metrics> csv;
  if (!o.common.metrics.empty())
    csv.emplace(examples::numbered(o.common.metrics, run, o.runs)), csv->resume(to.first_epoch);
  const bool checkpoints = !o.common.checkpoint.empty();
  auto h = examples::saving_if_diverged(
      net, o.common.save_diverged ? o.common.save : "",
      examples::provenance("ch3_network2", o.common.command, to, training.name), [&] {
        return nndl::train(net, training, opt, to, nndl::evaluate_on(evaluation, has("eval-cost"), o.lambda), train,
                           early, schedule, csv, checkpoints ? &counters : nullptr, checkpoints ? &ckpt : nullptr,
                           examples::progress_bar(o.common, o.evaluate));
      });
  if (h.interrupted) {
    examples::after_interruption("ch3_network2", net, ckpt, h);
    return std::nullopt;
  }
  h = ckpt.whole(std::move(h));
  if (!h.stop_reason.empty()) std::cout << "Stopped: " << h.stop_reason << '\n';
  examples::print_summary(h, o.evaluate);
  if (const auto first = h.epochs.empty() ? std::nullopt : h.epochs.front().evaluation_accuracy())
    std::printf("After epoch 0: %.2f%% on %s data\n", 100 * *first, o.evaluate.c_str());
  double best_train = 0;
  for (const auto& e : h.epochs)
    if (auto a = e.training_accuracy()) best_train = std::max(best_train, *a);
  if (best_train > 0) std::printf("Best training accuracy: %.2f%%\n", 100 * best_train);
  if (!o.common.metrics.empty())
    std::cout << "Per-epoch figures: " << examples::numbered(o.common.metrics, run, o.runs) << '\n';
  return h;
}

template <class Net>
int run(const options& o) {
  if (!o.common.save.empty()) examples::check_writable(o.common.save);
  const auto data = examples::load_data<double>(o.common);
  const auto training = o.train_size < data.training.size() ? data.training.slice(0, o.train_size) : data.training;
  Net net{o.common.seed}, best_net = net;
  if (o.common.epochs == 0) {  // evaluate a saved network (or the seed's weights)
    if (!o.common.load.empty()) examples::load_into(net, o.common.load);
    std::cout << nndl::describe(net);
    const auto& evaluation = o.evaluate == "validation" ? data.validation : data.test;
    std::cout << examples::accuracy_line(o.evaluate == "validation" ? "Validation" : "Test", net.evaluate(evaluation),
                                         evaluation.size())
              << '\n';
    return examples::done;
  }
  nndl::train_history h;
  double best = -1;
  std::vector<double> each;
  for (std::size_t r = 0; r < o.runs; ++r) {
    auto run_history = train_once(net, o, data, training, o.common.seed + r, r);
    if (!run_history) return examples::interrupted;
    auto& hr = *run_history;
    const auto b = hr.best_evaluation();
    each.push_back(b ? 100 * *b->evaluation_accuracy() : 0);
    if (b && *b->evaluation_accuracy() > best) best = *b->evaluation_accuracy(), h = std::move(hr), best_net = net;
  }
  if (o.runs > 1) {
    std::printf("Best of %zu runs: %.2f%% (runs:", o.runs, 100 * best);
    for (double a : each) std::printf(" %.2f", a);
    std::printf(")\n");
  }
  if (!o.preset.empty() && best >= 0)
    std::printf("Preset %s (%s): nndl %.2f%%%s, book %.2f%%\n", o.preset.c_str(), presets.at(o.preset).what, 100 * best,
                o.runs > 1 ? " (best of runs)" : "", presets.at(o.preset).book);
  net = best_net;
  if (!o.common.save.empty()) {
    const auto& evaluation = o.evaluate == "validation" ? data.validation : data.test;
    const std::size_t final_correct = net.evaluate(evaluation);
    examples::save_as(net, o.common.save,
                      examples::provenance("ch3_network2", o.common.command,
                                           {.epochs = o.common.epochs,
                                            .mini_batch = o.common.mini_batch,
                                            .eta = o.common.eta,
                                            .lambda = o.lambda,
                                            .seed = o.common.seed},
                                           training.name,
                                           {{"preset", o.preset},
                                            {"saved", "last epoch of the best run"},
                                            {o.evaluate + "_correct", final_correct},
                                            {o.evaluate + "_total", evaluation.size()}}));
    std::printf("Saved the network after its last epoch (%s): %s\n",
                examples::accuracy_line(o.evaluate, final_correct, evaluation.size()).c_str(), o.common.save.c_str());
  }
  if (!o.plot.empty()) {
    try {
      nndl::plot_history(
          h, o.plot,
          {.title = o.preset.empty() ? "ch3_network2" : presets.at(o.preset).what, .evaluation_name = o.evaluate});
      std::cout << "Plot: " << o.plot << '\n';
    } catch (const nndl::plot_error& e) {
      std::cerr << e.what() << '\n';
      return 1;
    }
  }
  return 0;
}

// The network types this program offers: cost × hidden size × dropout (12 types).
template <class Cost, std::size_t Hidden, bool Dropout>
struct net_of {
  using out = std::conditional_t<std::is_same_v<Cost, nndl::log_likelihood_cost>, nndl::softmax, nndl::sigmoid>;
  using type =
      std::conditional_t<Dropout,
                         nndl::network<double, nndl::input<784>, nndl::dense<Hidden, nndl::sigmoid>, nndl::dropout<0.5>,
                                       nndl::dense<10, out>, Cost, nndl::l2_regularizer, nndl::default_weight_init>,
                         nndl::network<double, nndl::input<784>, nndl::dense<Hidden, nndl::sigmoid>,
                                       nndl::dense<10, out>, Cost, nndl::l2_regularizer, nndl::default_weight_init>>;
};

/// The network the flags ask for. L2 with lambda = 0 is no regularisation; L1 (nndl::l1_regularizer)
/// is left out of this program to keep its compile time down: every network type it offers is compiled.
int dispatch(const options& o) {
  using namespace nndl;
  return choose<option<"quadratic", quadratic_cost>, option<"cross-entropy", cross_entropy_cost>,
                option<"log-likelihood", log_likelihood_cost>>(o.cost, "--cost", [&]<class Cost>() {
    return choose_value<std::size_t{30}, std::size_t{100}>(o.hidden, "--hidden", [&](auto hidden) {
      return choose_value<false, true>(o.dropout, "--dropout", [&](auto dropout) {
        return run<typename net_of<Cost, hidden(), dropout()>::type>(o);
      });
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"Chapter 3: network2.py on MNIST (cross-entropy, regularisation, better initialisation, monitors)"};
  options o;
  o.common.eta = 0.5;
  examples::add_common_flags(app, o.common);
  examples::add_model_flags(app, o.common, argc, argv);
  std::string preset_help = "One of the book's runs (sets the flags below; later flags override):";
  for (const auto& [name, p] : presets) preset_help += "\n  " + name + ": " + p.what;
  app.add_option("--preset", o.preset, preset_help)->check(cli::is_member([] {
    std::vector<std::string> v;
    for (const auto& [n, p] : presets) v.push_back(n);
    return v;
  }()));
  app.add_option("--cost", o.cost, "quadratic, cross-entropy or log-likelihood (softmax output)")
      ->capture_default_str()
      ->check(cli::is_member({"quadratic", "cross-entropy", "log-likelihood"}));
  app.add_option("--lambda", o.lambda, "L2 regularisation parameter lambda")->capture_default_str();
  app.add_option("--init", o.init, "Weights: default N(0,1/n_in) or large N(0,1)")
      ->capture_default_str()
      ->check(cli::is_member({"default", "large"}));
  app.add_option("--monitor", o.monitor,
                 "Comma-separated: eval-acc, eval-cost, train-acc, train-cost, or all (network2.py's monitors)")
      ->capture_default_str();
  app.add_option("--evaluate", o.evaluate, "Evaluate on test or validation data")
      ->capture_default_str()
      ->check(cli::is_member({"test", "validation"}));
  app.add_option("--early-stop", o.early_stop, "Stop after N epochs without improvement (0: off)");
  app.add_flag("--schedule", o.schedule,
               "Halve eta after --schedule-patience epochs without improvement; stop at eta/128");
  app.add_option("--schedule-patience", o.schedule_patience, "Patience of --schedule")->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "sgd (the book's, with --momentum) or adam (default eta 0.001)")
      ->capture_default_str()
      ->check(cli::is_member({"sgd", "adam"}));
  app.add_option("--momentum", o.momentum, "Momentum coefficient mu of sgd (0: plain SGD)")->capture_default_str();
  app.add_flag("--dropout", o.dropout, "Dropout with p = 0.5 on the hidden layer");
  app.add_option("--hidden", o.hidden, "Hidden neurons: 30 or 100 (compile-time sizes)")->capture_default_str();
  app.add_option("--train-size", o.train_size, "Use the first N training images")->capture_default_str();
  app.add_option("--plot", o.plot, "Write the learning curves as a PNG (gnuplot); with --runs, of the best run");
  app.add_option("--runs", o.runs,
                 "Independent runs with seeds seed, seed+1, ...; reports each and the best "
                 "(--save and --plot take the best)")
      ->capture_default_str()
      ->check(cli::positive_number);
  // A preset fills in the flags the user did not give.
  app.parse_complete_callback([&] {
    if (o.optimizer == "adam" && app.count("--eta") == 0) o.common.eta = 0.001;  // Adam's own default
    if (o.preset.empty()) return;
    const auto& p = presets.at(o.preset);
    auto unset = [&](const char* flag) { return app.count(flag) == 0; };
    if (unset("--hidden")) o.hidden = p.hidden;
    if (unset("--train-size")) o.train_size = p.train_size;
    if (unset("--epochs")) o.common.epochs = p.epochs;
    if (unset("--eta") && o.optimizer != "adam") o.common.eta = p.eta;
    if (unset("--lambda")) o.lambda = p.lambda;
    if (unset("--init")) o.init = p.init;
    if (unset("--evaluate")) o.evaluate = p.evaluate;
    if (unset("--monitor")) o.monitor = p.monitor;
    if (unset("--cost")) o.cost = "cross-entropy";
  });

  examples::add_data_parallel_flag(app, o.data_parallel);
  NNDL_PARSE(app, argc, argv);
  examples::data_parallel dp;
  if (const int s = dp.start(o.data_parallel, "ch3_network2", o.common)) return s;
  o.group = dp.group();
  if (examples::follower) o.plot.clear();
  examples::setup_blas(o.common);
  const int status = examples::guarded("ch3_network2", [&] { return dispatch(o); });
  dp.print_communication();
  return dp.finish(status);
}
