// MD5 (nndl/detail/md5.hpp): the test suite of RFC 1321 (appendix A.5), input fed in pieces of any
// size, and the sums of the MNIST files in data/mnist against md5sum's and the published ones.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nndl/detail/md5.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

std::string md5_of(std::string_view s) {
  nndl::detail::md5 h;
  h.update(s);
  return h.hex();
}

/// What the md5sum program says of a file (its first 32 characters), or "" when it cannot run.
std::string md5sum_program(const fs::path& file) {
  std::FILE* p = ::popen(("md5sum '" + file.string() + "' 2>/dev/null").c_str(), "r");
  if (!p) return "";
  char buf[33] = {};
  const std::size_t n = std::fread(buf, 1, 32, p);
  ::pclose(p);
  return n == 32 ? std::string(buf, 32) : "";
}

}  // namespace

TEST_CASE("md5 gives the RFC 1321 test suite's digests", "[md5]") {
  CHECK(md5_of("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_of("a") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(md5_of("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5_of("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(md5_of("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(md5_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(md5_of("1234567890123456789012345678901234567890"
               "1234567890123456789012345678901234567890") == "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("md5 of input fed in pieces equals md5 of the whole, at every padding length", "[md5]") {
  // Lengths around the 56- and 64-byte boundaries exercise both padding cases.
  std::string all;
  for (int i = 0; i < 300; ++i) all += static_cast<char>((i * 37 + 11) & 0xFF);
  for (std::size_t len : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 121u, 128u, 300u}) {
    const std::string s = all.substr(0, len);
    const std::string whole = md5_of(s);
    for (std::size_t piece : {1u, 3u, 63u, 64u, 65u}) {
      nndl::detail::md5 h;
      for (std::size_t i = 0; i < s.size(); i += piece) h.update(std::string_view(s).substr(i, piece));
      INFO("length " << len << ", pieces of " << piece);
      CHECK(h.hex() == whole);
    }
  }
  // One known value with more than one block, so the pieces above are compared with a right answer.
  CHECK(md5_of(std::string(1000, 'a')) == "cabe45dcc9ae5b66ba86600cca6b8ba8");
}

TEST_CASE("md5_file agrees with md5sum and with the published sums on the shipped MNIST files", "[md5][mnist]") {
  const fs::path dir = fs::path(NNDL_SOURCE_DIR) / "data" / "mnist";
  std::ifstream sums(dir / "MD5SUMS");
  REQUIRE(sums);
  std::string line;
  int files = 0;
  const bool have_md5sum = !md5sum_program(dir / "MD5SUMS").empty();
  if (!have_md5sum) WARN("md5sum did not run: the files were compared with MD5SUMS only");
  while (std::getline(sums, line)) {
    std::istringstream in(line);
    std::string want, name;
    REQUIRE(in >> want >> name);
    INFO(name);
    const std::string got = nndl::detail::md5_file(dir / name);
    CHECK(got == want);
    if (have_md5sum) CHECK(got == md5sum_program(dir / name));
    ++files;
  }
  CHECK(files == 4);
  CHECK_THROWS_WITH(nndl::detail::md5_file(dir / "no-such-file"),
                    Contains((dir / "no-such-file").string()) && Contains("cannot open"));
}
