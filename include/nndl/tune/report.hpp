// What a search reports: the table of the best trials, how many trials a strategy needed to pass a
// threshold, and two PNGs through gnuplot: score against trial number (one panel per strategy,
// side by side, with the running best) and score against each parameter (log axes for log scales).
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../detail/out_of_line.hpp"
#include "../io/plot.hpp"
#include "search.hpp"
#include "space.hpp"

namespace nndl::tune {

/// The trials sorted best first (ties: lower id first).
NNDL_OUT_OF_LINE std::vector<trial> best_trials(std::vector<trial> v, std::size_t n = SIZE_MAX);

/// The number of trials (counting from trial 0, in id order) until one scored at least `threshold`.
NNDL_OUT_OF_LINE std::optional<std::size_t> trials_to_pass(const std::vector<trial>& v, double threshold);

/// A text table of the best trials; `percent` prints the score ×100 with a % sign.
NNDL_OUT_OF_LINE std::string table(const space& s, const std::vector<trial>& best, bool percent = true);

/// Writes <stem>-trials.png (score against trial, one panel per strategy) and <stem>-params.png
/// (score against each parameter, all strategies), with their CSV and gnuplot scripts beside.
/// Returns the PNGs written.
NNDL_OUT_OF_LINE std::vector<std::filesystem::path> plot_search(
    const space& s, const std::vector<std::pair<std::string, std::vector<trial>>>& runs,
    const std::filesystem::path& stem, bool percent = true);

}  // namespace nndl::tune

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "report.ipp"
#endif
