// describe(net): the layers, their shapes and parameter counts, and the policies, as a table
// (from the network's architecture record, network/architecture.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "network/architecture.hpp"

namespace nndl {

/// The network in the book's words: its sizes, activations, cost, and its layers with their shapes.
template <class Net>
std::string describe(const Net&) {
  return describe(Net::record());
}

/// The sizes in network2.py's JSON form, [784, 30, 10]: the input and each layer with parameters.
template <class Net>
std::vector<std::size_t> layer_sizes(const Net&) {
  return book_sizes(Net::record());
}

/// The network as network2.py's sizes, the activations and the cost: "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost".
template <class Net>
std::string architecture(const Net&) {
  return book_string(Net::record());
}

}  // namespace nndl
