// The callbacks nndl ships for the training loop (the hooks are in callback.hpp): the book's
// monitors, early stopping, the learning-rate schedule and a metrics file. They run in the order
// given, so a monitor (evaluate_on) must come before what reads its figures (early_stopping,
// eta_schedule, csv_metrics).
#pragma once

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/file.hpp"
#include "../detail/out_of_line.hpp"
#include "history.hpp"
#include "process_group.hpp"

namespace nndl {

namespace detail {
/// In data-parallel training (train_options::data_parallel), this process's contiguous share of a
/// data set to evaluate (copied once, when training begins); the counts are summed over the group.
template <class T>
struct evaluation_share {
  process_group* group = nullptr;
  std::shared_ptr<const dataset<T>> mine;
  template <class Options>
  void begin(const dataset<T>& d, const Options& o) {
    if constexpr (requires { o.data_parallel; }) group = o.data_parallel;
    if (!group || group->size() == 1) return group = nullptr, void();
    const auto r = share(d.size(), group->rank(), group->size());
    mine = std::make_shared<const dataset<T>>(d.slice(r.begin, r.begin + r.count));
  }
  /// How many of the data set the network classifies correctly (over the whole group).
  template <class Net>
  std::size_t correct(const Net& net, const dataset<T>& d, std::size_t workers) const {
    if (!group) return net.evaluate(d, workers);
    std::uint64_t c[1] = {mine->size() ? net.evaluate(*mine, workers) : 0};
    group->sum(std::span<std::uint64_t>(c));
    return std::size_t(c[0]);
  }
  /// network2.py's total_cost of the data set: each process's Σ_x C_x over its share, added in rank
  /// order, then the mean and the regulariser's term (the one-process figure up to rounding).
  template <class Net>
  double total_cost(const Net& net, const dataset<T>& d, double lambda, std::size_t workers) const {
    if (!group) return net.total_cost(d, lambda, workers);
    double s[1] = {mine->size() ? net.cost_sum(*mine, workers) : 0.0};
    group->sum(std::span<double>(s));
    const std::size_t n = std::max<std::size_t>(d.size(), 1);
    return s[0] / double(n) + net.regularizer_cost(lambda / double(n));
  }
};
}  // namespace detail

/// Accuracy on a data set after each epoch (network.py's test_data; network2.py's
/// monitor_evaluation_accuracy). Also its cost when with_cost is set.
template <class T>
struct evaluate_on {
  /// The data set it evaluates on.
  const dataset<T>* data;
  /// Whether it also computes the total cost (network2.py's monitor_evaluation_cost).
  bool with_cost = false;
  double lambda = 0;                    ///< for the regulariser's term of the cost
  std::size_t workers = 1;              ///< the training's workers (taken from its options)
  detail::evaluation_share<T> split{};  ///< data-parallel: this process's share of the data
  /// Evaluates on d after each epoch; with cost set, also its total cost with regularisation parameter lam.
  explicit evaluate_on(const dataset<T>& d, bool cost = false, double lam = 0)
      : data(&d), with_cost(cost), lambda(lam) {}

  /// Takes the training's workers (and, data-parallel, this process's share of the data).
  template <class Net, class Options>
  void on_train_begin(const Net&, const Options& o) {
    workers = o.workers;
    split.begin(*data, o);
  }
  /// Records the evaluation accuracy (and cost) of the epoch; never stops training.
  template <class Net>
  bool on_epoch_end(const Net& net, epoch_record& r) const {
    r.evaluation_correct = split.correct(net, *data, workers);
    r.evaluation_total = data->size();
    if (with_cost) r.evaluation_cost = split.total_cost(net, *data, lambda, workers);
    return false;
  }
};

/// Accuracy (and cost) on the training data after each epoch (network2.py's monitor_training_*).
template <class T>
struct monitor_training {
  /// The training data it evaluates on.
  const dataset<T>* data;
  //! @{
  /// Whether it records the training accuracy and the training cost.
  bool accuracy = true, cost = true;
  //! @}
  /// The regularisation parameter λ of the cost.
  double lambda = 0;
  /// The training's workers (taken from its options).
  std::size_t workers = 1;
  detail::evaluation_share<T> split{};  ///< data-parallel: this process's share of the data
  /// Monitors the training data d, the cost with regularisation parameter lam.
  explicit monitor_training(const dataset<T>& d, double lam = 0) : data(&d), lambda(lam) {}

