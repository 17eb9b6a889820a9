// Writes the seed corpora of the harnesses (fuzz/corpus/<harness>/): small valid files of each
// format, made by nndl's own writers, and a few broken ones. Run once after a format changes:
//   build/fuzz/fuzz/nndl_fuzz_seeds fuzz/corpus
#include <nndl/data/idx.hpp>
#include <nndl/data/image.hpp>
#include <nndl/io/checkpoint.hpp>
#include <nndl/io/mlp_npz.hpp>
#include <nndl/io/network2_json.hpp>
#include <nndl/network.hpp>

#include <stb/stb_image_write.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

namespace fs = std::filesystem;

namespace {
using sigmoid_net = nndl::network<double, nndl::input<4>, nndl::dense<3, nndl::sigmoid>, nndl::dense<2, nndl::sigmoid>,
                                  nndl::cross_entropy_cost>;
using softmax_net = nndl::network<float, nndl::input<4>, nndl::dense<3, nndl::relu>, nndl::dense<2, nndl::softmax>,
                                  nndl::log_likelihood_cost>;
using conv_net = nndl::network<float, nndl::input<1, 6, 6>, nndl::conv<2, 3, nndl::relu>, nndl::max_pool<2>,
                               nndl::dense<4, nndl::softmax>, nndl::log_likelihood_cost>;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write(const fs::path& p, const std::string& b) { std::ofstream(p, std::ios::binary) << b; }
void cut(const fs::path& from, const fs::path& to, std::size_t keep) { write(to, read(from).substr(0, keep)); }

/// A 12 x 12 digit-like stroke: a light ring on black.
std::vector<unsigned char> digit(std::size_t w, std::size_t h, bool light_background) {
  std::vector<unsigned char> px(w * h);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const double dx = double(x) - double(w) / 2, dy = double(y) - double(h) / 2, r = std::sqrt(dx * dx + dy * dy);
      const bool ink = r > double(w) / 5 && r < double(w) / 3;
      px[y * w + x] = (ink != light_background) ? 230 : 10;
    }
  return px;
}
}  // namespace

