// nndl::network — one statically typed feed-forward network, written as a flat list of parts:
//
//   using net_t = nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>,
//                               nndl::dense<10, nndl::sigmoid>, nndl::quadratic_cost,
//                               nndl::large_weight_init>;
//
// (composition.hpp says which parts and checks each composition.) The network holds its layers'
// parameters and runs them: forward passes for inference, and for training a forward pass and
// backpropagation whose parameter gradients go to a gradient consumer (an optimizer, or the plain
// gradient store of compute_gradient). It knows nothing of epochs, shuffles or optimizers.
//
// Mini-batches are matrices with one sample per row. A pass runs in a workspace (its buffers and
// the layers' scratch) that grows to the largest batch seen and is then reused. The const methods
// (feedforward, predict, evaluate, total_cost) take a workspace from a pool: one network can serve
// several threads at once.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/scratch_pool.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "architecture.hpp"
#include "composition.hpp"
#include "gradient_consumer.hpp"
#include "workspace.hpp"

namespace nndl {

/// Where a parameter tensor sits in the network (the parameter walk hands it out with the tensor).
struct parameter_slot {
  std::size_t tensor = 0;          ///< 0, 1, ... over every parameter tensor: an optimizer's index
  std::size_t layer = 0;           ///< the layer's position among all layers (checkpoints: l<layer>_w)
  std::size_t weighted_layer = 0;  ///< its position among the layers with parameters (network2.py's weights[k])
};

/// A feed-forward network of scalar T (float or double) made of Parts: an input, layers, a cost and optionally a weight
/// initialisation and a regulariser.
template <class T, class... Parts>
class network {
  using parts = detail::composition<T, Parts...>;

 public:
  /// The number type, float or double.
  using scalar = T;
  /// Its input part, input<...>.
  using input_part = typename parts::input_part;
  /// The shape of an input sample.
  using input_shape = typename parts::input_shape;
  /// Its cost policy.
  using cost = typename parts::cost;
  /// Its weight initialisation policy (default_weight_init unless given).
  using init = typename parts::init;
  /// Its regulariser policy (no_regularizer unless given).
  using regularizer = typename parts::regularizer;
  /// Its layers, as a std::tuple of layer types, input side first.
  using layers_type = typename parts::layers_type;
  /// The number of layers (the input is not one).
  static constexpr std::size_t depth = parts::depth;
  /// Whether every layer fits the shape before it (if not, a compile-time error says which).
  static constexpr bool layers_fit = parts::layers_fit;
  /// The type of layer I.
  template <std::size_t I>
  using layer_type = std::tuple_element_t<I, layers_type>;
  /// The type of the last layer.
  using output_layer_type = typename parts::output_layer_type;
  /// The activation of the last layer (the cost checks it).
  using output_activation = typename parts::output_activation;
  /// The values per input sample.
  static constexpr std::size_t input_size = input_shape::size;
  /// The outputs per sample.
  static constexpr std::size_t output_size = output_layer_type::out_size;
  /// The buffers of a pass (one per thread that runs one).
  using workspace = detail::network_workspace<T, input_size, output_size, layers_type>;

 private:
  static constexpr std::array<std::size_t, depth + 1> first_tensor = [] {  // prefix sums of parameter_tensors
    std::array<std::size_t, depth + 1> f{};
    detail::static_for<depth>([&](auto i) { f[i() + 1] = f[i()] + layer_type<i()>::parameter_tensors; });
    return f;
  }();

 public:
  /// The number of parameter tensors of all layers (two per dense or conv layer).
  static constexpr std::size_t parameter_tensors = first_tensor[depth];

  /// A network with weights drawn by its initialisation policy from a seeded generator.
  explicit network(std::uint64_t seed = 0) { initialize(seed); }

  /// Draws new weights from a seeded generator, by the network's initialisation policy or another.
  template <class Init = init>
  void initialize(std::uint64_t seed) {
    static_assert(init_policy<Init>, "nndl: initialize<Init>: Init must be a weight initialisation policy");
    seed_ = seed;
    rng r(seed);
    detail::static_for<depth>([&](auto i) { std::get<i()>(layers_).template initialize<Init>(r); });
  }
  /// The seed its weights were last drawn from.
  std::uint64_t seed() const { return seed_; }

  /// Layer I.
  template <std::size_t I>
  layer_type<I>& layer() {
    return std::get<I>(layers_);
  }
  /// Layer I.
  template <std::size_t I>
  const layer_type<I>& layer() const {
    return std::get<I>(layers_);
  }

  /// Calls f(layer, index) for each layer, input side first.
  template <class F>
  void for_each_layer(F&& f) {
    detail::static_for<depth>([&](auto i) { f(std::get<i()>(layers_), i()); });
  }
  /// Calls f(layer, index) for each layer, input side first.
  template <class F>
  void for_each_layer(F&& f) const {
    detail::static_for<depth>([&](auto i) { f(std::get<i()>(layers_), i()); });
  }

