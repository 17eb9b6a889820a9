// nndl::mpi_group's overlapped sum (begin_sum / ready / end_sum) against its blocking sum and against
// the sum in rank order computed here, bit for bit: float and double buffers, parts handed over as
// backpropagation hands them (layers from the top, each layer's tensors in order), buckets from
// one byte (every part its own exchange) to more than the buffer (one exchange at the end), and
// the byte counts. Run under mpirun with 2 or more processes (CTest mpi.overlapped_sum); exits 1
// naming the first difference.
#include <nndl/mpi/data_parallel.hpp>
#include <nndl/rng.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

struct tensor {
  std::size_t layer, size;
};
// A network's parameter tensors (w, b per layer) and the stop flag's slot at the end.
const std::vector<tensor> layout = {{0, 500}, {0, 20}, {2, 20000}, {2, 40}, {5, 64000}, {5, 100}, {6, 1000}, {6, 10}};

template <class T>
std::vector<T> values_of(std::size_t rank, std::size_t n) {  // what process `rank` contributes
  nndl::rng r(1000 + rank);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(r.normal() * 1e-3);
  return v;
}

int failures = 0;
void fail(int rank, const char* what, std::size_t bucket) {
  if (failures++ == 0) std::fprintf(stderr, "mpi_overlap: process %d, bucket %zu bytes: %s\n", rank, bucket, what);
}

template <class T>
void check(MPI_Comm comm, std::size_t bucket) {
  nndl::mpi_group g(comm, bucket);
  const std::size_t k = g.size(), rank = g.rank();
  std::vector<std::size_t> offsets;
  std::size_t n = 0;
  for (const tensor& t : layout) offsets.push_back(n), n += t.size;
  ++n;  // the flag
  std::vector<T> expected = values_of<T>(0, n);
  for (std::size_t r = 1; r < k; ++r) {
    const std::vector<T> other = values_of<T>(r, n);
    for (std::size_t i = 0; i < n; ++i) expected[i] += other[i];
  }
  std::vector<T> blocking = values_of<T>(rank, n), overlapped = blocking;
  g.sum(std::span<T>(blocking));
  const auto before = g.stats();
  for (int round = 0; round < 3; ++round) {  // the buffers and requests are reused
    overlapped = values_of<T>(rank, n);
    g.begin_sum(std::span<T>(overlapped));
    g.ready(n - 1, n);
    for (std::size_t end = layout.size(); end > 0;) {
      std::size_t begin = end - 1;
      while (begin > 0 && layout[begin - 1].layer == layout[end - 1].layer) --begin;
      for (std::size_t t = begin; t < end; ++t) g.ready(offsets[t], offsets[t] + layout[t].size);
      end = begin;
    }
    g.end_sum();
    if (std::memcmp(overlapped.data(), blocking.data(), n * sizeof(T)) != 0)
      fail(int(rank), "the overlapped sum differs from the blocking sum", bucket);
    if (std::memcmp(overlapped.data(), expected.data(), n * sizeof(T)) != 0)
      fail(int(rank), "the overlapped sum differs from the sum in rank order", bucket);
  }
  const auto after = g.stats();
  if (after.calls != before.calls + 3 || after.bytes_sent - before.bytes_sent != 3 * n * sizeof(T) * (k - 1))
    fail(int(rank), "the statistics do not count three sums of the whole buffer", bucket);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int k = 0, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &k);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (k < 2) {
    std::fprintf(stderr, "mpi_overlap: run it with mpirun -np 2 (or more): %d process\n", k);
    MPI_Finalize();
    return 1;
  }
  for (const std::size_t bucket : {std::size_t(1), std::size_t(4096), std::size_t(64 * 1024), std::size_t(1) << 30}) {
    check<float>(MPI_COMM_WORLD, bucket);
    check<double>(MPI_COMM_WORLD, bucket);
  }
  int all = 0;
  MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0 && all == 0)
    std::printf("mpi_overlap: %d processes, every overlapped sum equals the rank-order sum\n", k);
  MPI_Finalize();
  return all == 0 ? 0 : 1;
}
