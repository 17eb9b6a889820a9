// The bodies of image_file.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of image_file.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string byte_list(std::span<const unsigned char> b, std::size_t n) {
  std::string s;
  char buf[8];
  for (std::size_t i = 0; i < std::min(n, b.size()); ++i) {
    std::snprintf(buf, sizeof buf, "%s%02X", i ? " " : "", b[i]);
    s += buf;
  }
  return s;
}

NNDL_OUT_OF_LINE bool starts_with(std::span<const unsigned char> b, const char* magic, std::size_t n) {
  return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
}

NNDL_OUT_OF_LINE std::string image_format(std::span<const unsigned char> b) {
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) return "PNG";
  if (starts_with(b, "\xFF\xD8\xFF", 3)) return "JPEG";
  if (starts_with(b, "BM", 2)) return "BMP";
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return b[1] == '2' || b[1] == '5' ? "PGM" : "PNM";
  if (starts_with(b, "GIF8", 4)) return "GIF";
  return "";
}

NNDL_OUT_OF_LINE std::uint32_t le32(std::span<const unsigned char> b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}

NNDL_OUT_OF_LINE std::string truncation_problem(const std::string& fmt, std::span<const unsigned char> b) {
  if (fmt == "PNG") {
    // Chunks: length (4 bytes, big-endian), type (4), data, CRC (4); the last is IEND. stb_image
    // reserves the memory a chunk's length claims before reading its data (a 110-byte file claimed
    // 1.3 GB), so each chunk must end inside the file.
    std::size_t at = 8;
    while (at + 8 <= b.size()) {
      const std::uint64_t length =
          std::uint64_t(b[at]) << 24 | std::uint64_t(b[at + 1]) << 16 | std::uint64_t(b[at + 2]) << 8 | b[at + 3];
      std::string type;
      for (std::size_t i = at + 4; i < at + 8; ++i) type += std::isalpha(b[i]) ? char(b[i]) : '?';
      if (at + 12 + length > b.size())
        return "truncated PNG: chunk " + type + " at byte " + std::to_string(at) + " claims " + std::to_string(length) +
               " bytes of data, only " + std::to_string(b.size() - std::min(b.size(), at + 8)) + " bytes follow";
      if (type == "IEND") return "";
      at += 12 + std::size_t(length);
    }
    return "truncated PNG: the IEND chunk that ends every PNG file is missing";
  } else if (fmt == "JPEG") {  // an end-of-image marker FF D9 after the last start-of-scan FF DA
    std::size_t sos = 0;
    for (std::size_t i = 0; i + 1 < b.size(); ++i)
      if (b[i] == 0xFF && b[i + 1] == 0xDA) sos = i;
    bool eoi = false;
    for (std::size_t i = sos; i + 1 < b.size() && !eoi; ++i) eoi = b[i] == 0xFF && b[i + 1] == 0xD9;
    if (!eoi) return "truncated JPEG: no end-of-image marker (FF D9) after the image data";
  } else if (fmt == "BMP" && b.size() >= 54) {
    const std::uint32_t offset = le32(b, 10), header = le32(b, 14);
    if (header >= 40 && le32(b, 30) == 0) {  // BI_RGB: rows of width * bpp bits, padded to 4 bytes
      const auto w = static_cast<std::int32_t>(le32(b, 18)), h = static_cast<std::int32_t>(le32(b, 22));
      const unsigned bpp = unsigned(b[28]) | unsigned(b[29]) << 8;
      const std::uint64_t row = (std::uint64_t(std::abs(w)) * bpp + 31) / 32 * 4;
      const std::uint64_t need = offset + row * std::uint64_t(std::abs(std::int64_t(h)));
      if (b.size() < need)
        return "truncated BMP: " + std::to_string(b.size()) + " bytes, the header promises " + std::to_string(need);
    }
  } else if ((fmt == "PGM" || fmt == "PNM") && (b[1] == '5' || b[1] == '6')) {  // binary: header, then data
    std::size_t i = 2;
    long v[3] = {0, 0, 0};
    for (long& x : v) {
      for (;;) {
        while (i < b.size() && std::isspace(b[i])) ++i;
        if (i < b.size() && b[i] == '#')
          while (i < b.size() && b[i] != '\n') ++i;
        else
          break;
      }
      if (i >= b.size() || !std::isdigit(b[i])) return "truncated or malformed " + fmt + " header";
      while (i < b.size() && std::isdigit(b[i]) && x < 1000000000) x = x * 10 + (b[i++] - '0');
    }
    const std::uint64_t need =
        i + 1 + std::uint64_t(v[0]) * std::uint64_t(v[1]) * (b[1] == '6' ? 3u : 1u) * (v[2] > 255 ? 2u : 1u);
    if (b.size() < need)
      return "truncated " + fmt + ": " + std::to_string(b.size()) + " bytes, the header promises " +
             std::to_string(need);
  }
  return "";
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE gray_image to_grayscale(const unsigned char* px, std::size_t w, std::size_t h, int channels) {
  gray_image g(w, h);
  for (std::size_t i = 0; i < w * h; ++i) {
    const unsigned char* p = px + i * std::size_t(channels);
    float v = channels <= 2 ? p[0] : 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    if (channels == 2 || channels == 4) {
      const float a = p[channels - 1] / 255.0f;
      v = v * a + 255.0f * (1 - a);
    }
    g.pixels[i] = std::clamp(v / 255.0f, 0.0f, 1.0f);
  }
  return g;
}

NNDL_OUT_OF_LINE gray_image decode_image(std::span<const unsigned char> bytes, const std::filesystem::path& name,
                                         std::size_t max_pixels) {
  if (bytes.empty()) throw image_error(name, "empty file (0 bytes)");
  if (bytes.size() > std::size_t{INT32_MAX})
    throw image_error(name, "too large for an image (" + std::to_string(bytes.size()) + " bytes)");

  const std::string fmt = detail::image_format(bytes);
  if (fmt.empty())
    throw image_error(name, "not an image in a supported format (PNG, JPEG, BMP, PGM/PPM, GIF): it starts with bytes " +
                                detail::byte_list(bytes, 8));
  if (fmt == "PGM" && bytes[1] == '2')
    throw image_error(name, "ASCII PGM (P2) is not supported; save it as binary PGM (P5)");
  if (fmt == "PNM" && (bytes[1] == '1' || bytes[1] == '3' || bytes[1] == '4'))
    throw image_error(name,
                      "ASCII or 1-bit PNM (P" + std::string(1, char(bytes[1])) + ") is not supported; use P5 or P6");
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), int(bytes.size()), &w, &h, &channels))
    throw image_error(name, "corrupt " + fmt + " header (" + std::string(stbi_failure_reason()) + ")");
  if (w <= 0 || h <= 0)
    throw image_error(name, "corrupt " + fmt + " header: it declares " + std::to_string(w) + " x " + std::to_string(h) +
                                " pixels (an image has at least one)");
  // stb_image decodes a 16-bit image at 16 bits before reducing it to 8: its pixels count twice.
  const bool wide = stbi_is_16_bit_from_memory(bytes.data(), int(bytes.size())) != 0;
  if (std::size_t(w) * std::size_t(h) * (wide ? 2 : 1) > max_pixels)
    throw image_error(name, fmt + " of " + std::to_string(w) + " x " + std::to_string(h) + " pixels" +
                                (wide ? " at 16 bits (counted twice)" : "") + " is too large (limit " +
                                std::to_string(max_pixels) + " pixels)");
  if (const std::string cut = detail::truncation_problem(fmt, bytes); !cut.empty()) throw image_error(name, cut);
  unsigned char* px = stbi_load_from_memory(bytes.data(), int(bytes.size()), &w, &h, &channels, 0);
  if (!px) throw image_error(name, "corrupt " + fmt + " data (" + std::string(stbi_failure_reason()) + ")");
  gray_image g;
  try {
    g = to_grayscale(px, std::size_t(w), std::size_t(h), channels);
  } catch (...) {  // out of memory: the pixels are still freed
    stbi_image_free(px);
    throw;
  }
  stbi_image_free(px);
  return g;
}