  /// The parameter walk: f(parameter_slot, parameter<T>) for every parameter tensor, input side
  /// first, weights before biases. Every file format, the gradient check and the optimizers use it.
  template <class F>
  void for_each_parameter(F&& f) {
    walk(*this, f);
  }
  /// The parameter walk of a const network: f(parameter_slot, parameter<const T>).
  template <class F>
  void for_each_parameter(F&& f) const {
    walk(*this, f);
  }

  /// The number of weights and biases.
  static constexpr std::size_t parameter_count() {
    std::size_t n = 0;
    detail::static_for<depth>([&](auto i) { n += layer_type<i()>::parameter_count(); });
    return n;
  }

  /// What this network is, as data (architecture.hpp).
  static architecture_record record() {
    architecture_record a{std::is_same_v<T, float> ? "float" : "double",
                          {input_shape::channels, input_shape::height, input_shape::width},
                          {},
                          std::string(cost::name),
                          std::string(cost::book_name),
                          std::string(init::name),
                          std::string(regularizer::name)};
    detail::static_for<depth>([&](auto i) { a.layers.push_back(layer_type<i()>::record()); });
    return a;
  }

  // ---- inference: const, safe from several threads at once ---------------------------------

  /// The output activations for `rows` samples at x (row-major {rows, input_size}), computed in
  /// `ws`; the view points into it and stays valid until its next use.
  detail::cview<T> feedforward(const T* x, std::size_t rows, workspace& ws, const context& ctx = {}) const {
    ws.reserve(rows, false);
    detail::static_for<depth>([&](auto i) {
      std::get<i()>(layers_).forward(ws.template batch<i()>(x, rows), ws.template scratch<i()>(), ctx);
    });
    return ws.output(rows);
  }
  /// The same as a matrix {rows, output_size}.
  matrix<T> feedforward(const T* x, std::size_t rows) const {
    const auto ws = pool_.take();
    return feedforward(x, rows, *ws);
  }
  /// The output activations {rows, output_size} for the samples of a matrix expression {rows, input_size}.
  template <class E>
  matrix<T> feedforward(const xt::xexpression<E>& e) const {
    const matrix<T> x = e.derived_cast();  // a copy makes any expression contiguous
    check_columns(x.shape()[1]);
    return feedforward(x.data(), x.shape()[0]);
  }

  /// The index of the most active output neuron for one sample (a row of input_size values).
  std::size_t predict(const T* sample) const {
    const auto ws = pool_.take();
    return detail::argmax_row(feedforward(sample, 1, *ws), 0);
  }

  /// How many samples of the data set the network classifies correctly; with several workers,
  /// blocks of eval_chunk rows go to threads of their own (the count is the same).
  std::size_t evaluate(const dataset<T>& data, std::size_t workers = 1) const {
    check_columns(data.features());
    return detail::sum_over_chunks<std::size_t>(data.size(), eval_chunk, workers,
                                                [&](std::size_t start, std::size_t rows) {
                                                  const auto ws = pool_.take();
                                                  const auto a = feedforward(data.row(start), rows, *ws);
                                                  std::size_t correct = 0;
                                                  for (std::size_t i = 0; i < rows; ++i)
                                                    correct += detail::argmax_row(a, i) == data.labels[start + i];
                                                  return correct;
                                                });
  }

  /// network2.py's total_cost: (1/n) Σ_x C_x + the regulariser's term with n = data.size().
  double total_cost(const dataset<T>& data, double lambda = 0.0, std::size_t workers = 1) const {
    const std::size_t n = std::max<std::size_t>(data.size(), 1);
    return cost_sum(data, workers) / double(n) + regularizer_cost(lambda / double(n));
  }
  /// Σ_x C_x over the data set (no mean, no regulariser): what a part of a split evaluation adds.
  double cost_sum(const dataset<T>& data, std::size_t workers = 1) const {
    check_columns(data.features());
    return detail::sum_over_chunks<double>(data.size(), eval_chunk, workers, [&](std::size_t start, std::size_t rows) {
      const auto ws = pool_.take();
      feedforward(data.row(start), rows, *ws);
      ws->set_targets(std::span(data.labels).subspan(start, rows));
      return output_cost(*ws, rows);
    });
  }
  /// The regulariser's term of the cost, R(w) with λ/n (0 when it is 0), as total_cost adds it.
  double regularizer_cost(double lambda_over_n) const {
    double r = 0;
    if (lambda_over_n != 0)
      for_each_parameter([&](const parameter_slot&, const parameter<const T>& p) {
        if (p.regularized) r += regularizer::cost(detail::flat_view(p.value, p.size()), lambda_over_n);
      });
    return r;
  }