int main(int argc, char** argv) {
  const fs::path root = argc > 1 ? argv[1] : "fuzz/corpus";
  for (const char* h :
       {"fuzz_idx", "fuzz_image", "fuzz_json_model", "fuzz_npz_model", "fuzz_npy_header", "fuzz_checkpoint"})
    fs::create_directories(root / h);

  // IDX: labels (1-D), images (3-D) plain and gzip, 2-D features, and broken headers.
  {
    const auto d = root / "fuzz_idx";
    std::vector<std::uint8_t> labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    nndl::write_idx(d / "labels.idx", {10}, labels);
    std::vector<std::uint8_t> px(3 * 4 * 4);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = std::uint8_t(i * 37);
    nndl::write_idx(d / "images.idx", {3, 4, 4}, px);
    nndl::write_idx(d / "images.idx.gz", {3, 4, 4}, px);
    nndl::write_idx(d / "features.idx", {4, 12}, px);
    cut(d / "images.idx", d / "truncated.idx", 30);
    cut(d / "images.idx.gz", d / "truncated.idx.gz", 25);
    write(d / "bad-magic.idx", std::string("\x01\x02\x08\x01\x00\x00\x00\x01\x05", 9));
    write(d / "huge-claim.idx", std::string("\x00\x00\x08\x03\x7f\xff\xff\xff\x00\x00\x00\x1c\x00\x00\x00\x1c", 16));
    write(d / "float-type.idx", std::string("\x00\x00\x0d\x01\x00\x00\x00\x01\x00\x00\x00\x00", 12));
  }
  // Images: PNG (through save_png), BMP, JPEG, PGM, gray+alpha PNG, and cut or broken ones.
  {
    const auto d = root / "fuzz_image";
    nndl::gray_image g(12, 12);
    const auto px = digit(12, 12, false);
    for (std::size_t i = 0; i < px.size(); ++i) g.pixels[i] = px[i] / 255.0f;
    nndl::save_png(d / "digit.png", g);
    const auto light = digit(10, 14, true);
    stbi_write_bmp((d / "digit.bmp").c_str(), 10, 14, 1, light.data());
    stbi_write_jpg((d / "digit.jpg").c_str(), 10, 14, 1, light.data(), 80);
    std::vector<unsigned char> ga(8 * 8 * 2);
    for (std::size_t i = 0; i < 64; ++i) ga[2 * i] = (i % 9 == 0) ? 0 : 255, ga[2 * i + 1] = std::uint8_t(i * 4);
    stbi_write_png((d / "gray-alpha.png").c_str(), 8, 8, 2, ga.data(), 16);
    std::string pgm = "P5\n# a comment\n6 5\n255\n";
    for (int i = 0; i < 30; ++i) pgm += char(i % 7 == 0 ? 250 : 5);
    write(d / "digit.pgm", pgm);
    write(d / "blank.pgm", "P5 3 3 255 " + std::string(9, '\x80'));
    cut(d / "digit.png", d / "truncated.png", 40);
    cut(d / "digit.jpg", d / "truncated.jpg", 200);
    write(d / "not-an-image.txt", "hello");
  }
  // JSON models: nndl's files for both harness networks, a network2.py file, and broken ones.
  {
    const auto d = root / "fuzz_json_model";
    nndl::save_json(sigmoid_net{1}, d / "sigmoid.json");
    nndl::save_json(softmax_net{2}, d / "softmax.json");
    write(d / "network2.json", R"({"sizes": [4, 3, 2],
 "weights": [[[0.1, -0.2, 0.3, -0.4], [0.5, 0.25, -1.5, 2.0], [0.0, 1e-3, -7.25, 3.5]], [[1.0, -1.0, 0.5], [-0.125, 0.75, 2.5]]],
 "biases": [[[0.5], [-0.5], [1.0]], [0.0, -2.0]], "cost": "CrossEntropyCost"})");
    write(d / "nan.json", R"({"sizes": [4, 3, 2], "weights": [[[NaN]]], "biases": [], "cost": "CrossEntropyCost"})");
    write(d / "deep.json", "{\"sizes\": " + std::string(70, '[') + std::string(70, ']') + "}");
    write(d / "ragged.json",
          R"({"sizes": [4, 3, 2], "weights": [[[1, 2]], []], "biases": [[1], [2]], "cost": "CrossEntropyCost"})");
    cut(d / "sigmoid.json", d / "truncated.json", 100);
  }
  // .npz models and the .npy arrays inside them.
  {
    const auto d = root / "fuzz_npz_model";
    nndl::save_npz(sigmoid_net{1}, d / "sigmoid.npz");
    nndl::save_npz(softmax_net{2}, d / "softmax.npz");
    cut(d / "sigmoid.npz", d / "truncated.npz", 300);
    const auto n = root / "fuzz_npy_header";
    write(n / "f8-2d.npy", xt::dump_npy(xt::xtensor<double, 2>{{1, 2, 3}, {4, 5, 6}}));
    write(n / "f4-1d.npy", xt::dump_npy(xt::xtensor<float, 1>{0.5f, -1.5f}));
    write(n / "i8-1d.npy", xt::dump_npy(xt::xtensor<std::int64_t, 1>{784, 30, 10}));
    write(n / "u1-text.npy", nndl::detail::bytes_npy("[4, 3, 2] sigmoid/sigmoid, CrossEntropyCost"));
    write(n / "u8-1d.npy", xt::dump_npy(xt::xtensor<std::uint64_t, 1>{1, 2, 3, 4, 5, 6}));
    std::string v2("\x93NUMPY\x02\x00", 8);
    const std::string dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1), }";
    std::string header = dict + std::string(64 - (12 + dict.size() + 1) % 64, ' ') + "\n";
    v2 += char(header.size() & 0xFF), v2 += char(header.size() >> 8), v2 += '\0', v2 += '\0';
    v2 += header + std::string(16, '\x01');
    write(n / "f8-v2-fortran.npy", v2);
    write(n / "short.npy", std::string("\x93NUMPY\x01\x00\xff\xff{'descr'", 17));
  }
  // Checkpoints of a small convolutional network (fuzz_checkpoint's).
  {
    const auto d = root / "fuzz_checkpoint";
    conv_net net{1};
    nndl::save_checkpoint(net, d / "conv.ckpt.npz", {{"epochs_done", 3}, {"note", "seed"}});
    cut(d / "conv.ckpt.npz", d / "truncated.ckpt.npz", 500);
  }
  std::cout << "seeds written under " << root.string() << '\n';
}
