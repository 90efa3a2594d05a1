#include "config/check_loader.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "config/auth_loader.h"
#include "config/yaml_json.h"
#include "daemon/core/duration.h"
#include "daemon/core/text.h"

namespace vigil::config {
namespace {

constexpr std::array<std::string_view, 7> kMethods = {"GET",    "HEAD",  "POST",   "PUT",
                                                      "PATCH",  "DELETE", "OPTIONS"};
constexpr Millis kMinInterval{1000};

}  // namespace

std::string ValidateHttpUrl(const std::string& url) {
  try {
    Poco::URI uri(url);
    if (uri.getScheme() != "http" && uri.getScheme() != "https") {
      return "must be an http:// or https:// URL, got \"" + url + "\"";
    }
    if (uri.getHost().empty()) return "URL \"" + url + "\" has no host";
    if (!uri.getFragment().empty()) return "URL \"" + url + "\" must not have a #fragment";
    if (!uri.getUserInfo().empty()) {
      return "URL must not carry credentials (user:password@); use auth instead";
    }
  } catch (const Poco::Exception& e) {
    return "invalid URL \"" + url + "\": " + e.message();
  }
  return "";
}

void ReadCheckDefaults(YamlReader& r, const YAML::Node& node, const std::string& key,
                       CheckDefaults& d) {
  const auto child = [&](const char* name) { return ChildKey(key, name); };
  if (const YAML::Node n = node["interval"]) {
    if (auto v = r.Duration(n, child("interval"))) d.interval = *v;
  }
  if (const YAML::Node n = node["interval_when_failing"]) {
    if (auto v = r.Duration(n, child("interval_when_failing"))) d.interval_when_failing = *v;
  }
  if (const YAML::Node n = node["timeout"]) {
    if (auto v = r.Duration(n, child("timeout"))) d.timeout = *v;
  }
  if (const YAML::Node n = node["failure_threshold"]) {
    if (auto v = r.Integer(n, child("failure_threshold"), 1, 100)) d.failure_threshold = static_cast<int>(*v);
  }
  if (const YAML::Node n = node["success_threshold"]) {
    if (auto v = r.Integer(n, child("success_threshold"), 1, 100)) d.success_threshold = static_cast<int>(*v);
  }
  if (const YAML::Node n = node["retries"]) {
    if (auto v = r.Integer(n, child("retries"), 0, 5)) d.retries = static_cast<int>(*v);
  }
  if (const YAML::Node n = node["max_body"]) {
    if (auto v = r.ByteSize(n, child("max_body"))) {
      if (*v < 1024 || *v > 64u * 1024 * 1024) {
        r.Fail(n, child("max_body"), "must be between 1 KiB and 64 MiB");
      } else {
        d.max_body = *v;
      }
    }
  }
  if (const YAML::Node n = node["follow_redirects"]) {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      d.max_redirects = n.Scalar() == "true" ? 10 : 0;
    } else if (auto v = r.Integer(n, child("follow_redirects"), 0, 20)) {
      d.max_redirects = static_cast<int>(*v);
    }
  }
}

