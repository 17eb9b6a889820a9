// expect: a callback's on_epoch_end cannot be called as on_epoch_end(const Net&, epoch_record&)
#include <nndl/network.hpp>
using net_t = nndl::network<double, nndl::input<4>, nndl::dense<2, nndl::sigmoid>, nndl::quadratic_cost>;
struct counter {  // the record is missing: this hook would never be called
  int epochs = 0;
  bool on_epoch_end(const net_t&) { return ++epochs, false; }
};
int main() {
  net_t net;
  nndl::dataset<double> d;
  nndl::sgd(net, d, {}, counter{});
}
