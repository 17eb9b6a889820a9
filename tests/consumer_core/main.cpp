// Trains a network with nothing but <nndl/network.hpp> (and no setup call), then says what OpenBLAS
// runs with: nndl chose its kernels and threads when the program started (nndl/blas.hpp).
#include <nndl/network.hpp>

#include <iostream>

int main() {
  using net_t = nndl::network<float, nndl::input<16>, nndl::dense<8, nndl::relu>, nndl::dense<4, nndl::softmax>,
                              nndl::log_likelihood_cost, nndl::he_init>;
  nndl::dataset<float> d;
  d.x = xt::zeros<float>({40, 16});
  for (std::size_t i = 0; i < 40; ++i) {
    d.labels.push_back(std::uint8_t(i % 4));
    d.x(i, (i % 4) * 4) = 1;
  }
  net_t net{1};
  nndl::adam opt;
  nndl::train(net, d, opt, {.epochs = 20, .mini_batch = 4, .eta = 0.05, .verbose = false});
  std::cout << "core consumer: " << net.evaluate(d) << " / 40 after training; " << nndl::blas_summary() << '\n';
  return net.evaluate(d) == 40 ? 0 : 1;
}
