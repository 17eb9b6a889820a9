// The one place nndl includes xtensor and BLAS, and the one wrapper around GEMM.
//
// Only the xtensor headers a network needs to build and train are included here. GEMM goes to
// OpenBLAS through the BLAS interface declared below: xtensor-blas's own headers pull in the FLENS
// headers (over a thousand files) and cost every program seconds of compile time; the two
// headers that need xt::linalg (reference.hpp, tune/gp.hpp) include xtensor-blas themselves.
// (<cblas.h> cannot be used: its declarations clash with the ones xtensor-blas makes.)
//
// Every mini-batch matrix lives in a buffer allocated once; a batch of `rows` samples is the
// first rows*cols elements of such a buffer, seen through a non-owning xtensor adaptor (no heap).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#include <xsimd/memory/xsimd_aligned_allocator.hpp>

#if defined(__linux__)
#include <sys/mman.h>
#endif

// OpenBLAS's own calls, and BLAS's Fortran GEMM (column-major; the string lengths gfortran passes last).
extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);
extern "C" char* openblas_get_corename(void);
extern "C" void sgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k, const float* alpha,
                       const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c,
                       const int* ldc, std::size_t, std::size_t);
extern "C" void dgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k, const double* alpha,
                       const double* a, const int* lda, const double* b, const int* ldb, const double* beta, double* c,
                       const int* ldc, std::size_t, std::size_t);

