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
