// nndl-serve: a page where you draw a digit and watch a trained network answer, and look inside it.
//
//   mlp_784_256_64_10 --save mlp.npz && nndl-serve --model mlp.npz     # then open http://127.0.0.1:8080/
//   nndl-serve --model relu.npz --data data/mnist --port 8000           # with the test-set evaluation
//
// Any model file nndl writes (an MLP, a convolutional network, an ensemble). The page and a small
// JSON API (routes.hpp) are served over Boost.Beast (http_server.hpp): every connection on one
// I/O thread, the answers computed by a few worker threads sharing one const model, and what a
// client may make the server hold bounded by the limits below (limits.hpp, docs/serve.md). It
// listens on 127.0.0.1 unless --host says otherwise; Ctrl-C (or SIGTERM) stops it cleanly. Exit
// status: 0 after a clean stop by Ctrl-C or SIGTERM, 1 when the server failed while running, 2 for
// a bad model, data folder or command line, or an address it cannot listen on (a port in use). A
// second Ctrl-C during the stop ends it at once (killed by the signal: 130 in a shell).
#include "api.hpp"
#include "evaluation.hpp"
#include "http_server.hpp"
#include "limits.hpp"
#include "pixel_budget.hpp"
#include "routes.hpp"

#include <nndl/data/mnist.hpp>
#include <nndl/data/image.hpp>
#include <nndl/detail/file.hpp>
#include <nndl/io/formats.hpp>  // load_model reads ONNX too
#include <nndl/io/model_file.hpp>

#include "../cli.hpp"  // the command line (CLI11), and NNDL_PARSE: a bad command line exits 2

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