namespace nndl {

namespace detail {
/// Asks Linux to back the 2 MB-aligned part of [p, p + bytes) with 2 MB pages (transparent huge pages,
/// where the system's setting is "madvise" or "always"); does nothing elsewhere. Asked before the memory
/// is first written, the kernel gives huge pages at once.
inline void advise_huge_pages(void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t(1) << 21;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t begin = (a + huge - 1) & ~(huge - 1), end = (a + bytes) & ~(huge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a refusal costs nothing
#else
  (void)p, (void)bytes;
#endif
}
}  // namespace detail

/// Memory for matrices starts on a 64-byte boundary (a cache line, an AVX-512 register): OpenBLAS's
/// small-matrix kernels run faster on aligned weights than on malloc's 16 (README, "How it is fast").
/// A buffer of 8 MB or more (a data set) asks for huge pages before it is written: the shuffled rows
/// of a mini-batch then come from a few 2 MB pages' translations instead of a TLB miss each
/// (docs/speed.md, "What the kernel changes of 2026-12-06 gained").
template <class T>
class aligned_allocator : public xsimd::aligned_allocator<T, 64> {
 public:
  /// The same allocator for another type.
  template <class U>
  struct rebind {
    using other = aligned_allocator<U>;  ///< the allocator of U
  };
  aligned_allocator() noexcept = default;
  /// From the allocator of another type (it holds nothing).
  template <class U>
  aligned_allocator(const aligned_allocator<U>&) noexcept {}
  /// n values on a 64-byte boundary; huge pages asked for from 8 MB on.
  T* allocate(std::size_t n, const void* hint = nullptr) {
    T* p = xsimd::aligned_allocator<T, 64>::allocate(n, hint);
    if (n * sizeof(T) >= (std::size_t(8) << 20)) detail::advise_huge_pages(p, n * sizeof(T));
    return p;
  }
};

/// A row-major matrix on 64-byte aligned memory: one sample per row.
template <class T>
using matrix = xt::xtensor<T, 2, xt::layout_type::row_major, aligned_allocator<T>>;  // one sample per row
/// A vector on 64-byte aligned memory (biases, one sample).
template <class T>
using vector = xt::xtensor<T, 1, xt::layout_type::row_major, aligned_allocator<T>>;

/// Sets the number of OpenBLAS threads. Small products (mini-batch <= 100 on MNIST) are fastest on
/// one thread; only large ones (whole-test-set evaluation, wide convolutions) gain from two.
inline void set_blas_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
/// The number of OpenBLAS threads.
inline int blas_threads() { return openblas_get_num_threads(); }
/// The kernel family OpenBLAS is using, e.g. "Cooperlake", "Haswell", "Prescott".
inline std::string blas_core() {
  const char* c = openblas_get_corename();
  return c ? c : "";
}

namespace detail {
/// True when OpenBLAS runs its AVX-512 kernel families (SkylakeX, Cooperlake, SapphireRapids), which
/// have small-matrix GEMM kernels that skip packing: there, a product cut into small slices is faster
/// than a whole one, elsewhere (Haswell, Zen: AVX2) slower (benchmarks/bench_conv). Asked when the
/// first product runs, after <nndl/blas.hpp> has settled OpenBLAS's kernels.
inline bool blas_small_matrix_kernels() {
  static const bool small = [] {
    const std::string core = blas_core();
    return core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids";
  }();
  return small;
}

using shape2 = std::array<std::size_t, 2>;

/// A non-owning {rows, cols} row-major view of memory: creating one never allocates.
template <class T>
auto rows_view(T* data, std::size_t rows, std::size_t cols) {
  return xt::adapt(data, rows * cols, xt::no_ownership(), shape2{rows, cols});
}

template <class T>
using mview = decltype(rows_view(static_cast<T*>(nullptr), 0, 0));
template <class T>
using cview = decltype(rows_view(static_cast<const T*>(nullptr), 0, 0));

/// A non-owning 1-D view of n values.
template <class T>
auto flat_view(T* data, std::size_t n) {
  return xt::adapt(data, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
}

/// The column of the largest value in row i of a {rows, cols} matrix (the first of equals).
template <class M>
std::size_t argmax_row(const M& a, std::size_t i) {
  const std::size_t cols = a.shape()[1];
  const auto* p = a.data() + i * cols;
  return static_cast<std::size_t>(std::max_element(p, p + cols) - p);
}

/// The same on row-major memory with leading dimensions, for products on slices of a matrix:
/// C {m, n} = alpha · op(A) · op(B) + beta · C, op(A) {m, k}, op(B) {k, n}.
template <class T>
void gemm_raw(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
              std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "nndl: GEMM is for float or double");
  // Row-major C = op(A) op(B) is column-major Cᵀ = op(B)ᵀ op(A)ᵀ: the operands swap places.
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  const int ia = static_cast<int>(lda), ib = static_cast<int>(ldb), ic = static_cast<int>(ldc);
  if constexpr (std::is_same_v<T, float>)
    sgemm_(&tb, &ta, &in, &im, &ik, &alpha, b, &ib, a, &ia, &beta, c, &ic, 1, 1);
  else
    dgemm_(&tb, &ta, &in, &im, &ik, &alpha, b, &ib, a, &ia, &beta, c, &ic, 1, 1);
}

/// c = alpha * op(a) * op(b) + beta * c on whole row-major matrices (contiguous: containers and
/// rows_view adaptors), shapes checked in debug builds.
template <class A, class B, class C, class T>
void gemm(const A& a, const B& b, C& c, bool trans_a, bool trans_b, T alpha, T beta) {
  const std::size_t m = trans_a ? a.shape()[1] : a.shape()[0];
  const std::size_t k = trans_a ? a.shape()[0] : a.shape()[1];
  const std::size_t kb = trans_b ? b.shape()[1] : b.shape()[0];
  const std::size_t n = trans_b ? b.shape()[0] : b.shape()[1];
  XTENSOR_ASSERT(k == kb && c.shape()[0] == m && c.shape()[1] == n);
  (void)kb;
  gemm_raw<T>(trans_a, trans_b, m, n, k, alpha, a.data(), a.shape()[1], b.data(), b.shape()[1], beta, c.data(),
              c.shape()[1]);
}

/// A buffer that grows to the largest batch it has been asked for and never shrinks.
template <class T>
struct grow_buffer {
  vector<T> data = vector<T>::from_shape({0});
  T* reserve(std::size_t n) {
    if (data.size() < n) data = xt::zeros<T>({n});
    return data.data();
  }
};

}  // namespace detail
}  // namespace nndl
