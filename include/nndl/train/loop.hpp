// nndl::train — the training loop: epochs of mini-batch steps over a reshuffled training set
// (network.py's SGD loop), with any optimizer, callbacks after each epoch, and the book's
// "Epoch k: correct / total" line printed here and nowhere else.
//
//   nndl::adam opt;
//   nndl::train(net, data.training, opt, {.epochs = 10, .mini_batch = 32, .eta = 0.001},
//               nndl::evaluate_on(data.test));
//
// nndl::sgd (sgd.hpp) is the same loop with the book's optimizer chosen from the options.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/out_of_line.hpp"
#include "../errors.hpp"
#include "../rng.hpp"
#include "callback.hpp"
#include "history.hpp"
#include "optimizer.hpp"
#include "trainer.hpp"

namespace nndl {

/// The settings of a training run (train() and sgd()).
struct train_options {
  std::size_t epochs = 30;  ///< the book's chapter-1 defaults
  /// The mini-batch size m.
  std::size_t mini_batch = 10;
  double eta = 3.0;     ///< learning rate η
  double lambda = 0.0;  ///< for the network's regulariser (ignored without one)
  /// sgd() only: μ of momentum-based gradient descent (3.107); 0 is plain SGD. train() refuses it
  /// (there the optimizer holds μ: sgd_optimizer({.momentum})); it is kept because sgd() is the
  /// one call of a run that tunes μ with the other options (examples/hyperparameter_search.cpp).
  double momentum = 0.0;
  std::uint64_t seed = 1;  ///< for the shuffles
  bool shuffle = true;     ///< reshuffle the training data every epoch (network.py does)
  bool verbose = true;     ///< print the book's "Epoch k: correct / total" lines
  /// Threads that share each mini-batch (the conv and pooling layers split its samples, wide dense
  /// layers their neurons) and each evaluation of the callbacks; 1 keeps all work on the caller.
  std::size_t workers = 1;
  //! @{
  /// Continue a run (after load_checkpoint): epochs first_epoch .. epochs − 1 are run, the first
  /// of them from mini-batch first_batch on, and the earlier epochs' shuffles are replayed so that
  /// the data order is the uninterrupted run's.
  std::size_t first_epoch = 0, first_batch = 0;
  //! @}
  std::string label{};  ///< "Network 2": epoch lines read "Network 2, epoch 3: ..."
  /// Where the epoch lines go (nullptr: nowhere).
  std::ostream* out = &std::cout;
  /// Checked after every mini-batch: when it becomes true, training stops there (interrupted).
  const std::atomic<bool>* stop = nullptr;
  /// Stop with training_diverged (naming the epoch and η) when a run has diverged: a weight is not a
  /// finite number (checked always) or above 1e6 in size; a monitored cost is not finite; or the
  /// evaluation accuracy is at chance (within 2 points of 1 / outputs) after it had been 20 points
  /// above it, or for two epochs in a row while the largest weight has at least doubled since
  /// training began (a learning rate so large that the neurons saturate: the book's η = 100).
  bool stop_on_divergence = true;
  /// Data-parallel training (train/process_group.hpp; over MPI: nndl/mpi/data_parallel.hpp's
  /// mpi_group): every process of the group calls train with the same network, data, seed and
  /// options; each takes its share of every mini-batch (the first mini_batch mod K processes one
  /// sample more), the gradients are summed in a fixed order before the one update all apply, and
  /// evaluate_on splits its data set and sums the counts. Only process 0 prints. nullptr: one process.
  process_group* data_parallel = nullptr;
};

namespace detail {
/// The largest |weight| or bias of the network (infinity when one is not a finite number).
template <class Net>
double largest_parameter(const Net& net) {
  double m = 0;
  net.for_each_parameter([&](const auto&, const auto& p) {
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double v = std::abs(double(p.value[i]));
      m = std::isfinite(v) ? std::max(m, v) : INFINITY;
    }
  });
  return m;
}

/// Why the run has diverged after this epoch, or "" (train_options::stop_on_divergence).
NNDL_OUT_OF_LINE std::string divergence(const epoch_record& r, const epoch_record* previous, double largest,
                                        double start_largest, double best_accuracy, std::size_t classes, bool checks);

/// "Epoch 3: 9512 / 10000   (0.130 s training)", or with a label "Network 2, epoch 3: ...".
NNDL_OUT_OF_LINE std::string epoch_line(const std::string& label, const epoch_record& r);
}  // namespace detail

