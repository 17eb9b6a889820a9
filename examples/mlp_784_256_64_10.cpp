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
#include "optimizer_choice.hpp"
#include "data_parallel.hpp"
#include "session.hpp"

#include <nndl/io/mlp_npz.hpp>
#include <nndl/io/network2_json.hpp>
#include <nndl/train/progress.hpp>

namespace {

struct options {
  examples::common_flags common;
  std::string hidden_act = "relu", optimizer = "sgd";
  double lambda = 0.5, momentum = 0.9;
  bool data_parallel = false;  // --data-parallel (data_parallel.hpp)
  nndl::process_group* group = nullptr;
};

template <class Act, class Init>
using mlp = nndl::network<double, nndl::input<784>, nndl::dense<256, Act>, nndl::dense<64, Act>,
                          nndl::dense<10, nndl::softmax>, nndl::log_likelihood_cost, nndl::l2_regularizer, Init>;

template <class Net>
int run(const options& o) {
  const auto& c = o.common;
  if (!c.save.empty()) examples::check_writable(c.save);
  const auto data = examples::load_data<double>(c);
  Net net{c.seed};
  if (!c.load.empty()) examples::load_into(net, c.load);
  std::cout << nndl::describe(net);
  if (c.epochs == 0) {  // evaluate a saved network (or the seed's weights)
    std::cout << examples::accuracy_line("Test", net.evaluate(data.test), data.test.size()) << '\n';
    return examples::done;
  }
  examples::optimizer_choice opt(o.optimizer, o.momentum);
  std::printf("%s: %zu epochs, mini-batch %zu, eta %g, %s lambda %g, seed %llu\n",
              o.optimizer == "adam" ? "Adam" : "SGD", c.epochs, c.mini_batch, c.eta,
              o.optimizer == "adam" ? "" : ("momentum " + std::to_string(o.momentum) + ",").c_str(), o.lambda,
              static_cast<unsigned long long>(c.seed));
  std::fflush(stdout);
  nndl::train_options to{.epochs = c.epochs,
                         .mini_batch = c.mini_batch,
                         .eta = c.eta,
                         .lambda = o.lambda,
                         .seed = c.seed,
                         .workers = c.workers,
                         .stop = examples::stop_on_signals(),
                         .data_parallel = o.group};
  examples::run_checkpoint<Net, examples::optimizer_choice> ckpt{
      c.checkpoint.empty()
          ? ""
          : c.checkpoint + "/mlp-" + o.hidden_act + "-" + o.optimizer + "-seed" + std::to_string(c.seed) + ".ckpt.npz",
      {{"program", "mlp_784_256_64_10"},
       {"hidden_act", o.hidden_act},
       {"seed", c.seed},
       {"optimizer", o.optimizer},
       {"momentum", o.momentum},
       {"lambda", o.lambda},
       {"mini_batch", c.mini_batch},
       {"load", c.load}},
      &opt};
  ckpt.resume(net, to);
  std::optional<nndl::csv_metrics> csv;
  if (!c.metrics.empty()) csv.emplace(c.metrics), csv->resume(to.first_epoch);
  const auto prov = examples::provenance("mlp_784_256_64_10", c.command, to, data.training.name,
                                         {{"optimizer", o.optimizer}, {"momentum", o.momentum}});
  auto h = examples::saving_if_diverged(net, c.save_diverged ? c.save : "", prov, [&] {
    return nndl::train(net, data.training, opt, to, nndl::evaluate_on(data.test), csv,
                       c.checkpoint.empty() ? nullptr : &ckpt, examples::progress_bar(c));
  });
  if (h.interrupted) return examples::after_interruption("mlp_784_256_64_10", net, ckpt, h);
  h = ckpt.whole(std::move(h));
  examples::print_summary(h, "test");
  const std::size_t final_correct = net.evaluate(data.test);
  std::printf("Final test accuracy: %zu / %zu (%.2f%%)\n", final_correct, data.test.size(),
              100.0 * double(final_correct) / double(data.test.size()));
  if (!c.save.empty()) {
    auto p = prov;
    p["saved"] = "last epoch", p["test_correct"] = final_correct, p["test_total"] = data.test.size();
    examples::save_as(net, c.save, p);
    std::cout << "Saved the final model (" << nndl::architecture(net) << "): " << c.save << '\n';
  }
  return examples::done;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"The [784, 256, 64, 10] MLP: ReLU (or sigmoid) hidden layers, softmax output, momentum SGD"};
  options o;
  o.common.epochs = 20;
  o.common.mini_batch = 32;
  o.common.eta = 0.02;
  examples::add_common_flags(app, o.common);
  examples::add_model_flags(app, o.common, argc, argv);
  app.add_option("--hidden-act", o.hidden_act, "Activation of the hidden layers")
      ->capture_default_str()
      ->check(cli::is_member({"relu", "sigmoid"}));
  app.get_option("--eta")->description("Learning rate (0.02 for sgd; 0.001 unless given for adam)");
  app.add_option("--optimizer", o.optimizer, "sgd (with --momentum) or adam (default eta 0.001)")
      ->capture_default_str()
      ->check(cli::is_member({"sgd", "adam"}));
  app.add_option("--momentum", o.momentum, "Momentum coefficient mu of sgd (0: plain SGD)")->capture_default_str();
  app.add_option("--lambda", o.lambda, "L2 regularisation parameter lambda")->capture_default_str();
  app.parse_complete_callback([&] {
    if (o.optimizer == "adam" && app.count("--eta") == 0) o.common.eta = 0.001;
  });
  examples::add_data_parallel_flag(app, o.data_parallel);
  NNDL_PARSE(app, argc, argv);
  examples::data_parallel dp;
  if (const int s = dp.start(o.data_parallel, "mlp_784_256_64_10", o.common)) return s;
  o.group = dp.group();
  examples::setup_blas(o.common);
  const int status = examples::guarded("mlp_784_256_64_10", [&] {
    if (o.hidden_act == "sigmoid") return run<mlp<nndl::sigmoid, nndl::default_weight_init>>(o);
    return run<mlp<nndl::relu, nndl::he_init>>(o);
  });
  dp.print_communication();
  return dp.finish(status);
}
