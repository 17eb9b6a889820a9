// The restricted unpickler (data/pickle.hpp) and the book's data file (data/mnist_pickle.hpp).
// Python (python3-numpy, tests/pickle_writer.py) writes the book's layout from the real IDX files
// and from made-up data, in Python 2's form and with Python 3's protocols 1 to 5, plain and
// gzipped; nndl must load every array exactly. Hostile and broken pickles must be refused with a
// data_error naming the file and the problem, and must run nothing.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "nndl/data/mnist_pickle.hpp"

#include "largest_alloc.hpp"  // largest_alloc: a lying length allocates nothing huge

namespace {

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;
using Catch::Matchers::Contains;
using test_support::temp_dir;
using ptype = nndl::pickle_value::type;
using namespace std::string_literals;  // "..."s keeps the NUL bytes of a hand-written pickle

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

/// Runs tests/pickle_writer.py with the given arguments; its exit status.
int writer(const std::string& args) {
  const std::string script = std::string(NNDL_SOURCE_DIR) + "/tests/pickle_writer.py";
  return std::system((test_support::python() + " '" + script + "' " + args).c_str());
}

bytes concat(bytes a, const std::string& s) {
  a.insert(a.end(), s.begin(), s.end());
  return a;
}

bytes slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), {});
}

void spit(const fs::path& p, const bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

/// The message of the data_error thrown by f (fails the test if none is thrown).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nndl::data_error& e) {
    return e.what();
  }
  FAIL("no nndl::data_error was thrown");
  return "";
}

/// The made-up data of pickle_writer.py tiny: image i of set s has pixel j = ((101 s + 31 i + 7 j) % 256) / 256.
template <class T>
void check_tiny(const nndl::mnist_data<T>& m) {
  const nndl::dataset<T>* sets[] = {&m.training, &m.validation, &m.test};
  const char* names[] = {"MNIST training", "MNIST validation", "MNIST test"};
  const std::size_t sizes[] = {3, 2, 2};
  for (std::size_t s = 0; s < 3; ++s) {
    INFO(names[s]);
    const auto& d = *sets[s];
    CHECK(d.name == names[s]);
    CHECK(d.classes == 10);
    REQUIRE(d.size() == sizes[s]);
    REQUIRE(d.x.shape()[0] == sizes[s]);
    REQUIRE(d.features() == 784);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < sizes[s]; ++i) {
      if (d.labels[i] != (s + 3 * i) % 10) ++wrong;
      for (std::size_t j = 0; j < 784; ++j)
        if (d.x(i, j) != static_cast<T>((101 * s + 31 * i + 7 * j) % 256) / T(256)) ++wrong;
    }
    CHECK(wrong == 0);
  }
}

/// Writes the made-up layout with pickle_writer.py and loads it.
nndl::mnist_data<double> tiny(const temp_dir& dir, const std::string& form, const std::string& variant = "plain",
                              const std::string& ext = ".pkl") {
  const fs::path file = dir / ("tiny-" + form + "-" + variant + ext);
  REQUIRE(writer("tiny " + q(file) + " " + form + " " + variant) == 0);
  return nndl::load_mnist_pickle<double>(file);
}

/// The message nndl gives for the made-up layout with one thing changed; it must name the file.
std::string tiny_error(const temp_dir& dir, const std::string& form, const std::string& variant) {
  const fs::path file = dir / ("tiny-" + form + "-" + variant + ".pkl");
  REQUIRE(writer("tiny " + q(file) + " " + form + " " + variant) == 0);
  const std::string e = error_of([&] { nndl::load_mnist_pickle<double>(file); });
  CHECK_THAT(e, Contains("nndl: " + file.string() + ": "));
  return e;
}

