// nndl-convert: a model file from one format into another, chosen by the file names:
//
//   nndl-convert relu.npz relu.onnx        # nndl's model file -> ONNX (ONNX Runtime, OpenCV, ...)
//   nndl-convert torch.onnx torch.npz      # a PyTorch export -> nndl's model file
//   nndl-convert net.json net.onnx         # network2.py's JSON (dense networks) -> ONNX
//   nndl-convert mlp.onnx mlp.json         # back to network2.py's JSON, when every layer is dense
//
// Formats: .npz (nndl's self-describing model file; the older MLP .npz is read too), .json
// (network2.py's format), .onnx. What a target format cannot hold is refused and said why: conv
// and pooling layers in network2.py's JSON, an ensemble in ONNX (one network per file). The file
// is written atomically. Exit status: 0 converted, 2 a model that cannot be read or converted, or
// a bad command line.
#include <nndl/io/formats.hpp>
#include <nndl/io/model_file.hpp>
#include <nndl/io/network2_json.hpp>

#include "cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

/// network2.py's JSON from a run-time model of dense layers.
void save_book_json(const nndl::model& m, const std::filesystem::path& file) {
  if (m.members() != 1)
    throw nndl::model_error(
        file, "an ensemble of " + std::to_string(m.members()) + " networks: network2.py's JSON holds one network");
  std::vector<nndl::book_tensor> tensors;
  std::size_t weighted = 0, last = std::size_t(-1);
  m.for_each_parameter(0, [&](std::size_t l, const auto& p) {
    if (last != std::size_t(-1) && l != last) ++weighted;
    last = l;
    tensors.push_back(
        {weighted, p.rank, p.shape[0], p.rank == 2 ? p.shape[1] : 1, std::vector<double>(p.value, p.value + p.size())});
  });
  nndl::write_book_json(file, m.architecture(), tensors);
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{"Converts a model file between nndl's model file (.npz), network2.py's JSON (.json, dense networks) and "
               "ONNX (.onnx), in every direction the target format can express; says why not otherwise. Exit status: 0 "
               "converted, 2 a model that cannot be read or converted, or a bad command line."};
  std::string in, out;
  bool quiet = false;
  app.add_option("IN", in, "The model file to read (.npz, .json or .onnx)")->required();
  app.add_option("OUT", out, "The file to write; its extension chooses the format (.npz, .json or .onnx)")->required();
  app.add_flag("--quiet", quiet, "Print nothing when all goes well");
  NNDL_PARSE(app, argc, argv);
  try {
    const std::filesystem::path to(out);
    const auto ext = to.extension();
    if (ext != ".npz" && ext != ".json" && ext != ".onnx")
      throw nndl::model_error(
          to, "the extension says no format: write .npz (nndl's model file), .json (network2.py's) or .onnx");
    const auto t0 = std::chrono::steady_clock::now();
    const nndl::model m = nndl::load_model(in);
    const auto t1 = std::chrono::steady_clock::now();
    if (ext == ".onnx")
      nndl::save_onnx(m, to);
    else if (ext == ".json")
      save_book_json(m, to);
    else
      nndl::save_model(m, to);
    const auto t2 = std::chrono::steady_clock::now();
    if (!quiet)
      std::printf(
          "%s -> %s: %s (read %.1f ms, written %.1f ms, %ju bytes)\n", in.c_str(), out.c_str(),
          nndl::layers_string(m.architecture()).c_str(), std::chrono::duration<double, std::milli>(t1 - t0).count(),
          std::chrono::duration<double, std::milli>(t2 - t1).count(), std::uintmax_t(std::filesystem::file_size(to)));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "nndl-convert: " << e.what() << '\n';
    return 2;
  }
}
