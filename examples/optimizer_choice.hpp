// The optimizer a program's flags choose at run time (--optimizer sgd|adam, --momentum).
#pragma once

#include <nndl/network.hpp>

#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace examples {

/// The optimizer a program's flags choose (--optimizer sgd|adam, --momentum), as one type, so that
/// each network type is compiled once for both.
class optimizer_choice {
 public:
  optimizer_choice(const std::string& kind, double momentum) {
    if (kind == "adam")
      o_ = nndl::adam{};
    else
      o_ = nndl::sgd_optimizer({.momentum = momentum});
  }
  std::string_view name() const {
    return std::visit([](const auto& o) { return o.name(); }, o_);
  }
  template <class T>
  void prepare(std::span<const std::size_t> sizes) {
    std::visit([&](auto& o) { o.template prepare<T>(sizes); }, o_);
  }
  void begin_step(const nndl::step_settings& s) {
    std::visit([&](auto& o) { o.begin_step(s); }, o_);
  }
  template <class Reg, class T>
  nndl::gradient_sink<T> sink(std::size_t k, const nndl::parameter<T>& p, std::size_t m) {
    return std::visit([&](auto& o) { return o.template sink<Reg>(k, p, m); }, o_);
  }
  template <class Reg, class T>
  void update(std::size_t k, const nndl::parameter<T>& p, std::size_t m) {
    std::visit([&](auto& o) { o.template update<Reg>(k, p, m); }, o_);
  }
  template <class T, class F>
  void for_each_state(F&& f) {
    std::visit([&](auto& o) { o.template for_each_state<T>(f); }, o_);
  }
  template <class F>
  void for_each_counter(F&& f) {
    std::visit([&](auto& o) { o.for_each_counter(f); }, o_);
  }

 private:
  std::variant<nndl::sgd_optimizer, nndl::adam> o_;
};

}  // namespace examples
