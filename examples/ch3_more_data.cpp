// Chapter 3: more training data (the book's more_data.py). The [784, 30, 10] cross-entropy network
// with large weights, eta 0.5, mini-batch 10, lambda = size * 1e-4 and 1,500,000 / size epochs
// (the same number of mini-batch steps for every size), trained on the first `size` training images,
// and svm.SVC() on the same images; both scored on the validation images, beside the book's curves.
//   ch3_more_data                         # every size, both learners (the SVM on 50k takes minutes)
//   ch3_more_data --sizes 100,1000 --no-svm --plot more_data.png
#include "common.hpp"
#include "session.hpp"
#include "svm.hpp"

#include <nndl/detail/file.hpp>
#include <nndl/io/plot.hpp>

#include <fstream>
#include <map>

namespace {

using net_type = nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                               nndl::cross_entropy_cost, nndl::l2_regularizer, nndl::default_weight_init>;

/// The book's figures (the output of its more_data.py: the network's and the SVM's accuracy for each
/// training-set size; beside ours in docs/results.md, chapter 3), validation %.
const std::map<std::size_t, std::pair<double, double>> book{
    {100, {69.09, 25.07}},   {200, {76.37, 48.93}},   {500, {85.29, 75.13}},
    {1000, {88.85, 83.87}},  {2000, {91.27, 88.49}},  {5000, {93.24, 91.46}},
    {10000, {94.89, 92.45}}, {20000, {95.85, 93.47}}, {50000, {95.97, 94.48}}};

struct options {
  examples::common_flags common;
  std::vector<std::size_t> sizes{100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000};
  std::size_t steps = 1500000, svm_max = 50000;
  bool no_svm = false;
  double svm_cache_mb = 2000;
  std::string plot;
};

struct row {
  std::size_t size = 0, epochs = 0;
  std::optional<double> nn, svm;  // validation accuracy, %
  double nn_seconds = 0, svm_seconds = 0;
};

std::string percent(const std::optional<double>& v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v ? *v : 0.0);
  return v ? b : "-";
}

void print_table(const std::vector<row>& rows) {
  std::printf("\n%8s %8s | %8s %8s %8s | %8s %8s %8s\n", "size", "epochs", "network", "book", "seconds", "SVM", "book",
              "seconds");
  for (const auto& r : rows) {
    const auto b = book.find(r.size);
    std::printf("%8zu %8zu | %8s %8s %8.1f | %8s %8s %8.1f\n", r.size, r.epochs, percent(r.nn).c_str(),
                b != book.end() ? percent(b->second.first).c_str() : "-", r.nn_seconds, percent(r.svm).c_str(),
                b != book.end() ? percent(b->second.second).c_str() : "-", r.svm_seconds);
  }
}

/// The table as CSV (size,epochs,network,svm,book_network,book_svm,network_seconds,svm_seconds) and
/// the book's two plots: accuracy against the training-set size on linear and logarithmic axes.
void plot(const std::vector<row>& rows, const std::filesystem::path& png) {
  namespace d = nndl::plot;
  const auto [csv, gp] = d::beside(png);
  std::string text = "size,epochs,network,svm,book_network,book_svm,network_seconds,svm_seconds\n";
  for (const auto& r : rows) {
    const auto b = book.find(r.size);
    text += std::to_string(r.size) + ',' + std::to_string(r.epochs) + ',' + d::number(r.nn) + ',' + d::number(r.svm) +
            ',' + (b != book.end() ? d::number(b->second.first) : "") + ',' +
            (b != book.end() ? d::number(b->second.second) : "") + ',' + d::number(r.nn_seconds) + ',' +
            d::number(r.svm_seconds) + '\n';
  }
  d::write_file(csv, text);
  const auto abs_csv = std::filesystem::absolute(csv), abs_gp = std::filesystem::absolute(gp);
  std::string s = "# more_data figures written by ch3_more_data. Re-plot with: gnuplot " + d::quote(abs_gp.string()) +
                  "\nif (!exists(\"out\")) out = " + d::quote(std::filesystem::absolute(png).string()) +
                  "\ndata = " + d::quote(abs_csv.string()) +
                  "\nif (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n  set terminal pngcairo size 1200,500 noenhanced "
                  "font 'sans,11'\n} else {\n  set terminal png size 1200,500 noenhanced\n}\nset output out\n"
                  "set datafile separator comma\nset datafile missing ''\nset grid\nset key bottom right\n"
                  "set xlabel 'training set size'\nset ylabel 'validation accuracy (%)'\nset yrange [0:100]\n"
                  "set multiplot layout 1,2 title 'More training data (more_data.py)' font ',14'\n";
  const std::string lines =
      "plot data skip 1 using 1:3 with linespoints pt 7 lw 2 lc rgb '#1f77b4' title 'network (nndl)', \\\n"
      "     data skip 1 using 1:5 with lines dt 2 lw 1 lc rgb '#1f77b4' title 'network (book)', \\\n"
      "     data skip 1 using 1:4 with linespoints pt 5 lw 2 lc rgb '#ff7f0e' title 'SVM (libsvm)', \\\n"
      "     data skip 1 using 1:6 with lines dt 2 lw 1 lc rgb '#ff7f0e' title 'SVM (book)'\n";
  s += "set title 'linear scale'\n" + lines + "set title 'logarithmic scale'\nset logscale x\n" + lines +
       "unset multiplot\nset output\n";
  d::write_file(gp, s);
  d::run_gnuplot(abs_gp, png, csv);
}

