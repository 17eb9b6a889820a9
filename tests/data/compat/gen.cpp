// Written against the nndl before the redesign (commit dd2a99c): files for the compatibility tests
// (tests/test_compat.cpp). Built with the test suite's flags:
//   g++ -std=gnu++20 -O3 -DNDEBUG -march=native -I<nndl at dd2a99c>/include gen.cpp -lopenblas -lzip
#include <nndl/io/checkpoint.hpp>
#include <nndl/io/json.hpp>
#include <nndl/io/npz.hpp>
#include <nndl/network.hpp>
using namespace nndl;
using mlp = network<double, input<12>, dense<7, sigmoid>, dense<3, sigmoid>, cross_entropy_cost>;
using ckpt_net = network<float, input<1, 6, 6>, conv<2, 3, relu>, max_pool<2>, dropout<0.5>, dense<5, relu>,
                         dense<3, softmax>, log_likelihood_cost, l2_regularizer>;
int main() {
  save_json(mlp{11}, "old.json");
  save_npz(mlp{11}, "old.npz");
  dataset<float> d;
  d.x = xt::zeros<float>({std::size_t{20}, ckpt_net::input_size});
  rng r(3);
  for (auto& v : d.x) v = float(r.uniform());
  for (std::size_t i = 0; i < 20; ++i) d.labels.push_back(std::uint8_t(i % 3));
  ckpt_net a{5}, b{5};
  sgd(a, d, {.epochs = 2, .mini_batch = 5, .eta = 0.1, .lambda = 0.5, .seed = 7, .verbose = false});
  save_checkpoint(a, "old-sgd.ckpt.npz", {{"epochs_done", 2}});
  sgd(b, d, {.epochs = 2, .mini_batch = 5, .eta = 0.1, .lambda = 0.5, .momentum = 0.5, .seed = 7, .verbose = false});
  save_checkpoint(b, "old-momentum.ckpt.npz", {{"epochs_done", 2}});
}
