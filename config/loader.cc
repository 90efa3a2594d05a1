#include "config/loader.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/alerting_loader.h"
#include "config/auth_loader.h"
#include "config/check_loader.h"
#include "config/quota_loader.h"
#include "daemon/core/duration.h"

namespace vigil::config {
namespace {

std::string HostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "vigil";
  return buf;
}

// "host:port", "[v6]:port" or ":port"; returns an error message or "".
std::string ValidateListen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return "expected HOST:PORT, got '" + listen + "'";
  const std::string port = listen.substr(colon + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) return "invalid port in '" + listen + "'";
  const std::string host = listen.substr(0, colon);
  if (host.find(':') != std::string::npos && (host.front() != '[' || host.back() != ']')) {
    return "an IPv6 address must be in brackets, e.g. [::1]:9470";
  }
  return "";
}

constexpr Millis kLongestRetention{10LL * 366 * 86'400'000};  // ten years

class ConfigLoader {
 public:
  explicit ConfigLoader(YamlReader& r) : r_(r) {}

  void Root(const YAML::Node& root, Config& c) {
    if (!r_.ExpectMap(root, "", {"server", "storage", "instance", "scheduler", "defaults", "providers", "notifiers",
                                 "maintenance", "connectivity"})) {
      return;
    }
    c.instance.name = HostName();
    if (const YAML::Node n = root["server"]) Server(n, c.server);
    if (const YAML::Node n = root["storage"]) Storage(n, c.storage);
    if (const YAML::Node n = root["instance"]) Instance(n, c.instance);
    if (const YAML::Node n = root["scheduler"]) Scheduler(n, c.scheduler);
    if (const YAML::Node n = root["defaults"]) {
      if (r_.ExpectMap(n, "defaults", {"interval", "interval_when_failing", "timeout", "failure_threshold",
                                       "success_threshold", "retries", "max_body", "follow_redirects", "quorum"})) {
        ReadCheckDefaults(r_, n, "defaults", defaults_);
        if (n["quorum"]) quorum_ = Quorum(n["quorum"], "defaults.quorum");
      }
    }
    const YAML::Node providers = root["providers"];
    if (!providers && HasUnknownKey(root)) return;  // most likely "providers" misspelled: said already
    if (!providers || (providers.IsSequence() && providers.size() == 0)) {
      r_.Fail(providers ? providers : root, "providers", "at least one provider is required");
      return;
    }
    if (!r_.ExpectList(providers, "providers")) return;
    std::vector<std::size_t> at;  // for each provider read, its index in the list (a broken one is skipped)
    for (std::size_t i = 0; i < providers.size(); ++i) {
      if (auto p = Provider(providers[i], IndexKey("providers", i))) {
        c.providers.push_back(std::move(*p));
        at.push_back(i);
      }
    }
    if (const YAML::Node n = root["notifiers"]) ReadNotifiers(r_, n, c);
    if (const YAML::Node n = root["maintenance"]) ReadMaintenance(r_, n, c);
    if (const YAML::Node n = root["connectivity"]) ReadConnectivity(r_, n, c);
    CrossCheck(providers, at, c);
    CheckAlertingReferences(r_, root, c);
  }

 private:
  static bool HasUnknownKey(const YAML::Node& root) {
    static const std::set<std::string> kKnown = {"server",   "storage",   "instance",    "scheduler",
                                                 "defaults", "providers", "notifiers",   "maintenance",
                                                 "connectivity"};
    for (const auto& kv : root) {
      if (!kKnown.count(kv.first.Scalar())) return true;
    }
    return false;
  }

  void Server(const YAML::Node& n, ServerConfig& s) {
    if (!r_.ExpectMap(n, "server", {"listen", "title", "api_token", "public_url", "limits"})) return;
    if (n["limits"]) Limits(n["limits"], s.limits);
    if (n["public_url"]) {
      if (auto v = r_.String(n["public_url"], "server.public_url")) {
        if (const std::string err = ValidateHttpUrl(*v); !err.empty()) r_.Fail(n["public_url"], "server.public_url", err);
        s.public_url = *v;
      }
    }
    if (n["listen"]) {
      if (auto v = r_.String(n["listen"], "server.listen")) {
        const std::string err = ValidateListen(*v);
        if (!err.empty()) r_.Fail(n["listen"], "server.listen", err);
        s.listen = *v;
      }
    }
    if (n["title"]) {
      if (auto v = r_.String(n["title"], "server.title")) s.title = *v;
    }
    if (n["api_token"]) {
      if (auto v = r_.Secret(n["api_token"], "server.api_token")) {
        if (v->size() < 16) r_.Fail(n["api_token"], "server.api_token", "must be at least 16 characters");
        s.api_token = *v;
      }
    }
  }

