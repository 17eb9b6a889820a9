// nndl::model — a trained network (or an ensemble of them) whose structure was read from a file when
// the program ran: no compile-time type is needed to use it. Inference only, const and safe from
// several threads at once (each call takes its own buffers from a pool).
//
//   const nndl::model m = nndl::load_model("relu.npz");   // io/model_file.hpp
//   std::cout << m.describe();                             // layers, provenance
//   auto digits = m.predict(pixels, rows);                 // an ensemble votes
//   std::size_t correct = m.evaluate(data.test);
//
// Outputs are computed by the typed layers' kernels (runtime_layers.hpp): where the same operations
// run (the same rows at once) they equal the typed network's to the last bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/parallel.hpp"
#include "../detail/scratch_pool.hpp"
#include "../detail/vote.hpp"
#include "../detail/xtensor.hpp"
#include "../network/architecture.hpp"
#include "runtime_layers.hpp"

namespace nndl {

namespace detail {

/// One network of a model: its runtime layers, input side first.
template <class T>
struct runtime_network {
  std::vector<std::unique_ptr<runtime_layer<T>>> layers;

  struct workspace {
    std::vector<grow_buffer<T>> z, a;
    std::vector<runtime_scratch<T>> scratch;
  };
  /// The output activations {rows, out} for rows at x, in ws (valid until its next use).
  const T* forward(const T* x, std::size_t rows, workspace& ws) const {
    if (ws.z.size() != layers.size())
      ws.z.resize(layers.size()), ws.a.resize(layers.size()), ws.scratch.resize(layers.size());
    const T* in = x;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const std::size_t n = layers[l]->out_size();
      T* a = ws.a[l].reserve(rows * n);
      layers[l]->forward(in, rows, ws.z[l].reserve(rows * n), a, ws.scratch[l]);
      in = a;
    }
    return in;
  }
};

}  // namespace detail

/// A trained network or ensemble whose architecture is known only at run time (read from a model file): predictions,
/// evaluation, and its record.
class model {
 public:
  /// The run-time network of scalar T that a model holds (one per member).
  template <class T>
  using network_type = detail::runtime_network<T>;

  /// A model of float or double networks (all of one architecture); see io/model_file.hpp.
  template <class T>
  model(architecture_record architecture, std::vector<network_type<T>> members, std::string provenance_json)
      : architecture_(std::move(architecture)), provenance_(std::move(provenance_json)) {
    if (members.empty()) throw std::invalid_argument("nndl: a model needs at least one network");
    auto impl = std::make_shared<impl_t<T>>();
    impl->members = std::move(members);
    impl_ = std::move(impl);
  }

  /// What its networks are: layers, shapes, activations, cost, scalar type.
  const architecture_record& architecture() const { return architecture_; }
  /// The training provenance stored with the model (JSON text; "{}" when the file has none).
  const std::string& provenance() const { return provenance_; }
  /// True when its networks compute in float, false for double.
  bool is_float() const { return std::holds_alternative<std::shared_ptr<impl_t<float>>>(impl_); }
  /// The number of networks (1, or K of an ensemble that votes).
  std::size_t members() const {
    return std::visit([](const auto& i) { return i->members.size(); }, impl_);
  }
  /// The values per input sample.
  std::size_t input_size() const { return shape_size(architecture_.input); }
  /// The outputs per sample (the classes).
  std::size_t output_size() const { return shape_size(architecture_.layers.back().output); }
  /// True when the output layer is softmax (its outputs are probabilities).
  bool softmax_output() const { return architecture_.layers.back().activation == "softmax"; }

  /// The output activations {rows, outputs} of member k for the rows at x (T: the model's scalar
  /// type, or converted to it).
  template <class T>
  std::vector<T> outputs(const T* x, std::size_t rows, std::size_t k = 0) const {
    return std::visit(
        [&](const auto& i) {
          using M = typename std::decay_t<decltype(*i)>::scalar;
          const auto in = converted<M>(x, rows);
          auto ws = i->pool.take();
          const M* a = i->members.at(k).forward(in.data, rows, *ws);
          return std::vector<T>(a, a + rows * output_size());
        },
        impl_);
  }

