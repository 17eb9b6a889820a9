// nndl::network — one statically typed feed-forward network, written as a flat list of parts:
//
//   using net_t = nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>,
//                               nndl::dense<10, nndl::sigmoid>, nndl::quadratic_cost,
//                               nndl::large_weight_init>;
//
// Parts: exactly one input<...> (first), one or more layers, exactly one cost, at most one weight
// initialisation (default: default_weight_init) and at most one regulariser (default: none).
// A wrong composition stops at one static_assert below, in plain words.
//
// Mini-batches are matrices with one sample per row. All batch buffers live in a workspace that
// grows to the largest batch seen and is then reused: a training step allocates nothing.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

#include "activation.hpp"
#include "cost.hpp"
#include "data/dataset.hpp"
#include "detail/parts.hpp"
#include "detail/xtensor.hpp"
#include "init.hpp"
#include "layers/dense.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "layers/pool.hpp"
#include "layers/input.hpp"
#include "regularizer.hpp"
#include "rng.hpp"

namespace nndl {

/// One step of stochastic gradient descent: θ ← θ − η ∂C/∂θ on a mini-batch (1.18–1.21, 3.93).
struct sgd_step {
  double eta = 3.0;     ///< learning rate η
  double lambda = 0.0;  ///< regularisation parameter λ
  std::size_t n = 1;    ///< size of the whole training set (the n of λ/n)
  double momentum = 0;  ///< μ of momentum SGD (3.107); 0 is plain SGD
};

template <class T, class... Parts>
class network {
  static constexpr std::size_t n_inputs = detail::count_kind<part_kind::input, Parts...>;
  static constexpr std::size_t n_layers = detail::count_kind<part_kind::layer, Parts...>;
  static constexpr std::size_t n_costs = detail::count_kind<part_kind::cost, Parts...>;
  static constexpr std::size_t n_inits = detail::count_kind<part_kind::init, Parts...>;
  static constexpr std::size_t n_regs = detail::count_kind<part_kind::regularizer, Parts...>;

  static constexpr bool known_parts = (detail::is_known_part<Parts>() && ...);
  static constexpr bool has_input = n_inputs == 1 && detail::input_is_first<Parts...>();
  static constexpr bool well_formed = known_parts && has_input && n_layers >= 1 && n_costs == 1 && n_inits <= 1 &&
                                      n_regs <= 1;
  // Each check assumes the ones before it hold, so that a mistake gives exactly one message.
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "nndl: network<T, ...>: the scalar type T must be float or double");
  static_assert(known_parts,
                "nndl: network<T, ...> takes only input<...>, layers (dense<...>), one cost "
                "(quadratic_cost, ...), one weight initialisation (large_weight_init, ...) and one "
                "regulariser (l2_regularizer, ...); an activation goes inside a layer: dense<30, sigmoid>");
  static_assert(!known_parts || has_input,
                "nndl: a network starts with exactly one input<...>, e.g. network<double, input<784>, ...>");
  static_assert(!known_parts || !has_input || n_layers >= 1, "nndl: a network needs at least one layer, e.g. dense<10, sigmoid>");
  static_assert(!known_parts || !has_input || n_layers == 0 || n_costs == 1, "nndl: a network needs exactly one cost: quadratic_cost, cross_entropy_cost "
                              "or log_likelihood_cost");
  static_assert(!known_parts || n_inits <= 1, "nndl: a network takes at most one weight initialisation");
  static_assert(!known_parts || n_regs <= 1, "nndl: a network takes at most one regulariser");

 public:
  using scalar = T;
  using input_part = typename detail::first_of<part_kind::input, input<1>, Parts...>::type;
  using input_shape = typename input_part::shape;
  using cost = typename detail::first_of<part_kind::cost, quadratic_cost, Parts...>::type;
  using init = typename detail::first_of<part_kind::init, default_weight_init, Parts...>::type;
  using regularizer = typename detail::first_of<part_kind::regularizer, no_regularizer, Parts...>::type;
  using layers_type = typename detail::build_layers<T, input_shape, detail::layer_specs<Parts...>>::type;

