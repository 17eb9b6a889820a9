// nndl-serve's reading of a request's head (tools/serve/request_head.hpp), driven as the server
// drives it: the bytes arrive in pieces (the first input byte says how large), the scanner finds the
// head's end within the limits, Boost.Beast parses it, the checks refuse what the server will not
// take, and a body of the length the head allowed is read. What must hold: a refusal is a 4xx
// with a message of printable ASCII (never a byte of the request as it came); a head accepted is
// within the limits, and so is its body. Anything else (a crash, a sanitizer report) is a finding.
#include "request_head.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(const serve::refusal& r) {
  if (r.status < 400 || r.status > 431) std::abort();
  for (const char c : r.message)
    if (c < 0x20 || c > 0x7E) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  serve::limits l;
  l.max_line = 256, l.max_headers = 16, l.max_header_bytes = 2048, l.max_body = 4096;  // small: reached by small inputs
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  serve::head_scanner scanner(l);
  std::size_t head = 0;
  for (std::size_t have = std::min(piece, bytes.size());; have = std::min(have + piece, bytes.size())) {
    head = scanner.scan(bytes.substr(0, have));
    if (head != 0 || scanner.problem() || have == bytes.size()) break;
  }
  if (scanner.problem()) return check(scanner.problem()), 0;
  if (head == 0) return 0;  // the head is not all here: the server would wait for more
  if (head > l.max_header_bytes) std::abort();
  serve::request_parser p;
  const serve::refusal r = serve::parse_head(p, bytes.substr(0, head), l);
  if (r) return check(r), 0;
  if (!p.is_header_done()) std::abort();
  if (p.content_length() && *p.content_length() > l.max_body) std::abort();
  if (p.chunked()) std::abort();  // Transfer-Encoding is refused
  (void)serve::expects_continue(p);
  // The body: what follows the head, up to the length the head declares.
  boost::system::error_code ec;
  const std::string_view rest = bytes.substr(head);
  if (!p.is_done() && !rest.empty()) p.put(boost::asio::buffer(rest.data(), rest.size()), ec);
  if (p.is_done() && p.get().body().size() > l.max_body) std::abort();
  return 0;
}
