// expect: the scalar type T must be float or double
#include <nndl/network.hpp>
using namespace nndl;
using net_t = network<int, input<784>, dense<10>, quadratic_cost>;
int main() {
  net_t net{1};
  return static_cast<int>(net.parameter_count() % 2);
}
