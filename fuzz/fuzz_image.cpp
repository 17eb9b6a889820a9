// Image files (nndl/data/image.hpp): read_image (format checks, stb_image decoding, grayscale),
// then MNIST's preprocessing. Anything but an nndl::image_error is a finding, and so is an input
// outside [0, 1].
#include <nndl/data/image.hpp>

#include <cmath>

#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nndl_fuzz::write_input("image", data, size);
  try {
    // At most 256 x 256 pixels keeps each run quick; more is refused by the same check as above
    // the default limit.
    nndl::gray_image g = nndl::read_image(path, std::size_t{1} << 16);
    if (g.pixels.size() != g.width * g.height) std::abort();
    const auto x = nndl::mnist_preprocess(std::move(g));
    for (const float v : x)
      if (!(v >= 0.0f && v <= 1.0f)) std::abort();
  } catch (const nndl::image_error&) {
  }
  return 0;
}
