// nndl-serve's HTTP side: which requests reach what, the limits, and errors as JSON.
//
//   GET  /  /style.css  /app.js   the page, from memory (page.hpp: no request reaches a file)
//   POST /api/predict             an image or {"pixels": [...]} -> the network's answer
//   GET  /api/model               architecture, provenance, first-layer weights (api.hpp)
//   GET  /api/weights.png         the first layer's weights as a grid of tiles
//   GET  /api/evaluation          with --data: accuracy, confusion matrix, misclassified digits
//   GET  /api/errors.png          with --data: the misclassified digits (nndl-evaluate --errors)
//
// Every error is {"error": "..."} with its status: 400 a bad request or image, 404 an unknown
// path, 405 a known path with another method, 411 a body without Content-Length (or chunked),
// 413 a body over the limit, 415 a compressed body, 500 a failure of the server itself.
#pragma once

#include <httplib.h>

#include <sys/socket.h>

#include <cstddef>

#include "api.hpp"
#include "evaluation.hpp"

namespace serve {

/// httplib's server, whose listening queue can be made longer: Debian's cpp-httplib listens with a
/// queue of 5 connections, and a browser or a load test opening more at once would see some of
/// them wait a second for the kernel to retry. listen() again on the bound socket sets a new length.
class http_server : public httplib::Server {
 public:
  bool widen_backlog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }
};

struct limits {
  std::size_t max_body = std::size_t{4} << 20;  ///< bytes of a request body (413 above)
  std::size_t threads = 16;                     ///< worker threads (each holds one connection at a time)
};

/// Sets up `server`: the routes above, the limits, the error answers and, with `log`, one line
/// per request on stderr. `service` and `evaluation` must outlive it.
void install_routes(httplib::Server& server, const api& service, const evaluation_job& evaluation, const limits& l,
                    bool log);

}  // namespace serve
