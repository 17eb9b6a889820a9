// Chapter 5: the vanishing gradient problem. The speed of learning of each hidden layer, ‖δˡ‖ =
// ‖∂C/∂bˡ‖ averaged over the first 1,000 training images, (1) at initialisation for 2, 3 and 4
// hidden layers of 30 neurons, (2) over 500 epochs of full-batch gradient descent on those 1,000
// images (plotted per layer on a log scale), and (3) the validation accuracy of 1–4 hidden layers
// after 30 epochs of network2.py's SGD. The book's setup: default init, cross-entropy, sigmoid,
// η = 0.1, λ = 5.0, mini-batch 10 (1,000 for the full-batch runs).
//   ch5_vanishing_gradient --plot ch5.png
#include "common.hpp"
#include "session.hpp"

#include <nndl/io/plot.hpp>

#include <cmath>
#include <thread>

namespace {

template <std::size_t... Hidden>
using deep_net =
    nndl::network<double, nndl::input<784>, nndl::dense<Hidden, nndl::sigmoid>..., nndl::dense<10, nndl::sigmoid>,
                  nndl::cross_entropy_cost, nndl::l2_regularizer, nndl::default_weight_init>;
using net1 = deep_net<30>;
using net2 = deep_net<30, 30>;
using net3 = deep_net<30, 30, 30>;
using net4 = deep_net<30, 30, 30, 30>;

struct options {
  examples::common_flags common;
  double lambda = 5.0;
  std::size_t gd_epochs = 500, runs = 3, images = 1000;
  std::string plot = "ch5_vanishing_gradient.png";
  bool skip_accuracy = false;
};

/// ‖∂C/∂b‖ of each hidden layer (input side first) averaged over the slice.
template <class Net>
std::vector<double> hidden_speeds(Net& net, const nndl::dataset<double>& d, double lambda) {
  net.compute_gradient(d.row(0), std::span<const std::uint8_t>(d.labels), lambda, d.size());
  std::vector<double> out;
  net.for_each_layer([&](const auto& l, std::size_t i) {
    if (i + 1 < Net::depth) out.push_back(std::sqrt(double(xt::sum(l.gb * l.gb)())));
  });
  return out;
}

std::string join(const std::vector<double>& v, const char* fmt = "%.3g") {
  std::string s;
  char b[32];
  for (std::size_t i = 0; i < v.size(); ++i)
    std::snprintf(b, sizeof b, fmt, v[i]), s += (i ? ", " : "") + std::string(b);
  return s;
}

template <class Net>
void at_init(const options& o, const nndl::dataset<double>& slice, const char* book) {
  std::string arch = "[784, ";
  for (std::size_t i = 0; i + 1 < Net::depth; ++i) arch += "30, ";
  std::printf("  %s10] (book: %s)\n", arch.c_str(), book);
  for (std::size_t r = 0; r < o.runs; ++r) {
    Net net{o.common.seed + r};
    std::printf("    seed %llu: %s\n", static_cast<unsigned long long>(o.common.seed + r),
                join(hidden_speeds(net, slice, o.lambda)).c_str());
  }
}

/// Full-batch gradient descent on the slice; the speeds before training and after every epoch.
template <class Net>
std::vector<std::vector<double>> during_gd(const options& o, const nndl::dataset<double>& slice) {
  Net net{o.common.seed};
  std::vector<std::vector<double>> speeds{hidden_speeds(net, slice, o.lambda)};
  struct recorder {
    const options* o;
    const nndl::dataset<double>* slice;
    std::vector<std::vector<double>>* speeds;
    bool on_epoch_end(const Net& trained, nndl::epoch_record&) {
      Net copy = trained;  // the gradient pass needs a mutable network; the trained one stays as it is
      speeds->push_back(hidden_speeds(copy, *slice, o->lambda));
      return false;
    }
  } rec{&o, &slice, &speeds};
  nndl::sgd(net, slice,
            {.epochs = o.gd_epochs,
             .mini_batch = slice.size(),
             .eta = o.common.eta,
             .lambda = o.lambda,
             .seed = o.common.seed,
             .verbose = false},
            rec, examples::progress_bar(o.common));
  const auto& last = speeds.back();
  std::printf("  %zu hidden layers: epoch 0: %s; after %zu epochs: %s (first/last layer: %.0fx slower)\n",
              Net::depth - 1, join(speeds.front()).c_str(), o.gd_epochs, join(last).c_str(),
              last.back() / last.front());
  return speeds;
}

/// "ch5.npz" -> "ch5-3hidden.npz": where --save puts the network of `hidden` hidden layers.
std::filesystem::path saved_as(const std::string& save, std::size_t hidden) {
  const std::filesystem::path p(save);
  return p.parent_path() / (p.stem().string() + "-" + std::to_string(hidden) + "hidden" + p.extension().string());
}

template <class Net>
void accuracy(const options& o, const nndl::mnist_data<double>& data, double book) {
  Net net{o.common.seed};
  const nndl::train_options to{.epochs = o.common.epochs,
                               .mini_batch = o.common.mini_batch,
                               .eta = o.common.eta,
                               .lambda = o.lambda,
                               .seed = o.common.seed,
                               .verbose = false};
  const auto h = nndl::sgd(net, data.training, to, nndl::evaluate_on(data.validation),
                           examples::progress_bar(o.common, "validation"));
  const auto best = h.best_evaluation();
  if (!o.common.save.empty()) {
    const auto file = saved_as(o.common.save, Net::depth - 1);
    examples::save_as(net, file,
                      examples::provenance("ch5_vanishing_gradient", o.common.command, to, data.training.name,
                                           {{"saved", "last epoch"},
                                            {"validation_correct", *h.epochs.back().evaluation_correct},
                                            {"validation_total", data.validation.size()}}));
    std::printf("  saved: %s\n", file.c_str());
  }
  std::printf(
      "  %zu hidden layer%s: validation %.2f%% after epoch %zu (best %.2f%% at epoch %zu); book %.2f%%; %.1f s\n",
      Net::depth - 1, Net::depth == 2 ? " " : "s", 100 * *h.epochs.back().evaluation_accuracy(), h.epochs.back().epoch,
      100 * *best->evaluation_accuracy(), best->epoch, book, h.total_seconds);
}

void plot(const options& o, const std::vector<std::vector<std::vector<double>>>& runs) {
  namespace d = nndl::plot;
  const auto [csv, gp] = d::beside(o.plot);
  std::string text = "epoch";
  for (std::size_t n = 0; n < runs.size(); ++n)
    for (std::size_t l = 0; l < runs[n].front().size(); ++l)
      text += ",net" + std::to_string(n + 2) + "_layer" + std::to_string(l + 1);
  text += "\n";
  for (std::size_t e = 0; e < runs.front().size(); ++e) {
    text += std::to_string(e);
    for (const auto& r : runs)
      for (double v : r[e]) text += "," + d::number(v);
    text += "\n";
  }
  d::write_file(csv, text);
  const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};
  std::string s = "# Written by ch5_vanishing_gradient. Re-plot with: gnuplot " + d::quote(gp.string()) +
                  "\nif (!exists(\"out\")) out = " + d::quote(std::filesystem::absolute(o.plot).string()) +
                  "\nif (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n  set terminal pngcairo size 1500,480 noenhanced "
                  "font 'sans,10'\n} else {\n  set terminal png size 1500,480 noenhanced\n}\nset output out\n"
                  "set datafile separator comma\nset grid\nset logscale y\nset format y '%.0e'\nset xlabel "
                  "'epoch of full-batch gradient descent'\nset ylabel 'speed of learning ||dC/db|| (log)'\n"
                  "set key top right\ndata = " +
                  d::quote(std::filesystem::absolute(csv).string()) + "\nset multiplot layout 1," +
                  std::to_string(runs.size()) +
                  " title 'Speed of learning per hidden layer: 1,000 images, eta 0.1, lambda 5'\n";
  std::size_t col = 2;
  for (std::size_t n = 0; n < runs.size(); ++n) {
    s += "set title '" + std::to_string(n + 2) + " hidden layers'\nplot ";
    for (std::size_t l = 0; l < runs[n].front().size(); ++l, ++col)
      s += std::string(l ? ", " : "") + "data skip 1 using 1:" + std::to_string(col) + " with lines lw 2 lc rgb '" +
           colours[l] + "' title 'hidden layer " + std::to_string(l + 1) + "'";
    s += "\n";
  }
  s += "unset multiplot\nset output\n";
  d::write_file(gp, s);
  d::run_gnuplot(std::filesystem::absolute(gp), o.plot, csv);
  std::printf("Plot: %s (figures in %s)\n", o.plot.c_str(), csv.c_str());
}

}  // namespace

