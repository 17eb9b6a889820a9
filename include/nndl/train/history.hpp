// What training records per epoch, for callbacks to fill and programs to read back.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "../detail/out_of_line.hpp"

namespace nndl {

/// The figures of one epoch. Monitors (callbacks) fill the optional ones.
struct epoch_record {
  std::size_t epoch = 0;       ///< 0-based, as the book prints it
  double eta = 0;              ///< learning rate used in this epoch
  double train_seconds = 0;    ///< time spent in the mini-batch updates of this epoch
  double elapsed_seconds = 0;  ///< since training began, monitors included
  //! @{
  /// Correctly classified and all samples of the evaluation data (evaluate_on).
  std::optional<std::size_t> evaluation_correct, evaluation_total;
  //! @}
  /// The total cost on the evaluation data (evaluate_on with cost).
  std::optional<double> evaluation_cost;
  //! @{
  /// Correctly classified and all samples of the training data (monitor_training).
  std::optional<std::size_t> training_correct, training_total;
  //! @}
  /// The total cost on the training data (monitor_training).
  std::optional<double> training_cost;
  std::string note;                ///< e.g. why training stops after this epoch
  std::optional<double> next_eta;  ///< set by a callback (eta_schedule): η for the next epoch

  /// evaluation_correct / evaluation_total, if evaluated.
  std::optional<double> evaluation_accuracy() const {
    if (!evaluation_correct || !evaluation_total || *evaluation_total == 0) return std::nullopt;
    return double(*evaluation_correct) / double(*evaluation_total);
  }
  /// training_correct / training_total, if monitored.
  std::optional<double> training_accuracy() const {
    if (!training_correct || !training_total || *training_total == 0) return std::nullopt;
    return double(*training_correct) / double(*training_total);
  }
};

/// What a training run did: its epochs, times, and why and where it stopped.
struct train_history {
  /// One record per epoch run.
  std::vector<epoch_record> epochs;
  double train_seconds = 0;  ///< mini-batch updates only, summed over the epochs
  double total_seconds = 0;  ///< with evaluation and callbacks
  std::string stop_reason;   ///< empty when all epochs ran
  bool interrupted = false;  ///< stopped by train_options::stop before the last epoch ended
  //! @{
  /// Where a continued run starts (train_options::first_epoch, first_batch): the epochs finished,
  /// and after an interruption inside an epoch the mini-batches done in it.
  std::size_t epochs_done = 0, batches_done = 0;
  //! @}
  double eta = 0;  ///< η when training ended (eta_schedule may have changed it): for a continued run

  /// The epoch with the highest evaluation accuracy (the first of equals), if any was evaluated.
  std::optional<epoch_record> best_evaluation() const;
};

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "history.ipp"
#endif
