#include "tests/support/http_call.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "daemon/core/text.h"

namespace vigil::testing {

std::string HttpResult::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (core::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

HttpResult HttpCall(const std::string& method, const std::string& url, const config::Headers& headers,
                    const std::string& body) {
  HttpResult r;
  try {
    const Poco::URI uri(url);
    Poco::Net::HTTPClientSession s(uri.getHost(), uri.getPort());
    s.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(method, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = s.receiveResponse(resp);
    Poco::StreamCopier::copyToString(in, r.body);
    r.status = static_cast<int>(resp.getStatus());
    for (const auto& [k, v] : resp) r.headers.emplace_back(k, v);
  } catch (const Poco::Exception& e) {
    r.error = e.displayText();
  }
  return r;
}

uint16_t FreeLoopbackPort(uint16_t avoid) {
  for (;;) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const uint16_t port = socket.address().port();
    if (port != avoid) return port;
  }
}

}  // namespace vigil::testing
