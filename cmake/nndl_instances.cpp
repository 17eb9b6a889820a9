// nndl_compiled's second unit: the float and double instances of the templates that depend on the
// scalar type alone (NNDL_INSTANTIATE, include/nndl/detail/out_of_line.hpp), compiled beside the
// first unit (cmake/nndl_compiled.cpp), which holds the out-of-line functions.
#define NNDL_INSTANCES_ONLY
#define NNDL_COMPILED
#include <nndl/data/expand.hpp>
#include <nndl/data/mnist.hpp>
#include <nndl/data/mnist_pickle.hpp>
#include <nndl/io/mlp_npz.hpp>
#include <nndl/network.hpp>
