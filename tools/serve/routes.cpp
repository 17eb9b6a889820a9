// nndl-serve's routes, limits and error answers (routes.hpp).
#include "routes.hpp"

#include "page.hpp"

#include <cstdio>
#include <exception>
#include <map>
#include <new>
#include <string>

namespace serve {

namespace {

using handled = httplib::Server::HandlerResponse;

void send_json(httplib::Response& res, const nlohmann::json& j, int status = 200) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, {{"error", message}}, status);
}

void send_png(httplib::Response& res, const std::vector<unsigned char>& png) {
  res.set_content(reinterpret_cast<const char*>(png.data()), png.size(), "image/png");
}

/// The methods each known path answers, for 405 and its Allow header.
std::string allowed_methods(const std::string& path) {
  if (path == "/api/predict") return "POST";
  if (path == "/api/model" || path == "/api/weights.png" || path == "/api/evaluation" || path == "/api/errors.png" ||
      find_page_file(path))
    return "GET, HEAD";
  return "";
}

/// A request no route took: 405 on a known path, 404 otherwise.
void unrouted(const httplib::Request& req, httplib::Response& res) {
  const std::string allow = allowed_methods(req.path);
  if (allow.empty()) return send_error(res, 404, "not found: " + req.path);
  res.set_header("Allow", allow);
  send_error(res, 405, req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
}

/// What an error from httplib itself (before any handler ran) means.
std::string status_text(int status, const httplib::Request& req, const limits& l) {
  switch (status) {
    case 400: return "bad request: the request line, its headers or its body could not be read";
    case 404: return "not found: " + req.path;
    case 413: return "the request body is larger than the limit of " + std::to_string(l.max_body) + " bytes";
    case 414: return "the request's URL is too long";
    case 416: return "range not satisfiable";
    default: return "HTTP status " + std::to_string(status);
  }
}

}  // namespace

void install_routes(httplib::Server& server, const api& service, const evaluation_job& evaluation, const limits& l,
                    bool log) {
  // Connections: each worker thread holds one connection at a time, kept open for the next
  // request for 2 s at most (so that Ctrl-C does not wait long for idle browsers).
  const std::size_t threads = l.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(2);
  server.set_tcp_nodelay(true);  // an answer goes out at once, not after the client's delayed ACK
  server.set_payload_max_length(l.max_body);
  // Only SO_REUSEADDR: with SO_REUSEPORT a second server could listen on a port already taken.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"},
                              {"X-Frame-Options", "DENY"},
                              {"Cache-Control", "no-store"}});

  // Before httplib reads a body (which it would otherwise do without bound): a body must say its
  // length, within the limit, and come uncompressed. A chunked body or one without a length could
  // grow until the connection closes, a gzip body of 4 MB could inflate to gigabytes, and a huge
  // Content-Length would be read through to be skipped. The answer asks the client to close the
  // connection, since the body is left unread (httplib 0.11 itself keeps it open: what comes next
  // on it is read as a new request).
  server.set_pre_routing_handler([&l](const httplib::Request& req, httplib::Response& res) {
    const auto refuse = [&res](int status, const std::string& message) {
      res.set_header("Connection", "close");
      send_error(res, status, message);
      return handled::Handled;
    };
    if (req.has_header("Transfer-Encoding"))
      return refuse(411, "send the body with a Content-Length (Transfer-Encoding is not accepted)");
    const std::string encoding = req.get_header_value("Content-Encoding");
    if (!encoding.empty() && encoding != "identity")
      return refuse(415, "send the body uncompressed (Content-Encoding " + encoding + " is not accepted)");
    const bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                             req.method == "DELETE" || req.method == "PRI";  // those httplib reads a body for
    if (!req.has_header("Content-Length"))
      return body_method ? refuse(411, "send the body with a Content-Length (a " + req.method + " request needs one)")
                         : handled::Unhandled;
    const std::string length = req.get_header_value("Content-Length");
    if (length.empty() || length.find_first_not_of("0123456789") != std::string::npos)
      return refuse(400, "the Content-Length is not a number: " + length.substr(0, 40));
    if (length.size() > 18 || std::stoull(length) > l.max_body) return refuse(413, status_text(413, req, l));
    return handled::Unhandled;
  });

  server.Post("/api/predict", [&service, &l](const httplib::Request& req, httplib::Response& res) {
    if (req.body.size() > l.max_body) return send_error(res, 413, status_text(413, req, l));
    try {
      send_json(res, service.predict(req.body, req.get_header_value("Content-Type")));
    } catch (const api_error& e) {
      send_error(res, e.status, e.what());
    }
  });
  server.Get("/api/model", [&service, &evaluation](const httplib::Request&, httplib::Response& res) {
    auto j = service.model_info();
    j["evaluation"] = evaluation.state();
    send_json(res, j);
  });
  server.Get("/api/weights\\.png", [&service](const httplib::Request&, httplib::Response& res) {
    if (service.weights().png.empty()) return send_error(res, 404, "the first layer's weights do not form square images");
    send_png(res, service.weights().png);
  });
  server.Get("/api/evaluation", [&evaluation](const httplib::Request&, httplib::Response& res) {
    if (evaluation.state() == "none")
      return send_error(res, 404, "no evaluation: start nndl-serve with --data DIR (the MNIST folder) to evaluate the model");
    auto j = evaluation.json();
    if (j["state"] == "failed") return send_error(res, 500, "the evaluation failed: " + j["error"].get<std::string>());
    send_json(res, j);
  });
  server.Get("/api/errors\\.png", [&evaluation](const httplib::Request&, httplib::Response& res) {
    const auto png = evaluation.errors_png();
    if (png.empty())
      return send_error(res, 404, evaluation.state() == "running" ? "the evaluation is still running"
                                                                  : "no evaluation: start nndl-serve with --data DIR");
    send_png(res, png);
  });
  // The page: its files are looked up by path in the embedded table, nothing else.
  server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
    const auto* f = find_page_file(req.path);
    if (!f) return unrouted(req, res);
    if (f->url == "/")
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; "
                     "form-action 'none'; frame-ancestors 'none'");
    res.set_content(f->bytes.data(), f->bytes.size(), std::string(f->type));
  });
  server.Post(".*", unrouted);
  server.Put(".*", unrouted);
  server.Patch(".*", unrouted);
  server.Delete(".*", unrouted);
  server.Options(".*", unrouted);

  // Every error is JSON: those the handlers answered keep their message, httplib's own (a request
  // it could not read, a body over the limit) get one here.
  server.set_error_handler(httplib::Server::HandlerWithResponse([&l](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return handled::Unhandled;
    send_error(res, res.status, status_text(res.status, req, l));
    return handled::Handled;
  }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::bad_alloc&) {
      send_error(res, 500, "out of memory");
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      send_error(res, 500, "internal error");
    }
  });
  if (log)
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "%s %s %s %d %zu\n", req.remote_addr.c_str(), req.method.c_str(), req.path.c_str(), res.status,
                   res.body.size());
    });
}

}  // namespace serve
