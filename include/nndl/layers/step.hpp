// Applying one parameter step to a layer whose gradient was first summed into gw, gb (the
// convolution; the dense layer fuses the step into its GEMM instead). See param_step in dense.hpp.
#pragma once

#include "../detail/xtensor.hpp"
#include "dense.hpp"

namespace nndl::detail {

/// gw, gb hold Σ_x ∂C_x/∂w, ∂C_x/∂b over the mini-batch on entry.
template <class Reg, class T, class W, class B>
void apply_summed_gradient(const param_step<T>& s, W& w, B& b, W& gw, B& gb, W& vw, B& vb) {
  switch (s.mode) {
    case param_step<T>::gradient:  // the mean gradient plus the regulariser's
      xt::noalias(gw) = s.alpha * gw;
      xt::noalias(gb) = s.alpha * gb;
      Reg::add_gradient(gw, w, s.decay);
      break;
    case param_step<T>::sgd: {  // w ← (1 − ηλ/n) w − (η/m) Σ ∂C_x/∂w  (3.93)
      const T beta = Reg::shrink(w, s.decay);
      xt::noalias(w) = beta * w + s.alpha * gw;
      xt::noalias(b) = b + s.alpha * gb;
      break;
    }
    case param_step<T>::momentum:  // v ← μv − η∇C, w ← w + v  (3.107, 3.108)
      xt::noalias(vw) = s.mu * vw + s.alpha * gw;
      Reg::add_gradient(vw, w, T(-s.decay));
      xt::noalias(w) = w + vw;
      xt::noalias(vb) = s.mu * vb + s.alpha * gb;
      xt::noalias(b) = b + vb;
      break;
  }
}

}  // namespace nndl::detail
