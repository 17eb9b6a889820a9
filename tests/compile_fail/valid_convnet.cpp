// expect: (compiles)
#include <nndl/network.hpp>
using namespace nndl;
using net_t = network<float, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<2>,
                      dense<100, relu>, dropout<0.5>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
static_assert(net_t::parameter_count() == (20 * 25 + 20) + (40 * 500 + 40) + (640 * 100 + 100) + (100 * 10 + 10));
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