  void Limits(const YAML::Node& n, ServerLimits& l) {
    if (!r_.ExpectMap(n, "server.limits", {"max_connections", "workers", "request_timeout", "idle_timeout", "max_body"})) {
      return;
    }
    if (n["max_connections"]) {
      if (auto v = r_.Integer(n["max_connections"], "server.limits.max_connections", 16, 1'000'000)) {
        l.max_connections = static_cast<int>(*v);
      }
    }
    if (n["workers"]) {
      if (auto v = r_.Integer(n["workers"], "server.limits.workers", 1, 256)) l.workers = static_cast<int>(*v);
    }
    const auto timeout = [&](const char* name, Millis& out, Millis hi) {
      if (!n[name]) return;
      const std::string key = ChildKey("server.limits", name);
      if (std::optional<Millis> v = r_.Duration(n[name], key, hi)) {
        if (*v < std::chrono::seconds(1)) {
          r_.Fail(n[name], key, "must be at least 1s");
        } else {
          out = *v;
        }
      }
    };
    timeout("request_timeout", l.request_timeout, std::chrono::minutes(5));
    timeout("idle_timeout", l.idle_timeout, std::chrono::hours(1));
    if (n["max_body"]) {
      if (auto v = r_.ByteSize(n["max_body"], "server.limits.max_body")) {
        if (*v < 1024 || *v > 16 * 1024 * 1024) {
          r_.Fail(n["max_body"], "server.limits.max_body", "must be between 1KiB and 16MiB");
        } else {
          l.max_body = *v;
        }
      }
    }
  }

  void Storage(const YAML::Node& n, StorageConfig& s) {
    if (!r_.ExpectMap(n, "storage", {"sqlite", "retention"}, {"postgres"})) return;
    if (n["sqlite"]) {
      if (auto v = r_.String(n["sqlite"], "storage.sqlite")) {
        if (v->empty()) r_.Fail(n["sqlite"], "storage.sqlite", "must not be empty");
        s.sqlite = *v;
      }
    }
    if (n["retention"]) Retention(n["retention"], s.retention);
  }

  void Retention(const YAML::Node& n, RetentionConfig& r) {
    if (!r_.ExpectMap(n, "storage.retention", {"raw", "minute", "hour", "deliveries", "dead_letters"})) return;
    const auto window = [&](const char* name, Millis& out) {
      if (!n[name]) return;
      const std::string key = ChildKey("storage.retention", name);
      if (std::optional<Millis> v = r_.Duration(n[name], key, kLongestRetention)) {
        if (*v < std::chrono::minutes(1)) {
          r_.Fail(n[name], key, "must be at least 1m");
        } else {
          out = *v;
        }
      }
    };
    window("raw", r.raw);
    window("minute", r.minute);
    window("hour", r.hour);
    window("deliveries", r.deliveries);
    window("dead_letters", r.dead_letters);
    // Each coarser level must outlive the finer one it replaces.
    if (r.minute <= r.raw) {
      r_.Fail(n["minute"] ? n["minute"] : n, "storage.retention.minute",
              "must be longer than raw (" + core::FormatDuration(r.raw) + ")");
    }
    if (r.hour <= r.minute) {
      r_.Fail(n["hour"] ? n["hour"] : n, "storage.retention.hour",
              "must be longer than minute (" + core::FormatDuration(r.minute) + ")");
    }
  }

  void Instance(const YAML::Node& n, InstanceConfig& s) {
    if (!r_.ExpectMap(n, "instance", {"name", "region"})) return;
    if (n["name"]) {
      if (auto v = r_.Name(n["name"], "instance.name")) s.name = *v;
    }
    if (n["region"]) {
      if (auto v = r_.Name(n["region"], "instance.region")) s.region = *v;
    }
  }

