// nndl::mpi_group: the process group of data-parallel training (train/process_group.hpp) over an
// MPI communicator. The only nndl header that includes <mpi.h>; link the CMake target nndl::mpi.
//
// The fixed-order sum: MPI_Allgather brings every process's buffer to every process, and each adds
// them in rank order 0, 1, ..., K−1. MPI_Allreduce would move fewer bytes, but the order in which
// it adds depends on its algorithm, the message size and K, so runs would differ in the last bits.
// The gathered buffer is made once, on the first sum, and reused (no allocation per step).
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../train/process_group.hpp"

namespace nndl {

/// A process_group over an MPI communicator: the processes that mpirun started share each mini-batch.
class mpi_group final : public process_group {
 public:
  /// The processes of `comm` (MPI must be initialised; the communicator stays the caller's).
  explicit mpi_group(MPI_Comm comm) : comm_(comm) {
    int r = 0, k = 1;
    MPI_Comm_rank(comm_, &r);
    MPI_Comm_size(comm_, &k);
    rank_ = std::size_t(r), size_ = std::size_t(k);
  }
  /// This process's rank in the communicator.
  std::size_t rank() const override { return rank_; }
  /// The number of processes.
  std::size_t size() const override { return size_; }
  /// Every process's b summed, on every process, in rank order (the same result everywhere).
  void sum(std::span<double> b) override { ordered_sum(b, MPI_DOUBLE, gathered_d_); }
  /// Every process's b summed, on every process, in rank order (the same result everywhere).
  void sum(std::span<float> b) override { ordered_sum(b, MPI_FLOAT, gathered_f_); }
  void sum(std::span<std::uint64_t> c) override {
    check(MPI_Allreduce(MPI_IN_PLACE, c.data(), int(c.size()), MPI_UINT64_T, MPI_SUM, comm_), "MPI_Allreduce");
  }
  /// What the sums have moved and taken so far.
  communication_stats stats() const override { return stats_; }

 private:
  template <class T>
  void ordered_sum(std::span<T> b, MPI_Datatype type, std::vector<T>& all) {
    if (size_ == 1) return;
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t n = b.size();
    if (all.size() < n * size_) all.resize(n * size_);  // once: the network's size does not change
    check(MPI_Allgather(b.data(), int(n), type, all.data(), int(n), type, comm_), "MPI_Allgather");
    const T* g = all.data();
    for (std::size_t i = 0; i < n; ++i) b[i] = g[i];
    for (std::size_t r = 1; r < size_; ++r) {
      const T* c = g + r * n;
      for (std::size_t i = 0; i < n; ++i) b[i] += c[i];
    }
    ++stats_.calls;
    stats_.bytes_sent += n * sizeof(T) * (size_ - 1);  // this process's buffer, to each of the others
    stats_.bytes_received += n * sizeof(T) * (size_ - 1);
    stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  void check(int status, const char* what) const {
    if (status == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(status, text, &len);
    throw std::runtime_error(std::string("nndl: data-parallel training: ") + what +
                             " failed: " + std::string(text, std::size_t(len)));
  }

  MPI_Comm comm_;
  std::size_t rank_ = 0, size_ = 1;
  std::vector<double> gathered_d_;
  std::vector<float> gathered_f_;
  communication_stats stats_;
};

}  // namespace nndl
