#include "config/alerting_loader.h"

#include <algorithm>
#include <set>

#include "config/check_loader.h"
#include "daemon/core/base64.h"
#include "daemon/core/duration.h"
#include "daemon/core/text.h"

namespace vigil::config {
namespace {

constexpr std::string_view kWebhookSecretPrefix = "whsec_";

// A duration within [lo, hi]; outside it, an error naming the bounds and nullopt.
std::optional<Millis> BoundedDuration(YamlReader& r, const YAML::Node& n, const std::string& key, Millis lo, Millis hi) {
  const std::optional<Millis> d = r.Duration(n, key);
  if (!d) return std::nullopt;
  if (*d < lo || *d > hi) {
    r.Fail(n, key, "must be between " + core::FormatDuration(lo) + " and " + core::FormatDuration(hi));
    return std::nullopt;
  }
  return d;
}

constexpr Millis kSecond{1000};
constexpr Millis kMinute{60'000};
constexpr Millis kHour{3'600'000};

void ReadOn(YamlReader& r, const YAML::Node& n, const std::string& key, NotifierConfig& out) {
  out.on_down = out.on_degraded = out.on_up = out.on_attention = false;
  for (const std::string& v : r.StringList(n, key)) {
    if (v == "down") out.on_down = true;
    else if (v == "degraded") out.on_degraded = true;
    else if (v == "up") out.on_up = true;
    else if (v == "attention") out.on_attention = true;
    else r.Fail(n, key, "unknown transition '" + v + "' (down, degraded, up or attention)");
  }
  // Alertmanager alerts must be re-posted while they last; attention items have no such lane yet.
  if (out.on_attention && out.type == NotifierConfig::Type::kAlertmanager) {
    r.Fail(n, key, "'attention' is not supported for alertmanager notifiers (use a webhook or slack notifier)");
  }
}

void ReadMatch(YamlReader& r, const YAML::Node& n, const std::string& key, NotifierConfig& out) {
  if (!r.ExpectMap(n, key, {"tags", "providers"})) return;
  if (n["tags"]) out.match_tags = r.StringList(n["tags"], ChildKey(key, "tags"));
  if (n["providers"]) out.match_providers = r.StringList(n["providers"], ChildKey(key, "providers"));
}

std::optional<NotifierConfig> ReadNotifier(YamlReader& r, const YAML::Node& n, const std::string& key) {
  if (!r.ExpectMap(n, key, {"name", "type", "url", "on", "match", "repeat", "fallback", "secret", "headers", "timeout",
                            "include_impacted", "retry"})) {
    return std::nullopt;
  }
  NotifierConfig c;
  c.pos = {n.Mark().line + 1, n.Mark().column + 1};
  for (const char* required : {"name", "type", "url"}) {
    if (!n[required]) r.Fail(n, key, std::string("missing '") + required + "'");
  }
  if (n["name"]) c.name = r.Name(n["name"], ChildKey(key, "name")).value_or("");
  if (n["type"]) {
    if (auto t = r.String(n["type"], ChildKey(key, "type"))) {
      if (*t == "webhook") c.type = NotifierConfig::Type::kWebhook;
      else if (*t == "slack") c.type = NotifierConfig::Type::kSlack;
      else if (*t == "alertmanager") c.type = NotifierConfig::Type::kAlertmanager;
      else r.Fail(n["type"], ChildKey(key, "type"), "unknown type '" + *t + "' (webhook, slack or alertmanager)");
    }
  }
  if (n["url"]) {
    // A Slack webhook URL is itself a credential: remembered as a secret.
    if (auto v = c.type == NotifierConfig::Type::kSlack ? r.Secret(n["url"], ChildKey(key, "url")) : r.String(n["url"], ChildKey(key, "url"))) {
      if (const std::string err = ValidateHttpUrl(*v); !err.empty()) r.Fail(n["url"], ChildKey(key, "url"), err);
      c.url = *v;
      // The credential is the path (/services/T.../B.../token): redacted also when seen alone.
      if (c.type == NotifierConfig::Type::kSlack) {
        const std::size_t scheme = v->find("://");
        const std::size_t path = scheme == std::string::npos ? std::string::npos : v->find('/', scheme + 3);
        if (path != std::string::npos && v->size() - path > 1) r.AddDerivedSecret(v->substr(path));
      }
    }
  }
  if (n["on"]) ReadOn(r, n["on"], ChildKey(key, "on"), c);
  if (n["match"]) ReadMatch(r, n["match"], ChildKey(key, "match"), c);
  if (n["repeat"]) c.repeat = BoundedDuration(r, n["repeat"], ChildKey(key, "repeat"), kSecond, 30 * 24 * kHour);
  if (n["fallback"]) {
    const std::string fk = ChildKey(key, "fallback");
    if (r.ExpectMap(n["fallback"], fk, {"notifier", "after"})) {
      if (!n["fallback"]["notifier"]) r.Fail(n["fallback"], fk, "missing 'notifier'");
      else c.fallback = r.Name(n["fallback"]["notifier"], ChildKey(fk, "notifier"));
      if (n["fallback"]["after"]) {
        c.fallback_after = BoundedDuration(r, n["fallback"]["after"], ChildKey(fk, "after"), Millis{0}, 24 * kHour)
                               .value_or(c.fallback_after);
      }
    }
  }
  if (n["secret"]) {
    const std::string sk = ChildKey(key, "secret");
    c.secret = r.Secret(n["secret"], sk).value_or("");
    if (c.type != NotifierConfig::Type::kWebhook) {
      r.Fail(n["secret"], sk, "only webhook notifiers sign their requests");
    } else if (const core::Status st = ValidateWebhookSecret(c.secret); !st.ok()) {
      r.Fail(n["secret"], sk, st.message());
    }
  }
  if (n["headers"]) {
    const std::string hk = ChildKey(key, "headers");
    if (!n["headers"].IsMap()) {
      r.Fail(n["headers"], hk, "expected a mapping of header names to values");
    } else {
      for (const auto& kv : n["headers"]) {
        if (!core::IsHttpToken(kv.first.Scalar())) r.Fail(kv.first, ChildKey(hk, kv.first.Scalar()), "invalid header name");
        if (auto v = r.Secret(kv.second, ChildKey(hk, kv.first.Scalar()))) c.headers.emplace_back(kv.first.Scalar(), *v);
      }
    }
  }
  if (n["timeout"]) c.timeout = BoundedDuration(r, n["timeout"], ChildKey(key, "timeout"), Millis{100}, 5 * kMinute).value_or(c.timeout);
  if (n["include_impacted"]) c.include_impacted = r.Bool(n["include_impacted"], ChildKey(key, "include_impacted")).value_or(false);
  if (n["retry"]) {
    const std::string rk = ChildKey(key, "retry");
    if (r.ExpectMap(n["retry"], rk, {"max_backoff", "give_up_after"})) {
      const YAML::Node retry = n["retry"];
      if (retry["max_backoff"]) {
        c.max_backoff = BoundedDuration(r, retry["max_backoff"], ChildKey(rk, "max_backoff"), kSecond, kHour).value_or(c.max_backoff);
      }
      if (retry["give_up_after"]) {
        c.give_up_after = BoundedDuration(r, retry["give_up_after"], ChildKey(rk, "give_up_after"), kMinute, 7 * 24 * kHour)
                              .value_or(c.give_up_after);
      }
    }
  }
  return c;
}

std::optional<MaintenanceConfig> ReadWindow(YamlReader& r, const YAML::Node& n, const std::string& key) {
  if (!r.ExpectMap(n, key, {"providers", "start", "every", "duration", "timezone", "reason"})) return std::nullopt;
  MaintenanceConfig w;
  w.pos = {n.Mark().line + 1, n.Mark().column + 1};
  w.key = key;
  WindowSpec spec;
  for (const char* required : {"providers", "start", "duration"}) {
    if (!n[required]) r.Fail(n, key, std::string("missing '") + required + "' (and every + timezone for a recurring window)");
  }
  if (r.failed() && (!n["providers"] || !n["start"] || !n["duration"])) return std::nullopt;
  spec.providers = r.StringList(n["providers"], ChildKey(key, "providers"));
  spec.start = r.String(n["start"], ChildKey(key, "start")).value_or("");
  spec.duration = r.String(n["duration"], ChildKey(key, "duration")).value_or("");
  if (n["every"]) spec.every = r.StringList(n["every"], ChildKey(key, "every"));
  if (n["timezone"]) spec.timezone = r.String(n["timezone"], ChildKey(key, "timezone")).value_or("");
  if (n["reason"]) w.reason = r.String(n["reason"], ChildKey(key, "reason")).value_or("");
  core::Result<Window> window = MakeWindow(spec);
  if (!window.ok()) {
    // "timezone: unknown time zone ..." -> the error at that key.
    const std::string& msg = window.message();
    const std::size_t colon = msg.find(": ");
    const std::string sub = colon == std::string::npos ? "" : msg.substr(0, colon);
    const YAML::Node at = !sub.empty() && n[sub] ? n[sub] : n;
    r.Fail(at, sub.empty() ? key : ChildKey(key, sub), colon == std::string::npos ? msg : msg.substr(colon + 2));
    return std::nullopt;
  }
  w.window = std::move(window).value();
  return w;
}

}  // namespace

core::Status ValidateWebhookSecret(const std::string& secret) {
  if (secret.empty()) return core::Status::Error("empty webhook secret");
  if (secret.rfind(kWebhookSecretPrefix, 0) != 0) return core::Status::Ok();
  const auto key = core::DecodeBase64(std::string_view(secret).substr(kWebhookSecretPrefix.size()));
  if (!key) return core::Status::Error("the part after \"whsec_\" is not valid base64");
  if (key->empty()) return core::Status::Error("no key after \"whsec_\"");
  return core::Status::Ok();
}

void ReadNotifiers(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.ExpectList(n, "notifiers")) return;
  std::set<std::string> names;
  for (std::size_t i = 0; i < n.size(); ++i) {
    std::optional<NotifierConfig> nc = ReadNotifier(r, n[i], IndexKey("notifiers", i));
    if (!nc) continue;
    if (!nc->name.empty() && !names.insert(nc->name).second) {
      r.Fail(n[i]["name"], ChildKey(IndexKey("notifiers", i), "name"), "duplicate notifier name '" + nc->name + "'");
    }
    c.notifiers.push_back(std::move(*nc));
  }
}

void ReadMaintenance(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.ExpectList(n, "maintenance")) return;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (auto w = ReadWindow(r, n[i], IndexKey("maintenance", i))) c.maintenance.push_back(std::move(*w));
  }
}

