// The bodies of progress.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of progress.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string clock_string(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds), h = s / 3600, m = (s / 60) % 60, sec = s % 60;
  char buf[32];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", h, m, sec);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", m, sec);
  return buf;
}

}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE std::string epoch_status(const epoch_record& r, const std::string& evaluation_name) {
  std::string s;
  char buf[64];
  auto add = [&](const char* fmt, double v) {
    std::snprintf(buf, sizeof buf, fmt, v);
    s += (s.empty() ? "" : ", ") + std::string(buf);
  };
  if (const auto a = r.evaluation_accuracy()) add((evaluation_name + " %.2f%%").c_str(), 100 * *a);
  if (r.evaluation_cost) add((evaluation_name + " cost %.4g").c_str(), *r.evaluation_cost);
  if (const auto a = r.training_accuracy()) add("train %.2f%%", 100 * *a);
  if (r.training_cost) add("train cost %.4g", *r.training_cost);
  return s;
}

}  // namespace nndl

namespace nndl {

NNDL_OUT_OF_LINE void progress::tick(std::size_t n, const std::string& status) {
  done_ += n;
  if (!status.empty()) status_ = status;
  if (o_.quiet || !o_.out || finished_) return;
  const auto now = clock::now();
  if (terminal_) {
    if (done_ >= total_ || now - last_draw_ >= std::chrono::milliseconds(100) || draws_ == 0) draw(now);
  } else if (n > 0) {
    const double frac = total_ ? double(done_) / double(total_) : 1.0;
    const bool due = o_.plain_every <= 0 || done_ >= total_ ||
                     std::floor(frac / o_.plain_every + 1e-9) > std::floor(last_frac_ / o_.plain_every + 1e-9);
    if (due) {
      std::fprintf(o_.out, "%s\n", plain_line(now).c_str());
      std::fflush(o_.out);
      last_frac_ = frac;
      ++draws_;
    }
  }
}

NNDL_OUT_OF_LINE void progress::note(const std::string& line) {
  if (o_.quiet || !o_.out) return;
  if (terminal_ && draws_ > 0 && !finished_) std::fprintf(o_.out, "\r\033[K");
  std::fprintf(o_.out, "%s\n", line.c_str());
  if (terminal_ && draws_ > 0 && !finished_) draw(clock::now());
  std::fflush(o_.out);
}

NNDL_OUT_OF_LINE void progress::finish() {
  if (finished_) return;
  if (!o_.quiet && o_.out) {
    if (terminal_ && draws_ > 0) {
      draw(clock::now());
      std::fprintf(o_.out, "\n");
    } else if (!terminal_ && done_ > 0 && last_frac_ < (total_ ? double(done_) / double(total_) : 1.0)) {
      std::fprintf(o_.out, "%s\n", plain_line(clock::now()).c_str());  // stopped early: say where
    }
    std::fflush(o_.out);
  }
  finished_ = true;
}

NNDL_OUT_OF_LINE std::string progress::figures(clock::time_point now, const char* sep) const {
  const double e = std::chrono::duration<double>(now - start_).count();
  const double r = e > 0 ? double(done_) / e : 0;
  char buf[160];
  std::snprintf(buf, sizeof buf, r >= 100 ? "%.0f %s/s%s%s elapsed%sETA %s" : "%.2f %s/s%s%s elapsed%sETA %s", r,
                unit_.c_str(), sep, detail::clock_string(e).c_str(), sep,
                done_ >= total_ ? "0:00" : detail::clock_string(r > 0 ? double(total_ - done_) / r : NAN).c_str());
  return buf;
}

NNDL_OUT_OF_LINE std::string progress::plain_line(clock::time_point now) const {
  std::string s = unit_ + " " + std::to_string(done_) + "/" + std::to_string(total_) + " (" +
                  std::to_string(percent()) + "%), " + figures(now, ", ");
  if (!status_.empty()) s += ", " + status_;
  return s;
}

NNDL_OUT_OF_LINE void progress::draw(clock::time_point now) {
  const std::size_t w = o_.bar_width;
  const std::size_t fill = total_ ? std::min(w, w * done_ / total_) : w;
  std::string line = unit_ + " " + std::to_string(done_) + "/" + std::to_string(total_) + " [" +
                     std::string(fill, '#') + std::string(w - fill, '.') + "] " + std::to_string(percent()) + "%  " +
                     figures(now, "  ");
  if (!status_.empty()) line += "  " + status_;
  if (const std::size_t cols = columns(); cols > 1 && line.size() >= cols) line.resize(cols - 1);
  std::fprintf(o_.out, "\r\033[K%s", line.c_str());
  std::fflush(o_.out);
  last_draw_ = now;
  ++draws_;
}

}  // namespace nndl