  static constexpr std::size_t depth = std::tuple_size_v<layers_type>;
  /// False when a layer did not fit its input (that layer's static_assert said so; the rest were not built).
  static constexpr bool layers_fit = depth == n_layers;
  template <std::size_t I>
  using layer_type = std::tuple_element_t<I, layers_type>;
  using output_layer_type = std::tuple_element_t<  // (a stand-in when there is no layer: one message only)
      depth == 0 ? 0 : depth - 1, std::conditional_t<depth == 0, std::tuple<dense_layer<T, 1, 1, sigmoid>>, layers_type>>;
  using output_activation = typename output_layer_type::activation;
  static constexpr std::size_t input_size = input_shape::size;
  static constexpr std::size_t output_size = output_layer_type::out_size;

 private:
  static_assert(!well_formed || !layers_fit || !std::is_same_v<cost, log_likelihood_cost> || std::is_same_v<output_activation, softmax>,
                "nndl: log_likelihood_cost needs a softmax output layer, e.g. dense<10, softmax>");
  static_assert(!well_formed || !layers_fit || !std::is_same_v<cost, cross_entropy_cost> || std::is_same_v<output_activation, sigmoid>,
                "nndl: cross_entropy_cost needs a sigmoid output layer, e.g. dense<10, sigmoid>; "
                "with a softmax output layer use log_likelihood_cost");
  static constexpr bool softmax_only_last = [] {
    bool ok = true;
    detail::static_for<depth>([&](auto i) {
      if constexpr (i() + 1 < depth) ok = ok && layer_type<i()>::activation::elementwise;
    });
    return ok;
  }();
  static_assert(!well_formed || !layers_fit || softmax_only_last, "nndl: softmax can only be the activation of the output layer");

 public:
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
  std::uint64_t seed() const { return seed_; }

  template <std::size_t I>
  layer_type<I>& layer() { return std::get<I>(layers_); }
  template <std::size_t I>
  const layer_type<I>& layer() const { return std::get<I>(layers_); }

  /// Calls f(layer, index) for each layer, input side first.
  template <class F>
  void for_each_layer(F&& f) {
    detail::static_for<depth>([&](auto i) { f(std::get<i()>(layers_), i()); });
  }
  template <class F>
  void for_each_layer(F&& f) const {
    detail::static_for<depth>([&](auto i) { f(std::get<i()>(layers_), i()); });
  }

  static constexpr std::size_t parameter_count() {
    std::size_t n = 0;
    detail::static_for<depth>([&](auto i) { n += layer_type<i()>::parameter_count(); });
    return n;
  }

  // ---- forward -------------------------------------------------------------------------------

  /// The output activations for `rows` samples at x (row-major {rows, input_size}). The view
  /// points into the workspace and stays valid until the next call on this network.
  detail::cview<T> feedforward(const T* x, std::size_t rows) const {
    reserve(rows);
    forward(x, rows);
    return out_view(rows);
  }
  template <class E>
  matrix<T> feedforward(const xt::xexpression<E>& e) const {
    const matrix<T> x = e.derived_cast();  // a copy makes any expression contiguous
    check_columns(x.shape()[1]);
    return feedforward(x.data(), x.shape()[0]);
  }

  /// The index of the most active output neuron for one sample (a row of input_size values).
  std::size_t predict(const T* sample) const {
    auto a = feedforward(sample, 1);
    return argmax_row(a, 0);
  }

  /// How many samples of the data set the network classifies correctly.
  std::size_t evaluate(const dataset<T>& data) const {
    check_columns(data.features());
    std::size_t correct = 0;
    for (std::size_t start = 0; start < data.size(); start += eval_chunk) {
      const std::size_t rows = std::min(eval_chunk, data.size() - start);
      auto a = feedforward(data.row(start), rows);
      for (std::size_t i = 0; i < rows; ++i) correct += argmax_row(a, i) == data.labels[start + i];
    }
    return correct;
  }

  /// network2.py's total_cost: (1/n) Σ_x C_x + the regulariser's term with n = data.size().
  double total_cost(const dataset<T>& data, double lambda = 0.0) const {
    check_columns(data.features());
    double sum = 0;
    for (std::size_t start = 0; start < data.size(); start += eval_chunk) {
      const std::size_t rows = std::min(eval_chunk, data.size() - start);
      feedforward(data.row(start), rows);
      set_targets(std::span(data.labels).subspan(start, rows));
      sum += output_cost(rows);
    }
    const std::size_t n = std::max<std::size_t>(data.size(), 1);
    return sum / double(n) + regularizer_cost(lambda / double(n));
  }