/// Loads the book's layout built from the real IDX files in one form as T and compares every value.
template <class T>
void check_real_mnist(const std::string& form) {
  const auto dir = test_support::mnist_dir_or_warn("mnist.pkl.gz written by Python (" + form + ") from real MNIST");
  if (!dir || !test_support::numpy_or_warn("reading mnist.pkl.gz written by Python (" + form + ")")) return;
  temp_dir tmp("pickle-real");
  const fs::path file = tmp / ("mnist-" + form + ".pkl.gz");
  REQUIRE(writer("book " + q(*dir) + " " + q(file) + " " + form) == 0);
  nndl::mnist_data<T> m;
  REQUIRE_NOTHROW(m = nndl::load_mnist_pickle<T>(file));

  auto raw = [&](const char* base) { return nndl::read_idx(*nndl::detail::mnist_file(*dir, base)); };
  const auto train_images = raw("train-images-idx3-ubyte"), train_labels = raw("train-labels-idx1-ubyte");
  const auto test_images = raw("t10k-images-idx3-ubyte"), test_labels = raw("t10k-labels-idx1-ubyte");
  struct split {
    const nndl::dataset<T>& d;
    const nndl::idx_file& x;
    const nndl::idx_file& y;
    std::size_t first, n;
  };
  const split splits[] = {{m.training, train_images, train_labels, 0, 50000},
                          {m.validation, train_images, train_labels, 50000, 10000},
                          {m.test, test_images, test_labels, 0, 10000}};
  std::size_t pixels = 0, wrong_pixels = 0, wrong_labels = 0;
  for (const auto& s : splits) {
    INFO(s.d.name);
    REQUIRE(s.d.size() == s.n);
    REQUIRE(s.d.features() == 784);
    for (std::size_t i = 0; i < s.n; ++i) {
      if (s.d.labels[i] != s.y.bytes[s.first + i]) ++wrong_labels;
      for (std::size_t j = 0; j < 784; ++j, ++pixels)  // the book's file: float32 byte / 256, exact
        if (s.d.x(i, j) != static_cast<T>(s.x.bytes[(s.first + i) * 784 + j]) / T(256)) ++wrong_pixels;
    }
  }
  CHECK(pixels == 70000 * 784);
  CHECK(wrong_pixels == 0);
  CHECK(wrong_labels == 0);
  CHECK(xt::amax(m.training.x)() == T(255) / T(256));
  CHECK(m.training.labels.front() == 5);
  CHECK(m.test.labels.front() == 7);
  std::printf("mnist.pkl.gz written by Python (%s), %zu bytes, loaded as %s: %zu / %zu / %zu images, %zu pixels and "
              "70000 labels compared with the IDX files: %zu pixels and %zu labels differ; largest pixel %.8f\n",
              form.c_str(), static_cast<std::size_t>(fs::file_size(file)), sizeof(T) == 4 ? "float" : "double",
              m.training.size(), m.validation.size(), m.test.size(), pixels, wrong_pixels, wrong_labels,
              static_cast<double>(xt::amax(m.training.x)()));
}

}  // namespace

TEST_CASE("real MNIST as the book's mnist.pkl.gz, Python 2's form (protocol 2), loads exactly",
          "[pickle][python][data]") {
  check_real_mnist<double>("py2");
}

TEST_CASE("real MNIST pickled with Python 3's default protocol, gzipped, loads exactly as float",
          "[pickle][python][data]") {
  check_real_mnist<float>("default");
}

TEST_CASE("real MNIST pickled with Python 3's highest protocol, gzipped, loads exactly as float",
          "[pickle][python][data]") {
  check_real_mnist<float>("highest");
}

TEST_CASE("the book's layout in Python 2's form and Python 3's protocols 1 to 5, plain and gzipped",
          "[pickle][python]") {
  if (!test_support::numpy_or_warn("reading pickles written by Python")) return;
  temp_dir dir("pickle");
  for (const char* form : {"py2", "1", "2", "3", "4", "5"}) {
    INFO("form " << form);
    check_tiny(tiny(dir, form));
  }
  for (const char* form : {"py2", "2", "5"}) {
    INFO("form " << form << ", gzipped");
    check_tiny(tiny(dir, form, "plain", ".pkl.gz"));
    CHECK(slurp(dir / ("tiny-" + std::string(form) + "-plain.pkl.gz")).at(0) == 0x1f);  // really gzip
  }
  const fs::path file = dir / "tiny-py2-plain.pkl";
  check_tiny(nndl::load_mnist_pickle<float>(file));
  // Python 2's form really is Python 2's: byte strings as SHORT_BINSTRING/BINSTRING, no _codecs.
  const bytes b = slurp(file);
  const std::string text(b.begin(), b.end());
  CHECK(text.find("_codecs") == std::string::npos);
  CHECK(text.find("T\xc0\x24\0\0"s) != std::string::npos);  // BINSTRING of 3 x 784 x 4 = 9408 bytes
}