namespace {

std::optional<StatusRange> ParseStatusItem(const std::string& s) {
  const auto digits = [](std::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const auto valid = [](int code) { return code >= 100 && code <= 599; };
  if (s.size() == 3 && s[0] >= '1' && s[0] <= '5' && (s.substr(1) == "xx" || s.substr(1) == "XX")) {
    const int base = (s[0] - '0') * 100;
    return StatusRange{base, base + 99};
  }
  const std::size_t dash = s.find('-');
  if (dash != std::string::npos && digits(s.substr(0, dash)) && digits(s.substr(dash + 1)) &&
      s.size() < 12) {
    const int lo = std::stoi(s.substr(0, dash));
    const int hi = std::stoi(s.substr(dash + 1));
    if (valid(lo) && valid(hi) && lo <= hi) return StatusRange{lo, hi};
    return std::nullopt;
  }
  if (digits(s) && s.size() == 3 && valid(std::stoi(s))) {
    const int code = std::stoi(s);
    return StatusRange{code, code};
  }
  return std::nullopt;
}

std::vector<StatusRange> ReadStatus(YamlReader& r, const YAML::Node& node, const std::string& key) {
  std::vector<StatusRange> out;
  std::vector<YAML::Node> items;
  if (node.IsSequence()) {
    for (const auto& item : node) items.push_back(item);
    if (items.empty()) r.Fail(node, key, "must list at least one status");
  } else {
    items.push_back(node);
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_key = node.IsSequence() ? IndexKey(key, i) : key;
    std::optional<std::string> text = r.String(items[i], item_key);
    if (!text) continue;
    if (auto range = ParseStatusItem(*text)) {
      out.push_back(*range);
    } else {
      r.Fail(items[i], item_key, "invalid status \"" + *text +
                                     "\" (expected a code like 200, a class like 2xx, or a range like 200-299)");
    }
  }
  return out;
}

std::optional<Severity> ReadSeverity(YamlReader& r, const YAML::Node& node, const std::string& key) {
  std::optional<std::string> v = r.String(node, key);
  if (!v) return std::nullopt;
  if (*v == "warn") return Severity::kWarn;
  if (*v == "critical") return Severity::kCritical;
  r.Fail(node, key, "expected warn or critical, got '" + *v + "'");
  return std::nullopt;
}

std::optional<JsonType> ParseJsonType(std::string_view s) {
  for (JsonType t : {JsonType::kString, JsonType::kNumber, JsonType::kInteger, JsonType::kBoolean,
                     JsonType::kArray, JsonType::kObject, JsonType::kNull}) {
    if (s == JsonTypeName(t)) return t;
  }
  return std::nullopt;
}

std::optional<JsonAssertion> ReadJsonAssertion(YamlReader& r, const YAML::Node& node,
                                               const std::string& key) {
  if (!r.ExpectMap(node, key, {"pointer", "equals", "type", "exists", "min_items", "max_items",
                               "min", "max", "matches", "severity"})) {
    return std::nullopt;
  }
  JsonAssertion a;
  const YAML::Node pointer = node["pointer"];
  if (!pointer) {
    r.Fail(node, key, "missing 'pointer' (an RFC 6901 JSON Pointer such as /data/0/id)");
    return std::nullopt;
  }
  if (auto text = r.String(pointer, ChildKey(key, "pointer"))) {
    core::Result<core::JsonPointer> p = core::JsonPointer::Parse(*text);
    if (!p.ok()) r.Fail(pointer, ChildKey(key, "pointer"), p.message());
    else a.pointer = *p;
  }
  int conditions = 0;
  if (const YAML::Node n = node["equals"]) {
    ++conditions;
    a.equals = r.LiteralValue(n, ChildKey(key, "equals"));
  }
  if (const YAML::Node n = node["type"]) {
    ++conditions;
    if (auto t = r.String(n, ChildKey(key, "type"))) {
      a.type = ParseJsonType(*t);
      if (!a.type) {
        r.Fail(n, ChildKey(key, "type"), "unknown type '" + *t +
                                             "' (string, number, integer, boolean, array, object or null)");
      }
    }
  }
  if (const YAML::Node n = node["exists"]) {
    ++conditions;
    a.exists = r.Bool(n, ChildKey(key, "exists"));
  }
  const auto size_key = [&](const char* name, std::optional<std::size_t>& out) {
    if (const YAML::Node n = node[name]) {
      ++conditions;
      if (auto v = r.Integer(n, ChildKey(key, name), 0, 1'000'000'000)) out = static_cast<std::size_t>(*v);
    }
  };
  size_key("min_items", a.min_items);
  size_key("max_items", a.max_items);
  const auto number_key = [&](const char* name, std::optional<double>& out) {
    if (const YAML::Node n = node[name]) {
      ++conditions;
      out = r.Number(n, ChildKey(key, name));
    }
  };
  number_key("min", a.min);
  number_key("max", a.max);
  if (const YAML::Node n = node["matches"]) {
    ++conditions;
    if (auto re = r.Regex(n, ChildKey(key, "matches"))) {
      a.matches = n.Scalar();
      a.matches_re = *re;
    }
  }
  if (const YAML::Node n = node["severity"]) {
    if (auto s = ReadSeverity(r, n, ChildKey(key, "severity"))) a.severity = *s;
  }
  if (conditions == 0) {
    r.Fail(node, key, "nothing to assert: add equals, type, exists, min_items, max_items, min, max or matches");
  } else if (a.exists == false && conditions > 1) {
    r.Fail(node["exists"], ChildKey(key, "exists"), "'exists: false' cannot be combined with other conditions");
  }
  return a;
}

std::optional<HeaderAssertion> ReadHeaderAssertion(YamlReader& r, const YAML::Node& node,
                                                   const std::string& key) {
  if (!r.ExpectMap(node, key, {"name", "present", "equals", "matches", "severity"})) return std::nullopt;
  HeaderAssertion a;
  if (const YAML::Node n = node["name"]) {
    if (auto v = r.String(n, ChildKey(key, "name"))) {
      if (!core::IsHttpToken(*v)) r.Fail(n, ChildKey(key, "name"), "invalid header name '" + *v + "'");
      a.name = *v;
    }
  } else {
    r.Fail(node, key, "missing 'name'");
  }
  if (const YAML::Node n = node["present"]) a.present = r.Bool(n, ChildKey(key, "present"));
  if (const YAML::Node n = node["equals"]) a.equals = r.String(n, ChildKey(key, "equals"));
  if (const YAML::Node n = node["matches"]) {
    if (auto re = r.Regex(n, ChildKey(key, "matches"))) {
      a.matches = n.Scalar();
      a.matches_re = *re;
    }
  }
  if (const YAML::Node n = node["severity"]) {
    if (auto s = ReadSeverity(r, n, ChildKey(key, "severity"))) a.severity = *s;
  }
  if (!node["present"] && !node["equals"] && !node["matches"]) {
    r.Fail(node, key, "nothing to assert: add present, equals or matches");
  } else if (a.present == false && (node["equals"] || node["matches"])) {
    r.Fail(node["present"], ChildKey(key, "present"), "'present: false' cannot be combined with equals or matches");
  }
  return a;
}

std::optional<JsonDocument> ReadDocument(YamlReader& r, const YAML::Node& n, const std::string& key) {
  JsonDocument d;
  d.pos = {n.Mark().line + 1, n.Mark().column + 1};
  d.key = key;
  if (n.IsMap()) {  // written inline
    core::Result<Poco::Dynamic::Var> v = YamlToJson(n);
    if (!v.ok()) {
      r.Fail(n, key, v.message());
      return std::nullopt;
    }
    d.document = *v;
    return d;
  }
  std::optional<std::string> path = r.FilePath(n, key);
  if (!path) return std::nullopt;
  core::Result<Poco::Dynamic::Var> v = ReadJsonOrYamlFile(*path);
  if (!v.ok()) {
    r.Fail(n, key, "cannot use '" + n.Scalar() + "': " + v.message());
    return std::nullopt;
  }
  d.file = *path;
  d.document = *v;
  return d;
}

void ReadOpenApi(YamlReader& r, const YAML::Node& n, const std::string& key, Expectations& e) {
  if (!r.ExpectMap(n, key, {"spec", "operation", "method", "path"})) return;
  OpenApiExpectation o;
  if (!n["spec"]) return r.Fail(n, key, "missing 'spec' (the OpenAPI document, YAML or JSON)");
  std::optional<JsonDocument> spec = ReadDocument(r, n["spec"], ChildKey(key, "spec"));
  if (!spec) return;
  o.spec = std::move(*spec);
  if (n["operation"] && (n["method"] || n["path"])) return r.Fail(n["operation"], ChildKey(key, "operation"), "set operation, or method and path, not both");
  if (n["operation"]) {
    o.operation = r.String(n["operation"], ChildKey(key, "operation")).value_or("");
  } else if (n["method"] && n["path"]) {
    o.method = r.String(n["method"], ChildKey(key, "method")).value_or("");
    o.path = r.String(n["path"], ChildKey(key, "path")).value_or("");
  } else {
    return r.Fail(n, key, "needs 'operation' (an operationId), or 'method' and 'path' as written in the spec");
  }
  e.openapi = std::move(o);
}

void ReadLifecycleExpectations(YamlReader& r, const YAML::Node& node, const std::string& key, Expectations& e) {
  if (const YAML::Node n = node["shape_drift"]) {
    if (auto v = r.String(n, ChildKey(key, "shape_drift"))) {
      if (*v == "off") e.shape_drift = DriftMode::kOff;
      else if (*v == "warn") e.shape_drift = DriftMode::kWarn;
      else if (*v == "critical") e.shape_drift = DriftMode::kCritical;
      else r.Fail(n, ChildKey(key, "shape_drift"), "expected off, warn or critical, got '" + *v + "'");
    }
  }
  if (const YAML::Node n = node["deprecation"]) {
    const std::string dk = ChildKey(key, "deprecation");
    if (n.IsMap()) {
      if (r.ExpectMap(n, dk, {"sunset_critical_within"})) {
        e.deprecation = true;
        if (n["sunset_critical_within"]) {
          e.sunset_critical_within = r.Duration(n["sunset_critical_within"], ChildKey(dk, "sunset_critical_within")).value_or(e.sunset_critical_within);
        }
      }
    } else if (auto v = r.String(n, dk)) {
      if (*v == "warn" || *v == "true") e.deprecation = true;
      else if (*v == "off" || *v == "false") e.deprecation = false;
      else r.Fail(n, dk, "expected warn, off, or { sunset_critical_within: 30d }, got '" + *v + "'");
    }
  }
  if (const YAML::Node n = node["track_headers"]) {
    e.track_headers = r.StringList(n, ChildKey(key, "track_headers"));
    for (const auto& h : e.track_headers) {
      if (!core::IsHttpToken(h)) r.Fail(n, ChildKey(key, "track_headers"), "invalid header name '" + h + "'");
    }
  }
}

void ReadExpectations(YamlReader& r, const YAML::Node& node, const std::string& key,
                      CheckConfig& check) {
  Expectations& e = check.expect;
  if (!r.ExpectMap(node, key, {"status", "latency", "json", "headers", "json_schema", "openapi", "shape_drift",
                               "deprecation", "track_headers"})) {
    return;
  }
  if (const YAML::Node n = node["json_schema"]) e.json_schema = ReadDocument(r, n, ChildKey(key, "json_schema"));
  if (const YAML::Node n = node["openapi"]) ReadOpenApi(r, n, ChildKey(key, "openapi"), e);
  ReadLifecycleExpectations(r, node, key, e);
  if (const YAML::Node n = node["status"]) {
    e.status = ReadStatus(r, n, ChildKey(key, "status"));
    e.status_configured = true;
  }
  if (const YAML::Node n = node["latency"]) {
    const std::string lk = ChildKey(key, "latency");
    if (r.ExpectMap(n, lk, {"warn", "critical"})) {
      if (n["warn"]) e.latency.warn = r.Duration(n["warn"], ChildKey(lk, "warn"));
      if (n["critical"]) e.latency.critical = r.Duration(n["critical"], ChildKey(lk, "critical"));
      if (e.latency.warn && e.latency.critical && *e.latency.warn >= *e.latency.critical) {
        r.Fail(n["warn"], ChildKey(lk, "warn"), "must be below critical (" +
                                                    core::FormatDuration(*e.latency.critical) + ")");
      }
      for (const char* level : {"warn", "critical"}) {
        const auto& v = std::string(level) == "warn" ? e.latency.warn : e.latency.critical;
        if (v && *v >= check.timeout) {
          r.Fail(n[level], ChildKey(lk, level), "must be below the check's timeout (" +
                                                    core::FormatDuration(check.timeout) + "), or it can never fire");
        }
      }
    }
  }
  if (const YAML::Node n = node["json"]) {
    const std::string jk = ChildKey(key, "json");
    if (r.ExpectList(n, jk)) {
      for (std::size_t i = 0; i < n.size(); ++i) {
        if (auto a = ReadJsonAssertion(r, n[i], IndexKey(jk, i))) e.json.push_back(std::move(*a));
      }
    }
  }
  if (const YAML::Node n = node["headers"]) {
    const std::string hk = ChildKey(key, "headers");
    if (r.ExpectList(n, hk)) {
      for (std::size_t i = 0; i < n.size(); ++i) {
        if (auto a = ReadHeaderAssertion(r, n[i], IndexKey(hk, i))) e.headers.push_back(std::move(*a));
      }
    }
  }
}

Headers ReadStringMap(YamlReader& r, const YAML::Node& node, const std::string& key, bool header_names) {
  Headers out;
  if (!node.IsMap()) {
    r.Fail(node, key, "expected a mapping of names to values");
    return out;
  }
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    const std::string child = ChildKey(key, name);
    if (header_names && !core::IsHttpToken(name)) {
      r.Fail(kv.first, child, "invalid header name");
      continue;
    }
    std::optional<std::string> value = r.String(kv.second, child);
    if (!value) continue;
    if (value->find_first_of("\r\n") != std::string::npos) {
      r.Fail(kv.second, child, "must not contain a line break");
      continue;
    }
    out.emplace_back(name, *value);
  }
  return out;
}

void ValidateTiming(YamlReader& r, const YAML::Node& node, const std::string& key, const CheckConfig& c) {
  const YAML::Node at = node["timeout"] ? node["timeout"] : node;
  if (c.interval < kMinInterval) {
    r.Fail(node["interval"] ? node["interval"] : node, ChildKey(key, "interval"), "must be at least 1s");
  }
  if (c.timeout.count() <= 0) r.Fail(at, ChildKey(key, "timeout"), "must be above 0");
  if (c.timeout > c.interval) {
    r.Fail(at, ChildKey(key, "timeout"), core::FormatDuration(c.timeout) + " exceeds the interval (" +
                                             core::FormatDuration(c.interval) + ")");
  }
  if (c.interval_when_failing) {
    const YAML::Node f = node["interval_when_failing"] ? node["interval_when_failing"] : node;
    if (*c.interval_when_failing < kMinInterval) {
      r.Fail(f, ChildKey(key, "interval_when_failing"), "must be at least 1s");
    } else if (c.timeout > *c.interval_when_failing) {
      r.Fail(at, ChildKey(key, "timeout"), core::FormatDuration(c.timeout) +
                                               " exceeds interval_when_failing (" +
                                               core::FormatDuration(*c.interval_when_failing) + ")");
    }
  }
}

}  // namespace

CheckConfig AuthCheck(const AuthConfig& auth, const CheckDefaults& defaults) {
  CheckConfig c;
  c.name = kAuthCheckName;
  c.synthetic = true;
  c.method = "POST";
  c.url = auth.oauth2.token_url;
  c.timeout = defaults.timeout;
  c.interval = defaults.interval;
  c.failure_threshold = defaults.failure_threshold;
  c.success_threshold = defaults.success_threshold;
  c.auth = auth;
  c.expect.status.push_back({200, 299});
  return c;
}

std::optional<CheckConfig> ReadCheck(YamlReader& r, const YAML::Node& node, const std::string& key,
                                     const std::string& base_url, const AuthConfig& provider_auth,
                                     const CheckDefaults& defaults) {
  if (!r.ExpectMap(node, key, {"name", "method", "path", "url", "query", "headers", "body",
                               "interval", "interval_when_failing", "timeout", "failure_threshold",
                               "success_threshold", "retries", "max_body", "follow_redirects", "auth", "expect"})) {
    return std::nullopt;
  }
  CheckConfig c;
  c.pos = {node.Mark().line + 1, node.Mark().column + 1};
  if (const YAML::Node n = node["name"]) {
    if (auto v = r.Name(n, ChildKey(key, "name"))) {
      if (*v == kAuthCheckName && provider_auth.type == AuthConfig::Type::kOAuth2ClientCredentials) {
        r.Fail(n, ChildKey(key, "name"), "the name 'auth' is reserved for the provider's OAuth2 token request");
      }
      c.name = *v;
    }
  } else {
    r.Fail(node, key, "missing 'name'");
  }
  if (const YAML::Node n = node["method"]) {
    if (auto v = r.String(n, ChildKey(key, "method"))) {
      std::string upper = *v;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (std::find(kMethods.begin(), kMethods.end(), upper) == kMethods.end()) {
        r.Fail(n, ChildKey(key, "method"), "unknown method '" + *v + "' (GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS)");
      }
      c.method = upper;
    }
  }
  const YAML::Node path = node["path"];
  const YAML::Node url = node["url"];
  if (path && url) {
    r.Fail(url, ChildKey(key, "url"), "set either path or url, not both");
  } else if (url) {
    if (auto v = r.String(url, ChildKey(key, "url"))) {
      const std::string err = ValidateHttpUrl(*v);
      if (!err.empty()) r.Fail(url, ChildKey(key, "url"), err);
      c.url = *v;
    }
  } else if (path) {
    if (auto v = r.String(path, ChildKey(key, "path"))) {
      if (v->empty() || v->front() != '/') {
        r.Fail(path, ChildKey(key, "path"), "must start with '/'");
      } else if (base_url.empty()) {
        r.Fail(path, ChildKey(key, "path"), "needs the provider's base_url (or use url: with an absolute URL)");
      } else {
        c.url = (base_url.back() == '/' ? base_url.substr(0, base_url.size() - 1) : base_url) + *v;
      }
    }
  } else {
    r.Fail(node, key, "missing 'path' (relative to the provider's base_url) or 'url'");
  }
  if (const YAML::Node n = node["query"]) c.query = ReadStringMap(r, n, ChildKey(key, "query"), false);
  if (const YAML::Node n = node["headers"]) c.headers = ReadStringMap(r, n, ChildKey(key, "headers"), true);
  if (const YAML::Node n = node["body"]) {
    if (auto v = r.String(n, ChildKey(key, "body"))) c.body = *v;
  }
  c.auth = provider_auth;
  if (const YAML::Node n = node["auth"]) ReadAuth(r, n, ChildKey(key, "auth"), false, c.auth);
  CheckDefaults own = defaults;
  ReadCheckDefaults(r, node, key, own);
  c.interval = own.interval;
  c.interval_when_failing = own.interval_when_failing;
  c.timeout = own.timeout;
  c.failure_threshold = own.failure_threshold;
  c.success_threshold = own.success_threshold;
  c.retries = own.retries;
  c.max_body = own.max_body;
  c.max_redirects = own.max_redirects;
  ValidateTiming(r, node, key, c);
  if (const YAML::Node n = node["expect"]) ReadExpectations(r, n, ChildKey(key, "expect"), c);
  if (c.expect.status.empty() && !c.expect.status_configured) c.expect.status.push_back({200, 299});
  return c;
}

}  // namespace vigil::config
