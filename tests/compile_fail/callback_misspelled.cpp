// expect: a callback has none of the hooks on_train_begin, on_batch_end, on_epoch_end, on_train_end
#include <nndl/network.hpp>
using net_t = nndl::network<double, nndl::input<4>, nndl::dense<2, nndl::sigmoid>, nndl::quadratic_cost>;
struct counter {  // "on_epoch_ends": a misspelled hook must not be ignored silently
  int epochs = 0;
  bool on_epoch_ends(const net_t&, nndl::epoch_record&) { return ++epochs, false; }
};
int main() {
  net_t net;
  nndl::dataset<double> d;
  nndl::sgd(net, d, {}, counter{});
}