NNDL_OUT_OF_LINE std::size_t decode_pixels(std::span<const unsigned char> bytes) {
  if (bytes.empty() || bytes.size() > std::size_t{INT32_MAX}) return 0;
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), int(bytes.size()), &w, &h, &channels) || w <= 0 || h <= 0) return 0;
  return std::size_t(w) * std::size_t(h) * (stbi_is_16_bit_from_memory(bytes.data(), int(bytes.size())) ? 2 : 1);
}

NNDL_OUT_OF_LINE gray_image decode_image(const std::string& bytes, const std::filesystem::path& name,
                                         std::size_t max_pixels) {
  return decode_image(std::span(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()), name, max_pixels);
}

NNDL_OUT_OF_LINE gray_image read_image(const std::filesystem::path& file, std::size_t max_pixels) {
  const auto contents = detail::read_whole_file(file, "an image file");
  if (!contents.problem.empty()) throw image_error(file, contents.problem);
  return decode_image(contents.bytes, file, max_pixels);
}

NNDL_OUT_OF_LINE std::vector<unsigned char> png_bytes(const gray_image& g) {
  if (g.empty()) throw image_error({}, "refusing to encode an empty image");
  std::vector<unsigned char> px(g.pixels.size()), out;
  for (std::size_t i = 0; i < px.size(); ++i)
    px[i] = static_cast<unsigned char>(std::lround(255 * std::clamp(g.pixels[i], 0.0f, 1.0f)));
  auto append = [](void* to, void* data, int size) {
    auto* v = static_cast<std::vector<unsigned char>*>(to);
    v->insert(v->end(), static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + size);
  };
  if (!stbi_write_png_to_func(append, &out, int(g.width), int(g.height), 1, px.data(), int(g.width)))
    throw image_error({}, "cannot encode a " + std::to_string(g.width) + " x " + std::to_string(g.height) + " PNG");
  return out;
}

NNDL_OUT_OF_LINE void save_png(const std::filesystem::path& file, const gray_image& g) {
  if (g.empty()) throw image_error(file, "refusing to write an empty image");
  std::vector<unsigned char> px(g.pixels.size());
  for (std::size_t i = 0; i < px.size(); ++i)
    px[i] = static_cast<unsigned char>(std::lround(255 * std::clamp(g.pixels[i], 0.0f, 1.0f)));
  detail::atomic_file out(file);
  errno = 0;
  if (!stbi_write_png(out.temp().c_str(), int(g.width), int(g.height), 1, px.data(), int(g.width)))
    throw image_error(file, "cannot write " + out.temp().string() +
                                (errno ? ": " + std::generic_category().message(errno) : std::string()));
  if (const std::string problem = out.commit(); !problem.empty()) throw image_error(file, problem);
}

}  // namespace nndl