int run(const options& o) {
  for (std::size_t s : o.sizes)
    if (s == 0 || s > 50000) throw std::invalid_argument("--sizes: " + std::to_string(s) + " is not in 1..50000");
  if (!o.common.save.empty()) examples::check_writable(o.common.save);
  if (const auto folder = std::filesystem::absolute(o.plot).parent_path();
      !o.plot.empty() && ::access(folder.c_str(), W_OK) != 0)
    throw std::invalid_argument("--plot " + o.plot + ": cannot write in the folder " + folder.string());
  const auto data = examples::load_data<double>(o.common);
  std::vector<row> rows;
  for (std::size_t size : o.sizes) {
    row r;
    r.size = size, r.epochs = std::max<std::size_t>(1, o.steps / size);
    const auto training = data.training.slice(0, size);
    net_type net{o.common.seed};
    net.initialize<nndl::large_weight_init>(o.common.seed);
    const nndl::train_options to{.epochs = r.epochs,
                                 .mini_batch = o.common.mini_batch,
                                 .eta = o.common.eta,
                                 .lambda = double(size) * 1e-4,
                                 .seed = o.common.seed,
                                 .verbose = false,
                                 .workers = o.common.workers,
                                 .stop = examples::stop_on_signals()};
    std::printf("size %zu: the network, %zu epochs, lambda %g ...\n", size, r.epochs, to.lambda);
    std::fflush(stdout);
    const auto h = nndl::sgd(net, training, to);
    if (h.interrupted) {
      print_table(rows);
      std::fprintf(stderr, "ch3_more_data: interrupted during size %zu; the rows above are complete\n", size);
      return examples::interrupted;
    }
    r.nn_seconds = h.total_seconds;
    r.nn = 100.0 * double(net.evaluate(data.validation)) / double(data.validation.size());
    std::printf("size %zu: network %.2f%% on the validation images (%.1f s)\n", size, *r.nn, r.nn_seconds);
    if (!o.common.save.empty()) {
      const std::filesystem::path p(o.common.save);
      const auto file = p.parent_path() / (p.stem().string() + "-" + std::to_string(size) + p.extension().string());
      examples::save_as(net, file,
                        examples::provenance("ch3_more_data", o.common.command, to, training.name,
                                             {{"validation_accuracy", *r.nn / 100}, {"training_images", size}}));
      std::printf("  saved: %s\n", file.c_str());
    }
    if (!o.no_svm && size <= o.svm_max) {
      const auto s = examples::svm::train_and_score(data.training, data.validation, size, o.svm_cache_mb, false);
      r.svm = 100.0 * double(s.correct) / double(s.total);
      r.svm_seconds = s.train_seconds + s.predict_seconds;
      std::printf("size %zu: SVM %.2f%% on the validation images (%.1f s)\n", size, *r.svm, r.svm_seconds);
    }
    std::fflush(stdout);
    rows.push_back(r);
    if (examples::stop_requested) break;  // Ctrl-C during the SVM
  }
  print_table(rows);
  if (!o.plot.empty()) {
    plot(rows, o.plot);
    std::printf("Plot: %s (figures in the .csv beside it)\n", o.plot.c_str());
  }
  return examples::stop_requested ? examples::interrupted : examples::done;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"Chapter 3: more training data (more_data.py): the network and svm.SVC() on 100 ... 50,000 images"};
  options o;
  o.common.eta = 0.5;
  examples::add_common_flags(app, o.common);
  app.remove_option(app.get_option("--epochs"));  // the number of epochs is steps / size
  app.remove_option(app.get_option("--metrics"));
  examples::add_save_flag(app, o.common, argc, argv,
                          "Save each size's network: FILE.npz becomes FILE-<size>.npz (or .json)");
  app.add_option("--sizes", o.sizes, "Training-set sizes (the first N training images)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--steps", o.steps, "Training examples seen per size: epochs = steps / size (the book: 1,500,000)")
      ->capture_default_str();
  app.add_flag("--no-svm", o.no_svm, "Only the network");
  app.add_option("--svm-max", o.svm_max, "Train the SVM only on sizes up to this (it takes minutes on 50k)")
      ->capture_default_str();
  app.add_option("--svm-cache-mb", o.svm_cache_mb, "libsvm kernel cache size in MB")->capture_default_str();
  app.add_option("--plot", o.plot,
                 "Write the book's two plots (linear and log size) as a PNG, its CSV and gnuplot "
                 "script beside it");
  NNDL_PARSE(app, argc, argv);
  examples::setup_blas(o.common);
  return examples::guarded("ch3_more_data", [&] { return run(o); });
}
