// The one place nndl includes xtensor and xtensor-blas, and the one wrapper around GEMM.
//
// Every mini-batch matrix lives in a buffer allocated once; a batch of `rows` samples is the
// first rows*cols elements of such a buffer, seen through a non-owning xtensor adaptor (no heap).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xrandom.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#include <xtensor-blas/xblas.hpp>
#include <xtensor-blas/xlinalg.hpp>
#include <xsimd/memory/xsimd_aligned_allocator.hpp>

// Declared by hand: <cblas.h> clashes with xtensor-blas's own BLAS declarations.
extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);

namespace nndl {

/// Memory for matrices starts on a 64-byte boundary (a cache line, an AVX-512 register): OpenBLAS's
/// small-matrix kernels run faster on aligned weights than on malloc's 16 (README, "How it is fast").
template <class T>
using aligned_allocator = xsimd::aligned_allocator<T, 64>;

template <class T>
using matrix = xt::xtensor<T, 2, xt::layout_type::row_major, aligned_allocator<T>>;  // one sample per row
template <class T>
using vector = xt::xtensor<T, 1, xt::layout_type::row_major, aligned_allocator<T>>;

/// Sets the number of OpenBLAS threads. Small products (mini-batch <= 100 on MNIST) are fastest on
/// one thread; only large ones (whole-test-set evaluation, wide convolutions) gain from two.
inline void set_blas_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
inline int blas_threads() { return openblas_get_num_threads(); }

namespace detail {

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

/// c = alpha * op(a) * op(b) + beta * c, straight to BLAS (xt::blas::gemm checks no shapes, so we do).
template <class A, class B, class C, class T>
void gemm(const A& a, const B& b, C& c, bool trans_a, bool trans_b, T alpha, T beta) {
  const std::size_t m = trans_a ? a.shape()[1] : a.shape()[0];
  const std::size_t k = trans_a ? a.shape()[0] : a.shape()[1];
  const std::size_t kb = trans_b ? b.shape()[1] : b.shape()[0];
  const std::size_t n = trans_b ? b.shape()[0] : b.shape()[1];
  XTENSOR_ASSERT(k == kb && c.shape()[0] == m && c.shape()[1] == n);
  (void)m; (void)k; (void)kb; (void)n;
  xt::blas::gemm(a, b, c, trans_a, trans_b, alpha, beta);
}

/// The same on row-major memory with leading dimensions, for products on slices of a matrix:
/// C {m, n} = alpha · op(A) · op(B) + beta · C, op(A) {m, k}, op(B) {k, n}.
template <class T>
void gemm_raw(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
              std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  using index = xt::blas_index_t;
  cxxblas::gemm<index>(cxxblas::StorageOrder::RowMajor, trans_a ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans,
                       trans_b ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans, index(m), index(n), index(k),
                       alpha, a, index(lda), b, index(ldb), beta, c, index(ldc));
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
