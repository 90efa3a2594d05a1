#include "daemon/core/json_pointer.h"

namespace vigil::core {

Result<JsonPointer> JsonPointer::Parse(std::string_view text) {
  JsonPointer p;
  p.text_ = std::string(text);
  if (text.empty()) return p;  // the whole document
  if (text.front() != '/') {
    return Result<JsonPointer>::Error("invalid JSON pointer \"" + p.text_ +
                                      "\": must be empty or start with '/' (RFC 6901)");
  }
  std::string token;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      p.tokens_.push_back(std::move(token));
      token.clear();
    } else if (text[i] == '~') {
      const char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (next != '0' && next != '1') {
        return Result<JsonPointer>::Error("invalid JSON pointer \"" + p.text_ +
                                          "\": '~' must be followed by 0 or 1 (RFC 6901)");
      }
      token += next == '0' ? '~' : '/';
      ++i;
    } else {
      token += text[i];
    }
  }
  return p;
}

}  // namespace vigil::core
