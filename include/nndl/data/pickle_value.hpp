// The values of nndl's restricted unpickler (pickle.hpp): None, booleans, integers, strings,
// tuples, the few allowed callables, NumPy dtypes and arrays; and the conversion of an array's raw
// bytes into numbers. There is no other kind of value, so a pickle cannot make anything else.
#pragma once

#include "../detail/out_of_line.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "idx.hpp"  // hex_byte, dims_string

namespace nndl {

/// The bytes of a pickled str or bytes object, shared between the values that refer to them.
using pickle_bytes = std::shared_ptr<const std::vector<std::uint8_t>>;

/// A NumPy array as the pickle holds it: shape, element type and raw bytes, not yet converted.
struct numpy_array {
  /// The dimensions, outermost first.
  std::vector<std::size_t> shape;
  char kind = 0;             ///< 'f' float, 'i' signed or 'u' unsigned integer, 'b' bool
  std::size_t itemsize = 0;  ///< bytes per element
  bool swap = false;         ///< stored in the other byte order than this machine's
  bool fortran = false;      ///< column-major (2 dimensions only)
  /// The raw element bytes, as stored.
  pickle_bytes data;
  /// The number of elements (the product of the dimensions).
  std::size_t size() const {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
  /// The element type as NumPy names it ("float64", "uint8", "bool", ...).
  std::string type_name() const {
    if (kind == 0) return "no element type";
    if (kind == 'b') return "bool";
    return std::string(kind == 'f' ? "float" : kind == 'i' ? "int" : "uint") + std::to_string(8 * itemsize);
  }
};

/// A value of the unpickler. Nothing else can exist: there is no way to make another object.
struct pickle_value {
  /// What kind of value it is.
  enum class type { none, boolean, integer, bytes, text, tuple, callable, dtype, array };
  /// Its kind (which of the members below hold it).
  type t = type::none;
  std::int64_t integer = 0;                          ///< integer, boolean
  pickle_bytes bytes;                                ///< bytes; text as UTF-8
  std::vector<std::shared_ptr<pickle_value>> items;  ///< tuple
  std::string name;                                  ///< callable: "module.name", one of the allowed few
  numpy_array array;                                 ///< dtype (kind, itemsize, swap), array
  bool built = false;                                ///< dtype, array: its state is set (BUILD) and final
  std::size_t depth = 0;                             ///< tuple nesting
  /// The bytes as a string (for text values, UTF-8).
  std::string text() const { return bytes ? std::string(bytes->begin(), bytes->end()) : ""; }
};
/// A value of the unpickler's memo and stack, shared (pickle's memo refers to values more than once).
using pickle_ref = std::shared_ptr<pickle_value>;

/// Limits a pickle must stay within; each is checked before memory is taken for it.
struct pickle_limits {
  std::size_t max_bytes = std::size_t{1} << 30;  ///< all strings and array data together
  std::size_t max_opcodes = 100000;              ///< NumPy's pickle of the book's layout has about 200
  std::size_t max_depth = 16;                    ///< nesting of tuples, and of MARKs
};

namespace detail {

/// s with anything unprintable as \xNN, cut to 80 characters: names from a file go into messages.
NNDL_OUT_OF_LINE std::string printable(const std::string& s);

/// The names of the pickle protocol's opcodes (protocols 0 to 5), for messages.
NNDL_OUT_OF_LINE const char* pickle_opcode_name(std::uint8_t op);

/// Where the unpickler is, for messages, and how much of the byte budget it has spent.
struct pickle_context {
  std::filesystem::path path;
  pickle_limits limits;
  std::size_t used = 0;    ///< bytes of strings and array data so far
  std::uint8_t op = 0;     ///< the opcode being run
  std::size_t op_pos = 0;  ///< and its offset in the (unzipped) pickle

  /// A data_error naming the file, the problem and the opcode.
  [[noreturn]] void fail(const std::string& problem) const {
    const char* name = pickle_opcode_name(op);
    idx_fail(path, problem + " (opcode " + (name ? name : hex_byte(op)) + " at byte " + std::to_string(op_pos) + ")");
  }
  /// Takes n bytes of the budget before they are allocated, or fails.
  void charge(std::uint64_t n, const std::string& what) {
    if (n > limits.max_bytes - used)
      fail(what + " of " + std::to_string(n) + " bytes would take the pickle's data past the limit of " +
           std::to_string(limits.max_bytes) + " bytes");
    used += n;
  }
};

NNDL_OUT_OF_LINE pickle_ref pickle_make(pickle_value::type t, std::int64_t integer = 0);

}  // namespace detail

/// A short description of a value for messages: "a tuple of 2 items", "an array 3 x 784 of float32".
NNDL_OUT_OF_LINE std::string describe(const pickle_value& v);

namespace detail {

template <class S, class Out>
void numpy_copy(const numpy_array& a, Out* out) {
  const std::uint8_t* src = a.data->data();
  auto load = [&](std::size_t at) {
    std::array<std::uint8_t, sizeof(S)> b;
    std::memcpy(b.data(), src + at * sizeof(S), sizeof(S));
    if (a.swap) std::reverse(b.begin(), b.end());
    return static_cast<Out>(std::bit_cast<S>(b));
  };
  const std::size_t n = a.size();
  if (!a.fortran && !a.swap) {  // the common case, in a loop the compiler can vectorize
    for (std::size_t k = 0; k < n; ++k) {
      S s;
      std::memcpy(&s, src + k * sizeof(S), sizeof(S));
      out[k] = static_cast<Out>(s);
    }
    return;
  }
  if (!a.fortran) {
    for (std::size_t k = 0; k < n; ++k) out[k] = load(k);
    return;
  }
  const std::size_t rows = a.shape[0], cols = a.shape[1];  // column-major: (i, j) at j * rows + i
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) out[i * cols + j] = load(j * rows + i);
}

}  // namespace detail

/// All elements of a (built) array in row-major order, converted to Out.
template <class Out>
void numpy_elements(const numpy_array& a, Out* out) {
  static_assert(sizeof(float) == 4 && sizeof(double) == 8);
  const std::string t = a.type_name();
  if (t == "float32")
    detail::numpy_copy<float>(a, out);
  else if (t == "float64")
    detail::numpy_copy<double>(a, out);
  else if (t == "int8")
    detail::numpy_copy<std::int8_t>(a, out);
  else if (t == "int16")
    detail::numpy_copy<std::int16_t>(a, out);
  else if (t == "int32")
    detail::numpy_copy<std::int32_t>(a, out);
  else if (t == "int64")
    detail::numpy_copy<std::int64_t>(a, out);
  else if (t == "uint8" || t == "bool")
    detail::numpy_copy<std::uint8_t>(a, out);
  else if (t == "uint16")
    detail::numpy_copy<std::uint16_t>(a, out);
  else if (t == "uint32")
    detail::numpy_copy<std::uint32_t>(a, out);
  else if (t == "uint64")
    detail::numpy_copy<std::uint64_t>(a, out);
  else
    throw std::invalid_argument("nndl: numpy_elements: an array of unknown element type '" + t + "'");
}

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE void numpy_elements<float>(const numpy_array&, float*);
NNDL_INSTANTIATE void numpy_elements<double>(const numpy_array&, double*);
#endif

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "pickle_value.ipp"
#endif
