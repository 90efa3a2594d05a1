// Plain HTTP calls from tests to a server on loopback (the daemon, the simulator).
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace vigil::testing {

struct HttpResult {
  int status = 0;  // 0 when the call failed
  std::string body;
  config::Headers headers;
  std::string error;
  std::string Header(const std::string& name) const;
};

HttpResult HttpCall(const std::string& method, const std::string& url, const config::Headers& headers = {},
                    const std::string& body = "");
inline HttpResult HttpGet(const std::string& url) { return HttpCall("GET", url); }

// A TCP port on 127.0.0.1 that was free a moment ago, for a child process that must be told its
// port up front (and cannot take port 0 and report it). `avoid`: a port already handed out.
uint16_t FreeLoopbackPort(uint16_t avoid = 0);

}  // namespace vigil::testing
