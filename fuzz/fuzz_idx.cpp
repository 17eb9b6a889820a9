// IDX files (nndl/data/idx.hpp), plain or gzip: read_idx, then what load_idx_dataset does with an
// image file (the pair check with labels of the right count, the pixels as a data set).
// Anything but an nndl::data_error is a finding.
#include <nndl/data/idx.hpp>

#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nndl_fuzz::write_input("idx", data, size);
  try {
    // A small limit on the declared size keeps each run quick; declaring more is refused by the
    // same check as above the default limit.
    const nndl::idx_file images = nndl::read_idx(path, std::size_t{1} << 16);
    std::size_t declared = 1;
    for (const std::size_t d : images.dims) declared *= d;
    if (images.bytes.size() != declared) std::abort();  // read_idx promises exactly the declared bytes
    if (images.dims.size() == 2 || images.dims.size() == 3) {
      nndl::idx_file labels;
      labels.path = "labels";
      labels.dims = {images.dims[0]};
      labels.bytes.assign(images.dims[0], 1);
      const std::size_t n = nndl::detail::check_idx_pair(images, labels, 10);
      const auto set = nndl::detail::idx_rows<float>(images, labels, 0, n, "fuzz", 10);
      if (set.size() != n) std::abort();
    }
  } catch (const nndl::data_error&) {
  }
  return 0;
}
