// Hyperparameter search on the validation set (chapter 3's "how to choose hyperparameters"), by
// grid search, random search or Bayesian optimisation (GP with Matérn 5/2 and expected improvement).
// The network is network2.py's [784, h, 10] with cross-entropy and L2; the test set is touched once,
// for the chosen model.
//   hyperparameter_search --strategy bayes --budget 30 --epochs 10 --space "eta=0.01:10:log,lambda=0.01:20:log"
//   hyperparameter_search --strategy all --budget 30 --plot search      # the three side by side
// Parameters: eta, lambda, mini_batch, epochs, momentum, hidden (a choice of 30|100: compiled sizes).
// Trials run in parallel (--parallel, default one per core); each finished trial is appended to the
// journal (<journal>-<strategy>.csv) at once, and a rerun with the same journal resumes.
// `mpirun -np N hyperparameter_search ...` spreads the trials over N processes (the release build
// has MPI; a program that mpirun did not start does not touch it: examples/mpi_members.hpp).
#include "common.hpp"
#include "mpi_members.hpp"
#include "session.hpp"

#include <nndl/tune/report.hpp>
#include <nndl/tune/runner.hpp>

namespace {

struct options {
  examples::common_flags common;
  std::string strategy = "bayes", space = "eta=0.01:10:log,lambda=0.01:20:log", journal = "hyperparameter_search";
  std::string plot;
  std::size_t budget = 30, patience = 0, top = 5, initial = 5;
  unsigned parallel = 0;  // trials at once (0: one per core)
  double seconds = 0, lambda = 5.0, momentum = 0, target = 0.955, goal = 0.96;
  std::size_t hidden = 30;
  bool test = true, fresh = false;
};

int rank = 0;  // MPI rank (0 without MPI): only rank 0 prints and writes

using net30 = nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                            nndl::cross_entropy_cost, nndl::l2_regularizer, nndl::default_weight_init>;
using net100 = nndl::network<double, nndl::input<784>, nndl::dense<100, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                             nndl::cross_entropy_cost, nndl::l2_regularizer, nndl::default_weight_init>;

struct setting {
  double eta, lambda, momentum;
  std::size_t mini_batch, epochs, hidden;
};

setting setting_of(const options& o, const nndl::tune::space& s, const nndl::tune::point& x) {
  setting st{o.common.eta, o.lambda, o.momentum, o.common.mini_batch, o.common.epochs, o.hidden};
  for (const auto& [name, v] : s.named(x)) {
    if (name == "eta")
      st.eta = v;
    else if (name == "lambda")
      st.lambda = v;
    else if (name == "momentum")
      st.momentum = v;
    else if (name == "mini_batch")
      st.mini_batch = std::size_t(std::max(1.0, std::round(v)));
    else if (name == "epochs")
      st.epochs = std::size_t(std::max(1.0, std::round(v)));
    else if (name == "hidden")
      st.hidden = std::size_t(std::round(v));
  }
  return st;
}

/// Trains one network on the training set, scores it on validation after each epoch; returns the
/// best validation accuracy and its epoch. With `test`, trains to that epoch and scores test once.
/// With `save_to`, the trained network is saved there (the chosen model).
template <class Net>
std::pair<nndl::tune::outcome, double> train(const setting& st, const nndl::mnist_data<double>& data,
                                             std::uint64_t seed, std::size_t patience, std::size_t stop_at = 0,
                                             bool test = false, const std::string& save_to = "",
                                             const std::string& command = "") {
  Net net{seed};
  std::optional<nndl::early_stopping> early;
  if (patience > 0) early = nndl::early_stopping{.patience = patience};
  struct stop_after {  // the chosen model is trained again up to its best epoch
    std::size_t epochs;
    bool on_epoch_end(const Net&, const nndl::epoch_record& r) const { return epochs && r.epoch + 1 >= epochs; }
  };
  nndl::tune::outcome out;
  try {
    const auto h = nndl::sgd(net, data.training,
                             {.epochs = st.epochs,
                              .mini_batch = st.mini_batch,
                              .eta = st.eta,
                              .lambda = st.lambda,
                              .momentum = st.momentum,
                              .seed = seed,
                              .verbose = false},
                             nndl::evaluate_on(data.validation), early, stop_after{stop_at});
    const auto best = h.best_evaluation();
    out.score = best ? *best->evaluation_accuracy() : 0;
    out.epochs = h.epochs.size();
    out.note = "best epoch " + std::to_string(best ? best->epoch : 0);
  } catch (const nndl::training_diverged&) {
    out.score = 0.1;  // what guessing scores: the search learns to avoid the region
    out.note = "diverged";
  }
  const double t = test ? double(net.evaluate(data.test)) / double(data.test.size()) : 0;
  if (!save_to.empty())
    examples::save_as(
        net, save_to,
        examples::provenance(
            "hyperparameter_search", command,
            {.epochs = out.epochs, .mini_batch = st.mini_batch, .eta = st.eta, .lambda = st.lambda, .seed = seed},
            data.training.name,
            {{"saved", "the chosen trial, trained again to its best epoch"},
             {"momentum", st.momentum},
             {"validation_accuracy", out.score},
             {"test_accuracy", t}}));
  return {out, t};
}

std::pair<nndl::tune::outcome, double> train_any(const setting& st, const nndl::mnist_data<double>& data,
                                                 std::uint64_t seed, std::size_t patience, std::size_t stop_at = 0,
                                                 bool test = false, const std::string& save_to = "",
                                                 const std::string& command = "") {
  return nndl::choose_value<std::size_t{30}, std::size_t{100}>(st.hidden, "hidden", [&](auto h) {
    using Net = std::conditional_t<h() == 30, net30, net100>;
    return train<Net>(st, data, seed, patience, stop_at, test, save_to, command);
  });
}

std::uint64_t trial_seed(const options& o, std::size_t id) { return o.common.seed * 100003 + id; }

/// Everything besides the strategy and the space that decides a trial's score: the journal records
/// it, and a resume with anything else (other --epochs, another data folder) is refused by name.
nndl::tune::journal_settings journal_settings(const options& o, const std::string& strategy,
                                              const nndl::tune::space& s) {
  auto num = [](double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return std::string(b);
  };
  nndl::tune::journal_settings c{{"network", "[784, hidden, 10] sigmoid, cross-entropy, L2"}};
  const auto dir =
      nndl::find_data_dir(o.common.data.empty() ? std::nullopt : std::optional<std::filesystem::path>(o.common.data));
  c.emplace_back("data", std::filesystem::absolute(dir).lexically_normal().string());
  // A searched parameter takes its value from the space; the others are fixed by their flags.
  if (!s.has("epochs")) c.emplace_back("epochs", std::to_string(o.common.epochs));
  if (!s.has("mini_batch")) c.emplace_back("mini_batch", std::to_string(o.common.mini_batch));
  if (!s.has("eta")) c.emplace_back("eta", num(o.common.eta));
  if (!s.has("lambda")) c.emplace_back("lambda", num(o.lambda));
  if (!s.has("momentum")) c.emplace_back("momentum", num(o.momentum));
  if (!s.has("hidden")) c.emplace_back("hidden", std::to_string(o.hidden));
  c.emplace_back("patience", std::to_string(o.patience));
  c.emplace_back("seed", std::to_string(o.common.seed));
  if (strategy == "grid") c.emplace_back("budget", std::to_string(o.budget));     // the grid's levels follow from it
  if (strategy == "bayes") c.emplace_back("initial", std::to_string(o.initial));  // random trials before the model
  return c;
}

std::vector<nndl::tune::trial> search(const options& o, const std::string& strategy, const nndl::tune::space& s,
                                      const nndl::mnist_data<double>& data) {
  namespace tune = nndl::tune;
  const auto path = o.journal + "-" + strategy + ".csv";
  if (o.fresh && rank == 0) std::filesystem::remove(path);
  std::optional<tune::journal> j;
  if (rank == 0) {
    j.emplace(path, s, strategy, journal_settings(o, strategy, s));
    std::printf("\n== %s search, budget %zu trials%s, journal %s (%zu finished trials in it)\n", strategy.c_str(),
                o.budget, o.seconds > 0 ? (" or " + std::to_string(int(o.seconds)) + " s").c_str() : "", path.c_str(),
                j->trials().size());
  }
  auto st = tune::make_strategy(strategy, s, o.budget, o.common.seed, o.initial);
  auto objective = [&](const tune::point& x, std::size_t id, int) {
    return train_any(setting_of(o, s, x), data, trial_seed(o, id), o.patience).first;
  };
  tune::run_options ro{.budget = o.budget, .budget_seconds = o.seconds, .workers = o.parallel};
  nndl::progress_options po;
  po.quiet = o.common.quiet;
  nndl::progress trials(o.budget, "trials", po);
  double best = 0;
  ro.on_trial = [&](const tune::trial& t) {
    best = std::max(best, t.score);
    trials.clear_line();
    std::printf("  trial %3zu", t.id);
    for (const auto& p : s.parameters()) std::printf("  %s=%-9.4g", p.name.c_str(), t.x[s.index(p.name)]);
    std::printf("  validation %.2f%%  (%zu epochs, %s, %.1f s, worker %d)\n", 100 * t.score, t.epochs, t.note.c_str(),
                t.seconds, t.worker);
    std::fflush(stdout);
    char status[64];
    std::snprintf(status, sizeof status, "best validation %.2f%%", 100 * best);
    trials.tick(1, status);
  };
#ifdef NNDL_WITH_MPI
  if (examples::mpi::active()) return tune::run_search_mpi(*st, j ? &*j : nullptr, s, objective, ro);
#endif
  return tune::run_search(*st, *j, objective, ro);
}

}  // namespace

