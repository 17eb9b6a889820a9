// nndl_compiled_tune: the hyperparameter search's NNDL_OUT_OF_LINE functions (nndl/tune/*.ipp),
// compiled once for the programs built here that search (cmake/nndl_compiled.cmake). The rest of
// nndl is declared only, as in any NNDL_COMPILED unit: nndl_compiled defines it.
#ifndef NNDL_COMPILED
#define NNDL_COMPILED
#endif

#include <nndl/tune/acquisition.hpp>
#include <nndl/tune/gp.hpp>
#include <nndl/tune/journal.hpp>
#include <nndl/tune/report.hpp>
#include <nndl/tune/runner.hpp>
#include <nndl/tune/search.hpp>
#include <nndl/tune/space.hpp>

#include <nndl/tune/acquisition.ipp>
#include <nndl/tune/gp.ipp>
#include <nndl/tune/journal.ipp>
#include <nndl/tune/report.ipp>
#include <nndl/tune/runner.ipp>
#include <nndl/tune/search.ipp>
#include <nndl/tune/space.ipp>
