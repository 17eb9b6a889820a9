// expect: cross_entropy_cost needs a sigmoid output layer
#include <nndl/network.hpp>
using namespace nndl;
using net_t = network<double, input<784>, dense<30>, dense<10, softmax>, cross_entropy_cost>;
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
