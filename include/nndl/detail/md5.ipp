// The bodies of md5.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of md5.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string md5_file(const std::filesystem::path& path) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw data_error("nndl: " + path.string() + ": cannot open: " + std::strerror(errno ? errno : ENOENT));
  md5 h;
  std::vector<std::uint8_t> buf(std::size_t{1} << 20);
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) h.update(std::span(buf.data(), n));
  const bool failed = std::ferror(f) != 0;
  const int saved = errno;
  std::fclose(f);
  if (failed) throw data_error("nndl: " + path.string() + ": read error: " + std::strerror(saved));
  return h.hex();
}

}  // namespace nndl::detail