TEST_CASE("column-major arrays, float64 and big-endian images, four integer label types", "[pickle][python]") {
  if (!test_support::numpy_or_warn("reading pickles written by Python")) return;
  temp_dir dir("pickle");
  for (const char* form : {"py2", "2", "4", "5"}) {
    INFO("form " << form);
    check_tiny(tiny(dir, form, "fortran"));
    check_tiny(tiny(dir, form, "types"));
  }
  // The column-major data really is column-major in the file for protocols 4 and 5.
  const auto root = nndl::read_pickle(dir / "tiny-5-fortran.pkl");
  CHECK(root->items[0]->items[0]->array.fortran);
  CHECK(nndl::read_pickle(dir / "tiny-4-fortran.pkl")->items[0]->items[0]->array.fortran);
  const auto types = nndl::read_pickle(dir / "tiny-5-types.pkl");
  CHECK(types->items[1]->items[0]->array.type_name() == "float32");
  CHECK(types->items[1]->items[0]->array.swap);  // '>f4' on a little-endian machine
  CHECK(types->items[2]->items[1]->array.type_name() == "int16");
}

TEST_CASE("a pickle that calls os.system or eval is refused and runs nothing", "[pickle][python]") {
  if (!test_support::numpy_or_warn("refusing hostile pickles written by Python")) return;
  temp_dir dir("pickle");
  const struct {
    const char* kind;
    const char* name;
  } cases[] = {{"system", "posix.system"}, {"eval", "builtins.eval"}};
  for (const auto& c : cases) {
    INFO(c.kind);
    const fs::path file = dir / (std::string(c.kind) + ".pkl"), marker = dir / (std::string("pwned-") + c.kind);
    REQUIRE(writer("evil " + q(file) + " " + c.kind + " " + q(marker)) == 0);
    const std::string e = error_of([&] { nndl::load_mnist_pickle<double>(file); });
    CHECK_THAT(e, Contains(file.string()) &&
                      Contains(std::string("refused: the pickle names ") + c.name + ", not a NumPy array") &&
                      Contains("never executes a pickle"));
    CHECK(!fs::exists(marker));
    // The pickle really is hostile: Python's own pickle.load runs the command.
    CHECK(writer("load " + q(file)) == 0);
    CHECK(fs::exists(marker));
  }
  // The classic protocol-0 payload, by hand: refused at its first opcode.
  const fs::path file = dir / "classic.pkl";
  nndl::write_raw(file, concat({}, "cos\nsystem\n(S'touch " + (dir / "pwned-classic").string() + "'\ntR."));
  CHECK_THROWS_WITH(nndl::read_pickle(file), Contains(file.string()) &&
                                                 Contains("refused: the pickle names os.system") &&
                                                 Contains("(opcode GLOBAL at byte 0)"));
  CHECK(!fs::exists(dir / "pwned-classic"));
}

TEST_CASE("pickles that are not the book's layout are refused, naming the set and the problem", "[pickle][python]") {
  if (!test_support::numpy_or_warn("refusing wrong layouts written by Python")) return;
  temp_dir dir("pickle");
  CHECK_THAT(tiny_error(dir, "2", "label10"),
             Contains("the validation set: label out of range: label 10 at index 1, expected 0 to 9"));
  CHECK_THAT(tiny_error(dir, "5", "label-1"), Contains("the test set: label out of range: label -1 at index 0"));
  CHECK_THAT(tiny_error(dir, "py2", "features783"),
             Contains("the training set: the images have shape 3 x 783, expected N x 784"));
  CHECK_THAT(tiny_error(dir, "4", "counts"), Contains("the validation set: 2 images but 1 labels"));
  CHECK_THAT(tiny_error(dir, "4", "pixel2"), Contains("the training set: pixel 5 of image 1 is 2, outside [0, 1]"));
  CHECK_THAT(tiny_error(dir, "4", "nan"), Contains("pixel 0 of image 0 is nan"));
  CHECK_THAT(tiny_error(dir, "4", "two-sets"),
             Contains("expected the book's layout") && Contains("the pickle holds a tuple of 2 items"));
  CHECK_THAT(tiny_error(dir, "4", "list"),
             Contains("refused: an opcode the book's data file does not use") && Contains("EMPTY_LIST"));
  CHECK_THAT(tiny_error(dir, "2", "object-labels"), Contains("refused: dtype 'O8'"));
  CHECK_THAT(tiny_error(dir, "4", "deep"), Contains("tuples nested more than 16 deep"));
  // Arrays whose shape claims one row more than their data: _reconstruct + BUILD, and _frombuffer.
  for (const char* form : {"py2", "4", "5"}) {
    INFO("form " << form);
    CHECK_THAT(tiny_error(dir, form, "lie"),
               Contains("array size does not match: shape 4 x 784 of float32 needs 12544 bytes, "
                        "the data has 9408"));
  }
}

