// --data-parallel: one network trained by all the processes mpirun started (docs/several-machines.md).
//   mpirun -np 2 ch1_network --data-parallel
// Every process holds the whole network, the same seed and so the same shuffles; --mini-batch M stays
// the global mini-batch, split among the K processes (the first M mod K of them take one sample
// more); the gradients are summed in rank order (nndl/mpi/data_parallel.hpp) before the one update
// every process applies, and the evaluation is split and its counts summed. Only process 0 prints,
// draws progress, writes --metrics, plots, checkpoints and --save: the others' stdout goes to
// /dev/null and those flags are cleared for them. A program started without --data-parallel does
// not touch MPI for it, under mpirun or not.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include <nndl/train/process_group.hpp>

#include "cli.hpp"
#include "common.hpp"
#include "mpi_members.hpp"
#include "session.hpp"

#ifdef NNDL_WITH_MPI
#include <nndl/mpi/data_parallel.hpp>
#endif

namespace examples {

inline void add_data_parallel_flag(cli::app& app, bool& on) {
  app.add_flag("--data-parallel", on,
               "Train one network with all the processes of mpirun -np K: each takes M/K of every mini-batch "
               "(the first M mod K one more), gradients summed in rank order; only process 0 prints and writes "
               "(default: off; without mpirun it is refused)");
}

/// The process group of --data-parallel, from start() to the end of main.
class data_parallel {
 public:
  data_parallel() = default;
  data_parallel(const data_parallel&) = delete;
  data_parallel& operator=(const data_parallel&) = delete;
  ~data_parallel() {
#ifdef NNDL_WITH_MPI
    group_.reset();
    if (initialised_) MPI_Finalize();
#endif
  }

  /// After the flags are parsed: joins the processes when `on` (MPI_Init unless the program did it),
  /// and silences every process but 0. Returns 0, or exit status 2 with a message on stderr.
  int start(bool on, const char* program, common_flags& f) {
    if (!on) return done;
#ifdef NNDL_WITH_MPI
    if (!mpi::active()) {
      if (!mpi::started_by_mpirun()) {
        std::fprintf(stderr,
                     "%s: --data-parallel needs several processes: start it as mpirun -np K %s --data-parallel ...\n",
                     program, program);
        return bad_input;
      }
      MPI_Init(nullptr, nullptr);
      initialised_ = mpi::active() = true;
      MPI_Comm_rank(MPI_COMM_WORLD, &mpi::world.rank);
      MPI_Comm_size(MPI_COMM_WORLD, &mpi::world.size);
    }
    mpi::one_network() = true;
    group_.emplace(MPI_COMM_WORLD);
    if (group_->rank() != 0) {
      follower = true;
      f.quiet = true;
      f.metrics.clear();
      f.save.clear();
      if (!std::freopen("/dev/null", "w", stdout)) std::fclose(stdout);
    }
    std::printf("Data-parallel: %zu processes share every mini-batch of %zu\n", group_->size(), f.mini_batch);
    return done;
#else
    (void)f;
    std::fprintf(stderr, "%s: --data-parallel needs a build with MPI (cmake -DNNDL_WITH_MPI=ON)\n", program);
    return bad_input;
#endif
  }

  /// train_options::data_parallel: the group, or nullptr for one process.
  nndl::process_group* group() {
#ifdef NNDL_WITH_MPI
    return group_ ? &*group_ : nullptr;
#else
    return nullptr;
#endif
  }

  /// The program's exit status: when one process fails, the others may wait for it in a sum, so a
  /// failure ends them all (MPI_Abort, which mpirun reports) instead of a hang. An interruption is
  /// no failure: the stop flag travels with the sums, so every process stopped after the same
  /// mini-batch, and process 0 wrote the checkpoint; they end normally with status 130.
  int finish(int status) {
#ifdef NNDL_WITH_MPI
    if (group_ && status != done && status != interrupted && group_->size() > 1) {
      std::fflush(stdout);
      std::fprintf(stderr, "data-parallel process %zu ends with status %d; stopping all %zu processes\n",
                   group_->rank(), status, group_->size());
      MPI_Abort(MPI_COMM_WORLD, status);
    }
#endif
    return status;
  }

  /// One line of what the sums of gradients cost this process (for measurements).
  void print_communication() const {
#ifdef NNDL_WITH_MPI
    if (!group_ || group_->rank() != 0) return;
    const auto s = group_->stats();
    if (s.calls == 0) return;
    std::printf("Communication: %llu sums of gradients, %.0f bytes sent and %.0f received per step, %.3f ms per step\n",
                static_cast<unsigned long long>(s.calls), double(s.bytes_sent) / double(s.calls),
                double(s.bytes_received) / double(s.calls), 1e3 * s.seconds / double(s.calls));
#endif
  }

 private:
#ifdef NNDL_WITH_MPI
  std::optional<nndl::mpi_group> group_;
#endif
  bool initialised_ = false;
};

}  // namespace examples
