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
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>

namespace {

using namespace nndl;
using T = float;

// The book's chapter-6 networks (network3.py's runs; their accuracies beside ours: docs/results.md, chapter 6).
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

/// One of the book's runs: its name, its settings and the network it trains.
template <class Net>
struct offer {
  using network = Net;
  std::string_view name;
  preset p;
};

// The book's table, once: --help, the check of --preset and the dispatch all read it.
const std::tuple offers{
    offer<fc100>{"fc100", {"FC100 + softmax, sigmoid", 60, 0.1, 0, false, 97.80}},
    offer<conv20>{"conv20", {"conv20 + FC100 + softmax, sigmoid", 60, 0.1, 0, false, 98.78}},
    offer<conv20_40<sigmoid>>{"conv20-40", {"conv20 + conv40 + FC100 + softmax, sigmoid", 60, 0.1, 0, false, 99.06}},
    offer<conv20_40<relu>>{"relu",
                           {"conv20 + conv40 + FC100 + softmax, ReLU, lambda 0.1", 60, 0.03, 0.1, false, 99.23}},
    offer<conv20_40<relu>>{"expanded", {"the ReLU network on the expanded data", 60, 0.03, 0.1, true, 99.37}},
    offer<conv_fc<300>>{"fc300",
                        {"the expanded-data ReLU network with FC300 instead of FC100", 60, 0.03, 0.1, true, 99.46}},
    offer<conv_fc<1000>>{"fc1000",
                         {"the expanded-data ReLU network with FC1000 instead of FC100", 60, 0.03, 0.1, true, 99.43}},
    offer<conv_fc_fc<100>>{"fc100-100",
                           {"the expanded-data ReLU network + a second FC layer of 100", 60, 0.03, 0.1, true, 99.43}},
    offer<conv_fc_fc<300>>{"fc100-300",
                           {"the expanded-data ReLU network + a second FC layer of 300", 60, 0.03, 0.1, true, 99.48}},
    offer<conv_fc_fc<1000>>{"fc100-1000",
                            {"the expanded-data ReLU network + a second FC layer of 1000", 60, 0.03, 0.1, true, 99.47}},
    offer<dropout_net>{
        "dropout",
        {"conv20 + conv40 + FC1000 + FC1000 + softmax, dropout 0.5, expanded data", 40, 0.03, 0, true, 99.60}},
};

/// The presets' settings by name (in name order, as --help lists them).
const std::map<std::string, preset> presets = std::apply(
    [](const auto&... o) {
      return std::map<std::string, preset>{{std::string(o.name), o.p}...};
    },
    offers);

/// Calls f.template operator()<Net>(settings) with the network and settings of the preset `name`.
template <class F>
int with_preset(const std::string& name, F&& f) {
  return std::apply(
      [&](const auto&... o) {
        int status = 0;
        const bool found =
            ((o.name == name ? (status = f.template operator()<typename std::decay_t<decltype(o)>::network>(o.p), true)
                             : false) ||
             ...);
        if (!found)
          throw std::invalid_argument("--preset " + name + " is not one of the presets compiled into this program");
        return status;
      },
      offers);
}

struct options {
  examples::common_flags common;
  std::string preset = "conv20-40", cache;
  double lambda = 0;
  std::size_t ensemble = 1;
  std::size_t train_size = 0;       // the first N training images; 0: all
  bool workers_given = false;       // --workers on the command line; else the cores for one network, cores / K for K
  bool standard = false;            // the 50,000 standard images even where the preset uses the expanded set
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
    return {{"best_validation", best_validation},
            {"test_correct", test_correct},
            {"best_epoch", epoch},
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

/// --save is checked before anything is trained: writable, and an ensemble only to nndl's .npz.
void check_save_flag(const options& o) {
  const auto& c = o.common;
  if (!c.save.empty()) examples::check_writable(c.save);
  if (!c.save.empty() && o.ensemble > 1 && std::filesystem::path(c.save).extension() != ".npz")
    throw nndl::model_error(
        c.save, "an ensemble of " + std::to_string(o.ensemble) +
                    " networks is saved as .npz (nndl's model file); ONNX and network2.py's JSON hold one network");
}

/// The expanded training data, made once into o.cache by process 0 and read from there by the
/// others after it. False when process 0 failed (it said why).
bool load_expanded(const options& o, dataset<T>& expanded) {
  const auto& c = o.common;
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
    return false;  // process 0 said why
  }
  if (examples::mpi::world.rank != 0) expanded = load_expanded_mnist<T>(dir, o.cache, o.expanded_seed);
  return true;
}

/// The first --train-size images of the training data (all of them for 0).
dataset<T> first_images(const options& o, const dataset<T>& all_training) {
  if (o.train_size > all_training.size())
    throw std::invalid_argument("--train-size " + std::to_string(o.train_size) + ": the training data has only " +
                                std::to_string(all_training.size()) + " images");
  return o.train_size ? all_training.slice(0, o.train_size) : all_training;
}

/// --load and --data-parallel train one network: neither goes with --ensemble.
void check_one_network_flags(const options& o) {
  if (!o.common.load.empty() && o.ensemble > 1)
    throw std::invalid_argument("--load starts one network; it does not go with --ensemble");
  if (o.group && o.ensemble > 1)
    throw std::invalid_argument("--data-parallel trains one network; it does not go with --ensemble (mpirun -np K "
                                "ch6_convnet --ensemble K spreads the members instead)");
}

/// --epochs 0: the validation and test accuracy of a saved network (or of the seed's weights).
template <class Net>
int evaluate_only(const options& o, const mnist_data<T>& data) {
  const auto& c = o.common;
  Net net{c.seed};
  if (!c.load.empty()) examples::load_into(net, c.load);
  std::cout << examples::accuracy_line("Validation", net.evaluate(data.validation, c.workers), data.validation.size())
            << '\n'
            << examples::accuracy_line("Test", net.evaluate(data.test, c.workers), data.test.size()) << '\n';
  return examples::done;
}

/// How this process's networks share its cores: threads per network, and networks at a time.
struct thread_plan {
  std::size_t workers, lanes;
};

/// This process's networks (all of them, unless mpirun started several processes) share its cores.
thread_plan plan_threads(const options& o, std::size_t networks_here) {
  const auto& c = o.common;
  const std::size_t cores = std::max<std::size_t>(
      1, std::max(1u, std::thread::hardware_concurrency()) / std::size_t(examples::mpi::processes_here()));
  const std::size_t workers =
      o.workers_given ? c.workers : std::max<std::size_t>(1, cores / std::max<std::size_t>(1, networks_here));
  const std::size_t lanes = std::min(networks_here, std::max<std::size_t>(1, cores / workers));  // networks at a time
  return {workers, lanes};
}

void print_plan(const options& o, std::size_t training_size, const thread_plan& plan) {
  const auto& c = o.common;
  std::printf("SGD: %zu epochs, mini-batch %zu, eta %g, lambda %g, %zu training images, %zu network(s), "
              "%zu at a time, %zu thread(s) each%s\n",
              c.epochs, c.mini_batch, c.eta, o.lambda, training_size, o.ensemble, plan.lanes, plan.workers,
              examples::mpi::world.size > 1 ? (" (process " + std::to_string(examples::mpi::world.rank) + " of " +
                                               std::to_string(examples::mpi::world.size) + ")")
                                                  .c_str()
                                            : "");
}

/// The K networks of a run, each with its optimizer, report, checkpoint, options and history
/// (member i at index i on every process; a process trains those examples::mpi::owner gives it).
template <class Net>
struct members {
  std::vector<Net> nets;
  std::vector<sgd_optimizer> optimizers;
  std::vector<test_at_best_validation<Net>> reports;
  std::vector<examples::run_checkpoint<Net, sgd_optimizer>> ckpts;
  std::vector<train_options> train_opts;
  std::vector<train_history> histories;
  const std::atomic<bool>* stop = nullptr;  ///< Ctrl-C's flag (examples::stop_on_signals, installed once)
  std::exception_ptr failure;               ///< the first network that failed; no new one starts after it

