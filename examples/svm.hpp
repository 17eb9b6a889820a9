// The book's svm.SVC() (scikit-learn 0.19 defaults: libsvm C-SVC, RBF kernel, C = 1,
// gamma = 'auto' = 1 / n_features, tol = 1e-3, shrinking on) through libsvm, for ch1_baselines and
// ch3_more_data. Debian: libsvm-dev (examples/CMakeLists.txt finds it).
#pragma once

#include <svm.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nndl/data/dataset.hpp>

namespace examples::svm {

using clock_type = std::chrono::steady_clock;
inline double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
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

namespace libsvm_glue {  // what libsvm calls back, and its model's deleter
// libsvm prints a line per binary problem; show "k/45" progress instead of its dots (or nothing).
inline clock_type::time_point train_start;
inline int problems_done = 0;
inline bool verbose = true;
inline void progress(const char* s) {
  if (!verbose || std::string(s).find("optimization finished") == std::string::npos) return;
  ++problems_done;
  std::printf("  SVM training: binary problem %d/45 done (%.0f s)\n", problems_done, seconds_since(train_start));
  std::fflush(stdout);
}
struct model_deleter {
  void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};
}  // namespace libsvm_glue

struct outcome {
  std::size_t correct = 0, total = 0, support_vectors = 0;
  double train_seconds = 0, predict_seconds = 0;
};

/// Trains svm.SVC() on the first train_size rows of train and scores it on test.
inline outcome train_and_score(const nndl::dataset<double>& train, const nndl::dataset<double>& test,
                               std::size_t train_size, double cache_mb, bool verbose = true) {
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
  if (const char* err = svm_check_parameter(&prob, &param)) throw std::runtime_error(std::string("libsvm: ") + err);

  if (verbose)
    std::printf("SVM: training on %zu images (RBF, C=1, gamma=1/%zu, tol=1e-3, cache %.0f MB)\n", train_size,
                train.features(), cache_mb);
  std::fflush(stdout);
  libsvm_glue::verbose = verbose;
  libsvm_glue::problems_done = 0;
  svm_set_print_string_function(libsvm_glue::progress);
  libsvm_glue::train_start = clock_type::now();
  std::unique_ptr<svm_model, libsvm_glue::model_deleter> model(svm_train(&prob, &param));
  outcome r;
  r.train_seconds = seconds_since(libsvm_glue::train_start);
  r.support_vectors = static_cast<std::size_t>(svm_get_nr_sv(model.get()));
  const int nr_class = svm_get_nr_class(model.get());
  std::vector<int> label(static_cast<std::size_t>(nr_class));
  svm_get_labels(model.get(), label.data());
  if (verbose) std::printf("SVM: trained in %.1f s, %zu support vectors\n", r.train_seconds, r.support_vectors);

  // One-vs-one vote as scikit-learn's libsvm does it: its fork sorts the class labels, so a
  // tied vote goes to the smallest digit (stock libsvm would pick by first appearance).
  const auto t0 = clock_type::now();
  std::vector<double> dec(static_cast<std::size_t>(nr_class * (nr_class - 1) / 2));
  r.total = test.size();
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
    if (verbose && (i + 1) % 1000 == 0) {
      std::printf("  SVM prediction: %zu / %zu images, %zu correct so far (%.0f s)\n", i + 1, test.size(), r.correct,
                  seconds_since(t0));
      std::fflush(stdout);
    }
  }
  r.predict_seconds = seconds_since(t0);
  return r;
}

}  // namespace examples::svm
