// expect: log_likelihood_cost needs a softmax output layer
#include <nndl/network.hpp>
using namespace nndl;
using net_t = network<double, input<784>, dense<30>, dense<10, sigmoid>, log_likelihood_cost>;
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
