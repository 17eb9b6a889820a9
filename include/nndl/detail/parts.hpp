// Sorting the flat list network<T, Parts...> into input, layers and policies at compile time.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

namespace nndl {

/// What a part of network<T, Parts...> is; every part declares `static constexpr part_kind kind`.
enum class part_kind { input, layer, cost, init, regularizer };

namespace detail {

template <class P>
constexpr bool has_kind(part_kind k) {
  if constexpr (requires { P::kind; })
    return P::kind == k;
  else
    return false;
}

template <class P>
constexpr bool is_known_part() {
  if constexpr (requires { P::kind; })
    return std::is_same_v<std::remove_cv_t<decltype(P::kind)>, part_kind>;
  else
    return false;
}

template <part_kind K, class... P>
constexpr std::size_t count_kind = (std::size_t{0} + ... + (has_kind<P>(K) ? 1 : 0));

/// The first part of kind K, or Fallback when there is none.
template <part_kind K, class Fallback, class... P>
struct first_of {
  using type = Fallback;
};
template <part_kind K, class Fallback, class H, class... P>
struct first_of<K, Fallback, H, P...> {
  using type = std::conditional_t<has_kind<H>(K), H, typename first_of<K, Fallback, P...>::type>;
};

/// The layer parts, in order, as std::tuple<Spec...>.
template <class... P>
using layer_specs =
    decltype(std::tuple_cat(std::conditional_t<has_kind<P>(part_kind::layer), std::tuple<P>, std::tuple<>>{}...));

template <class... P>
constexpr bool input_is_first() {
  if constexpr (sizeof...(P) == 0)
    return false;
  else
    return has_kind<std::tuple_element_t<0, std::tuple<P...>>>(part_kind::input);
}

/// Layer implementations for a scalar T, each built on the output shape of the one before.
template <class T, class In, class Specs>
struct build_layers;
template <class T, class In>
struct build_layers<T, In, std::tuple<>> {
  using type = std::tuple<>;
};
template <class L>
constexpr bool layer_fits_input() {  // conv and max_pool say whether their window fits
  if constexpr (requires { L::fits; })
    return L::fits;
  else
    return true;
}
template <class T, class In, class S, class... Rest>
struct build_layers<T, In, std::tuple<S, Rest...>> {
  using head = typename S::template impl<T, In>;
  // After a layer that does not fit its input (one static_assert), the rest is not built: no cascade.
  using rest = std::conditional_t<layer_fits_input<head>(), std::tuple<Rest...>, std::tuple<>>;
  using type =
      decltype(std::tuple_cat(std::declval<std::tuple<head>>(),
                              std::declval<typename build_layers<T, typename head::output_shape, rest>::type>()));
};

/// Calls f(std::integral_constant<size_t, I>) for I = 0 .. N-1, or N-1 .. 0 when reverse.
template <std::size_t N, bool Reverse = false, class F>
constexpr void static_for(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::integral_constant < std::size_t, Reverse ? N - 1 - I : I > {}), ...);
  }
  (std::make_index_sequence<N>{});
}

}  // namespace detail
}  // namespace nndl
