// Chapter 1's two baselines on MNIST, as the book's mnist_average_darkness.py and mnist_svm.py.
//
//  (a) average darkness: darkness = sum of an image's pixels; average it per digit over the 50k
//      training images; guess the digit whose average is nearest. Book: 2,225 / 10,000.
//  (b) svm.SVC() with scikit-learn 0.19 defaults (libsvm C-SVC, RBF kernel, C = 1,
//      gamma = 'auto' = 1/784, tol = 1e-3, shrinking on), trained on the 50k training images and
//      scored on the 10k test images. Book: 9,435 / 10,000.
#include "svm.hpp"  // libsvm

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2

#include "nndl/data/mnist.hpp"

namespace {

using examples::svm::clock_type;
using examples::svm::seconds_since;

struct result {
  std::string id;    // the CSV name
  std::string name;  // the printed name
  std::size_t correct = 0, total = 0;
  double seconds = 0;
};

void print_result(const result& r) {
  std::printf("Baseline %s: %zu / %zu (%.2f%%)\n", r.name.c_str(), r.correct, r.total,
              100.0 * static_cast<double>(r.correct) / static_cast<double>(r.total));
  std::fflush(stdout);
}

result average_darkness(const nndl::dataset<double>& train, const nndl::dataset<double>& test) {
  const auto t0 = clock_type::now();
  auto darkness = [](const nndl::dataset<double>& d, std::size_t i) {
    double s = 0;
    const double* p = d.row(i);
    for (std::size_t j = 0; j < d.features(); ++j) s += p[j];
    return s;
  };
  std::vector<double> sum(10, 0.0), avg(10, 0.0);
  std::vector<std::size_t> count(10, 0);
  for (std::size_t i = 0; i < train.size(); ++i) {
    sum[train.labels[i]] += darkness(train, i);
    ++count[train.labels[i]];
  }
  for (std::size_t k = 0; k < 10; ++k) avg[k] = count[k] ? sum[k] / static_cast<double>(count[k]) : 0.0;
  result r{"average_darkness", "average darkness", 0, test.size(), 0};
  for (std::size_t i = 0; i < test.size(); ++i) {
    const double d = darkness(test, i);
    std::size_t best = 0;  // nearest average; ties go to the smaller digit (Python's min order)
    for (std::size_t k = 1; k < 10; ++k)
      if (std::abs(avg[k] - d) < std::abs(avg[best] - d)) best = k;
    r.correct += best == test.labels[i];
  }
  r.seconds = seconds_since(t0);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"Chapter 1 baselines on MNIST: average darkness and an SVM (svm.SVC defaults)"};
  std::optional<std::string> data_flag;
  std::size_t svm_train_size = 50000;
  bool no_svm = false;
  double svm_cache_mb = 2000;
  std::string metrics;
  app.add_option("--data", data_flag,
                 "Folder with the four MNIST files (else NNDL_DATA, else the user's "
                 "folder, else the repository's copy data/mnist)");
  app.add_option("--svm-train-size", svm_train_size, "Train the SVM on the first N training images")
      ->check(cli::range(std::size_t{1}, std::size_t{50000}));
  app.add_flag("--no-svm", no_svm, "Skip the SVM (it takes several minutes)");
  app.add_option("--svm-cache-mb", svm_cache_mb, "libsvm kernel cache size in MB")->check(cli::positive_number);
  app.add_option("--metrics", metrics, "Write a CSV: baseline,correct,total,accuracy,seconds");
  NNDL_PARSE(app, argc, argv);

  nndl::mnist_data<double> mnist;
  try {
    std::optional<std::filesystem::path> flag;
    if (data_flag) flag = *data_flag;
    const auto dir = nndl::find_data_dir(flag);
    const auto t0 = clock_type::now();
    mnist = nndl::load_mnist<double>(dir);
    std::printf("Loaded %s: %zu training, %zu validation, %zu test images (%.1f s)\n", dir.c_str(),
                mnist.training.size(), mnist.validation.size(), mnist.test.size(), seconds_since(t0));
  } catch (const nndl::data_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }

  std::vector<result> results;
  results.push_back(average_darkness(mnist.training, mnist.test));
  print_result(results.back());
  std::printf("  (book: 2225 / 10000, 22.25%%; %.3f s)\n", results.back().seconds);

  if (!no_svm) {
    const auto svm = examples::svm::train_and_score(mnist.training, mnist.test, svm_train_size, svm_cache_mb);
    results.push_back(
        {"svm", "SVM (svm.SVC defaults)", svm.correct, svm.total, svm.train_seconds + svm.predict_seconds});
    print_result(results.back());
    std::printf("  (book: 9435 / 10000, 94.35%%; training %.1f s, prediction %.1f s)\n", svm.train_seconds,
                svm.predict_seconds);
  }

  if (!metrics.empty()) {
    std::ofstream out(metrics);
    out << "baseline,correct,total,accuracy,seconds\n";
    for (const auto& r : results)
      out << r.id << ',' << r.correct << ',' << r.total << ','
          << static_cast<double>(r.correct) / static_cast<double>(r.total) << ',' << r.seconds << '\n';
    if (!out) {
      std::fprintf(stderr, "nndl: %s: cannot write the metrics file\n", metrics.c_str());
      return 1;
    }
  }
  return 0;
}
