// nndl-serve's JSON API, apart from HTTP: what each request is answered with, from one const
// nndl::model shared by every worker thread.
//
//   predict(body, type)  an image's bytes (PNG, JPEG, BMP, PGM: nndl-predict's preprocessing) or
//                        {"pixels": [784 values in 0..1]} -> {"digit", "confidence",
//                        "probabilities": [10], "input": [784]}
//   model_info()         the architecture, the training provenance, the first layer's weights
//   weights_png()        the first layer's weights as a grid of tiles (one per neuron or filter)
//
// Problems with a request are api_error, with the HTTP status to answer it with.
#pragma once

#include <nndl/model/model.hpp>

#include "pixel_budget.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace serve {

/// A request that cannot be answered: its status (400, 413, 503 ...) and a message for the client.
struct api_error : std::runtime_error {
  int status;
  api_error(int s, const std::string& message) : std::runtime_error(message), status(s) {}
};

/// The first layer's weights as tiles: one per neuron (28 x 28) or per filter (5 x 5).
struct weight_tiles {
  std::string layer;                  ///< "dense 256 relu", "conv 20@5x5 relu"
  std::size_t units = 0, shown = 0;   ///< how many neurons or filters, how many are drawn
  std::size_t tile = 0, columns = 0;  ///< a tile's side in pixels, tiles per row
  std::vector<unsigned char> png;     ///< the grid: tiles 1 pixel apart, each scaled on its own
};

class api {
 public:
  /// `name` stands for the model in answers (its file name, not its path); an image is decoded
  /// only when it has at most max_pixels pixels and they fit in what `budget` has left (else 503).
  api(const nndl::model& m, std::string name, std::size_t max_pixels, pixel_budget& budget);

  nlohmann::json predict(const std::string& body, const std::string& content_type) const;
  nlohmann::json predict_image(const std::string& bytes) const;
  nlohmann::json predict_pixels(const std::string& json_text) const;
  /// The answer for the 784 inputs the network sees (what the two above end in).
  nlohmann::json answer(const std::vector<float>& input) const;

  nlohmann::json model_info() const;
  const weight_tiles& weights() const { return weights_; }
  const nndl::model& model() const { return model_; }

  /// At most this many tiles are drawn (a 1,000-neuron layer shows its first 256).
  static constexpr std::size_t max_tiles = 256;

 private:
  const nndl::model& model_;
  std::string name_;
  std::size_t max_pixels_;
  pixel_budget& budget_;
  weight_tiles weights_;
};

/// The tiles of member 0's first layer with weights.
weight_tiles first_layer_tiles(const nndl::model& m, std::size_t max_tiles);

}  // namespace serve
