// A request's head: scanned, parsed and checked (request_head.hpp).
#include "request_head.hpp"

#include <boost/beast/core/string.hpp>

#include <cstdio>

namespace serve {

std::string escaped(std::string_view s, std::size_t max) {
  std::string out;
  const std::size_t n = std::min(s.size(), max);
  out.reserve(n + 8);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"') {
      out += char(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", unsigned(c));
      out += hex;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::size_t head_scanner::scan(std::string_view buffered) {
  if (problem_) return 0;
  const limits& l = *limits_;
  const auto refuse = [this](int status, std::string message) {
    problem_ = {status, std::move(message)};
    return std::size_t{0};
  };
  const auto too_long = [&] {
    return lines_ == 0
               ? refuse(414, "the request line is longer than the limit of " + std::to_string(l.max_line) + " bytes")
               : refuse(431, "a header line is longer than the limit of " + std::to_string(l.max_line) + " bytes");
  };
  for (; at_ < buffered.size(); ++at_) {
    if (at_ >= l.max_header_bytes)
      return refuse(431, "the request's head (its request line and headers) is larger than the limit of " +
                             std::to_string(l.max_header_bytes) + " bytes");
    if (buffered[at_] != '\n') {
      if (at_ - line_start_ > l.max_line) return too_long();  // max_line bytes and a CR at most before the LF
      continue;
    }
    const std::size_t length = at_ - line_start_ - (at_ > line_start_ && buffered[at_ - 1] == '\r' ? 1 : 0);
    if (length > l.max_line) return too_long();
    line_start_ = at_ + 1;
    if (length == 0) {
      if (lines_ == 0) return refuse(400, "the request starts with an empty line, not a request line");
      return ++at_;  // the blank line that ends the head
    }
    if (++lines_ > l.max_headers + 1)
      return refuse(431, "the request has more than the limit of " + std::to_string(l.max_headers) + " header lines");
  }
  return 0;
}

refusal parse_head(request_parser& p, std::string_view head, const limits& l) {
  p.header_limit(std::uint32_t(std::min<std::size_t>(l.max_header_bytes + 1, UINT32_MAX)));
  p.body_limit(l.max_body);
  p.eager(false);
  boost::system::error_code ec;
  p.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec == http::error::bad_content_length || ec == http::error::bad_transfer_encoding)
    return {400,
            "the request's body length is ambiguous: Content-Length headers that disagree or are not one number, or "
            "Content-Length with Transfer-Encoding"};
  if (ec == http::error::body_limit)
    return {413, "the request body is larger than the limit of " + std::to_string(l.max_body) + " bytes"};
  if (ec) return {400, "the request's head cannot be parsed (" + ec.message() + ")"};
  if (!p.is_header_done()) return {400, "the request's head cannot be parsed (it ends too early)"};

  const auto& h = p.get();
  if (h.version() != 10 && h.version() != 11) return {400, "only HTTP/1.0 and HTTP/1.1 are spoken here"};
  std::size_t lengths = 0, encodings = 0;
  for (const auto& f : h) {
    lengths += f.name() == http::field::content_length;
    encodings += f.name() == http::field::transfer_encoding;
  }
  if (lengths > 1 || (lengths == 1 && encodings > 0))
    return {400, "the request's body length is ambiguous: more than one Content-Length header, or Content-Length with "
                 "Transfer-Encoding"};
  if (encodings > 0) return {411, "send the body with a Content-Length (Transfer-Encoding is not accepted)"};
  if (lengths == 1) {
    const auto v = h[http::field::content_length];
    if (v.empty() || v.find_first_not_of("0123456789") != boost::beast::string_view::npos)
      return {400, "the Content-Length is not a number"};
  }
  if (const auto ce = h[http::field::content_encoding]; !ce.empty() && !boost::beast::iequals(ce, "identity"))
    return {415, "send the body uncompressed (Content-Encoding " + escaped({ce.data(), ce.size()}, 40) +
                     " is not accepted)"};
  if (const auto e = h[http::field::expect]; !e.empty() && !boost::beast::iequals(e, "100-continue"))
    return {417, "the only expectation understood is Expect: 100-continue"};
  const auto method = h.method();
  const bool body_method = method == http::verb::post || method == http::verb::put || method == http::verb::patch;
  if (lengths == 0 && body_method)
    return {411, "send the body with a Content-Length (a " + std::string(h.method_string()) + " request needs one)"};
  if (p.content_length() && *p.content_length() > l.max_body)
    return {413, "the request body is larger than the limit of " + std::to_string(l.max_body) + " bytes"};
  return {};
}

bool expects_continue(const request_parser& p) {
  const auto e = p.get()[http::field::expect];
  return !e.empty() && boost::beast::iequals(e, "100-continue");
}

}  // namespace serve
