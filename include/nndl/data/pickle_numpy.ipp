// The bodies of pickle_numpy.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of pickle_numpy.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE bool pickle_is_string(const pickle_ref& v) { return v->t == ptype::bytes || v->t == ptype::text; }

NNDL_OUT_OF_LINE bool pickle_is_int(const pickle_ref& v) { return v->t == ptype::integer || v->t == ptype::boolean; }

NNDL_OUT_OF_LINE bool pickle_is_callable(const pickle_ref& v, const std::string& leaf) {
  return v->t == ptype::callable && v->name.ends_with("." + leaf);
}

NNDL_OUT_OF_LINE pickle_ref numpy_global(const pickle_context& ctx, const std::string& module,
                                         const std::string& name) {
  static constexpr std::pair<const char*, const char*> allowed[] = {{"numpy.core.multiarray", "_reconstruct"},
                                                                    {"numpy._core.multiarray", "_reconstruct"},
                                                                    {"numpy.core.numeric", "_frombuffer"},
                                                                    {"numpy._core.numeric", "_frombuffer"},
                                                                    {"numpy", "ndarray"},
                                                                    {"numpy", "dtype"},
                                                                    {"_codecs", "encode"}};
  for (const auto& [m, n] : allowed)
    if (module == m && name == n) {
      auto v = pickle_make(ptype::callable);
      v->name = module + "." + name;
      return v;
    }
  ctx.fail("refused: the pickle names " + printable(module + "." + name) +
           ", not a NumPy array; "
           "nndl reads only the book's data file and never executes a pickle");
}

NNDL_OUT_OF_LINE pickle_bytes latin1_bytes(pickle_context& ctx, const pickle_value& text) {
  const auto& in = *text.bytes;
  std::size_t n = 0;
  for (std::size_t i = 0; i < in.size(); ++i, ++n)
    if (in[i] >= 0x80) {
      if ((in[i] != 0xC2 && in[i] != 0xC3) || i + 1 >= in.size() || (in[i + 1] & 0xC0) != 0x80)
        ctx.fail("latin-1 data holding a character above U+00FF, or text that is not UTF-8");
      ++i;
    }
  ctx.charge(n, "latin-1 data");
  auto out = std::make_shared<std::vector<std::uint8_t>>();
  out->reserve(n);
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i] < 0x80)
      out->push_back(in[i]);  // U+0000..U+007F: one byte
    else
      out->push_back(static_cast<std::uint8_t>((in[i] & 0x03) << 6 | (in[i + 1] & 0x3F))), ++i;  // 110000xx 10xxxxxx
  return out;
}

NNDL_OUT_OF_LINE void numpy_byte_order(const pickle_context& ctx, numpy_array& a, char c) {
  if (c == 0 || !std::strchr("<>|=", c))
    ctx.fail("byte order '" + printable(std::string(1, c)) + "', not one of < > | =");
  const bool little = std::endian::native == std::endian::little;
  a.swap = a.itemsize > 1 && ((c == '<' && !little) || (c == '>' && little));
}

NNDL_OUT_OF_LINE numpy_array numpy_array_of(pickle_context& ctx, const pickle_value& shape, const pickle_value& dtype,
                                            bool fortran, const pickle_value& data) {
  numpy_array a = dtype.array;
  std::size_t count = 1;
  for (const auto& d : shape.items) {
    if (d->t != ptype::integer || d->integer < 0) ctx.fail("an array shape holding " + describe(*d) + ", not a size");
    const auto n = static_cast<std::size_t>(d->integer);
    if (n && count > ctx.limits.max_bytes / n)
      ctx.fail("absurd array shape: more than " + std::to_string(ctx.limits.max_bytes) + " elements");
    count *= n;
    a.shape.push_back(n);
  }
  if (fortran && a.shape.size() > 2) ctx.fail("a Fortran-ordered array of more than 2 dimensions; nndl reads up to 2");
  a.fortran = fortran && a.shape.size() == 2;
  a.data = data.t == ptype::text ? latin1_bytes(ctx, data) : data.bytes;  // NumPy reads text data as latin-1
  if (count * a.itemsize != a.data->size())
    ctx.fail("array size does not match: shape " + dims_string(a.shape) + " of " + a.type_name() + " needs " +
             std::to_string(count * a.itemsize) + " bytes, the data has " + std::to_string(a.data->size()));
  return a;
}