  /// Takes the training's workers (and, data-parallel, this process's share of the data).
  template <class Net, class Options>
  void on_train_begin(const Net&, const Options& o) {
    workers = o.workers;
    if (accuracy || cost) split.begin(*data, o);
  }
  /// Records the training accuracy and cost of the epoch; never stops training.
  template <class Net>
  bool on_epoch_end(const Net& net, epoch_record& r) const {
    if (accuracy) {
      r.training_correct = split.correct(net, *data, workers);
      r.training_total = data->size();
    }
    if (cost) r.training_cost = split.total_cost(net, *data, lambda, workers);
    return false;
  }
};

namespace detail {
/// "No improvement in n epochs" (the book's chapter-3 exercise): counts the epochs since the best
/// evaluation accuracy; true when `patience` of them have passed (then the count starts again).
struct patience_counter {
  std::size_t patience = 10;
  double best = -1;
  std::size_t since_best = 0;
  bool run_out(const epoch_record& r, const char* who) {
    const auto acc = r.evaluation_accuracy();
    if (!acc)
      throw std::logic_error(std::string("nndl: ") + who + " needs evaluate_on(...) before it in the callbacks");
    if (*acc > best) {
      best = *acc;
      since_best = 0;
      return false;
    }
    if (++since_best < patience) return false;
    since_best = 0;
    return true;
  }
};
}  // namespace detail

/// Stops when the evaluation accuracy has not improved for `patience` epochs ("no-improvement-in-n").
struct early_stopping {
  /// The epochs without improvement that stop training.
  std::size_t patience = 10;

  /// True (stop) once `patience` epochs have passed without a better evaluation accuracy.
  template <class Net>
  bool on_epoch_end(const Net&, epoch_record& r) {
    counter.patience = patience;
    if (!counter.run_out(r, "early_stopping")) return false;
    r.note = "early stopping: no improvement in " + std::to_string(patience) + " epochs";
    return true;
  }
  /// The count of epochs since the best evaluation accuracy.
  detail::patience_counter counter{};
};

/// Chapter 3's learning-rate schedule: when the evaluation accuracy has not improved for `patience`
/// epochs, multiply η by `factor` (halve it); stop once η has fallen to `stop_ratio` of its first
/// value (1/128). Needs evaluate_on(...) before it.
struct eta_schedule {
  /// The epochs without improvement after which η changes.
  std::size_t patience = 10;
  /// What η is multiplied by then.
  double factor = 0.5;
  /// Training stops when η would fall to this fraction of its first value.
  double stop_ratio = 1.0 / 128;

  /// After `patience` epochs without improvement, sets the next epoch's η (r.next_eta), or stops (true).
  template <class Net>
  bool on_epoch_end(const Net&, epoch_record& r) {
    if (first_eta == 0) first_eta = r.eta;
    counter.patience = patience;
    if (!counter.run_out(r, "eta_schedule")) return false;
    const double next = r.eta * factor;
    if (next <= first_eta * stop_ratio * (1 + 1e-12)) {
      r.note = "learning-rate schedule: eta would fall to " + std::to_string(next) + ", 1/" +
               std::to_string(static_cast<long>(1 / stop_ratio + 0.5)) + " of its first value; stopping";
      return true;
    }
    r.next_eta = next;
    r.note = "learning-rate schedule: no improvement in " + std::to_string(patience) + " epochs, eta -> " +
             std::to_string(next);
    return false;
  }
  /// The first epoch's η.
  double first_eta = 0;
  /// The count of epochs since the best evaluation accuracy.
  detail::patience_counter counter{};
};

/// Writes the history so far as CSV after each epoch. The file is replaced atomically
/// (detail::atomic_file), so a crash never leaves half a file.
struct csv_metrics {
  /// The CSV file.
  std::filesystem::path path;
  /// The epochs recorded so far.
  std::vector<epoch_record> rows;

  std::string kept;  ///< rows of earlier epochs kept by resume()

  /// Writes to the CSV file p.
  explicit csv_metrics(std::filesystem::path p) : path(std::move(p)) {}

  /// For a run continued at first_epoch: keeps the existing file's rows of the earlier epochs.
  csv_metrics& resume(std::size_t first_epoch);

  /// Records the epoch and rewrites the file; never stops training.
  template <class Net>
  bool on_epoch_end(const Net&, epoch_record& r) {
    rows.push_back(r);
    write();
    return false;
  }

  /// Writes the header, the kept rows and every recorded epoch, atomically.
  void write() const;
};

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "callbacks.ipp"
#endif