void ReadConnectivity(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.ExpectMap(n, "connectivity", {"urls", "interval", "timeout"})) return;
  ConnectivityConfig cc;
  if (!n["urls"]) return r.Fail(n, "connectivity", "missing 'urls'");
  cc.urls = r.StringList(n["urls"], "connectivity.urls");
  for (const auto& u : cc.urls) {
    if (const std::string err = ValidateHttpUrl(u); !err.empty()) r.Fail(n["urls"], "connectivity.urls", err);
  }
  if (n["interval"]) cc.interval = BoundedDuration(r, n["interval"], "connectivity.interval", kSecond, kHour).value_or(cc.interval);
  if (n["timeout"]) cc.timeout = BoundedDuration(r, n["timeout"], "connectivity.timeout", Millis{100}, kMinute).value_or(cc.timeout);
  if (cc.timeout > cc.interval) r.Fail(n["timeout"] ? n["timeout"] : n, "connectivity.timeout", "exceeds the interval");
  c.connectivity = std::move(cc);
}

void CheckAlertingReferences(YamlReader& r, const YAML::Node& root, const Config& c) {
  const YAML::Node notifiers = root["notifiers"];
  if (!notifiers || !notifiers.IsSequence()) return;
  // A notifier that did not load leaves no NotifierConfig: find each one's entry by position.
  for (std::size_t i = 0; i < notifiers.size(); ++i) {
    const YAML::Node node = notifiers[i];
    const YAML::Mark m = node.Mark();
    const auto nc_it = std::find_if(c.notifiers.begin(), c.notifiers.end(), [&](const NotifierConfig& n) {
      return n.pos.line == m.line + 1 && n.pos.column == m.column + 1;
    });
    if (nc_it == c.notifiers.end()) continue;
    const NotifierConfig& nc = *nc_it;
    const std::string key = IndexKey("notifiers", i);
    if (nc.fallback && (*nc.fallback == nc.name || !c.FindNotifier(*nc.fallback))) {
      r.Fail(node["fallback"], ChildKey(key, "fallback.notifier"),
             *nc.fallback == nc.name ? "a notifier cannot be its own fallback" : "unknown notifier '" + *nc.fallback + "'");
    }
    for (const auto& p : nc.match_providers) {
      if (!c.FindProvider(p)) r.Fail(node["match"], ChildKey(key, "match.providers"), "unknown provider '" + p + "'");
    }
  }
  for (const auto& w : c.maintenance) {
    for (const auto& p : w.window.providers) {
      if (!c.FindProvider(p)) r.FailAt(w.pos.line, w.pos.column, ChildKey(w.key, "providers"), "unknown provider '" + p + "'");
    }
  }
}

}  // namespace vigil::config
