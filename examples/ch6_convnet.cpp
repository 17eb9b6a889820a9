// Chapter 6: network3.py's convolutional networks on MNIST, float32, mini-batch 10, softmax output
// with log-likelihood. Reports, as the book does, the test accuracy at the epoch of the best
// validation accuracy.
//   ch6_convnet --preset conv20-40            # see --help for the book's table
//   ch6_convnet --preset dropout --ensemble 5 # plurality vote of five networks, trained in parallel
//   mpirun -np 5 ch6_convnet --preset dropout --ensemble 5   # one network per process, voted on process 0
//   mpirun -np 2 ch6_convnet --preset relu --data-parallel   # one network, each mini-batch split over two processes
#include "common.hpp"
#include "data_parallel.hpp"
#include "mpi_members.hpp"
#include "session.hpp"

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
  std::size_t train_size = 0;  // the first N training images; 0: all
  bool workers_given = false;  // --workers on the command line; else the cores for one network, cores / K for K
  bool standard = false;    // the 50,000 standard images even where the preset uses the expanded set
  std::string save_epoch = "best";  // the weights --save keeps (and an ensemble votes with): best or last
  std::uint64_t expanded_seed = 1;  // one expanded set for every network, as the book's one file
  bool data_parallel = false;       // --data-parallel: one network shared by mpirun's processes
  nndl::process_group* group = nullptr;
};

/// Test accuracy at the epoch with the best validation accuracy (network3.py's report), and the
/// network of that epoch when it is the one to save.
template <class Net>
struct test_at_best_validation {
  const dataset<T>* test;
  std::size_t workers = 1;
  double best_validation = -1;
  std::size_t test_correct = 0, epoch = 0;
  double train_seconds = 0;           ///< over the whole run, sessions before a resume included
  std::optional<Net> best{};          ///< kept when --save-epoch best
  std::filesystem::path best_file{};  ///< where it is kept across sittings (with --checkpoint)

  bool on_epoch_end(const Net& net, epoch_record& r) {
    train_seconds += r.train_seconds;
    if (*r.evaluation_accuracy() >= best_validation) {
      best_validation = *r.evaluation_accuracy();
      test_correct = net.evaluate(*test, workers);
      epoch = r.epoch;
      if (best) *best = net;
      if (best && !best_file.empty()) save_model(net, best_file, {{"epoch", epoch}});
    }
    return false;
  }
  nlohmann::json state() const {
    return {{"best_validation", best_validation}, {"test_correct", test_correct}, {"best_epoch", epoch},
            {"train_seconds", train_seconds}};
  }
  void restore(const nlohmann::json& s) {  // (earlier versions kept these at the top of the state)
    best_validation = s.at("best_validation").template get<double>();
    test_correct = s.at("test_correct").template get<std::size_t>();
    epoch = s.at("best_epoch").template get<std::size_t>();
    train_seconds = s.at("train_seconds").template get<double>();
    if (best && !best_file.empty() && std::filesystem::exists(best_file)) load_model_into(*best, best_file);
  }
};

/// The report goes into the checkpoint with every epoch (it runs before the checkpoint callback).
template <class Net>
struct report_into_checkpoint {
  const test_at_best_validation<Net>* report;
  examples::run_checkpoint<Net, sgd_optimizer>* ckpt;
  bool on_epoch_end(const Net&, const epoch_record&) const {
    ckpt->extra = report->state();
    return false;
  }
};