  // ---- training building blocks -----------------------------------------------------------

  /// network.py's update_mini_batch for the rows at x (row-major {labels.size(), input_size}).
  void update_mini_batch(const T* x, std::span<const std::uint8_t> labels, const sgd_step& s) {
    const std::size_t m = labels.size();
    if (m == 0) return;
    reserve(m);
    forward(x, m, true);
    set_targets(labels);
    using ps = param_step<T>;
    backward(x, m, {s.momentum != 0 ? ps::momentum : ps::sgd, T(-s.eta / double(m)),
                    T(s.eta * s.lambda / double(s.n)), T(s.momentum)});
  }
  /// The same for the samples of `data` at `indices`, gathered into the workspace (no allocation).
  /// Shuffled rows come from main memory one by one; when the indices of the next mini-batch are
  /// given, their rows are prefetched into the cache while this step computes.
  void update_mini_batch(const dataset<T>& data, std::span<const std::size_t> indices, const sgd_step& s,
                         std::span<const std::size_t> next = {}) {
    const std::size_t m = indices.size();
    reserve(m);
    for (std::size_t i = 0; i < m; ++i) {
      std::memcpy(ws_.x + i * input_size, data.row(indices[i]), input_size * sizeof(T));
      ws_.labels[i] = data.labels[indices[i]];
    }
    constexpr std::size_t line = 64 / sizeof(T);
    for (std::size_t i : next)
      for (std::size_t k = 0; k < input_size; k += line) __builtin_prefetch(data.row(i) + k);
    update_mini_batch(ws_.x, std::span<const std::uint8_t>(ws_.labels.data(), m), s);
  }

  /// Stores in each layer's gw/gb the gradient of objective(): the mean of ∂C_x/∂θ over the rows
  /// plus the regulariser's ∂R/∂w with λ/n. The parameters do not change. `training` runs dropout
  /// layers as in training (with masks) rather than as at inference.
  void compute_gradient(const T* x, std::span<const std::uint8_t> labels, double lambda = 0.0,
                        std::size_t n = 1, bool training = false) {
    const std::size_t m = labels.size();
    reserve(m);
    forward(x, m, training);
    set_targets(labels);
    backward(x, m, {param_step<T>::gradient, T(1.0 / double(m)), T(lambda / double(n))});
  }

  /// (1/m) Σ_x C_x over the rows plus R(w) with λ/n: the function compute_gradient differentiates.
  double objective(const T* x, std::span<const std::uint8_t> labels, double lambda = 0.0,
                   std::size_t n = 1, bool training = false) const {
    const std::size_t m = labels.size();
    reserve(m);
    forward(x, m, training);
    set_targets(labels);
    return output_cost(m) / double(m) + regularizer_cost(lambda / double(n));
  }

  /// Rows per block when evaluating a whole data set.
  std::size_t eval_chunk = 1000;

 private:
  struct workspace {  // scratch memory: a copied or moved network starts with an empty one
    workspace() = default;
    workspace(const workspace&) {}
    workspace(workspace&&) noexcept {}
    workspace& operator=(const workspace&) { capacity = 0; return *this; }
    workspace& operator=(workspace&&) noexcept { capacity = 0; return *this; }
    std::size_t capacity = 0;
    detail::grow_buffer<T> xbuf, ybuf;
    std::array<detail::grow_buffer<T>, depth> zbuf, abuf, gbuf;
    T* x = nullptr;
    T* y = nullptr;
    std::array<T*, depth> z{}, a{}, g{};
    std::vector<std::uint8_t> labels;
  };

