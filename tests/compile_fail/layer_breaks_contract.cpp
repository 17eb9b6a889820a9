// expect: a layer of this network does not keep the layer contract
#include <nndl/network.hpp>
// A layer of one's own that forgot its backward pass.
template <class T, class In>
struct halfway_layer : nndl::dense_layer<T, In::size, 4, nndl::relu> {
  void backward() {}
};
struct halfway {
  static constexpr nndl::part_kind kind = nndl::part_kind::layer;
  using activation = nndl::relu;
  template <class T, class In>
  using impl = halfway_layer<T, In>;
};
int main() { nndl::network<double, nndl::input<8>, halfway, nndl::dense<2, nndl::sigmoid>, nndl::quadratic_cost> net; }