  /// Probabilities {rows, outputs}: a softmax output as it is, log_softmax's exponentiated, a linear
  /// (identity) output's logits through softmax, sigmoid and other outputs as each one's share of
  /// their sum (as nndl-predict shows them); an ensemble averages its members'.
  template <class T>
  std::vector<double> probabilities(const T* x, std::size_t rows) const {
    const std::size_t n = output_size();
    const std::string& act = architecture_.layers.back().activation;
    std::vector<double> p(rows * n, 0.0), row(n);
    for (std::size_t k = 0; k < members(); ++k) {
      const auto a = outputs(x, rows, k);
      for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < n; ++j) row[j] = double(a[i * n + j]);
        if (act == "log_softmax") {
          for (auto& v : row) v = std::exp(v);
        } else if (act == "identity") {
          const double m = *std::max_element(row.begin(), row.end());
          for (auto& v : row) v = std::exp(v - m);
        }
        double sum = 0;
        for (double v : row) sum += v;
        for (std::size_t j = 0; j < n; ++j)
          p[i * n + j] += (act == "softmax" ? row[j] : sum > 0 ? row[j] / sum : 1.0 / double(n)) / double(members());
      }
    }
    return p;
  }

  /// The class of each of the rows: the most active output, or an ensemble's plurality vote.
  template <class T>
  std::vector<std::size_t> predict(const T* x, std::size_t rows) const {
    return std::visit(
        [&](const auto& i) {
          return i->predict(converted<typename std::decay_t<decltype(*i)>::scalar>(x, rows).data, rows, output_size());
        },
        impl_);
  }
  /// The class of each sample of member k alone (k < members()).
  template <class T>
  std::vector<std::size_t> predict_member(const T* x, std::size_t rows, std::size_t k) const {
    const auto a = outputs(x, rows, k);
    std::vector<std::size_t> c(rows);
    for (std::size_t i = 0; i < rows; ++i)
      c[i] = detail::argmax_row(detail::rows_view(a.data(), rows, output_size()), i);
    return c;
  }

  /// How many samples of `data` the model classifies correctly (an ensemble by its vote), in blocks
  /// of eval_chunk rows, taken by `workers` threads.
  template <class T>
  std::size_t evaluate(const dataset<T>& data, std::size_t workers = 1) const {
    if (data.size() > 0 && data.features() != input_size())
      throw std::invalid_argument("nndl: the data has " + std::to_string(data.features()) +
                                  " values per sample, the model takes " + std::to_string(input_size()));
    return detail::sum_over_chunks<std::size_t>(data.size(), eval_chunk, workers,
                                                [&](std::size_t start, std::size_t rows) {
                                                  const auto c = predict(data.row(start), rows);
                                                  std::size_t correct = 0;
                                                  for (std::size_t i = 0; i < rows; ++i)
                                                    correct += c[i] == data.labels[start + i];
                                                  return correct;
                                                });
  }

  /// The parameter tensors of member k (weights and biases of each layer with parameters, as layer
  /// index and tensor), for looking at them (the first layer's weights as images).
  template <class F>
  void for_each_parameter(std::size_t k, F&& f) const {
    std::visit(
        [&](const auto& i) {
          const auto& net = i->members.at(k);
          for (std::size_t l = 0; l < net.layers.size(); ++l)
            for (const auto& p : net.layers[l]->parameters()) f(l, p);
        },
        impl_);
  }

  /// "network<float>: 1x28x28 -> ... " (describe()), with the members and the provenance.
  std::string describe() const {
    std::string s = nndl::describe(architecture_);
    if (members() > 1) s += "  ensemble of " + std::to_string(members()) + " networks (plurality vote)\n";
    if (provenance_ != "{}" && !provenance_.empty()) s += "  provenance: " + provenance_ + "\n";
    return s;
  }

  /// Rows per block in evaluate().
  std::size_t eval_chunk = 1000;

 private:
  template <class T>
  struct impl_t {
    using scalar = T;
    std::vector<detail::runtime_network<T>> members;
    detail::scratch_pool<typename detail::runtime_network<T>::workspace> pool;

    std::vector<std::size_t> predict(const T* x, std::size_t rows, std::size_t classes) const {
      std::vector<std::size_t> winners(rows);
      auto ws = pool.take();
      detail::vote_rows<T>(
          members.size(), rows, classes, [&](std::size_t k) { return members[k].forward(x, rows, *ws); },
          winners.data());
      return winners;
    }
  };

  /// Rows as the model's scalar type: a view of x itself when it is that type, else a copy.
  template <class M, class T>
  struct rows_as {
    std::vector<M> copy;
    const M* data;
  };
  template <class M, class T>
  rows_as<M, T> converted(const T* x, std::size_t rows) const {
    if constexpr (std::is_same_v<M, T>) {
      return {{}, x};
    } else {
      rows_as<M, T> r{std::vector<M>(x, x + rows * input_size()), nullptr};
      r.data = r.copy.data();
      return r;
    }
  }

  architecture_record architecture_;
  std::string provenance_;
  std::variant<std::shared_ptr<impl_t<float>>, std::shared_ptr<impl_t<double>>> impl_;
};

}  // namespace nndl
