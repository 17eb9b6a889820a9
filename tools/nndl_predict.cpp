// nndl-predict: classifies handwritten digits in image files with a saved model, any network nndl
// writes (a multilayer perceptron, a convolutional network, an ensemble).
//
//   nndl-predict --model relu.npz three.png scans/          # a table: file, digit, confidence, top-3
//   nndl-predict --model net.json --json scans/ > out.json
//   nndl-predict --model mlp.npz --show-input seen/ a.jpg  # also writes the 28 x 28 input as PNG
//
// Each image goes through MNIST's preprocessing (nndl/data/image.hpp), the images are decoded on
// all cores (--workers), and the network sees them in batches. A file that cannot be read or
// decoded gets a one-line error on stderr (always, also with --quiet) and the others go on. Exit
// status: 0 when every file was classified, 1 when any failed, 2 when the model or the command
// line is wrong.
#include <nndl/data/image.hpp>
#include <nndl/io/formats.hpp>  // load_model reads ONNX too
#include <nndl/io/model_file.hpp>
#include <nndl/train/progress.hpp>

#include "cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct options {
  std::string model, show_input;
  std::vector<std::string> inputs;
  bool json = false, quiet = false;
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency()), batch = 256;
};

struct result {
  std::string file;
  std::size_t digit = 0;
  std::vector<std::pair<std::size_t, double>> ranked;  // (digit, confidence), best first
};

/// The files to classify: each argument, folders walked recursively in name order.
std::vector<fs::path> collect(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) found.push_back(it->path());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.emplace_back(in);  // a missing file fails later, with the others going on
    }
  }
  return files;
}

std::string percent(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100 * v);
  return b;
}

/// One decoded image: its 784 inputs, or why it could not be read.
struct decoded {
  std::array<float, 784> x{};
  std::string error;
};

