// Standard base64 (RFC 4648 §4) on one line, both ways. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigil::core {

// Padded, without line breaks (Poco's encoder alone wraps at 72 characters).
std::string EncodeBase64(std::string_view bytes);

// Strict: only the base64 alphabet, padding optional but correct; nullopt otherwise (Poco's
// decoder alone skips whitespace and ignores a stray trailing character).
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace vigil::core
