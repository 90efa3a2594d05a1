#include "daemon/core/base64.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>

#include <sstream>

namespace vigil::core {
namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::size_t pads = 0;
  while (!text.empty() && text.back() == '=' && pads < 2) {
    text.remove_suffix(1);
    ++pads;
  }
  for (char c : text) {
    if (!IsBase64Char(c)) return std::nullopt;
  }
  if (text.size() % 4 == 1 || (pads > 0 && (text.size() + pads) % 4 != 0)) return std::nullopt;
  std::istringstream in{std::string(text)};
  Poco::Base64Decoder decoder(in, Poco::BASE64_NO_PADDING);
  std::string out;
  try {
    for (char c; decoder.get(c);) out += c;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  if (decoder.bad()) return std::nullopt;
  return out;
}

}  // namespace vigil::core