int classify(const options& o, const nndl::model& m) {
  if (m.input_size() != 784)
    throw nndl::model_error(o.model, "takes " + std::to_string(m.input_size()) + " inputs, not a 28 x 28 image");
  const auto files = collect(o.inputs);
  if (!o.show_input.empty()) fs::create_directories(o.show_input);
  std::vector<std::string> shown(files.size());  // --show-input names, unique in input order
  if (!o.show_input.empty()) {
    std::set<std::string> taken;
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::string name = files[i].stem().string() + ".input.png";
      for (int k = 2; taken.count(name); ++k) name = files[i].stem().string() + "-" + std::to_string(k) + ".input.png";
      taken.insert(name), shown[i] = name;
    }
  }
  nndl::progress_options po;
  po.quiet = o.quiet || files.size() < 2;
  nndl::progress bar(files.size(), "images", po);
  std::vector<result> results;
  std::vector<std::pair<std::string, std::string>> errors;  // file, what went wrong
  const std::size_t classes = m.output_size();
  for (std::size_t begin = 0; begin < files.size(); begin += o.batch) {
    const std::size_t n = std::min(o.batch, files.size() - begin);
    std::vector<decoded> batch(n);
    std::atomic<std::size_t> next{0};
    auto decode = [&] {  // each image on whichever core is free
      for (std::size_t i = next++; i < n; i = next++) try {
          batch[i].x = nndl::mnist_preprocess_file(files[begin + i]);
          if (!o.show_input.empty())
            nndl::save_png(fs::path(o.show_input) / shown[begin + i], nndl::as_image(batch[i].x));
        } catch (const std::exception& e) {  // a bad file, or out of memory on a huge image
          const std::string what = e.what();
          batch[i].error = what.find(files[begin + i].string()) == std::string::npos
                               ? files[begin + i].string() + ": " + what
                               : what;
        }
    };
    std::vector<std::thread> helpers;
    for (std::size_t w = 1; w < std::min(o.workers, n); ++w) helpers.emplace_back(decode);
    decode();
    for (auto& t : helpers) t.join();
    std::vector<float> x;
    std::vector<std::size_t> good;
    for (std::size_t i = 0; i < n; ++i) {
      if (!batch[i].error.empty()) {
        errors.emplace_back(files[begin + i].string(), batch[i].error);
        bar.clear_line();
        std::fprintf(stderr, "nndl-predict: %s\n", batch[i].error.c_str());
        continue;
      }
      good.push_back(i);
      x.insert(x.end(), batch[i].x.begin(), batch[i].x.end());
    }
    if (!good.empty()) {
      const auto p = m.probabilities(x.data(), good.size());
      const auto digits = m.predict(x.data(), good.size());
      for (std::size_t r = 0; r < good.size(); ++r) {
        std::vector<std::size_t> order(classes);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return p[r * classes + a] > p[r * classes + b]; });
        result res{files[begin + good[r]].string(), digits[r], {}};
        for (std::size_t k = 0; k < std::min<std::size_t>(3, classes); ++k)
          res.ranked.emplace_back(order[k], p[r * classes + order[k]]);
        results.push_back(std::move(res));
      }
    }
    bar.tick(n, std::to_string(results.size()) + " classified, " + std::to_string(errors.size()) + " failed");
  }
  bar.finish();

  const std::string arch =
      nndl::layers_string(m.architecture()) + (m.members() > 1 ? ", ensemble of " + std::to_string(m.members()) : "");
  if (o.json) {
    nlohmann::json j = {{"model", o.model},
                        {"architecture", arch},
                        {"results", nlohmann::json::array()},
                        {"errors", nlohmann::json::array()}};
    for (const auto& [f, e] : errors) j["errors"].push_back({{"file", f}, {"error", e}});
    for (const auto& r : results) {
      nlohmann::json top = nlohmann::json::array();
      for (const auto& [d, c] : r.ranked) top.push_back({{"digit", d}, {"confidence", c}});
      j["results"].push_back({{"file", r.file}, {"digit", r.digit}, {"confidence", r.ranked[0].second}, {"top3", top}});
    }
    std::cout << j.dump(2) << '\n';
  } else {
    std::size_t w = 4;
    for (const auto& r : results) w = std::max(w, r.file.size());
    std::printf("%-*s  digit  confidence  top-3\n", int(w), "file");
    for (const auto& r : results) {
      std::string top;
      for (const auto& [d, c] : r.ranked) top += (top.empty() ? "" : ", ") + std::to_string(d) + " " + percent(c);
      const auto own =
          std::find_if(r.ranked.begin(), r.ranked.end(), [&](const auto& e) { return e.first == r.digit; });
      std::printf("%-*s  %5zu  %10s  %s\n", int(w), r.file.c_str(), r.digit,
                  percent(own != r.ranked.end() ? own->second : 0.0).c_str(), top.c_str());
    }
  }
  std::fflush(stdout);
  if (!o.quiet || !errors.empty())
    std::fprintf(stderr, "%zu classified, %zu failed (model: %s)\n", results.size(), errors.size(), arch.c_str());
  return errors.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{
      "Classifies handwritten digits in image files (PNG, JPEG, BMP, PGM) with a model saved by nndl "
      "(any network: .npz from --save or save_model, the older MLP .npz, or network2.py's JSON). Each image "
      "is preprocessed as MNIST's digits were: grayscale, light background inverted, cropped to the ink, "
      "fitted into 20x20, centred by centre of mass in 28x28. Confidence is the softmax probability (for "
      "sigmoid output layers: each output's share of their sum; an ensemble: the mean of its networks', and "
      "the digit is their vote). Exit status: 0 all classified, 1 some files failed, 2 bad model or arguments."};
  options o;
  app.add_option("--model", o.model, "Model file: .npz, network2.py's JSON or ONNX (.onnx)")->required();
  app.add_option("inputs", o.inputs, "Image files and folders (searched recursively)")->required();
  app.add_flag("--json", o.json, "Print the results as JSON");
  app.add_option("--show-input", o.show_input, "Also write each preprocessed 28x28 input as a PNG into this folder");
  app.add_flag("--quiet", o.quiet, "No progress bar and no summary line (errors are still printed)");
  app.add_option("--workers", o.workers, "Threads that decode images")->capture_default_str()->check(cli::range(1, 64));
  app.add_option("--batch", o.batch, "Images per forward pass")->capture_default_str()->check(cli::range(1, 100000));
  NNDL_PARSE(app, argc, argv);
  try {
    const nndl::model m = nndl::load_model(o.model);
    return classify(o, m);
  } catch (const std::exception& e) {
    std::cerr << "nndl-predict: " << e.what() << '\n';
    return 2;
  }
}
