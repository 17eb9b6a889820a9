// The translation unit that builds the test suite's precompiled header (tests/CMakeLists.txt): every
// test_*.cpp parses Catch2 and <nndl/network.hpp> once, here, instead of once each.
