// Progress of long loops: a bar with rate, elapsed time, ETA and a status (accuracy, loss) on a
// terminal, plain lines when the output is not one (a log file, a pipe, CI), nothing when quiet.
//
//   nndl::progress p(files.size(), "images");             // a plain loop
//   for (auto& f : files) { ...; p.tick(1, "ok 41, failed 1"); }
//   p.finish();
//
//   nndl::sgd(net, data.training, o, nndl::evaluate_on(data.test),
//             nndl::progress_callback{});                 // a bar of mini-batches, on a terminal
//
// Terminal:  epochs  12/30 [########............]  40%  0.81 epochs/s  0:14 elapsed  ETA 0:22  test 97.85%
// Plain:     epochs 12/30 (40%), 0.81 epochs/s, 0:14 elapsed, ETA 0:22, test 97.85%
// The terminal bar is redrawn in place (at most 10 times a second, and always at the end); plain
// lines come every `plain_every` of the total (10%) and at the end. Output goes to stderr by
// default, so it never mixes with the results a program prints on stdout.
#pragma once

#include "../detail/out_of_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>

#include "../data/dataset.hpp"
#include "history.hpp"

namespace nndl {

/// How a progress bar draws.
struct progress_options {
  bool quiet = false;            ///< print nothing at all
  std::FILE* out = stderr;       ///< where to draw
  std::optional<bool> terminal;  ///< force bar (true) or plain lines (false); default: isatty(out)
  double plain_every = 0.1;      ///< plain mode: a line each time this fraction of the total is done; 0: every tick
  /// The bar's width in characters.
  std::size_t bar_width = 24;
};

namespace detail {
/// "0:07", "12:34", "1:02:03"
NNDL_OUT_OF_LINE std::string clock_string(double seconds);
}  // namespace detail

/// A progress bar on a terminal (drawn in place), or plain lines elsewhere.
class progress {
 public:
  /// The clock of its times.
  using clock = std::chrono::steady_clock;

  /// A loop of `total` steps counted in `unit` ("images", "epochs", "trials").
  progress(std::size_t total, std::string unit, progress_options o = {})
      : total_(total), unit_(std::move(unit)), o_(o), start_(clock::now()) {
    terminal_ = o_.terminal ? *o_.terminal : (o_.out && ::isatty(::fileno(o_.out)) == 1);
  }
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  ~progress() { finish(); }

  /// True when drawing a bar in place on a terminal (not plain lines, not quiet).
  bool is_terminal() const { return terminal_ && !o_.quiet && o_.out; }

  /// n more steps done; `status` (e.g. "test 97.85%") replaces the shown status when not empty.
  void tick(std::size_t n = 1, const std::string& status = "");

  /// Changes the shown status without a step.
  void status(const std::string& s) { status_ = s; }

  /// A message on its own line (a warning, an error for one file) that does not break the bar.
  void note(const std::string& line);

  /// Draws the final state and ends the bar's line. Called by the destructor too; once is enough.
  void finish();

  /// Erases the bar from its terminal line, so that other output can be printed there; the next
  /// tick draws it again.
  void clear_line() {
    if (terminal_ && draws_ > 0 && !finished_ && !o_.quiet && o_.out) {
      std::fprintf(o_.out, "\r\033[K");
      std::fflush(o_.out);
    }
  }

  /// The steps done.
  std::size_t done() const { return done_; }
  /// The steps in all.
  std::size_t total() const { return total_; }
  /// Whether it draws on a terminal.
  bool terminal() const { return terminal_; }
  /// Seconds since it started.
  double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }
  /// Steps per second so far (0 before the first step).
  double rate() const {
    const double e = elapsed();
    return e > 0 ? double(done_) / e : 0;
  }
  /// Seconds left at the rate so far (NaN before the first step).
  double eta() const {
    const double r = rate();
    return r > 0 ? double(total_ > done_ ? total_ - done_ : 0) / r : std::nan("");
  }

  /// The plain form of the current state: "images 40/100 (40%), 12.3 images/s, 0:03 elapsed, ETA 0:05, status".
  std::string plain_line() const { return plain_line(clock::now()); }

 private:
  std::string figures(clock::time_point now, const char* sep) const;
  int percent() const { return total_ ? int(100.0 * double(std::min(done_, total_)) / double(total_)) : 100; }

  std::string plain_line(clock::time_point now) const;

  void draw(clock::time_point now);

  std::size_t columns() const {
    winsize ws{};
    if (::ioctl(::fileno(o_.out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 0;
  }

  std::size_t total_, done_ = 0;
  std::string unit_, status_;
  progress_options o_;
  bool terminal_ = false, finished_ = false;
  clock::time_point start_, last_draw_{};
  double last_frac_ = 0;
  std::size_t draws_ = 0;
};

/// The status of an epoch: "test 97.85%, cost 0.0712, train 99.10%" from what the monitors filled in.
NNDL_OUT_OF_LINE std::string epoch_status(const epoch_record& r, const std::string& evaluation_name = "eval");

/// A training callback that shows progress: on a terminal a bar that moves with every mini-batch,
/// with the current epoch and the figures of the monitors before it in the callback list
/// (evaluate_on, monitor_training); off a terminal a plain line per epoch, but only when the
/// training loop prints no epoch lines itself (train_options::verbose false), so that an epoch is
/// reported in one place.
struct progress_callback {
  /// How the bar draws (off a terminal: a plain line per epoch).
  progress_options options = [] {
    progress_options o;
    o.plain_every = 0;  // plain mode: a line per epoch
    return o;
  }();
  /// What the evaluation data is called in the status ("test", "validation").
  std::string evaluation_name = "eval";
  /// The bar, once training shows one.
  std::optional<progress> bar{};
  //! @{
  /// The run's epochs, and the epoch it is in.
  std::size_t epochs = 0, epoch = 0;
  //! @}
  bool batches = false;  ///< the bar counts mini-batches (on a terminal)

  /// Starts a bar: per mini-batch on a terminal; elsewhere a line per epoch, unless quiet or the loop prints its own.
  template <class Net, class Options>
  void on_train_begin(const Net&, const Options& o) {
    epochs = o.epochs;
    epoch = o.first_epoch;
    const bool terminal = options.terminal ? *options.terminal : options.out && ::isatty(::fileno(options.out)) == 1;
    if (options.quiet || !options.out || (!terminal && o.verbose && o.out)) return;
    if (!terminal) bar.emplace(epochs - epoch, "epochs", options);  // plain lines, one per epoch
    batches = terminal;
  }
  /// One mini-batch more on a terminal's bar.
  template <class Net>
  void on_batch_end(const Net&, std::size_t, std::size_t per_epoch) {
    if (!batches) return;
    if (!bar) bar.emplace((epochs - epoch) * per_epoch, "batches", options);
    bar->tick(1);
  }
  /// The epoch and the monitors' figures as the status; never stops training.
  template <class Net>
  bool on_epoch_end(const Net&, epoch_record& r) {
    if (!bar) return false;
    std::string s = "epoch " + std::to_string(++epoch) + "/" + std::to_string(epochs);
    const std::string figures = epoch_status(r, evaluation_name);
    if (!figures.empty()) s += ", " + figures;
    if (!r.note.empty()) s += "; " + r.note;
    if (batches) {
      bar->status(s);
      bar->clear_line();  // room for the loop's epoch line; the next mini-batch draws the bar again
    } else {
      bar->tick(1, s);
    }
    return false;
  }
  /// Ends the bar's line.
  template <class Net, class History>
  void on_train_end(const Net&, const History&) {
    if (bar) bar->finish();
  }
};

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "progress.ipp"
#endif
