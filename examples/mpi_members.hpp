// An ensemble's members spread over MPI processes (ch6_convnet built with NNDL_WITH_MPI, as the
// release preset does, and started by mpirun): member i trains on process i mod P; afterwards every
// process says how it ended (so that no process waits for one that failed), and the members'
// weights and reports go to process 0, which votes and saves. A program that mpirun did not start
// does not touch MPI; without NNDL_WITH_MPI there is one process and every function is trivial.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <vector>

#ifdef NNDL_WITH_MPI
#include <mpi.h>
#endif

namespace examples::mpi {

struct world_info {
  int rank = 0, size = 1;
};
inline world_info world{};

/// True when a process manager started this program (mpirun: Open MPI's OMPI_COMM_WORLD_SIZE, or a
/// PMI/PMIx launcher's variables).
inline bool started_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}
inline bool& active() {
  static bool a = false;
  return a;
}
/// True under --data-parallel (data_parallel.hpp): every process trains the same network, so each
/// owns every member and nothing is gathered.
inline bool& one_network() {
  static bool d = false;
  return d;
}

/// MPI_Init (and the rank and size) in the MPI build when mpirun started the program; nothing otherwise.
inline void init([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
#ifdef NNDL_WITH_MPI
  if (!started_by_mpirun()) return;
  MPI_Init(argc, argv);
  active() = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size);
#endif
}
inline void finalize() {
#ifdef NNDL_WITH_MPI
  if (active()) MPI_Finalize();
#endif
}
/// init() .. finalize() for main's whole body, every return included.
struct session {
  session(int* argc, char*** argv) { init(argc, argv); }
  ~session() { finalize(); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
};

/// How many of the processes run on this machine (they share its cores).
inline int processes_here() {
#ifdef NNDL_WITH_MPI
  if (world.size == 1) return 1;
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world.rank, MPI_INFO_NULL, &local);
  int n = 1;
  MPI_Comm_size(local, &n);
  MPI_Comm_free(&local);
  return n;
#else
  return 1;
#endif
}

/// The process that trains member i.
inline int owner(std::size_t i) {
  return one_network() ? world.rank : static_cast<int>(i % static_cast<std::size_t>(world.size));
}

/// The members this process trains, of k.
inline std::vector<std::size_t> mine(std::size_t k) {
  std::vector<std::size_t> v;
  for (std::size_t i = 0; i < k; ++i)
    if (owner(i) == world.rank) v.push_back(i);
  return v;
}

/// The largest of every process's status (0 done, 1 failed, 130 interrupted, ...): collective.
inline int worst_status(int status) {
#ifdef NNDL_WITH_MPI
  int worst = status;
  if (world.size > 1) MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return worst;
#else
  return status;
#endif
}

/// Moves member i's network and report figures from its owner to process 0 (a no-op when process 0
/// trained it). Collective between the two processes: both call it for every i, in the same order.
template <class Net>
void gather_member([[maybe_unused]] std::size_t i, [[maybe_unused]] Net& net,
                   [[maybe_unused]] std::vector<double>& figures) {
#ifdef NNDL_WITH_MPI
  if (one_network()) return;
  const int from = owner(i);
  if (from == 0 || (world.rank != 0 && world.rank != from)) return;
  using T = typename Net::scalar;
  const MPI_Datatype type = sizeof(T) == sizeof(float) ? MPI_FLOAT : MPI_DOUBLE;
  std::vector<T> flat;
  flat.reserve(Net::parameter_count());
  const int tag = static_cast<int>(i);
  if (world.rank == from) {
    net.for_each_parameter([&](const auto&, const auto& p) { flat.insert(flat.end(), p.value, p.value + p.size()); });
    MPI_Send(flat.data(), static_cast<int>(flat.size()), type, 0, tag, MPI_COMM_WORLD);
    MPI_Send(figures.data(), static_cast<int>(figures.size()), MPI_DOUBLE, 0, tag, MPI_COMM_WORLD);
  } else {
    flat.resize(Net::parameter_count());
    MPI_Recv(flat.data(), static_cast<int>(flat.size()), type, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Recv(figures.data(), static_cast<int>(figures.size()), MPI_DOUBLE, from, tag, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    std::size_t at = 0;
    net.for_each_parameter([&](const auto&, const auto& p) {
      std::copy(flat.begin() + static_cast<std::ptrdiff_t>(at),
                flat.begin() + static_cast<std::ptrdiff_t>(at + p.size()), p.value);
      at += p.size();
    });
  }
#endif
}

}  // namespace examples::mpi
