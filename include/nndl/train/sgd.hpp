// nndl::sgd — network.py's SGD: epochs of mini-batch updates over a reshuffled training set,
// with callbacks after each epoch.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/parallel.hpp"
#include "../rng.hpp"
#include "callbacks.hpp"
#include "history.hpp"

namespace nndl {

struct sgd_options {
  std::size_t epochs = 30;      ///< the book's chapter-1 defaults
  std::size_t mini_batch = 10;
  double eta = 3.0;
  double lambda = 0.0;          ///< for the network's regulariser (ignored without one)
  double momentum = 0.0;        ///< μ of momentum SGD (3.107); 0 is plain SGD
  std::uint64_t seed = 1;       ///< for the shuffles
  bool shuffle = true;          ///< reshuffle the training data every epoch (network.py does)
  bool verbose = true;          ///< print the book's "Epoch k: correct / total" lines
  /// Threads that share each mini-batch's samples in the convolution and pooling layers (and the
  /// evaluations callbacks run); 1 keeps all work on the calling thread. See detail/parallel.hpp.
  std::size_t threads = 1;
  /// Continue a run at this epoch (after load_checkpoint): epochs first_epoch .. epochs − 1 are run,
  /// and the earlier epochs' shuffles are replayed so the data order is the uninterrupted run's.
  std::size_t first_epoch = 0;
  std::ostream* out = &std::cout;
};

/// Thrown when the weights stop being finite numbers.
struct training_diverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class Net, class Cb>
bool call_epoch_end(Cb& cb, const Net& net, epoch_record& r) {
  if constexpr (requires { cb.on_epoch_end(net, r); }) {
    if constexpr (std::is_same_v<decltype(cb.on_epoch_end(net, r)), bool>)
      return cb.on_epoch_end(net, r);
    else
      cb.on_epoch_end(net, r);
  }
  return false;
}

template <class Net, class Cb>
void call_batch_end(Cb& cb, const Net& net, std::size_t batch, std::size_t batches) {
  if constexpr (requires { cb.on_batch_end(net, batch, batches); }) cb.on_batch_end(net, batch, batches);
}

template <class Net>
bool all_finite(const Net& net) {
  bool ok = true;
  net.for_each_layer([&](const auto& l, std::size_t) {
    if constexpr (std::decay_t<decltype(l)>::has_parameters) {
      for (auto v : l.w) ok = ok && std::isfinite(v);
      for (auto v : l.b) ok = ok && std::isfinite(v);
    }
  });
  return ok;
}
}  // namespace detail

template <class Net, class... Callbacks>
train_history sgd(Net& net, const dataset<typename Net::scalar>& training, const sgd_options& o,
                  Callbacks&&... callbacks) {
  using clock = std::chrono::steady_clock;
  if (o.mini_batch == 0) throw std::invalid_argument("nndl: sgd: mini_batch must be at least 1");
  if (training.features() != Net::input_size)
    throw std::invalid_argument("nndl: sgd: " + training.name + " has " + std::to_string(training.features()) +
                                " values per sample, the network takes " + std::to_string(Net::input_size));
  for (auto l : training.labels)
    if (l >= Net::output_size)
      throw std::invalid_argument("nndl: sgd: " + training.name + " has label " + std::to_string(l) +
                                  ", the network has " + std::to_string(Net::output_size) + " outputs");

  (
      [&] {
        if constexpr (requires { callbacks.on_train_begin(net, o); }) callbacks.on_train_begin(net, o);
      }(),
      ...);

  detail::team_scope team(o.threads);
  const std::size_t n = training.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng shuffler(o.seed);
  double eta = o.eta;  // callbacks may change it between epochs (eta_schedule)
  train_history h;
  if (o.shuffle)
    for (std::size_t epoch = 0; epoch < o.first_epoch && epoch < o.epochs; ++epoch)
      shuffler.shuffle(order.begin(), order.end());
  const auto begin = clock::now();
  for (std::size_t epoch = o.first_epoch; epoch < o.epochs; ++epoch) {
    const auto t0 = clock::now();
    if (o.shuffle) shuffler.shuffle(order.begin(), order.end());
    const sgd_step step{eta, o.lambda, n, o.momentum};
    [[maybe_unused]] const std::size_t batches = (n + o.mini_batch - 1) / o.mini_batch;
    for (std::size_t k = 0, batch = 0; k < n; k += o.mini_batch, ++batch) {
      const std::size_t next = std::min(k + o.mini_batch, n);
      net.update_mini_batch(training, std::span(order).subspan(k, next - k), step,
                            std::span(order).subspan(next, std::min(o.mini_batch, n - next)));
      (detail::call_batch_end(callbacks, net, batch, batches), ...);  // nothing unless a callback has the hook
    }
    epoch_record r;
    r.epoch = epoch;
    r.eta = eta;
    r.train_seconds = std::chrono::duration<double>(clock::now() - t0).count();
    h.train_seconds += r.train_seconds;
    if (!detail::all_finite(net))
      throw training_diverged("nndl: training diverged in epoch " + std::to_string(epoch) + " (eta = " +
                              std::to_string(eta) + "): a weight is no longer a finite number; try a smaller eta");
    r.elapsed_seconds = std::chrono::duration<double>(clock::now() - begin).count();  // as callbacks see it
    bool stop = false;
    ((stop = detail::call_epoch_end(callbacks, net, r) || stop), ...);
    r.elapsed_seconds = std::chrono::duration<double>(clock::now() - begin).count();
    if (o.verbose && o.out) {
      auto& os = *o.out;
      if (r.evaluation_correct)
        os << "Epoch " << epoch << ": " << *r.evaluation_correct << " / " << *r.evaluation_total;
      else
        os << "Epoch " << epoch << " complete";
      char t[64];
      std::snprintf(t, sizeof t, "   (%.3f s training)", r.train_seconds);
      os << t << '\n' << std::flush;
      if (!r.note.empty()) os << r.note << '\n';
    }
    if (r.next_eta) eta = *r.next_eta;
    h.epochs.push_back(r);
    if (stop) {
      h.stop_reason = r.note.empty() ? "stopped by a callback" : r.note;
      break;
    }
  }
  h.total_seconds = std::chrono::duration<double>(clock::now() - begin).count();
  (
      [&] {
        if constexpr (requires { callbacks.on_train_end(net, h); }) callbacks.on_train_end(net, h);
      }(),
      ...);
  return h;
}

}  // namespace nndl