template <class Net>
int run(const options& o, const preset& p) {
  const auto& c = o.common;
  if (!c.save.empty()) examples::check_writable(c.save);
  if (!c.save.empty() && o.ensemble > 1 && std::filesystem::path(c.save).extension() != ".npz")
    throw nndl::model_error(c.save, "an ensemble of " + std::to_string(o.ensemble) +
                                        " networks is saved as .npz (nndl's model file); ONNX and network2.py's JSON hold one network");
  const auto data = examples::load_data<T>(c);
  dataset<T> expanded;
  const bool use_expanded = p.expanded && !o.standard;
  if (use_expanded) {
    const auto dir = find_data_dir(c.data.empty() ? std::nullopt : std::optional<std::filesystem::path>(c.data));
    std::cout << "Expanded training data (made once, then read from " << o.cache << ")\n";
    std::exception_ptr made;  // process 0 makes the files; the others read them after it
    if (examples::mpi::world.rank == 0) try {
        expanded = load_expanded_mnist<T>(dir, o.cache, o.expanded_seed);
      } catch (...) {
        made = std::current_exception();
      }
    if (examples::mpi::worst_status(made ? examples::failed : examples::done) != examples::done) {
      if (made) std::rethrow_exception(made);
      return examples::failed;  // process 0 said why
    }
    if (examples::mpi::world.rank != 0) expanded = load_expanded_mnist<T>(dir, o.cache, o.expanded_seed);
  }
  const auto& all_training = use_expanded ? expanded : data.training;
  if (o.train_size > all_training.size())
    throw std::invalid_argument("--train-size " + std::to_string(o.train_size) + ": the training data has only " +
                                std::to_string(all_training.size()) + " images");
  const auto training = o.train_size ? all_training.slice(0, o.train_size) : all_training;
  std::cout << describe(Net{c.seed});
  const std::size_t k = o.ensemble;
  if (!c.load.empty() && k > 1) throw std::invalid_argument("--load starts one network; it does not go with --ensemble");
  if (o.group && k > 1)
    throw std::invalid_argument("--data-parallel trains one network; it does not go with --ensemble (mpirun -np K "
                                "ch6_convnet --ensemble K spreads the members instead)");
  if (c.epochs == 0) {  // evaluate a saved network (or the seed's weights)
    Net net{c.seed};
    if (!c.load.empty()) examples::load_into(net, c.load);
    std::cout << examples::accuracy_line("Validation", net.evaluate(data.validation, c.workers), data.validation.size())
              << '\n'
              << examples::accuracy_line("Test", net.evaluate(data.test, c.workers), data.test.size()) << '\n';
    return examples::done;
  }
  // This process's networks (all of them, unless mpirun started several processes) share its cores.
  const auto mine = examples::mpi::mine(k);
  const std::size_t cores = std::max<std::size_t>(
      1, std::max(1u, std::thread::hardware_concurrency()) / std::size_t(examples::mpi::processes_here()));
  const std::size_t workers = o.workers_given ? c.workers : std::max<std::size_t>(1, cores / std::max<std::size_t>(1, mine.size()));
  const std::size_t lanes = std::min(mine.size(), std::max<std::size_t>(1, cores / workers));  // networks at a time
  std::printf("SGD: %zu epochs, mini-batch %zu, eta %g, lambda %g, %zu training images, %zu network(s), "
              "%zu at a time, %zu thread(s) each%s\n",
              c.epochs, c.mini_batch, c.eta, o.lambda, training.size(), k, lanes, workers,
              examples::mpi::world.size > 1 ? (" (process " + std::to_string(examples::mpi::world.rank) + " of " +
                                               std::to_string(examples::mpi::world.size) + ")").c_str() : "");
  const std::string data_name =
      use_expanded ? "expanded, seed " + std::to_string(o.expanded_seed) : "the standard 50,000 images";
  const auto* stop = examples::stop_on_signals();
  const bool keep_best = o.save_epoch == "best" && !c.save.empty();
  std::vector<Net> nets;
  std::vector<sgd_optimizer> optimizers(k);
  std::vector<test_at_best_validation<Net>> reports;
  std::vector<examples::run_checkpoint<Net, sgd_optimizer>> ckpts;
  std::vector<train_options> train_opts;
  for (std::size_t i = 0; i < k; ++i) {
    const std::uint64_t seed = c.seed + i;
    nets.emplace_back(seed);
    if (!c.load.empty()) examples::load_into(nets[i], c.load);
    // One file per network, named by its seed: a single run and an ensemble's member share it.
    const std::string stem = o.preset + "-seed" + std::to_string(seed);
    reports.push_back({&data.test, workers});
    if (keep_best) reports[i].best = nets[i];
    if (keep_best && !c.checkpoint.empty()) reports[i].best_file = std::filesystem::path(c.checkpoint) / (stem + ".best.npz");
    ckpts.push_back({c.checkpoint.empty() ? "" : (std::filesystem::path(c.checkpoint) / (stem + ".ckpt.npz")).string(),
                     {{"preset", o.preset}, {"seed", seed}, {"data", data_name}, {"training", training.size()},
                      {"eta", c.eta}, {"lambda", o.lambda}, {"mini_batch", c.mini_batch}},
                     &optimizers[i]});
    train_opts.push_back({.epochs = c.epochs, .mini_batch = c.mini_batch, .eta = c.eta, .lambda = o.lambda,
                          .seed = seed, .workers = workers, .label = k > 1 ? "Network " + std::to_string(i + 1) : "",
                          .stop = stop, .data_parallel = o.group});
    if (examples::mpi::owner(i) != examples::mpi::world.rank) continue;  // another process trains it
    if (const auto state = ckpts[i].resume(nets[i], train_opts[i], "Network " + std::to_string(i + 1)))
      reports[i].restore(ckpts[i].extra.contains("best_validation") ? ckpts[i].extra : *state);
  }
  if (!c.checkpoint.empty()) std::filesystem::create_directories(c.checkpoint);
  std::vector<train_history> histories(k);
  auto train_one = [&](std::size_t i) {
    auto bar = examples::progress_bar(c, "validation");
    bar.options.quiet = c.quiet || k > 1;  // one bar per network would overwrite each other
    std::optional<csv_metrics> csv;
    if (!c.metrics.empty()) csv.emplace(examples::numbered(c.metrics, i, k)), csv->resume(train_opts[i].first_epoch);
    report_into_checkpoint<Net> carry{&reports[i], &ckpts[i]};
    const bool checkpoints = !c.checkpoint.empty();
    histories[i] = examples::saving_if_diverged(
        nets[i], c.save_diverged ? c.save : "",
        examples::provenance("ch6_convnet", c.command, train_opts[i], data_name), [&] {
          return train(nets[i], training, optimizers[i], train_opts[i], evaluate_on(data.validation), reports[i],
                       checkpoints ? &carry : nullptr, checkpoints ? &ckpts[i] : nullptr, csv, bar);
        });
  };
  std::exception_ptr failure;  // the first network that failed; no new one starts after it
  {  // `lanes` networks train in parallel (one per core by default), each taking the next one left
    std::vector<std::thread> threads;
    std::atomic<std::size_t> next{0};
    std::mutex failing;
    auto lane = [&] {
      for (std::size_t j = next++; j < mine.size() && !stop->load(); j = next++) {
        try {
          train_one(mine[j]);
        } catch (...) {
          const std::lock_guard lock(failing);
          if (!failure) failure = std::current_exception();
          next = mine.size();
        }
      }
    };
    for (std::size_t l = 1; l < lanes; ++l) threads.emplace_back(lane);
    lane();
    for (auto& t : threads) t.join();
  }
  const bool stopped = stop->load();
  for (std::size_t i : mine)
    if (histories[i].interrupted) examples::after_interruption("ch6_convnet", nets[i], ckpts[i], histories[i]);
  const int status = failure ? examples::failed : stopped ? examples::interrupted : examples::done;
  if (const int worst = examples::mpi::worst_status(status); worst != examples::done) {  // every process agrees
    if (failure) std::rethrow_exception(failure);
    if (status == examples::done)
      std::fprintf(stderr, "ch6_convnet: another process %s; this one's networks are done%s\n",
                   worst == examples::interrupted ? "was interrupted" : "failed",
                   c.checkpoint.empty() ? "" : " and in their checkpoints");
    return worst;
  }
  // Every network and its report to process 0, which votes and saves (nothing moves in one process).
  for (std::size_t i = 0; i < k; ++i) {
    std::vector<double> figures{reports[i].best_validation, double(reports[i].epoch), double(reports[i].test_correct),
                                reports[i].train_seconds};
    examples::mpi::gather_member(i, keep_best && reports[i].best ? *reports[i].best : nets[i], figures);
    reports[i].best_validation = figures[0], reports[i].epoch = std::size_t(figures[1]),
    reports[i].test_correct = std::size_t(figures[2]), reports[i].train_seconds = figures[3];
  }
  if (examples::mpi::world.rank != 0) return examples::done;
  for (std::size_t i = 0; i < k; ++i)
    std::printf("Network %zu: best validation %.2f%% at epoch %zu, test then %.2f%% (%.1f s training)\n", i + 1,
                100 * reports[i].best_validation, reports[i].epoch, reports[i].test_correct / 100.0,
                reports[i].train_seconds);
  // The networks to vote and to save: each one's best-validation epoch, or its last (--save-epoch).
  std::vector<Net> saved;
  for (std::size_t i = 0; i < k; ++i) saved.push_back(keep_best && reports[i].best ? *reports[i].best : nets[i]);
  const std::size_t voted = k > 1 ? ensemble_correct(std::span<const Net>(saved), data.test) : 0;
  if (k > 1)
    std::printf("Ensemble of %zu (plurality vote): %zu / %zu (%.2f%%) on test data, with each network's %s weights\n",
                k, voted, data.test.size(), voted / 100.0, keep_best ? "best-validation" : "last-epoch");
  std::printf("Preset %s (%s): book %.2f%%%s\n", o.preset.c_str(), p.what, p.book,
              k > 1 ? " (the book's ensemble of five: 99.67%)" : "");
  if (!c.save.empty()) {
    nlohmann::json members = nlohmann::json::array();
    for (std::size_t i = 0; i < k; ++i)
      members.push_back({{"seed", c.seed + i}, {"epoch", keep_best ? reports[i].epoch : c.epochs - 1},
                         {"validation_accuracy", reports[i].best_validation}, {"test_correct_at_best", reports[i].test_correct}});
    auto prov = examples::provenance("ch6_convnet", c.command, train_opts[0], data_name,
                                     {{"preset", o.preset}, {"saved", keep_best ? "best validation" : "last epoch"},
                                      {"members", members}, {"test_total", data.test.size()}});
    if (k > 1) {
      prov["ensemble_test_correct"] = voted;
      save_ensemble(std::span<const Net>(saved), c.save, prov);
      std::printf("Saved the ensemble of %zu (%s weights, vote %zu / %zu): %s\n", k,
                  keep_best ? "best-validation" : "last-epoch", voted, data.test.size(), c.save.c_str());
    } else {
      const std::size_t test = saved[0].evaluate(data.test, workers);
      prov["test_correct"] = test;
      examples::save_as(saved[0], c.save, prov);
      std::printf("Saved the network of epoch %zu (%s): %s\n", keep_best ? reports[0].epoch : c.epochs - 1,
                  examples::accuracy_line("test", test, data.test.size()).c_str(), c.save.c_str());
    }
  }
  return examples::done;
}

}  // namespace

