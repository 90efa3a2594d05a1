// libFuzzer target: the bytes a client sends to the API port, through what the listener does
// with them: where the head ends, whether the request is whole, the RFC 9112 check of the raw
// head, then Poco's request parser and the framing check on what it parsed. Contract: no crash,
// hang or sanitizer report; nothing but a Poco::Exception out of Poco's parser; a head the check
// accepts has no bare CR, NUL or line without a colon; a full peek window always counts as whole
// (so a huge head is answered, never waited on).
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>

#include <sstream>

#include "daemon/http/request_head.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::daemon::http;
  namespace fuzz = vigil::fuzz;
  const std::string_view bytes = fuzz::Text(data, size);
  fuzz::Check(RequestComplete(bytes, 1024, bytes.size()) || bytes.empty());
  RequestComplete(bytes, 1024, bytes.size() + 1);
  const std::optional<HeadEnd> end = FindHeadEnd(bytes);
  if (!end) return 0;
  fuzz::Check(end->length + end->terminator <= bytes.size() && (end->terminator == 1 || end->terminator == 2));
  const std::string_view head = bytes.substr(0, end->length);
  if (RequestHeadError(head)) return 0;  // answered 400 before Poco reads it
  fuzz::Check(head.find('\0') == std::string_view::npos);
  for (std::size_t i = head.find('\r'); i != std::string_view::npos; i = head.find('\r', i + 1)) {
    fuzz::Check(i + 1 < head.size() && head[i + 1] == '\n');
  }
  std::istringstream in{std::string(bytes)};
  Poco::Net::HTTPRequest request;
  try {
    request.read(in);
  } catch (const Poco::Exception&) {
    return 0;  // a 400 or 431
  }
  // What the check accepted, Poco reads as the same lines: every field a token name.
  for (const auto& [name, value] : request) fuzz::Check(!name.empty());
  const std::optional<std::string> framing = FramingError(request);
  if (framing) fuzz::Check(!framing->empty());
  return 0;
}
