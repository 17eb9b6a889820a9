// What every training program does around its training run, in one place: exit statuses and
// messages for every error, Ctrl-C and SIGTERM, --save (checked before training), --load, --epochs
// 0 (evaluate only) and --checkpoint (resume a stopped run).
//
// Exit statuses (the README lists them):
//   0    done
//   1    training diverged, or failed while it ran
//   2    bad command line, missing or bad data or model file, a --save target that cannot be written
//   130  interrupted by Ctrl-C or SIGTERM (after the current mini-batch; a checkpoint is written when
//        --checkpoint is given, and the command to resume is printed)
#pragma once

#include <nndl/errors.hpp>
#include <nndl/io/checkpoint.hpp>
#include <nndl/io/formats.hpp>
#include <nndl/io/mlp_npz.hpp>
#include <nndl/io/model_file.hpp>
#include <nndl/io/network2_json.hpp>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

namespace examples {

enum exit_status : int { done = 0, failed = 1, bad_input = 2, interrupted = 130 };

/// A --data-parallel process other than 0 (data_parallel.hpp): it writes no checkpoint.
inline bool follower = false;

/// Set by the first SIGINT or SIGTERM; training stops after its current mini-batch.
inline std::atomic<bool> stop_requested{false};
inline std::atomic<int> stop_signal{0};

extern "C" inline void on_stop_signal(int sig) {
  stop_requested.store(true);
  stop_signal.store(sig);
  std::signal(sig, SIG_DFL);  // a second one ends the program at once
}

/// Installs the handlers and returns the flag for train_options::stop.
inline const std::atomic<bool>* stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &stop_requested;
}

/// Runs a program's body and turns every error into a message on stderr and an exit status.
template <class Body>
int guarded(const char* program, Body&& body) {
  try {
    return body();
  } catch (const nndl::training_diverged& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return failed;
  } catch (const nndl::data_error& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return bad_input;
  } catch (const nndl::model_error& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return bad_input;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return bad_input;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: out of memory\n", program);
    return failed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return failed;
  }
}

/// Throws model_error unless `file` can be written: its folder exists and takes a new file. Checked
/// before training, so that a trained network is never lost to a typo in --save.
inline void check_writable(const std::filesystem::path& file) {
  std::error_code ec;
  const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(folder, ec))
    throw nndl::model_error(file, "cannot be written: the folder " + folder.string() + " does not exist");
  if (std::filesystem::is_directory(file, ec)) throw nndl::model_error(file, "cannot be written: it is a folder");
  if (::access(folder.c_str(), W_OK) != 0)
    throw nndl::model_error(file, "cannot be written: no permission to write in " + folder.string());
}

/// Loads a model file into `net`: ONNX, a self-describing .npz, the older MLP .npz, or network2.py's JSON.
template <class Net>
void load_into(Net& net, const std::filesystem::path& file) {
  nndl::load_network(net, file);
}

/// Saves `net` as FILE says: .onnx, .json (network2.py's format, dense networks), else a self-describing .npz.
template <class Net>
void save_as(const Net& net, const std::filesystem::path& file, const nlohmann::json& provenance) {
  nndl::save_network(net, file, provenance);
}

/// "Test accuracy: 9512 / 10000 (95.12%)"
inline std::string accuracy_line(const std::string& split, std::size_t correct, std::size_t total) {
  char b[128];
  std::snprintf(b, sizeof b, "%s accuracy: %zu / %zu (%.2f%%)", split.c_str(), correct, total,
                total ? 100.0 * double(correct) / double(total) : 0.0);
  return b;
}

/// What a saved model records of its training: the program and its command line, the settings of
/// the run and the data, then `more` (the accuracies, which epoch's weights it holds, ...).
inline nlohmann::json provenance(const std::string& program, const std::string& command, const nndl::train_options& o,
                                 const std::string& data, const nlohmann::json& more = nlohmann::json::object()) {
  nlohmann::json p = {{"program", program}, {"command", command}, {"epochs", o.epochs}, {"mini_batch", o.mini_batch},
                      {"eta", o.eta},       {"lambda", o.lambda}, {"seed", o.seed},     {"data", data},
                      {"library", "nndl"}};
  for (const auto& [k, v] : more.items()) p[k] = v;
  return p;
}

/// A checkpoint of one training run, named by what identifies the run (preset, seed, data, η, ...):
/// found and checked when the run starts, written after every epoch and when it is interrupted.
/// Its epochs are kept in the checkpoint too, so that a continued run reports the whole run.
template <class Net, class Opt>
struct run_checkpoint {
  std::filesystem::path file;  ///< none: no checkpoints
  nlohmann::json identity;
  Opt* opt;
  nlohmann::json extra = nlohmann::json::object();  ///< the program's own state, saved with each checkpoint
  std::vector<nndl::epoch_record> history{};        ///< the epochs of the run so far