TEST_CASE("the unpickler's plain values, opcode by opcode", "[pickle]") {
  temp_dir dir("pickle");
  const fs::path file = dir / "values.pkl";
  // MARK, BININT1 7, BININT2 0x1234, BININT -1, LONG1 -32768, NONE, NEWTRUE, NEWFALSE, INT 01 (True),
  // INT -5, SHORT_BINBYTES "ab", BINPUT 3, SHORT_BINUNICODE "t", BINGET 3, EMPTY_TUPLE, TUPLE.
  nndl::write_raw(file, bytes{0x80, 2,    '(',  'K', 7,    'M',  0x34, 0x12, 'J', 0xff, 0xff, 0xff, 0xff, 0x8a,
                              2,    0x00, 0x80, 'N', 0x88, 0x89, 'I',  '0',  '1', '\n', 'I',  '-',  '5',  '\n',
                              'C',  2,    'a',  'b', 'q',  3,    0x8c, 1,    't', 'h',  3,    ')',  't',  '.'});
  const auto v = nndl::read_pickle(file);
  REQUIRE(v->t == ptype::tuple);
  REQUIRE(v->items.size() == 13);
  const auto& i = v->items;
  CHECK(i[0]->integer == 7);
  CHECK(i[1]->integer == 0x1234);
  CHECK(i[2]->integer == -1);
  CHECK(i[3]->integer == -32768);
  CHECK(i[4]->t == ptype::none);
  CHECK((i[5]->t == ptype::boolean && i[5]->integer == 1));
  CHECK((i[6]->t == ptype::boolean && i[6]->integer == 0));
  CHECK((i[7]->t == ptype::boolean && i[7]->integer == 1));
  CHECK(i[8]->integer == -5);
  CHECK((i[9]->t == ptype::bytes && i[9]->text() == "ab"));
  CHECK((i[10]->t == ptype::text && i[10]->text() == "t"));
  CHECK(i[11] == i[9]);  // BINGET gives the memoized value itself
  CHECK((i[12]->t == ptype::tuple && i[12]->items.empty()));
  CHECK(nndl::describe(*v) == "a tuple of 13 items");
}

