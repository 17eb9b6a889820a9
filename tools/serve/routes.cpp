// nndl-serve's routes and error answers (routes.hpp).
#include "routes.hpp"

#include "page.hpp"
#include "request_head.hpp"  // escaped()

#include <exception>
#include <new>

namespace serve {

namespace {

/// JSON text, never throwing on a string that is not UTF-8 (such a string is not made here, but
/// an answer must not turn into a 500 if one slipped in).
std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

answer json_answer(const nlohmann::json& j) {
  return {.status = 200, .type = "application/json", .body = dump(j), .headers = {}};
}

answer png_answer(const std::vector<unsigned char>& png) {
  return {.status = 200, .type = "image/png", .body = std::string(png.begin(), png.end()), .headers = {}};
}

/// The methods each known path answers, for 405 and its Allow header.
std::string allowed_methods(std::string_view path) {
  if (path == "/api/predict") return "POST";
  if (path == "/api/model" || path == "/api/weights.png" || path == "/api/evaluation" || path == "/api/errors.png" ||
      find_page_file(path))
    return "GET, HEAD";
  return "";
}

/// A request no route took: 405 on a known path, 404 otherwise.
answer unrouted(const request& r, std::string_view path) {
  const std::string allow = allowed_methods(path);
  if (allow.empty()) return error_answer(404, "not found: " + escaped(path));
  auto a = error_answer(
      405, escaped(r.method, 20) + " is not allowed on " + std::string(path) + " (allowed: " + allow + ")");
  a.headers.emplace_back("Allow", allow);
  return a;
}

}  // namespace

answer error_answer(int status, const std::string& message) {
  return {.status = status, .type = "application/json", .body = dump({{"error", message}}), .headers = {}};
}

answer routes::operator()(const request& r) const noexcept {
  try {
    try {
      return route(r);
    } catch (const api_error& e) {
      return error_answer(e.status, e.what());
    } catch (const std::bad_alloc&) {
      return error_answer(500, "out of memory");
    } catch (const std::exception& e) {
      return error_answer(500, std::string("internal error: ") + e.what());
    } catch (...) {
      return error_answer(500, "internal error");
    }
  } catch (...) {  // no memory even for the error: an answer that needs none
    return {.status = 500, .type = "application/json", .body = {}, .headers = {}};
  }
}

answer routes::route(const request& r) const {
  const std::string_view target = r.target;
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  const bool get = r.method == "GET" || r.method == "HEAD";
  if (path == "/api/predict" && r.method == "POST") return json_answer(service_.predict(r.body, r.content_type));
  if (!get) return unrouted(r, path);
  if (path == "/api/model") {
    auto j = service_.model_info();
    j["evaluation"] = evaluation_.state();
    return json_answer(j);
  }
  if (path == "/api/weights.png") {
    if (service_.weights().png.empty()) return error_answer(404, "the first layer's weights do not form square images");
    return png_answer(service_.weights().png);
  }
  if (path == "/api/evaluation") {
    if (evaluation_.state() == "none")
      return error_answer(404,
                          "no evaluation: start nndl-serve with --data DIR (the MNIST folder) to evaluate the model");
    auto j = evaluation_.json();
    if (j["state"] == "failed") return error_answer(500, "the evaluation failed: " + j["error"].get<std::string>());
    return json_answer(j);
  }
  if (path == "/api/errors.png") {
    const auto png = evaluation_.errors_png();
    if (png.empty())
      return error_answer(404, evaluation_.state() == "running" ? "the evaluation is still running"
                                                                : "no evaluation: start nndl-serve with --data DIR");
    return png_answer(png);
  }
  // The page: its files are looked up by path in the embedded table, nothing else.
  const auto* f = find_page_file(path);
  if (!f) return unrouted(r, path);
  answer a{.status = 200,
           .type = std::string(f->type),
           .body = std::string(f->bytes.data(), f->bytes.size()),
           .headers = {}};
  if (f->url == "/")
    a.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'");
  return a;
}

}  // namespace serve
