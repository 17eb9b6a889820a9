// What the example programs share: the usual flags, loading MNIST with a clear message when it is
// missing, and the closing summary.
#pragma once

#include <nndl/blas.hpp>
#include <nndl/choose.hpp>
#include <nndl/data/mnist.hpp>
#include <nndl/network.hpp>
#include <nndl/train/progress.hpp>

#include "cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

namespace examples {

struct common_flags {
  std::string data;  ///< empty: NNDL_DATA, the user's folder, then the repository's copy
  std::size_t epochs = 30;
  std::size_t mini_batch = 10;
  double eta = 3.0;
  std::uint64_t seed = 1;
  std::string metrics;      ///< CSV of per-epoch figures, empty for none
  int blas_threads = 0;     ///< OpenBLAS threads; 0: as nndl chose at start-up (nndl/blas.hpp)
  std::size_t workers = 1;  ///< threads that share each mini-batch (train_options::workers)
  bool quiet = false;       ///< no progress bar
  // Programs that train (add_model_flags):
  std::string save, load;  ///< model files (session.hpp: save_as, load_into)
  std::string checkpoint;  ///< folder for the checkpoints of a run that can stop and go on
  bool save_diverged = false;
  std::string command;  ///< the command line, for the saved model's provenance
};

inline void add_common_flags(cli::app& app, common_flags& f) {
  const auto repository = nndl::repository_data_dir();
  app.add_option("--data", f.data,
                 "Folder with the four MNIST .gz files (default: $NNDL_DATA, then " + nndl::default_data_dir() +
                     (repository ? ", then the repository's copy " + repository->string() : "") + ")");
  app.add_option("--epochs", f.epochs, "Training epochs")->capture_default_str();
  app.add_option("--mini-batch", f.mini_batch, "Mini-batch size")->capture_default_str()->check(cli::positive_number);
  app.add_option("--eta", f.eta, "Learning rate")->capture_default_str();
  app.add_option("--seed", f.seed, "Seed for the weights and the shuffles")->capture_default_str();
  app.add_option("--metrics", f.metrics, "Write per-epoch figures to this CSV file");
  app.add_flag("--quiet", f.quiet, "No progress bar (on stderr: per mini-batch on a terminal, per epoch otherwise)");
  app.add_option("--workers", f.workers,
                 "Threads that share each mini-batch and each evaluation (the conv and pooling layers split its "
                 "samples, wide dense layers their neurons)")
      ->capture_default_str()
      ->check(cli::range(1, 64));
  app.add_option("--blas-threads", f.blas_threads,
                 "OpenBLAS threads inside each matrix product (default: 1, or OPENBLAS_NUM_THREADS when set; small "
                 "products gain nothing from more)")
      ->check(cli::range(1, 64));
}

/// --save: for every program that trains a network.
inline void add_save_flag(cli::app& app, common_flags& f, int argc, char** argv,
                          const std::string& what = "Save the trained network") {
  for (int i = 0; i < argc; ++i) f.command += (i ? " " : "") + std::string(argv[i]);
  app.add_option("--save", f.save,
                 what + ": FILE.npz (nndl's model file, any network; nndl-predict, nndl-evaluate and nndl-serve read "
                        "it), FILE.onnx (ONNX: ONNX Runtime, OpenCV, ... read it) or FILE.json (network2.py's format, "
                        "dense networks); checked before training");
}

/// --save, --load, --checkpoint, --save-diverged: for the programs that train one network at a time.
inline void add_model_flags(cli::app& app, common_flags& f, int argc, char** argv) {
  add_save_flag(app, f, argc, argv);
  app.add_option(
      "--load", f.load,
      "Start from a saved network (.npz, .onnx or .json; its layers must be this network's) instead of new weights");
  app.add_option("--checkpoint", f.checkpoint,
                 "Folder for a checkpoint after every epoch (and on Ctrl-C); a run that finds its own there continues "
                 "from it");
  app.add_flag("--save-diverged", f.save_diverged, "Save the network even when training diverged");
}

/// After the flags are parsed: OpenBLAS's threads if --blas-threads was given, then what OpenBLAS
/// runs with (nndl/blas.hpp chose its kernels and threads when the program started).
inline void setup_blas(const common_flags& f) {
  if (f.blas_threads > 0) nndl::set_blas_threads(f.blas_threads);
  std::cout << nndl::blas_summary() << '\n';
}

/// Loads the book's MNIST split (a data_error says what is wrong: session.hpp's guarded() turns it
/// into exit status 2).
template <class T>
nndl::mnist_data<T> load_data(const common_flags& f) {
  const auto dir = nndl::find_data_dir(f.data.empty() ? std::nullopt : std::optional<std::filesystem::path>(f.data));
  auto d = nndl::load_mnist<T>(dir);
  std::cout << "Data: " << dir.string() << " (" << d.training.size() << " training, " << d.validation.size()
            << " validation, " << d.test.size() << " test images)\n";
  return d;
}

/// The progress bar of a training run, or a silent one with --quiet.
inline nndl::progress_callback progress_bar(const common_flags& f, const std::string& evaluation_name = "test") {
  nndl::progress_options o;
  o.quiet = f.quiet;
  o.plain_every = 0;                                                                 // off a terminal: a line per epoch
  return nndl::progress_callback{.options = o, .evaluation_name = evaluation_name};  // not movable: built in place
}

/// "Best: 9534 / 10000 (95.34%) at epoch 28; training 4.10 s (0.137 s per epoch)".
inline void print_summary(const nndl::train_history& h, const std::string& what = "test") {
  if (const auto best = h.best_evaluation())
    std::printf("Best %s accuracy: %zu / %zu (%.2f%%) at epoch %zu\n", what.c_str(), *best->evaluation_correct,
                *best->evaluation_total, 100.0 * *best->evaluation_accuracy(), best->epoch);
  const double per = h.epochs.empty() ? 0 : h.train_seconds / double(h.epochs.size());
  std::printf("Training time: %.2f s (%.3f s per epoch, %zu epochs); with evaluation %.2f s\n", h.train_seconds, per,
              h.epochs.size(), h.total_seconds);
}

/// "m.csv" for a single run, "m-run2.csv" for the second of several.
inline std::string numbered(const std::string& path, std::size_t run, std::size_t runs) {
  if (runs == 1) return path;
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "-run" + std::to_string(run + 1) + p.extension().string())).string();
}

/// A small text chart of accuracy per epoch, for a look at the learning curve in the terminal.
inline void print_curve(const nndl::train_history& h) {
  double lo = 1, hi = 0;
  for (const auto& e : h.epochs)
    if (auto a = e.evaluation_accuracy()) lo = std::min(lo, *a), hi = std::max(hi, *a);
  if (hi <= lo) return;
  std::printf("Accuracy per epoch (%.2f%% .. %.2f%%):\n", 100 * lo, 100 * hi);
  for (const auto& e : h.epochs) {
    const auto a = e.evaluation_accuracy();
    if (!a) continue;
    const int bar = 1 + int(50 * (*a - lo) / (hi - lo));
    std::printf("  %3zu %6.2f%% %s\n", e.epoch, 100 * *a, std::string(std::size_t(bar), '#').c_str());
  }
}

}  // namespace examples
