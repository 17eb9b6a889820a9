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

}  // namespace nndl::detail
