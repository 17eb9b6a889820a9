// From a run-time choice to a compile-time one: a network's sizes and policies are template
// arguments, so a program that offers --hidden 30|100 or --preset NAME compiles each offer and
// picks one when it runs.
//
//   return nndl::choose_value<30, 100>(hidden, "--hidden", [&](auto h) { return run<h()>(); });
//   return nndl::choose<nndl::option<"relu", relu_net>, nndl::option<"dropout", dropout_net>>(
//       preset, "--preset", [&]<class Net>() { return run<Net>(); });
//
// A value that is not offered is a std::invalid_argument naming the flag and the offers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace nndl {

/// A string usable as a template argument: option<"relu", relu_net>.
template <std::size_t N>
struct fixed_string {
  /// The characters, with the terminating zero.
  char text[N]{};
  /// From a string literal (implicitly, so that option<"relu", T> works).
  constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, text); }
  /// The text without the terminating zero.
  constexpr std::string_view view() const { return {text, N - 1}; }
};

/// One offer of choose(): a name and the type it stands for.
template <fixed_string Name, class T>
struct option {
  /// The name that selects this option.
  static constexpr std::string_view name = Name.view();
  /// The type it stands for.
  using type = T;
};

namespace detail {
template <class V>
std::string as_text(const V& v) {
  if constexpr (std::is_same_v<V, bool>)
    return v ? "true" : "false";
  else if constexpr (std::is_arithmetic_v<V>)
    return std::to_string(v);
  else
    return std::string(v);
}
[[noreturn]] inline void not_offered(std::string_view flag, const std::string& value, std::string offers) {
  offers.resize(offers.size() - 2);  // the last ", "
  throw std::invalid_argument(std::string(flag) + " " + value +
                              " is not one of the choices compiled into this program: " + offers);
}
}  // namespace detail

/// Calls f(std::integral_constant<decltype(V), V>) for the one V among Values equal to `value`.
template <auto... Values, class V, class F>
auto choose_value(const V& value, std::string_view flag, F&& f) {
  constexpr auto first = std::get<0>(std::tuple{Values...});
  using R = decltype(f(std::integral_constant<decltype(first), first>{}));
  if constexpr (std::is_void_v<R>) {
    const bool found =
        ((value == Values ? (f(std::integral_constant<decltype(Values), Values>{}), true) : false) || ...);
    if (!found) detail::not_offered(flag, detail::as_text(value), ((detail::as_text(Values) + ", ") + ...));
  } else {
    std::optional<R> r;
    ((value == Values ? (r.emplace(f(std::integral_constant<decltype(Values), Values>{})), true) : false) || ...);
    if (!r) detail::not_offered(flag, detail::as_text(value), ((detail::as_text(Values) + ", ") + ...));
    return *r;
  }
}

/// Calls `f.template operator()<T>()` for the option whose name is `name`.
template <class... Options, class F>
auto choose(std::string_view name, std::string_view flag, F&& f) {
  using R = decltype(f.template operator()<typename std::tuple_element_t<0, std::tuple<Options...>>::type>());
  if constexpr (std::is_void_v<R>) {
    const bool found =
        ((name == Options::name ? (f.template operator()<typename Options::type>(), true) : false) || ...);
    if (!found) detail::not_offered(flag, std::string(name), ((std::string(Options::name) + ", ") + ...));
  } else {
    std::optional<R> r;
    ((name == Options::name ? (r.emplace(f.template operator()<typename Options::type>()), true) : false) || ...);
    if (!r) detail::not_offered(flag, std::string(name), ((std::string(Options::name) + ", ") + ...));
    return *r;
  }
}

}  // namespace nndl
