// libFuzzer target: WWW-Authenticate challenges (RFC 9110 §11.6.1) and the one-line explanation
// of a 401/403 built from them. Contract: no crash or sanitizer report; schemes and parameter
// names come back lower case; the explanation is one non-empty line of bounded size.
#include <cctype>

#include "probes/auth/www_authenticate.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  const std::string header(fuzz::Text(data, size));
  for (const auto& c : probes::auth::ParseWwwAuthenticate(header)) {
    fuzz::Check(!c.scheme.empty());
    for (char ch : c.scheme) fuzz::Check(!std::isupper(static_cast<unsigned char>(ch)));
    for (const auto& [name, value] : c.params) {
      for (char ch : name) fuzz::Check(!std::isupper(static_cast<unsigned char>(ch)));
    }
  }
  for (int status : {401, 403}) {
    const std::string line = probes::auth::DescribeAuthFailure(status, "Unauthorized", &header);
    fuzz::Check(!line.empty() && line.size() <= 1024);
    fuzz::Check(line.find('\n') == std::string::npos && line.find('\r') == std::string::npos);
  }
  return 0;
}