/// Trains `net` on `training` with `opt` (its state continues from any earlier training with it).
template <class Net, optimizer Opt, class... Callbacks>
train_history train(Net& net, const dataset<typename Net::scalar>& training, Opt& opt, const train_options& o,
                    Callbacks&&... callbacks) {
  static_assert((detail::check_callback<Callbacks, Net>() && ...));
  using clock = std::chrono::steady_clock;
  if (o.mini_batch == 0) throw std::invalid_argument("nndl: train: mini_batch must be at least 1");
  if (o.momentum != 0)
    throw std::invalid_argument("nndl: train: train_options::momentum is read by sgd() only; with train(), give "
                                "it to the optimizer: sgd_optimizer({.momentum = ...})");
  if (training.features() != Net::input_size)
    throw std::invalid_argument("nndl: train: " + training.name + " has " + std::to_string(training.features()) +
                                " values per sample, the network takes " + std::to_string(Net::input_size));
  for (auto l : training.labels)
    if (l >= Net::output_size)
      throw std::invalid_argument("nndl: train: " + training.name + " has label " + std::to_string(l) +
                                  ", the network has " + std::to_string(Net::output_size) + " outputs");
  (detail::call_train_begin(callbacks, net, o), ...);

  trainer<Net, Opt> step(net, opt, o.workers);
  process_group* const group = o.data_parallel;
  const bool speaks = !group || group->rank() == 0;  // only process 0 prints
  bool group_stop = false;                           // any process's stop flag at the last step
  const std::size_t n = training.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng shuffler(o.seed);
  double eta = o.eta;  // callbacks may change it between epochs (eta_schedule)
  double best = 0;     // the best evaluation accuracy so far
  const double start_largest = detail::largest_parameter(net);
  train_history h;
  auto throw_diverged = [](std::size_t epoch, double eta_now, const std::string& why) {
    char e[32];
    std::snprintf(e, sizeof e, "%g", eta_now);
    throw training_diverged("nndl: training diverged in epoch " + std::to_string(epoch) + " (eta = " + e + "): " + why +
                            "; try a smaller eta");
  };
  if (o.shuffle)
    for (std::size_t epoch = 0; epoch < o.first_epoch && epoch < o.epochs; ++epoch)
      shuffler.shuffle(order.begin(), order.end());
  const auto begin = clock::now();
  const std::size_t batches = (n + o.mini_batch - 1) / o.mini_batch;
  for (std::size_t epoch = o.first_epoch; epoch < o.epochs; ++epoch) {
    const auto t0 = clock::now();
    if (o.shuffle) shuffler.shuffle(order.begin(), order.end());
    const step_settings s{eta, o.lambda, n};
    const std::size_t first = epoch == o.first_epoch ? o.first_batch : 0;
    for (std::size_t batch = first; batch < batches; ++batch) {
      const std::size_t k = batch * o.mini_batch, next = std::min(k + o.mini_batch, n);
      bool stop_now = false;
      if (group) {  // the processes agree on stopping: the flags (as they were before the step) travel with the sums
        const auto mine = share(next - k, group->rank(), group->size());
        stop_now = group_stop =
            step.take_shared(training, std::span(order).subspan(k + mine.begin, mine.count), next - k, s, *group,
                             o.stop && o.stop->load(std::memory_order_relaxed));
      } else {
        step.take(training, std::span(order).subspan(k, next - k), s,
                  std::span(order).subspan(next, std::min(o.mini_batch, n - next)));
      }
      (detail::call_batch_end(callbacks, net, batch, batches), ...);
      if (!group) stop_now = o.stop && o.stop->load(std::memory_order_relaxed);
      if (stop_now && batch + 1 < batches) {
        h.interrupted = true, h.epochs_done = epoch, h.batches_done = batch + 1;
        h.stop_reason = "interrupted after mini-batch " + std::to_string(batch + 1) + " of " + std::to_string(batches) +
                        " in epoch " + std::to_string(epoch);
        break;
      }
    }
    if (h.interrupted) break;
    epoch_record r;
    r.epoch = epoch;
    r.eta = eta;
    r.train_seconds = std::chrono::duration<double>(clock::now() - t0).count();
    h.train_seconds += r.train_seconds;
    const double largest = detail::largest_parameter(net);
    if (!std::isfinite(largest))
      throw_diverged(epoch, eta, detail::divergence(r, nullptr, largest, start_largest, best, Net::output_size, false));
    r.elapsed_seconds = std::chrono::duration<double>(clock::now() - begin).count();  // as callbacks see it
    bool stop = false;
    ((stop = detail::call_epoch_end(callbacks, net, r) || stop), ...);
    r.elapsed_seconds = std::chrono::duration<double>(clock::now() - begin).count();
    const epoch_record* previous = h.epochs.empty() ? nullptr : &h.epochs.back();
    if (const std::string why =
            detail::divergence(r, previous, largest, start_largest, best, Net::output_size, o.stop_on_divergence);
        !why.empty())
      throw_diverged(epoch, eta, why);
    if (const auto a = r.evaluation_accuracy()) best = std::max(best, *a);
    if (o.verbose && o.out && speaks) *o.out << detail::epoch_line(o.label, r) << std::flush;
    if (r.next_eta) eta = *r.next_eta;
    h.epochs.push_back(r);
    h.epochs_done = epoch + 1;
    if (stop) {
      h.stop_reason = r.note.empty() ? "stopped by a callback" : r.note;
      break;
    }
    if ((group ? group_stop : o.stop && o.stop->load(std::memory_order_relaxed)) && epoch + 1 < o.epochs) {
      h.interrupted = true;
      h.stop_reason = "interrupted after epoch " + std::to_string(epoch);
      break;
    }
  }
  h.total_seconds = std::chrono::duration<double>(clock::now() - begin).count();
  h.eta = eta;
  (detail::call_train_end(callbacks, net, h), ...);
  return h;
}

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "loop.ipp"
#endif
