// ONNX model files (nndl/io/onnx.hpp over libonnx_proto): the wire-format scan, protobuf's parse,
// the chain walk and every layer kind's reading of its nodes; a graph that reads is run on one
// sample (when small) and read into a small typed network. Anything but an nndl::model_error is a
// finding.
#include <nndl/io/onnx.hpp>
#include <nndl/network.hpp>

#include "fuzz_file.hpp"

namespace {
using net_t = nndl::network<float, nndl::input<1, 6, 6>, nndl::conv<2, 3, nndl::relu>, nndl::max_pool<2>,
                            nndl::dense<3, nndl::softmax>, nndl::log_likelihood_cost>;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nndl_fuzz::write_input("onnx", data, size);
  try {
    const nndl::model m = nndl::detail::load_onnx_model(path);
    if (m.input_size() <= (1u << 14) && m.architecture().parameters() <= (1u << 20)) {
      const std::vector<float> x(m.input_size(), 0.5f);
      (void)m.predict(x.data(), 1);
    }
  } catch (const nndl::model_error&) {
  }
  net_t net{1};
  try {
    nndl::load_onnx_into(net, path);
  } catch (const nndl::model_error&) {
  }
  return 0;
}