  void reserve(std::size_t rows) const {
    if (rows <= ws_.capacity) return;
    ws_.x = ws_.xbuf.reserve(rows * input_size);
    ws_.y = ws_.ybuf.reserve(rows * output_size);
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t n = layer_type<i()>::out_size;
      ws_.z[i()] = ws_.zbuf[i()].reserve(rows * n);
      ws_.a[i()] = ws_.abuf[i()].reserve(rows * n);
      ws_.g[i()] = ws_.gbuf[i()].reserve(rows * n);
    });
    ws_.labels.resize(rows);
    ws_.capacity = rows;
  }

  template <std::size_t I>
  static detail::mview<T> buf(T* p, std::size_t rows) {
    return detail::rows_view(p, rows, layer_type<I>::out_size);
  }
  template <std::size_t I>
  detail::cview<T> layer_input(const T* x, std::size_t rows) const {
    if constexpr (I == 0)
      return detail::rows_view(x, rows, input_size);
    else
      return detail::rows_view(static_cast<const T*>(ws_.a[I - 1]), rows, layer_type<I - 1>::out_size);
  }
  detail::cview<T> out_view(std::size_t rows) const {
    return detail::rows_view(static_cast<const T*>(ws_.a[depth - 1]), rows, output_size);
  }
  template <std::size_t I>
  detail::cview<T> cbuf(const std::array<T*, depth>& b, std::size_t rows) const {
    return detail::rows_view(static_cast<const T*>(b[I]), rows, layer_type<I>::out_size);
  }

  void forward(const T* x, std::size_t rows, bool training = false) const {
    detail::static_for<depth>([&](auto i) {
      std::get<i()>(layers_).forward(layer_input<i()>(x, rows), buf<i()>(ws_.z[i()], rows),
                                     buf<i()>(ws_.a[i()], rows), training);
    });
  }

  // BP1 at the output, then BP2–BP4 layer by layer towards the input.
  void backward(const T* x, std::size_t rows, const param_step<T>& s) {
    constexpr std::size_t L = depth - 1;
    auto y = detail::rows_view(static_cast<const T*>(ws_.y), rows, output_size);
    cost::template output_delta<output_activation>(cbuf<L>(ws_.z, rows), cbuf<L>(ws_.a, rows), y,
                                                   buf<L>(ws_.g[L], rows));
    detail::static_for<depth, true>([&](auto i) {
      constexpr std::size_t l = i();
      auto g = buf<l>(ws_.g[l], rows);
      if constexpr (l > 0) {
        auto din = buf<l - 1>(ws_.g[l - 1], rows);
        std::get<l>(layers_).template backward<regularizer>(layer_input<l>(x, rows), cbuf<l>(ws_.z, rows),
                                                            cbuf<l>(ws_.a, rows), g, l == L, &din, s);
      } else {
        std::get<l>(layers_).template backward<regularizer>(layer_input<l>(x, rows), cbuf<l>(ws_.z, rows),
                                                            cbuf<l>(ws_.a, rows), g, l == L, nullptr, s);
      }
    });
  }

  /// One-hot targets y for the labels (the book's vectorized_result).
  void set_targets(std::span<const std::uint8_t> labels) const {
    const std::size_t m = labels.size();
    std::fill(ws_.y, ws_.y + m * output_size, T(0));
    for (std::size_t i = 0; i < m; ++i) {
      if (labels[i] >= output_size)
        throw std::out_of_range("nndl: label " + std::to_string(labels[i]) + " is out of range for a network with " +
                                std::to_string(output_size) + " outputs");
      ws_.y[i * output_size + labels[i]] = T(1);
    }
  }

  double output_cost(std::size_t rows) const {
    constexpr std::size_t L = depth - 1;
    auto y = detail::rows_view(static_cast<const T*>(ws_.y), rows, output_size);
    return cost::template fn<output_activation>(cbuf<L>(ws_.z, rows), cbuf<L>(ws_.a, rows), y);
  }

  double regularizer_cost(double lambda_over_n) const {
    double r = 0;
    if (lambda_over_n != 0)
      detail::static_for<depth>([&](auto i) {
        if constexpr (layer_type<i()>::has_parameters) r += regularizer::cost(std::get<i()>(layers_).w, lambda_over_n);
      });
    return r;
  }

  static std::size_t argmax_row(const detail::cview<T>& a, std::size_t i) {
    const T* p = a.data() + i * output_size;
    return static_cast<std::size_t>(std::max_element(p, p + output_size) - p);
  }

  static void check_columns(std::size_t cols) {
    if (cols != input_size)
      throw std::invalid_argument("nndl: the data has " + std::to_string(cols) + " values per sample, the network takes " +
                                  std::to_string(input_size));
  }

  layers_type layers_;
  std::uint64_t seed_ = 0;
  mutable workspace ws_;
};

}  // namespace nndl

#include "describe.hpp"
#include "train/sgd.hpp"
#include "train/ensemble.hpp"
