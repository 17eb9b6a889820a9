// The layers of a network whose structure is read when the program runs (a model file), not known
// when it is compiled. Each runs the same kernel as its typed counterpart (dense_kernel.hpp,
// conv_kernel.hpp, pool.hpp) with the sizes it was given, and applies the activation over the same
// rows, so that a model computes what the typed network computes, bit for bit. Inference only.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../activation.hpp"
#include "../detail/xtensor.hpp"
#include "../layers/conv_kernel.hpp"
#include "../layers/dense_kernel.hpp"
#include "../layers/kinds.hpp"
#include "../layers/layer.hpp"
#include "../layers/pool.hpp"
#include "../network/architecture.hpp"

namespace nndl::detail {

/// What a runtime layer needs per batch besides Z and A (a convolution's patches).
template <class T>
struct runtime_scratch {
  typename conv_kernel<T, conv_sizes>::scratch conv;
};

template <class T>
class runtime_layer {
 public:
  explicit runtime_layer(layer_record r) : record_(std::move(r)) {}
  virtual ~runtime_layer() = default;
  const layer_record& record() const { return record_; }
  std::size_t in_size() const { return shape_size(record_.input); }
  std::size_t out_size() const { return shape_size(record_.output); }
  /// A {rows, out} from X {rows, in}; Z is the weighted input (scratch for layers without one).
  virtual void forward(const T* x, std::size_t rows, T* z, T* a, runtime_scratch<T>& s) const = 0;
  /// The parameter tensors in the typed layer's walk order (weights, then biases).
  virtual std::vector<parameter<T>> parameters() { return {}; }

 protected:
  layer_record record_;
};

/// Act::forward over {rows, cols} at z into a, for the activation named at run time.
template <class T>
using activation_fn = void (*)(const T* z, T* a, std::size_t rows, std::size_t cols);

template <class T>
activation_fn<T> activation_named(const std::string& name) {
  activation_fn<T> fn = nullptr;
  with_activation(name, [&]<class Act>() {
    fn = [](const T* z, T* a, std::size_t rows, std::size_t cols) {
      Act::forward(rows_view(z, rows, cols), rows_view(a, rows, cols));
    };
  });
  if (!fn) throw std::invalid_argument("unknown activation \"" + name + "\"");
  return fn;
}

template <class T>
class runtime_dense final : public runtime_layer<T> {
 public:
  using kind = dense_kind;
  explicit runtime_dense(const layer_record& r)
      : runtime_layer<T>(r),
        kernel_{this->in_size(), this->out_size()},
        act_(activation_named<T>(r.activation)),
        w_(matrix<T>::from_shape({kernel_.out, kernel_.in})),
        b_(vector<T>::from_shape({kernel_.out})) {}
  void forward(const T* x, std::size_t rows, T* z, T* a, runtime_scratch<T>&) const override {
    kernel_.forward(x, rows, w_.data(), b_.data(), z, nullptr);
    act_(z, a, rows, kernel_.out);
  }
  std::vector<parameter<T>> parameters() override {
    return {{"weights", "w", w_.data(), nullptr, 2, {kernel_.out, kernel_.in}, true},
            {"biases", "b", b_.data(), nullptr, 1, {kernel_.out, 1}, false}};
  }

 private:
  dense_kernel<T> kernel_;
  activation_fn<T> act_;
  matrix<T> w_;
  vector<T> b_;
};

template <class T>
class runtime_conv final : public runtime_layer<T> {
 public:
  using kind = conv_kind;
  explicit runtime_conv(const layer_record& r)
      : runtime_layer<T>(r),
        kernel_{{r.input[0], r.input[1], r.input[2], r.units, r.window}},
        act_(activation_named<T>(r.activation)),
        w_(matrix<T>::from_shape({r.units, kernel_.CKK()})),
        b_(vector<T>::from_shape({r.units})) {}
  void forward(const T* x, std::size_t rows, T* z, T* a, runtime_scratch<T>& s) const override {
    const std::size_t n_out = kernel_.out_size();
    kernel_.forward(x, rows, w_.data(), b_.data(), z, a, s.conv, false, nullptr,
                    [&](const T* zz, T* aa, std::size_t r) { act_(zz, aa, r, n_out); });
  }
  std::vector<parameter<T>> parameters() override {
    return {{"weights", "w", w_.data(), nullptr, 2, {kernel_.F, kernel_.CKK()}, true},
            {"biases", "b", b_.data(), nullptr, 1, {kernel_.F, 1}, false}};
  }

 private:
  conv_kernel<T, conv_sizes> kernel_;
  activation_fn<T> act_;
  matrix<T> w_;
  vector<T> b_;
};

template <class T>
class runtime_pool final : public runtime_layer<T> {
 public:
  using kind = max_pool_kind;
  explicit runtime_pool(const layer_record& r)
      : runtime_layer<T>(r), kernel_{{r.input[0], r.input[1], r.input[2], r.window}} {}
  void forward(const T* x, std::size_t rows, T*, T* a, runtime_scratch<T>&) const override {
    kernel_.forward(x, rows, a, nullptr, nullptr);
  }

 private:
  pool_kernel<T, pool_sizes> kernel_;
};

template <class T>
class runtime_dropout final : public runtime_layer<T> {
 public:
  using kind = dropout_kind;
  explicit runtime_dropout(const layer_record& r) : runtime_layer<T>(r) {}
  /// Inference: a = (1 − p) x, as dropout_layer does.
  void forward(const T* x, std::size_t rows, T*, T* a, runtime_scratch<T>&) const override {
    const std::size_t n = this->out_size();
    auto out = rows_view(a, rows, n);
    xt::noalias(out) = T(1 - this->record_.p) * rows_view(x, rows, n);
  }
};

/// The run-time twin of every layer kind (layers/kinds.hpp): a new kind adds its twin here.
template <class T>
using runtime_layer_types = std::tuple<runtime_dense<T>, runtime_conv<T>, runtime_pool<T>, runtime_dropout<T>>;

template <class T, class... L>
std::unique_ptr<runtime_layer<T>> make_twin(const layer_record& r, std::tuple<L...>*) {
  std::unique_ptr<runtime_layer<T>> made;
  (void)((r.kind == L::kind::name ? (made = std::make_unique<L>(r), true) : false) || ...);
  return made;
}

/// The runtime layer for a record (its kind, sizes and activation checked by the caller).
template <class T>
std::unique_ptr<runtime_layer<T>> make_runtime_layer(const layer_record& r) {
  auto made = make_twin<T>(r, static_cast<runtime_layer_types<T>*>(nullptr));
  if (!made) throw std::invalid_argument("unknown layer kind \"" + r.kind + "\"");
  return made;
}

}  // namespace nndl::detail
