// nndl-serve's HTTP server (http_server.hpp): one connection is one session, which goes
//   wait for a request (idle_timeout; header_timeout for the first) -> scan its head as it comes
//   (the whole head within header_timeout of its first byte) -> parse and check it -> read the body
//   (within body_timeout) -> compute the answer on the pool -> write it -> the next request,
// and a refusal anywhere before the body is its answer, after which the connection is closed.
#include "http_server.hpp"

#include "request_head.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

namespace serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::string log_line(const std::string& client, std::string_view method, std::string_view target, int status,
                     std::size_t bytes) {
  return client + " " + escaped(method, 20) + " " + escaped(target, 200) + " " + std::to_string(status) + " " +
         std::to_string(bytes) + "\n";
}

namespace {

/// Read at most this much at a time (the buffer of a connection waiting for its head holds at most
/// max_header_bytes and one read).
constexpr std::size_t read_chunk = 16 << 10;

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, http_server::shared& s, std::string client)
      : stream_(std::move(socket)),
        buffer_(s.limit.max_header_bytes + 4 * read_chunk),
        shared_(s),
        scanner_(s.limit),
        client_(std::move(client)),
        linger_(stream_.get_executor()) {}
  ~session() {
    --shared_.open;
    if (const auto it = shared_.per_client.find(client_); it != shared_.per_client.end() && --it->second == 0)
      shared_.per_client.erase(it);
  }

  void start() { wait_for_request(shared_.limit.header_timeout); }

 private:
  const limits& limit() const { return shared_.limit; }

  void wait_for_request(std::chrono::milliseconds deadline) {
    scanner_.reset();
    parser_.reset();
    method_.clear(), target_.clear();
    if (buffer_.size() > 0) return on_bytes(true);  // a pipelined request is already here
    stream_.expires_after(deadline);
    read_head(true);
  }

  void read_head(bool first) {
    const std::size_t room = std::min(read_chunk, buffer_.max_size() - buffer_.size());
    if (room == 0)
      return refuse({431, "the request's head is larger than the limit of " + std::to_string(limit().max_header_bytes) +
                              " bytes"});
    stream_.async_read_some(buffer_.prepare(room), [self = shared_from_this(), first](error_code ec, std::size_t n) {
      if (ec) return self->close();  // the client left, or a deadline passed (tcp_stream closed the socket)
      self->buffer_.commit(n);
      self->on_bytes(first);
    });
  }

  void on_bytes(bool first) {
    if (first) stream_.expires_after(limit().header_timeout);  // the whole head within this, from its first byte
    const auto data = buffer_.data();
    const std::size_t head = scanner_.scan({static_cast<const char*>(data.data()), data.size()});
    if (scanner_.problem()) return refuse(scanner_.problem());
    if (head == 0) return read_head(false);
    parser_.emplace();
    const refusal r = parse_head(*parser_, {static_cast<const char*>(data.data()), head}, limit());
    buffer_.consume(head);
    if (parser_->is_header_done()) {
      method_ = std::string(parser_->get().method_string());
      target_ = std::string(parser_->get().target());
    }
    if (r) return refuse(r);
    if (parser_->is_done()) return answer_request();
    stream_.expires_after(limit().body_timeout);
    if (expects_continue(*parser_)) {
      static constexpr std::string_view go = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(stream_, asio::buffer(go.data(), go.size()),
                               [self = shared_from_this()](error_code ec, std::size_t) {
                                 if (ec) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();  // cut short, or too slow: nothing to answer
      self->answer_request();
    });
  }

  void answer_request() {
    stream_.expires_never();
    auto m = parser_->release();
    keep_alive_ = m.keep_alive();
    head_ = m.method() == http::verb::head;
    request r{.method = method_,
              .target = target_,
              .content_type = std::string(m[http::field::content_type]),
              .body = std::move(m.body())};
    parser_.reset();
    asio::post(shared_.pool, [self = shared_from_this(), r = std::move(r)]() mutable {
      answer a = self->shared_.handler(r);
      auto& s = *self;  // (the session is kept by the handler posted back to the I/O thread)
      asio::post(s.stream_.get_executor(),
                 [self = std::move(self), a = std::move(a)]() mutable { self->write(std::move(a)); });
    });
  }

  void refuse(const refusal& r) {
    keep_alive_ = false;
    head_ = false;
    write(error_answer(r.status, r.message));
  }

  void write(answer a) {
    auto res = std::make_shared<http::response<http::string_body>>(http::status(a.status), 11);
    res->set(http::field::server, "nndl-serve");
    res->set(http::field::content_type, a.type);
    res->set("X-Content-Type-Options", "nosniff");
    res->set("Referrer-Policy", "no-referrer");
    res->set("X-Frame-Options", "DENY");
    res->set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : a.headers) res->set(name, value);
    res->keep_alive(keep_alive_);
    if (a.status == 503) res->set(http::field::retry_after, "1");
    res->body() = std::move(a.body);
    res->prepare_payload();
    const std::size_t bytes = res->body().size();
    if (head_) res->body().clear();  // HEAD: the headers of GET, Content-Length too, and no body
    if (shared_.log) {
      const std::string line =
          log_line(client_, method_.empty() ? "-" : method_, target_.empty() ? "-" : target_, a.status, bytes);
      std::fwrite(line.data(), 1, line.size(), stderr);
    }
    stream_.expires_after(limit().body_timeout);  // a client that does not read its answer is closed then
    http::async_write(stream_, *res, [self = shared_from_this(), res](error_code ec, std::size_t) {
      if (ec) return self->close();
      if (!self->keep_alive_) return self->finish();
      self->wait_for_request(self->limit().idle_timeout);
    });
  }

  /// After an answer with Connection: close: the answer is sent (FIN), what the client still sends
  /// is not read, and the socket is closed a moment later (the answer leaves before the reset that
  /// closing with unread bytes sends).
  void finish() {
    stream_.expires_never();
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    linger_.expires_after(std::chrono::milliseconds(200));
    linger_.async_wait([self = shared_from_this()](error_code) { self->close(); });
  }

  void close() {
    error_code ec;
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http_server::shared& shared_;
  head_scanner scanner_;
  std::optional<request_parser> parser_;
  std::string client_, method_, target_;
  bool keep_alive_ = true, head_ = false;
  asio::steady_timer linger_;
};

}  // namespace

