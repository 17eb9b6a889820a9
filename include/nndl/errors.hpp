// The errors nndl throws for bad input, one place for all of them. Each message names the file (or
// the data set) and the problem in plain words, so that a program can print what() and stop.
//   data_error      a data file (IDX, pickle, image) that is missing, unreadable or malformed
//   data_not_found  no data folder was given and none was found where nndl looks
//   image_error     an image file that cannot be read, decoded or written
//   model_error     a model or checkpoint file that cannot be written or read
//   training_diverged  the weights of a training run stopped being finite numbers
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace nndl {

/// A data file is missing, unreadable or malformed. The message names the file and the problem.
struct data_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// No data folder was given and the default one has no MNIST: the message says what to do.
struct data_not_found : data_error {
  using data_error::data_error;
};

/// An image file that cannot be read, decoded or written; what() names the file and the problem.
struct image_error : data_error {
  /// The error of `file` (empty: an image in memory), and what is wrong.
  image_error(const std::filesystem::path& file, const std::string& problem)
      : data_error("nndl: image " + (file.empty() ? std::string("(in memory)") : file.string()) + ": " + problem),
        file_(file),
        problem_(problem) {}
  /// The image file (empty for one in memory).
  const std::filesystem::path& file() const { return file_; }
  /// What is wrong, without the file's name.
  const std::string& problem() const { return problem_; }

 private:
  std::filesystem::path file_;
  std::string problem_;
};

/// A model file that cannot be written or read; what() names the file and the problem.
struct model_error : std::runtime_error {
  /// The error of `file`, and what is wrong with it.
  model_error(const std::filesystem::path& file, const std::string& problem)
      : std::runtime_error("nndl: model file " + file.string() + ": " + problem), file_(file) {}
  /// The model file.
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

/// Thrown by training when the weights stop being finite numbers; the message names the epoch and η.
struct training_diverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace nndl
