// The validated, immutable configuration: SPEC §2 read once into typed structs. Everything a
// later stage needs (parsed pointers, compiled regexes, absolute URLs and paths, inherited
// defaults) is resolved here, so nothing downstream re-parses a string. A Config is never
// mutated after load; share it as std::shared_ptr<const Config>.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Poco/Dynamic/Var.h>

#include "daemon/core/clock.h"
#include "daemon/core/json_pointer.h"
#include "config/maintenance.h"

namespace vigil::config {

using core::Millis;
using Headers = std::vector<std::pair<std::string, std::string>>;

enum class Severity { kWarn, kCritical };
const char* SeverityName(Severity s);

struct SourcePos {
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
};

struct StatusRange {
  int low = 200;  // inclusive
  int high = 299;
  bool Contains(int code) const { return code >= low && code <= high; }
};

enum class JsonType { kString, kNumber, kInteger, kBoolean, kArray, kObject, kNull };
const char* JsonTypeName(JsonType t);

// A scalar as written in YAML. YAML scalars are untyped, so `quoted` keeps "1" a string while
// a bare 1 may equal a JSON number or the JSON string "1".
struct Literal {
  std::string text;
  bool quoted = false;
};

struct JsonAssertion {
  core::JsonPointer pointer;
  std::optional<Literal> equals;
  std::optional<JsonType> type;
  std::optional<bool> exists;
  std::optional<std::size_t> min_items;
  std::optional<std::size_t> max_items;
  std::optional<double> min;
  std::optional<double> max;
  std::optional<std::string> matches;            // the pattern, for messages
  std::shared_ptr<const std::regex> matches_re;  // compiled once at load
  Severity severity = Severity::kCritical;
};

struct HeaderAssertion {
  std::string name;
  std::optional<bool> present;
  std::optional<std::string> equals;
  std::optional<std::string> matches;
  std::shared_ptr<const std::regex> matches_re;
  Severity severity = Severity::kCritical;
};

struct LatencyThresholds {
  std::optional<Millis> warn;
  std::optional<Millis> critical;
};

// A JSON document the config points at (a schema file, an inline schema, an OpenAPI spec),
// parsed at load; compiled by probes/, whose errors then name this position and key.
struct JsonDocument {
  std::string file;  // absolute; empty when written inline
  Poco::Dynamic::Var document;
  SourcePos pos;
  std::string key;   // "providers[0].checks[1].expect.json_schema"
};

struct OpenApiExpectation {
  JsonDocument spec;
  std::string operation;  // operationId; or method + path
  std::string method;
  std::string path;
};

enum class DriftMode { kOff, kWarn, kCritical };

struct Expectations {
  std::vector<StatusRange> status;  // never empty after load; default 200-299
  bool status_configured = false;   // the user listed codes (then a listed 401 is not `auth`)
  LatencyThresholds latency;
  std::vector<JsonAssertion> json;
  std::vector<HeaderAssertion> headers;
  std::optional<JsonDocument> json_schema;
  std::optional<OpenApiExpectation> openapi;
  DriftMode shape_drift = DriftMode::kOff;
  bool deprecation = false;
  Millis sunset_critical_within{30LL * 86'400'000};  // a near sunset: attention, urgency critical
  std::vector<std::string> track_headers;             // report a change of these headers' values, once
};

// How a provider's requests authenticate (SPEC §2 `auth`). Secret values are remembered by the
// loader for redaction; nothing here is ever logged or stored.
struct AuthConfig {
  enum class Type { kNone, kBearer, kHeader, kQuery, kBasic, kOAuth2ClientCredentials };
  enum class ClientAuth { kSecretBasic, kSecretPost };
  Type type = Type::kNone;
  std::string token;         // bearer
  std::string name;          // header or query parameter name
  std::string value;         // header or query parameter value
  std::string username;      // basic
  std::string password;      // basic
  struct OAuth2 {
    std::string token_url;
    std::string client_id;
    std::string client_secret;
    std::vector<std::string> scopes;
    std::string audience;
    Headers params;  // extra form parameters of the token request
    ClientAuth client_auth = ClientAuth::kSecretBasic;
  } oauth2;
  std::optional<core::WallTime> expires_at;  // a static key's known expiry
  Millis warn_before{14LL * 86'400'000};     // warn this long before any credential or certificate expires
  bool configured = false;                   // an `auth` section was written (a check's overrides the provider's)
};
const char* AuthTypeName(AuthConfig::Type t);

// How Vigil reads and respects a provider's rate limits (SPEC §2 `quota`, §4).
struct QuotaConfig {
  bool headers = true;                   // read every known rate-limit dialect ("auto"); false: "off"
  std::optional<double> warn_below;      // share of a budget left (0.2 = 20%) under which to warn
  std::optional<double> critical_below;  // ... to fail
  std::optional<double> probe_budget;    // the most of a remaining budget probes may spend before its reset
  struct Endpoint {                      // a usage endpoint read as the synthetic check "quota"
    std::string url;
    core::JsonPointer remaining;
    std::optional<core::JsonPointer> limit;
    std::optional<core::JsonPointer> reset;  // epoch seconds, epoch ms or an RFC 3339 string
    std::string dimension = "requests";
  };
  std::optional<Endpoint> endpoint;
};

// The check name reserved for a provider's quota endpoint.
inline constexpr const char* kQuotaCheckName = "quota";

struct TlsConfig {
  std::string ca_file;      // absolute, or empty for the system store
  std::string client_cert;  // absolute, or empty
  std::string client_key;
  bool insecure_skip_verify = false;
};

// The check name reserved for the OAuth2 token request of a provider.
inline constexpr const char* kAuthCheckName = "auth";

struct CheckConfig {
  std::string name;
  bool synthetic = false;   // the OAuth2 token request: results are recorded, it is never scheduled
  bool reads_quota = false; // the quota endpoint check: its body updates the provider's budgets
  std::string method = "GET";
  std::string url;  // absolute http(s) URL, without the configured query
  Headers query;
  Headers headers;
  std::string body;
  Millis interval{60'000};
  std::optional<Millis> interval_when_failing;
  Millis timeout{10'000};
  int failure_threshold = 3;
  int success_threshold = 2;
  std::size_t max_body = 1024 * 1024;
  int max_redirects = 0;  // 0: redirects are reported, not followed
  // Extra attempts, at once, after a network failure (refused, reset, cut short) of an
  // idempotent request: one lost packet is not an outage. Timeouts and TLS errors are not retried.
  int retries = 1;
  AuthConfig auth;        // the provider's, unless the check has its own
  Expectations expect;
  SourcePos pos;
};

struct ProviderConfig {
  std::string name;
  std::string title;
  std::string base_url;
  std::vector<std::string> fallback;
  std::vector<std::string> depends_on;  // while one of these is down, this provider's alerts say "impacted by"
  std::vector<std::string> tags;
  TlsConfig tls;
  AuthConfig auth;
  QuotaConfig quota;
  std::vector<CheckConfig> checks;  // with OAuth2, also a synthetic "auth" check: the token request;
                                    // with quota.endpoint, a "quota" check reading it
  // How many instances on one shared store must see the provider down (SPEC §3); 1 until
  // storage.postgres lands, which is all one instance can count.
  int quorum = 1;
  SourcePos pos;

  const CheckConfig* FindCheck(std::string_view check) const;
};

// What one client may hold of the listener (`server.limits`); read at start only.
struct ServerLimits {
  int max_connections = 1024;   // open at once; beyond it the longest-idle one is closed
  int workers = 8;              // threads answering whole requests (idle clients hold none)
  Millis request_timeout{10'000};  // first byte to last body byte of one request; then 408
  Millis idle_timeout{5'000};   // a kept-alive connection with no request is closed after this
  std::size_t max_body = 64 * 1024;  // request bodies (silences, probe requests); larger: 413
  bool operator==(const ServerLimits&) const = default;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:9470";
  std::string title = "Vigil";
  std::string api_token;  // empty: every write to the API is refused
  std::string public_url; // how people reach the status page, for links in alerts; default http://LISTEN
  ServerLimits limits;
};

// How long each kind of history is kept (SPEC §2 `storage.retention`); raw < minute < hour.
struct RetentionConfig {
  Millis raw{14LL * 86'400'000};           // raw results
  Millis minute{90LL * 86'400'000};        // per-minute rollups
  Millis hour{400LL * 86'400'000};         // per-hour rollups, transitions and incidents
  Millis deliveries{30LL * 86'400'000};    // delivered and suppressed alert events, their attempts
  Millis dead_letters{90LL * 86'400'000};  // dead alert events
};

struct StorageConfig {
  std::string sqlite = "vigil.db";  // relative paths resolve against the state directory
  RetentionConfig retention;
};

struct InstanceConfig {
  std::string name;  // default: the host name
  std::string region = "default";
};

struct SchedulerConfig {
  int workers = 16;   // probes in flight at once
  int queue = 1024;   // due probes waiting for a worker; beyond that a slot is skipped and counted
};

// Where alerts go (SPEC §2 `notifiers`, §6).
struct NotifierConfig {
  enum class Type { kWebhook, kSlack, kAlertmanager };
  std::string name;
  Type type = Type::kWebhook;
  std::string url;            // webhook and Slack: the URL posted to; Alertmanager: its base URL
  bool on_down = true;        // which transitions page; a resolve (up) always follows a sent page
  bool on_degraded = true;
  bool on_up = true;
  bool on_attention = false;  // provider.attention events: raised once, resolved when gone
  std::vector<std::string> match_tags;       // any of these tags; empty: no tag filter
  std::vector<std::string> match_providers;  // any of these providers; empty: no provider filter
  std::optional<Millis> repeat;              // remind while a provider stays down or degraded
  std::optional<std::string> fallback;       // re-route here when delivery keeps failing ...
  Millis fallback_after{10LL * 60'000};      // ... for this long (or fails permanently)
  std::string secret;                        // webhook: Standard Webhooks signing secret
  Headers headers;                           // extra request headers (values are secrets)
  Millis timeout{10'000};
  bool include_impacted = false;             // also page for providers impacted by a depends_on
  Millis max_backoff{5LL * 60'000};          // retry backoff cap (full jitter from 1 s)
  Millis give_up_after{24LL * 3'600'000};    // then the event is dead-lettered
  SourcePos pos;

  // Does this notifier want events about `p`? `match` selects providers that are listed in
  // `providers` or carry one of `tags`; without a `match`, every provider.
  bool Matches(const ProviderConfig& p) const;
};
const char* NotifierTypeName(NotifierConfig::Type t);

// A maintenance window as configured: no alerts about its providers while it lasts.
struct MaintenanceConfig {
  Window window;
  std::string reason;
  SourcePos pos;
  std::string key;  // "maintenance[0]"
};

// "Is it us?": targets that should always answer. When all of them fail, provider failures are
// ours and nobody is paged about providers.
struct ConnectivityConfig {
  std::vector<std::string> urls;
  Millis interval{30'000};
  Millis timeout{5'000};
};

// A maintenance window a provider is in now.
struct ActiveMaintenance {
  core::WallTime start;
  core::WallTime until;
  std::string reason;
};

struct Config {
  std::string path;  // as given on the command line
  std::string dir;   // absolute folder of the config file
  ServerConfig server;
  StorageConfig storage;
  InstanceConfig instance;
  SchedulerConfig scheduler;
  std::vector<ProviderConfig> providers;
  std::vector<NotifierConfig> notifiers;
  std::vector<MaintenanceConfig> maintenance;
  std::optional<ConnectivityConfig> connectivity;
  // Every value substituted from ${env:}, ${file:} or ${credential:}, and every literal secret
  // (api_token): what the Redactor must never let through.
  std::vector<std::string> secrets;

  const ProviderConfig* FindProvider(std::string_view name) const;
  const NotifierConfig* FindNotifier(std::string_view name) const;
  std::size_t CheckCount() const;
  // The maintenance `provider` is in at `now` (windows that overlap count as one), if any.
  std::optional<ActiveMaintenance> MaintenanceOf(std::string_view provider, core::WallTime now) const;
  // The status page's base URL, without a trailing slash: server.public_url, else http://listen.
  std::string PublicUrl() const;
};

}  // namespace vigil::config
