#include "daemon/http/server.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/String.h>

#include <algorithm>
#include <optional>

#include "daemon/core/log.h"
#include "daemon/core/text.h"
#include "probes/result_json.h"

namespace vigil::daemon::http {
namespace {

using Poco::Net::HTTPResponse;

// RFC 9112 framing a request must have before anything acts on it; what is wrong, or nullopt.
// Ambiguous framing (two lengths, a length that is not a plain number, a length next to a
// transfer coding) is how requests are smuggled past a proxy: refused, and the connection closed.
std::optional<std::string> FramingError(const Poco::Net::HTTPServerRequest& request) {
  int lengths = 0, hosts = 0, codings = 0;
  for (const auto& [name, value] : request) {
    if (Poco::icompare(name, "Content-Length") == 0) {
      ++lengths;
      if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return "Content-Length must be a plain decimal number, got \"" + core::Printable(value, 40) + "\"";
      }
    } else if (Poco::icompare(name, "Host") == 0) {
      ++hosts;
    } else if (Poco::icompare(name, "Transfer-Encoding") == 0) {
      ++codings;
    }
  }
  if (lengths > 1) return "more than one Content-Length field";
  if (lengths > 0 && codings > 0) return "both Content-Length and Transfer-Encoding";
  if (hosts > 1) return "more than one Host field";
  if (hosts == 0 && request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1) return "HTTP/1.1 request without Host";
  const std::string& target = request.getURI();
  if (target.empty() || target.front() != '/') {
    return "the request target must be a path starting with '/', got \"" + core::Printable(target, 40) + "\"";
  }
  return std::nullopt;
}

class Connection final : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, const Handler& handler, Poco::Net::HTTPServerParams::Ptr params,
             probes::SocketDeadlines& deadlines, const ServerOptions& options)
      : TCPServerConnection(socket), handler_(handler), params_(params), deadlines_(deadlines), options_(options) {}

  void run() override {
    Poco::Net::HTTPServerSession session(socket(), params_);
    for (;;) {
      // The wait for the next request and the whole request must fit in the deadline.
      probes::SocketDeadlines::Guard guard(deadlines_, socket().impl()->sockfd(),
                                           std::chrono::steady_clock::now() + options_.keep_alive + options_.read_deadline);
      if (!session.hasMoreRequests()) break;
      bool refused_body = false;
      try {
        Poco::Net::HTTPServerResponseImpl response(session);
        Poco::Net::HTTPServerRequestImpl request(response, session, params_);
        response.setDate(Poco::Timestamp());
        response.setVersion(request.getVersion());
        response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive() && session.canKeepAlive());
        const auto bad_field = std::find_if(request.begin(), request.end(),
                                            [](const auto& field) { return !core::IsHttpToken(field.first); });
        if (bad_field != request.end()) {
          response.setKeepAlive(false);
          SendError(response, 400, "bad_request", "malformed header field \"" + core::Printable(bad_field->first, 40) + "\"");
          refused_body = true;
        } else if (const std::optional<std::string> framing = FramingError(request)) {
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
        }
        session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive() && session.canKeepAlive());
      } catch (const Poco::Net::NoMessageException&) {
        break;  // the client closed the connection between requests
      } catch (const Poco::Net::MessageException& e) {
        // Poco's MessageHeader::read says "Field name too long", "Field value too long..." or
        // "Too many header fields"; everything else it rejects is a malformed request.
        const std::string& m = e.message();
        const bool too_large = m.find("Field name too long") != std::string::npos ||
                               m.find("Field value too long") != std::string::npos ||
                               m.find("Too many header fields") != std::string::npos;
        Fail(session, too_large ? 431 : 400, too_large ? "headers_too_large" : "bad_request", e.message());
        break;
      } catch (const Poco::SyntaxException& e) {
        // Poco's request reads its Content-Length as a number before anything else sees it; a
        // client's malformed request, not a server error.
        Fail(session, 400, "bad_request", "malformed request: " + e.displayText());
        break;
      } catch (const Poco::Exception& e) {
        Fail(session, guard.fired() ? 408 : 500, guard.fired() ? "request_timeout" : "internal", e.displayText());
        break;
      }
      if (refused_body) {
        LingeringClose(session.socket());  // the unread body is still arriving
        break;
      }
    }
  }

 private:
  static void Fail(Poco::Net::HTTPServerSession& session, int status, const std::string& code, const std::string& detail) {
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

  // After an early error the client may still be sending (a huge header, say). Closing at once
  // would make the kernel answer with a reset that destroys our response before the client reads
  // it; so stop sending, and read and discard for a bounded while first.
  static void LingeringClose(Poco::Net::StreamSocket& socket) {
    socket.shutdownSend();
    socket.setReceiveTimeout(Poco::Timespan(0, 200'000));
    char buf[16384];
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    try {
      for (std::size_t total = 0; total < 4 * 1024 * 1024 && std::chrono::steady_clock::now() < until;) {
        const int n = socket.receiveBytes(buf, sizeof buf);
        if (n <= 0) break;
        total += static_cast<std::size_t>(n);
      }
    } catch (const Poco::Exception&) {
      // timed out or reset: either way we are done
    }
  }

  const Handler& handler_;
  Poco::Net::HTTPServerParams::Ptr params_;
  probes::SocketDeadlines& deadlines_;
  const ServerOptions& options_;
};

class Factory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  Factory(Handler handler, Poco::Net::HTTPServerParams::Ptr params, probes::SocketDeadlines& deadlines,
          ServerOptions options)
      : handler_(std::move(handler)), params_(params), deadlines_(deadlines), options_(options) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, handler_, params_, deadlines_, options_);
  }

 private:
  Handler handler_;
  Poco::Net::HTTPServerParams::Ptr params_;
  probes::SocketDeadlines& deadlines_;
  ServerOptions options_;
};

}  // namespace

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
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress(listen), 64};
    server->port_ = socket.address().port();
    Poco::Net::HTTPServerParams::Ptr http = new Poco::Net::HTTPServerParams;
    http->setKeepAlive(true);
    http->setKeepAliveTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(options.keep_alive).count()));
    http->setMaxKeepAliveRequests(100);
    http->setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(options.read_deadline).count()));
    http->setSoftwareVersion("");
    auto* tcp = new Poco::Net::TCPServerParams;
    tcp->setMaxThreads(options.threads);
    tcp->setMaxQueued(options.queue);
    server->deadlines_ = std::make_unique<probes::SocketDeadlines>();
    server->server_ = std::make_unique<Poco::Net::TCPServer>(
        new Factory(std::move(handler), http, *server->deadlines_, options), socket, tcp);
    server->server_->start();
  } catch (const Poco::Exception& e) {
    return core::Result<std::unique_ptr<HttpServer>>::Error("cannot listen on " + listen + ": " + e.displayText());
  }
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (server_) {
    server_->stop();
    deadlines_->FireAll();  // end idle keep-alive connections now rather than at their timeout
    server_.reset();
  }
}

}  // namespace vigil::daemon::http
