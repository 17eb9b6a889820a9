// nndl-serve: a page where you draw a digit and watch a trained network answer, and look inside it.
//
//   mlp_784_256_64_10 --save mlp.npz && nndl-serve --model mlp.npz     # then open http://127.0.0.1:8080/
//   nndl-serve --model relu.npz --data data/mnist --port 8000           # with the test-set evaluation
//
// Any model file nndl writes (an MLP, a convolutional network, an ensemble). The page and a small
// JSON API (routes.hpp) are served by a pool of worker threads sharing one const model. It listens
// on 127.0.0.1 unless --host says otherwise; Ctrl-C (or SIGTERM) stops it cleanly. Exit status: 0
// after a clean stop by Ctrl-C or SIGTERM, 1 when the server failed while running, 2 for a bad
// model, data folder or command line, or an address it cannot listen on (a port in use). A second
// Ctrl-C during the stop ends it at once (killed by the signal: 130 in a shell).
#include "api.hpp"
#include "evaluation.hpp"
#include "routes.hpp"

#include <nndl/data/mnist.hpp>
#include <nndl/data/image.hpp>
#include <nndl/io/model_file.hpp>

#include "../cli.hpp"  // CLI11, and NNDL_PARSE: a bad command line exits 2
#include <httplib.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace {

struct options {
  std::string model, host = "127.0.0.1", data;
  int port = 8080;
  serve::limits limits;
  std::size_t max_pixels = nndl::max_image_pixels;
  bool log = false;
};

/// Ctrl-C and SIGTERM write one byte into this pipe (all a signal handler may safely do); a
/// watcher thread reads it and stops the server. A second signal ends the program at once.
int stop_pipe[2] = {-1, -1};

extern "C" void on_signal(int sig) {
  const int saved = errno;
  const char byte = char(sig);
  [[maybe_unused]] const auto n = ::write(stop_pipe[1], &byte, 1);
  ::signal(sig, SIG_DFL);
  errno = saved;
}

int serve_model(const options& o) {
  // Everything that can be wrong with the model or the data is found before listening.
  const nndl::model m = nndl::load_model(o.model);
  if (m.input_size() != 784)
    throw nndl::model_error(o.model, "takes " + std::to_string(m.input_size()) + " inputs, not a 28 x 28 image");
  std::optional<std::filesystem::path> data_dir;
  if (!o.data.empty()) data_dir = nndl::find_data_dir(std::filesystem::path(o.data));
  const serve::api service(m, std::filesystem::path(o.model).filename().string(), o.max_pixels);

  if (::pipe2(stop_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that went away is an error on its socket, not the end of the server

  serve::http_server server;
  serve::evaluation_job evaluation;
  serve::install_routes(server, service, evaluation, o.limits, o.log);
  errno = 0;
  int port = o.port;
  const bool bound = o.port == 0 ? (port = server.bind_to_any_port(o.host)) > 0 : server.bind_to_port(o.host, o.port);
  if (!bound) {
    const std::string why = errno ? std::strerror(errno) : "the address cannot be used";
    std::cerr << "nndl-serve: cannot listen on " << o.host << ":" << o.port << " (" << why
              << "): another program may be using the port (--port 0 picks a free one), or the host is not an "
                 "address of this machine\n";
    return 2;
  }
  if (!server.widen_backlog()) std::cerr << "nndl-serve: the listening queue stays short (" << std::strerror(errno) << ")\n";
  if (data_dir) evaluation.start(m, *data_dir);

  std::atomic<bool> listening_ended{false};
  bool clean = false;
  {  // the watcher thread lives in this block
    std::thread watcher([&server, &listening_ended] {
      char byte = 0;
      while (::read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
      }
      if (byte == 0) return;  // woken by main: listening has ended
      std::fprintf(stderr, "nndl-serve: stopping (signal %d)\n", int(byte));
      // stop() ends only a server that is listening: a signal in the instant before, waits for it.
      while (!server.is_running() && !listening_ended) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      server.stop();
    });
    // However this block is left (an exception too), the watcher is woken and joined.
    struct wake_and_join {
      std::thread& t;
      std::atomic<bool>& ended;
      ~wake_and_join() {
        ended = true;
        const char wake = 0;  // when listening ended on its own, the watcher is still waiting
        [[maybe_unused]] const auto n = ::write(stop_pipe[1], &wake, 1);
        t.join();
      }
    } joined{watcher, listening_ended};
    const std::string shown_host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
    std::printf("nndl-serve: http://%s:%d/ serves %s (%s%s), %zu worker threads%s; Ctrl-C stops it\n", shown_host.c_str(), port,
                o.model.c_str(), nndl::layers_string(m.architecture()).c_str(),
                m.members() > 1 ? (", ensemble of " + std::to_string(m.members())).c_str() : "", o.limits.threads,
                data_dir ? (", evaluating on " + data_dir->string()).c_str() : "");
    if (o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1")
      std::printf("nndl-serve: listening on %s: other machines that reach this address can use the page\n", o.host.c_str());
    std::fflush(stdout);

    clean = server.listen_after_bind();  // returns when the watcher calls stop()
  }
  evaluation.stop();
  std::printf("nndl-serve: stopped\n");
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Serves a page where you draw a digit (or drop an image) and see what a saved nndl model answers, "
               "the 28x28 image it saw (nndl-predict's preprocessing), and the model itself: its architecture, "
               "training provenance, first-layer weights and, with --data, its test accuracy, confusion matrix and "
               "misclassified digits (nndl-evaluate's report). JSON API: POST /api/predict (image bytes or "
               "{\"pixels\": [784 values]}), GET /api/model, /api/weights.png, /api/evaluation, /api/errors.png. "
               "Exit status: 0 stopped by Ctrl-C or SIGTERM, 1 failed while running, 2 bad model, data or arguments, or the "
               "address cannot be used (a port in use)."};
  options o;
  app.add_option("--model", o.model, "Model file: .npz (save_model, save_ensemble, save_npz) or network2.py's JSON")->required();
  app.add_option("--host", o.host, "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every network)")->capture_default_str();
  app.add_option("--port", o.port, "Port (0: any free port, printed at start)")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--data", o.data, "MNIST folder: evaluate the model on the test set and show the report on the page");
  app.add_option("--threads", o.limits.threads, "Worker threads: each serves one connection at a time")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--max-body", o.limits.max_body, "Largest request body in bytes (413 above)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  app.add_option("--max-pixels", o.max_pixels, "Largest image in pixels (width x height) that is decoded (400 above)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, nndl::max_image_pixels));
  app.add_flag("--log", o.log, "Print one line per request on stderr");
  NNDL_PARSE(app, argc, argv);  // --help: 0, its text printed; a bad command line: the message, 2
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
