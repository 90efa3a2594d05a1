#include "probes/auth/oauth2_token_source.h"

#include <Poco/JSON/Object.h>
#include <Poco/URI.h>

#include <sstream>

#include "daemon/core/base64.h"
#include "daemon/core/text.h"
#include "probes/auth/expiry.h"
#include "probes/json_value.h"
#include "probes/observation.h"

namespace vigil::probes::auth {
namespace {

constexpr auto kDefaultLifetime = std::chrono::hours(1);  // when the response says nothing
constexpr auto kMaxMargin = std::chrono::seconds(60);

std::string FormEncode(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "!#$&'()*+,/:;=?@[]", out);
  return out;
}

std::string JsonString(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o->has(key)) return "";
  const Poco::Dynamic::Var v = o->get(key);
  return v.isString() ? v.extract<std::string>() : "";
}

}  // namespace

void JudgeTokenResponse(const HttpResponse& r, core::WallTime now, std::optional<OAuth2TokenSource::Token>& token,
                        std::vector<Finding>& findings) {
  const Observation obs(r);
  const Observation::Json& json = obs.json();
  const Poco::JSON::Object::Ptr body =
      json.ok && json.value.type() == typeid(Poco::JSON::Object::Ptr) ? json.value.extract<Poco::JSON::Object::Ptr>() : nullptr;
  const std::string got = std::to_string(r.status) + (r.reason.empty() ? "" : " " + r.reason);
  if (r.status < 200 || r.status > 299) {
    const std::string error = body ? JsonString(body, "error") : "";
    if ((r.status == 400 || r.status == 401 || r.status == 403) && (!error.empty() || r.status != 400)) {
      std::string msg = "token request refused (" + got + ")";
      if (!error.empty()) msg += ": " + core::Printable(error, 60);
      if (const std::string d = body ? JsonString(body, "error_description") : ""; !d.empty()) msg += " (" + core::Printable(d, 120) + ")";
      findings.push_back({FindingKind::kAuth, Severity::kCritical, msg});
    } else if (r.status == 429) {
      findings.push_back({FindingKind::kQuota, Severity::kCritical, "token endpoint rate limited us (" + got + ")"});
    } else {
      findings.push_back({FindingKind::kStatus, Severity::kCritical, "token endpoint answered " + got});
    }
    return;
  }
  if (!body) {
    findings.push_back({FindingKind::kAssertion, Severity::kCritical,
                        "token response is not a JSON object (RFC 6749 §5.1): " + (json.ok ? std::string("got ") + Describe(json.value) : json.error)});
    return;
  }
  const std::string access = JsonString(body, "access_token");
  const std::string type = JsonString(body, "token_type");
  if (access.empty()) {
    findings.push_back({FindingKind::kAssertion, Severity::kCritical, "token response has no access_token (RFC 6749 §5.1)"});
    return;
  }
  if (!type.empty() && !core::EqualsIgnoreCase(type, "bearer")) {
    findings.push_back({FindingKind::kAssertion, Severity::kCritical, "token_type is \"" + core::Printable(type, 40) + "\", expected Bearer"});
    return;
  }
  core::WallTime expires = now + kDefaultLifetime;
  if (body->has("expires_in")) {
    const std::optional<double> secs = AsNumber(body->get("expires_in"));
    if (!secs || *secs <= 0 || *secs > 366.0 * 86400) {
      findings.push_back({FindingKind::kAssertion, Severity::kCritical, "expires_in is not a positive number of seconds"});
      return;
    }
    expires = now + std::chrono::milliseconds(static_cast<int64_t>(*secs * 1000));
  }
  if (auto exp = JwtExpiry(access); exp && *exp < expires) expires = *exp;
  token = OAuth2TokenSource::Token{access, expires};
}

OAuth2TokenSource::OAuth2TokenSource(std::string provider, const config::CheckConfig& auth_check, HttpClient& client,
                                     const core::Clock& clock, std::shared_ptr<core::SecretRegistry> secrets)
    : provider_(std::move(provider)), check_(auth_check), client_(client), clock_(clock), secrets_(std::move(secrets)) {}

