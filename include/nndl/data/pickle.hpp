// A restricted unpickler for the book's data file, mnist.pkl.gz: a gzipped Python pickle of NumPy
// arrays in tuples. It is a small stack machine that runs only the opcodes such a file uses and
// builds only the values of pickle_value.hpp. A callable the pickle names is looked up in the
// allow-list of pickle_numpy.hpp (NumPy's array reconstruction) and anything else (os.system,
// builtins.eval, a class) is refused the moment its GLOBAL or STACK_GLOBAL is read: nothing in a
// pickle is ever imported, called or executed. Every problem is a data_error naming the file.
//
// The opcodes run (Python 2's cPickle, and Python 3's pickle with protocols 1 to 5):
//   framing      PROTO (protocol 1 to 5), FRAME, STOP (nothing may follow it)
//   tuples       MARK, TUPLE, EMPTY_TUPLE, TUPLE1, TUPLE2, TUPLE3
//   plain values NONE, NEWTRUE, NEWFALSE, INT (protocol 1's booleans "00"/"01"), BININT, BININT1,
//                BININT2, LONG1 (up to 64 bits)
//   raw bytes    SHORT_BINSTRING, BINSTRING (Python 2), SHORT_BINBYTES, BINBYTES, BINBYTES8,
//                BYTEARRAY8 (protocol 5); text: SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
//   memo         BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET
//   calls        GLOBAL, STACK_GLOBAL (allow-listed), REDUCE, BUILD (NumPy's semantics, done in C++)
// Every other opcode (lists, dicts, INST/OBJ/NEWOBJ, persistent ids, extensions, out-of-band
// buffers, protocol 0's text forms) is refused by name; an unknown one is an error.
//
// Memory is bounded: strings and array data together stay under pickle_limits::max_bytes, each
// declared length is checked against what is left before anything is allocated, and a buffer grows
// only as its bytes arrive. The opcode count and the nesting of tuples and MARKs are capped too.
#pragma once

#include "../detail/out_of_line.hpp"

#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "../errors.hpp"
#include "idx.hpp"
#include "pickle_numpy.hpp"
#include "pickle_value.hpp"

namespace nndl {

namespace detail {

class unpickler {
  using type = pickle_value::type;

 public:
  unpickler(const std::filesystem::path& path, const pickle_limits& limits) : ctx_{path, limits} {}

  pickle_ref run() {
    const auto& path = ctx_.path;
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) idx_fail(path, "cannot open: " + ec.message());
    if (!std::filesystem::exists(st)) idx_fail(path, "cannot open: no such file");
    if (std::filesystem::is_directory(st)) idx_fail(path, "cannot open: is a directory, not a file");
    errno = 0;
    gz_handle gz(gzopen(path.c_str(), "rb"));
    if (!gz.f) idx_fail(path, std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(gz.f, 1u << 18);
    gz_ = gz.f;
    for (std::size_t ops = 1;; ++ops) {
      ctx_.op_pos = pos_;
      if (gz_read_some(gz_, path, &ctx_.op, 1) == 0)
        idx_fail(path, pos_ == 0 ? "empty file: not a pickle"
                                 : "truncated: the pickle ends at byte " + std::to_string(pos_) +
                                       ", before its STOP opcode" + cut());
      ++pos_;
      if (ops > ctx_.limits.max_opcodes) fail("more than " + std::to_string(ctx_.limits.max_opcodes) + " opcodes");
      if (ctx_.op == '.') break;  // STOP
      step();
    }
    if (!marks_.empty()) fail("STOP inside a MARK that no TUPLE closed");
    if (stack_.size() != 1) fail("STOP leaves " + std::to_string(stack_.size()) + " values, a pickle leaves one");
    // Nothing may follow STOP; reading to the end also makes zlib check the gzip trailer.
    std::array<std::uint8_t, 1u << 16> scratch;
    std::size_t extra = 0;
    for (std::size_t r = scratch.size(); r == scratch.size(); extra += r)
      r = gz_read_some(gz_, path, scratch.data(), scratch.size());
    if (extra)
      idx_fail(path, "trailing bytes: " + std::to_string(extra) + " bytes after the STOP opcode at byte " +
                         std::to_string(ctx_.op_pos));
    if (gz_cut_short(gz_)) idx_fail(path, "corrupt gzip stream: it ends before its CRC trailer (file cut short?)");
    return stack_.back();
  }

 private:
  pickle_context ctx_;
  gzFile gz_ = nullptr;
  std::size_t pos_ = 0, frame_end_ = 0;  // bytes read so far; where the current FRAME ends
  std::vector<pickle_ref> stack_;
  std::vector<std::size_t> marks_;  // the stack's size at each open MARK
  std::unordered_map<std::uint64_t, pickle_ref> memo_;

