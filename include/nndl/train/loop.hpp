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
#include <tuple>
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

namespace detail {
/// What train() does with the network, the optimizer and the callbacks, behind one interface: the
/// epoch loop around it (run_epochs) is then compiled once, not once per network type.
struct training_steps {
  /// One mini-batch step on these rows of the training set (next: the rows after them, to prefetch).
  virtual void take(std::span<const std::size_t> rows, const step_settings& s, std::span<const std::size_t> next) = 0;
  /// This process's rows of a mini-batch of m_global (train_options::data_parallel); true when any
  /// process's stop flag was set.
  virtual bool take_shared(std::span<const std::size_t> mine, std::size_t m_global, const step_settings& s,
                           process_group& group, bool stop) = 0;
  /// The callbacks' on_batch_end.
  virtual void batch_end(std::size_t batch, std::size_t batches) = 0;
  /// The callbacks' on_epoch_end, every one of them; true when one asks to stop.
  virtual bool epoch_end(epoch_record& r) = 0;
  /// The largest |w| or |b| of the network; infinite when one is not a finite number.
  virtual double largest_parameter() const = 0;

 protected:
  ~training_steps() = default;
};

/// The epochs of train() over n samples of `classes` classes: the shuffles, the steps, the epoch
/// records, the divergence checks, the stops and the "Epoch k" lines.
NNDL_OUT_OF_LINE train_history run_epochs(training_steps& steps, std::size_t n, std::size_t classes,
                                          const train_options& o);
}  // namespace detail

/// Trains `net` on `training` with `opt` (its state continues from any earlier training with it).
template <class Net, optimizer Opt, class... Callbacks>
train_history train(Net& net, const dataset<typename Net::scalar>& training, Opt& opt, const train_options& o,
                    Callbacks&&... callbacks) {
  static_assert((detail::check_callback<Callbacks, Net>() && ...));
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

  struct steps final : detail::training_steps {
    Net& net;
    const dataset<typename Net::scalar>& training;
    trainer<Net, Opt> step;
    std::tuple<Callbacks&...> callbacks;

    steps(Net& n, const dataset<typename Net::scalar>& t, Opt& opt, std::size_t workers, Callbacks&... c)
        : net(n), training(t), step(n, opt, workers), callbacks(c...) {}
    void take(std::span<const std::size_t> rows, const step_settings& s, std::span<const std::size_t> next) override {
      step.take(training, rows, s, next);
    }
    bool take_shared(std::span<const std::size_t> mine, std::size_t m_global, const step_settings& s,
                     process_group& group, bool stop) override {
      return step.take_shared(training, mine, m_global, s, group, stop);
    }
    void batch_end(std::size_t batch, std::size_t batches) override {
      std::apply([&](auto&... c) { (detail::call_batch_end(c, net, batch, batches), ...); }, callbacks);
    }
    bool epoch_end(epoch_record& r) override {
      bool stop = false;
      std::apply([&](auto&... c) { ((stop = detail::call_epoch_end(c, net, r) || stop), ...); }, callbacks);
      return stop;
    }
    double largest_parameter() const override { return detail::largest_parameter(net); }
  } s(net, training, opt, o.workers, callbacks...);
  train_history h = detail::run_epochs(s, training.size(), Net::output_size, o);
  (detail::call_train_end(callbacks, net, h), ...);
  return h;
}

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "loop.ipp"
#endif
