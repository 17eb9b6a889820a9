// A request's head, as nndl-serve reads it: scanned line by line as its bytes arrive (so that an
// endless line or a flood of header lines is refused when it passes its limit, not when it ends),
// then parsed by Boost.Beast and checked for what the server will not take: an ambiguous or
// missing body length (request smuggling), a body over --max-body, a compressed body, an unknown
// expectation. Nothing here does I/O: the fuzz harness fuzz/fuzz_http_head.cpp drives it as the
// server does (http_server.cpp).
#pragma once

#include "limits.hpp"

#include <boost/beast/http.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace serve {

namespace http = boost::beast::http;
using request_parser = http::request_parser<http::string_body>;

/// Why a request is refused before its body is read: a 4xx status and a message for the client
/// (which never holds a byte of the request as it came: see escaped()). status 0: not refused.
struct refusal {
  int status = 0;
  std::string message;
  explicit operator bool() const { return status != 0; }
};

/// `s` as printable ASCII for a message or the log: bytes outside 0x20..0x7E, and the backslash
/// and double quote, as \xNN; cut to `max` bytes of the original, "..." after.
std::string escaped(std::string_view s, std::size_t max = 80);

/// Finds the end of a head in the bytes of a connection's buffer, enforcing max_line,
/// max_headers and max_header_bytes as it goes. Fed the whole buffer each time (the request's
/// bytes from its first), it scans only what it has not seen.
class head_scanner {
 public:
  explicit head_scanner(const limits& l) : limits_(&l) {}
  /// The length of the head (its blank line included) once it is all in `buffered`; 0 while it
  /// is not, or when problem() says why it never will be.
  std::size_t scan(std::string_view buffered);
  const refusal& problem() const { return problem_; }
  /// Bytes of the current request seen so far (0: none yet, the connection is idle).
  std::size_t seen() const { return at_; }
  void reset() { *this = head_scanner(*limits_); }

 private:
  const limits* limits_;
  std::size_t at_ = 0, line_start_ = 0, lines_ = 0;
  refusal problem_;
};

/// Parses a complete head (head_scanner's) into `p` and checks it (see above). The parser is set
/// up with the body limit; what it says about the body (content length) is checked here.
refusal parse_head(request_parser& p, std::string_view head, const limits& l);

/// Whether the request waits for "100 Continue" before sending its body.
bool expects_continue(const request_parser& p);

}  // namespace serve
