// nndl::mpi_group: the process group of data-parallel training (train/process_group.hpp) over an
// MPI communicator. The only nndl header that includes <mpi.h>; link the CMake target nndl::mpi.
//
// The fixed-order sum: MPI_Allgather brings every process's buffer to every process, and each adds
// them in rank order 0, 1, ..., K−1. MPI_Allreduce would move fewer bytes, but the order in which
// it adds depends on its algorithm, the message size and K, so runs would differ in the last bits.
// The gathered buffer is made once, on the first sum, and reused (no allocation per step).
//
// Overlapped (begin_sum / ready / end_sum, what data-parallel training uses): backpropagation hands
// over the gradient buffer's parts from the top layer down; as soon as the final part at the top
// holds at least `bucket_bytes`, its exchange starts (MPI_Iallgather) while the layers below are
// still computing, and every later call moves the exchanges on (MPI_Testall). end_sum() sends the
// rest, waits, and adds each bucket in rank order: the same numbers as sum().
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
  /// The processes of `comm`; overlapped sums start a bucket's exchange once it holds `bucket_bytes`.
  mpi_group(MPI_Comm comm, std::size_t bucket_bytes) : mpi_group(comm) { bucket_bytes_ = bucket_bytes; }
  /// Every process's b summed, on every process, in rank order (the same result everywhere).
  void sum(std::span<double> b) override { ordered_sum(b, MPI_DOUBLE, gathered_d_); }
  /// Every process's b summed, on every process, in rank order (the same result everywhere).
  void sum(std::span<float> b) override { ordered_sum(b, MPI_FLOAT, gathered_f_); }
  void sum(std::span<std::uint64_t> c) override {
    check(MPI_Allreduce(MPI_IN_PLACE, c.data(), int(c.size()), MPI_UINT64_T, MPI_SUM, comm_), "MPI_Allreduce");
  }
  /// What the sums have moved and taken so far.
  communication_stats stats() const override { return stats_; }

  //! @{
  /// An overlapped sum over this buffer (see the top of this file).
  void begin_sum(std::span<double> b) override { begin(b.data(), b.size(), MPI_DOUBLE, sizeof(double)); }
  void begin_sum(std::span<float> b) override { begin(b.data(), b.size(), MPI_FLOAT, sizeof(float)); }
  //! @}
  /// [begin, end) is final: once the final part at the top holds a bucket, its exchange starts.
  void ready(std::size_t begin, std::size_t end) override {
    if (size_ == 1) return;
    const auto t0 = std::chrono::steady_clock::now();
    waiting_.push_back({begin, end});
    for (bool moved = true; moved;) {  // grow the final part at the top, [lo_, n)
      moved = false;
      for (std::size_t i = 0; i < waiting_.size(); ++i)
        if (waiting_[i].end == lo_) {
          lo_ = waiting_[i].begin, waiting_[i] = waiting_.back(), waiting_.pop_back(), moved = true;
          break;
        }
    }
    if ((hi_ - lo_) * elem_ >= bucket_bytes_) start(lo_, hi_), hi_ = lo_;
    progress();
    stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  /// Sends what is left, waits for every bucket and adds them in rank order.
  void end_sum() override {
    if (size_ == 1) return;
    const auto t0 = std::chrono::steady_clock::now();
    if (hi_ > 0) start(0, hi_), hi_ = 0;
    check(MPI_Waitall(int(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    if (type_ == MPI_DOUBLE)
      add_buckets(static_cast<double*>(data_), gathered_d_.data());
    else
      add_buckets(static_cast<float*>(data_), gathered_f_.data());
    requests_.clear(), buckets_.clear(), waiting_.clear();
    ++stats_.calls;
    stats_.bytes_sent += n_ * elem_ * (size_ - 1);
    stats_.bytes_received += n_ * elem_ * (size_ - 1);
    stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

 private:
  struct range {
    std::size_t begin, end;
  };

  void begin(void* data, std::size_t n, MPI_Datatype type, std::size_t elem) {
    if (size_ == 1) return;
    data_ = data, n_ = n, type_ = type, elem_ = elem, lo_ = hi_ = n;
    if (type == MPI_DOUBLE && gathered_d_.size() < n * size_) gathered_d_.resize(n * size_);  // once
    if (type == MPI_FLOAT && gathered_f_.size() < n * size_) gathered_f_.resize(n * size_);
    if (waiting_.capacity() < 64) waiting_.reserve(64), buckets_.reserve(64), requests_.reserve(64);
  }
  /// Starts the exchange of [a, b): every process's part lands at K·a + r·(b − a) of the gathered buffer.
  void start(std::size_t a, std::size_t b) {
    void* all = type_ == MPI_DOUBLE ? static_cast<void*>(gathered_d_.data() + size_ * a)
                                    : static_cast<void*>(gathered_f_.data() + size_ * a);
    requests_.push_back(MPI_REQUEST_NULL);
    check(MPI_Iallgather(static_cast<char*>(data_) + a * elem_, int(b - a), type_, all, int(b - a), type_, comm_,
                         &requests_.back()),
          "MPI_Iallgather");
    buckets_.push_back({a, b});
  }
  void progress() {
    int done = 0;
    if (!requests_.empty())
      check(MPI_Testall(int(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE), "MPI_Testall");
  }
  template <class T>
  void add_buckets(T* b, const T* gathered) const {
    for (const range& r : buckets_) {
      const std::size_t len = r.end - r.begin;
      const T* g = gathered + size_ * r.begin;
      for (std::size_t i = 0; i < len; ++i) b[r.begin + i] = g[i];
      for (std::size_t k = 1; k < size_; ++k)
        for (std::size_t i = 0; i < len; ++i) b[r.begin + i] += g[k * len + i];
    }
  }

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
  std::size_t bucket_bytes_ = 64 * 1024;
  // the overlapped sum under way: its buffer, [lo_, n_) final, [hi_, n_) sent
  void* data_ = nullptr;
  std::size_t n_ = 0, elem_ = 0, lo_ = 0, hi_ = 0;
  MPI_Datatype type_ = MPI_FLOAT;
  std::vector<range> waiting_, buckets_;
  std::vector<MPI_Request> requests_;
  std::vector<double> gathered_d_;
  std::vector<float> gathered_f_;
  communication_stats stats_;
};

}  // namespace nndl
