// JSON model files (nndl/io/network2_json.hpp, network2.py's format): load_json into two small networks,
// one all-sigmoid (what a network2.py file without the "nndl" key must be) and one relu/softmax.
// Small networks, so that mutations of a valid file still load often. Anything but an
// nndl::model_error is a finding.
#include <nndl/io/network2_json.hpp>
#include <nndl/network.hpp>

#include "fuzz_file.hpp"

namespace {
using sigmoid_net = nndl::network<double, nndl::input<4>, nndl::dense<3, nndl::sigmoid>, nndl::dense<2, nndl::sigmoid>,
                                  nndl::cross_entropy_cost>;
using softmax_net = nndl::network<float, nndl::input<4>, nndl::dense<3, nndl::relu>, nndl::dense<2, nndl::softmax>,
                                  nndl::log_likelihood_cost>;

template <class Net>
void load(const std::filesystem::path& path) {
  Net net{1};
  try {
    nndl::load_json(net, path);
  } catch (const nndl::model_error&) {
    return;
  }
  const float x[4] = {0.1f, 0.2f, 0.3f, 0.4f};
  typename Net::scalar in[4];
  for (int i = 0; i < 4; ++i) in[i] = x[i];
  (void)net.predict(in);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nndl_fuzz::write_input("json", data, size);
  load<sigmoid_net>(path);
  load<softmax_net>(path);
  return 0;
}
