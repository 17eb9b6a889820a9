// A typed network's parameter tensors as a list (the parameter walk, written down), so that a file
// format's code depends on the scalar type only: it is compiled once for float and once for double
// (in nndl_compiled when a program uses it, detail/out_of_line.hpp), not once per network type.
#pragma once

#include <vector>

#include "../network/network.hpp"

namespace nndl::detail {

/// One parameter tensor and where it sits.
template <class T>  // T or const T
struct slotted_parameter {
  parameter_slot at;
  parameter<T> p;
};

/// Every parameter tensor of a network, input side first (the order of for_each_parameter).
template <class T>
using parameter_list = std::vector<slotted_parameter<T>>;

/// The parameters of `net`, to be written into (T) or read from (const T, for a const network).
template <class Net>
auto parameters_of(Net& net) {
  using T = std::conditional_t<std::is_const_v<Net>, const typename Net::scalar, typename Net::scalar>;
  parameter_list<T> list;
  net.for_each_parameter([&](const parameter_slot& at, const parameter<T>& p) { list.push_back({at, p}); });
  return list;
}

}  // namespace nndl::detail