NNDL_OUT_OF_LINE pickle_ref numpy_reduce(pickle_context& ctx, const pickle_ref& fn, const pickle_ref& args) {
  if (fn->t != ptype::callable) ctx.fail("REDUCE on " + describe(*fn) + ", not a callable");
  if (args->t != ptype::tuple) ctx.fail("REDUCE with " + describe(*args) + " as the arguments, not a tuple");
  const auto& a = args->items;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) ctx.fail("refused: " + fn->name + " called with " + describe(*args) + " that are not " + what);
  };
  if (pickle_is_callable(fn, "_reconstruct")) {  // an empty array; BUILD sets its state
    expect(a.size() == 3 && pickle_is_callable(a[0], "ndarray") && a[1]->t == ptype::tuple && pickle_is_string(a[2]),
           "(numpy.ndarray, shape, typecode)");
    return pickle_make(ptype::array);
  }
  if (pickle_is_callable(fn, "dtype")) {  // dtype('f4', align, copy); BUILD may set the byte order
    expect(a.size() == 3 && pickle_is_string(a[0]) && pickle_is_int(a[1]) && pickle_is_int(a[2]),
           "(type string, align, copy)");
    std::string s = a[0]->text();
    const char order = s.size() == 3 && std::strchr("<>|=", s[0]) ? s[0] : '=';
    if (order == s[0]) s.erase(0, 1);
    static constexpr const char* numeric[] = {"f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"};
    if (std::find(std::begin(numeric), std::end(numeric), s) == std::end(numeric))
      ctx.fail("refused: dtype '" + printable(a[0]->text()) +
               "': nndl reads arrays of numbers only "
               "(float32, float64, int8 to int64, uint8 to uint64, bool)");
    auto d = pickle_make(ptype::dtype);
    d->array.kind = s[0];
    d->array.itemsize = static_cast<std::size_t>(s[1] - '0');
    numpy_byte_order(ctx, d->array, order);
    return d;
  }
  if (pickle_is_callable(fn, "_frombuffer")) {  // protocol 5: (data, dtype, shape, order)
    expect(a.size() == 4 && pickle_is_string(a[0]) && a[1]->t == ptype::dtype && a[2]->t == ptype::tuple &&
               pickle_is_string(a[3]) && (a[3]->text() == "C" || a[3]->text() == "F"),
           "(data, dtype, shape, 'C' or 'F')");
    auto v = pickle_make(ptype::array);
    v->array = numpy_array_of(ctx, *a[2], *a[1], a[3]->text() == "F", *a[0]);
    v->built = true;
    return v;
  }
  if (pickle_is_callable(fn, "encode")) {  // Python 3's bytes for protocols 1 and 2: latin-1 text
    expect(a.size() == 2 && a[0]->t == ptype::text && a[1]->t == ptype::text &&
               (a[1]->text() == "latin1" || a[1]->text() == "latin-1"),
           "(text, 'latin1')");
    auto v = pickle_make(ptype::bytes);
    v->bytes = latin1_bytes(ctx, *a[0]);
    return v;
  }
  ctx.fail("refused: REDUCE on " + fn->name + "; nndl makes arrays only through _reconstruct or _frombuffer");
}

NNDL_OUT_OF_LINE void numpy_build(pickle_context& ctx, pickle_value& obj, const pickle_value& state) {
  if (obj.built || (obj.t != ptype::dtype && obj.t != ptype::array))
    ctx.fail("refused: BUILD on " + describe(obj) + "; nndl sets the state of NumPy dtypes and arrays only, once each");
  const auto& s = state.items;
  if (obj.t == ptype::dtype) {  // (3 or 4, byte order, subarray, names, fields, elsize, alignment, flags[, metadata])
    if (state.t != ptype::tuple || (s.size() != 8 && s.size() != 9) || !pickle_is_int(s[0]) ||
        !pickle_is_string(s[1]) || s[1]->bytes->size() != 1)
      ctx.fail("the dtype's state is " + describe(state) + ", not NumPy's (version, byte order, ...)");
    if (s[2]->t != ptype::none || s[3]->t != ptype::none || s[4]->t != ptype::none)
      ctx.fail("refused: a structured or sub-array dtype; nndl reads arrays of numbers only");
    numpy_byte_order(ctx, obj.array, s[1]->text()[0]);
  } else {  // (version, shape, dtype, is_fortran, data), or the same without the version
    const std::size_t o = s.size() == 5 ? 1 : 0;
    if (state.t != ptype::tuple || (s.size() != 5 && s.size() != 4) || (o && !pickle_is_int(s[0])) ||
        s[o]->t != ptype::tuple || s[o + 1]->t != ptype::dtype || !pickle_is_int(s[o + 2]) ||
        !pickle_is_string(s[o + 3]))
      ctx.fail("the array's state is " + describe(state) + ", not NumPy's (version, shape, dtype, is_fortran, data)");
    obj.array = numpy_array_of(ctx, *s[o], *s[o + 1], s[o + 2]->integer != 0, *s[o + 3]);
  }
  obj.built = true;
}

}  // namespace nndl::detail
