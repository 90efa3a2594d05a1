// JsonPointer: an RFC 6901 JSON Pointer ("/data/0/id", "~1" for '/', "~0" for '~'), parsed once
// at config load into reference tokens. Evaluation against a document lives with the JSON
// library's user (probes/); this type only holds the syntax. Immutable and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/status.h"

namespace vigil::core {

class JsonPointer {
 public:
  static Result<JsonPointer> Parse(std::string_view text);

  const std::vector<std::string>& tokens() const { return tokens_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<std::string> tokens_;
};

}  // namespace vigil::core