TEST_CASE("broken pickles: each problem named with the file and the opcode's place", "[pickle]") {
  temp_dir dir("pickle");
  const fs::path p = dir / "broken.pkl";
  auto error = [&](const bytes& b) {
    nndl::write_raw(p, b);
    return error_of([&] { nndl::read_pickle(p); });
  };
  using bv = bytes;
  CHECK_THAT(error(bv{0x80, 2, 0xFF, '.'}),
             Contains(p.string()) && Contains("unknown opcode") && Contains("0xFF at byte 2"));
  CHECK_THAT(error(bv{0x80, 2, '}', '.'}), Contains("refused: an opcode the book's data file does not use") &&
                                               Contains("(opcode EMPTY_DICT at byte 2)"));
  CHECK_THAT(error(bv{0x80, 2, 'i', 'o', 's', '\n'}), Contains("refused") && Contains("INST at byte 2"));
  CHECK_THAT(error(bv{0x80, 6, 'N', '.'}), Contains("pickle protocol 6: nndl reads protocols 1 to 5"));
  CHECK_THAT(error(bv{}), Contains(p.string()) && Contains("empty file: not a pickle"));
  CHECK_THAT(error(bv{0x80, 2, 'N'}), Contains("truncated: the pickle ends at byte 3, before its STOP opcode"));
  CHECK_THAT(
      error(bv{0x80, 3, 'B', 10, 0, 0, 0, 'a', 'b', 'c'}),
      Contains("truncated: the string declares 10 bytes, the file ends after 3") && Contains("BINBYTES at byte 2"));
  CHECK_THAT(error(bv{0x80, 2, 'J', 1}), Contains("truncated: the file ends inside the opcode's argument"));
  CHECK_THAT(error(bv{0x80, 2, 'N', '.', 'x', 'y'}),
             Contains("trailing bytes: 2 bytes after the STOP opcode at byte 3"));
  CHECK_THAT(error(bv{0x80, 2, 0x86, '.'}), Contains("stack underflow: no value") && Contains("TUPLE2 at byte 2"));
  CHECK_THAT(error(bv{0x80, 2, 'N', '(', 0x85, '.'}), Contains("stack underflow: no value above the MARK"));
  CHECK_THAT(error(bv{0x80, 2, 'N', 't', '.'}), Contains("TUPLE without a MARK"));
  CHECK_THAT(error(bv{0x80, 2, '(', 'N', '.'}), Contains("STOP inside a MARK that no TUPLE closed"));
  CHECK_THAT(error(bv{0x80, 2, 'N', 'N', '.'}), Contains("STOP leaves 2 values, a pickle leaves one"));
  CHECK_THAT(error(bv{0x80, 2, 'h', 5, '.'}), Contains("memo entry 5 is read before it is stored"));
  CHECK_THAT(error(bv{0x80, 2, 0x8a, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, '.'}),
             Contains("an integer of 9 bytes, more than 64 bits"));
  CHECK_THAT(error(bv{0x80, 2, 'T', 0xff, 0xff, 0xff, 0xff, '.'}), Contains("a string of negative length -1"));
  CHECK_THAT(error(concat({0x80, 2}, std::string(100, '('))), Contains("MARKs nested more than 16 deep"));
  bytes deep{0x80, 2, ')'};  // EMPTY_TUPLE, then TUPLE1 twenty times: (((((),),),),...)
  deep.insert(deep.end(), 20, 0x85);
  CHECK_THAT(error(deep), Contains("tuples nested more than 16 deep"));
  CHECK_THAT(error(bv{0x80, 4, 'K', 1, 'K', 2, 0x93, '.'}),
             Contains("STACK_GLOBAL with the integer 1 and the integer 2, not two strings"));
  CHECK_THAT(error(bv{0x80, 2, 'N', ')', 'R', '.'}), Contains("REDUCE on None, not a callable"));
  CHECK_THAT(error(bv{0x80, 2, ')', ')', 'b', '.'}), Contains("refused: BUILD on a tuple of 0 items"));
  CHECK_THAT(error(concat({0x80, 2}, "cnumpy.core.multiarray\n_reconstruct\n)R.")),
             Contains("refused: numpy.core.multiarray._reconstruct called with a tuple of 0 items that are not "
                      "(numpy.ndarray, shape, typecode)"));
  CHECK_THAT(error(concat({0x80, 2}, "cnumpy\nndarray\n)R.")), Contains("refused: REDUCE on numpy.ndarray"));
  CHECK_THAT(error(concat({0x80, 2}, "cnumpy\ndtype\nX\x02\0\0\0O8K\0K\x01\x87R."s)), Contains("refused: dtype 'O8'"));
  // _codecs.encode('\u20ac', 'latin1'): a character that latin-1 does not have.
  CHECK_THAT(error(concat({0x80, 2}, "c_codecs\nencode\nX\x03\0\0\0\xe2\x82\xacX\x06\0\0\0latin1\x86R."s)),
             Contains("latin-1 data holding a character above U+00FF"));
  CHECK_THAT(error(concat({0x80, 2}, "c" + std::string(300, 'a') + "\n")),
             Contains("a text argument longer than 256 bytes"));
  // FRAME (protocol 4): an opcode may not run past its frame, and frames may not overlap.
  CHECK_THAT(error(bv{0x80, 4, 0x95, 3, 0, 0, 0, 0, 0, 0, 0, 'C', 5, 'a', 'b', 'c', 'd', 'e', '.'}),
             Contains("the opcode runs past the end of its FRAME"));
  CHECK_THAT(error(bv{0x80, 4, 0x95, 12, 0, 0, 0, 0, 0, 0, 0, 'N', 0x95, 1, 0, 0, 0, 0, 0, 0, 0, '.'}),
             Contains("a FRAME starts before the previous frame ends"));
  nndl::write_raw(p, bv{0x80, 4, 0x95, 2, 0, 0, 0, 0, 0, 0, 0, 'N', '.'});
  CHECK(nndl::read_pickle(p)->t == ptype::none);
  // Missing file, a folder, a cut or corrupt gzip stream.
  CHECK_THAT(error_of([&] { nndl::read_pickle(dir / "nope.pkl.gz"); }),
             Contains("nope.pkl.gz") && Contains("no such file"));
  CHECK_THAT(error_of([&] { nndl::read_pickle(dir.path); }), Contains("is a directory"));
  const fs::path gz = dir / "cut.pkl.gz";
  bytes big{0x80, 3, 'B', 0xa0, 0x86, 0x01, 0};  // BINBYTES of 100000 bytes
  for (int k = 0; k < 100000; ++k) big.push_back(static_cast<std::uint8_t>(k * 7 + k / 251));
  big.push_back('.');
  nndl::write_raw(gz, big);
  CHECK(nndl::read_pickle(gz)->bytes->size() == 100000);
  bytes z = slurp(gz);
  z.resize(z.size() / 2);
  spit(gz, z);
  CHECK_THAT(error_of([&] { nndl::read_pickle(gz); }),
             Contains(gz.string()) && Contains("truncated") && Contains("the gzip stream ends early"));
}

