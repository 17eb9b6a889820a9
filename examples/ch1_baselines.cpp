// Chapter 1's two baselines on MNIST, as the book's mnist_average_darkness.py and mnist_svm.py.
//
//  (a) average darkness: darkness = sum of an image's pixels; average it per digit over the 50k
//      training images; guess the digit whose average is nearest. Book: 2,225 / 10,000.
//  (b) svm.SVC() with scikit-learn 0.19 defaults (libsvm C-SVC, RBF kernel, C = 1,
//      gamma = 'auto' = 1/784, tol = 1e-3, shrinking on), trained on the 50k training images and
//      scored on the 10k test images. Book: 9,435 / 10,000.
#include <svm.h>  // libsvm (Debian: /usr/include/libsvm, found by examples/CMakeLists.txt)

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "nndl/data/mnist.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

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
  for (std::size_t k = 0; k < 10; ++k)
    avg[k] = count[k] ? sum[k] / static_cast<double>(count[k]) : 0.0;
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

/// A data set as libsvm's sparse rows (zero pixels skipped, 1-based indices, -1 terminated),
/// built once into one contiguous node array.
struct sparse_rows {
  std::vector<svm_node> nodes;
  std::vector<svm_node*> rows;
  std::vector<double> y;
  sparse_rows(const nndl::dataset<double>& d, std::size_t n) {
    std::vector<std::size_t> start(n);
    for (std::size_t i = 0; i < n; ++i) {
      start[i] = nodes.size();
      const double* p = d.row(i);
      for (std::size_t j = 0; j < d.features(); ++j)
        if (p[j] != 0.0) nodes.push_back({static_cast<int>(j + 1), p[j]});
      nodes.push_back({-1, 0.0});
      y.push_back(d.labels[i]);
    }
    for (std::size_t s : start) rows.push_back(nodes.data() + s);
  }
};

// libsvm prints a line per binary problem; show "k/45" progress instead of its dots.
clock_type::time_point svm_train_start;
int svm_problems_done = 0;
void svm_progress(const char* s) {
  if (std::string(s).find("optimization finished") == std::string::npos) return;
  ++svm_problems_done;
  std::printf("  SVM training: binary problem %d/45 done (%.0f s)\n", svm_problems_done,
              seconds_since(svm_train_start));
  std::fflush(stdout);
}

struct model_deleter {
  void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};