  [[noreturn]] void fail(const std::string& problem) const { ctx_.fail(problem); }
  std::string cut() const { return gz_cut_short(gz_) ? " (the gzip stream ends early)" : ""; }

  // Exactly n bytes of the opcode's argument, or an error.
  void take(std::uint8_t* dst, std::size_t n) {
    if (pos_ < frame_end_ && n > frame_end_ - pos_) fail("the opcode runs past the end of its FRAME");
    const std::size_t got = gz_read_some(gz_, ctx_.path, dst, n);
    pos_ += got;
    if (got < n) fail("truncated: the file ends inside the opcode's argument" + cut());
  }
  std::uint64_t uint_le(std::size_t n) {  // the protocol's little-endian lengths and integers
    std::array<std::uint8_t, 8> b{};
    take(b.data(), n);
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = v << 8 | b[i];
    return v;
  }
  std::string line() {  // GLOBAL's module and name, INT's digits: text up to a newline
    std::string s;
    while (s.size() <= 256) {
      std::uint8_t c = 0;
      take(&c, 1);
      if (c == '\n') return s;
      s += static_cast<char>(c);
    }
    fail("a text argument longer than 256 bytes");
  }
  // A string of n bytes: charged against the limit first, then read as it arrives.
  pickle_ref payload(std::uint64_t n, type t = type::bytes) {
    ctx_.charge(n, "a string");
    if (pos_ < frame_end_ && n > frame_end_ - pos_) fail("the opcode runs past the end of its FRAME");
    auto v = std::make_shared<std::vector<std::uint8_t>>();
    v->reserve(std::min<std::uint64_t>(n, std::size_t{64} << 20));
    for (std::size_t have = 0; have < n;) {
      const std::size_t want = std::min<std::uint64_t>(n - have, std::size_t{4} << 20);
      if (have + want > v->capacity()) v->reserve(std::min<std::uint64_t>(n, 2 * v->capacity()));  // never past n
      v->resize(have + want);
      const std::size_t got = gz_read_some(gz_, ctx_.path, v->data() + have, want);
      have += got;
      pos_ += got;
      if (got < want)
        fail("truncated: the string declares " + std::to_string(n) + " bytes, the file ends after " +
             std::to_string(have) + cut());
    }
    auto s = pickle_make(t);
    s->bytes = std::move(v);
    return s;
  }

  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  pickle_ref& top() {
    if (stack_.size() <= floor())
      fail(std::string("stack underflow: no value") + (marks_.empty() ? "" : " above the MARK"));
    return stack_.back();
  }
  pickle_ref pop() {
    pickle_ref v = std::move(top());
    stack_.pop_back();
    return v;
  }
  void push(pickle_ref v) { stack_.push_back(std::move(v)); }
  void push_int(std::int64_t i) { push(pickle_make(type::integer, i)); }
  void push_tuple(std::vector<pickle_ref> items) {
    auto v = pickle_make(type::tuple);
    for (const auto& i : items) v->depth = std::max(v->depth, i->depth);
    if (++v->depth > ctx_.limits.max_depth)
      fail("tuples nested more than " + std::to_string(ctx_.limits.max_depth) + " deep");
    v->items = std::move(items);
    push(std::move(v));
  }

