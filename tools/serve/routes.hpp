// nndl-serve's routes: which requests reach what, and errors as JSON. Apart from HTTP itself
// (http_server.hpp reads and writes the bytes): a request in, an answer out.
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
// 413 a body over the limit, 414 a request line too long, 415 a compressed body, 417 an unknown
// Expect, 431 headers over their limits, 503 too busy (connections, pixels being decoded), 500 a
// failure of the server itself. A message never holds a byte of the request as it came (escaped).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api.hpp"
#include "evaluation.hpp"

namespace serve {

/// What the routes see of a request.
struct request {
  std::string method;  ///< as sent ("GET", "POST", ...)
  std::string target;  ///< the request target, with its query
  std::string content_type;
  std::string body;
};

/// An answer: status, Content-Type, body and headers beyond the ones every answer has.
struct answer {
  int status = 200;
  std::string type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// {"error": message} with `status`.
answer error_answer(int status, const std::string& message);

class routes {
 public:
  /// `service` and `evaluation` must outlive the routes.
  routes(const api& service, const evaluation_job& evaluation) : service_(service), evaluation_(evaluation) {}
  /// The answer to `r` (any exception of the server's own becomes a 500, with no detail from the
  /// request). Called by several threads at once.
  answer operator()(const request& r) const noexcept;

 private:
  answer route(const request& r) const;
  const api& service_;
  const evaluation_job& evaluation_;
};

}  // namespace serve
