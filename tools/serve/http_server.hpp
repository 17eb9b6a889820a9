// nndl-serve's HTTP/1.1 server, on Boost.Beast and Boost.Asio: every connection is asynchronous on
// one io_context run by one thread (a slow client costs a socket and a small buffer, never a
// thread), and the answers are computed by a small pool of threads (routes.hpp). What a client may
// make it hold is bounded by limits.hpp: each request's head is scanned and checked before its
// body is read (request_head.hpp); a refused request gets its 4xx answer and its connection is
// closed, its body unread.
#pragma once

#include "limits.hpp"
#include "routes.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <string>
#include <unordered_map>

namespace serve {

class http_server {
 public:
  /// `answer` and `l` must outlive the server. With `log`, one line per answer on stderr.
  http_server(const limits& l, const routes& answer, bool log);
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;
  ~http_server();

  /// Listens on host:port (port 0: any free one). Returns "" or why it cannot (the system's message).
  std::string listen(const std::string& host, int port);
  /// The port listened on.
  int port() const;
  /// Serves until stop() or SIGINT/SIGTERM (the first signal stops it, a second ends the program:
  /// the default action is back). Returns false when it ended on a failure of its own.
  bool run();
  /// Stops serving (from any thread).
  void stop();

  // What the connections share (http_server.cpp); public for them only.
  struct shared {
    const serve::limits& limit;
    const serve::routes& handler;
    bool log;
    boost::asio::thread_pool& pool;
    std::size_t open = 0;  ///< connections open, and by client address (touched on the I/O thread only)
    std::unordered_map<std::string, std::size_t> per_client;
  };

 private:
  void accept();
  void on_accept(boost::asio::ip::tcp::socket socket);

  boost::asio::thread_pool pool_;  // (joined after the I/O thread has stopped: see ~http_server)
  shared shared_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;  // SIGINT and SIGTERM, caught from the server's construction
  bool failed_ = false;
};

/// One log line for an answer: client, method, target, status, body bytes; every byte a client
/// chose printed escaped (request_head.hpp escaped()), so that a line holds no control byte and
/// never more than one line.
std::string log_line(const std::string& client, std::string_view method, std::string_view target, int status,
                     std::size_t bytes);

}  // namespace serve
