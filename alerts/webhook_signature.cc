#include "alerts/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <optional>
#include <sstream>
#include <string_view>

#include "daemon/core/base64.h"
#include "daemon/core/text.h"

namespace vigil::alerts {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersion = "v1,";

// The raw 32-byte HMAC-SHA256 of "<id>.<timestamp>.<body>".
std::string Mac(const std::string& key, const std::string& id, std::string_view timestamp,
                const std::string& body) {
  const std::string message = id + "." + std::string(timestamp) + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool ParseInt64(std::string_view text, int64_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

}  // namespace

std::string WebhookKey(const std::string& secret) {
  if (secret.rfind(kSecretPrefix, 0) == 0) {
    auto key = core::DecodeBase64(std::string_view(secret).substr(kSecretPrefix.size()));
    if (key && !key->empty()) return *key;
  }
  return secret;
}

std::string SignStandardWebhook(const std::string& secret, const std::string& id,
                                int64_t timestamp_s, const std::string& body) {
  return std::string(kVersion) +
         core::EncodeBase64(Mac(WebhookKey(secret), id, std::to_string(timestamp_s), body));
}

HttpHeaders SignedHeaders(const std::string& secret, const std::string& id, int64_t timestamp_s,
                          const std::string& body) {
  HttpHeaders headers = {{"webhook-id", id}, {"webhook-timestamp", std::to_string(timestamp_s)}};
  if (!secret.empty()) {
    headers.emplace_back("webhook-signature", SignStandardWebhook(secret, id, timestamp_s, body));
  }
  return headers;
}

core::Status VerifyStandardWebhook(const std::string& secret, const std::string& id,
                                   const std::string& timestamp,
                                   const std::string& signature_header, const std::string& body,
                                   int64_t now_s, int64_t tolerance_s) {
  if (id.empty()) return core::Status::Error("missing webhook-id");
  int64_t ts = 0;
  if (!ParseInt64(timestamp, ts)) return core::Status::Error("webhook-timestamp is not an integer");
  if (ts < now_s - tolerance_s) return core::Status::Error("webhook-timestamp is too old");
  if (ts > now_s + tolerance_s) return core::Status::Error("webhook-timestamp is in the future");
  // Signed as the reference libraries re-format it: the integer, without leading zeros.
  const std::string expected = Mac(WebhookKey(secret), id, std::to_string(ts), body);
  for (const std::string& candidate : core::Split(signature_header, ' ')) {
    if (candidate.rfind(kVersion, 0) != 0) continue;
    const auto mac = core::DecodeBase64(std::string_view(candidate).substr(kVersion.size()));
    if (mac && mac->size() == expected.size() &&
        CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) == 0) {
      return core::Status::Ok();
    }
  }
  return core::Status::Error("no matching v1 signature in webhook-signature");
}

}  // namespace vigil::alerts
