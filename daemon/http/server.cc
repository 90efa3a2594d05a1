#include "daemon/http/server.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/String.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "daemon/core/log.h"
#include "daemon/core/text.h"
#include "daemon/http/request_head.h"
#include "probes/result_json.h"

namespace vigil::daemon::http {
namespace {

using Poco::Net::HTTPResponse;

// The session of one request on a connection whose bytes are already waiting; it can tell
// whether it read past the request (a pipelined next one, which it would lose with it).
class OneRequestSession final : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  bool read_ahead() const { return buffered() > 0; }
};

// After an early error the client may still be sending (a huge header, say). Closing at once
// would make the kernel answer with a reset that destroys our response before the client reads
// it; so stop sending, and read and discard for a bounded while first.
void LingeringClose(Poco::Net::StreamSocket& socket) {
  try {
    socket.shutdownSend();
    socket.setReceiveTimeout(Poco::Timespan(0, 200'000));
    char buf[16384];
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (std::size_t total = 0; total < 4 * 1024 * 1024 && std::chrono::steady_clock::now() < until;) {
      const int n = socket.receiveBytes(buf, sizeof buf);
      if (n <= 0) break;
      total += static_cast<std::size_t>(n);
    }
  } catch (const Poco::Exception&) {
    // timed out or reset: either way we are done
  }
}

void Fail(Poco::Net::HTTPServerSession& session, int status, const std::string& code, const std::string& detail) {
  try {
    {
      Poco::Net::HTTPServerResponseImpl response(session);
      response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
      response.setKeepAlive(false);
      SendError(response, status, code, detail);
    }
    session.setKeepAlive(false);
    LingeringClose(session.socket());
  } catch (const Poco::Exception&) {
    // the client is gone
  }
}

}  // namespace

// Connections between requests wait in one epoll set, without a thread: only a connection whose
// whole request has arrived goes to a worker, which answers it and hands the connection back.
// Idle and slow clients therefore hold no worker, however many there are; the oldest idle ones
// are shed beyond `max_connections`, and a request that does not arrive within `read_deadline`
// of its first byte gets a 408.
class HttpServer::Loop {
 public:
  Loop(Poco::Net::ServerSocket socket, Handler handler, const ServerOptions& options)
      : listener_(std::move(socket)), handler_(std::move(handler)), options_(options) {
    params_ = new Poco::Net::HTTPServerParams;
    params_->setKeepAlive(true);
    params_->setSoftwareVersion("");
    params_->setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(options.read_deadline).count()));
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_ < 0 || wake_ < 0) throw Poco::IOException("cannot create the listener's event loop");
    listener_.setBlocking(false);
    Watch(listener_.impl()->sockfd(), EPOLLIN);
    Watch(wake_, EPOLLIN);
    for (int i = 0; i < std::max(1, options_.threads); ++i) workers_.emplace_back([this] { Work(); });
    waiter_ = std::thread([this] { Wait(); });
  }

  ~Loop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    Wake();
    ready_cv_.notify_all();
    if (waiter_.joinable()) waiter_.join();
    deadlines_.FireAll();  // abort requests in flight rather than wait for their deadlines
    for (auto& w : workers_) w.join();
    waiting_.clear();
    ::close(wake_);
    ::close(epoll_);
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Ready {  // a connection whose request has arrived
    Poco::Net::StreamSocket socket;
    std::string refusal;  // why its head is refused unread, or empty
  };
  struct Waiting {
    Poco::Net::StreamSocket socket;
    Clock::time_point idle_since;
    std::optional<Clock::time_point> first_byte;  // of the request now arriving
  };

  void Watch(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }
  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
  }

  // The waiter thread: accepts, watches connections between requests, and hands whole requests on.
  void Wait() {
    std::vector<epoll_event> events(256);
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 250);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == listener_.impl()->sockfd()) {
          Accept();
        } else if (fd == wake_) {
          uint64_t count = 0;
          [[maybe_unused]] const ssize_t r = ::read(wake_, &count, sizeof count);
          TakeBack();
        } else {
          Readable(fd);
        }
      }
      Expire();
    }
  }

  void Accept() {
    for (;;) {
      int fd = ::accept4(listener_.impl()->sockfd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
        // Out of descriptors: make room by shedding, or else pause rather than spin on a
        // listener that stays readable.
        if (waiting_.empty()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return;
        }
        ShedOne();
        continue;
      }
      if (fd < 0) return;  // EAGAIN: all taken; anything else: the next round tries again
      if (waiting_.size() >= static_cast<std::size_t>(options_.max_connections)) ShedOne();
      // Built in place: Poco 1.11's sockets copy rather than move, and a second reference held
      // here would be released after a worker took the connection (see TakeBack).
      Watch(fd, EPOLLIN | EPOLLRDHUP | EPOLLET);
      waiting_.emplace(fd, Waiting{Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd)), Clock::now(), std::nullopt});
      Readable(fd);  // bytes that arrived before the watch raise no edge: look now
    }
  }

  // Beyond the connection bound: the longest-idle connection goes (one mid-request only when
  // every connection is mid-request).
  void ShedOne() {
    auto victim = waiting_.end();
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      const bool idle = !it->second.first_byte;
      if (victim == waiting_.end() || (idle && victim->second.first_byte) ||
          (idle == !victim->second.first_byte && it->second.idle_since < victim->second.idle_since)) {
        victim = it;
      }
    }
    if (victim != waiting_.end()) Drop(victim);
  }

  void Drop(std::unordered_map<int, Waiting>::iterator it) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, it->first, nullptr);
    try {
      it->second.socket.close();
    } catch (const Poco::Exception&) {
    }
    waiting_.erase(it);
  }

  void Readable(int fd) {
    auto it = waiting_.find(fd);
    if (it == waiting_.end()) return;
    const ssize_t got = ::recv(fd, peek_.data(), peek_.size(), MSG_PEEK | MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      Drop(it);  // closed by the client, or broken
      return;
    }
    if (got <= 0) return;
    if (!it->second.first_byte) it->second.first_byte = Clock::now();
    const std::string_view peeked(peek_.data(), static_cast<std::size_t>(got));
    if (!RequestComplete(peeked, options_.max_body, kPeekSize)) return;
    // A head that is not RFC 9112 is refused before Poco's lenient parser reads it.
    std::string refusal;
    if (const std::optional<HeadEnd> end = FindHeadEnd(peeked)) {
      refusal = RequestHeadError(peeked.substr(0, end->length)).value_or("");
    }
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    Ready ready{std::move(it->second.socket), std::move(refusal)};
    waiting_.erase(it);
    {
      std::lock_guard lock(mu_);
      ready_.push_back(std::move(ready));
      ready.socket = Poco::Net::StreamSocket();  // the copy left here goes before a worker can take it
    }
    ready_cv_.notify_one();
  }

  // Idle past keep-alive: closed. A request not whole within read_deadline of its first byte: 408.
  void Expire() {
    const auto now = Clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      auto next = std::next(it);
      if (it->second.first_byte && now - *it->second.first_byte >= options_.read_deadline) {
        static const std::string kTimeout = [] {
          const std::string body = R"({"error":"request_timeout","detail":"the request did not arrive in time"})";
          return "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n"
                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        }();
        [[maybe_unused]] const ssize_t sent = ::send(it->first, kTimeout.data(), kTimeout.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        Drop(it);
      } else if (!it->second.first_byte && now - it->second.idle_since >= options_.keep_alive) {
        Drop(it);
      }
      it = next;
    }
  }

  // Connections a worker handed back for their next request.
  void TakeBack() {
    std::vector<Poco::Net::StreamSocket> back;
    {
      std::lock_guard lock(mu_);
      back.swap(returned_);
    }
    for (auto& socket : back) {
      if (waiting_.size() >= static_cast<std::size_t>(options_.max_connections)) ShedOne();
      socket.setBlocking(false);
      const int fd = socket.impl()->sockfd();
      Watch(fd, EPOLLIN | EPOLLRDHUP | EPOLLET);
      waiting_.emplace(fd, Waiting{std::move(socket), Clock::now(), std::nullopt});
      // One owner at a time: the copy left here must go before a worker may take the connection,
      // or its release (inside Poco, unseen by ThreadSanitizer and unordered with the worker) could
      // be the one that frees the socket.
      socket = Poco::Net::StreamSocket();
      Readable(fd);
    }
  }

  void Work() {
    for (;;) {
      Ready ready;
      {
        std::unique_lock lock(mu_);
        ready_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
        if (stopping_) return;
        ready = std::move(ready_.front());
        ready_.pop_front();
      }
      Poco::Net::StreamSocket& socket = ready.socket;
      if (!ready.refusal.empty()) {
        socket.setBlocking(true);
        OneRequestSession session(socket, params_);
        Fail(session, 400, "bad_request", ready.refusal);
        continue;
      }
      if (Serve(socket)) {
        {
          std::lock_guard lock(mu_);
          if (stopping_) return;
          returned_.push_back(std::move(socket));
          ready.socket = Poco::Net::StreamSocket();  // this worker's reference, dropped before the waiter takes it
        }
        Wake();
      }
    }
  }

  // Answers the one request waiting on `socket`; true when the connection stays open for another.
  bool Serve(Poco::Net::StreamSocket& socket) {
    socket.setBlocking(true);
    // Reading what has arrived, answering (a probe run on request takes a while) and writing the
    // answer to a slow reader must fit in the deadline.
    probes::SocketDeadlines::Guard guard(deadlines_, socket.impl()->sockfd(),
                                         Clock::now() + options_.read_deadline + options_.keep_alive);
    OneRequestSession session(socket, params_);
    bool keep_alive = false, refused_body = false;
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      Poco::Net::HTTPServerRequestImpl request(response, session, params_);
      response.setDate(Poco::Timestamp());
      response.setVersion(request.getVersion());
      response.setKeepAlive(request.getKeepAlive());
      if (const std::optional<std::string> framing = FramingError(request)) {
        response.setKeepAlive(false);
        SendError(response, 400, "bad_request", *framing);
        refused_body = true;
      } else if (request.getVersion() != Poco::Net::HTTPMessage::HTTP_1_1 &&
                 request.getVersion() != Poco::Net::HTTPMessage::HTTP_1_0) {
        response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
        response.setKeepAlive(false);
        SendError(response, 505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served");
        refused_body = true;
      } else if (request.hasContentLength() && request.getContentLength() > static_cast<std::streamsize>(options_.max_body)) {
        response.setKeepAlive(false);
        SendError(response, 413, "payload_too_large",
                  "request bodies are limited to " + std::to_string(options_.max_body) + " bytes");
        refused_body = true;
      } else {
        handler_(request, response);
        // What the handler did not read of the body would be taken for the next request.
        request.stream().ignore(std::numeric_limits<std::streamsize>::max());
      }
      keep_alive = response.getKeepAlive() && !refused_body && !session.read_ahead() && !guard.fired();
    } catch (const Poco::Net::NoMessageException&) {
      return false;  // the client closed the connection
    } catch (const Poco::Net::MessageException& e) {
      // Poco's MessageHeader::read says "Field name too long", "Field value too long..." or
      // "Too many header fields"; everything else it rejects is a malformed request.
      const std::string& m = e.message();
      const bool too_large = m.find("Field name too long") != std::string::npos ||
                             m.find("Field value too long") != std::string::npos ||
                             m.find("Too many header fields") != std::string::npos;
      Fail(session, too_large ? 431 : 400, too_large ? "headers_too_large" : "bad_request", e.message());
      return false;
    } catch (const Poco::SyntaxException& e) {
      // Poco's request reads its Content-Length as a number before anything else sees it; a
      // client's malformed request, not a server error.
      Fail(session, 400, "bad_request", "malformed request: " + e.displayText());
      return false;
    } catch (const Poco::Exception& e) {
      Fail(session, guard.fired() ? 408 : 500, guard.fired() ? "request_timeout" : "internal", e.displayText());
      return false;
    }
    if (refused_body) LingeringClose(socket);  // the unread body may still be arriving
    // The session's destructor closes the socket it holds; a connection kept for its next
    // request is taken out of it first.
    if (keep_alive) session.detachSocket();
    return keep_alive;
  }

  static constexpr std::size_t kPeekSize = 96 * 1024;

  Poco::Net::ServerSocket listener_;
  const Handler handler_;
  const ServerOptions options_;
  Poco::Net::HTTPServerParams::Ptr params_;
  probes::SocketDeadlines deadlines_;
  int epoll_ = -1;
  int wake_ = -1;
  std::unordered_map<int, Waiting> waiting_;  // waiter thread only
  std::string peek_ = std::string(kPeekSize, '\0');  // waiter thread only

  std::mutex mu_;
  std::condition_variable ready_cv_;
  bool stopping_ = false;                          // GUARDED_BY(mu_)
  std::deque<Ready> ready_;                        // GUARDED_BY(mu_): whole requests waiting for a worker
  std::vector<Poco::Net::StreamSocket> returned_;  // GUARDED_BY(mu_): back from a worker
  std::vector<std::thread> workers_;
  std::thread waiter_;
};


void SendJson(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body) {
  resp.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  resp.setContentType("application/json");
  resp.set("Cache-Control", "no-store");
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send() << body << std::flush;
}

void SendError(Poco::Net::HTTPServerResponse& resp, int status, const std::string& code, const std::string& detail) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("error", code);
  o->set("detail", detail);
  SendJson(resp, status, probes::ToJsonText(o));
}

core::Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen, Handler handler,
                                                            const ServerOptions& options) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  try {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress(listen), options.queue};
    server->port_ = socket.address().port();
    server->loop_ = std::make_unique<Loop>(std::move(socket), std::move(handler), options);
  } catch (const Poco::Exception& e) {
    return core::Result<std::unique_ptr<HttpServer>>::Error("cannot listen on " + listen + ": " + e.displayText());
  }
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() { loop_.reset(); }

}  // namespace vigil::daemon::http