  void Scheduler(const YAML::Node& n, SchedulerConfig& s) {
    if (!r_.ExpectMap(n, "scheduler", {"workers", "queue"})) return;
    if (n["workers"]) {
      if (auto v = r_.Integer(n["workers"], "scheduler.workers", 1, 1024)) s.workers = static_cast<int>(*v);
    }
    if (n["queue"]) {
      if (auto v = r_.Integer(n["queue"], "scheduler.queue", 1, 1'000'000)) s.queue = static_cast<int>(*v);
    }
  }

  void Tls(const YAML::Node& n, const std::string& key, TlsConfig& t) {
    if (!r_.ExpectMap(n, key, {"ca_file", "client_cert", "client_key", "insecure_skip_verify"})) return;
    if (n["ca_file"]) t.ca_file = r_.FilePath(n["ca_file"], ChildKey(key, "ca_file")).value_or("");
    if (n["client_cert"]) t.client_cert = r_.FilePath(n["client_cert"], ChildKey(key, "client_cert")).value_or("");
    if (n["client_key"]) t.client_key = r_.FilePath(n["client_key"], ChildKey(key, "client_key")).value_or("");
    if (n["insecure_skip_verify"]) {
      t.insecure_skip_verify = r_.Bool(n["insecure_skip_verify"], ChildKey(key, "insecure_skip_verify")).value_or(false);
    }
    if (n["client_cert"].IsDefined() != n["client_key"].IsDefined()) {
      r_.Fail(n, key, "client_cert and client_key must be given together");
    }
  }

  std::optional<ProviderConfig> Provider(const YAML::Node& n, const std::string& key) {
    if (!r_.ExpectMap(n, key, {"name", "title", "base_url", "fallback", "depends_on", "tags", "tls", "auth", "quota",
                               "checks", "quorum"})) {
      return std::nullopt;
    }
    ProviderConfig p;
    p.pos = {n.Mark().line + 1, n.Mark().column + 1};
    if (n["name"]) {
      p.name = r_.Name(n["name"], ChildKey(key, "name")).value_or("");
    } else {
      r_.Fail(n, key, "missing 'name'");
    }
    p.title = p.name;
    if (n["title"]) p.title = r_.String(n["title"], ChildKey(key, "title")).value_or(p.name);
    if (n["base_url"]) {
      if (auto v = r_.String(n["base_url"], ChildKey(key, "base_url"))) {
        const std::string err = ValidateHttpUrl(*v);
        if (!err.empty()) r_.Fail(n["base_url"], ChildKey(key, "base_url"), err);
        p.base_url = *v;
      }
      // Already reported: keep the checks from also saying "needs the provider's base_url".
      if (p.base_url.empty()) p.base_url = "http://invalid.base-url.invalid";
    }
    p.quorum = n["quorum"] ? Quorum(n["quorum"], ChildKey(key, "quorum")) : quorum_;
    if (n["fallback"]) p.fallback = r_.StringList(n["fallback"], ChildKey(key, "fallback"));
    if (n["depends_on"]) p.depends_on = r_.StringList(n["depends_on"], ChildKey(key, "depends_on"));
    if (n["tags"]) p.tags = r_.StringList(n["tags"], ChildKey(key, "tags"));
    if (n["tls"]) Tls(n["tls"], ChildKey(key, "tls"), p.tls);
    if (n["auth"]) ReadAuth(r_, n["auth"], ChildKey(key, "auth"), true, p.auth);
    if (n["quota"]) ReadQuota(r_, n["quota"], ChildKey(key, "quota"), p.base_url, p.quota);
    const YAML::Node checks = n["checks"];
    const std::string ck = ChildKey(key, "checks");
    if (!checks || (checks.IsSequence() && checks.size() == 0)) {
      r_.Fail(checks ? checks : n, ck, "at least one check is required");
    } else if (r_.ExpectList(checks, ck)) {
      std::set<std::string> names;
      for (std::size_t i = 0; i < checks.size(); ++i) {
        std::optional<CheckConfig> c = ReadCheck(r_, checks[i], IndexKey(ck, i), p.base_url, p.auth, defaults_);
        if (!c) continue;
        if (!c->name.empty() && !names.insert(c->name).second) {
          r_.Fail(checks[i]["name"], ChildKey(IndexKey(ck, i), "name"),
                  "duplicate check name '" + c->name + "' in provider '" + p.name + "'");
        }
        p.checks.push_back(std::move(*c));
      }
      if (p.auth.type == AuthConfig::Type::kOAuth2ClientCredentials) p.checks.push_back(AuthCheck(p.auth, defaults_));
      if (p.quota.endpoint) {
        if (p.FindCheck(kQuotaCheckName)) {
          r_.Fail(n["quota"], ChildKey(key, "quota"), "a check named 'quota' clashes with the quota endpoint's check");
        } else {
          p.checks.push_back(QuotaCheck(*p.quota.endpoint, p.auth, defaults_));
        }
      }
    }
    return p;
  }