  void step() {
    switch (const std::uint8_t op = ctx_.op) {
      case 0x80:  // PROTO
        if (const auto v = uint_le(1); v > 5)
          fail("pickle protocol " + std::to_string(v) + ": nndl reads protocols 1 to 5");
        return;
      case 0x95: {  // FRAME: a length that groups the opcodes after it; frames may not overlap
        const auto n = uint_le(8);
        if (pos_ < frame_end_) fail("a FRAME starts before the previous frame ends");
        if (n > ctx_.limits.max_bytes) fail("a FRAME of " + std::to_string(n) + " bytes, above the limit");
        frame_end_ = pos_ + n;
        return;
      }
      case '(':  // MARK
        if (marks_.size() >= ctx_.limits.max_depth)
          fail("MARKs nested more than " + std::to_string(ctx_.limits.max_depth) + " deep");
        return marks_.push_back(stack_.size());
      case ')':
        return push_tuple({});  // EMPTY_TUPLE
      case 't': {               // TUPLE: everything above the last MARK
        if (marks_.empty()) fail("TUPLE without a MARK");
        std::vector<pickle_ref> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
        stack_.resize(marks_.back());
        marks_.pop_back();
        return push_tuple(std::move(items));
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1, TUPLE2, TUPLE3
        std::vector<pickle_ref> items(op - 0x84u);
        for (std::size_t i = items.size(); i-- > 0;) items[i] = pop();
        return push_tuple(std::move(items));
      }
      case 'N':
        return push(pickle_make(type::none));  // NONE
      case 0x88:
      case 0x89:
        return push(pickle_make(type::boolean, op == 0x88));  // NEWTRUE, NEWFALSE
      case 'I': {  // INT: decimal text; protocols 0 and 1 write False and True as "00" and "01"
        const std::string s = line();
        if (s == "00" || s == "01") return push(pickle_make(type::boolean, s == "01"));
        std::size_t used = 0;
        long long v = 0;
        try {
          v = std::stoll(s, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != s.size()) fail("INT with '" + printable(s) + "', not a 64-bit integer");
        return push_int(v);
      }
      case 'J':
        return push_int(static_cast<std::int32_t>(uint_le(4)));  // BININT
      case 'K':
        return push_int(static_cast<std::int64_t>(uint_le(1)));  // BININT1
      case 'M':
        return push_int(static_cast<std::int64_t>(uint_le(2)));  // BININT2
      case 0x8a: {                                               // LONG1: n bytes of little-endian two's complement
        const auto n = uint_le(1);
        if (n > 8) fail("an integer of " + std::to_string(n) + " bytes, more than 64 bits");
        std::uint64_t v = n ? uint_le(n) : 0;
        if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
        return push_int(static_cast<std::int64_t>(v));
      }
      case 'U':
      case 'C':
        return push(payload(uint_le(1)));  // SHORT_BINSTRING, SHORT_BINBYTES
      case 'T': {                          // BINSTRING: a signed 4-byte length
        const auto n = static_cast<std::int32_t>(uint_le(4));
        if (n < 0) fail("a string of negative length " + std::to_string(n));
        return push(payload(static_cast<std::uint64_t>(n)));
      }
      case 'B':
        return push(payload(uint_le(4)));  // BINBYTES
      case 0x8e:
      case 0x96:
        return push(payload(uint_le(8)));  // BINBYTES8, BYTEARRAY8
      case 0x8c:
        return push(payload(uint_le(1), type::text));  // SHORT_BINUNICODE
      case 'X':
        return push(payload(uint_le(4), type::text));  // BINUNICODE
      case 0x8d:
        return push(payload(uint_le(8), type::text));  // BINUNICODE8
      case 'q':
      case 'r': {  // BINPUT, LONG_BINPUT
        const auto i = uint_le(op == 'q' ? 1 : 4);
        memo_[i] = top();
        return;
      }
      case 0x94: {  // MEMOIZE: the next free memo entry
        const auto i = memo_.size();
        memo_[i] = top();
        return;
      }
      case 'h':
      case 'j': {  // BINGET, LONG_BINGET
        const auto i = uint_le(op == 'h' ? 1 : 4);
        const auto it = memo_.find(i);
        if (it == memo_.end()) fail("memo entry " + std::to_string(i) + " is read before it is stored");
        return push(it->second);
      }
      case 'c': {  // GLOBAL: "module\nname\n"
        const std::string module = line();
        return push(numpy_global(ctx_, module, line()));
      }
      case 0x93: {  // STACK_GLOBAL: module and name from the stack
        const pickle_ref name = pop(), module = pop();
        if (module->t != type::text || name->t != type::text)
          fail("STACK_GLOBAL with " + describe(*module) + " and " + describe(*name) + ", not two strings");
        return push(numpy_global(ctx_, module->text(), name->text()));
      }
      case 'R': {  // REDUCE: callable, arguments
        const pickle_ref args = pop(), fn = pop();
        return push(numpy_reduce(ctx_, fn, args));
      }
      case 'b': {  // BUILD: the state of the value below it
        const pickle_ref state = pop();
        return numpy_build(ctx_, *top(), *state);
      }
      default:
        if (pickle_opcode_name(op))
          fail("refused: an opcode the book's data file does not use; nndl reads only tuples of NumPy arrays "
               "and never executes a pickle");
        fail("unknown opcode: not a pickle, or a corrupt one");
    }
  }
};

}  // namespace detail

/// Reads a pickle (gzip or plain) with the restricted unpickler and returns its one value. Throws
/// data_error, naming the file, for anything that is not tuples of NumPy arrays and plain values.
NNDL_OUT_OF_LINE pickle_ref read_pickle(const std::filesystem::path& file, const pickle_limits& limits = {});

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "pickle.ipp"
#endif
