# Turns the page's files (tools/serve/page/*) into a C++ header of string literals, so that
# nndl-serve carries its page inside the binary and never reads a file to answer a request.
#   cmake -DPAGE_DIR=tools/serve/page -DOUT=build/.../page_files.hpp -P embed.cmake
# Each file becomes one entry {url, content type, bytes}: index.html is served at "/", every other
# file at "/<name>". Every byte is written as a \xNN escape, so no content can end the literal.
if(NOT PAGE_DIR OR NOT OUT)
  message(FATAL_ERROR "embed.cmake: set PAGE_DIR and OUT")
endif()

file(GLOB files RELATIVE ${PAGE_DIR} ${PAGE_DIR}/*)
list(SORT files)
set(body "")
set(table "")
set(n 0)
foreach(name IN LISTS files)
  if(IS_DIRECTORY ${PAGE_DIR}/${name})
    continue()
  endif()
  get_filename_component(ext ${name} LAST_EXT)
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  elseif(ext STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".svg")
    set(type "image/svg+xml")
  elseif(ext STREQUAL ".png")
    set(type "image/png")
  else()
    message(FATAL_ERROR "embed.cmake: no content type for ${name} (add one here)")
  endif()
  if(name STREQUAL "index.html")
    set(url "/")
  else()
    set(url "/${name}")
  endif()
  file(READ ${PAGE_DIR}/${name} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # 32 bytes (64 hex digits) per line of the literal.
  set(literal "")
  set(at 0)
  while(at LESS hex_length)
    string(SUBSTRING "${hex}" ${at} 64 chunk)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" chunk "${chunk}")
    string(APPEND literal "    \"${chunk}\"\n")
    math(EXPR at "${at} + 64")
  endwhile()
  string(APPEND body "// ${name}, ${size} bytes\ninline constexpr char file_${n}[] =\n${literal};\n")
  string(APPEND table "    {\"${url}\", \"${type}\", {file_${n}, ${size}}},\n")
  math(EXPR n "${n} + 1")
endforeach()

set(text "// Generated from tools/serve/page by tools/serve/embed.cmake at build time: do not edit.
#pragma once

#include <string_view>

namespace serve::page {

${body}
struct embedded_file {
  std::string_view url, type, bytes;
};

inline constexpr embedded_file files[] = {
${table}};

}  // namespace serve::page
")
file(WRITE ${OUT} "${text}")
