// Runs a search: trials in parallel, one per worker (a thread per core, OpenBLAS on one thread),
// in rounds of `workers` trials. Each round's points are proposed from the trials finished before
// it, so a seeded search proposes the same points however fast the trials run. Every finished trial
// goes to the journal at once; trials already in the journal are never run again. The budget is a
// number of trials (trial ids 0 .. budget-1) and, optionally, seconds (no new round after them).
//
// The objective is  outcome f(const point& x, std::size_t trial_id, int worker)  and must be safe
// to call from several threads at once (its own network per call; shared data read-only).
//
// Built with -DNNDL_WITH_MPI (and mpicxx), run_search_mpi spreads the rounds over the MPI ranks
// instead: every rank proposes the same points (the strategies are deterministic), rank r runs the
// round's trials r, r + size, ..., the results are all-gathered, and rank 0 keeps the journal.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifdef NNDL_WITH_MPI
#include <mpi.h>
#endif

#include "../detail/out_of_line.hpp"
#include "../detail/xtensor.hpp"
#include "journal.hpp"
#include "search.hpp"

namespace nndl::tune {

/// What the objective says of one trial.
struct outcome {
  /// The score, maximised (e.g. the validation accuracy).
  double score = 0;
  /// The epochs it ran.
  std::size_t epochs = 0;
  /// A remark for the journal ("best epoch 7").
  std::string note;
};

/// How run_search runs the trials.
struct run_options {
  std::size_t budget = 30;                       ///< trial ids 0 .. budget-1 (fewer for a smaller grid)
  double budget_seconds = 0;                     ///< > 0: start no round after this many seconds
  unsigned workers = 0;                          ///< parallel trials; 0: one per core
  std::function<void(const trial&)> on_trial{};  ///< called (serialised) as each trial finishes
};

namespace detail {
NNDL_OUT_OF_LINE std::vector<trial> sorted_by_id(std::vector<trial> v);

/// The next up-to-`n` trial ids not yet finished, with their proposed points.
NNDL_OUT_OF_LINE std::vector<std::pair<std::size_t, point>> next_round(strategy& st, const std::vector<trial>& done,
                                                                       std::size_t& next_id, std::size_t end,
                                                                       std::size_t n);
}  // namespace detail

/// Runs the search with threads; returns all finished trials (the journal's and the new ones) by id.
template <class F>
std::vector<trial> run_search(strategy& st, journal& j, F&& objective, const run_options& o = {}) {
  using clock = std::chrono::steady_clock;
  const auto begin = clock::now();
  const unsigned workers = o.workers ? o.workers : std::max(1u, std::thread::hardware_concurrency());
  set_blas_threads(1);  // one BLAS thread per trial: the trials are the parallelism
  const std::size_t end = std::min(o.budget, st.capacity());
  std::vector<trial> done = detail::sorted_by_id(j.trials());
  std::size_t next_id = 0;
  std::mutex m;
  for (;;) {
    if (o.budget_seconds > 0 && std::chrono::duration<double>(clock::now() - begin).count() >= o.budget_seconds) break;
    const auto round = detail::next_round(st, done, next_id, end, workers);
    if (round.empty()) break;
    std::vector<trial> results(round.size());
    std::vector<std::exception_ptr> errors(round.size());
    auto work = [&](std::size_t k) {
      try {
        const auto t0 = clock::now();
        trial t;
        t.id = round[k].first;
        t.x = round[k].second;
        t.worker = int(k);
        const outcome r = objective(t.x, t.id, t.worker);
        t.score = r.score, t.epochs = r.epochs, t.note = r.note;
        t.seconds = std::chrono::duration<double>(clock::now() - t0).count();
        j.append(t);
        std::lock_guard lock(m);
        if (o.on_trial) o.on_trial(t);
        results[k] = std::move(t);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    };
    std::vector<std::thread> threads;
    for (std::size_t k = 1; k < round.size(); ++k) threads.emplace_back(work, k);
    work(0);
    for (auto& t : threads) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    for (auto& r : results) done.push_back(std::move(r));
    done = detail::sorted_by_id(std::move(done));
  }
  return done;
}

#ifdef NNDL_WITH_MPI
/// The same over MPI ranks (one trial per rank at a time). `j` is used on rank 0 only; every rank
/// returns all finished trials. MPI must be initialised.
template <class F>
std::vector<trial> run_search_mpi(strategy& st, journal* j, const space& s, F&& objective, const run_options& o = {},
                                  MPI_Comm comm = MPI_COMM_WORLD) {
  using clock = std::chrono::steady_clock;
  const auto begin = clock::now();
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  set_blas_threads(1);
  const std::size_t d = s.size(), w = d + 5;  // id, x..., score, epochs, seconds, worker
  auto pack = [&](const trial& t, double* b) {
    b[0] = double(t.id);
    for (std::size_t i = 0; i < d; ++i) b[1 + i] = t.x[i];
    b[1 + d] = t.score, b[2 + d] = double(t.epochs), b[3 + d] = t.seconds, b[4 + d] = double(t.worker);
  };
  auto unpack = [&](const double* b) {
    trial t;
    t.id = std::size_t(b[0]);
    t.x.assign(b + 1, b + 1 + d);
    t.score = b[1 + d], t.epochs = std::size_t(b[2 + d]), t.seconds = b[3 + d], t.worker = int(b[4 + d]);
    t.note = "mpi rank " + std::to_string(t.worker);
    return t;
  };
  // Rank 0's journal, to everyone.
  std::vector<trial> done;
  unsigned long long n = 0;
  std::vector<double> buf;
  if (rank == 0) {
    done = j->trials();
    n = done.size();
    buf.resize(n * w);
    for (std::size_t i = 0; i < n; ++i) pack(done[i], &buf[i * w]);
  }
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
  buf.resize(n * w);
  MPI_Bcast(buf.data(), int(n * w), MPI_DOUBLE, 0, comm);
  if (rank != 0)
    for (std::size_t i = 0; i < n; ++i) done.push_back(unpack(&buf[i * w]));
  done = detail::sorted_by_id(std::move(done));

  const std::size_t end = std::min(o.budget, st.capacity());
  std::size_t next_id = 0;
  for (;;) {
    int go = o.budget_seconds <= 0 || std::chrono::duration<double>(clock::now() - begin).count() < o.budget_seconds;
    MPI_Bcast(&go, 1, MPI_INT, 0, comm);  // rank 0's clock decides, so all ranks agree
    if (!go) break;
    const auto round = detail::next_round(st, done, next_id, end, std::size_t(size));
    if (round.empty()) break;
    std::vector<double> mine(w, -1.0);  // id −1: nothing run by this rank in this round
    if (std::size_t(rank) < round.size()) {
      const auto t0 = clock::now();
      trial t;
      t.id = round[std::size_t(rank)].first;
      t.x = round[std::size_t(rank)].second;
      t.worker = rank;
      const outcome r = objective(t.x, t.id, rank);
      t.score = r.score, t.epochs = r.epochs;
      t.seconds = std::chrono::duration<double>(clock::now() - t0).count();
      pack(t, mine.data());
    }
    std::vector<double> all(w * std::size_t(size));
    MPI_Allgather(mine.data(), int(w), MPI_DOUBLE, all.data(), int(w), MPI_DOUBLE, comm);
    for (int r = 0; r < size; ++r) {
      if (all[std::size_t(r) * w] < 0) continue;
      trial t = unpack(&all[std::size_t(r) * w]);
      if (rank == 0) {
        j->append(t);
        if (o.on_trial) o.on_trial(t);
      }
      done.push_back(std::move(t));
    }
    done = detail::sorted_by_id(std::move(done));
  }
  return done;
}
#endif

}  // namespace nndl::tune

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "runner.ipp"
#endif
