// nndl_program_pch: builds the precompiled header that the examples and tools of this repository
// reuse (CMakeLists.txt, NNDL_PROGRAM_PCH): <nndl/network.hpp>, the data readers and the file
// formats, parsed once.
