// What a network is, as data: the scalar type, the input shape, a record per layer (layer.hpp's
// layer_record) and the policies. Every description of a network is derived from this one record:
// describe()'s table, network2.py's sizes and the "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost"
// string of the model files, the checkpoints' layer list, and (for files that describe themselves)
// the record written as JSON.
#pragma once

#include "../detail/out_of_line.hpp"

#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "../layers/kinds.hpp"

namespace nndl {

/// What a network is, as data: scalar type, input shape, layers, cost, initialisation and regulariser (for describe(),
/// model files and messages).
struct architecture_record {
  std::string scalar;                  ///< "float" or "double"
  std::array<std::size_t, 3> input{};  ///< channels, height, width
  /// Its layers, input side first.
  std::vector<layer_record> layers;
  //! @{
  std::string cost, cost_book_name;  ///< "cross-entropy", "CrossEntropyCost"
  //! @}
  //! @{
  std::string init, regularizer;  ///< "default", "L2"
  //! @}

  /// The number of weights and biases of all its layers.
  std::size_t parameters() const {
    std::size_t n = 0;
    for (const auto& l : layers) n += l.parameters;
    return n;
  }
};

/// network2.py's sizes, [784, 30, 10]: the input and the output of each layer with parameters.
NNDL_OUT_OF_LINE std::vector<std::size_t> book_sizes(const architecture_record& a);

/// The activation of each layer with parameters; a parameterless layer before it (dropout) is named
/// in front, "dropout p=0.5 > sigmoid", because it changes what the weights mean at inference.
NNDL_OUT_OF_LINE std::vector<std::string> book_activations(const architecture_record& a);

/// "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost" from sizes, activations and network2.py's cost name.
NNDL_OUT_OF_LINE std::string book_string(const std::vector<std::size_t>& sizes, const std::vector<std::string>& acts,
                                         const std::string& cost);
/// The network as the book writes it: "[784, 30, 10] sigmoid/sigmoid, quadratic".
NNDL_OUT_OF_LINE std::string book_string(const architecture_record& a);

/// Every layer with its sizes, then the scalar type: "conv 20@5x5 relu 784->11520; ...; float32"
/// (what a checkpoint must match).
NNDL_OUT_OF_LINE std::string layers_string(const architecture_record& a);

namespace detail {
NNDL_OUT_OF_LINE std::string grouped(std::size_t n);
NNDL_OUT_OF_LINE std::string table_row(const std::string& a, const std::string& b, const std::string& c,
                                       const std::string& d, const std::string& e);
}  // namespace detail

/// The layers, their shapes and parameter counts, and the policies, as a table.
NNDL_OUT_OF_LINE std::string describe(const architecture_record& a);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "architecture.ipp"
#endif
