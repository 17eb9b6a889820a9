// The bodies of report.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of report.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::tune {

NNDL_OUT_OF_LINE std::vector<trial> best_trials(std::vector<trial> v, std::size_t n) {
  std::stable_sort(v.begin(), v.end(),
                   [](const trial& a, const trial& b) { return a.score != b.score ? a.score > b.score : a.id < b.id; });
  if (v.size() > n) v.resize(n);
  return v;
}

NNDL_OUT_OF_LINE std::optional<std::size_t> trials_to_pass(const std::vector<trial>& v, double threshold) {
  std::optional<std::size_t> first;
  for (const auto& t : v)
    if (t.score >= threshold && (!first || t.id < *first)) first = t.id;
  if (first) return *first + 1;
  return std::nullopt;
}

NNDL_OUT_OF_LINE std::string table(const space& s, const std::vector<trial>& best, bool percent) {
  std::string out = "  rank  trial";
  char b[128];
  for (const auto& p : s.parameters()) std::snprintf(b, sizeof b, " %12s", p.name.c_str()), out += b;
  out += "      score  epochs  seconds\n";
  for (std::size_t r = 0; r < best.size(); ++r) {
    const auto& t = best[r];
    std::snprintf(b, sizeof b, "  %4zu  %5zu", r + 1, t.id), out += b;
    for (double v : t.x) std::snprintf(b, sizeof b, " %12.5g", v), out += b;
    if (percent)
      std::snprintf(b, sizeof b, "  %8.2f%%  %6zu  %7.1f\n", 100 * t.score, t.epochs, t.seconds);
    else
      std::snprintf(b, sizeof b, "  %9.5g  %6zu  %7.1f\n", t.score, t.epochs, t.seconds);
    out += b;
  }
  return out;
}

NNDL_OUT_OF_LINE std::vector<std::filesystem::path> plot_search(
    const space& s, const std::vector<std::pair<std::string, std::vector<trial>>>& runs,
    const std::filesystem::path& stem, bool percent) {
  namespace d = nndl::plot;
  namespace fs = std::filesystem;
  const fs::path csv = stem.string() + "-trials.csv";
  std::string text = "strategy_index,strategy,trial,score,best_so_far";
  for (const auto& p : s.parameters()) text += "," + d::csv_field(p.name);
  text += "\n";
  const double k = percent ? 100 : 1;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    double best = -1e300;
    for (const auto& t : runs[r].second) {
      best = std::max(best, t.score);
      text += std::to_string(r) + "," + d::csv_field(runs[r].first) + "," + std::to_string(t.id + 1) + "," +
              d::number(k * t.score) + "," + d::number(k * best);
      for (double v : t.x) text += "," + d::number(v);
      text += "\n";
    }
  }
  d::write_file(csv, text);
  const std::string ylabel = percent ? "validation accuracy (%)" : "score";
  const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
  auto head = [&](const fs::path& png, std::size_t panels) {
    const std::string size = std::to_string(std::max<std::size_t>(1, panels) * 500) + ",450";
    return "# Written by nndl::tune::plot_search. Re-plot with: gnuplot " + d::quote(png.string() + ".gp") +
           "\nif (!exists(\"out\")) out = " + d::quote(fs::absolute(png).string()) +
           "\nif (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n  set terminal pngcairo size " + size +
           " noenhanced font 'sans,10'\n} else {\n  set terminal png size " + size +
           " noenhanced\n}\nset output out\nset datafile separator comma\nset grid\nset key bottom right\n"
           "data = " +
           d::quote(fs::absolute(csv).string()) + "\nset multiplot layout 1," + std::to_string(panels) + "\n";
  };
  // Score against trial number, one panel per strategy, on a common y range.
  double lo = 1e300, hi = -1e300;
  for (const auto& [n, v] : runs)
    for (const auto& t : v) lo = std::min(lo, k * t.score), hi = std::max(hi, k * t.score);
  if (lo > hi) lo = 0, hi = 1;
  const double pad = 0.05 * std::max(hi - lo, 1e-9);
  std::string a = head(stem.string() + "-trials.png", runs.size());
  a += "set xlabel 'trial'\nset ylabel " + d::quote(ylabel) + "\nset yrange [" + d::number(lo - pad) + ":" +
       d::number(hi + pad) + "]\n";
  for (std::size_t r = 0; r < runs.size(); ++r)
    a += "set title " + d::quote(runs[r].first) + "\nplot data skip 1 using 3:($1 == " + std::to_string(r) +
         " ? $4 : NaN) with points pt 7 ps 0.8 lc rgb '" + colours[r % 5] +
         "' title 'trial', data skip 1 using 3:($1 == " + std::to_string(r) +
         " ? $5 : NaN) with steps lw 2 lc rgb 'black' title 'best so far'\n";
  a += "unset multiplot\nset output\n";
  // Score against each parameter.
  std::string b = head(stem.string() + "-params.png", s.size());
  b += "set ylabel " + d::quote(ylabel) + "\nset yrange [" + d::number(lo - pad) + ":" + d::number(hi + pad) + "]\n";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto& p = s[i];
    b += std::string(p.sc == scale::log && !p.is_choice() ? "set logscale x\n" : "unset logscale x\n") + "set xlabel " +
         d::quote(p.name) + "\nset title " + d::quote(p.name) + "\nplot ";
    for (std::size_t r = 0; r < runs.size(); ++r)
      b += std::string(r ? ", " : "") + "data skip 1 using " + std::to_string(6 + i) + ":($1 == " + std::to_string(r) +
           " ? $4 : NaN) with points pt 7 ps 0.8 lc rgb '" + colours[r % 5] + "' title " + d::quote(runs[r].first);
    b += "\n";
  }
  b += "unset multiplot\nset output\n";
  std::vector<fs::path> out;
  for (const auto& [name, script] : {std::pair{std::string("-trials"), a}, std::pair{std::string("-params"), b}}) {
    const fs::path png = stem.string() + name + ".png", gp = png.string() + ".gp";
    d::write_file(gp, script);
    d::run_gnuplot(fs::absolute(gp), png, csv);
    out.push_back(png);
  }
  return out;
}

}  // namespace nndl::tune
