// nndl-evaluate: how well a saved model classifies MNIST, as network2.py's load(f).accuracy(data):
//
//   nndl-evaluate --model relu.npz                       # Test accuracy: 9913 / 10000 (99.13%), ...
//   nndl-evaluate --model vote.npz --split validation    # an ensemble: its vote, and each network alone
//   nndl-evaluate --model mlp.npz --errors errors.png --json > report.json
//
// Any model file nndl writes: the self-describing .npz (any network, ensembles), the older MLP .npz
// and network2.py's JSON. Exit status: 0 evaluated, 2 bad model, data or arguments.
#include "report.hpp"

#include <nndl/data/mnist.hpp>
#include <nndl/io/formats.hpp>  // load_model reads ONNX too
#include <nndl/io/model_file.hpp>

#include "cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2

#include <xtensor/xnpy.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace {

struct options {
  std::string model, data, split = "test", errors, outputs;
  bool json = false;
};

template <class T>
int run(const options& o, const nndl::model& m) {
  const auto dir = nndl::find_data_dir(o.data.empty() ? std::nullopt : std::optional<std::filesystem::path>(o.data));
  const auto d = nndl::load_mnist<T>(dir);
  const auto& data = o.split == "validation" ? d.validation : o.split == "training" ? d.training : d.test;
  if (data.features() != m.input_size())
    throw std::invalid_argument("the model takes " + std::to_string(m.input_size()) + " inputs, the data has " +
                                std::to_string(data.features()) + " per sample");
  const auto t0 = std::chrono::steady_clock::now();
  auto e = tools::evaluate(m, data, o.split);
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.errors.empty()) nndl::save_png(o.errors, tools::error_grid(e, data));
  if (!o.outputs.empty()) {  // the first network's output activations {rows, outputs}, float64
    const auto a = m.outputs(data.row(0), data.size());
    xt::xtensor<double, 2> out = xt::zeros<double>({data.size(), m.output_size()});
    std::copy(a.begin(), a.end(), out.begin());
    if (const auto problem = nndl::write_file_atomically(o.outputs, xt::dump_npy(out)); !problem.empty())
      throw nndl::model_error(o.outputs, problem);
  }
  if (o.json) {
    auto j = tools::json(e);
    j["model"] = o.model;
    j["architecture"] = nndl::layers_string(m.architecture());
    j["members"] = m.members();
    j["provenance"] = nlohmann::json::parse(m.provenance());
    j["data"] = dir.string();
    j["seconds"] = e.seconds;
    if (!o.errors.empty()) j["errors_png"] = o.errors;
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << tools::text(e);
    std::printf("(%s: %s; data %s; %.2f s)\n", o.model.c_str(), nndl::layers_string(m.architecture()).c_str(),
                dir.c_str(), e.seconds);
    if (!o.errors.empty())
      std::printf("Misclassified digits (true > predicted): %s (%zu of %zu)\n", o.errors.c_str(),
                  std::min<std::size_t>(400, e.errors.size()), e.errors.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"Evaluates a saved nndl model on MNIST: accuracy, per-digit accuracy, confusion matrix, the most "
               "confused pairs, and optionally a picture of the misclassified digits. An ensemble is evaluated by "
               "its vote and network by network. Exit status: 0 evaluated, 2 bad model, data or arguments."};
  options o;
  app.add_option("--model", o.model,
                 "Model file: .npz (save_model, save_ensemble, save_npz), network2.py's JSON or ONNX (.onnx)")
      ->required();
  app.add_option("--data", o.data,
                 "MNIST folder (default: $NNDL_DATA, the user's folder, the repository's copy), or "
                 "the book's mnist.pkl.gz");
  app.add_option("--split", o.split,
                 "Which data: test (10,000 t10k images), validation (the last 10,000 training "
                 "images) or training (the first 50,000)")
      ->capture_default_str()
      ->check(cli::is_member({"test", "validation", "training"}));
  app.add_option("--errors", o.errors,
                 "Write the misclassified digits (at most 400) as a PNG grid, each with its true "
                 "and predicted label");
  app.add_option("--outputs", o.outputs,
                 "Write the output activations of every sample (the first network's) as a "
                 "float64 .npy array {samples, outputs}");
  app.add_flag("--json", o.json, "Print the whole report as JSON");
  NNDL_PARSE(app, argc, argv);
  try {
    const nndl::model m = nndl::load_model(o.model);
    if (!o.json) std::cout << m.describe();
    return m.is_float() ? run<float>(o, m) : run<double>(o, m);
  } catch (const std::exception& e) {  // a bad model, data or --errors file: all named in the message
    std::cerr << "nndl-evaluate: " << e.what() << '\n';
    return 2;
  }
}