HttpRequest OAuth2TokenSource::TokenRequest() const {
  const auto& o = check_.auth.oauth2;
  HttpRequest req;
  req.method = "POST";
  req.url = o.token_url;
  req.timeout = check_.timeout;
  req.max_body = 64 * 1024;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  std::string body = "grant_type=client_credentials";
  if (!o.scopes.empty()) body += "&scope=" + FormEncode(core::Join(o.scopes, " "));
  if (!o.audience.empty()) body += "&audience=" + FormEncode(o.audience);
  for (const auto& [k, v] : o.params) body += "&" + FormEncode(k) + "=" + FormEncode(v);
  if (o.client_auth == config::AuthConfig::ClientAuth::kSecretBasic) {
    req.headers.emplace_back("Authorization", "Basic " + core::EncodeBase64(FormEncode(o.client_id) + ":" + FormEncode(o.client_secret)));
    req.credential_headers.push_back("Authorization");
  } else {
    body += "&client_id=" + FormEncode(o.client_id) + "&client_secret=" + FormEncode(o.client_secret);
  }
  req.body = std::move(body);
  return req;
}

ProbeResult OAuth2TokenSource::Fetch() {
  ProbeResult r;
  r.provider = provider_;
  r.check = config::kAuthCheckName;
  r.time = clock_.Now();
  const HttpResponse resp = client_.Execute(TokenRequest());
  r.status_code = resp.status;
  r.phases = resp.phases;
  r.cert_not_after = resp.cert_not_after;
  std::optional<Token> token;
  if (resp.error != TransportError::kNone) {
    r.findings.push_back(TransportFinding(resp));
  } else {
    JudgeTokenResponse(resp, clock_.Now(), token, r.findings);
  }
  if (token) secrets_->Learn(token->value);  // before anything could log or store it
  const std::shared_ptr<const core::Redactor> redactor = secrets_->redactor();
  for (Finding& f : r.findings) f.message = redactor->Redact(f.message);
  r.outcome = OutcomeOf(r.findings);
  if (r.outcome == Outcome::kFail && !resp.body.empty()) {
    r.body_excerpt = core::Printable(redactor->Redact(core::TruncateUtf8(resp.body, kBodyExcerptBytes + 1024)), kBodyExcerptBytes);
  }
  if (token) r.credential_not_after = token->expires;
  std::lock_guard lock(mu_);
  Adopt(r, std::move(token));
  return r;
}

void OAuth2TokenSource::Adopt(const ProbeResult& r, std::optional<Token> token) {
  const core::WallTime now = clock_.Now();
  if (token) {
    const auto lifetime = token->expires - now;
    const auto margin = std::min<core::WallTime::duration>(kMaxMargin, lifetime / 2);
    refresh_at_ = token->expires - margin;
    token_ = std::move(token);
    failures_ = 0;
    last_error_.clear();
    return;
  }
  ++failures_;
  last_error_ = r.findings.empty() ? "token request failed" : r.findings.front().message;
  retry_at_ = now + std::min<core::Millis>(core::Millis(5000) * (1 << std::min(failures_ - 1, 6)), core::Millis(300'000));
}

std::optional<OAuth2TokenSource::Token> OAuth2TokenSource::Get(std::vector<ProbeResult>& fetches, std::string& why_none) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !fetching_; });  // bounded by the fetcher's timeout
  const core::WallTime now = clock_.Now();
  const bool usable = token_ && now < token_->expires;
  if (usable && now < refresh_at_) return token_;
  if (now < retry_at_) {  // backing off after a failure: keep any still-valid token
    if (usable) return token_;
    why_none = "no OAuth2 access token: " + last_error_ + " (see check 'auth')";
    return std::nullopt;
  }
  fetching_ = true;
  lock.unlock();
  fetches.push_back(Fetch());
  lock.lock();
  fetching_ = false;
  cv_.notify_all();
  if (token_ && clock_.Now() < token_->expires) return token_;  // new, or the old one still valid
  why_none = "no OAuth2 access token: " + last_error_ + " (see check 'auth')";
  return std::nullopt;
}

ProbeResult OAuth2TokenSource::FetchNow() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !fetching_; });
    fetching_ = true;
  }
  ProbeResult r = Fetch();
  std::lock_guard lock(mu_);
  fetching_ = false;
  cv_.notify_all();
  return r;
}

void OAuth2TokenSource::Invalidate(const std::string& value) {
  std::lock_guard lock(mu_);
  if (token_ && token_->value == value) {
    token_.reset();
    retry_at_ = core::WallTime();
  }
}

std::optional<core::WallTime> OAuth2TokenSource::expires() const {
  std::lock_guard lock(mu_);
  if (!token_) return std::nullopt;
  return token_->expires;
}

}  // namespace vigil::probes::auth
