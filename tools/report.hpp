// What nndl-evaluate reports on a model and a data split, and nndl-serve shows: accuracy, per-digit
// accuracy, the confusion matrix, the most confused pairs, an ensemble's members, and the
// misclassified digits as a picture (each with its true and its predicted label, as the book shows
// the errors of its best network in chapter 6).
#pragma once

#include <nndl/data/dataset.hpp>
#include <nndl/data/image.hpp>
#include <nndl/model/model.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tools {

struct evaluation {
  std::string split;  ///< "test", "validation", "training"
  std::size_t correct = 0, total = 0;
  std::vector<std::size_t> per_class_correct, per_class_total;
  std::vector<std::vector<std::size_t>> confusion;  ///< [true][predicted]
  struct error {
    std::size_t index, truth, predicted;
  };
  std::vector<error> errors;                ///< every misclassified sample, in data order
  std::vector<std::size_t> member_correct;  ///< an ensemble's members, each alone
  double seconds = 0;

  double accuracy() const { return total ? double(correct) / double(total) : 0; }
};

/// What evaluate() throws when its `go_on` callback asks it to stop.
struct evaluation_stopped : std::runtime_error {
  evaluation_stopped() : std::runtime_error("the evaluation was stopped") {}
};

/// Evaluates `m` on `data` in blocks of 1000 rows (a model's evaluate() gives the same count).
/// `go_on`, when given, is told the rows done after each block; when it returns false the
/// evaluation stops by throwing evaluation_stopped (nndl-serve: progress, and Ctrl-C).
template <class T>
evaluation evaluate(const nndl::model& m, const nndl::dataset<T>& data, const std::string& split,
                    const std::function<bool(std::size_t done)>& go_on = {}) {
  const std::size_t classes = m.output_size();
  evaluation e{split,
               0,
               data.size(),
               std::vector<std::size_t>(classes),
               std::vector<std::size_t>(classes),
               std::vector<std::vector<std::size_t>>(classes, std::vector<std::size_t>(classes)),
               {},
               {},
               0};
  e.member_correct.assign(m.members() > 1 ? m.members() : 0, 0);
  for (std::size_t start = 0; start < data.size(); start += m.eval_chunk) {
    const std::size_t rows = std::min(m.eval_chunk, data.size() - start);
    const auto predicted = m.predict(data.row(start), rows);
    for (std::size_t i = 0; i < rows; ++i) {
      const std::size_t truth = data.labels[start + i], p = predicted[i];
      ++e.per_class_total[truth];
      ++e.confusion[truth][p];
      if (p == truth) {
        ++e.correct, ++e.per_class_correct[truth];
      } else {
        e.errors.push_back({start + i, truth, p});
      }
    }
    for (std::size_t k = 0; k < e.member_correct.size(); ++k) {
      const auto mine = m.predict_member(data.row(start), rows, k);
      for (std::size_t i = 0; i < rows; ++i) e.member_correct[k] += mine[i] == data.labels[start + i];
    }
    if (go_on && !go_on(start + rows)) throw evaluation_stopped();
  }
  return e;
}

/// The n most frequent (true, predicted) confusions, most frequent first.
inline std::vector<std::array<std::size_t, 3>> most_confused(const evaluation& e, std::size_t n = 5) {
  std::vector<std::array<std::size_t, 3>> pairs;  // count, true, predicted
  for (std::size_t t = 0; t < e.confusion.size(); ++t)
    for (std::size_t p = 0; p < e.confusion.size(); ++p)
      if (t != p && e.confusion[t][p] > 0) pairs.push_back({e.confusion[t][p], t, p});
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a[0] > b[0]; });
  if (pairs.size() > n) pairs.resize(n);
  return pairs;
}

/// The report as text: the accuracy line first ("Test accuracy: 9913 / 10000 (99.13%)").
inline std::string text(const evaluation& e) {
  char b[256];
  std::string split = e.split;
  if (!split.empty()) split[0] = char(std::toupper(static_cast<unsigned char>(split[0])));
  std::snprintf(b, sizeof b, "%s accuracy: %zu / %zu (%.2f%%)\n", split.c_str(), e.correct, e.total,
                100 * e.accuracy());
  std::string s = b;
  for (std::size_t k = 0; k < e.member_correct.size(); ++k) {
    std::snprintf(b, sizeof b, "  network %zu alone: %zu / %zu (%.2f%%)\n", k + 1, e.member_correct[k], e.total,
                  e.total ? 100.0 * double(e.member_correct[k]) / double(e.total) : 0.0);
    s += b;
  }
  s += "Per digit:";
  for (std::size_t c = 0; c < e.per_class_total.size(); ++c) {
    std::snprintf(b, sizeof b, "  %zu: %.2f%%", c,
                  e.per_class_total[c] ? 100.0 * double(e.per_class_correct[c]) / double(e.per_class_total[c]) : 0.0);
    s += b;
  }
  s += "\nConfusion matrix (rows: true digit, columns: predicted):\n      ";
  for (std::size_t p = 0; p < e.confusion.size(); ++p) std::snprintf(b, sizeof b, "%6zu", p), s += b;
  s += "\n";
  for (std::size_t t = 0; t < e.confusion.size(); ++t) {
    std::snprintf(b, sizeof b, "  %2zu: ", t), s += b;
    for (std::size_t p = 0; p < e.confusion.size(); ++p) std::snprintf(b, sizeof b, "%6zu", e.confusion[t][p]), s += b;
    s += "\n";
  }
  s += "Most confused (true -> predicted):";
  for (const auto& [n, t, p] : most_confused(e)) std::snprintf(b, sizeof b, "  %zu -> %zu (%zu)", t, p, n), s += b;
  return s + "\n";
}