  /// The networks to vote with and to save: each one's best-validation epoch, or its last.
  const Net& kept(std::size_t i, bool keep_best) const {
    return keep_best && reports[i].best ? *reports[i].best : nets[i];
  }
};

/// Sets up every member (new weights, or --load's), and resumes the ones this process trains from
/// their checkpoints. One checkpoint per network, named by its seed: a single run and an
/// ensemble's member share it.
template <class Net>
void set_up(members<Net>& m, const options& o, const mnist_data<T>& data, const dataset<T>& training,
            const std::string& data_name, std::size_t workers, bool keep_best) {
  const auto& c = o.common;
  const std::size_t k = o.ensemble;
  m.stop = examples::stop_on_signals();
  m.optimizers.resize(k);  // the checkpoints point at them: never resized after this
  for (std::size_t i = 0; i < k; ++i) {
    const std::uint64_t seed = c.seed + i;
    m.nets.emplace_back(seed);
    if (!c.load.empty()) examples::load_into(m.nets[i], c.load);
    const std::string stem = o.preset + "-seed" + std::to_string(seed);
    m.reports.push_back({&data.test, workers});
    if (keep_best) m.reports[i].best = m.nets[i];
    if (keep_best && !c.checkpoint.empty())
      m.reports[i].best_file = std::filesystem::path(c.checkpoint) / (stem + ".best.npz");
    m.ckpts.push_back(
        {c.checkpoint.empty() ? "" : (std::filesystem::path(c.checkpoint) / (stem + ".ckpt.npz")).string(),
         {{"preset", o.preset},
          {"seed", seed},
          {"data", data_name},
          {"training", training.size()},
          {"eta", c.eta},
          {"lambda", o.lambda},
          {"mini_batch", c.mini_batch}},
         &m.optimizers[i]});
    m.train_opts.push_back({.epochs = c.epochs,
                            .mini_batch = c.mini_batch,
                            .eta = c.eta,
                            .lambda = o.lambda,
                            .seed = seed,
                            .workers = workers,
                            .label = k > 1 ? "Network " + std::to_string(i + 1) : "",
                            .stop = m.stop,
                            .data_parallel = o.group});
    if (examples::mpi::owner(i) != examples::mpi::world.rank) continue;  // another process trains it
    if (const auto state = m.ckpts[i].resume(m.nets[i], m.train_opts[i], "Network " + std::to_string(i + 1)))
      m.reports[i].restore(m.ckpts[i].extra.contains("best_validation") ? m.ckpts[i].extra : *state);
  }
  m.histories.resize(k);
}

/// Trains member i (a progress bar, the metrics CSV, the report and the checkpoint after every epoch).
template <class Net>
void train_member(members<Net>& m, std::size_t i, const options& o, const mnist_data<T>& data,
                  const dataset<T>& training, const std::string& data_name) {
  const auto& c = o.common;
  const std::size_t k = o.ensemble;
  auto bar = examples::progress_bar(c, "validation");
  bar.options.quiet = c.quiet || k > 1;  // one bar per network would overwrite each other
  std::optional<csv_metrics> csv;
  if (!c.metrics.empty()) csv.emplace(examples::numbered(c.metrics, i, k)), csv->resume(m.train_opts[i].first_epoch);
  report_into_checkpoint<Net> carry{&m.reports[i], &m.ckpts[i]};
  const bool checkpoints = !c.checkpoint.empty();
  m.histories[i] = examples::saving_if_diverged(
      m.nets[i], c.save_diverged ? c.save : "",
      examples::provenance("ch6_convnet", c.command, m.train_opts[i], data_name), [&] {
        return train(m.nets[i], training, m.optimizers[i], m.train_opts[i], evaluate_on(data.validation), m.reports[i],
                     checkpoints ? &carry : nullptr, checkpoints ? &m.ckpts[i] : nullptr, csv, bar);
      });
}

/// Trains this process's members, `lanes` in parallel (one per core by default), each lane taking
/// the next one left; after a failure no new one starts (m.failure holds the first).
template <class Net, class TrainOne>
void train_in_lanes(members<Net>& m, const std::vector<std::size_t>& mine, std::size_t lanes, TrainOne&& train_one) {
  std::vector<std::thread> threads;
  std::atomic<std::size_t> next{0};
  std::mutex failing;
  auto lane = [&] {
    for (std::size_t j = next++; j < mine.size() && !m.stop->load(); j = next++) {
      try {
        train_one(mine[j]);
      } catch (...) {
        const std::lock_guard lock(failing);
        if (!m.failure) m.failure = std::current_exception();
        next = mine.size();
      }
    }
  };
  for (std::size_t l = 1; l < lanes; ++l) threads.emplace_back(lane);
  lane();
  for (auto& t : threads) t.join();
}

/// The status every process agrees on (done only when all are done); interrupted networks are
/// reported, and a failure is rethrown here.
template <class Net>
int agree_on_status(const members<Net>& m, const options& o, const std::vector<std::size_t>& mine) {
  const bool stopped = m.stop->load();
  for (std::size_t i : mine)
    if (m.histories[i].interrupted) examples::after_interruption("ch6_convnet", m.nets[i], m.ckpts[i], m.histories[i]);
  const int status = m.failure ? examples::failed : stopped ? examples::interrupted : examples::done;
  const int worst = examples::mpi::worst_status(status);  // every process agrees
  if (worst != examples::done) {
    if (m.failure) std::rethrow_exception(m.failure);
    if (status == examples::done)
      std::fprintf(stderr, "ch6_convnet: another process %s; this one's networks are done%s\n",
                   worst == examples::interrupted ? "was interrupted" : "failed",
                   o.common.checkpoint.empty() ? "" : " and in their checkpoints");
  }
  return worst;
}

/// Every network and its report to process 0, which votes and saves (nothing moves in one process).
template <class Net>
void gather_on_process_0(members<Net>& m, bool keep_best) {
  for (std::size_t i = 0; i < m.nets.size(); ++i) {
    auto& r = m.reports[i];
    std::vector<double> figures{r.best_validation, double(r.epoch), double(r.test_correct), r.train_seconds};
    examples::mpi::gather_member(i, keep_best && r.best ? *r.best : m.nets[i], figures);
    r.best_validation = figures[0], r.epoch = std::size_t(figures[1]), r.test_correct = std::size_t(figures[2]),
    r.train_seconds = figures[3];
  }
}

/// --save: the ensemble (with its vote) or the one network, with how they were trained.
template <class Net>
void save_kept(const members<Net>& m, const options& o, const mnist_data<T>& data, const std::string& data_name,
               const std::vector<Net>& saved, std::size_t voted, std::size_t workers, bool keep_best) {
  const auto& c = o.common;
  const std::size_t k = o.ensemble;
  nlohmann::json each = nlohmann::json::array();
  for (std::size_t i = 0; i < k; ++i)
    each.push_back({{"seed", c.seed + i},
                    {"epoch", keep_best ? m.reports[i].epoch : c.epochs - 1},
                    {"validation_accuracy", m.reports[i].best_validation},
                    {"test_correct_at_best", m.reports[i].test_correct}});
  auto prov = examples::provenance("ch6_convnet", c.command, m.train_opts[0], data_name,
                                   {{"preset", o.preset},
                                    {"saved", keep_best ? "best validation" : "last epoch"},
                                    {"members", each},
                                    {"test_total", data.test.size()}});
  if (k > 1) {
    prov["ensemble_test_correct"] = voted;
    save_ensemble(std::span<const Net>(saved), c.save, prov);
    std::printf("Saved the ensemble of %zu (%s weights, vote %zu / %zu): %s\n", k,
                keep_best ? "best-validation" : "last-epoch", voted, data.test.size(), c.save.c_str());
  } else {
    const std::size_t test = saved[0].evaluate(data.test, workers);
    prov["test_correct"] = test;
    examples::save_as(saved[0], c.save, prov);
    std::printf("Saved the network of epoch %zu (%s): %s\n", keep_best ? m.reports[0].epoch : c.epochs - 1,
                examples::accuracy_line("test", test, data.test.size()).c_str(), c.save.c_str());
  }
}

/// On process 0: each network's report, the ensemble's vote, the book's figure, and --save.
template <class Net>
void report_and_save(const members<Net>& m, const options& o, const preset& p, const mnist_data<T>& data,
                     const std::string& data_name, std::size_t workers, bool keep_best) {
  const std::size_t k = o.ensemble;
  for (std::size_t i = 0; i < k; ++i)
    std::printf("Network %zu: best validation %.2f%% at epoch %zu, test then %.2f%% (%.1f s training)\n", i + 1,
                100 * m.reports[i].best_validation, m.reports[i].epoch, m.reports[i].test_correct / 100.0,
                m.reports[i].train_seconds);
  // The networks to vote and to save: each one's best-validation epoch, or its last (--save-epoch).
  std::vector<Net> saved;
  for (std::size_t i = 0; i < k; ++i) saved.push_back(m.kept(i, keep_best));
  const std::size_t voted = k > 1 ? ensemble_correct(std::span<const Net>(saved), data.test) : 0;
  if (k > 1)
    std::printf("Ensemble of %zu (plurality vote): %zu / %zu (%.2f%%) on test data, with each network's %s weights\n",
                k, voted, data.test.size(), voted / 100.0, keep_best ? "best-validation" : "last-epoch");
  std::printf("Preset %s (%s): book %.2f%%%s\n", o.preset.c_str(), p.what, p.book,
              k > 1 ? " (the book's ensemble of five: 99.67%)" : "");
  if (!o.common.save.empty()) save_kept(m, o, data, data_name, saved, voted, workers, keep_best);
}

template <class Net>
int run(const options& o, const preset& p) {
  const auto& c = o.common;
  check_save_flag(o);
  const auto data = examples::load_data<T>(c);
  dataset<T> expanded;
  const bool use_expanded = p.expanded && !o.standard;
  if (use_expanded && !load_expanded(o, expanded)) return examples::failed;
  const auto training = first_images(o, use_expanded ? expanded : data.training);
  std::cout << describe(Net{c.seed});
  check_one_network_flags(o);
  if (c.epochs == 0) return evaluate_only<Net>(o, data);
  const auto mine = examples::mpi::mine(o.ensemble);
  const thread_plan plan = plan_threads(o, mine.size());
  print_plan(o, training.size(), plan);
  const std::string data_name =
      use_expanded ? "expanded, seed " + std::to_string(o.expanded_seed) : "the standard 50,000 images";
  const bool keep_best = o.save_epoch == "best" && !c.save.empty();
  members<Net> m;
  set_up(m, o, data, training, data_name, plan.workers, keep_best);
  if (!c.checkpoint.empty()) std::filesystem::create_directories(c.checkpoint);
  train_in_lanes(m, mine, plan.lanes, [&](std::size_t i) { train_member(m, i, o, data, training, data_name); });
  if (const int worst = agree_on_status(m, o, mine); worst != examples::done) return worst;
  gather_on_process_0(m, keep_best);
  if (examples::mpi::world.rank != 0) return examples::done;
  report_and_save(m, o, p, data, data_name, plan.workers, keep_best);
  return examples::done;
}

}  // namespace

int dispatch(const options& o);

int main(int argc, char** argv) {
  const examples::mpi::session mpi(&argc, &argv);  // MPI_Init .. MPI_Finalize when mpirun started it
  cli::app app{"Chapter 6: convolutional networks (network3.py) on MNIST, float32"};
  options o;
  o.cache = nndl::default_data_dir() + "/../mnist-expanded";
  o.common.workers = std::max(1u, std::thread::hardware_concurrency());  // for one network; cores / K for K
  o.common.epochs = presets.at(o.preset).epochs;  // the default preset's, so that --help shows true defaults
  o.common.eta = presets.at(o.preset).eta;
  examples::add_common_flags(app, o.common);
  app.get_option("--workers")
      ->description(
          "Threads that share each mini-batch (default: the cores for one network; cores / K, at least 1, for an "
          "ensemble of K, whose networks then train cores / N at a time)");
  app.get_option("--epochs")->description("Training epochs (default: the preset's)");
  app.get_option("--eta")->description("Learning rate (default: the preset's)");
  std::string help = "The book's run (sets epochs, eta, lambda and the data; later flags override):";
  for (const auto& [n, p] : presets) help += "\n  " + n + ": " + p.what;
  app.add_option("--preset", o.preset, help)->capture_default_str()->check(cli::is_member([] {
    std::vector<std::string> v;
    for (const auto& [n, p] : presets) v.push_back(n);
    return v;
  }()));
  app.add_option("--lambda", o.lambda, "L2 regularisation parameter lambda (default: the preset's)")
      ->capture_default_str();
  app.add_option("--ensemble", o.ensemble,
                 "Train this many networks (seeds seed, seed+1, ...), one per core at a time, and vote "
                 "(plurality; a tie goes to the larger summed output activation)")
      ->capture_default_str()
      ->check(cli::range(1, 64));
  app.add_option("--train-size", o.train_size, "Train on the first N training images only (0: all)")
      ->capture_default_str();
  app.add_flag("--standard-data", o.standard,
               "Train on the 50,000 standard images even where the preset uses the expanded data");
  examples::add_model_flags(app, o.common, argc, argv);
  app.get_option("--checkpoint")
      ->description(
          "Folder for a checkpoint per network (PRESET-seedN.ckpt.npz) after every epoch and on Ctrl-C; a run finds its "
          "own there and continues from it, so long runs can stop and go on later");
  app.add_option("--save-epoch", o.save_epoch,
                 "Which weights --save keeps, and an ensemble votes with: best (the epoch of best validation accuracy, "
                 "whose test accuracy the book reports) or last")
      ->capture_default_str()
      ->check(cli::is_member({"best", "last"}));
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
  return with_preset(o.preset, [&]<class Net>(const preset& p) { return run<Net>(o, p); });
}