http_server::http_server(const limits& l, const routes& answer, bool log)
    : pool_(l.threads),
      shared_{.limit = l, .handler = answer, .log = log, .pool = pool_, .open = 0, .per_client = {}},
      acceptor_(io_),
      signals_(io_, SIGINT, SIGTERM) {}

http_server::~http_server() {
  io_.stop();
  pool_.join();  // the answers being computed end (what they post to the stopped io_context is dropped with it)
}

std::string http_server::listen(const std::string& host, int port) {
  error_code ec;
  tcp::resolver resolver(io_);
  const auto found =
      resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return ec.message();
  if (found.empty()) return "the host has no address";
  const tcp::endpoint at = found.begin()->endpoint();
  // Only SO_REUSEADDR: with SO_REUSEPORT a second server could listen on a port already taken.
  if (acceptor_.open(at.protocol(), ec) || acceptor_.set_option(tcp::acceptor::reuse_address(true), ec) ||
      acceptor_.bind(at, ec) || acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    error_code ignored;
    acceptor_.close(ignored);
    return ec.message();
  }
  return "";
}

int http_server::port() const { return acceptor_.local_endpoint().port(); }

void http_server::accept() {
  acceptor_.async_accept(io_, [this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {  // out of descriptors, say: try again a moment later rather than spin
      std::fprintf(stderr, "nndl-serve: accepting a connection failed: %s\n", ec.message().c_str());
      auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
      return timer->async_wait([this, timer](error_code) { accept(); });
    }
    on_accept(std::move(socket));
    accept();
  });
}

void http_server::on_accept(tcp::socket socket) {
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;
  socket.set_option(tcp::no_delay(true), ec);  // an answer goes out at once, not after the client's delayed ACK
  std::string client = peer.address().to_string();
  const limits& l = shared_.limit;
  const std::size_t from_client = shared_.per_client.count(client) ? shared_.per_client[client] : 0;
  if (shared_.open >= l.max_connections || from_client >= l.max_per_client) {
    // A short answer the socket's buffer takes at once, never waited for, and the connection closed.
    const std::string body =
        shared_.open >= l.max_connections
            ? "{\"error\":\"too many connections: " + std::to_string(l.max_connections) + " are open\"}"
            : "{\"error\":\"too many connections from this address: " + std::to_string(l.max_per_client) +
                  " are open\"}";
    const std::string text = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                             "Connection: close\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body;
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(text), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
    if (shared_.log) {
      const std::string line = log_line(client, "-", "-", 503, body.size());
      std::fwrite(line.data(), 1, line.size(), stderr);
    }
    return;
  }
  ++shared_.open;
  ++shared_.per_client[client];
  std::make_shared<session>(std::move(socket), shared_, std::move(client))->start();
}

bool http_server::run() {
  signals_.async_wait([this](error_code ec, int sig) {
    if (ec) return;
    std::fprintf(stderr, "nndl-serve: stopping (signal %d)\n", sig);
    error_code ignored;
    signals_.clear(ignored);
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the program at once
    std::signal(SIGTERM, SIG_DFL);
    stop();
  });
  accept();
  try {
    io_.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nndl-serve: the server failed: %s\n", e.what());
    failed_ = true;
  }
  return !failed_;
}

void http_server::stop() {
  asio::post(io_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
    io_.stop();
  });
}

}  // namespace serve
