// The bodies of pickle.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of pickle.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE pickle_ref read_pickle(const std::filesystem::path& file, const pickle_limits& limits) {
  return detail::unpickler(file, limits).run();
}

}  // namespace nndl