int run(const options& o);

int main(int argc, char** argv) {
  cli::app app{"Chapter 5: the vanishing gradient problem (speed of learning per layer, deep sigmoid networks)"};
  options o;
  o.common.eta = 0.1;
  examples::add_common_flags(app, o.common);
  app.add_option("--lambda", o.lambda, "L2 regularisation parameter")->capture_default_str();
  app.add_option("--gd-epochs", o.gd_epochs, "Epochs of full-batch gradient descent on the 1,000 images")
      ->capture_default_str();
  app.add_option("--runs", o.runs, "Seeds for the speeds at initialisation (run-to-run spread)")->capture_default_str();
  app.add_option("--plot", o.plot, "PNG of the speeds during full-batch gradient descent")->capture_default_str();
  app.add_flag("--skip-accuracy", o.skip_accuracy, "Skip the four 30-epoch trainings");
  examples::add_save_flag(app, o.common, argc, argv,
                          "Save each network of the accuracy runs as FILE-1hidden.npz ... FILE-4hidden.npz");
  NNDL_PARSE(app, argc, argv);
  examples::setup_blas(o.common);
  return examples::guarded("ch5_vanishing_gradient", [&] { return run(o); });
}

int run(const options& o) {
  if (!o.common.save.empty()) examples::check_writable(saved_as(o.common.save, 1));
  const auto data = examples::load_data<double>(o.common);
  const auto slice = data.training.slice(0, o.images);

  std::printf("\nSpeed of learning ||dC/db|| per hidden layer at initialisation (first %zu training images):\n",
              slice.size());
  at_init<net2>(o, slice, "0.07, 0.31");
  at_init<net3>(o, slice, "0.012, 0.060, 0.283");
  at_init<net4>(o, slice, "0.003, 0.017, 0.070, 0.285");

  std::printf("\nFull-batch gradient descent on those images, %zu epochs (eta %g, lambda %g):\n", o.gd_epochs,
              o.common.eta, o.lambda);
  std::vector<std::vector<std::vector<double>>> runs;
  runs.push_back(during_gd<net2>(o, slice));
  runs.push_back(during_gd<net3>(o, slice));
  runs.push_back(during_gd<net4>(o, slice));
  try {
    if (!o.plot.empty()) plot(o, runs);
  } catch (const nndl::plot_error& e) {
    std::cerr << e.what() << '\n';
  }

  if (!o.skip_accuracy) {
    std::printf("\nValidation accuracy after %zu epochs (mini-batch %zu, eta %g, lambda %g, seed %llu):\n",
                o.common.epochs, o.common.mini_batch, o.common.eta, o.lambda,
                static_cast<unsigned long long>(o.common.seed));
    accuracy<net1>(o, data, 96.48);
    accuracy<net2>(o, data, 96.90);
    accuracy<net3>(o, data, 96.57);
    accuracy<net4>(o, data, 96.53);
  }
  return 0;
}
