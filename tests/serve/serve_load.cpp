// nndl_serve_load: a load check of nndl-serve. C concurrent clients (each its own keep-alive
// connection) send N POST /api/predict requests in all, each with the same image, and every
// answer must be 200 with the digit of the first. Prints requests per second and the latency
// percentiles; exit status 1 when any request failed or answered another digit, 2 for bad arguments.
//
//   nndl_serve_load --port 8080 --image digit.png --requests 2000 --clients 8
#include "cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

/// One keep-alive connection that POSTs the image to /api/predict (Boost.Beast, synchronous).
class client_connection {
 public:
  client_connection(const std::string& host, int port, const std::string& body) : stream_(io_) {
    tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve(host, std::to_string(port)));
    stream_.socket().set_option(tcp::no_delay(true));  // a request's headers and body go out at once
    request_ = {http::verb::post, "/api/predict", 11};
    request_.set(http::field::host, host);
    request_.set(http::field::content_type, "image/png");
    request_.body() = body;
    request_.prepare_payload();
  }
  /// (status, body) of one request; throws on a failure of the connection.
  std::pair<int, std::string> post() {
    http::write(stream_, request_);
    http::response<http::string_body> r;
    http::read(stream_, buffer_, r);
    return {int(r.result_int()), std::move(r.body())};
  }

 private:
  boost::asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
};

int run(int argc, char** argv) {
  cli::app app{"Sends POST /api/predict requests to nndl-serve from concurrent clients and reports requests per second "
               "and latency percentiles; fails on any error or changed answer."};
  std::string host = "127.0.0.1", image;
  int port = 8080;
  std::size_t requests = 2000, clients = 8;
  bool json = false;
  app.add_option("--host", host, "Server address")->capture_default_str();
  app.add_option("--port", port, "Server port")->required();
  app.add_option("--image", image, "Image file to send (PNG, JPEG, BMP, PGM)")->required()->check(cli::existing_file);
  app.add_option("--requests", requests, "Requests in all")->capture_default_str()->check(cli::range(1, 10000000));
  app.add_option("--clients", clients, "Concurrent clients")->capture_default_str()->check(cli::range(1, 256));
  app.add_flag("--json", json, "Print the figures as JSON");
  NNDL_PARSE(app, argc, argv);

  std::ifstream in(image, std::ios::binary);
  const std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};

  // The answer every request must give: the first one's.
  int digit = -1;
  try {
    client_connection probe(host, port, body);
    const auto [status, text] = probe.post();
    if (status != 200) {
      std::fprintf(stderr, "nndl_serve_load: the first request failed: %d %s\n", status, text.c_str());
      return 1;
    }
    digit = nlohmann::json::parse(text).at("digit").get<int>();
  } catch (const boost::system::system_error& e) {
    std::fprintf(stderr, "nndl_serve_load: the first request failed: %s\n", e.what());
    return 1;
  }

  std::atomic<std::size_t> next{0}, failed{0};
  std::mutex mutex;
  std::vector<double> latencies;  // milliseconds
  std::string first_error;
  latencies.reserve(requests);
  const auto t0 = std::chrono::steady_clock::now();
  auto client = [&] {
    std::optional<client_connection> c;
    std::vector<double> mine;
    while (next++ < requests) {
      const auto s = std::chrono::steady_clock::now();
      std::string problem;
      int status = 0;
      std::string text;
      try {
        if (!c) c.emplace(host, port, body);
        std::tie(status, text) = c->post();
      } catch (const boost::system::system_error& e) {
        problem = std::string("no answer: ") + e.what();
        c.reset();  // the next request on a new connection
      }
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count();
      if (problem.empty() && status != 200)
        problem = "status " + std::to_string(status) + ": " + text;
      else if (problem.empty())
        try {
          if (nlohmann::json::parse(text).at("digit").get<int>() != digit)
            problem = "another digit: " + text.substr(0, 80);
        } catch (const std::exception& e) {
          problem = std::string("not the JSON answer: ") + e.what();
        }
      if (!problem.empty()) {
        ++failed;
        std::lock_guard lock(mutex);
        if (first_error.empty()) first_error = problem;
        continue;
      }
      mine.push_back(ms);
    }
    std::lock_guard lock(mutex);
    latencies.insert(latencies.end(), mine.begin(), mine.end());
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < clients; ++i)
    threads.emplace_back([&] {
      try {
        client();
      } catch (...) {  // nothing leaves a thread (that would end the program): a failure, counted
        ++failed;
        std::lock_guard lock(mutex);
        if (first_error.empty()) first_error = "a client thread failed (out of memory?)";
      }
    });
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1, std::size_t(p * double(latencies.size())))];
  };
  const double rps = double(requests) / seconds;
  if (json) {
    std::printf("%s\n", nlohmann::json{{"requests", requests},
                                       {"clients", clients},
                                       {"failed", failed.load()},
                                       {"seconds", seconds},
                                       {"requests_per_second", rps},
                                       {"p50_ms", percentile(0.5)},
                                       {"p99_ms", percentile(0.99)},
                                       {"max_ms", latencies.empty() ? 0.0 : latencies.back()},
                                       {"digit", digit}}
                            .dump()
                            .c_str());
  } else {
    std::printf(
        "%zu requests from %zu clients in %.2f s: %.0f requests/s, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
        "%zu failed (answer: digit %d)\n",
        requests, clients, seconds, rps, percentile(0.5), percentile(0.99), latencies.empty() ? 0.0 : latencies.back(),
        failed.load(), digit);
  }
  if (failed > 0) {
    std::fprintf(stderr, "nndl_serve_load: %zu of %zu requests failed; the first: %s\n", failed.load(), requests,
                 first_error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a first answer that is not JSON, no threads, no memory
    std::fprintf(stderr, "nndl_serve_load: %s\n", e.what());
    return 1;
  }
}
