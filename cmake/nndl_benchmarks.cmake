# The benchmarks are their own CMake project, consuming nndl as an outside user would
# (benchmarks/CMakeLists.txt does find_package(nndl) when built alone). Here they reuse the target.
add_subdirectory(benchmarks)
