// A pool of scratch objects for const methods that several threads may call at once: each call
// takes one (or makes one, the first time), uses it alone, and gives it back. A copied pool starts
// empty: scratch memory belongs to no value.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace nndl::detail {

template <class W>
class scratch_pool {
 public:
  scratch_pool() = default;
  scratch_pool(const scratch_pool&) {}
  scratch_pool(scratch_pool&&) noexcept {}
  scratch_pool& operator=(const scratch_pool&) { return *this; }
  scratch_pool& operator=(scratch_pool&&) noexcept { return *this; }

  /// One object for the caller alone; back to the pool when the handle goes.
  class handle {
   public:
    handle(const scratch_pool& pool, std::unique_ptr<W> w) : pool_(&pool), w_(std::move(w)) {}
    handle(handle&& o) noexcept : pool_(o.pool_), w_(std::move(o.w_)) {}
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    handle& operator=(handle&&) = delete;
    ~handle() {
      if (w_) pool_->give_back(std::move(w_));
    }
    W& operator*() const { return *w_; }
    W* operator->() const { return w_.get(); }

   private:
    const scratch_pool* pool_;
    std::unique_ptr<W> w_;
  };

  handle take() const {
    std::unique_ptr<W> w;
    {
      const std::lock_guard lock(m_);
      if (!free_.empty()) {
        w = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!w) w = std::make_unique<W>();
    return handle(*this, std::move(w));
  }

 private:
  void give_back(std::unique_ptr<W> w) const {
    const std::lock_guard lock(m_);
    free_.push_back(std::move(w));
  }
  mutable std::mutex m_;
  mutable std::vector<std::unique_ptr<W>> free_;
};

}  // namespace nndl::detail
