// The bodies of idx.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of idx.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

[[noreturn]] NNDL_OUT_OF_LINE void idx_fail(const std::filesystem::path& p, const std::string& problem) {
  throw data_error("nndl: " + p.string() + ": " + problem);
}

NNDL_OUT_OF_LINE std::string hex_byte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

NNDL_OUT_OF_LINE std::string dims_string(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

NNDL_OUT_OF_LINE const char* idx_type_name(std::uint8_t t) {
  switch (t) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return nullptr;
  }
}

NNDL_OUT_OF_LINE std::size_t gz_read_some(gzFile f, const std::filesystem::path& p, std::uint8_t* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 24));
    const int r = gzread(f, out + got, want);
    if (r < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      if (err == Z_ERRNO) idx_fail(p, std::string("read error: ") + std::strerror(errno));
      idx_fail(p, std::string("corrupt gzip stream: ") + (msg ? msg : "unknown zlib error"));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

NNDL_OUT_OF_LINE bool gz_cut_short(gzFile f) {
  int err = Z_OK;
  gzerror(f, &err);
  return err == Z_BUF_ERROR;
}

NNDL_OUT_OF_LINE void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

NNDL_OUT_OF_LINE bool ends_with_gz(const std::filesystem::path& p) {
  const std::string s = p.string();
  return s.size() >= 3 && s.compare(s.size() - 3, 3, ".gz") == 0;
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE idx_file read_idx(const std::filesystem::path& path, std::size_t max_bytes) {
  using detail::idx_fail;
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) idx_fail(path, "cannot open: " + ec.message());
  if (!std::filesystem::exists(st)) idx_fail(path, "cannot open: no such file");
  if (std::filesystem::is_directory(st)) idx_fail(path, "cannot open: is a directory, not a file");

  errno = 0;
  detail::gz_handle gz(gzopen(path.c_str(), "rb"));
  if (!gz.f) idx_fail(path, std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
  gzbuffer(gz.f, 1u << 18);

  idx_file out;
  out.path = path;
  std::array<std::uint8_t, 4> magic{};
  const std::size_t got_magic = detail::gz_read_some(gz.f, path, magic.data(), 4);
  if (got_magic == 0) idx_fail(path, "empty file: no IDX header");
  if (got_magic < 4)
    idx_fail(path,
             "truncated: file has " + std::to_string(got_magic) + " bytes, too short for the 4-byte IDX magic number");
  if (magic[0] != 0 || magic[1] != 0)
    idx_fail(path, "bad magic: first two bytes are " + detail::hex_byte(magic[0]) + " " + detail::hex_byte(magic[1]) +
                       ", an IDX file starts with 0x00 0x00");
  out.type = magic[2];
  const char* tname = detail::idx_type_name(out.type);
  if (!tname) idx_fail(path, "bad magic: unknown IDX element type code " + detail::hex_byte(out.type));
  if (out.type != 0x08)
    idx_fail(path, "unsupported element type " + detail::hex_byte(out.type) + " (" + tname +
                       "): only 0x08 (unsigned byte) is supported");
  const unsigned ndims = magic[3];
  if (ndims < 1 || ndims > 4) idx_fail(path, "bad magic: " + std::to_string(ndims) + " dimensions, expected 1 to 4");

  std::array<std::uint8_t, 16> raw{};
  const std::size_t got_dims = detail::gz_read_some(gz.f, path, raw.data(), 4 * ndims);
  if (got_dims < 4 * ndims)
    idx_fail(path, "truncated: header declares " + std::to_string(ndims) + " dimensions but the file ends inside them");
  for (unsigned d = 0; d < ndims; ++d) {
    const std::uint8_t* b = raw.data() + 4 * d;
    out.dims.push_back((std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) | (std::size_t{b[2]} << 8) |
                       std::size_t{b[3]});
  }
  const std::string dstr = detail::dims_string(out.dims);
  if (std::find(out.dims.begin(), out.dims.end(), 0) != out.dims.end())
    idx_fail(path, "zero dimension in header: dims " + dstr);

  std::size_t declared = 1;
  for (std::size_t d : out.dims) {
    if (declared > std::numeric_limits<std::size_t>::max() / d)
      idx_fail(path, "absurd size: dims " + dstr + " overflow a 64-bit byte count");
    declared *= d;
  }
  if (declared > max_bytes)
    idx_fail(path, "absurd size: dims " + dstr + " = " + std::to_string(declared) +
                       " bytes of data, above the limit of " + std::to_string(max_bytes));

  // Grow as data arrives: a lying header costs at most the reservation below.
  constexpr std::size_t chunk = std::size_t{4} << 20;
  out.bytes.reserve(std::min(declared, std::size_t{64} << 20));
  std::size_t have = 0;
  while (have < declared) {
    const std::size_t want = std::min(chunk, declared - have);
    out.bytes.resize(have + want);
    const std::size_t r = detail::gz_read_some(gz.f, path, out.bytes.data() + have, want);
    have += r;
    if (r < want) break;
  }
  out.bytes.resize(have);
  if (have < declared)
    idx_fail(path, std::string("truncated: header says ") + std::to_string(declared) + " bytes of data, file has " +
                       std::to_string(have) + (detail::gz_cut_short(gz.f) ? " (the gzip stream ends early)" : ""));

  // Anything after the declared data is an error (count it in a small scratch buffer). Reading
  // to the end also makes zlib check the gzip CRC and length trailer.
  std::array<std::uint8_t, 1u << 16> scratch;
  std::size_t extra = 0;
  for (;;) {
    const std::size_t r = detail::gz_read_some(gz.f, path, scratch.data(), scratch.size());
    extra += r;
    if (r < scratch.size()) break;
  }
  if (extra > 0)
    idx_fail(path, "trailing bytes: " + std::to_string(extra) + " bytes after the " + std::to_string(declared) +
                       " bytes of data declared by dims " + dstr);
  if (detail::gz_cut_short(gz.f))
    idx_fail(path, "corrupt gzip stream: it ends before its CRC trailer (file cut short?)");
  return out;
}

NNDL_OUT_OF_LINE void write_raw(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  detail::atomic_file out(path);
  const auto& tmp = out.temp();
  auto fail = [&](const std::string& problem) { detail::idx_fail(path, problem); };  // out removes tmp
  errno = 0;
  if (detail::ends_with_gz(path)) {
    detail::gz_handle gz(gzopen(tmp.c_str(), "wb"));
    if (!gz.f) fail("cannot create " + tmp.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = static_cast<unsigned>(std::min<std::size_t>(bytes.size() - done, 1u << 24));
      if (gzwrite(gz.f, bytes.data() + done, n) != static_cast<int>(n)) {
        int err = 0;
        const char* msg = gzerror(gz.f, &err);
        fail(std::string("write failed: ") + (err == Z_ERRNO ? std::strerror(errno) : msg));
      }
      done += n;
    }
    if (gz.close() != Z_OK) fail(std::string("write failed on close: ") + std::strerror(errno));
  } else {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fail("cannot create " + tmp.string() + ": " + std::strerror(errno));
    const bool ok = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    const int saved = errno;
    if (std::fclose(f) != 0 || !ok) fail(std::string("write failed: ") + std::strerror(ok ? errno : saved));
  }
  if (const std::string problem = out.commit(); !problem.empty()) fail(problem);
}

NNDL_OUT_OF_LINE void write_idx(const std::filesystem::path& path, const std::vector<std::size_t>& dims,
                                std::span<const std::uint8_t> bytes) {
  if (dims.empty() || dims.size() > 4)
    detail::idx_fail(path, "cannot write " + std::to_string(dims.size()) + " dimensions: IDX allows 1 to 4");
  std::size_t n = 1;
  for (std::size_t d : dims) {
    if (d == 0 || d > 0xFFFFFFFFu)
      detail::idx_fail(path, "cannot write dimension " + std::to_string(d) + ": must be 1 to 2^32-1");
    if (n > std::numeric_limits<std::size_t>::max() / d)
      detail::idx_fail(path, "cannot write: dims overflow a 64-bit byte count");
    n *= d;
  }
  if (n != bytes.size())
    detail::idx_fail(path, "cannot write: dims " + detail::dims_string(dims) + " need " + std::to_string(n) +
                               " bytes, given " + std::to_string(bytes.size()));
  std::vector<std::uint8_t> out{0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  out.reserve(4 + 4 * dims.size() + bytes.size());
  for (std::size_t d : dims) detail::put_be32(out, static_cast<std::uint32_t>(d));
  out.insert(out.end(), bytes.begin(), bytes.end());
  write_raw(path, out);
}
}  // namespace nndl

namespace nndl::detail {

NNDL_OUT_OF_LINE std::size_t check_idx_pair(const idx_file& images, const idx_file& labels, std::size_t classes) {
  if (images.dims.size() != 2 && images.dims.size() != 3)
    idx_fail(images.path, "expected images with 3 dims {N, rows, cols} or 2 dims {N, features}, "
                          "got dims " +
                              dims_string(images.dims));
  if (labels.dims.size() != 1)
    idx_fail(labels.path, "expected labels with 1 dim {N}, got dims " + dims_string(labels.dims));
  const std::size_t n = images.dims[0];
  if (labels.dims[0] != n)
    throw data_error("nndl: image and label counts disagree: " + std::to_string(n) + " images in " +
                     images.path.string() + ", " + std::to_string(labels.dims[0]) + " labels in " +
                     labels.path.string());
  for (std::size_t i = 0; i < n; ++i)
    if (labels.bytes[i] >= classes)
      idx_fail(labels.path, "label out of range: label " + std::to_string(labels.bytes[i]) + " at index " +
                                std::to_string(i) + ", expected 0 to " + std::to_string(classes - 1));
  return n;
}

}  // namespace nndl::detail
