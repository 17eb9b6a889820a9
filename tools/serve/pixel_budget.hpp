// The pixels nndl-serve decodes at once, by all requests together (--pixel-budget): what bounds
// the memory of images being decoded, whatever the number of requests. A request takes its
// image's share before decoding it and gives it back after; one that does not fit waits for
// nothing (api.cpp answers it 503).
#pragma once

#include <cstddef>
#include <mutex>

namespace serve {

class pixel_budget {
 public:
  explicit pixel_budget(std::size_t total) : total_(total) {}
  pixel_budget(const pixel_budget&) = delete;
  pixel_budget& operator=(const pixel_budget&) = delete;

  std::size_t total() const { return total_; }

  /// Holds `n` pixels of the budget for its lifetime, if they were free (then ok() is true).
  class share {
   public:
    share(pixel_budget& b, std::size_t n) : budget_(b), n_(n) {
      std::lock_guard lock(b.mutex_);
      ok_ = n <= b.total_ - b.used_;
      if (ok_) b.used_ += n;
    }
    share(const share&) = delete;
    share& operator=(const share&) = delete;
    ~share() {
      if (!ok_) return;
      std::lock_guard lock(budget_.mutex_);
      budget_.used_ -= n_;
    }
    bool ok() const { return ok_; }

   private:
    pixel_budget& budget_;
    std::size_t n_;
    bool ok_ = false;
  };

 private:
  std::mutex mutex_;
  std::size_t total_, used_ = 0;
};

}  // namespace serve
