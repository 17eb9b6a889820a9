// MNIST digits as image files, plain or in the guises a user's own pictures come in (dark ink on
// white paper, off-centre on a larger canvas, scanned larger, JPEG): material for nndl-predict and
// nndl-serve, and for measuring how the preprocessing copes (scripts/guises.sh). Each file is named
// <index>-<label>.<ext>, so that a prediction can be scored from the name alone.
//   nndl-export-images --out digits/ --count 1000                   # test images 0..999 as PNG
//   nndl-export-images --out dark/ --guise dark-on-light --format jpg
#include <stb/stb_image_write.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2

#include <nndl/data/image.hpp>
#include <nndl/data/mnist.hpp>

namespace {

nndl::gray_image guise(const double* row, const std::string& how, std::size_t i) {
  nndl::gray_image g(28, 28);
  for (std::size_t p = 0; p < 784; ++p) g.pixels[p] = float(row[p]);
  auto invert = [](nndl::gray_image x) {
    for (float& v : x.pixels) v = 1 - v;
    return x;
  };
  auto enlarge = [](const nndl::gray_image& x, std::size_t k) {  // each pixel k x k times
    nndl::gray_image out(x.width * k, x.height * k);
    for (std::size_t y = 0; y < out.height; ++y)
      for (std::size_t c = 0; c < out.width; ++c) out.at(c, y) = x.at(c / k, y / k);
    return out;
  };
  if (how == "plain") return g;
  if (how == "dark-on-light") return invert(g);
  if (how == "larger") return enlarge(g, 3);
  if (how == "larger-dark") return invert(enlarge(g, 4));
  // off-centre: the digit somewhere on a 70 x 50 black canvas
  nndl::gray_image out(70, 50);
  const std::size_t x0 = 3 + i % 37, y0 = 2 + i % 19;
  for (std::size_t y = 0; y < 28; ++y)
    for (std::size_t c = 0; c < 28; ++c) out.at(x0 + c, y0 + y) = g.at(c, y);
  return out;
}

bool write(const std::filesystem::path& file, const nndl::gray_image& g, const std::string& format) {
  std::vector<unsigned char> px(g.pixels.size());
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(std::lround(255 * g.pixels[i]));
  const int w = int(g.width), h = int(g.height);
  if (format == "png") return stbi_write_png(file.c_str(), w, h, 1, px.data(), w) != 0;
  if (format == "jpg") return stbi_write_jpg(file.c_str(), w, h, 1, px.data(), 95) != 0;
  if (format == "bmp") return stbi_write_bmp(file.c_str(), w, h, 1, px.data()) != 0;
  std::string s = "P5\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";  // pgm
  s.append(px.begin(), px.end());
  std::FILE* f = std::fopen(file.c_str(), "wb");
  const bool ok = f && std::fwrite(s.data(), 1, s.size(), f) == s.size();
  return (f && std::fclose(f) == 0) && ok;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"Writes MNIST digits as image files named <index>-<label>.<ext>, plain or in a guise. Exit status: 0 "
               "written, 1 a file could not be written, 2 bad data or arguments."};
  std::string data, split = "test", out, how = "plain", format = "png";
  std::size_t first = 0, count = 10000;
  app.add_option("--data", data, "Folder with MNIST (default: as the programs find it)");
  app.add_option("--split", split, "test, validation or training")
      ->capture_default_str()
      ->check(cli::is_member({"test", "validation", "training"}));
  app.add_option("--first", first, "First image")->capture_default_str();
  app.add_option("--count", count, "How many images")->capture_default_str();
  app.add_option("--out", out, "Folder to write into (made if missing)")->required();
  app.add_option("--guise", how,
                 "plain, dark-on-light, off-centre (on a 70x50 canvas), larger (3x), larger-dark (4x, "
                 "dark on light)")
      ->capture_default_str()
      ->check(cli::is_member({"plain", "dark-on-light", "off-centre", "larger", "larger-dark"}));
  app.add_option("--format", format, "png, jpg (quality 95), bmp or pgm")
      ->capture_default_str()
      ->check(cli::is_member({"png", "jpg", "bmp", "pgm"}));
  NNDL_PARSE(app, argc, argv);
  try {
    const auto mnist = nndl::load_mnist<double>(
        nndl::find_data_dir(data.empty() ? std::nullopt : std::optional<std::filesystem::path>(data)));
    const auto& d = split == "test" ? mnist.test : split == "validation" ? mnist.validation : mnist.training;
    if (first >= d.size())
      throw std::invalid_argument("--first " + std::to_string(first) + ": the split has " + std::to_string(d.size()) +
                                  " images");
    const std::size_t end = std::min(d.size(), first + count);
    std::filesystem::create_directories(out);
    for (std::size_t i = first; i < end; ++i) {
      const auto file =
          std::filesystem::path(out) / (std::to_string(i) + "-" + std::to_string(d.labels[i]) + "." + format);
      if (!write(file, guise(d.row(i), how, i), format)) {
        std::fprintf(stderr, "nndl-export-images: cannot write %s\n", file.c_str());
        return 1;
      }
    }
    std::printf("Wrote %zu %s images (%s, %s) to %s\n", end - first, split.c_str(), how.c_str(), format.c_str(),
                out.c_str());
    return 0;
  } catch (const nndl::data_error& e) {
    std::fprintf(stderr, "nndl-export-images: %s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "nndl-export-images: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {  // a folder that cannot be made, out of memory
    std::fprintf(stderr, "nndl-export-images: %s\n", e.what());
    return 1;
  }
}
