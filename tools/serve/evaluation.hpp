// nndl-serve --data: the model evaluated on the MNIST test set once, in the background, by the code
// nndl-evaluate runs (tools/report.hpp), for the page's accuracy, confusion matrix and
// misclassified digits. Requests read the result while the evaluation runs: every access is
// under one mutex.
#pragma once

#include <nndl/model/model.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace serve {

class evaluation_job {
 public:
  evaluation_job() = default;
  evaluation_job(const evaluation_job&) = delete;
  evaluation_job& operator=(const evaluation_job&) = delete;
  ~evaluation_job() { stop(); }

  /// Loads MNIST from `data_dir` and evaluates `m` on its test set in a thread of its own. `m`
  /// must outlive the job (or stop()).
  void start(const nndl::model& m, const std::filesystem::path& data_dir);
  /// Asks the evaluation to stop after its current block of 1,000 digits, and waits for it.
  void stop();

  /// "none" (no --data), "running", "done" or "failed".
  std::string state() const;
  /// {"state": ...} and, when done, nndl-evaluate's report (tools::json); when running, the
  /// digits done; when failed, the error.
  nlohmann::json json() const;
  /// The misclassified digits as a PNG grid (tools::error_grid, at most 400); empty until done.
  std::vector<unsigned char> errors_png() const;

 private:
  template <class T>
  void run(const nndl::model& m, const std::filesystem::path& data_dir);

  mutable std::mutex mutex_;
  std::string state_ = "none", error_;
  nlohmann::json report_;
  std::vector<unsigned char> errors_png_;
  std::atomic<std::size_t> done_{0}, total_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace serve
