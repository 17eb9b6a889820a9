// Learning curves as PNG through gnuplot, in the manner of the book's chapter-3 figures. Beside the
// PNG go the figures (<stem>.csv) and the gnuplot script (<stem>.gp): `gnuplot <stem>.gp` re-plots.
// Needs only the standard library, POSIX and a gnuplot on PATH (Debian: gnuplot-nox).
#pragma once

#include "../detail/out_of_line.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "../detail/file.hpp"
#include "../train/history.hpp"

extern "C" char** environ;

namespace nndl {

/// A plot that could not be made; the message names the file and the problem.
struct plot_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What plot_history and plot_histories put on a figure besides the curves.
struct plot_options {
  std::string title{};                   ///< above both panels; none when empty
  std::string evaluation_name = "test";  ///< what the evaluation data is called in the legend
  std::size_t first_epoch = 0;           ///< plot epochs from here on (the CSV keeps them all)
};

/// The gnuplot executable on PATH, if any.
NNDL_OUT_OF_LINE std::optional<std::filesystem::path> find_gnuplot();

/// The pieces plot_history and plot_histories are made of, for programs that draw figures of their
/// own: a CSV and a gnuplot script beside the PNG, then gnuplot.
namespace plot {

/// A number as the shortest text that reads back as the same double.
NNDL_OUT_OF_LINE std::string number(double v);

/// A number as number(double) writes it, or "" for none.
NNDL_OUT_OF_LINE std::string number(const std::optional<double>& v);

/// A gnuplot string literal: single quotes, '' for a quote, control characters as spaces.
NNDL_OUT_OF_LINE std::string quote(const std::string& s);

/// A CSV field: quoted (with "" for a quote) when it holds a comma, quote or line break.
NNDL_OUT_OF_LINE std::string csv_field(const std::string& s);

/// Writes text to path through a temporary file and a rename.
NNDL_OUT_OF_LINE void write_file(const std::filesystem::path& path, const std::string& text);

/// One curve of a panel: a column of the CSV.
struct series {
  /// Its column in the CSV, counted from 1.
  std::size_t column;  // 1-based in the CSV
  /// Plotted as a percentage (the CSV holds a fraction).
  bool percent;
  //! @{
  /// Its legend and its colour (a gnuplot rgb string such as '#1f77b4').
  std::string title, colour;
  //! @}
};
/// One panel of a figure: a title, a y axis and its curves.
struct panel {
  //! @{
  /// The panel's title and the label of its y axis.
  std::string title, ylabel;
  //! @}
  /// Its curves.
  std::vector<series> lines;
};

/// The gnuplot script: `out` (the PNG) can be set with -e to write elsewhere.
NNDL_OUT_OF_LINE std::string script(const std::filesystem::path& png, const std::filesystem::path& csv,
                                    const std::filesystem::path& gp, const plot_options& o, std::size_t lo,
                                    std::size_t hi, const std::vector<panel>& panels);

/// Runs `gnuplot -e "out='tmp'" gp`, checks it, and renames tmp to png.
NNDL_OUT_OF_LINE void run_gnuplot(const std::filesystem::path& gp, const std::filesystem::path& png,
                                  const std::filesystem::path& csv);

/// The CSV and script paths beside png, after checking it.
NNDL_OUT_OF_LINE std::pair<std::filesystem::path, std::filesystem::path> beside(const std::filesystem::path& png);

/// Writes the CSV and the script beside png, then png through gnuplot.
NNDL_OUT_OF_LINE std::filesystem::path draw(const std::filesystem::path& png, const std::string& csv_text,
                                            const plot_options& o, std::size_t lo, std::size_t hi,
                                            const std::vector<panel>& panels);

}  // namespace plot

/// Accuracy (%) and cost against epoch, evaluation and training series, whichever were recorded,
/// in two panels (a panel with no data is left out). Writes `<stem>.csv` (accuracies as fractions)
/// and `<stem>.gp` beside png, then png itself. Returns png.
NNDL_OUT_OF_LINE std::filesystem::path plot_history(const train_history& h, const std::filesystem::path& png,
                                                    const plot_options& o = {});

/// Several runs on one chart: evaluation accuracy (%) against epoch, one line per run labelled with
/// its name, and a second panel of evaluation cost when every run has it. The CSV has a column per
/// run and figure (`<name> evaluation_accuracy`, `<name> evaluation_cost`), one row per epoch.
NNDL_OUT_OF_LINE std::filesystem::path plot_histories(const std::vector<std::pair<std::string, train_history>>& runs,
                                                      const std::filesystem::path& png, const plot_options& o = {});

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "plot.ipp"
#endif
