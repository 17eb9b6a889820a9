// The command-line convention of every nndl program (tools and examples): --help prints the help and
// exits 0; a bad command line prints CLI11's message and exits 2, the status of bad input (CLI11's
// own codes, 105-115, would mean nothing to a script).
#pragma once

#include <CLI/CLI.hpp>

/// In main(), after the options are declared: parses, or returns from main with 0 (--help) or 2.
#define NNDL_PARSE(app, argc, argv)                \
  do {                                             \
    try {                                          \
      (app).parse((argc), (argv));                 \
    } catch (const CLI::ParseError& parse_error) { \
      return (app).exit(parse_error) == 0 ? 0 : 2; \
    }                                              \
  } while (false)
