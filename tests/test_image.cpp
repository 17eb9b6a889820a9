// Image files to network inputs (nndl/data/image.hpp): each preprocessing step on synthetic images,
// broken files, and real MNIST test digits written as PNG and JPEG (also dark-on-light, off-centre
// and larger) that a trained network must classify as it classifies the digits in memory.
#include <catch2/catch.hpp>

#include <nndl/data/image.hpp>
#include <nndl/data/mnist.hpp>
#include <nndl/network.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <numeric>

#include "support.hpp"

namespace fs = std::filesystem;

namespace {

void write_bytes(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }
std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// An 8-bit image written with stb_image_write: PNG, JPEG (quality 95) or BMP by extension.
void write_image(const fs::path& p, const nndl::gray_image& g) {
  std::vector<unsigned char> px(g.pixels.size());
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(std::lround(255 * g.pixels[i]));
  const int w = int(g.width), h = int(g.height);
  int ok = 0;
  if (p.extension() == ".png") ok = stbi_write_png(p.c_str(), w, h, 1, px.data(), w);
  if (p.extension() == ".jpg") ok = stbi_write_jpg(p.c_str(), w, h, 1, px.data(), 95);
  if (p.extension() == ".bmp") ok = stbi_write_bmp(p.c_str(), w, h, 1, px.data());
  REQUIRE(ok);
}

/// A binary PGM (P5), written by hand.
void write_pgm(const fs::path& p, const nndl::gray_image& g) {
  std::string s = "P5\n# test\n" + std::to_string(g.width) + " " + std::to_string(g.height) + "\n255\n";
  for (float v : g.pixels) s += char(static_cast<unsigned char>(std::lround(255 * v)));
  write_bytes(p, s);
}

/// The same image as good.png, good.jpg, good.bmp and good.pgm in `dir`.
constexpr const char* good_files[] = {"good.png", "good.jpg", "good.bmp", "good.pgm"};
void write_good_files(const fs::path& dir, const nndl::gray_image& g) {
  write_image(dir / "good.png", g);
  write_image(dir / "good.jpg", g);
  write_image(dir / "good.bmp", g);
  write_pgm(dir / "good.pgm", g);
}

nndl::gray_image digit_image(const double* row) {
  nndl::gray_image g(28, 28);
  for (std::size_t i = 0; i < 784; ++i) g.pixels[i] = float(row[i]);
  return g;
}
nndl::gray_image inverted(nndl::gray_image g) {
  for (float& v : g.pixels) v = 1 - v;
  return g;
}
/// The digit at (x, y) in a larger black canvas.
nndl::gray_image placed(const nndl::gray_image& g, std::size_t w, std::size_t h, std::size_t x, std::size_t y) {
  nndl::gray_image out(w, h);
  for (std::size_t r = 0; r < g.height; ++r)
    for (std::size_t c = 0; c < g.width; ++c) out.at(x + c, y + r) = g.at(c, r);
  return out;
}
/// Each pixel repeated k x k times.
nndl::gray_image enlarged(const nndl::gray_image& g, std::size_t k) {
  nndl::gray_image out(g.width * k, g.height * k);
  for (std::size_t y = 0; y < out.height; ++y)
    for (std::size_t x = 0; x < out.width; ++x) out.at(x, y) = g.at(x / k, y / k);
  return out;
}

double com_distance(const std::array<float, 784>& x) {  // distance of the centre of mass from (14, 14)
  double m = 0, cx = 0, cy = 0;
  for (std::size_t i = 0; i < 784; ++i) m += x[i], cx += double(i % 28) * x[i], cy += double(i / 28) * x[i];
  return std::hypot(cx / m - 14, cy / m - 14);
}

}  // namespace