result svm_baseline(const nndl::dataset<double>& train, const nndl::dataset<double>& test,
                    std::size_t train_size, double cache_mb, double& train_seconds,
                    double& predict_seconds) {
  sparse_rows tr(train, train_size), te(test, test.size());
  svm_problem prob{};
  prob.l = static_cast<int>(train_size);
  prob.y = tr.y.data();
  prob.x = tr.rows.data();

  svm_parameter param{};
  param.svm_type = C_SVC;
  param.kernel_type = RBF;
  param.degree = 3;
  param.gamma = 1.0 / static_cast<double>(train.features());  // 'auto' = 1 / n_features
  param.coef0 = 0;
  param.cache_size = cache_mb;
  param.eps = 1e-3;
  param.C = 1;
  param.nr_weight = 0;
  param.nu = 0.5;
  param.p = 0.1;
  param.shrinking = 1;
  param.probability = 0;
  if (const char* err = svm_check_parameter(&prob, &param))
    throw std::runtime_error(std::string("libsvm: ") + err);

  std::printf("SVM: training on %zu images (RBF, C=1, gamma=1/%zu, tol=1e-3, cache %.0f MB)\n",
              train_size, train.features(), cache_mb);
  std::fflush(stdout);
  svm_set_print_string_function(svm_progress);
  svm_train_start = clock_type::now();
  std::unique_ptr<svm_model, model_deleter> model(svm_train(&prob, &param));
  train_seconds = seconds_since(svm_train_start);
  const int nr_class = svm_get_nr_class(model.get());
  std::vector<int> label(static_cast<std::size_t>(nr_class));
  svm_get_labels(model.get(), label.data());
  std::printf("SVM: trained in %.1f s, %d support vectors\n", train_seconds,
              svm_get_nr_sv(model.get()));

  // One-vs-one vote as scikit-learn's libsvm does it: its fork sorts the class labels, so a
  // tied vote goes to the smallest digit (stock libsvm would pick by first appearance).
  const auto t0 = clock_type::now();
  std::vector<double> dec(static_cast<std::size_t>(nr_class * (nr_class - 1) / 2));
  result r{"svm", "SVM (svm.SVC defaults)", 0, test.size(), 0};
  for (std::size_t i = 0; i < test.size(); ++i) {
    svm_predict_values(model.get(), te.rows[i], dec.data());
    std::vector<int> votes(10, 0);
    std::size_t p = 0;
    for (int a = 0; a < nr_class; ++a)
      for (int b = a + 1; b < nr_class; ++b, ++p) ++votes[dec[p] > 0 ? label[a] : label[b]];
    std::size_t guess = 0;
    for (std::size_t k = 1; k < 10; ++k)
      if (votes[k] > votes[guess]) guess = k;
    r.correct += guess == test.labels[i];
    if ((i + 1) % 1000 == 0) {
      std::printf("  SVM prediction: %zu / %zu images, %zu correct so far (%.0f s)\n", i + 1,
                  test.size(), r.correct, seconds_since(t0));
      std::fflush(stdout);
    }
  }
  predict_seconds = seconds_since(t0);
  r.seconds = train_seconds + predict_seconds;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 1 baselines on MNIST: average darkness and an SVM (svm.SVC defaults)"};
  std::optional<std::string> data_flag;
  std::size_t svm_train_size = 50000;
  bool no_svm = false;
  double svm_cache_mb = 2000;
  std::string metrics;
  app.add_option("--data", data_flag, "Folder with the four MNIST files (else NNDL_DATA, else the user's "
                                      "folder, else the repository's copy data/mnist)");
  app.add_option("--svm-train-size", svm_train_size, "Train the SVM on the first N training images")
      ->check(CLI::Range(std::size_t{1}, std::size_t{50000}));
  app.add_flag("--no-svm", no_svm, "Skip the SVM (it takes several minutes)");
  app.add_option("--svm-cache-mb", svm_cache_mb, "libsvm kernel cache size in MB")
      ->check(CLI::PositiveNumber);
  app.add_option("--metrics", metrics, "Write a CSV: baseline,correct,total,accuracy,seconds");
  CLI11_PARSE(app, argc, argv);

  nndl::mnist_data<double> mnist;
  try {
    std::optional<std::filesystem::path> flag;
    if (data_flag) flag = *data_flag;
    const auto dir = nndl::find_data_dir(flag);
    const auto t0 = clock_type::now();
    mnist = nndl::load_mnist<double>(dir);
    std::printf("Loaded %s: %zu training, %zu validation, %zu test images (%.1f s)\n",
                dir.c_str(), mnist.training.size(), mnist.validation.size(), mnist.test.size(),
                seconds_since(t0));
  } catch (const nndl::data_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }

  std::vector<result> results;
  results.push_back(average_darkness(mnist.training, mnist.test));
  print_result(results.back());
  std::printf("  (book: 2225 / 10000, 22.25%%; %.3f s)\n", results.back().seconds);

  if (!no_svm) {
    double train_s = 0, predict_s = 0;
    results.push_back(svm_baseline(mnist.training, mnist.test, svm_train_size, svm_cache_mb,
                                   train_s, predict_s));
    print_result(results.back());
    std::printf("  (book: 9435 / 10000, 94.35%%; training %.1f s, prediction %.1f s)\n", train_s,
                predict_s);
  }

  if (!metrics.empty()) {
    std::ofstream out(metrics);
    out << "baseline,correct,total,accuracy,seconds\n";
    for (const auto& r : results)
      out << r.id << ',' << r.correct << ',' << r.total << ','
          << static_cast<double>(r.correct) / static_cast<double>(r.total) << ',' << r.seconds
          << '\n';
    if (!out) {
      std::fprintf(stderr, "nndl: %s: cannot write the metrics file\n", metrics.c_str());
      return 1;
    }
  }
  return 0;
}
