// The background evaluation of nndl-serve --data (evaluation.hpp).
#include "evaluation.hpp"

#include "../report.hpp"

#include <nndl/data/image.hpp>
#include <nndl/data/mnist.hpp>

#include <chrono>
#include <exception>

namespace serve {

void evaluation_job::start(const nndl::model& m, const std::filesystem::path& data_dir) {
  stop();
  {
    std::lock_guard lock(mutex_);
    state_ = "running";
  }
  stopping_ = false;
  thread_ = std::thread([this, &m, data_dir] {
    try {
      if (m.is_float())
        run<float>(m, data_dir);
      else
        run<double>(m, data_dir);
    } catch (const tools::evaluation_stopped&) {
      std::lock_guard lock(mutex_);
      state_ = "failed", error_ = "stopped";
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex_);
      state_ = "failed", error_ = e.what();
    } catch (...) {  // nothing leaves the thread (that would end the program)
      std::lock_guard lock(mutex_);
      state_ = "failed", error_ = "an unknown error";
    }
  });
}

template <class T>
void evaluation_job::run(const nndl::model& m, const std::filesystem::path& data_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto data = nndl::load_mnist<T>(data_dir);
  total_ = data.test.size();
  auto e = tools::evaluate(m, data.test, "test", [this](std::size_t done) {
    done_ = done;
    return !stopping_.load();
  });
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto report = tools::json(e);
  report["text"] = tools::text(e);
  report["errors_shown"] = std::min<std::size_t>(400, e.errors.size());
  auto png = nndl::png_bytes(tools::error_grid(e, data.test));  // the same picture as nndl-evaluate --errors
  std::lock_guard lock(mutex_);
  report_ = std::move(report);
  errors_png_ = std::move(png);
  state_ = "done";
}

void evaluation_job::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string evaluation_job::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

nlohmann::json evaluation_job::json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json j = state_ == "done" ? report_ : nlohmann::json::object();
  j["state"] = state_;
  if (state_ == "running") j["done"] = done_.load(), j["total"] = total_.load();
  if (state_ == "failed") j["error"] = error_;
  return j;
}

std::vector<unsigned char> evaluation_job::errors_png() const {
  std::lock_guard lock(mutex_);
  return errors_png_;
}

}  // namespace serve
