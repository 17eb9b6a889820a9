// The bodies of plot.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of plot.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE std::optional<std::filesystem::path> find_gnuplot() {
  const char* env = std::getenv("PATH");
  const std::string path = env ? env : "/usr/bin:/bin";
  std::size_t begin = 0;
  while (begin <= path.size()) {
    const std::size_t end = std::min(path.find(':', begin), path.size());
    const std::string dir = end > begin ? path.substr(begin, end - begin) : ".";
    const auto exe = std::filesystem::path(dir) / "gnuplot";
    struct stat st {};
    if (::stat(exe.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(exe.c_str(), X_OK) == 0) return exe;
    begin = end + 1;
  }
  return std::nullopt;
}
}  // namespace nndl

namespace nndl::plot {

NNDL_OUT_OF_LINE std::string number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

NNDL_OUT_OF_LINE std::string number(const std::optional<double>& v) { return v ? number(*v) : std::string(); }

NNDL_OUT_OF_LINE std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("''") : std::string(1, static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  return out + "'";
}

NNDL_OUT_OF_LINE std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

NNDL_OUT_OF_LINE void write_file(const std::filesystem::path& path, const std::string& text) {
  if (const std::string problem = detail::write_file_atomically(path, text); !problem.empty())
    throw plot_error("cannot write " + path.string() + ": " + problem);
}

NNDL_OUT_OF_LINE std::string script(const std::filesystem::path& png, const std::filesystem::path& csv,
                                    const std::filesystem::path& gp, const plot_options& o, std::size_t lo,
                                    std::size_t hi, const std::vector<panel>& panels) {
  const std::string size = panels.size() == 1 ? "700,500" : "1200,500";
  std::size_t step = 0;  // x tics: 1, 2, 5, 10, 20, ... epochs, at most about 10 of them
  for (std::size_t m = 1; !step; m *= 10)
    for (std::size_t k : {1, 2, 5})
      if (!step && hi - lo <= 10 * k * m) step = k * m;
  std::string s = "# Learning curves written by nndl. Re-plot with: gnuplot " + quote(gp.string()) +
                  "\nif (!exists(\"out\")) out = " + quote(png.string()) + "\ndata = " + quote(csv.string()) +
                  "\nif (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n  set terminal pngcairo size " + size +
                  " noenhanced font 'sans,11'\n} else {\n  set terminal png size " + size +
                  " noenhanced\n}\nset output out\nset datafile separator comma\nset grid\n"
                  "set key below horizontal reverse Left samplen 3 width 2 height 1\nset xlabel 'epoch'\n"
                  "set xrange [" +
                  number(double(lo) - (hi == lo) * 0.5) + ":" + number(double(hi) + (hi == lo) * 0.5) +
                  "]\nset xtics " + std::to_string(step) + "\nx0 = " + std::to_string(lo) +
                  "\nset multiplot layout 1," + std::to_string(panels.size());
  if (!o.title.empty()) s += " title " + quote(o.title) + " font ',14'";
  for (const auto& p : panels) {
    s += "\nset title " + quote(p.title) + "\nset ylabel " + quote(p.ylabel) + "\nplot ";
    for (std::size_t i = 0; i < p.lines.size(); ++i) {
      const auto& l = p.lines[i];
      s += (i ? ", \\\n     " : "") + std::string("data skip 1 using 1:($1 < x0 ? NaN : ") +
           (l.percent ? "100*$" : "$") + std::to_string(l.column) + ") with " +
           (hi - lo < 60 ? "linespoints pt 7 ps 0.6" : "lines") + " lw 2 lc rgb '" + l.colour + "' title " +
           quote(l.title);
    }
  }
  return s + "\nunset multiplot\nset output\n";
}

NNDL_OUT_OF_LINE void run_gnuplot(const std::filesystem::path& gp, const std::filesystem::path& png,
                                  const std::filesystem::path& csv) {
  const auto exe = find_gnuplot();
  if (!exe)
    throw plot_error("gnuplot not found: apt-get install gnuplot-nox (the figures are in " + csv.string() + ")");
  detail::atomic_file out(png);  // gnuplot draws into out.temp(); removed unless committed
  const auto& tmp = out.temp();
  auto fail = [&](const std::string& why) { throw plot_error("gnuplot failed on " + gp.string() + ": " + why); };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  std::string a0 = exe->string(), a1 = "-e", a2 = "out = " + quote(tmp.string()), a3 = gp.string();
  char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, a0.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  std::string said;
  if (rc == 0) {
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;)
      if (n > 0)
        said.append(buf, std::size_t(n));
      else if (errno != EINTR)
        break;
  }
  ::close(fds[0]);
  if (rc != 0) fail("cannot run " + a0 + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail(std::string("waitpid: ") + std::strerror(errno));
  if (said.size() > 2000) said = "..." + said.substr(said.size() - 2000);
  if (!said.empty()) said = "\n" + said;
  if (WIFSIGNALED(status)) fail("killed by signal " + std::to_string(WTERMSIG(status)) + said);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("exit status " + std::to_string(WEXITSTATUS(status)) + said);
  char sig[8] = {};
  std::ifstream f(tmp, std::ios::binary);
  if (!f.read(sig, 8) || std::memcmp(sig, "\x89PNG\r\n\x1a\n", 8) != 0) fail("it wrote no PNG" + said);
  f.close();
  if (const std::string problem = out.commit(); !problem.empty()) fail(problem);
}

NNDL_OUT_OF_LINE std::pair<std::filesystem::path, std::filesystem::path> beside(const std::filesystem::path& png) {
  if (png.empty() || !png.has_filename()) throw plot_error("not a PNG file name: '" + png.string() + "'");
  if (png.string().find_first_of("\n\r") != std::string::npos)
    throw plot_error("a line break in the file name: " + png.string());
  auto csv = png, gp = png;
  csv.replace_extension(".csv"), gp.replace_extension(".gp");
  if (csv == png || gp == png) throw plot_error("the PNG would be overwritten by its CSV or script: " + png.string());
  return {csv, gp};
}

NNDL_OUT_OF_LINE std::filesystem::path draw(const std::filesystem::path& png, const std::string& csv_text,
                                            const plot_options& o, std::size_t lo, std::size_t hi,
                                            const std::vector<panel>& panels) {
  namespace fs = std::filesystem;
  const auto [csv, gp] = beside(png);
  write_file(csv, csv_text);
  write_file(gp, script(fs::absolute(png), fs::absolute(csv), fs::absolute(gp), o, lo, hi, panels));
  run_gnuplot(fs::absolute(gp), png, csv);
  return png;
}
}  // namespace nndl::plot

