// nndl-serve's answers (api.hpp): predictions from image bytes or pixels, and the model view.
#include "api.hpp"

#include <nndl/data/image.hpp>
#include <nndl/io/model_record.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <span>
#include <utility>

namespace serve {

namespace {

/// A value as JSON with 6 decimals: the inputs the network saw, short enough to send 784 of them.
double six_decimals(double v) { return std::round(v * 1e6) / 1e6; }

}  // namespace

api::api(const nndl::model& m, std::string name, std::size_t max_pixels, pixel_budget& budget)
    : model_(m),
      name_(std::move(name)),
      max_pixels_(max_pixels),
      budget_(budget),
      weights_(first_layer_tiles(m, max_tiles)) {}

nlohmann::json api::predict(const std::string& body, const std::string& content_type) const {
  if (body.empty())
    throw api_error(400,
                    "empty request body: send an image (PNG, JPEG, BMP, PGM) or {\"pixels\": [784 values in 0..1]}");
  const auto first =
      std::find_if(body.begin(), body.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
  const bool json = content_type.rfind("application/json", 0) == 0 || (first != body.end() && *first == '{');
  return json ? predict_pixels(body) : predict_image(body);
}

nlohmann::json api::predict_image(const std::string& bytes) const {
  nndl::preprocess_steps steps;
  std::array<float, 784> x{};
  nndl::gray_image g;
  // The image's pixels are taken from the budget of all requests before it is decoded (one over
  // --max-pixels takes none: decode_image refuses it from its header).
  const std::span data(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  const std::size_t pixels = nndl::decode_pixels(data);
  const pixel_budget::share share(budget_, pixels <= max_pixels_ ? pixels : 0);
  if (!share.ok())
    throw api_error(503, "busy: the images being decoded now hold the server's budget of " +
                             std::to_string(budget_.total()) + " pixels; try again in a moment");
  try {
    g = nndl::decode_image(data, "upload", max_pixels_);
  } catch (const nndl::image_error& e) {
    throw api_error(400, e.problem());
  }
  const std::size_t width = g.width, height = g.height;
  try {
    x = nndl::mnist_preprocess(std::move(g), &steps);  // exactly nndl-predict's preprocessing
  } catch (const nndl::image_error& e) {
    throw api_error(400, e.problem());
  }
  auto j = answer(std::vector<float>(x.begin(), x.end()));
  j["image"] = {{"width", width}, {"height", height}, {"inverted", steps.inverted}};
  return j;
}

nlohmann::json api::predict_pixels(const std::string& json_text) const {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {  // (its what() quotes the bytes it read: never sent back)
    throw api_error(400, "the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::out_of_range&) {
    throw api_error(400, "the body is not valid JSON: a number in it is too large for a double (such as 1e999)");
  } catch (const nlohmann::json::exception&) {
    throw api_error(400, "the body is not valid JSON");
  }
  const std::size_t n = model_.input_size();
  if (!j.is_object() || !j.contains("pixels"))
    throw api_error(400, "expected {\"pixels\": [" + std::to_string(n) + " values in 0..1]}");
  const auto& p = j["pixels"];
  if (!p.is_array() || p.size() != n)
    throw api_error(400, "\"pixels\" must hold " + std::to_string(n) + " numbers, found " +
                             (p.is_array() ? std::to_string(p.size()) : std::string("a ") + p.type_name()));
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!p[i].is_number()) throw api_error(400, "\"pixels\"[" + std::to_string(i) + "] is not a number");
    const double v = p[i].get<double>();
    if (!(v >= 0 && v <= 1))
      throw api_error(400, "\"pixels\"[" + std::to_string(i) + "] = " + p[i].dump() + " is outside 0..1");
    x[i] = float(v);
  }
  return answer(x);
}

nlohmann::json api::answer(const std::vector<float>& input) const {
  const auto p = model_.probabilities(input.data(), 1);
  // One network: the most probable digit, which is its most active output (probabilities keep
  // the outputs' order). An ensemble: its plurality vote, as nndl-predict reports it.
  const std::size_t digit = model_.members() > 1 ? model_.predict(input.data(), 1)[0]
                                                 : std::size_t(std::max_element(p.begin(), p.end()) - p.begin());
  nlohmann::json in = nlohmann::json::array();
  for (const float v : input) in.push_back(six_decimals(v));
  return {{"digit", digit}, {"confidence", p[digit]}, {"probabilities", p}, {"input", std::move(in)}};
}

nlohmann::json api::model_info() const {
  const auto& a = model_.architecture();
  nlohmann::json provenance;
  try {
    provenance = nlohmann::json::parse(model_.provenance());
  } catch (const nlohmann::json::exception&) {
    provenance = model_.provenance();  // shown as text
  }
  nlohmann::json weights = nullptr;
  if (!weights_.png.empty())
    weights = {{"layer", weights_.layer}, {"units", weights_.units},     {"shown", weights_.shown},
               {"tile", weights_.tile},   {"columns", weights_.columns}, {"url", "/api/weights.png"}};
  return {{"name", name_},
          {"description", nndl::describe(a)},
          {"layers", nndl::layers_string(a)},
          {"architecture", nndl::record_to_json(a)},
          {"parameters", a.parameters()},
          {"members", model_.members()},
          {"inputs", model_.input_size()},
          {"outputs", model_.output_size()},
          {"softmax", model_.softmax_output()},
          {"provenance", std::move(provenance)},
          {"weights", std::move(weights)}};
}

weight_tiles first_layer_tiles(const nndl::model& m, std::size_t max_tiles) {
  weight_tiles t;
  const auto& layers = m.architecture().layers;
  bool done = false;
  m.for_each_parameter(0, [&](std::size_t l, const auto& p) {
    if (done || p.rank != 2) return;  // the first weight matrix only
    done = true;
    const auto& r = layers.at(l);
    const std::size_t rows = p.shape[0], cols = p.shape[1];
    std::size_t side = 0;  // a tile is the first side * side values of a row
    if (r.kind == "conv") {
      side = r.window;  // {filters, channels * K * K}: the first channel's K x K
    } else {
      side = std::size_t(std::lround(std::sqrt(double(cols))));
      if (side * side != cols) return;  // not a square input: nothing to draw
    }
    t.layer = nndl::describe_layer(r);
    t.units = rows;
    t.shown = std::min(rows, max_tiles);
    t.tile = side;
    t.columns = std::size_t(std::ceil(std::sqrt(double(t.shown))));
    const std::size_t grid_rows = (t.shown + t.columns - 1) / t.columns;
    nndl::gray_image g(t.columns * (side + 1) - 1, grid_rows * (side + 1) - 1, 1.0f);
    for (std::size_t u = 0; u < t.shown; ++u) {
      const auto* w = p.value + u * cols;
      double top = 0;
      for (std::size_t i = 0; i < side * side; ++i) top = std::max(top, std::abs(double(w[i])));
      const std::size_t x0 = (u % t.columns) * (side + 1), y0 = (u / t.columns) * (side + 1);
      for (std::size_t i = 0; i < side * side; ++i)  // zero is mid-gray, the largest |w| black or white
        g.at(x0 + i % side, y0 + i / side) = float(top > 0 ? 0.5 + 0.5 * double(w[i]) / top : 0.5);
    }
    t.png = nndl::png_bytes(g);
  });
  return t;
}

}  // namespace serve
