// nndl::sgd — network.py's and network2.py's SGD: the training loop (loop.hpp) with the book's
// optimizer, plain SGD or, with options.momentum > 0, momentum-based gradient descent (3.107):
//
//   nndl::sgd(net, data.training, {.epochs = 30, .mini_batch = 10, .eta = 3.0}, nndl::evaluate_on(data.test));
//
// For another optimizer, or to keep the optimizer's state (to checkpoint it, or to continue
// training with the same velocities), call nndl::train with an optimizer object of your own.
#pragma once

#include "callbacks.hpp"
#include "gradient_descent.hpp"
#include "history.hpp"
#include "loop.hpp"

namespace nndl {

/// The book's training run: sgd_optimizer with μ = options.momentum, made for this call.
template <class Net, class... Callbacks>
train_history sgd(Net& net, const dataset<typename Net::scalar>& training, const train_options& o,
                  Callbacks&&... callbacks) {
  sgd_optimizer opt({.momentum = o.momentum});
  train_options loop = o;
  loop.momentum = 0;  // given to the optimizer
  return train(net, training, opt, loop, std::forward<Callbacks>(callbacks)...);
}

/// The options of sgd() are the training loop's. Kept as a name of its own because
/// examples/ch1_network.cpp spells its run's options so, after network.py's SGD.
using sgd_options = train_options;

}  // namespace nndl
