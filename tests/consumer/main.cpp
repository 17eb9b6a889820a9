#include <nndl/data/mnist.hpp>
#include <nndl/network.hpp>

#include <iostream>

int main() {
  using net_t = nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                              nndl::quadratic_cost, nndl::large_weight_init>;
  net_t net{42};
  nndl::dataset<double> d;
  d.x = xt::zeros<double>({20, 784});
  d.labels.assign(20, 3);
  nndl::sgd(net, d, {.epochs = 1, .verbose = false});
  const auto s = nndl::describe(net);
  std::cout << "consumer: " << s.substr(s.find(": ") + 2);
  // Through add_subdirectory nndl knows its repository's MNIST copy; an installed nndl has none.
  const auto repository = nndl::repository_data_dir();
  std::cout << "consumer: repository's MNIST copy: " << (repository ? repository->string() : "none") << '\n';
  return net.predict(d.row(0)) == 3 ? 0 : 1;
}