TEST_CASE("memory is bounded: limits are checked before allocating, buffers grow as data arrives", "[pickle]") {
  temp_dir dir("pickle");
  const fs::path p = dir / "lie.pkl";
  // BINBYTES8 declaring 2^40 bytes with three present: refused before any allocation.
  nndl::write_raw(p, bytes{0x80, 4, 0x8e, 0, 0, 0, 0, 0, 1, 0, 0, 'a', 'b', 'c'});
  largest_alloc = 0;
  CHECK_THROWS_WITH(
      nndl::read_pickle(p),
      Contains(p.string()) && Contains("a string of 1099511627776 bytes would take the pickle's data past "
                                       "the limit of 1073741824 bytes"));
  CHECK(largest_alloc < (std::size_t{1} << 20));
  // Declaring exactly the limit (1 GiB) with ten bytes present: truncated, after a reservation of at most 64 MiB.
  nndl::write_raw(p, bytes{0x80, 4, 0x96, 0, 0, 0, 0x40, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  largest_alloc = 0;
  CHECK_THROWS_WITH(nndl::read_pickle(p),
                    Contains("truncated: the string declares 1073741824 bytes, the file ends after 10"));
  CHECK(largest_alloc <= (std::size_t{64} << 20));
  // An array shape whose element count passes the limit.
  nndl::write_raw(p, concat({0x80, 2}, "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\0\x85U\x01"
                                       "b\x87R"
                                       "(K\x01J\0\0\0\x40J\0\0\0\x40\x86"
                                       "cnumpy\ndtype\nU\x02"
                                       "f4K\0K\x01\x87R"
                                       "\x89U\0tb."s));
  CHECK_THROWS_WITH(nndl::read_pickle(p), Contains("absurd array shape: more than 1073741824 elements"));
  // The limits are parameters.
  nndl::write_raw(p, bytes{0x80, 3, 'B', 100, 0, 0, 0});
  CHECK_THROWS_WITH(nndl::read_pickle(p, {.max_bytes = 99}), Contains("past the limit of 99 bytes"));
  nndl::write_raw(p, concat({0x80, 2, '('}, std::string(20, 'N') + "t."));
  CHECK(nndl::read_pickle(p)->items.size() == 20);
  CHECK_THROWS_WITH(nndl::read_pickle(p, {.max_opcodes = 10}), Contains("more than 10 opcodes"));
  CHECK_THROWS_WITH(nndl::read_pickle(p, {.max_depth = 0}), Contains("MARKs nested more than 0 deep"));
}

TEST_CASE("the --data flag and NNDL_DATA take the book's pickle: the file itself or a folder holding it",
          "[pickle][python][data]") {
  if (!test_support::numpy_or_warn("the book's pickle as a data place")) return;
  temp_dir dir("pickle-place");
  const fs::path folder = dir / "book";
  fs::create_directories(folder);
  REQUIRE(writer("tiny " + q(folder / "mnist.pkl.gz") + " py2 plain") == 0);
  CHECK(nndl::find_data_dir(folder) == folder);
  CHECK(nndl::find_data_dir(folder / "mnist.pkl.gz") == folder / "mnist.pkl.gz");
  check_tiny(nndl::load_mnist<double>(folder, 3));
  check_tiny(nndl::load_mnist<double>(folder / "mnist.pkl.gz", 3));
  CHECK_THAT(error_of([&] { nndl::load_mnist<double>(folder); }), Contains("fixes the split at 3 training images"));
  CHECK_THAT(error_of([&] { nndl::find_data_dir(dir / "nothing-here"); }),
             Contains("nothing-here") && Contains("mnist.pkl.gz"));
}