  // One instance can only count itself: a larger quorum needs the shared store.
  int Quorum(const YAML::Node& n, const std::string& key) {
    const std::optional<long long> v = r_.Integer(n, key, 1, 100);
    if (v && *v > 1) {
      r_.Fail(n, key, "a quorum above 1 needs several instances on one shared store (storage.postgres), "
                      "which this version of vigil does not support yet");
    }
    return static_cast<int>(v.value_or(1));
  }

  // `at[k]`: where c.providers[k] is in the `providers` list.
  void CrossCheck(const YAML::Node& providers, const std::vector<std::size_t>& at, const Config& c) {
    std::set<std::string> names;
    for (std::size_t k = 0; k < c.providers.size(); ++k) {
      const ProviderConfig& p = c.providers[k];
      if (!p.name.empty() && !names.insert(p.name).second) {
        r_.Fail(providers[at[k]]["name"], ChildKey(IndexKey("providers", at[k]), "name"),
                "duplicate provider name '" + p.name + "'");
      }
    }
    for (std::size_t k = 0; k < c.providers.size(); ++k) {
      const ProviderConfig& p = c.providers[k];
      ProviderList(providers[at[k]], IndexKey("providers", at[k]), "fallback", p.fallback, p.name, c);
      ProviderList(providers[at[k]], IndexKey("providers", at[k]), "depends_on", p.depends_on, p.name, c);
    }
  }

  // `list` (a provider's fallback or depends_on) names other, known providers.
  void ProviderList(const YAML::Node& provider, const std::string& pkey, const char* field,
                    const std::vector<std::string>& list, const std::string& self, const Config& c) {
    const std::string key = ChildKey(pkey, field);
    for (std::size_t j = 0; j < list.size(); ++j) {
      const YAML::Node at = provider[field].IsSequence() ? provider[field][j] : provider[field];
      if (list[j] == self) {
        r_.Fail(at, IndexKey(key, j), std::string(field) == "fallback" ? "a provider cannot be its own fallback"
                                                                     : "a provider cannot depend on itself");
      } else if (!c.FindProvider(list[j])) {
        r_.Fail(at, IndexKey(key, j), "unknown provider '" + list[j] + "'");
      }
    }
  }

  YamlReader& r_;
  CheckDefaults defaults_;
  int quorum_ = 1;
};

std::string AbsoluteDir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  char resolved[PATH_MAX];
  if (realpath(dir.c_str(), resolved) != nullptr) return resolved;
  return dir;
}

}  // namespace

std::string LoadResult::ErrorText() const {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

LoadResult LoadConfigText(const std::string& text, const std::string& path, const std::string& dir,
                          const SecretSources& sources) {
  LoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    result.errors.push_back({path, e.mark.line + 1, e.mark.column + 1, "yaml", e.msg});
    return result;
  }
  YamlReader reader(path, dir, sources);
  auto config = std::make_shared<Config>();
  config->path = path;
  config->dir = dir;
  if (!root.IsDefined() || root.IsNull()) {
    reader.FailAt(1, 1, "providers", "the file is empty; at least one provider is required");
  } else {
    ConfigLoader(reader).Root(root, *config);
  }
  result.errors = reader.TakeErrors();
  if (!result.errors.empty()) return result;
  config->secrets = reader.TakeSecrets();
  result.config = std::move(config);
  return result;
}

LoadResult LoadConfigFile(const std::string& path, const SecretSources& sources) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back({path, 0, 0, "file", std::string("cannot read: ") + std::strerror(errno)});
    return result;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return LoadConfigText(buf.str(), path, AbsoluteDir(path), sources);
}

}  // namespace vigil::config
