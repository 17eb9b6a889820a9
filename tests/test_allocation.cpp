// No heap allocation inside a training step: every allocation function is counted (operator new
// replaced here, malloc and friends wrapped at link time, see extra_tests.cmake).
#include <catch2/catch.hpp>

#include <nndl/network.hpp>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // the replacements pair new with free on purpose

#include <atomic>
#include <cstdlib>
#include <new>
#include <numeric>

namespace {
std::atomic<long> allocations{0};
std::atomic<bool> counting{false};
void note() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* __real_malloc(std::size_t);
void* __real_calloc(std::size_t, std::size_t);
void* __real_realloc(void*, std::size_t);
int __real_posix_memalign(void**, std::size_t, std::size_t);
void* __real_aligned_alloc(std::size_t, std::size_t);
void* __wrap_malloc(std::size_t n) {
  note();
  return __real_malloc(n);
}
void* __wrap_calloc(std::size_t a, std::size_t b) {
  note();
  return __real_calloc(a, b);
}
void* __wrap_realloc(void* p, std::size_t n) {
  note();
  return __real_realloc(p, n);
}
int __wrap_posix_memalign(void** p, std::size_t a, std::size_t n) {
  note();
  return __real_posix_memalign(p, a, n);
}
void* __wrap_aligned_alloc(std::size_t a, std::size_t n) {
  note();
  return __real_aligned_alloc(a, n);
}
}

void* operator new(std::size_t n) {
  note();
  if (void* p = __real_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  note();
  void* p = nullptr;
  if (__real_posix_memalign(&p, std::max<std::size_t>(static_cast<std::size_t>(a), sizeof(void*)), n ? n : 1) != 0)
    throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {
template <class Net, class Opt = nndl::sgd_optimizer>
long allocations_in_steps(std::size_t batch, Opt opt = {}, std::size_t workers = 1) {
  using T = typename Net::scalar;
  Net net{1};
  nndl::dataset<T> d;
  d.x = xt::ones<T>({std::size_t{200}, Net::input_size}) * T(0.3);
  d.labels.assign(200, 3);
  std::vector<std::size_t> idx(200);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  const nndl::step_settings s{.eta = 0.5, .lambda = 1.0, .n = 200};
  nndl::trainer steps(net, opt, workers);
  steps.take(d, std::span(idx).subspan(0, batch), s);  // the workspace grows here, once
  allocations = 0;
  counting = true;
  for (std::size_t k = 0; k + batch <= 200; k += batch) steps.take(d, std::span(idx).subspan(k, batch), s);
  counting = false;
  return allocations.load();
}
}  // namespace

TEST_CASE("the counter sees allocations", "[allocation]") {
  allocations = 0;
  counting = true;
  auto* v = new std::vector<double>(100);  // two: the vector and its buffer
  counting = false;
  const long by_new = allocations.load();
  delete v;
  void* (*volatile do_malloc)(std::size_t) = std::malloc;  // volatile: the compiler may not elide it
  allocations = 0;
  counting = true;
  void* m = do_malloc(64);
  counting = false;
  std::free(m);
  CHECK(by_new >= 2);
  CHECK(allocations.load() == 1);
}

TEST_CASE("a training step allocates nothing", "[allocation]") {
  using namespace nndl;
  using ch1 = network<double, input<784>, dense<30, sigmoid>, dense<10, sigmoid>, quadratic_cost, large_weight_init>;
  using ch3 = network<float, input<784>, dense<100, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
  using l1 = network<double, input<784>, dense<30, nndl::tanh>, dense<10, sigmoid>, cross_entropy_cost, l1_regularizer>;
  using convnet = network<float, input<1, 28, 28>, conv<6, 5, relu>, max_pool<2>, conv<8, 5, relu>, max_pool<2>,
                          dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
  using dropped = network<double, input<784>, dense<100, relu>, dropout<0.5>, dense<10, softmax>, log_likelihood_cost,
                          l2_regularizer>;
  using wide = network<float, input<784>, dense<300, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
  for (std::size_t batch : {1u, 10u, 100u}) {
    INFO("mini-batch " << batch);
    CHECK(allocations_in_steps<wide>(batch) == 0);
    CHECK(allocations_in_steps<ch1>(batch) == 0);
    CHECK(allocations_in_steps<ch3>(batch) == 0);
    CHECK(allocations_in_steps<l1>(batch) == 0);
    const nndl::sgd_optimizer momentum({.momentum = 0.9});
    CHECK(allocations_in_steps<ch1>(batch, momentum) == 0);      // momentum SGD
    CHECK(allocations_in_steps<dropped>(batch, momentum) == 0);  // dropout, momentum
    CHECK(allocations_in_steps<ch3>(batch, nndl::adam{}) == 0);  // Adam
    CHECK(allocations_in_steps<convnet>(batch, nndl::adam{}) == 0);
    CHECK(allocations_in_steps<convnet>(batch) == 0);  // convolution, pooling
    const nndl::sgd_optimizer plain;
    CHECK(allocations_in_steps<convnet>(batch, plain, 2) == 0);  // the same split between two threads
    CHECK(allocations_in_steps<ch3>(batch, plain, 2) == 0);      // dense<100> on 784 inputs: split by neurons
    CHECK(allocations_in_steps<wide>(batch, plain, 2) == 0);     // sliced products as well
  }
}
