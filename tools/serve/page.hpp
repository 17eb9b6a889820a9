// The page nndl-serve serves (tools/serve/page/: index.html, style.css, app.js), embedded in the
// program when it is built (embed.cmake writes page_files.hpp). A request's path is only ever
// compared with this table: nothing a request says reaches the file system.
#pragma once

#include <string_view>

#include "page_files.hpp"

namespace serve {

/// The embedded file served at `url` ("/", "/app.js"), or nullptr.
inline const page::embedded_file* find_page_file(std::string_view url) {
  for (const auto& f : page::files)
    if (f.url == url) return &f;
  return nullptr;
}

}  // namespace serve
