#include "tests/support/test_http_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include "daemon/core/text.h"

namespace vigil::testing {

std::string RecordedRequest::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (core::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RecordingHandler(TestHttpServer& server) : server_(server) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    RecordedRequest r;
    r.method = req.getMethod();
    r.uri = req.getURI();
    for (const auto& [k, v] : req) r.headers.emplace_back(k, v);
    Poco::StreamCopier::copyToString(req.stream(), r.body);
    server_.Record(r);
    server_.handler_(r, resp);
  }

 private:
  TestHttpServer& server_;
};

namespace {
class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(TestHttpServer& s) : s_(s) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new RecordingHandler(s_);
  }

 private:
  TestHttpServer& s_;
};
}  // namespace

TestHttpServer::TestHttpServer(Handler handler, Poco::Net::Context::Ptr tls, uint16_t port)
    : handler_(std::move(handler)), tls_(tls != nullptr) {
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(8);
  params->setKeepAlive(false);
  const Poco::Net::SocketAddress addr("127.0.0.1", port);
  if (tls) {
    Poco::Net::SecureServerSocket socket(addr, 64, tls);
    port_ = socket.address().port();
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  } else {
    Poco::Net::ServerSocket socket(addr);
    port_ = socket.address().port();
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  }
  server_->start();
}

TestHttpServer::~TestHttpServer() { server_->stopAll(true); }

std::string TestHttpServer::url(const std::string& path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<RecordedRequest> TestHttpServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void TestHttpServer::Record(RecordedRequest r) {
  std::lock_guard lock(mu_);
  requests_.push_back(std::move(r));
}

void Reply(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body,
           const std::string& content_type) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  resp.setContentType(content_type);
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send() << body;
}

}  // namespace vigil::testing
