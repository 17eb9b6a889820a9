// The bodies of pickle_value.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of pickle_value.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string printable(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 80; ++i)
    out += s[i] >= 0x20 && s[i] < 0x7F ? std::string(1, s[i])
                                       : "\\x" + hex_byte(static_cast<unsigned char>(s[i])).substr(2);
  return s.size() > 80 ? out + "..." : out;
}

NNDL_OUT_OF_LINE const char* pickle_opcode_name(std::uint8_t op) {
  static constexpr std::pair<std::uint8_t, const char*> names[] = {{'(', "MARK"},
                                                                   {'.', "STOP"},
                                                                   {'0', "POP"},
                                                                   {'1', "POP_MARK"},
                                                                   {'2', "DUP"},
                                                                   {'F', "FLOAT"},
                                                                   {'I', "INT"},
                                                                   {'J', "BININT"},
                                                                   {'K', "BININT1"},
                                                                   {'L', "LONG"},
                                                                   {'M', "BININT2"},
                                                                   {'N', "NONE"},
                                                                   {'P', "PERSID"},
                                                                   {'Q', "BINPERSID"},
                                                                   {'R', "REDUCE"},
                                                                   {'S', "STRING"},
                                                                   {'T', "BINSTRING"},
                                                                   {'U', "SHORT_BINSTRING"},
                                                                   {'V', "UNICODE"},
                                                                   {'X', "BINUNICODE"},
                                                                   {'a', "APPEND"},
                                                                   {'b', "BUILD"},
                                                                   {'c', "GLOBAL"},
                                                                   {'d', "DICT"},
                                                                   {'}', "EMPTY_DICT"},
                                                                   {'e', "APPENDS"},
                                                                   {'g', "GET"},
                                                                   {'h', "BINGET"},
                                                                   {'i', "INST"},
                                                                   {'j', "LONG_BINGET"},
                                                                   {'l', "LIST"},
                                                                   {']', "EMPTY_LIST"},
                                                                   {'o', "OBJ"},
                                                                   {'p', "PUT"},
                                                                   {'q', "BINPUT"},
                                                                   {'r', "LONG_BINPUT"},
                                                                   {'s', "SETITEM"},
                                                                   {'t', "TUPLE"},
                                                                   {')', "EMPTY_TUPLE"},
                                                                   {'u', "SETITEMS"},
                                                                   {'G', "BINFLOAT"},
                                                                   {'B', "BINBYTES"},
                                                                   {'C', "SHORT_BINBYTES"},
                                                                   {0x80, "PROTO"},
                                                                   {0x81, "NEWOBJ"},
                                                                   {0x82, "EXT1"},
                                                                   {0x83, "EXT2"},
                                                                   {0x84, "EXT4"},
                                                                   {0x85, "TUPLE1"},
                                                                   {0x86, "TUPLE2"},
                                                                   {0x87, "TUPLE3"},
                                                                   {0x88, "NEWTRUE"},
                                                                   {0x89, "NEWFALSE"},
                                                                   {0x8a, "LONG1"},
                                                                   {0x8b, "LONG4"},
                                                                   {0x8c, "SHORT_BINUNICODE"},
                                                                   {0x8d, "BINUNICODE8"},
                                                                   {0x8e, "BINBYTES8"},
                                                                   {0x8f, "EMPTY_SET"},
                                                                   {0x90, "ADDITEMS"},
                                                                   {0x91, "FROZENSET"},
                                                                   {0x92, "NEWOBJ_EX"},
                                                                   {0x93, "STACK_GLOBAL"},
                                                                   {0x94, "MEMOIZE"},
                                                                   {0x95, "FRAME"},
                                                                   {0x96, "BYTEARRAY8"},
                                                                   {0x97, "NEXT_BUFFER"},
                                                                   {0x98, "READONLY_BUFFER"}};
  for (const auto& [code, name] : names)
    if (code == op) return name;
  return nullptr;
}

NNDL_OUT_OF_LINE pickle_ref pickle_make(pickle_value::type t, std::int64_t integer) {
  auto v = std::make_shared<pickle_value>();
  v->t = t;
  v->integer = integer;
  return v;
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE std::string describe(const pickle_value& v) {
  using t = pickle_value::type;
  switch (v.t) {
    case t::none:
      return "None";
    case t::boolean:
      return v.integer ? "True" : "False";
    case t::integer:
      return "the integer " + std::to_string(v.integer);
    case t::bytes:
      return "bytes of length " + std::to_string(v.bytes->size());
    case t::text:
      return "the string '" + detail::printable(v.text()) + "'";
    case t::tuple:
      return "a tuple of " + std::to_string(v.items.size()) + " items";
    case t::callable:
      return v.name;
    case t::dtype:
      return "the dtype " + v.array.type_name();
    case t::array:
      return v.built ? "an array " + detail::dims_string(v.array.shape) + " of " + v.array.type_name()
                     : "an array whose state was never set (no BUILD)";
  }
  return "?";
}

}  // namespace nndl
