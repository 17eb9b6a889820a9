// The bodies of loop.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of loop.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string divergence(const epoch_record& r, const epoch_record* previous, double largest,
                                        double start_largest, double best_accuracy, std::size_t classes, bool checks) {
  char b[160];
  if (!std::isfinite(largest)) return "a weight is no longer a finite number";
  if (!checks) return "";
  if (largest > 1e6) return std::snprintf(b, sizeof b, "the weights exploded (largest %.3g)", largest), b;
  for (const auto& c : {r.evaluation_cost, r.training_cost})
    if (c && !std::isfinite(*c)) return "the cost is no longer a finite number";
  const double chance = 1.0 / double(classes);
  auto at_chance = [&](const epoch_record& e) {
    const auto a = e.evaluation_accuracy();
    return a && *a <= chance + 0.02;
  };
  if (!at_chance(r)) return "";
  const double a = *r.evaluation_accuracy();
  if (best_accuracy >= chance + 0.2)
    return std::snprintf(b, sizeof b, "the accuracy fell to %.2f%%, chance, after reaching %.2f%%", 100 * a,
                         100 * best_accuracy),
           b;
  if (previous && at_chance(*previous) && start_largest > 0 && largest >= 2 * start_largest)
    return std::snprintf(b, sizeof b,
                         "the accuracy stays at chance (%.2f%%) while the largest weight grew from %.3g to %.3g",
                         100 * a, start_largest, largest),
           b;
  return "";
}

NNDL_OUT_OF_LINE std::string epoch_line(const std::string& label, const epoch_record& r) {
  std::string s = label.empty() ? "Epoch " : label + ", epoch ";
  s += std::to_string(r.epoch);
  if (r.evaluation_correct)
    s += ": " + std::to_string(*r.evaluation_correct) + " / " + std::to_string(*r.evaluation_total);
  else
    s += " complete";
  char t[64];
  std::snprintf(t, sizeof t, "   (%.3f s training)\n", r.train_seconds);
  s += t;
  if (!r.note.empty()) s += r.note + "\n";
  return s;
}

}  // namespace nndl::detail
