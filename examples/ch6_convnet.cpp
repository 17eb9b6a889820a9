// Chapter 6: network3.py's convolutional networks on MNIST, float32, mini-batch 10, softmax output
// with log-likelihood. Reports, as the book does, the test accuracy at the epoch of the best
// validation accuracy.
//   ch6_convnet --preset conv20-40            # see --help for the book's table
//   ch6_convnet --preset dropout --ensemble 5 # plurality vote of five networks, trained in parallel
#include "common.hpp"

#include <nndl/data/expand.hpp>
#include <nndl/io/checkpoint.hpp>
#include <nndl/train/ensemble.hpp>

#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

namespace {

using namespace nndl;
using T = float;

// The book's networks (../shared/reference/nielsen-results.md, chapter 6).
using fc100 = network<T, input<784>, dense<100, sigmoid>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
using conv20 = network<T, input<1, 28, 28>, conv<20, 5, sigmoid>, max_pool<2>, dense<100, sigmoid>, dense<10, softmax>,
                       log_likelihood_cost, l2_regularizer>;
template <class Act>
using conv20_40 = network<T, input<1, 28, 28>, conv<20, 5, Act>, max_pool<2>, conv<40, 5, Act>, max_pool<2>,
                          dense<100, Act>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
template <std::size_t FC>  // the ReLU network with a wider FC layer
using conv_fc = network<T, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<2>,
                        dense<FC, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
template <std::size_t FC>  // the ReLU network with a second FC layer
using conv_fc_fc = network<T, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<2>,
                           dense<100, relu>, dense<FC, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
using dropout_net = network<T, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<2>,
                            dropout<0.5>, dense<1000, relu>, dropout<0.5>, dense<1000, relu>, dropout<0.5>,
                            dense<10, softmax>, log_likelihood_cost, l2_regularizer>;

struct preset {
  const char* what;
  std::size_t epochs;
  double eta, lambda;
  bool expanded;
  double book;
};
const std::map<std::string, preset> presets{
    {"fc100", {"FC100 + softmax, sigmoid", 60, 0.1, 0, false, 97.80}},
    {"conv20", {"conv20 + FC100 + softmax, sigmoid", 60, 0.1, 0, false, 98.78}},
    {"conv20-40", {"conv20 + conv40 + FC100 + softmax, sigmoid", 60, 0.1, 0, false, 99.06}},
    {"relu", {"conv20 + conv40 + FC100 + softmax, ReLU, lambda 0.1", 60, 0.03, 0.1, false, 99.23}},
    {"expanded", {"the ReLU network on the expanded data", 60, 0.03, 0.1, true, 99.37}},
    {"fc300", {"the expanded-data ReLU network with FC300 instead of FC100", 60, 0.03, 0.1, true, 99.46}},
    {"fc1000", {"the expanded-data ReLU network with FC1000 instead of FC100", 60, 0.03, 0.1, true, 99.43}},
    {"fc100-100", {"the expanded-data ReLU network + a second FC layer of 100", 60, 0.03, 0.1, true, 99.43}},
    {"fc100-300", {"the expanded-data ReLU network + a second FC layer of 300", 60, 0.03, 0.1, true, 99.48}},
    {"fc100-1000", {"the expanded-data ReLU network + a second FC layer of 1000", 60, 0.03, 0.1, true, 99.47}},
    {"dropout", {"conv20 + conv40 + FC1000 + FC1000 + softmax, dropout 0.5, expanded data", 40, 0.03, 0, true, 99.60}},
};

struct options {
  examples::common_flags common;
  std::string preset = "conv20-40", cache;
  double lambda = 0;
  std::size_t ensemble = 1;
  bool workers_given = false;  // --workers on the command line; else the cores for one network, cores / K for K
  bool standard = false;    // the 50,000 standard images even where the preset uses the expanded set
  std::string checkpoint;   // folder for per-network checkpoints (resumed when present)
  std::uint64_t expanded_seed = 1;  // one expanded set for every network, as the book's one file
};

/// Test accuracy at the epoch with the best validation accuracy (network3.py's report).
struct test_at_best_validation {
  const dataset<T>* test;
  double best_validation = -1;
  std::size_t test_correct = 0, epoch = 0;
  double train_seconds = 0;  ///< over the whole run, sessions before a resume included
  template <class Net>
  bool on_epoch_end(const Net& net, epoch_record& r) {
    train_seconds += r.train_seconds;
    if (*r.evaluation_accuracy() >= best_validation) {
      best_validation = *r.evaluation_accuracy();
      test_correct = net.evaluate(*test);
      epoch = r.epoch;
    }
    return false;
  }
};

/// The run's checkpoint after every epoch: the network and the report so far.
struct checkpoint_each_epoch {
  std::filesystem::path file;
  nlohmann::json identity;  ///< preset, seed, data, eta, lambda: a resume must match them
  const test_at_best_validation* report;
  template <class Net>
  void on_epoch_end(const Net& net, const epoch_record& r) {
    auto state = identity;
    state["epochs_done"] = r.epoch + 1;
    state["best_validation"] = report->best_validation;
    state["test_correct"] = report->test_correct;
    state["best_epoch"] = report->epoch;
    state["train_seconds"] = report->train_seconds;
    save_checkpoint(net, file, state);
  }
};

template <class Net>
int run(const options& o, const preset& p) {
  const auto data = examples::load_data<T>(o.common);
  dataset<T> expanded;
  const bool use_expanded = p.expanded && !o.standard;
  if (use_expanded) {
    const auto dir = find_data_dir(o.common.data.empty() ? std::nullopt : std::optional<std::filesystem::path>(o.common.data));
    std::cout << "Expanded training data (made once, then read from " << o.cache << ")\n";
    expanded = load_expanded_mnist<T>(dir, o.cache, o.expanded_seed);
  }
  const auto& training = use_expanded ? expanded : data.training;
  std::cout << describe(Net{o.common.seed});
  const std::size_t k = o.ensemble;
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t workers = o.workers_given ? o.common.workers : std::max<std::size_t>(1, cores / k);
  const std::size_t lanes = std::min(k, std::max<std::size_t>(1, cores / workers));  // networks at a time
  std::printf("SGD: %zu epochs, mini-batch %zu, eta %g, lambda %g, %zu training images, %zu network(s), "
              "%zu at a time, %zu thread(s) each\n",
              o.common.epochs, o.common.mini_batch, o.common.eta, o.lambda, training.size(), k, lanes, workers);
  std::vector<Net> nets;
  for (std::size_t i = 0; i < k; ++i) nets.emplace_back(o.common.seed + i);
  std::vector<test_at_best_validation> reports(k, test_at_best_validation{&data.test});
  std::vector<train_history> histories(k);
  std::vector<std::size_t> first_epoch(k, 0);
  std::vector<checkpoint_each_epoch> savers;
  for (std::size_t i = 0; i < k && !o.checkpoint.empty(); ++i) {
    // One file per network, named by its seed: a single run and an ensemble's member share it.
    const std::string data_name =
        use_expanded ? "expanded, seed " + std::to_string(o.expanded_seed) : "the standard 50,000 images";
    const nlohmann::json identity{{"preset", o.preset}, {"seed", o.common.seed + i}, {"data", data_name},
                                  {"training", training.size()}, {"eta", o.common.eta}, {"lambda", o.lambda},
                                  {"mini_batch", o.common.mini_batch}};
    const auto file = std::filesystem::path(o.checkpoint) /
                      (o.preset + "-seed" + std::to_string(o.common.seed + i) + ".ckpt.npz");
    savers.push_back({file, identity, &reports[i]});
    if (!std::filesystem::exists(file)) continue;
    auto state = load_checkpoint(nets[i], file);
    for (const auto& [key, value] : identity.items())
      if (state.value(key, nlohmann::json()) != value)
        throw std::runtime_error(file.string() + ": a checkpoint of another run (" + key + " is " +
                                 state.value(key, nlohmann::json()).dump() + ", this run's " + value.dump() +
                                 "); move it away or use another --checkpoint folder");
    try {
      first_epoch[i] = state.at("epochs_done").template get<std::size_t>();
      reports[i].best_validation = state.at("best_validation").template get<double>();
      reports[i].test_correct = state.at("test_correct").template get<std::size_t>();
      reports[i].epoch = state.at("best_epoch").template get<std::size_t>();
      reports[i].train_seconds = state.at("train_seconds").template get<double>();
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(file.string() + ": the checkpoint's state is incomplete (" + e.what() + ")");
    }
    std::printf("Network %zu: resuming from %s after %zu of %zu epochs\n", i + 1, file.c_str(), first_epoch[i],
                o.common.epochs);
  }
  if (!o.checkpoint.empty()) std::filesystem::create_directories(o.checkpoint);
  auto train = [&](std::size_t i) {
    const sgd_options so{.epochs = o.common.epochs, .mini_batch = o.common.mini_batch, .eta = o.common.eta,
                         .lambda = o.lambda, .seed = o.common.seed + i, .workers = workers,
                         .first_epoch = first_epoch[i], .label = k > 1 ? "Network " + std::to_string(i + 1) : ""};
    auto bar = examples::progress_bar(o.common, "validation");
    bar.options.quiet = o.common.quiet || k > 1;  // one bar per network would overwrite each other
    std::optional<csv_metrics> csv;
    if (!o.common.metrics.empty()) csv.emplace(examples::numbered(o.common.metrics, i, k)), csv->resume(first_epoch[i]);
    std::optional<checkpoint_each_epoch> saver;
    if (!savers.empty()) saver = savers[i];
    histories[i] = sgd(nets[i], training, so, evaluate_on(data.validation), reports[i], saver, csv, bar);
  };
  if (k == 1) {
    train(0);
  } else {  // `lanes` networks train in parallel (one per core by default), each taking the next one left
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> failed(k);
    std::atomic<std::size_t> next{0};
    for (std::size_t lane = 0; lane < lanes; ++lane)
      threads.emplace_back([&] {
        for (std::size_t i = next++; i < k; i = next++) {
          try {
            train(i);
          } catch (...) {  // reported after the running networks finish; no new one starts
            failed[i] = std::current_exception();
            next = k;
          }
        }
      });
    for (auto& t : threads) t.join();
    for (auto& f : failed)
      if (f) std::rethrow_exception(f);
  }
  for (std::size_t i = 0; i < k; ++i)
    std::printf("Network %zu: best validation %.2f%% at epoch %zu, test then %.2f%% (%.1f s training)\n", i + 1,
                100 * reports[i].best_validation, reports[i].epoch, reports[i].test_correct / 100.0,
                reports[i].train_seconds);
  if (k > 1) {  // plurality vote of the networks' predictions (ties: the larger summed activation)
    const std::size_t correct = ensemble_correct(std::span<const Net>(nets), data.test);
    std::printf("Ensemble of %zu (plurality vote): %zu / %zu (%.2f%%) on test data\n", k, correct, data.test.size(),
                correct / 100.0);
  }
  std::printf("Preset %s (%s): book %.2f%%%s\n", o.preset.c_str(), p.what, p.book,
              k > 1 ? " (the book's ensemble of five: 99.67%)" : "");
  return 0;
}

}  // namespace

