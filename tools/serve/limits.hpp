// nndl-serve's limits: what one client, or all of them together, may make the server hold. Each is
// a command-line option (nndl_serve.cpp) with the default below; docs/serve.md says what they bound.
#pragma once

#include <chrono>
#include <cstddef>

namespace serve {

struct limits {
  // A request's head (request_head.hpp): refused as soon as one of these is passed, before the
  // rest is read, with 414 (request line) or 431 (headers).
  std::size_t max_line = 8 << 10;           ///< bytes of the request line and of each header line
  std::size_t max_headers = 100;            ///< header lines of one request
  std::size_t max_header_bytes = 64 << 10;  ///< bytes of the whole head (request line and headers)
  // A request's body: a Content-Length over this is refused (413) before a byte of it is read.
  std::size_t max_body = std::size_t{4} << 20;
  // Deadlines: the whole head must arrive within header_timeout of its first byte (a client sending
  // one byte a second is closed then), the whole body within body_timeout of the head, and a kept-alive
  // connection with no new request is closed after idle_timeout.
  std::chrono::milliseconds header_timeout{10'000}, body_timeout{30'000}, idle_timeout{5'000};
  // Connections open at once: in all, and from one client address (503 and closed above).
  std::size_t max_connections = 512, max_per_client = 64;
  // Threads that answer requests (decode images, run the network); connections themselves are all
  // held by one thread, which only reads and writes.
  std::size_t threads = 4;
  // Pixels of the images being decoded at once, by all requests together (a 16-bit PNG's count
  // twice): a request whose image does not fit in what is left waits for none, it gets 503.
  std::size_t pixel_budget = std::size_t{1} << 26;
};

}  // namespace serve
