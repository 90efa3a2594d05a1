#include "config/config.h"

#include <algorithm>

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

const NotifierConfig* Config::FindNotifier(std::string_view name) const {
  for (const auto& n : notifiers) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string Config::PublicUrl() const {
  std::string url = server.public_url;
  if (url.empty()) {
    std::string listen = server.listen;
    if (listen.rfind("0.0.0.0:", 0) == 0) listen = "127.0.0.1" + listen.substr(7);
    else if (listen.rfind("[::]:", 0) == 0) listen = "[::1]" + listen.substr(4);
    else if (!listen.empty() && listen.front() == ':') listen = "127.0.0.1" + listen;
    url = "http://" + listen;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool NotifierConfig::Matches(const ProviderConfig& p) const {
  const auto has = [](const std::vector<std::string>& list, const std::string& v) {
    for (const auto& x : list) {
      if (x == v) return true;
    }
    return false;
  };
  if (match_providers.empty() && match_tags.empty()) return true;
  if (has(match_providers, p.name)) return true;
  for (const auto& t : p.tags) {
    if (has(match_tags, t)) return true;
  }
  return false;
}

const char* NotifierTypeName(NotifierConfig::Type t) {
  switch (t) {
    case NotifierConfig::Type::kWebhook: return "webhook";
    case NotifierConfig::Type::kSlack: return "slack";
    case NotifierConfig::Type::kAlertmanager: return "alertmanager";
  }
  return "webhook";
}

std::optional<ActiveMaintenance> Config::MaintenanceOf(std::string_view provider, core::WallTime now) const {
  std::optional<ActiveMaintenance> active;
  for (const auto& m : maintenance) {
    if (!AppliesTo(m.window, provider)) continue;
    const std::optional<core::WallTime> end = CurrentWindowEnd(m.window, now);
    if (!end) continue;
    const core::WallTime start = CurrentWindowStart(m.window, now).value_or(now);
    if (!active) {
      active = ActiveMaintenance{start, *end, m.reason};
    } else {
      active->start = std::min(active->start, start);
      active->until = std::max(active->until, *end);
    }
  }
  return active;
}

std::size_t Config::CheckCount() const {
  std::size_t n = 0;
  for (const auto& p : providers) n += p.checks.size();
  return n;
}

}  // namespace vigil::config
