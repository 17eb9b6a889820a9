// The callback contract of the training loop. A callback is a plain object with any of these hooks:
//   void on_train_begin(const Net&, const train_options&)
//   void on_batch_end(const Net&, std::size_t batch, std::size_t batches)   // after each mini-batch
//   bool on_epoch_end(const Net&, epoch_record&)     // true stops training after this epoch (or void)
//   void on_train_end(const Net&, const train_history&)
// A callback with none of them (a misspelled hook) or with a hook that cannot be called so is a
// compile error that says which. std::optional<Callback> and Callback* are callbacks too: their
// hooks run when they hold or point to one, so a program passes an optional callback instead of
// writing its training call twice (and a pointer to a callback it keeps using after training).
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>

#include "history.hpp"

namespace nndl {

struct train_options;

namespace detail {

template <class C>
struct unwrapped {
  using type = C;
};
template <class C>
struct unwrapped<std::optional<C>> {
  using type = C;
};
template <class C>
struct unwrapped<C*> {
  using type = C;
};
template <class C>
using callback_type = typename unwrapped<std::remove_cvref_t<C>>::type;

template <class C, class Net>
concept has_train_begin = requires(C& c, const Net& n, const train_options& o) {
  c.on_train_begin(n, o);
};
template <class C, class Net>
concept has_batch_end = requires(C& c, const Net& n, std::size_t k) {
  c.on_batch_end(n, k, k);
};
template <class C, class Net>
concept has_epoch_end = requires(C& c, const Net& n, epoch_record& r) {
  c.on_epoch_end(n, r);
};
template <class C, class Net>
concept has_train_end = requires(C& c, const Net& n, const train_history& h) {
  c.on_train_end(n, h);
};

// A member *named* like a hook, whatever its signature: in a class derived from both C and
// hook_names, the name is ambiguous exactly when C has it too.
struct hook_names {
  int on_train_begin, on_batch_end, on_epoch_end, on_train_end;
};
template <class C>
struct hook_probe : C, hook_names {};
template <class C>
constexpr bool probable = std::is_class_v<C> && !std::is_final_v<C>;
template <class C>
concept names_train_begin = probable<C> && !requires {
  &hook_probe<C>::on_train_begin;
};
template <class C>
concept names_batch_end = probable<C> && !requires {
  &hook_probe<C>::on_batch_end;
};
template <class C>
concept names_epoch_end = probable<C> && !requires {
  &hook_probe<C>::on_epoch_end;
};
template <class C>
concept names_train_end = probable<C> && !requires {
  &hook_probe<C>::on_train_end;
};

/// One message for a wrong callback (checked for each callback the loop is given).
template <class Cb, class Net>
constexpr bool check_callback() {
  using C = callback_type<Cb>;
  static_assert(
      !names_train_begin<C> || has_train_begin<C, Net>,
      "nndl: a callback's on_train_begin cannot be called as on_train_begin(const Net&, const train_options&)");
  static_assert(!names_batch_end<C> || has_batch_end<C, Net>,
                "nndl: a callback's on_batch_end cannot be called as on_batch_end(const Net&, std::size_t batch, "
                "std::size_t batches)");
  static_assert(!names_epoch_end<C> || has_epoch_end<C, Net>,
                "nndl: a callback's on_epoch_end cannot be called as on_epoch_end(const Net&, epoch_record&)");
  static_assert(!names_train_end<C> || has_train_end<C, Net>,
                "nndl: a callback's on_train_end cannot be called as on_train_end(const Net&, const train_history&)");
  static_assert(names_train_begin<C> || names_batch_end<C> || names_epoch_end<C> || names_train_end<C> ||
                    has_train_begin<C, Net> || has_batch_end<C, Net> || has_epoch_end<C, Net> || has_train_end<C, Net>,
                "nndl: a callback has none of the hooks on_train_begin, on_batch_end, on_epoch_end, on_train_end "
                "(check their spelling)");
  return true;
}

/// The callback itself, or the one an optional holds or a pointer points to (nullptr for none).
template <class C>
auto* target(C& c) {
  if constexpr (std::is_same_v<std::remove_cv_t<C>, callback_type<C>>)
    return &c;
  else if constexpr (std::is_pointer_v<std::remove_cv_t<C>>)
    return c;
  else
    return c ? &*c : nullptr;
}

template <class Cb, class Net>
void call_train_begin(Cb& cb, const Net& net, const train_options& o) {
  if constexpr (has_train_begin<callback_type<Cb>, Net>)
    if (auto* c = target(cb)) c->on_train_begin(net, o);
}
template <class Cb, class Net>
void call_batch_end(Cb& cb, const Net& net, std::size_t batch, std::size_t batches) {
  if constexpr (has_batch_end<callback_type<Cb>, Net>)
    if (auto* c = target(cb)) c->on_batch_end(net, batch, batches);
}
/// True when the callback asks training to stop.
template <class Cb, class Net>
bool call_epoch_end(Cb& cb, const Net& net, epoch_record& r) {
  if constexpr (has_epoch_end<callback_type<Cb>, Net>) {
    if (auto* c = target(cb)) {
      if constexpr (std::is_same_v<decltype(c->on_epoch_end(net, r)), bool>)
        return c->on_epoch_end(net, r);
      else
        c->on_epoch_end(net, r);
    }
  }
  return false;
}
template <class Cb, class Net>
void call_train_end(Cb& cb, const Net& net, const train_history& h) {
  if constexpr (has_train_end<callback_type<Cb>, Net>)
    if (auto* c = target(cb)) c->on_train_end(net, h);
}

}  // namespace detail
}  // namespace nndl
