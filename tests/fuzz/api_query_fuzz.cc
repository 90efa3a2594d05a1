// libFuzzer target: an API request target as a client sends it ("/api/v1/...?since=...&limit=")
// through the URI parser and the API's query parsing. Contract: no crash or sanitizer report;
// what a bad query gets is an HttpError with a 4xx status and a code, never anything else.
#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "daemon/http/request.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  namespace http = daemon::http;
  Poco::URI uri;
  try {
    uri = Poco::URI(std::string(fuzz::Text(data, size)));
  } catch (const Poco::Exception&) {
    return 0;  // the server answers 400 for a target Poco cannot parse
  }
  const core::WallTime now = core::FromUnixMillis(1'796'000'000'000);
  try {
    const http::Query q = http::ParseQuery(uri, {"since", "until", "limit", "check", "window", "provider"});
    for (const char* key : {"since", "until"}) http::TimeParam(q, key, now);
    const std::size_t limit = http::LimitParam(q, 100);
    fuzz::Check(limit >= 1 && limit <= 1000);
  } catch (const http::HttpError& e) {
    fuzz::Check(e.status >= 400 && e.status < 500 && !e.code.empty() && !e.detail.empty());
  }
  return 0;
}