TEST_CASE("grayscale: luma of RGB, gray+alpha over white", "[image]") {
  const unsigned char rgb[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  const auto g = nndl::to_grayscale(rgb, 4, 1, 3);
  CHECK(g.pixels[0] == Approx(0.299).epsilon(1e-3));
  CHECK(g.pixels[1] == Approx(0.587).epsilon(1e-3));
  CHECK(g.pixels[2] == Approx(0.114).epsilon(1e-3));
  CHECK(g.pixels[3] == Approx(1.0));
  const unsigned char ga[] = {0, 0, 0, 255, 0, 128};  // transparent black is white paper
  const auto h = nndl::to_grayscale(ga, 3, 1, 2);
  CHECK(h.pixels[0] == Approx(1.0));
  CHECK(h.pixels[1] == Approx(0.0));
  CHECK(h.pixels[2] == Approx(127.0 / 255).epsilon(0.01));
}

TEST_CASE("background: a light background is inverted and stretched to 0, ink to 1", "[image]") {
  nndl::gray_image g(10, 10, 0.8f);      // grey paper
  g.at(4, 4) = 0.2f, g.at(5, 5) = 0.5f;  // dark ink
  nndl::preprocess_steps s;
  nndl::to_ink_on_black(g, &s);
  CHECK(s.inverted);
  CHECK(g.at(0, 0) == 0.0f);
  CHECK(g.at(4, 4) == Approx(1.0));
  CHECK(g.at(5, 5) == Approx(0.5).margin(1e-5));
  nndl::gray_image dark(10, 10, 0.0f);
  dark.at(3, 3) = 0.7f;
  nndl::to_ink_on_black(dark, &s);
  CHECK_FALSE(s.inverted);
  CHECK(dark.at(3, 3) == Approx(1.0));
}

TEST_CASE("crop, fit into 20x20 and centre by mass", "[image]") {
  nndl::gray_image g(50, 40);
  for (std::size_t y = 10; y < 30; ++y)  // a 5 x 20 bar
    for (std::size_t x = 7; x < 12; ++x) g.at(x, y) = 1;
  const auto box = nndl::ink_box(g);
  CHECK(box.x == 7);
  CHECK(box.y == 10);
  CHECK(box.width == 5);
  CHECK(box.height == 20);
  const auto c = nndl::crop_to_ink(g);
  CHECK(c.width == 5);
  CHECK(c.height == 20);
  // larger: 10 x 40 -> 5 x 20 by area averaging keeps the values; smaller: 2 x 8 -> 5 x 20
  const auto big = nndl::fit_box(nndl::gray_image(10, 40, 1.0f), 20);
  CHECK(big.width == 5);
  CHECK(big.height == 20);
  CHECK(*std::min_element(big.pixels.begin(), big.pixels.end()) == Approx(1.0));
  const auto small = nndl::fit_box(nndl::gray_image(2, 8, 0.5f), 20);
  CHECK(small.width == 5);
  CHECK(small.height == 20);
  CHECK(small.pixels[7] == Approx(0.5));
  // a 2x2 checkerboard averaged down to one pixel is grey
  nndl::gray_image chk(40, 40);
  for (std::size_t i = 0; i < chk.pixels.size(); ++i) chk.pixels[i] = float(((i % 40) + (i / 40)) % 2);
  const auto avg = nndl::fit_box(chk, 20);
  CHECK(avg.pixels[0] == Approx(0.5));
  nndl::preprocess_steps s;
  const auto field = nndl::center_by_mass(c, 28, &s);
  CHECK(field.width == 28);
  CHECK(s.offset_x == 12);  // centre of mass x = 2 -> 14
  CHECK(s.offset_y == 5);   // y = 9.5: offset 14 - 9.5 = 4.5, rounded away from zero
  const auto x = nndl::mnist_preprocess(g);
  CHECK(com_distance(x) <= 0.71);
  CHECK(*std::max_element(x.begin(), x.end()) <= 1.0f);
  CHECK(*std::min_element(x.begin(), x.end()) >= 0.0f);
  CHECK_THROWS_AS(nndl::mnist_preprocess(nndl::gray_image(28, 28, 1.0f)), nndl::image_error);  // blank paper
}

TEST_CASE("broken image files give image_error naming the file and the problem", "[image]") {
  test_support::temp_dir dir("image");
  nndl::gray_image g(30, 30);
  for (std::size_t i = 100; i < 400; ++i) g.pixels[i] = 1;
  write_good_files(dir.path, g);
  for (const char* f : good_files) {
    INFO(f);
    CHECK_NOTHROW(nndl::mnist_preprocess_file(dir / f));
  }
  const std::string png = read_bytes(dir / "good.png"), jpg = read_bytes(dir / "good.jpg"),
                    bmp = read_bytes(dir / "good.bmp"), pgm = read_bytes(dir / "good.pgm");
  write_bytes(dir / "empty.png", "");
  write_bytes(dir / "text.png", "hello, this is not an image\n");
  write_bytes(dir / "cut.png", png.substr(0, png.size() / 2));
  write_bytes(dir / "cut.jpg", jpg.substr(0, jpg.size() / 2));
  write_bytes(dir / "cut.bmp", bmp.substr(0, bmp.size() - 40));
  write_bytes(dir / "cut.pgm", pgm.substr(0, pgm.size() - 10));
  std::string corrupt = png;
  for (std::size_t i = 40; i < corrupt.size() - 20; ++i) corrupt[i] = char(0x5A ^ corrupt[i]);  // garbled data
  write_bytes(dir / "corrupt.png", corrupt);
  write_bytes(dir / "header.png", png.substr(0, 12));
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"empty.png", "empty file"},   {"text.png", "not an image"}, {"cut.png", "truncated PNG"},
      {"cut.jpg", "truncated JPEG"}, {"cut.bmp", "truncated BMP"}, {"cut.pgm", "truncated PGM"},
      {"corrupt.png", "PNG"},        {"header.png", "PNG"},        {"missing.png", "no such file"}};
  for (const auto& [f, why] : cases) {
    INFO(f);
    try {
      nndl::mnist_preprocess_file(dir / f);
      FAIL("no error for " << f);
    } catch (const nndl::image_error& e) {
      const std::string msg = e.what();
      CHECK(msg.find((dir / f).string()) != std::string::npos);
      CHECK(msg.find(why) != std::string::npos);
    }
  }
  CHECK_THROWS_AS(nndl::read_image(dir.path), nndl::image_error);  // a folder
}

