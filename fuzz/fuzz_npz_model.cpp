// .npz model files (nndl/io/mlp_npz.hpp over io/npz_container.hpp): read_npz_info, then load_npz into a
// small network. libzip refuses most mutated archives early; fuzz_npy_header feeds the .npy parser
// directly. Anything but an nndl::model_error is a finding.
#include <nndl/io/mlp_npz.hpp>
#include <nndl/network.hpp>

#include "fuzz_file.hpp"

namespace {
using net_t = nndl::network<double, nndl::input<4>, nndl::dense<3, nndl::sigmoid>, nndl::dense<2, nndl::sigmoid>,
                            nndl::cross_entropy_cost>;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nndl_fuzz::write_input("npz", data, size);
  try {
    (void)nndl::read_npz_info(path);
  } catch (const nndl::model_error&) {
  }
  net_t net{1};
  try {
    nndl::load_npz(net, path);
    const double x[4] = {0.1, 0.2, 0.3, 0.4};
    (void)net.predict(x);
  } catch (const nndl::model_error&) {
  }
  return 0;
}
