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

NNDL_OUT_OF_LINE train_history run_epochs(training_steps& steps, std::size_t n, std::size_t classes,
                                          const train_options& o) {
  using clock = std::chrono::steady_clock;
  process_group* const group = o.data_parallel;
  const bool speaks = !group || group->rank() == 0;  // only process 0 prints
  bool group_stop = false;                           // any process's stop flag at the last step
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng shuffler(o.seed);
  double eta = o.eta;  // callbacks may change it between epochs (eta_schedule)
  double best = 0;     // the best evaluation accuracy so far
  const double start_largest = steps.largest_parameter();
  train_history h;
  auto throw_diverged = [](std::size_t epoch, double eta_now, const std::string& why) {
    char e[32];
    std::snprintf(e, sizeof e, "%g", eta_now);
    throw training_diverged("nndl: training diverged in epoch " + std::to_string(epoch) + " (eta = " + e + "): " + why +
                            "; try a smaller eta");
  };
  if (o.shuffle)
    for (std::size_t epoch = 0; epoch < o.first_epoch && epoch < o.epochs; ++epoch)
      shuffler.shuffle(order.begin(), order.end());
  const auto begin = clock::now();
  const std::size_t batches = (n + o.mini_batch - 1) / o.mini_batch;
  for (std::size_t epoch = o.first_epoch; epoch < o.epochs; ++epoch) {
    const auto t0 = clock::now();
    if (o.shuffle) shuffler.shuffle(order.begin(), order.end());
    const step_settings s{eta, o.lambda, n};
    const std::size_t first = epoch == o.first_epoch ? o.first_batch : 0;
    for (std::size_t batch = first; batch < batches; ++batch) {
      const std::size_t k = batch * o.mini_batch, next = std::min(k + o.mini_batch, n);
      bool stop_now = false;
      if (group) {  // the processes agree on stopping: the flags (as they were before the step) travel with the sums
        const auto mine = share(next - k, group->rank(), group->size());
        stop_now = group_stop = steps.take_shared(std::span(order).subspan(k + mine.begin, mine.count), next - k, s,
                                                  *group, o.stop && o.stop->load(std::memory_order_relaxed));
      } else {
        steps.take(std::span(order).subspan(k, next - k), s,
                   std::span(order).subspan(next, std::min(o.mini_batch, n - next)));
      }
      steps.batch_end(batch, batches);
      if (!group) stop_now = o.stop && o.stop->load(std::memory_order_relaxed);
      if (stop_now && batch + 1 < batches) {
        h.interrupted = true, h.epochs_done = epoch, h.batches_done = batch + 1;
        h.stop_reason = "interrupted after mini-batch " + std::to_string(batch + 1) + " of " + std::to_string(batches) +
                        " in epoch " + std::to_string(epoch);
        break;
      }
    }
    if (h.interrupted) break;
    epoch_record r;
    r.epoch = epoch;
    r.eta = eta;
    r.train_seconds = std::chrono::duration<double>(clock::now() - t0).count();
    h.train_seconds += r.train_seconds;
    const double largest = steps.largest_parameter();
    if (!std::isfinite(largest))
      throw_diverged(epoch, eta, divergence(r, nullptr, largest, start_largest, best, classes, false));
    r.elapsed_seconds = std::chrono::duration<double>(clock::now() - begin).count();  // as callbacks see it
    const bool stop = steps.epoch_end(r);
    r.elapsed_seconds = std::chrono::duration<double>(clock::now() - begin).count();
    const epoch_record* previous = h.epochs.empty() ? nullptr : &h.epochs.back();
    if (const std::string why = divergence(r, previous, largest, start_largest, best, classes, o.stop_on_divergence);
        !why.empty())
      throw_diverged(epoch, eta, why);
    if (const auto a = r.evaluation_accuracy()) best = std::max(best, *a);
    if (o.verbose && o.out && speaks) *o.out << epoch_line(o.label, r) << std::flush;
    if (r.next_eta) eta = *r.next_eta;
    h.epochs.push_back(r);
    h.epochs_done = epoch + 1;
    if (stop) {
      h.stop_reason = r.note.empty() ? "stopped by a callback" : r.note;
      break;
    }
    if ((group ? group_stop : o.stop && o.stop->load(std::memory_order_relaxed)) && epoch + 1 < o.epochs) {
      h.interrupted = true;
      h.stop_reason = "interrupted after epoch " + std::to_string(epoch);
      break;
    }
  }
  h.total_seconds = std::chrono::duration<double>(clock::now() - begin).count();
  h.eta = eta;
  return h;
}

}  // namespace nndl::detail
