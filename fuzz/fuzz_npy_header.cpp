// One .npy array as an .npz entry holds it (nndl/io/npz_container.hpp's parse_npy), fed directly: the
// header's magic, version, length, dict and shape, and the data size check. What it accepts must
// keep its promise: exactly product(shape) * item size data bytes for the dtypes nndl reads, every
// value of which npy_value can then read. Anything but an nndl::model_error is a finding.
#include <nndl/io/npz_container.hpp>

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const nndl::npy_array a = nndl::detail::parse_npy("fuzz.npz", "a", bytes);
    std::size_t item = 0;
    for (const auto& [descr, n] : {std::pair<const char*, std::size_t>{"<f8", 8},
                                   {"<f4", 4},
                                   {"<i8", 8},
                                   {"<i4", 4},
                                   {"<u8", 8},
                                   {"<u4", 4},
                                   {"|u1", 1},
                                   {"|i1", 1}})
      if (a.descr == descr) item = n;
    if (item != 0) {
      if (a.data.size() != a.size() * item) std::abort();
      double sum = 0;
      for (std::size_t i = 0; i < a.size(); ++i) sum += nndl::detail::npy_value(a, i);
      (void)sum;
    }
    if (a.descr == "|u1" && a.shape.size() == 1) (void)nndl::detail::npy_text(a, "fuzz.npz", "a");
    (void)a.shape_string();
  } catch (const nndl::model_error&) {
  }
  return 0;
}