namespace nndl {

NNDL_OUT_OF_LINE std::filesystem::path plot_history(const train_history& h, const std::filesystem::path& png,
                                                    const plot_options& o) {
  namespace d = plot;
  d::beside(png);  // checks the name before anything else
  if (h.epochs.empty()) throw plot_error("empty training history: nothing to plot in " + png.string());
  bool has[4] = {};  // evaluation accuracy, training accuracy, evaluation cost, training cost
  std::size_t lo = std::numeric_limits<std::size_t>::max(), hi = 0;
  std::string text = "epoch,evaluation_accuracy,training_accuracy,evaluation_cost,training_cost\n";
  for (const auto& e : h.epochs) {
    const std::optional<double> v[4] = {e.evaluation_accuracy(), e.training_accuracy(), e.evaluation_cost,
                                        e.training_cost};
    text += std::to_string(e.epoch);
    for (int i = 0; i < 4; ++i) {
      text += ',', text += d::number(v[i]);
      if (e.epoch >= o.first_epoch) has[i] = has[i] || v[i].has_value();
    }
    text += '\n';
    if (e.epoch >= o.first_epoch) lo = std::min(lo, e.epoch), hi = std::max(hi, e.epoch);
  }
  if (lo > hi)
    throw plot_error("no epoch from first_epoch " + std::to_string(o.first_epoch) + " on: nothing to plot in " +
                     png.string());
  if (!has[0] && !has[1] && !has[2] && !has[3])
    throw plot_error("the history has no accuracy or cost (add evaluate_on or monitor_training): nothing to plot in " +
                     png.string());
  const std::string eval = o.evaluation_name + " data", blue = "#1f77b4", orange = "#ff7f0e";
  std::vector<d::panel> panels;
  if (has[0] || has[1]) panels.push_back({"accuracy", "accuracy (%)", {}});
  if (has[0]) panels.back().lines.push_back({2, true, eval, blue});
  if (has[1]) panels.back().lines.push_back({3, true, "training data", orange});
  if (has[2] || has[3]) panels.push_back({"cost", "cost", {}});
  if (has[2]) panels.back().lines.push_back({4, false, eval, blue});
  if (has[3]) panels.back().lines.push_back({5, false, "training data", orange});
  return d::draw(png, text, o, lo, hi, panels);
}

NNDL_OUT_OF_LINE std::filesystem::path plot_histories(const std::vector<std::pair<std::string, train_history>>& runs,
                                                      const std::filesystem::path& png, const plot_options& o) {
  namespace d = plot;
  d::beside(png);  // checks the name before anything else
  if (runs.empty()) throw plot_error("no runs: nothing to plot in " + png.string());
  bool all_cost = true;
  std::vector<std::size_t> epochs;
  for (const auto& [name, h] : runs) {
    bool acc = false, cost = false;
    for (const auto& e : h.epochs) {
      epochs.push_back(e.epoch);
      if (e.epoch < o.first_epoch) continue;
      acc = acc || e.evaluation_accuracy().has_value();
      cost = cost || e.evaluation_cost.has_value();
    }
    if (!acc)
      throw plot_error("run '" + name + "' has no evaluation accuracy" +
                       (o.first_epoch ? " from epoch " + std::to_string(o.first_epoch) : std::string()) +
                       " (train it with evaluate_on): nothing to plot in " + png.string());
    all_cost = all_cost && cost;
  }
  std::sort(epochs.begin(), epochs.end());
  epochs.erase(std::unique(epochs.begin(), epochs.end()), epochs.end());
  std::string text = "epoch";
  for (const auto& r : runs)
    text += ',' + d::csv_field(r.first + " evaluation_accuracy") + ',' + d::csv_field(r.first + " evaluation_cost");
  text += '\n';
  for (std::size_t ep : epochs) {
    text += std::to_string(ep);
    for (const auto& r : runs) {
      const auto it = std::find_if(r.second.epochs.begin(), r.second.epochs.end(),
                                   [&](const epoch_record& e) { return e.epoch == ep; });
      text += ',';
      if (it != r.second.epochs.end()) text += d::number(it->evaluation_accuracy());
      text += ',';
      if (it != r.second.epochs.end()) text += d::number(it->evaluation_cost);
    }
    text += '\n';
  }
  const auto from = std::lower_bound(epochs.begin(), epochs.end(), o.first_epoch);
  const std::size_t lo = *from, hi = epochs.back();  // a run has an epoch >= first_epoch, checked above
  static const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  const std::string on = " on the " + o.evaluation_name + " data";
  std::vector<d::panel> panels{{"accuracy" + on, "accuracy (%)", {}}, {"cost" + on, "cost", {}}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string name = runs[i].first.empty() ? "run " + std::to_string(i + 1) : runs[i].first;
    panels[0].lines.push_back({2 + 2 * i, true, name, colours[i % 10]});
    panels[1].lines.push_back({3 + 2 * i, false, name, colours[i % 10]});
  }
  if (!all_cost) panels.pop_back();
  return d::draw(png, text, o, lo, hi, panels);
}

}  // namespace nndl