TEST_CASE("decode_image: bytes in memory decode as the file does, with the same checks", "[image]") {
  test_support::temp_dir dir("image-memory");
  nndl::gray_image g(30, 20);
  for (std::size_t i = 100; i < 400; ++i) g.pixels[i] = float(i % 7) / 6.0f;
  write_good_files(dir.path, g);
  for (const char* f : good_files) {
    INFO(f);
    const auto from_file = nndl::read_image(dir / f);
    const auto from_bytes = nndl::decode_image(read_bytes(dir / f), "upload");
    CHECK(from_bytes.width == 30);
    CHECK(from_bytes.height == 20);
    CHECK(from_bytes.pixels == from_file.pixels);
  }
  const std::string png = read_bytes(dir / "good.png");
  const std::vector<std::pair<std::string, const char*>> cases = {
      {"", "empty file"},
      {"hello, this is not an image\n", "not an image in a supported format"},
      {png.substr(0, png.size() / 2), "truncated PNG"},
      {png.substr(0, 12), "PNG"},
      {"P2\n2 2\n255\n0 0 0 0\n", "ASCII PGM (P2) is not supported"}};
  for (const auto& [bytes, why] : cases) {
    INFO(why);
    try {
      nndl::decode_image(bytes, "upload");
      FAIL("no error");
    } catch (const nndl::image_error& e) {
      CHECK(e.file() == "upload");
      CHECK(std::string(e.what()).find("upload") != std::string::npos);
      CHECK(e.problem().find(why) != std::string::npos);
    }
  }
  // The pixel limit is checked from the header: 30 x 20 = 600 pixels.
  CHECK_THROWS_WITH(nndl::decode_image(png, "upload", 599),
                    Catch::Contains("PNG of 30 x 20 pixels is too large (limit 599 pixels)"));
  CHECK(nndl::decode_image(png, "upload", 600).width == 30);
  CHECK_THROWS_WITH(nndl::read_image(dir / "good.png", 599), Catch::Contains("too large (limit 599 pixels)"));
  // A huge image, refused before its pixels are decoded: a PGM header that claims 10000 x 10000.
  const std::string huge = "P5\n10000 10000\n255\n" + std::string(16, '\0');
  CHECK_THROWS_WITH(nndl::decode_image(huge, "upload"),
                    Catch::Contains("10000 x 10000 pixels is too large (limit " +
                                    std::to_string(nndl::max_image_pixels) + " pixels)"));
}

