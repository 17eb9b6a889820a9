// The bodies of history.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of history.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE std::optional<epoch_record> train_history::best_evaluation() const {
  std::optional<epoch_record> best;
  for (const auto& e : epochs)
    if (e.evaluation_accuracy() && (!best || *e.evaluation_accuracy() > *best->evaluation_accuracy())) best = e;
  return best;
}

}  // namespace nndl
