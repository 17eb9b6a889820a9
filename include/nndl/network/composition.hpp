// How network<T, Parts...> is put together from its flat list of parts, and the checks that make a
// wrong composition one plain-words static_assert:
//   exactly one input<...> (first), one or more layers, exactly one cost, at most one weight
//   initialisation (default: default_weight_init) and at most one regulariser (default: none);
//   each layer fits the shape before it; the cost accepts the output layer (the cost says so,
//   cost.hpp); softmax only as the output layer.
// Each check assumes the ones before it hold, so that a mistake gives exactly one message.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

#include "../activation.hpp"
#include "../cost.hpp"
#include "../detail/parts.hpp"
#include "../init.hpp"
#include "../layers/dense.hpp"
#include "../layers/input.hpp"
#include "../layers/layer.hpp"
#include "../regularizer.hpp"

namespace nndl::detail {

template <class T, class... Parts>
struct composition {
  static constexpr std::size_t n_inputs = count_kind<part_kind::input, Parts...>;
  static constexpr std::size_t n_layers = count_kind<part_kind::layer, Parts...>;
  static constexpr std::size_t n_costs = count_kind<part_kind::cost, Parts...>;
  static constexpr std::size_t n_inits = count_kind<part_kind::init, Parts...>;
  static constexpr std::size_t n_regs = count_kind<part_kind::regularizer, Parts...>;

  static constexpr bool known_parts = (is_known_part<Parts>() && ...);
  static constexpr bool has_input = n_inputs == 1 && input_is_first<Parts...>();
  static constexpr bool well_formed =
      known_parts && has_input && n_layers >= 1 && n_costs == 1 && n_inits <= 1 && n_regs <= 1;
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "nndl: network<T, ...>: the scalar type T must be float or double");
  static_assert(known_parts,
                "nndl: network<T, ...> takes only input<...>, layers (dense<...>), one cost "
                "(quadratic_cost, ...), one weight initialisation (large_weight_init, ...) and one "
                "regulariser (l2_regularizer, ...); an activation goes inside a layer: dense<30, sigmoid>");
  static_assert(!known_parts || has_input,
                "nndl: a network starts with exactly one input<...>, e.g. network<double, input<784>, ...>");
  static_assert(!known_parts || !has_input || n_layers >= 1,
                "nndl: a network needs at least one layer, e.g. dense<10, sigmoid>");
  static_assert(!known_parts || !has_input || n_layers == 0 || n_costs == 1,
                "nndl: a network needs exactly one cost: quadratic_cost, cross_entropy_cost or log_likelihood_cost");
  static_assert(!known_parts || n_inits <= 1, "nndl: a network takes at most one weight initialisation");
  static_assert(!known_parts || n_regs <= 1, "nndl: a network takes at most one regulariser");

  using input_part = typename first_of<part_kind::input, input<1>, Parts...>::type;
  using input_shape = typename input_part::shape;
  using cost = typename first_of<part_kind::cost, quadratic_cost, Parts...>::type;
  using init = typename first_of<part_kind::init, default_weight_init, Parts...>::type;
  using regularizer = typename first_of<part_kind::regularizer, no_regularizer, Parts...>::type;
  using layers_type = typename build_layers<T, input_shape, layer_specs<Parts...>>::type;

  static constexpr std::size_t depth = std::tuple_size_v<layers_type>;
  /// False when a layer did not fit its input (that layer's static_assert said so; the rest were not built).
  static constexpr bool layers_fit = depth == n_layers;
  using output_layer_type = std::tuple_element_t<  // (a stand-in when there is no layer: one message only)
      depth == 0 ? 0 : depth - 1,
      std::conditional_t<depth == 0, std::tuple<dense_layer<T, 1, 1, sigmoid>>, layers_type>>;
  using output_activation = typename output_layer_type::activation;

  // The cost says which output layer it needs (its own static_assert, cost.hpp).
  static constexpr bool cost_fits = [] {
    if constexpr (well_formed && layers_fit)
      return cost::template check_output<output_activation>();
    else
      return true;
  }();
  static_assert(cost_fits);  // (the cost's own message comes first)
  static constexpr bool softmax_only_last = [] {
    bool ok = true;
    static_for<depth>([&](auto i) {
      if constexpr (i() + 1 < depth) ok = ok && std::tuple_element_t<i(), layers_type>::activation::elementwise;
    });
    return ok;
  }();
  static_assert(!well_formed || !layers_fit || softmax_only_last,
                "nndl: softmax can only be the activation of the output layer");
  static constexpr bool layers_keep_the_contract = [] {
    bool ok = true;
    static_for<depth>([&](auto i) { ok = ok && layer<std::tuple_element_t<i(), layers_type>>; });
    return ok;
  }();
  static_assert(!well_formed || !layers_fit || layers_keep_the_contract,
                "nndl: a layer of this network does not keep the layer contract (nndl/layers/layer.hpp)");
};

}  // namespace nndl::detail
