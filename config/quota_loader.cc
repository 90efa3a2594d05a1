#include "config/quota_loader.h"

#include "daemon/core/duration.h"

namespace vigil::config {
namespace {

std::optional<double> Share(YamlReader& r, const YAML::Node& n, const std::string& key) {
  std::optional<std::string> v = r.String(n, key);
  if (!v) return std::nullopt;
  core::Result<double> p = core::ParsePercent(*v);
  if (!p.ok()) {
    r.Fail(n, key, p.message());
    return std::nullopt;
  }
  return *p;
}

std::optional<core::JsonPointer> Pointer(YamlReader& r, const YAML::Node& n, const std::string& key) {
  std::optional<std::string> v = r.String(n, key);
  if (!v) return std::nullopt;
  core::Result<core::JsonPointer> p = core::JsonPointer::Parse(*v);
  if (!p.ok()) {
    r.Fail(n, key, p.message());
    return std::nullopt;
  }
  return *p;
}

void ReadEndpoint(YamlReader& r, const YAML::Node& n, const std::string& key, const std::string& base_url,
                  QuotaConfig& out) {
  if (!r.ExpectMap(n, key, {"path", "url", "remaining", "limit", "reset", "dimension"})) return;
  QuotaConfig::Endpoint e;
  if (n["path"] && n["url"]) r.Fail(n["url"], ChildKey(key, "url"), "set either path or url, not both");
  if (n["url"]) {
    if (auto v = r.String(n["url"], ChildKey(key, "url"))) {
      if (const std::string err = ValidateHttpUrl(*v); !err.empty()) r.Fail(n["url"], ChildKey(key, "url"), err);
      e.url = *v;
    }
  } else if (n["path"]) {
    if (auto v = r.String(n["path"], ChildKey(key, "path"))) {
      if (v->empty() || v->front() != '/') r.Fail(n["path"], ChildKey(key, "path"), "must start with '/'");
      else if (base_url.empty()) r.Fail(n["path"], ChildKey(key, "path"), "needs the provider's base_url (or use url:)");
      else e.url = (base_url.back() == '/' ? base_url.substr(0, base_url.size() - 1) : base_url) + *v;
    }
  } else {
    r.Fail(n, key, "missing 'path' or 'url' of the usage endpoint");
  }
  if (!n["remaining"]) r.Fail(n, key, "missing 'remaining' (a JSON Pointer to the remaining budget)");
  else if (auto p = Pointer(r, n["remaining"], ChildKey(key, "remaining"))) e.remaining = *p;
  if (n["limit"]) e.limit = Pointer(r, n["limit"], ChildKey(key, "limit"));
  if (n["reset"]) e.reset = Pointer(r, n["reset"], ChildKey(key, "reset"));
  if (n["dimension"]) e.dimension = r.Name(n["dimension"], ChildKey(key, "dimension")).value_or("requests");
  out.endpoint = std::move(e);
}

}  // namespace

void ReadQuota(YamlReader& r, const YAML::Node& n, const std::string& key, const std::string& base_url,
               QuotaConfig& out) {
  if (!r.ExpectMap(n, key, {"headers", "endpoint", "warn_below", "critical_below", "probe_budget"})) return;
  if (n["headers"]) {
    if (auto v = r.String(n["headers"], ChildKey(key, "headers"))) {
      if (*v == "auto") out.headers = true;
      else if (*v == "off") out.headers = false;
      else r.Fail(n["headers"], ChildKey(key, "headers"), "expected auto or off, got '" + *v + "'");
    }
  }
  if (n["warn_below"]) out.warn_below = Share(r, n["warn_below"], ChildKey(key, "warn_below"));
  if (n["critical_below"]) out.critical_below = Share(r, n["critical_below"], ChildKey(key, "critical_below"));
  if (n["probe_budget"]) {
    out.probe_budget = Share(r, n["probe_budget"], ChildKey(key, "probe_budget"));
    if (out.probe_budget && *out.probe_budget <= 0) {
      r.Fail(n["probe_budget"], ChildKey(key, "probe_budget"), "must be above 0% (probes need some budget)");
    }
  }
  if (out.warn_below && out.critical_below && *out.critical_below >= *out.warn_below) {
    r.Fail(n["critical_below"], ChildKey(key, "critical_below"), "must be below warn_below");
  }
  if (n["endpoint"]) ReadEndpoint(r, n["endpoint"], ChildKey(key, "endpoint"), base_url, out);
}

CheckConfig QuotaCheck(const QuotaConfig::Endpoint& e, const AuthConfig& auth, const CheckDefaults& defaults) {
  CheckConfig c;
  c.name = kQuotaCheckName;
  c.reads_quota = true;
  c.url = e.url;
  c.timeout = defaults.timeout;
  c.interval = defaults.interval;
  c.interval_when_failing = defaults.interval_when_failing;
  c.failure_threshold = defaults.failure_threshold;
  c.success_threshold = defaults.success_threshold;
  c.retries = defaults.retries;
  c.auth = auth;
  c.expect.status.push_back({200, 299});
  return c;
}

}  // namespace vigil::config
