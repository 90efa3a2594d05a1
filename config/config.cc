#include "config/config.h"

namespace vigil::config {

const char* SeverityName(Severity s) { return s == Severity::kWarn ? "warn" : "critical"; }

const char* AuthTypeName(AuthConfig::Type t) {
  switch (t) {
    case AuthConfig::Type::kNone: return "none";
    case AuthConfig::Type::kBearer: return "bearer";
    case AuthConfig::Type::kHeader: return "header";
    case AuthConfig::Type::kQuery: return "query";
    case AuthConfig::Type::kBasic: return "basic";
    case AuthConfig::Type::kOAuth2ClientCredentials: return "oauth2_client_credentials";
  }
  return "none";
}

const char* JsonTypeName(JsonType t) {
  switch (t) {
    case JsonType::kString: return "string";
    case JsonType::kNumber: return "number";
    case JsonType::kInteger: return "integer";
    case JsonType::kBoolean: return "boolean";
    case JsonType::kArray: return "array";
    case JsonType::kObject: return "object";
    case JsonType::kNull: return "null";
  }
  return "?";
}

const CheckConfig* ProviderConfig::FindCheck(std::string_view check) const {
  for (const auto& c : checks) {
    if (c.name == check) return &c;
  }
  return nullptr;
}

const ProviderConfig* Config::FindProvider(std::string_view name) const {
  for (const auto& p : providers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::size_t Config::CheckCount() const {
  std::size_t n = 0;
  for (const auto& p : providers) n += p.checks.size();
  return n;
}

}  // namespace vigil::config
