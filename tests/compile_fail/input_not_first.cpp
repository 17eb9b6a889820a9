// expect: a network starts with exactly one input
#include <nndl/network.hpp>
using namespace nndl;
using net_t = network<double, dense<30>, input<784>, dense<10>, quadratic_cost>;
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