inline nlohmann::json json(const evaluation& e) {
  nlohmann::json pairs = nlohmann::json::array(), errors = nlohmann::json::array();
  for (const auto& [n, t, p] : most_confused(e)) pairs.push_back({{"true", t}, {"predicted", p}, {"count", n}});
  for (const auto& x : e.errors) errors.push_back({{"index", x.index}, {"true", x.truth}, {"predicted", x.predicted}});
  nlohmann::json per = nlohmann::json::array();
  for (std::size_t c = 0; c < e.per_class_total.size(); ++c)
    per.push_back({{"digit", c}, {"correct", e.per_class_correct[c]}, {"total", e.per_class_total[c]}});
  return {{"split", e.split},         {"correct", e.correct}, {"total", e.total},
          {"accuracy", e.accuracy()}, {"per_digit", per},     {"confusion", e.confusion},
          {"most_confused", pairs},   {"errors", errors},     {"members_correct", e.member_correct}};
}

namespace glyph {
/// Digits 0-9 as 3x5 pixel glyphs (one row of 3 bits per line), and an arrow.
constexpr std::array<std::array<unsigned char, 5>, 11> glyphs{{{7, 5, 5, 5, 7},
                                                               {2, 6, 2, 2, 7},
                                                               {7, 1, 7, 4, 7},
                                                               {7, 1, 7, 1, 7},
                                                               {5, 5, 7, 1, 1},
                                                               {7, 4, 7, 1, 7},
                                                               {7, 4, 7, 5, 7},
                                                               {7, 1, 2, 2, 2},
                                                               {7, 5, 7, 5, 7},
                                                               {7, 5, 7, 1, 7},
                                                               {0, 1, 7, 1, 0}}};
inline void draw_glyph(nndl::gray_image& g, std::size_t which, std::size_t x0, std::size_t y0, std::size_t scale,
                       float v) {
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t c = 0; c < 3; ++c)
      if (glyphs[which][r] & (4 >> c))
        for (std::size_t dy = 0; dy < scale; ++dy)
          for (std::size_t dx = 0; dx < scale; ++dx) g.at(x0 + c * scale + dx, y0 + r * scale + dy) = v;
}
}  // namespace glyph

/// The misclassified samples (at most `max`) as a grid of tiles: the digit (light on dark) and
/// under it "true > predicted" in small figures.
template <class T>
nndl::gray_image error_grid(const evaluation& e, const nndl::dataset<T>& data, std::size_t max = 400,
                            std::size_t columns = 20) {
  const std::size_t n = std::min(max, e.errors.size()), cols = std::max<std::size_t>(1, std::min(columns, n));
  const std::size_t side = 28, scale = 2, tile_w = side * scale + 4, tile_h = side * scale + 16;
  const std::size_t rows = n == 0 ? 1 : (n + cols - 1) / cols;
  nndl::gray_image g(cols * tile_w, rows * tile_h, 1.0f);
  for (std::size_t k = 0; k < n; ++k) {
    const auto& x = e.errors[k];
    const std::size_t ox = (k % cols) * tile_w + 2, oy = (k / cols) * tile_h + 2;
    const T* px = data.row(x.index);
    for (std::size_t y = 0; y < side * scale; ++y)
      for (std::size_t xx = 0; xx < side * scale; ++xx)
        g.at(ox + xx, oy + y) = 1.0f - std::clamp(float(px[(y / scale) * side + xx / scale]), 0.0f, 1.0f);
    const std::size_t ly = oy + side * scale + 2;
    glyph::draw_glyph(g, x.truth % 10, ox + 12, ly, 2, 0.0f);
    glyph::draw_glyph(g, 10, ox + 22, ly, 2, 0.5f);
    glyph::draw_glyph(g, x.predicted % 10, ox + 32, ly, 2, 0.0f);
  }
  return g;
}

}  // namespace tools
