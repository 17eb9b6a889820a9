// The [784, 256, 64, 10] network of many from-scratch MNIST implementations: two hidden layers of
// ReLU neurons (He initialisation), a softmax output layer with the log-likelihood cost, momentum
// SGD and a little L2. Then --save writes the model for nndl-predict (.npz for NumPy, or .json).
//
//   mlp_784_256_64_10 --save mlp.npz            # the README has its accuracy and time
//   nndl-predict --model mlp.npz my-digits/
//
// Why ReLU: with two hidden layers, sigmoid neurons learn slowly (their gradients shrink layer by
// layer, chapter 5), while ReLU neurons with He's N(0, 2/n_in) weights keep the gradient's size, so
// the network passes 98% in a few epochs. Why softmax + log-likelihood: the output is a
// probability distribution (nndl-predict shows it as confidence) and the output error is simply
// a - y, without the sigmoid's learning slowdown. --hidden-act sigmoid trains the sigmoid variant
// (default init, the same cost) for comparison.
#include "common.hpp"

#include <nndl/io/json.hpp>
#include <nndl/io/npz.hpp>
#include <nndl/train/progress.hpp>

namespace {

struct options {
  examples::common_flags common;
  std::string hidden_act = "relu", save, optimizer = "sgd";
  double lambda = 0.5, momentum = 0.9;
};

template <class Act, class Init>
using mlp = nndl::network<double, nndl::input<784>, nndl::dense<256, Act>, nndl::dense<64, Act>,
                          nndl::dense<10, nndl::softmax>, nndl::log_likelihood_cost, nndl::l2_regularizer, Init>;

template <class Net>
int run(const options& o) {
  const auto data = examples::load_data<double>(o.common);
  Net net{o.common.seed};
  std::cout << nndl::describe(net);
  examples::optimizer_choice opt(o.optimizer, o.momentum);
  std::printf("%s: %zu epochs, mini-batch %zu, eta %g, %s lambda %g, seed %llu\n", o.optimizer == "adam" ? "Adam" : "SGD",
              o.common.epochs, o.common.mini_batch, o.common.eta,
              o.optimizer == "adam" ? "" : ("momentum " + std::to_string(o.momentum) + ",").c_str(), o.lambda,
              static_cast<unsigned long long>(o.common.seed));
  std::fflush(stdout);
  std::optional<nndl::csv_metrics> csv;
  if (!o.common.metrics.empty()) csv.emplace(o.common.metrics);
  const auto h = nndl::train(net, data.training, opt,
                             {.epochs = o.common.epochs, .mini_batch = o.common.mini_batch, .eta = o.common.eta,
                              .lambda = o.lambda, .seed = o.common.seed, .workers = o.common.workers},
                             nndl::evaluate_on(data.test), csv, examples::progress_bar(o.common));
  examples::print_summary(h, "test");
  const std::size_t final_correct = net.evaluate(data.test);
  std::printf("Final test accuracy: %zu / %zu (%.2f%%)\n", final_correct, data.test.size(),
              100.0 * double(final_correct) / double(data.test.size()));
  if (!o.save.empty()) {
    const bool json = std::filesystem::path(o.save).extension() == ".json";
    if (json)
      nndl::save_json(net, o.save);
    else
      nndl::save_npz(net, o.save);
    std::cout << "Saved the final model (" << (json ? "JSON" : ".npz") << ", " << nndl::architecture(net)
              << "): " << o.save << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The [784, 256, 64, 10] MLP: ReLU (or sigmoid) hidden layers, softmax output, momentum SGD"};
  options o;
  o.common.epochs = 20;
  o.common.mini_batch = 32;
  o.common.eta = 0.02;
  examples::add_common_flags(app, o.common);
  app.add_option("--hidden-act", o.hidden_act, "Activation of the hidden layers")
      ->capture_default_str()
      ->check(CLI::IsMember({"relu", "sigmoid"}));
  app.get_option("--eta")->description("Learning rate (0.02 for sgd; 0.001 unless given for adam)");
  app.add_option("--optimizer", o.optimizer, "sgd (with --momentum) or adam (default eta 0.001)")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adam"}));
  app.add_option("--momentum", o.momentum, "Momentum coefficient mu of sgd (0: plain SGD)")->capture_default_str();
  app.add_option("--lambda", o.lambda, "L2 regularisation parameter lambda")->capture_default_str();
  app.add_option("--save", o.save, "Save the trained model: .npz (NumPy) or .json (network2.py's format)");
  app.parse_complete_callback([&] {
    if (o.optimizer == "adam" && app.count("--eta") == 0) o.common.eta = 0.001;
  });
  CLI11_PARSE(app, argc, argv);
  examples::setup_blas(o.common);
  try {
    if (o.hidden_act == "sigmoid") return run<mlp<nndl::sigmoid, nndl::default_weight_init>>(o);
    return run<mlp<nndl::relu, nndl::he_init>>(o);
  } catch (const nndl::model_error& e) {
    std::cerr << e.what() << '\n';
    return 2;
  } catch (const nndl::training_diverged& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
}