  // ---- training building blocks --------------------------------------------------------------

  /// The forward pass of training (dropout draws its masks; layers keep what backward needs).
  void forward_training(workspace& ws, const T* x, std::size_t rows, const context& ctx = {}) {
    ws.reserve(rows, true);
    detail::static_for<depth>([&](auto i) {
      std::get<i()>(layers_).forward_training(ws.template batch<i()>(x, rows), ws.template scratch<i()>(), ctx);
    });
  }

  /// Backpropagation after forward_training on the same rows: BP1 at the output, then BP2–BP4
  /// layer by layer towards the input. Each layer's parameter gradients go where the consumer's
  /// sinks say; the consumer's update(...) follows each layer's backward pass.
  template <class Consumer>
  void backpropagate(workspace& ws, const T* x, std::span<const std::uint8_t> labels, Consumer& c,
                     const context& ctx = {}) {
    static_assert(
        gradient_consumer<Consumer, T, regularizer>,
        "nndl: backpropagate needs a gradient consumer: sink<Reg>(k, parameter, m) and update<Reg>(k, parameter, m)");
    const std::size_t m = labels.size();
    ws.set_targets(labels);
    constexpr std::size_t L = depth - 1;
    cost::template output_delta<output_activation>(ws.template z_of<L>(m), ws.template a_of<L>(m), ws.targets(m),
                                                   ws.template delta<L>(m));  // BP1
    detail::static_for<depth, true>([&](auto i) {
      constexpr std::size_t l = i();
      auto& lay = std::get<l>(layers_);
      std::array<gradient_sink<T>, layer_type<l>::parameter_tensors> sinks{};
      std::size_t k = 0;
      lay.for_each_parameter(
          [&](const parameter<T>& p) { sinks[k] = c.template sink<regularizer>(first_tensor[l] + k, p, m), ++k; });
      lay.backward(ws.template for_backward<l>(x, m, l == L), ws.template scratch<l>(),
                   std::span<const gradient_sink<T>, layer_type<l>::parameter_tensors>(sinks), ctx);
      k = 0;
      lay.for_each_parameter(
          [&](const parameter<T>& p) { c.template update<regularizer>(first_tensor[l] + k++, p, m); });
    });
  }

  /// Stores in each parameter's gradient buffer the gradient of objective(): the mean of ∂C_x/∂θ
  /// over the rows plus the regulariser's ∂R/∂w with λ/n. The parameters do not change.
  /// `training`: dropout layers draw masks as in training (freeze them to check a gradient);
  /// otherwise they scale by 1 − p as at inference.
  void compute_gradient(const T* x, std::span<const std::uint8_t> labels, double lambda = 0.0, std::size_t n = 1,
                        bool training = false, detail::worker_team* team = nullptr) {
    const auto ws = pool_.take();
    const context ctx{team, training};
    forward_training(*ws, x, labels.size(), ctx);
    detail::gradient_store<T> store{T(lambda / double(n))};
    backpropagate(*ws, x, labels, store, ctx);
  }

  /// (1/m) Σ_x C_x over the rows plus R(w) with λ/n: the function compute_gradient differentiates.
  double objective(const T* x, std::span<const std::uint8_t> labels, double lambda = 0.0, std::size_t n = 1,
                   bool training = false) {
    const auto ws = pool_.take();
    forward_training(*ws, x, labels.size(), {.draw_masks = training});
    ws->set_targets(labels);
    return output_cost(*ws, labels.size()) / double(labels.size()) + regularizer_cost(lambda / double(n));
  }

  /// Rows per block when evaluating a whole data set.
  std::size_t eval_chunk = 1000;

 private:
  template <class Self, class F>
  static void walk(Self& self, F& f) {
    std::size_t weighted = 0;
    detail::static_for<depth>([&](auto i) {
      std::size_t k = 0;
      std::get<i()>(self.layers_).for_each_parameter([&](const auto& p) {
        f(parameter_slot{first_tensor[i()] + k++, i(), weighted}, p);
      });
      if constexpr (layer_type<i()>::parameter_tensors > 0) ++weighted;
    });
  }

  double output_cost(workspace& ws, std::size_t rows) const {
    constexpr std::size_t L = depth - 1;
    return cost::template fn<output_activation>(ws.template z_of<L>(rows), ws.template a_of<L>(rows), ws.targets(rows));
  }

  static void check_columns(std::size_t cols) {
    if (cols != input_size)
      throw std::invalid_argument("nndl: the data has " + std::to_string(cols) +
                                  " values per sample, the network takes " + std::to_string(input_size));
  }

  layers_type layers_;
  std::uint64_t seed_ = 0;
  detail::scratch_pool<workspace> pool_;
};

}  // namespace nndl