TEST_CASE("png_bytes encodes the PNG save_png writes", "[image]") {
  test_support::temp_dir dir("image-png");
  std::array<float, 784> x{};
  for (std::size_t i = 0; i < 784; ++i) x[i] = float(i % 28) / 27.0f;
  nndl::save_png(dir / "x.png", nndl::as_image(x));
  const auto bytes = nndl::png_bytes(nndl::as_image(x));
  CHECK(std::string(bytes.begin(), bytes.end()) == read_bytes(dir / "x.png"));
  const auto back = nndl::decode_image(bytes, "memory");
  REQUIRE(back.pixels.size() == 784);
  for (std::size_t i = 0; i < 784; ++i) CHECK(back.pixels[i] == Approx(x[i]).margin(0.5 / 255));
  CHECK_THROWS_AS(nndl::png_bytes(nndl::gray_image{}), nndl::image_error);
}

TEST_CASE("save_png writes a 28x28 PNG atomically that reads back", "[image]") {
  test_support::temp_dir dir("image");
  std::array<float, 784> x{};
  for (std::size_t i = 0; i < 784; ++i) x[i] = float(i % 28) / 27.0f;
  nndl::save_png(dir / "x.png", nndl::as_image(x));
  const auto g = nndl::read_image(dir / "x.png");
  CHECK(g.width == 28);
  CHECK(g.height == 28);
  CHECK(g.pixels[27] == Approx(1.0));
  CHECK(g.pixels[28 * 5 + 14] == Approx(14.0 / 27).margin(1.0 / 255));
  std::size_t others = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) others += e.path().filename() != "x.png";
  CHECK(others == 0);  // no temporary file left
  CHECK_THROWS_AS(nndl::save_png(dir / "no-such-folder" / "x.png", nndl::as_image(x)), nndl::image_error);
}