int main(int argc, char** argv) {
  const examples::mpi::session mpi_session(&argc, &argv);  // MPI_Init when mpirun started the program
  rank = examples::mpi::world.rank;
  cli::app app{"Hyperparameter search on the validation set: grid, random or Bayesian (GP + EI)"};
  options o;
  o.common.epochs = 10;
  o.common.eta = 0.5;
  examples::add_common_flags(app, o.common);
  app.add_option("--strategy", o.strategy, "grid, random, bayes, or all (the three in turn)")
      ->capture_default_str()
      ->check(cli::is_member({"grid", "random", "bayes", "all"}));
  app.add_option("--budget", o.budget, "Trials per strategy")->capture_default_str()->check(cli::positive_number);
  app.add_option("--seconds", o.seconds, "Time budget per strategy (no new round of trials after it; 0: none)");
  app.add_option("--space", o.space,
                 "name=lo:hi[:log][:int] or name=a|b|c, comma-separated; names: eta, lambda, mini_batch, epochs, "
                 "momentum, hidden (30|100)")
      ->capture_default_str();
  app.add_option("--lambda", o.lambda, "lambda when not searched")->capture_default_str();
  app.add_option("--momentum", o.momentum, "momentum when not searched")->capture_default_str();
  app.add_option("--hidden", o.hidden, "hidden neurons when not searched (30 or 100)")->capture_default_str();
  app.add_option("--parallel", o.parallel, "Trials at once (0: one per core; each trains on one thread)")
      ->capture_default_str();
  app.add_option("--patience", o.patience, "Stop a trial after N epochs without improvement (0: off)")
      ->capture_default_str();
  app.add_option("--initial", o.initial, "Random trials before Bayesian optimisation starts")->capture_default_str();
  app.add_option("--journal", o.journal, "Journal prefix: <prefix>-<strategy>.csv (resumed when it exists)")
      ->capture_default_str();
  app.add_flag("--fresh", o.fresh, "Start afresh: remove the journal first");
  app.add_option("--plot", o.plot, "Write <prefix>-trials.png and <prefix>-params.png");
  app.add_option("--target", o.target, "Report the trials each strategy needed to reach this accuracy")
      ->capture_default_str();
  app.add_option("--top", o.top, "Rows of the table of best trials")->capture_default_str();
  app.add_flag("!--no-test", o.test, "Do not score the chosen model on the test set");
  examples::add_save_flag(app, o.common, argc, argv, "Save the chosen network (trained again to its best epoch)");
  NNDL_PARSE(app, argc, argv);
  nndl::set_blas_threads(o.common.blas_threads > 0 ? o.common.blas_threads : 1);  // trials run in parallel
  if (rank == 0) std::cout << nndl::blas_summary() << '\n';
  namespace tune = nndl::tune;
  int status = 0;
  try {
    const auto s = tune::parse_space(o.space);
    if (!o.common.save.empty()) examples::check_writable(o.common.save);
    const auto data = examples::load_data<double>(o.common);
    if (rank == 0)
      std::printf("Network [784, %zu, 10], cross-entropy, L2; %zu epochs per trial; space %s; seed %llu\n", o.hidden,
                  o.common.epochs, s.spec().c_str(), static_cast<unsigned long long>(o.common.seed));
    const std::vector<std::string> strategies = o.strategy == "all"
                                                    ? std::vector<std::string>{"grid", "random", "bayes"}
                                                    : std::vector<std::string>{o.strategy};
    std::vector<std::pair<std::string, std::vector<tune::trial>>> runs;
    for (const auto& name : strategies) runs.emplace_back(name, search(o, name, s, data));
    if (rank == 0) {
      std::printf("\n");
      for (const auto& [name, trials] : runs) {
        std::printf("Best %s trials (of %zu):\n%s", name.c_str(), trials.size(),
                    tune::table(s, tune::best_trials(trials, o.top)).c_str());
      }
      std::printf("\nTrials needed to reach %.2f%% / %.2f%% validation accuracy:\n", 100 * o.target, 100 * o.goal);
      for (const auto& [name, trials] : runs) {
        const auto a = tune::trials_to_pass(trials, o.target), b = tune::trials_to_pass(trials, o.goal);
        const auto best = tune::best_trials(trials, 1);
        std::printf("  %-7s %-10s %-10s best %.2f%% in %zu trials\n", name.c_str(),
                    a ? std::to_string(*a).c_str() : "not within", b ? std::to_string(*b).c_str() : "not within",
                    best.empty() ? 0.0 : 100 * best[0].score, trials.size());
      }
      // The chosen model: the best trial over all strategies, retrained to its best epoch, scored on test once.
      std::optional<tune::trial> chosen;
      for (const auto& [name, trials] : runs)
        for (const auto& t : tune::best_trials(trials, 1))
          if (!chosen || t.score > chosen->score) chosen = t;
      if (chosen && (o.test || !o.common.save.empty())) {
        const auto st = setting_of(o, s, chosen->x);
        // The note holds "best epoch k" (not under MPI, which does not carry notes: then the full run).
        const bool known = chosen->note.rfind("best epoch ", 0) == 0;
        const std::size_t best_epoch = known ? std::stoul(chosen->note.substr(11)) : st.epochs - 1;
        const auto [r, test] = train_any(st, data, trial_seed(o, chosen->id), o.patience, known ? best_epoch + 1 : 0,
                                         true, o.common.save, o.common.command);
        std::printf("\nChosen: eta %g, lambda %g, mini-batch %zu, momentum %g, hidden %zu (trial %zu): validation "
                    "%.2f%% at epoch %zu",
                    st.eta, st.lambda, st.mini_batch, st.momentum, st.hidden, chosen->id, 100 * r.score, best_epoch);
        if (o.test) std::printf("; test accuracy (touched once) %.2f%%", 100 * test);
        std::printf("\n");
        if (!o.common.save.empty()) std::printf("Saved the chosen network: %s\n", o.common.save.c_str());
      }
      if (!o.plot.empty()) {
        for (const auto& p : tune::plot_search(s, runs, o.plot)) std::printf("Plot: %s\n", p.c_str());
      }
    }
  } catch (
      const std::exception& e) {  // bad space or data, a journal of another search, a --save that cannot be written
    std::cerr << "hyperparameter_search: " << e.what() << '\n';
    status = examples::bad_input;
  }
  return status;
}
