// Checkpoints (nndl/io/checkpoint.hpp): load_checkpoint into a small convolutional network
// (parameters, velocities, the JSON state). Without dropout: its dropout<p> takes a double template
// argument, which clang 14 cannot compile yet, so the dropout generator's entry is not fuzzed here.
// Anything but an nndl::model_error is a finding, and so is a state that is not an object.
#include <nndl/io/checkpoint.hpp>
#include <nndl/network.hpp>

#include "fuzz_file.hpp"

namespace {
using net_t = nndl::network<float, nndl::input<1, 6, 6>, nndl::conv<2, 3, nndl::relu>, nndl::max_pool<2>,
                            nndl::dense<4, nndl::softmax>, nndl::log_likelihood_cost>;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nndl_fuzz::write_input("checkpoint", data, size);
  net_t net{1};
  try {
    const nlohmann::json state = nndl::load_checkpoint(net, path);
    if (!state.is_object()) std::abort();
    (void)state.dump();
  } catch (const nndl::model_error&) {
  }
  return 0;
}
