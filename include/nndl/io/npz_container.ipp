// The bodies of npz_container.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of npz_container.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string zip_message(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

NNDL_OUT_OF_LINE void write_npz(const std::filesystem::path& file,
                                const std::vector<std::pair<std::string, std::string>>& entries) {
  detail::atomic_file out(file);
  const auto& tmp = out.temp();
  auto fail = [&](const std::string& problem) { throw model_error(file, problem); };  // out removes tmp
  int err = 0;
  detail::zip_ptr z(zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err));
  if (!z) fail("cannot create " + tmp.string() + ": " + detail::zip_message(err));
  for (const auto& [name, bytes] : entries) {
    zip_source_t* src = zip_source_buffer(z.get(), bytes.data(), bytes.size(), 0);
    if (!src) fail("cannot add " + name + ": " + zip_strerror(z.get()));
    const zip_int64_t i = zip_file_add(z.get(), name.c_str(), src, ZIP_FL_OVERWRITE);
    if (i < 0) {
      zip_source_free(src);
      fail("cannot add " + name + ": " + zip_strerror(z.get()));
    }
    zip_set_file_compression(z.get(), zip_uint64_t(i), ZIP_CM_STORE, 0);  // as numpy.savez
  }
  if (zip_close(z.get()) != 0) fail("writing " + tmp.string() + " failed: " + zip_strerror(z.get()));
  z.release();  // zip_close freed it
  if (const std::string problem = out.commit(); !problem.empty()) fail(problem);
}

NNDL_OUT_OF_LINE npz_reader::npz_reader(const std::filesystem::path& file) : file_(file) {
  // A pipe, a device, a socket: refused from its type (libzip would wait on a pipe for a writer).
  if (const std::string problem = regular_file_problem(file, "a model file"); !problem.empty())
    throw model_error(file, problem);
  std::error_code ec;
  if (std::filesystem::file_size(file, ec) == 0) throw model_error(file, "is empty, not an .npz archive");
  int err = 0;
  z_.reset(zip_open(file.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z_) {
    if (err == ZIP_ER_NOZIP) throw model_error(file, "not an .npz (zip) archive");
    throw model_error(file, "corrupt or truncated .npz (zip) archive: " + zip_message(err));
  }
}

NNDL_OUT_OF_LINE npy_array npz_reader::read(const std::string& name, std::size_t max_bytes,
                                            const npy_expected& expected) const {
  const zip_int64_t i = zip_name_locate(z_.get(), (name + ".npy").c_str(), 0);
  if (i < 0) throw model_error(file_, "missing array " + name + " (no entry " + name + ".npy)");
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z_.get(), zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    throw model_error(file_, "array " + name + ": cannot read its zip entry: " + zip_strerror(z_.get()));
  // The sizes in a zip header are claims. Check the uncompressed size against the bytes stored
  // for the entry (a stored entry holds exactly its size; deflate expands at most 1032 times)
  // before anything is read.
  if (st.valid & ZIP_STAT_COMP_SIZE) {
    const zip_uint64_t stored = st.comp_size;
    const bool known = (st.valid & ZIP_STAT_COMP_METHOD) != 0;
    const bool plain = known && st.comp_method == ZIP_CM_STORE;
    const bool deflated = known && st.comp_method == ZIP_CM_DEFLATE;
    if ((plain && st.size != stored) || (deflated && st.size / 1032 > stored))
      throw model_error(file_, "array " + name + ": its zip entry claims " + std::to_string(st.size) +
                                   " bytes but stores " + std::to_string(stored) +
                                   (plain ? " (uncompressed)" : " compressed") + " bytes (corrupt or truncated)");
  }
  if (st.size > max_bytes)
    throw model_error(file_, "array " + name + ": entry of " + std::to_string(st.size) + " bytes is too large (limit " +
                                 std::to_string(max_bytes) + " bytes)");
  zip_file_t* f = zip_fopen_index(z_.get(), zip_uint64_t(i), 0);
  if (!f) throw model_error(file_, "array " + name + ": cannot open its zip entry: " + zip_strerror(z_.get()));
  struct closer {
    zip_file_t*& f;
    ~closer() {
      if (f) zip_fclose(f);
    }
  } closed{f};
  std::string bytes;
  // Inflates until `bytes` holds `size` bytes or the entry ends; true when it ended.
  const auto fill = [&](std::size_t size) {
    while (bytes.size() < size) {
      const std::size_t have = bytes.size();
      bytes.resize(std::min(size, have + (std::size_t{1} << 20)));
      const zip_int64_t r = zip_fread(f, bytes.data() + have, bytes.size() - have);
      if (r < 0)
        throw model_error(file_, "array " + name + ": corrupt zip entry: " + zip_error_strerror(zip_file_get_error(f)));
      bytes.resize(have + std::size_t(r));
      if (r == 0) return true;
    }
    return false;
  };
  // 1. The .npy header, and what it declares, against the zip entry and the caller.
  const std::size_t claimed = std::size_t(st.size);
  fill(std::min<std::size_t>(claimed, 12));
  const std::size_t header_end = detail::npy_header_length(file_, name, bytes, bytes.size() == claimed);
  if (header_end > max_npy_header_bytes)
    throw model_error(file_, "array " + name + ": its .npy header claims " + std::to_string(header_end) +
                                 " bytes (the limit is " + std::to_string(max_npy_header_bytes) + ")");
  fill(std::min(claimed, header_end));
  const npy_header h = parse_npy_header(file_, name, bytes);
  const npy_array& a = h.array;
  if (!expected.descrs.empty() &&
      std::find(expected.descrs.begin(), expected.descrs.end(), a.descr) == expected.descrs.end()) {
    std::string list;
    for (const auto& d : expected.descrs) list += (list.empty() ? "" : " or ") + d;
    throw model_error(file_, "array " + name + ": dtype " + a.descr + ", expected " + list);
  }
  if (!expected.shape.empty() && a.shape != expected.shape) {
    npy_array want;
    want.shape = expected.shape;
    throw model_error(file_, "array " + name + ": its header declares shape " + a.shape_string() + ", expected " +
                                 want.shape_string());
  }
  if (h.item != 0 && h.entry_bytes() != claimed)
    throw model_error(file_, "array " + name + ": its .npy header declares shape " + a.shape_string() + " of " +
                                 a.descr + " (" + std::to_string(h.entry_bytes()) +
                                 " bytes with the header), its zip entry records " + std::to_string(claimed) +
                                 " bytes (truncated or corrupt)");
  // 2. The data, up to that size, and then the end of the entry (where libzip checks its CRC).
  bytes.reserve(claimed);
  fill(claimed);
  if (bytes.size() != claimed)
    throw model_error(file_, "array " + name + ": truncated zip entry (" + std::to_string(bytes.size()) + " of " +
                                 std::to_string(claimed) + " bytes)");
  char probe;
  const zip_int64_t more = zip_fread(f, &probe, 1);
  if (more < 0)
    throw model_error(file_, "array " + name + ": corrupt zip entry: " + zip_error_strerror(zip_file_get_error(f)));
  if (more > 0) throw model_error(file_, "array " + name + ": zip entry longer than its recorded size (corrupt)");
  const int closing = zip_fclose(f);
  f = nullptr;
  if (closing != 0) throw model_error(file_, "array " + name + ": corrupt zip entry: " + zip_message(closing));
  return parse_npy(file_, name, bytes);
}

}  // namespace nndl::detail