namespace {

struct options {
  std::string model, host = "127.0.0.1", data;
  int port = 8080;
  serve::limits limits;
  double header_timeout = 10, body_timeout = 30, idle_timeout = 5;  // seconds
  std::size_t max_pixels = nndl::max_image_pixels;
  bool log = false;
};

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

int serve_model(options o) {
  // Everything that can be wrong with the model or the data is found before listening. A pipe or a
  // device is refused from its type first (opening a pipe to read it waits for a writer).
  if (const std::string problem = nndl::regular_file_problem(o.model, "a model file"); !problem.empty())
    throw nndl::model_error(o.model, problem);
  const nndl::model m = nndl::load_model(o.model);
  if (m.input_size() != 784)
    throw nndl::model_error(o.model, "takes " + std::to_string(m.input_size()) + " inputs, not a 28 x 28 image");
  std::optional<std::filesystem::path> data_dir;
  if (!o.data.empty()) data_dir = nndl::find_data_dir(std::filesystem::path(o.data));
  o.limits.header_timeout = ms(o.header_timeout), o.limits.body_timeout = ms(o.body_timeout),
  o.limits.idle_timeout = ms(o.idle_timeout);
  serve::pixel_budget budget(o.limits.pixel_budget);
  const serve::api service(m, std::filesystem::path(o.model).filename().string(), o.max_pixels, budget);
  serve::evaluation_job evaluation;
  const serve::routes answer(service, evaluation);

  // Ctrl-C and SIGTERM are the server's from here (one before it runs waits for it); a client that
  // went away is an error on its socket, not the end of the server.
  ::signal(SIGPIPE, SIG_IGN);
  serve::http_server server(o.limits, answer, o.log);
  if (const std::string why = server.listen(o.host, o.port); !why.empty()) {
    std::cerr << "nndl-serve: cannot listen on " << o.host << ":" << o.port << " (" << why
              << "): another program may be using the port (--port 0 picks a free one), or the host is not an "
                 "address of this machine\n";
    return 2;
  }
  if (data_dir) evaluation.start(m, *data_dir);
  const std::string shown_host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::printf("nndl-serve: http://%s:%d/ serves %s (%s%s), %zu worker threads%s; Ctrl-C stops it\n", shown_host.c_str(),
              server.port(), o.model.c_str(), nndl::layers_string(m.architecture()).c_str(),
              m.members() > 1 ? (", ensemble of " + std::to_string(m.members())).c_str() : "", o.limits.threads,
              data_dir ? (", evaluating on " + data_dir->string()).c_str() : "");
  if (o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1")
    std::printf("nndl-serve: listening on %s: other machines that reach this address can use the page\n",
                o.host.c_str());
  std::fflush(stdout);
  const bool clean = server.run();  // returns after Ctrl-C or SIGTERM
  evaluation.stop();
  std::printf("nndl-serve: stopped\n");
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  cli::app app{
      "Serves a page where you draw a digit (or drop an image) and see what a saved nndl model answers, "
      "the 28x28 image it saw (nndl-predict's preprocessing), and the model itself: its architecture, "
      "training provenance, first-layer weights and, with --data, its test accuracy, confusion matrix and "
      "misclassified digits (nndl-evaluate's report). JSON API: POST /api/predict (image bytes or "
      "{\"pixels\": [784 values]}), GET /api/model, /api/weights.png, /api/evaluation, /api/errors.png. "
      "Exit status: 0 stopped by Ctrl-C or SIGTERM, 1 failed while running, 2 bad model, data or arguments, or the "
      "address cannot be used (a port in use)."};
  options o;
  app.add_option("--model", o.model,
                 "Model file: .npz (save_model, save_ensemble, save_npz), network2.py's JSON or ONNX (.onnx)")
      ->required();
  app.add_option("--host", o.host, "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every network)")
      ->capture_default_str();
  app.add_option("--port", o.port, "Port (0: any free port, printed at start)")
      ->capture_default_str()
      ->check(cli::range(0, 65535));
  app.add_option("--data", o.data, "MNIST folder: evaluate the model on the test set and show the report on the page");
  serve::limits& l = o.limits;
  app.add_option("--threads", l.threads,
                 "Worker threads that compute answers (connections are all held by one more thread)")
      ->capture_default_str()
      ->check(cli::range(1, 256));
  app.add_option("--max-body", l.max_body, "Largest request body in bytes (413 above, refused before it is read)")
      ->capture_default_str()
      ->check(cli::range(std::size_t{1024}, std::size_t{1} << 30));
  app.add_option("--max-pixels", o.max_pixels,
                 "Largest image in pixels (width x height; 16-bit images count twice) that is decoded (400 above)")
      ->capture_default_str()
      ->check(cli::range(std::size_t{1}, nndl::max_image_pixels));
  app.add_option("--pixel-budget", l.pixel_budget,
                 "Pixels decoded at once by all requests together (503 above); at least --max-pixels")
      ->capture_default_str()
      ->check(cli::range(std::size_t{1}, std::size_t{1} << 32));
  app.add_option("--max-line", l.max_line, "Longest request line (414 above) and header line (431 above), in bytes")
      ->capture_default_str()
      ->check(cli::range(std::size_t{256}, std::size_t{1} << 20));
  app.add_option("--max-headers", l.max_headers, "Most header lines in a request (431 above)")
      ->capture_default_str()
      ->check(cli::range(std::size_t{8}, std::size_t{10000}));
  app.add_option("--max-header-bytes", l.max_header_bytes,
                 "Largest request head (request line and headers) in bytes (431 above)")
      ->capture_default_str()
      ->check(cli::range(std::size_t{1024}, std::size_t{1} << 24));
  app.add_option("--header-timeout", o.header_timeout,
                 "Seconds a request's head may take from its first byte (then the connection is closed)")
      ->capture_default_str()
      ->check(cli::range(0.05, 3600.0));
  app.add_option("--body-timeout", o.body_timeout,
                 "Seconds a request's body may take after its head, and an answer to be read")
      ->capture_default_str()
      ->check(cli::range(0.05, 3600.0));
  app.add_option("--idle-timeout", o.idle_timeout, "Seconds a kept-alive connection may wait for its next request")
      ->capture_default_str()
      ->check(cli::range(0.05, 3600.0));
  app.add_option("--max-connections", l.max_connections, "Connections open at once (503 and closed above)")
      ->capture_default_str()
      ->check(cli::range(std::size_t{1}, std::size_t{100000}));
  app.add_option("--max-per-client", l.max_per_client,
                 "Connections open at once from one client address (503 and closed above)")
      ->capture_default_str()
      ->check(cli::range(std::size_t{1}, std::size_t{100000}));
  app.add_flag("--log", o.log, "Print one line per answer on stderr: client, method, target, status, bytes (escaped)");
  NNDL_PARSE(app, argc, argv);  // --help: 0, its text printed; a bad command line: the message, 2
  if (l.pixel_budget < o.max_pixels) {
    std::cerr << "nndl-serve: --pixel-budget (" << l.pixel_budget << ") must be at least --max-pixels (" << o.max_pixels
              << "): an image of --max-pixels could never be decoded\n";
    return 2;
  }
  try {
    return serve_model(o);
  } catch (const std::exception& e) {  // a bad model or data folder: named in the message
    std::cerr << "nndl-serve: " << e.what() << '\n';
    return 2;
  } catch (...) {
    std::cerr << "nndl-serve: an unknown error\n";
    return 1;
  }
}
