// What nndl's restricted unpickler (pickle.hpp) may build, and how: the few callables that NumPy's
// pickles of arrays name, each "called" here in C++ with exactly the arguments NumPy writes.
//   numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')  an empty array; BUILD sets
//       its state (version, shape, dtype, is_fortran, raw bytes): Python 2, protocols 1 to 4
//   numpy.core.numeric._frombuffer(data, dtype, shape, 'C' or 'F')  protocol 5
//   numpy.dtype('f4', align, copy)  BUILD then sets (3, '<', None, None, None, -1, -1, 0)
//   numpy.ndarray  only as the first argument of _reconstruct
//   _codecs.encode(text, 'latin1')  how Python 3 writes bytes for protocols 1 and 2
// NumPy 2 spells the modules numpy._core.*; both spellings are allowed. Anything else is refused.
#pragma once

#include "../detail/out_of_line.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>

#include "pickle_value.hpp"

namespace nndl::detail {

using ptype = pickle_value::type;

NNDL_OUT_OF_LINE bool pickle_is_string(const pickle_ref& v);
NNDL_OUT_OF_LINE bool pickle_is_int(const pickle_ref& v);
NNDL_OUT_OF_LINE bool pickle_is_callable(const pickle_ref& v, const std::string& leaf);

/// GLOBAL and STACK_GLOBAL: the callable, if it is one of the allowed few; refused otherwise.
NNDL_OUT_OF_LINE pickle_ref numpy_global(const pickle_context& ctx, const std::string& module, const std::string& name);

/// UTF-8 text whose characters are all below U+0100, as the bytes those characters stand for.
NNDL_OUT_OF_LINE pickle_bytes latin1_bytes(pickle_context& ctx, const pickle_value& text);

NNDL_OUT_OF_LINE void numpy_byte_order(const pickle_context& ctx, numpy_array& a, char c);

/// An array from its parts; the data must hold exactly (product of shape) x itemsize bytes.
NNDL_OUT_OF_LINE numpy_array numpy_array_of(pickle_context& ctx, const pickle_value& shape, const pickle_value& dtype,
                                            bool fortran, const pickle_value& data);

/// REDUCE: a call of an allowed callable, done here if its arguments are exactly what NumPy writes.
NNDL_OUT_OF_LINE pickle_ref numpy_reduce(pickle_context& ctx, const pickle_ref& fn, const pickle_ref& args);

/// BUILD: the state of a dtype, or of an array from _reconstruct, set once.
NNDL_OUT_OF_LINE void numpy_build(pickle_context& ctx, pickle_value& obj, const pickle_value& state);

}  // namespace nndl::detail

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "pickle_numpy.ipp"
#endif
