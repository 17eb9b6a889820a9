// expect: softmax can only be the activation of the output layer
#include <nndl/network.hpp>
using namespace nndl;
using net_t = network<double, input<784>, dense<30, softmax>, dense<10>, quadratic_cost>;
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
