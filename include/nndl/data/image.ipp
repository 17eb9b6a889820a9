// The bodies of image.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of image.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE float median_of(std::vector<float> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

NNDL_OUT_OF_LINE float percentile_of(std::vector<float> v, double p) {
  if (v.empty()) return 0;
  auto at = v.begin() + std::ptrdiff_t(std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5)));
  std::nth_element(v.begin(), at, v.end());
  return *at;
}

NNDL_OUT_OF_LINE std::vector<float> border_pixels(const gray_image& g) {
  std::vector<float> v;
  for (std::size_t x = 0; x < g.width; ++x) {
    v.push_back(g.at(x, 0));
    if (g.height > 1) v.push_back(g.at(x, g.height - 1));
  }
  for (std::size_t y = 1; y + 1 < g.height; ++y) {
    v.push_back(g.at(0, y));
    if (g.width > 1) v.push_back(g.at(g.width - 1, y));
  }
  return v;
}

NNDL_OUT_OF_LINE void resample_line(const float* src, std::size_t n, std::size_t s, float* dst, std::size_t m,
                                    std::size_t d) {
  const double scale = double(n) / double(m);  // source pixels per output pixel
  for (std::size_t j = 0; j < m; ++j) {
    double v = 0;
    if (m <= n) {  // output pixel j covers source [j*scale, (j+1)*scale)
      const double a = double(j) * scale, e = double(j + 1) * scale;
      for (auto k = std::size_t(a); k < n && double(k) < e; ++k)
        v += src[k * s] * (std::min(e, double(k + 1)) - std::max(a, double(k)));
      v /= scale;
    } else {
      const double x = std::clamp((double(j) + 0.5) * scale - 0.5, 0.0, double(n - 1));
      const auto k = std::size_t(x);
      const double f = x - double(k);
      v = src[k * s] * (1 - f) + (k + 1 < n ? src[(k + 1) * s] * f : src[k * s] * f);
    }
    dst[j * d] = float(std::clamp(v, 0.0, 1.0));
  }
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE void to_ink_on_black(gray_image& g, preprocess_steps* steps) {
  if (g.empty()) return;
  float bg = detail::median_of(detail::border_pixels(g));
  const bool invert = bg > 0.5f;
  if (invert) {
    for (float& v : g.pixels) v = 1 - v;
    bg = 1 - bg;
  }
  const float top = *std::max_element(g.pixels.begin(), g.pixels.end());
  auto stretch = [&](float lo, float hi) {
    const float range = hi - lo;
    for (float& v : g.pixels) v = range > 1e-6f ? std::clamp((v - lo) / range, 0.0f, 1.0f) : 0.0f;
  };
  stretch(bg, top);
  float noise = detail::percentile_of(detail::border_pixels(g), 0.95);
  if (noise > 0.25f) noise = 0;  // that much is ink touching the border, not noise
  if (noise > 0) stretch(noise, 1);
  if (steps) steps->inverted = invert, steps->background = bg, steps->noise_floor = noise;
}

NNDL_OUT_OF_LINE pixel_box ink_box(const gray_image& g, float strong, std::size_t grow, float rim) {
  std::size_t x0 = g.width, y0 = g.height, x1 = 0, y1 = 0;
  for (std::size_t y = 0; y < g.height; ++y)
    for (std::size_t x = 0; x < g.width; ++x)
      if (g.at(x, y) > strong) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  if (x0 > x1 || y0 > y1) return {};
  auto col_has_ink = [&](std::size_t x) {
    for (std::size_t y = y0; y <= y1; ++y)
      if (g.at(x, y) > rim) return true;
    return false;
  };
  auto row_has_ink = [&](std::size_t y) {
    for (std::size_t x = x0; x <= x1; ++x)
      if (g.at(x, y) > rim) return true;
    return false;
  };
  for (std::size_t k = 0; k < grow; ++k) {
    if (x0 > 0 && col_has_ink(x0 - 1)) --x0;
    if (x1 + 1 < g.width && col_has_ink(x1 + 1)) ++x1;
    if (y0 > 0 && row_has_ink(y0 - 1)) --y0;
    if (y1 + 1 < g.height && row_has_ink(y1 + 1)) ++y1;
  }
  return {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

NNDL_OUT_OF_LINE gray_image crop(const gray_image& g, const pixel_box& b) {
  gray_image out(b.width, b.height);
  for (std::size_t y = 0; y < b.height; ++y)
    std::copy_n(&g.pixels[(b.y + y) * g.width + b.x], b.width, &out.pixels[y * b.width]);
  return out;
}

NNDL_OUT_OF_LINE gray_image crop_to_ink(const gray_image& g) {
  const pixel_box b = ink_box(g);
  return b.width ? crop(g, b) : gray_image{};
}

NNDL_OUT_OF_LINE gray_image fit_box(const gray_image& g, std::size_t box) {
  if (g.empty() || std::max(g.width, g.height) == box) return g;
  const double s = double(box) / double(std::max(g.width, g.height));
  const std::size_t w = std::clamp<std::size_t>(std::size_t(std::lround(double(g.width) * s)), 1, box);
  const std::size_t h = std::clamp<std::size_t>(std::size_t(std::lround(double(g.height) * s)), 1, box);
  gray_image across(w, g.height), out(w, h);
  for (std::size_t y = 0; y < g.height; ++y)
    detail::resample_line(&g.pixels[y * g.width], g.width, 1, &across.pixels[y * w], w, 1);
  for (std::size_t x = 0; x < w; ++x) detail::resample_line(&across.pixels[x], g.height, w, &out.pixels[x], h, w);
  return out;
}

NNDL_OUT_OF_LINE gray_image center_by_mass(const gray_image& g, std::size_t size, preprocess_steps* steps) {
  gray_image out(size, size);
  if (g.empty()) return out;
  double m = 0, cx = 0, cy = 0;
  for (std::size_t y = 0; y < g.height; ++y)
    for (std::size_t x = 0; x < g.width; ++x)
      m += g.at(x, y), cx += double(x) * g.at(x, y), cy += double(y) * g.at(x, y);
  cx = m > 0 ? cx / m : double(g.width - 1) / 2;
  cy = m > 0 ? cy / m : double(g.height - 1) / 2;
  const double mid = double(size / 2);
  const long ox = std::clamp(std::lround(mid - cx), 0L, long(size) - long(std::min(g.width, size)));
  const long oy = std::clamp(std::lround(mid - cy), 0L, long(size) - long(std::min(g.height, size)));
  for (std::size_t y = 0; y < std::min(g.height, size); ++y)
    for (std::size_t x = 0; x < std::min(g.width, size); ++x)
      out.at(std::size_t(ox) + x, std::size_t(oy) + y) = g.at(x, y);
  if (steps) steps->center_x = cx, steps->center_y = cy, steps->offset_x = ox, steps->offset_y = oy;
  return out;
}

NNDL_OUT_OF_LINE std::array<float, 784> mnist_preprocess(gray_image g, preprocess_steps* steps) {
  preprocess_steps local;
  preprocess_steps& s = steps ? *steps : local;
  to_ink_on_black(g, &s);
  s.ink = ink_box(g);
  if (s.ink.width == 0) throw image_error({}, "blank image: no ink found (every pixel is background)");
  const gray_image fitted = fit_box(crop(g, s.ink), 20);
  s.fit_width = fitted.width, s.fit_height = fitted.height;
  const gray_image field = center_by_mass(fitted, 28, &s);
  std::array<float, 784> x{};
  std::copy(field.pixels.begin(), field.pixels.end(), x.begin());
  return x;
}

NNDL_OUT_OF_LINE std::array<float, 784> mnist_preprocess_file(const std::filesystem::path& file,
                                                              preprocess_steps* steps) {
  gray_image g = read_image(file);
  try {
    return mnist_preprocess(std::move(g), steps);
  } catch (const image_error& e) {
    throw image_error(file, e.problem());
  }
}

}  // namespace nndl
