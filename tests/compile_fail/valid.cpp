// expect: (compiles)
#include <nndl/network.hpp>
using namespace nndl;
using net_t =
    network<float, input<784>, dense<30, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer, he_init>;
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
