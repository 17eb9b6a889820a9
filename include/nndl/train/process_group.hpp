// The processes that train one network together (data-parallel training): what the training loop
// asks of them, with no knowledge of how they talk. nndl/mpi/data_parallel.hpp implements it over
// an MPI communicator; a test can implement it in one process.
//
//   nndl::mpi_group g(MPI_COMM_WORLD);
//   nndl::sgd(net, data.training, {.mini_batch = 10, .data_parallel = &g}, nndl::evaluate_on(data.test));
//
// Every process holds the whole network and the same seed, so the same shuffles; each mini-batch of
// M samples is split among the K processes (process r takes the contiguous share share(M, r, K):
// the first M mod K processes one sample more), each sums its samples' gradients, and sum() adds
// the K sums in a fixed order so that every process applies the same update, bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace nndl {

/// What a group has moved and waited for since it was made (for measurements).
struct communication_stats {
  std::uint64_t calls = 0;       ///< sums of gradients (one per training step)
  std::uint64_t bytes_sent = 0;  ///< by this process, as the implementation counts them
  /// by this process, as the implementation counts them
  std::uint64_t bytes_received = 0;
  double seconds = 0;  ///< spent in the sums, waiting included
};

/// The processes that train one network together (data-parallel training): each takes a share of every mini-batch, and
/// the gradients are summed.
class process_group {
 public:
  virtual ~process_group() = default;
  /// This process's number, 0 .. size() − 1 (process 0 prints).
  virtual std::size_t rank() const = 0;
  /// The number of processes K.
  virtual std::size_t size() const = 0;
  /// In place, on every process: buffer ← Σ_{r = 0, 1, ..., K−1} buffer of process r, added in that
  /// order (so the result is the same bit for bit on every process and in every run with this K).
  /// Every process calls it with buffers of the same size.
  virtual void sum(std::span<double> buffer) = 0;
  /// The same for float buffers.
  virtual void sum(std::span<float> buffer) = 0;
  /// Counts (exact in any order).
  virtual void sum(std::span<std::uint64_t> counts) = 0;

  //! @{
  /// An overlapped sum: begin_sum(buffer) before backpropagation, ready(begin, end) as each part
  /// [begin, end) of the buffer holds its final value (the top layer's first), end_sum() once all
  /// of it does. The result is sum(buffer)'s, bit for bit; a group may start moving the parts that
  /// are ready while backpropagation goes on (nndl::mpi_group does). By default it waits for
  /// end_sum() and calls sum().
  virtual void begin_sum(std::span<double> buffer) { pending_d_ = buffer, pending_f_ = {}; }
  virtual void begin_sum(std::span<float> buffer) { pending_f_ = buffer, pending_d_ = {}; }
  //! @}
  /// Part [begin, end) of the buffer given to begin_sum() is final.
  virtual void ready(std::size_t begin, std::size_t end) { (void)begin, (void)end; }
  /// All of the buffer is final: on return it holds the sum.
  virtual void end_sum() {
    if (!pending_d_.empty()) sum(pending_d_);
    if (!pending_f_.empty()) sum(pending_f_);
    pending_d_ = {}, pending_f_ = {};
  }
  /// What the sums have moved and taken so far.
  virtual communication_stats stats() const = 0;

 private:
  std::span<double> pending_d_;
  std::span<float> pending_f_;
};

/// A process's share of a mini-batch: samples [begin, begin + count).
struct share_range {
  //! @{
  /// The first sample of the share and the number of samples.
  std::size_t begin = 0, count = 0;
  //! @}
};
/// The share of process `rank` when `m` samples are split among `k` processes: the first m mod k
/// processes take one more.
inline share_range share(std::size_t m, std::size_t rank, std::size_t k) {
  const std::size_t base = m / k, extra = m % k;
  return {rank * base + (rank < extra ? rank : extra), base + (rank < extra ? 1 : 0)};
}

}  // namespace nndl