int dispatch(const options& o);

int main(int argc, char** argv) {
  const examples::mpi::session mpi(&argc, &argv);  // MPI_Init .. MPI_Finalize when mpirun started it
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
  app.add_option("--train-size", o.train_size, "Train on the first N training images only (0: all)")
      ->capture_default_str();
  app.add_flag("--standard-data", o.standard,
               "Train on the 50,000 standard images even where the preset uses the expanded data");
  examples::add_model_flags(app, o.common, argc, argv);
  app.get_option("--checkpoint")->description(
      "Folder for a checkpoint per network (PRESET-seedN.ckpt.npz) after every epoch and on Ctrl-C; a run finds its "
      "own there and continues from it, so long runs can stop and go on later");
  app.add_option("--save-epoch", o.save_epoch,
                 "Which weights --save keeps, and an ensemble votes with: best (the epoch of best validation accuracy, "
                 "whose test accuracy the book reports) or last")
      ->capture_default_str()
      ->check(CLI::IsMember({"best", "last"}));
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
  examples::add_data_parallel_flag(app, o.data_parallel);
  NNDL_PARSE(app, argc, argv);
  examples::data_parallel dp;
  if (const int s = dp.start(o.data_parallel, "ch6_convnet", o.common)) return s;
  o.group = dp.group();
  examples::setup_blas(o.common);
  const int status = examples::guarded("ch6_convnet", [&] { return dispatch(o); });
  dp.print_communication();
  return dp.finish(status);
}

int dispatch(const options& o) {
  const auto& p = presets.at(o.preset);
  return choose<option<"fc100", fc100>, option<"conv20", conv20>, option<"conv20-40", conv20_40<sigmoid>>,
                option<"relu", conv20_40<relu>>, option<"expanded", conv20_40<relu>>, option<"fc300", conv_fc<300>>,
                option<"fc1000", conv_fc<1000>>, option<"fc100-100", conv_fc_fc<100>>,
                option<"fc100-300", conv_fc_fc<300>>, option<"fc100-1000", conv_fc_fc<1000>>,
                option<"dropout", dropout_net>>(o.preset, "--preset", [&]<class Net>() { return run<Net>(o, p); });
}
