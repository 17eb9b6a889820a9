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
#include <algorithm>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/parallel.hpp"
#include "../detail/xtensor.hpp"
#include "../layers/layer.hpp"
#include "optimizer.hpp"
#include "process_group.hpp"

namespace nndl {

/// Training steps for a network by an optimizer: one mini-batch's forward pass, backpropagation and update.
template <class Net, optimizer Opt>
class trainer {
 public:
  /// The network's number type.
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
  /// (`next`) are prefetched into the L2 cache while this step computes (into L1 they would push out
  /// what the step itself works on).
  void take(const dataset<T>& data, std::span<const std::size_t> indices, const step_settings& s,
            std::span<const std::size_t> next = {}) {
    constexpr std::size_t n_in = Net::input_size;
    const std::size_t m = indices.size();
    T* x = gather(data, indices);
    constexpr std::size_t line = 64 / sizeof(T);
    for (std::size_t i : next)
      for (std::size_t k = 0; k < n_in; k += line) __builtin_prefetch(data.row(i) + k, 0, 1);
    take(x, std::span<const std::uint8_t>(labels_.data(), m), s);
  }

  /// One data-parallel step (train/process_group.hpp): this process's share `mine` of a mini-batch
  /// of m_global samples. Backpropagation sums the share's gradients, Σ_x ∂C_x/∂θ (the sum of
  /// 1.19–1.20 before the η/m), into one flat buffer; the group adds the K sums in a fixed order;
  /// then every process gives tensor after tensor to the optimizer as if one process had taken
  /// the whole mini-batch. `stop` travels with the gradients: the result is true on every process
  /// when it was true on any (so all stop after the same step). The buffer is made once.
  bool take_shared(const dataset<T>& data, std::span<const std::size_t> mine, std::size_t m_global,
                   const step_settings& s, process_group& g, bool stop = false) {
    if (sum_.empty()) {
      net_.for_each_parameter([&](const auto& slot, const auto& p) {
        offsets_.push_back(sum_.size()), layer_of_.push_back(slot.layer), sum_.resize(sum_.size() + p.size());
      });
      sum_.push_back(T(0));  // the stop flag
    }
    const std::size_t m = mine.size(), flag = sum_.size() - 1;
    opt_.begin_step(s);
    sum_.back() = stop ? T(1) : T(0);
    g.begin_sum(std::span<T>(sum_));  // each layer's part may travel as soon as backpropagation has made it
    g.ready(flag, flag + 1);
    if (m == 0) {
      std::fill(sum_.begin(), sum_.end() - 1, T(0));
      hand_over_in_backpropagation_order(g);  // every process must cut the buffer at the same places
    } else {
      T* x = gather(data, mine);
      const context ctx{team_.get()};
      net_.forward_training(ws_, x, m, ctx);
      collector c{sum_.data(), offsets_.data(), &g};
      net_.backpropagate(ws_, x, std::span<const std::uint8_t>(labels_.data(), m), c, ctx);
    }
    g.end_sum();
    using Reg = typename Net::regularizer;
    std::size_t k = 0;
    net_.for_each_parameter([&](const auto&, auto& p) {
      const parameter<T> q = p;
      detail::apply_sink(opt_.template sink<Reg>(k, q, m_global), sum_.data() + offsets_[k], q.size());
      opt_.template update<Reg>(k, q, m_global);
      ++k;
    });
    return sum_.back() != T(0);
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
  /// The rows of `data` at `indices` copied into the trainer's batch, their labels into labels_.
  T* gather(const dataset<T>& data, std::span<const std::size_t> indices) {
    constexpr std::size_t n_in = Net::input_size;
    const std::size_t m = indices.size();
    T* x = x_.reserve(m * n_in);
    if (labels_.size() < m) labels_.resize(m);
    for (std::size_t i = 0; i < m; ++i) {
      std::memcpy(x + i * n_in, data.row(indices[i]), n_in * sizeof(T));
      labels_[i] = data.labels[indices[i]];
    }
    return x;
  }
  /// Data-parallel steps: the sinks write each tensor's plain sum into its part of sum_, and each
  /// tensor is handed to the group when its layer's backward pass is done.
  struct collector {
    T* sum;
    const std::size_t* offsets;
    process_group* group;
    template <class Reg>
    gradient_sink<T> sink(std::size_t k, const parameter<T>&, std::size_t) const {
      return {sum + offsets[k], T(1), T(0)};
    }
    template <class Reg>
    void update(std::size_t k, const parameter<T>& p, std::size_t) const {
      group->ready(offsets[k], offsets[k] + p.size());
    }
  };
  /// ready() for every tensor as backpropagation calls it: the layers from the top, each layer's
  /// tensors in their order.
  void hand_over_in_backpropagation_order(process_group& g) const {
    const std::size_t tensors = offsets_.size();
    const auto end_of = [&](std::size_t k) { return k + 1 < tensors ? offsets_[k + 1] : sum_.size() - 1; };
    for (std::size_t end = tensors; end > 0;) {
      std::size_t begin = end - 1;
      while (begin > 0 && layer_of_[begin - 1] == layer_of_[end - 1]) --begin;
      for (std::size_t k = begin; k < end; ++k) g.ready(offsets_[k], end_of(k));
      end = begin;
    }
  }
  std::vector<T> sum_;
  std::vector<std::size_t> offsets_, layer_of_;
};

}  // namespace nndl
