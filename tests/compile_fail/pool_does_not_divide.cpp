// expect: nndl: a layer does not fit its input
#include <nndl/network.hpp>
using namespace nndl;
// 28 - 5 + 1 = 24, 24 / 2 = 12, 12 - 5 + 1 = 8, but 8 x 8 pooled by 3 does not divide
using net_t = network<float, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<3>,
                      dense<100, relu>, dense<10, softmax>, log_likelihood_cost>;
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
