// nndl's out-of-line functions, compiled once for nndl_consumer_split (CMakeLists.txt).
#include <nndl/compiled.hpp>