  /// Restores an earlier run's network, optimizer and epochs from the checkpoint, if there is one;
  /// `o` then continues where it stopped. Returns the checkpoint's state (the program's own part in
  /// extra), or nothing. (Checkpoints of earlier versions, without the epochs, continue too.)
  std::optional<nlohmann::json> resume(Net& net, nndl::train_options& o, const std::string& label = "") {
    if (file.empty() || !std::filesystem::exists(file)) return std::nullopt;
    nlohmann::json state = nndl::load_checkpoint(net, *opt, file);
    for (const auto& [key, value] : identity.items())
      if (state.value(key, nlohmann::json()) != value)
        throw nndl::model_error(file, "a checkpoint of another run (" + key + " is " +
                                          nndl::json_brief(state.value(key, nlohmann::json())) + ", this run's " +
                                          nndl::json_brief(value) +
                                          "); move it away or use another --checkpoint folder");
    try {
      o.first_epoch = state.at("epochs_done").get<std::size_t>();
      o.first_batch = state.value("batches_done", std::size_t{0});
      o.eta = state.value("eta_now", o.eta);
      for (const auto& e : state.value("history", nlohmann::json::array())) {
        nndl::epoch_record r;
        r.epoch = e.at(0).get<std::size_t>(), r.eta = e.at(1).get<double>(), r.train_seconds = e.at(2).get<double>();
        if (!e.at(3).is_null())
          r.evaluation_correct = e.at(3).get<std::size_t>(), r.evaluation_total = e.at(4).get<std::size_t>();
        history.push_back(r);
      }
      extra = state.value("program_state", nlohmann::json::object());
    } catch (const nlohmann::json::exception& e) {
      throw nndl::model_error(file, std::string("the checkpoint's state is incomplete: ") + e.what());
    }
    std::printf("%s from %s after %zu of %zu epochs%s\n", label.empty() ? "Resuming" : (label + ": resuming").c_str(),
                file.c_str(), o.first_epoch, o.epochs,
                o.first_batch ? (" and " + std::to_string(o.first_batch) + " mini-batches").c_str() : "");
    return state;
  }
  void save(const Net& net, std::size_t epochs_done, std::size_t batches_done, double eta_now) const {
    if (file.empty() || follower) return;
    auto state = identity;
    state["epochs_done"] = epochs_done;
    state["batches_done"] = batches_done;
    state["eta_now"] = eta_now;
    state["program_state"] = extra;
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto& r : history)
      epochs.push_back({r.epoch, r.eta, r.train_seconds,
                        r.evaluation_correct ? nlohmann::json(*r.evaluation_correct) : nlohmann::json(),
                        r.evaluation_total ? nlohmann::json(*r.evaluation_total) : nlohmann::json()});
    state["history"] = std::move(epochs);
    if (const auto dir = file.parent_path(); !dir.empty()) std::filesystem::create_directories(dir);
    nndl::save_checkpoint(net, *opt, file, state);
  }
  bool on_epoch_end(const Net& net, const nndl::epoch_record& r) {
    history.push_back(r);
    save(net, r.epoch + 1, 0, r.next_eta ? *r.next_eta : r.eta);
    return false;
  }
  /// The run's whole history: the epochs before a resume and those of this sitting.
  nndl::train_history whole(nndl::train_history h) const {
    if (!file.empty()) h.epochs = history;
    return h;
  }
};

/// Runs `train`; when training diverges and `save_to` is given (--save-diverged), the network is
/// saved as it is before the error goes on (by default a diverged network is not saved).
template <class Net, class Train>
nndl::train_history saving_if_diverged(const Net& net, const std::string& save_to, const nlohmann::json& provenance,
                                       Train&& train) {
  try {
    return train();
  } catch (const nndl::training_diverged& e) {
    if (!save_to.empty()) {
      auto p = provenance;
      p["saved"] = std::string("after training diverged: ") + e.what();
      save_as(net, save_to, p);
      std::printf("Saved the diverged network (--save-diverged): %s\n", save_to.c_str());
    }
    throw;
  }
}

/// After a run stopped by a signal: the checkpoint (if any) and how to go on; the exit status.
template <class Net, class Opt>
int after_interruption(const char* program, const Net& net, const run_checkpoint<Net, Opt>& ckpt,
                       const nndl::train_history& h) {
  const int sig = stop_signal.load();
  std::printf("%s: interrupted by %s (%s)\n", program, sig == SIGTERM ? "SIGTERM" : "Ctrl-C", h.stop_reason.c_str());
  if (!ckpt.file.empty()) {
    ckpt.save(net, h.epochs_done, h.batches_done, h.eta);
    std::printf("Checkpoint written: %s. Run the same command again to continue from there.\n", ckpt.file.c_str());
  } else {
    std::printf("Nothing was saved: give --checkpoint DIR to be able to continue a stopped run.\n");
  }
  std::fflush(stdout);
  return interrupted;
}

}  // namespace examples
