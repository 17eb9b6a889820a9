// nndl-predict: classifies handwritten digits in image files with a saved model.
//
//   nndl-predict --model mlp.npz three.png scans/          # a table: file, digit, confidence, top-3
//   nndl-predict --model net.json --json scans/ > out.json
//   nndl-predict --model mlp.npz --show-input seen/ a.jpg  # also writes the 28 x 28 input as PNG
//
// Each image goes through MNIST's preprocessing (nndl/data/image.hpp). A file that cannot be read
// or decoded gets a one-line error on stderr and the others go on. Exit status: 0 when every file
// was classified, 1 when any failed, 2 when the model or the command line is wrong.
//
// Layer sizes are compile-time in nndl, so the tool is compiled for a list of architectures
// (supported_nets below); it reads the model file's architecture first and picks the matching one.
#include <nndl/data/image.hpp>
#include <nndl/io/json.hpp>
#include <nndl/io/npz.hpp>
#include <nndl/network.hpp>
#include <nndl/train/progress.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;

namespace {

template <std::size_t H, class Cost, class Out = nndl::sigmoid>
using one_hidden = nndl::network<double, nndl::input<784>, nndl::dense<H, nndl::sigmoid>, nndl::dense<10, Out>, Cost>;
template <class Act>
using mlp = nndl::network<double, nndl::input<784>, nndl::dense<256, Act>, nndl::dense<64, Act>,
                          nndl::dense<10, nndl::softmax>, nndl::log_likelihood_cost>;

/// The architectures this tool is compiled for: ch1_network, ch3_network2 and mlp_784_256_64_10.
using supported_nets =
    std::tuple<one_hidden<30, nndl::quadratic_cost>, one_hidden<100, nndl::quadratic_cost>,
               one_hidden<30, nndl::cross_entropy_cost>, one_hidden<100, nndl::cross_entropy_cost>,
               one_hidden<30, nndl::log_likelihood_cost, nndl::softmax>,
               one_hidden<100, nndl::log_likelihood_cost, nndl::softmax>, mlp<nndl::relu>, mlp<nndl::sigmoid>>;

struct options {
  std::string model, show_input;
  std::vector<std::string> inputs;
  bool json = false, quiet = false;
};

struct result {
  std::string file;
  std::size_t digit = 0;
  std::vector<std::pair<std::size_t, double>> ranked;  // (digit, confidence), best first
};

bool is_zip(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char m[4] = {};
  return in.read(m, 4) && std::string(m, 4) == std::string("PK\x03\x04", 4);
}

/// The architecture a model file declares, read before any network is built.
std::string file_architecture(const fs::path& p) {
  if (is_zip(p)) return nndl::read_npz_info(p).architecture;
  const nlohmann::json j = nndl::detail::read_json_file(p);
  if (!j.is_object()) throw nndl::model_error(p, "not a model: the top level is not an object");
  if (const auto x = j.find("nndl"); x != j.end() && x->is_object())
    if (const auto a = x->find("architecture"); a != x->end() && a->is_string()) return a->get<std::string>();
  // A network2.py file: all layers sigmoid.
  const auto s = j.find("sizes");
  const auto c = j.find("cost");
  if (s == j.end() || !s->is_array() || c == j.end() || !c->is_string())
    throw nndl::model_error(p, "not a model: no \"sizes\" and \"cost\" (network2.py's format) and no \"nndl\" key");
  std::vector<std::size_t> sizes;
  for (const auto& v : *s) {
    if (!v.is_number_unsigned()) throw nndl::model_error(p, "\"sizes\" must hold positive integers, found " + nndl::detail::brief(*s));
    sizes.push_back(v.get<std::size_t>());
  }
  return nndl::book_string(sizes, std::vector<std::string>(sizes.empty() ? 0 : sizes.size() - 1, "sigmoid"),
                                           c->get<std::string>());
}

std::vector<std::string> supported_architectures() {
  std::vector<std::string> v;
  std::apply([&](auto... nets) { (v.push_back(nndl::architecture(nets)), ...); }, supported_nets{});
  return v;
}

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

template <class Net>
int classify(const options& o, const std::string& arch) {
  Net net;
  if (is_zip(o.model))
    nndl::load_npz(net, o.model);
  else
    nndl::load_json(net, o.model);
  constexpr bool softmax_out = std::is_same_v<typename Net::output_activation, nndl::softmax>;

  const auto files = collect(o.inputs);
  if (!o.show_input.empty()) fs::create_directories(o.show_input);
  std::vector<result> results;
  std::vector<std::pair<std::string, std::string>> errors;
  std::set<std::string> shown;
  nndl::progress_options po;
  po.quiet = o.quiet || files.size() < 2;
  nndl::progress bar(files.size(), "images", po);
  for (const auto& f : files) {
    try {
      nndl::preprocess_steps steps;
      const auto x = nndl::mnist_preprocess_file(f, &steps);
      if (!o.show_input.empty()) {
        std::string name = f.stem().string() + ".input.png";
        for (int k = 2; shown.count(name); ++k) name = f.stem().string() + "-" + std::to_string(k) + ".input.png";
        shown.insert(name);
        nndl::save_png(fs::path(o.show_input) / name, nndl::as_image(x));
      }
      std::array<double, 784> xd;
      std::copy(x.begin(), x.end(), xd.begin());
      const auto a = net.feedforward(xd.data(), 1);
      std::array<double, 10> p;
      for (std::size_t j = 0; j < 10; ++j) p[j] = a(0, j);
      if (!softmax_out) {  // sigmoid outputs: each in (0, 1) on its own; shown as shares of their sum
        const double sum = std::accumulate(p.begin(), p.end(), 0.0);
        for (double& v : p) v = sum > 0 ? v / sum : 0.1;
      }
      std::array<std::size_t, 10> order;
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return p[i] > p[j]; });
      result r{f.string(), order[0], {}};
      for (std::size_t k = 0; k < 3; ++k) r.ranked.emplace_back(order[k], p[order[k]]);
      results.push_back(std::move(r));
    } catch (const nndl::data_error& e) {
      errors.emplace_back(f.string(), e.what());
      bar.note(std::string("nndl-predict: ") + e.what());
    } catch (const std::exception& e) {  // e.g. out of memory on a huge image
      errors.emplace_back(f.string(), e.what());
      bar.note("nndl-predict: " + f.string() + ": " + e.what());
    }
    bar.tick(1, std::to_string(results.size()) + " classified, " + std::to_string(errors.size()) + " failed");
  }
  bar.finish();

  if (o.json) {
    nlohmann::json j = {{"model", o.model}, {"architecture", arch}, {"results", nlohmann::json::array()},
                        {"errors", nlohmann::json::array()}};
    for (const auto& r : results) {
      nlohmann::json top = nlohmann::json::array();
      for (const auto& [d, c] : r.ranked) top.push_back({{"digit", d}, {"confidence", c}});
      j["results"].push_back({{"file", r.file}, {"digit", r.digit}, {"confidence", r.ranked[0].second}, {"top3", top}});
    }
    for (const auto& [f, e] : errors) j["errors"].push_back({{"file", f}, {"error", e}});
    std::cout << j.dump(2) << '\n';
  } else {
    std::size_t w = 4;
    for (const auto& r : results) w = std::max(w, r.file.size());
    std::printf("%-*s  digit  confidence  top-3\n", int(w), "file");
    for (const auto& r : results) {
      std::string top;
      for (const auto& [d, c] : r.ranked) top += (top.empty() ? "" : ", ") + std::to_string(d) + " " + percent(c);
      std::printf("%-*s  %5zu  %10s  %s\n", int(w), r.file.c_str(), r.digit, percent(r.ranked[0].second).c_str(),
                  top.c_str());
    }
    if (!o.quiet || !errors.empty())
      std::fprintf(stderr, "%zu classified, %zu failed (model: %s)\n", results.size(), errors.size(), arch.c_str());
  }
  std::fflush(stdout);
  return errors.empty() ? 0 : 1;
}

