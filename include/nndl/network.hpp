// <nndl/network.hpp>: the one include that builds and trains a network.
//
//   nndl/network/   the network type: its composition, architecture record, workspace, passes
//   nndl/layers/    input, dense, conv, max_pool, dropout (and the layer contract, layer.hpp)
//   nndl/{activation,cost,init,regularizer}.hpp   the policies a network is made of
//   nndl/train/     the training loop, optimizers (SGD, momentum, Adam), callbacks, ensembles
//   nndl/blas.hpp   OpenBLAS's kernels and threads, chosen before the program starts
//
// Reading and writing files (nndl/data/, nndl/io/), images and the hyperparameter search are
// separate includes with packages of their own.
#pragma once

#include "activation.hpp"
#include "blas.hpp"
#include "cost.hpp"
#include "data/dataset.hpp"
#include "describe.hpp"
#include "errors.hpp"
#include "init.hpp"
#include "layers/conv.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/input.hpp"
#include "layers/pool.hpp"
#include "network/network.hpp"
#include "regularizer.hpp"
#include "rng.hpp"
#include "train/adam.hpp"
#include "train/callbacks.hpp"
#include "train/ensemble.hpp"
#include "train/gradient_descent.hpp"
#include "train/loop.hpp"
#include "train/sgd.hpp"

/// @namespace nndl
/// Networks of Nielsen's book as typed C++: layers, costs, activations, initialisers and regularisers
/// composed into nndl::network, trained by nndl::train / nndl::sgd, saved and read by the formats.