int dispatch(const options& o);

int main(int argc, char** argv) {
  CLI::App app{"Chapter 6: convolutional networks (network3.py) on MNIST, float32"};
  options o;
  o.cache = nndl::default_data_dir() + "/../mnist-expanded";
  o.common.workers = std::max(1u, std::thread::hardware_concurrency());  // for one network; cores / K for K
  o.common.epochs = presets.at(o.preset).epochs;  // the default preset's, so that --help shows true defaults
  o.common.eta = presets.at(o.preset).eta;
  examples::add_common_flags(app, o.common);
  app.get_option("--workers")->description(
      "Threads that share each mini-batch (default: the cores for one network; cores / K, at least 1, for an "
      "ensemble of K, whose networks then train cores / N at a time)");
  app.get_option("--epochs")->description("Training epochs (default: the preset's)");
  app.get_option("--eta")->description("Learning rate (default: the preset's)");
  std::string help = "The book's run (sets epochs, eta, lambda and the data; later flags override):";
  for (const auto& [n, p] : presets) help += "\n  " + n + ": " + p.what;
  app.add_option("--preset", o.preset, help)->capture_default_str()->check(CLI::IsMember([] {
    std::vector<std::string> v;
    for (const auto& [n, p] : presets) v.push_back(n);
    return v;
  }()));
  app.add_option("--lambda", o.lambda, "L2 regularisation parameter lambda (default: the preset's)")->capture_default_str();
  app.add_option("--ensemble", o.ensemble, "Train this many networks (seeds seed, seed+1, ...), one per core at a time, and vote "
                 "(plurality; a tie goes to the larger summed output activation)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_flag("--standard-data", o.standard,
               "Train on the 50,000 standard images even where the preset uses the expanded data");
  app.add_option("--checkpoint", o.checkpoint,
                 "Folder for a checkpoint per network (PRESET-seedN.ckpt.npz) after every epoch; a run finds its "
                 "own there and continues from it, so long runs can stop and go on later");
  app.add_option("--expanded-seed", o.expanded_seed,
                 "Seed of the expanded data's shuffle: one expanded set for every network, as the book's one file")
      ->capture_default_str();
  app.add_option("--expanded-cache", o.cache, "Folder for the expanded training data")->capture_default_str();
  app.parse_complete_callback([&] {
    const auto& p = presets.at(o.preset);
    o.workers_given = app.count("--workers") > 0;
    if (app.count("--epochs") == 0) o.common.epochs = p.epochs;
    if (app.count("--eta") == 0) o.common.eta = p.eta;
    if (app.count("--lambda") == 0) o.lambda = p.lambda;
  });
  CLI11_PARSE(app, argc, argv);
  examples::setup_blas(o.common);
  try {
    return dispatch(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ch6_convnet: %s\n", e.what());
    return 1;
  }
}

int dispatch(const options& o) {
  const auto& p = presets.at(o.preset);
  return choose<option<"fc100", fc100>, option<"conv20", conv20>, option<"conv20-40", conv20_40<sigmoid>>,
                option<"relu", conv20_40<relu>>, option<"expanded", conv20_40<relu>>, option<"fc300", conv_fc<300>>,
                option<"fc1000", conv_fc<1000>>, option<"fc100-100", conv_fc_fc<100>>,
                option<"fc100-300", conv_fc_fc<300>>, option<"fc100-1000", conv_fc_fc<1000>>,
                option<"dropout", dropout_net>>(o.preset, "--preset", [&]<class Net>() { return run<Net>(o, p); });
}