template <std::size_t I = 0>
int dispatch(const options& o, const std::string& arch) {
  if constexpr (I < std::tuple_size_v<supported_nets>) {
    using Net = std::tuple_element_t<I, supported_nets>;
    if (nndl::architecture(Net{}) == arch) return classify<Net>(o, arch);
    return dispatch<I + 1>(o, arch);
  } else {
    std::string list;
    for (const auto& a : supported_architectures()) list += "\n  " + a;
    std::cerr << "nndl-predict: model file " << o.model << " holds a " << arch
              << " network, which this nndl-predict is not compiled for. It supports:" << list << '\n';
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Classifies handwritten digits in image files (PNG, JPEG, BMP, PGM) with a model saved by nndl "
               "(.npz, or network2.py's JSON). Each image is preprocessed as MNIST's digits were: grayscale, "
               "light background inverted, cropped to the ink, fitted into 20x20, centred by centre of mass in "
               "28x28. Confidence is the softmax probability (for sigmoid output layers: each output's share of "
               "their sum). Exit status: 0 all classified, 1 some files failed, 2 bad model or arguments."};
  options o;
  app.add_option("--model", o.model, "Model file: .npz (save_npz) or JSON (save_json, network2.py)")->required();
  app.add_option("inputs", o.inputs, "Image files and folders (searched recursively)")->required();
  app.add_flag("--json", o.json, "Print the results as JSON");
  app.add_option("--show-input", o.show_input, "Also write each preprocessed 28x28 input as a PNG into this folder");
  app.add_flag("--quiet", o.quiet, "No progress bar and no summary line");
  std::string list;
  for (const auto& a : supported_architectures()) list += "\n  " + a;
  app.footer("Supported architectures:" + list);
  CLI11_PARSE(app, argc, argv);
  try {
    return dispatch(o, file_architecture(o.model));
  } catch (const nndl::model_error& e) {
    std::cerr << "nndl-predict: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nndl-predict: " << e.what() << '\n';
    return 2;
  }
}
