// One mini-batch step after another, with everything a step needs made once: the network's
// workspace, the optimizer's state, the batch the shuffled rows are gathered into, and the team of
// worker threads that shares each step. The training loop (loop.hpp) drives it; a hand-written
// loop can too:
//
//   nndl::sgd_optimizer opt({.momentum = 0.9});
//   nndl::trainer step(net, opt, /*workers*/ 2);
//   step.take(data, indices_of_this_batch, {.eta = 0.5, .lambda = 5, .n = data.size()});
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/parallel.hpp"
#include "../detail/xtensor.hpp"
#include "../layers/layer.hpp"
#include "optimizer.hpp"

namespace nndl {

template <class Net, optimizer Opt>
class trainer {
 public:
  using T = typename Net::scalar;

  /// Steps for `net` by `opt` on `workers` threads (1: all on the calling thread).
  trainer(Net& net, Opt& opt, std::size_t workers = 1) : net_(net), opt_(opt), team_(detail::make_team(workers)) {
    std::vector<std::size_t> sizes;
    net.for_each_parameter([&](const auto&, const auto& p) { sizes.push_back(p.size()); });
    opt.template prepare<T>(sizes);
  }
  trainer(const trainer&) = delete;
  trainer& operator=(const trainer&) = delete;

  /// One step on the rows at x (row-major {labels.size(), input_size}).
  void take(const T* x, std::span<const std::uint8_t> labels, const step_settings& s) {
    if (labels.empty()) return;
    const context ctx{team_.get()};
    opt_.begin_step(s);
    net_.forward_training(ws_, x, labels.size(), ctx);
    net_.backpropagate(ws_, x, labels, opt_, ctx);
  }

  /// One step on the samples of `data` at `indices`, gathered into the trainer's batch (no
  /// allocation). Shuffled rows come from main memory one by one; the rows of the next mini-batch
  /// (`next`) are prefetched into the cache while this step computes.
  void take(const dataset<T>& data, std::span<const std::size_t> indices, const step_settings& s,
            std::span<const std::size_t> next = {}) {
    constexpr std::size_t n_in = Net::input_size;
    const std::size_t m = indices.size();
    T* x = x_.reserve(m * n_in);
    if (labels_.size() < m) labels_.resize(m);
    for (std::size_t i = 0; i < m; ++i) {
      std::memcpy(x + i * n_in, data.row(indices[i]), n_in * sizeof(T));
      labels_[i] = data.labels[indices[i]];
    }
    constexpr std::size_t line = 64 / sizeof(T);
    for (std::size_t i : next)
      for (std::size_t k = 0; k < n_in; k += line) __builtin_prefetch(data.row(i) + k);
    take(x, std::span<const std::uint8_t>(labels_.data(), m), s);
  }

  /// The threads that share each step (the caller and its helpers).
  std::size_t workers() const { return team_ ? team_->size() : 1; }

 private:
  Net& net_;
  Opt& opt_;
  std::unique_ptr<detail::worker_team> team_;
  typename Net::workspace ws_;
  detail::grow_buffer<T> x_;
  std::vector<std::uint8_t> labels_;
};

}  // namespace nndl
