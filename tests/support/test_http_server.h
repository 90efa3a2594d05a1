// TestHttpServer: a real Poco HTTP server on 127.0.0.1, port 0, answering with a lambda and
// recording every request it received. Stands in for a provider, Slack or a webhook receiver.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"

namespace vigil::testing {

struct RecordedRequest {
  std::string method;
  std::string uri;
  config::Headers headers;
  std::string body;
  std::string Header(const std::string& name) const;  // "" when absent
};

class TestHttpServer {
 public:
  using Handler = std::function<void(const RecordedRequest&, Poco::Net::HTTPServerResponse&)>;

  // Plain HTTP; or HTTPS with `tls` (a server Context). On `port`, or a free one with 0 (a
  // receiver that comes back after an outage binds the port it had).
  explicit TestHttpServer(Handler handler, Poco::Net::Context::Ptr tls = nullptr, uint16_t port = 0);
  ~TestHttpServer();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  std::vector<RecordedRequest> requests() const;

 private:
  friend class RecordingHandler;
  void Record(RecordedRequest r);

  Handler handler_;
  bool tls_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<RecordedRequest> requests_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// Answers `status` with `body` as JSON.
void Reply(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body,
           const std::string& content_type = "application/json");

}  // namespace vigil::testing