TEST_CASE("MNIST test digits written as image files are classified as in memory", "[image][mnist]") {
  const auto mnist = test_support::mnist_dir_or_warn("MNIST digits as image files");
  if (!mnist) return;
  const char* env = mnist->c_str();
  INFO("MNIST folder: " << env);
  const auto data = nndl::load_mnist<double>(env);
  nndl::network<double, nndl::input<784>, nndl::dense<100, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                nndl::cross_entropy_cost, nndl::default_weight_init>
      net{1};
  nndl::sgd(net, data.training.slice(0, 20000), {.epochs = 3, .mini_batch = 10, .eta = 0.5, .verbose = false});
  REQUIRE(net.evaluate(data.test) >= 9300);

  test_support::temp_dir dir("image-mnist");
  constexpr std::size_t n = 100;
  std::size_t memory_correct = 0;
  std::map<std::string, std::size_t> agree, correct;
  const std::vector<std::string> variants = {
      "png", "jpg", "dark-on-light.png", "off-centre.png", "larger.png", "larger-dark.jpg", "pgm", "bmp"};
  double worst_com = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double* row = data.test.row(i);
    const std::size_t label = data.test.labels[i];
    const std::size_t in_memory = net.predict(row);
    memory_correct += in_memory == label;
    const auto g = digit_image(row);
    const std::string stem = "d" + std::to_string(i) + "-";
    write_image(dir / (stem + "png.png"), g);
    write_image(dir / (stem + "jpg.jpg"), g);
    write_image(dir / (stem + "dark-on-light.png.png"), inverted(g));
    write_image(dir / (stem + "off-centre.png.png"), placed(g, 70, 50, 3 + i % 37, 2 + i % 19));
    write_image(dir / (stem + "larger.png.png"), enlarged(g, 3));
    write_image(dir / (stem + "larger-dark.jpg.jpg"), inverted(enlarged(g, 4)));
    write_pgm(dir / (stem + "pgm.pgm"), g);
    write_image(dir / (stem + "bmp.bmp"), g);
    for (const auto& v : variants) {
      const std::string ext = v.substr(v.rfind('.') == std::string::npos ? 0 : v.rfind('.') + 1);
      const fs::path f = dir / (stem + v + "." + (ext == v ? v : ext));
      const auto x = nndl::mnist_preprocess_file(f);
      worst_com = std::max(worst_com, com_distance(x));
      std::array<double, 784> xd;
      std::copy(x.begin(), x.end(), xd.begin());
      const std::size_t p = net.predict(xd.data());
      agree[v] += p == in_memory;
      correct[v] += p == label;
    }
  }
  INFO("in memory: " << memory_correct << " / " << n << " correct");
  for (const auto& v : variants) {
    INFO(v << ": " << agree[v] << " / " << n << " agree with the in-memory prediction, " << correct[v] << " correct");
    // Lossless files of the digit as it is (PNG, PGM, BMP; inverted; moved) give back MNIST's own
    // pixels: every prediction agrees. JPEG and the 3x/4x enlarged copies pass through lossy steps.
    const bool exact = v == "png" || v == "pgm" || v == "bmp" || v == "dark-on-light.png" || v == "off-centre.png";
    CHECK(agree[v] >= (exact ? n : n * 95 / 100));
    CHECK(correct[v] + 3 >= memory_correct);
  }
  CHECK(worst_com <= 0.75);  // the centre of mass lands on (14, 14) to within rounding
}

TEST_CASE("a PNG chunk that claims more bytes than the file has is refused before decoding", "[image][hostile]") {
  // Found by fuzz_image: 110 bytes whose IDAT chunk claims 1,313,275,957 bytes; stb_image reserved
  // that much memory for it before finding the data missing.
  const fs::path found = fs::path(NNDL_SOURCE_DIR) / "fuzz/corpus/fuzz_image/idat-claims-1.3GB.png";
  REQUIRE(fs::file_size(found) == 110);
  CHECK_THROWS_WITH(nndl::read_image(found),
                    Catch::Contains(found.string()) &&
                        Catch::Contains("truncated PNG: chunk IDAT at byte 33 claims 1313275957 bytes"));
  // The same claim in a PNG that nndl wrote.
  test_support::temp_dir dir("image-claim");
  nndl::save_png(dir / "good.png", nndl::gray_image(4, 4, 0.5f));
  std::string png = read_bytes(dir / "good.png");
  const auto idat = png.find("IDAT");
  REQUIRE(idat != std::string::npos);
  png.replace(idat - 4, 4, std::string("\x40\x00\x00\x00", 4));  // 1 GiB
  std::ofstream(dir / "claims.png", std::ios::binary) << png;
  CHECK_THROWS_WITH(nndl::read_image(dir / "claims.png"),
                    Catch::Contains("chunk IDAT") && Catch::Contains("claims 1073741824 bytes"));
  CHECK(nndl::read_image(dir / "good.png").width == 4);
}
