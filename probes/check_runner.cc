#include "probes/check_runner.h"

#include <Poco/URI.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <stdexcept>

#include "daemon/core/base64.h"
#include "daemon/core/text.h"
#include "probes/quota/usage_endpoint.h"

namespace vigil::probes {
namespace {

using AuthType = config::AuthConfig::Type;

std::string UrlWithQuery(const config::CheckConfig& c) {
  if (c.query.empty() && c.auth.type != AuthType::kQuery) return c.url;
  Poco::URI uri(c.url);
  for (const auto& [k, v] : c.query) uri.addQueryParameter(k, v);
  if (c.auth.type == AuthType::kQuery) uri.addQueryParameter(c.auth.name, c.auth.value);
  return uri.toString();
}

// Static credentials go into the request once; OAuth2 tokens are added per run.
void ApplyStaticAuth(const config::AuthConfig& a, HttpRequest& req) {
  switch (a.type) {
    case AuthType::kBearer:
      req.headers.emplace_back("Authorization", "Bearer " + a.token);
      break;
    case AuthType::kHeader:
      req.headers.emplace_back(a.name, a.value);
      req.credential_headers.push_back(a.name);
      break;
    case AuthType::kBasic:
      req.headers.emplace_back("Authorization", "Basic " + core::EncodeBase64(a.username + ":" + a.password));
      break;
    default:
      break;
  }
}

bool SaysInvalidToken(const HttpResponse& r) {
  const std::string* h = r.Header("WWW-Authenticate");
  return r.status == 401 && (h == nullptr || h->find("invalid_token") != std::string::npos);
}

}  // namespace

Finding TransportFinding(const HttpResponse& r) {
  switch (r.error) {
    case TransportError::kTimeout: return {FindingKind::kTimeout, Severity::kCritical, r.error_message};
    case TransportError::kTls: return {FindingKind::kTls, Severity::kCritical, r.error_message};
    default: return {FindingKind::kNetwork, Severity::kCritical, r.error_message};
  }
}

CheckRunner::Created CheckRunner::Create(std::shared_ptr<const config::Config> config, HttpClient& client,
                                         const core::Clock& clock, Shared shared) {
  CheckErrors errors(config->path);
  std::unique_ptr<CheckRunner> runner(new CheckRunner(Unbuilt{}, std::move(config), client, clock, std::move(shared)));
  runner->Build(errors);
  if (!errors.errors().empty()) return {nullptr, errors.errors()};
  return {std::move(runner), {}};
}

std::vector<config::ConfigError> CheckRunner::Validate(const config::Config& config) {
  CheckErrors errors(config.path);
  for (const auto& p : config.providers) {
    for (const auto& c : p.checks) BuildChecks(c, BuildContext{p.name, c.name, nullptr, nullptr}, errors);
  }
  return errors.errors();
}

CheckRunner::CheckRunner(std::shared_ptr<const config::Config> config, HttpClient& client, const core::Clock& clock,
                         Shared shared)
    : CheckRunner(Unbuilt{}, std::move(config), client, clock, std::move(shared)) {
  CheckErrors errors(config_->path);
  Build(errors);
  if (!errors.errors().empty()) {
    std::string text;
    for (const auto& e : errors.errors()) text += e.ToString() + "\n";
    throw std::invalid_argument(text);
  }
}

CheckRunner::CheckRunner(Unbuilt, std::shared_ptr<const config::Config> config, HttpClient& client,
                         const core::Clock& clock, Shared shared)
    : config_(std::move(config)),
      client_(client),
      clock_(clock),
      secrets_(std::move(shared.secrets)),
      quota_(std::move(shared.quota)),
      baselines_(std::move(shared.baselines)) {}

void CheckRunner::Build(CheckErrors& errors) {
  if (!secrets_) secrets_ = std::make_shared<core::SecretRegistry>(config_->secrets);
  if (!quota_) {
    quota_ = std::make_shared<quota::QuotaBook>();
    quota_->Configure(*config_);
  }
  if (!baselines_) baselines_ = std::make_shared<shape::BaselineBook>();
  for (const auto& p : config_->providers) {
    if (p.auth.type != AuthType::kOAuth2ClientCredentials) continue;
    const config::CheckConfig* auth_check = p.FindCheck(config::kAuthCheckName);
    token_sources_.emplace(p.name, std::make_unique<auth::OAuth2TokenSource>(p.name, *auth_check, client_, clock_, secrets_));
  }
  for (const auto& p : config_->providers) {
    for (const auto& c : p.checks) {
      Target t{&p, &c, p.name + "/" + c.name, {}, BuildChecks(c, BuildContext{p.name, c.name, baselines_.get(), &clock_}, errors),
               auth::StaticExpiries(c.auth, p.tls), nullptr};
      t.request.method = c.method;
      t.request.url = UrlWithQuery(c);
      t.request.headers = c.headers;
      t.request.body = c.body;
      t.request.timeout = c.timeout;
      t.request.max_body = c.max_body;
      t.request.max_redirects = c.max_redirects;
      t.request.tls = p.tls;
      ApplyStaticAuth(c.auth, t.request);
      if (c.auth.type == AuthType::kOAuth2ClientCredentials) t.tokens = token_sources_.at(p.name).get();
      targets_.push_back(std::move(t));
    }
  }
}

std::size_t CheckRunner::Find(std::string_view provider, std::string_view check) const {
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    if (targets_[i].provider->name == provider && targets_[i].check->name == check) return i;
  }
  return targets_.size();
}

std::optional<core::WallTime> CheckRunner::CredentialExpiry(const Target& t) const {
  std::optional<core::WallTime> out;
  for (const auto& e : t.expiries) {
    if (!out || e.at < *out) out = e.at;
  }
  if (t.tokens) {
    if (auto token = t.tokens->expires(); token && (!out || *token < *out)) out = token;
  }
  return out;
}

std::vector<ProbeResult> CheckRunner::Run(std::size_t index) const {
  const Target& t = targets_.at(index);
  std::vector<ProbeResult> out(1);
  if (t.check->synthetic) {  // the token request itself
    out[0] = t.tokens->FetchNow();
    return out;
  }
  const core::WallTime started = clock_.Now();
  if (std::optional<Finding> expired = auth::ExpiredCredential(t.expiries, started)) {
    // A dead credential is not sent: it would only teach the provider's abuse detection our key.
    HttpResponse none;
    none.error = TransportError::kNone;
    out[0] = Judge(t, started, none);
    out[0].findings = {std::move(*expired)};
    out[0].outcome = Outcome::kFail;
    return out;
  }
  int attempts = 1;
  if (!t.tokens) {
    out[0] = Judge(t, started, Exchange(t, t.request, attempts));
    out[0].attempts = attempts;
    return out;
  }
  std::vector<ProbeResult> fetches;
  std::string why_none;
  const std::optional<auth::OAuth2TokenSource::Token> token = t.tokens->Get(fetches, why_none);
  if (!token) {
    HttpResponse none;
    none.error = TransportError::kNone;
    out[0] = Judge(t, started, none);
    out[0].findings = {{FindingKind::kAuth, Severity::kCritical, secrets_->redactor()->Redact(why_none)}};
    out[0].outcome = Outcome::kFail;
  } else {
    HttpRequest req = t.request;
    req.headers.emplace_back("Authorization", "Bearer " + token->value);
    HttpResponse resp = Exchange(t, req, attempts);
    if (SaysInvalidToken(resp)) t.tokens->Invalidate(token->value);
    out[0] = Judge(t, started, std::move(resp));
    out[0].attempts = attempts;
  }
  for (auto& f : fetches) out.push_back(std::move(f));
  return out;
}

HttpResponse CheckRunner::Exchange(const Target& t, const HttpRequest& request, int& attempts) const {
  // Every attempt shares the check's timeout: a retry gets what the first one left.
  const core::SteadyTime deadline = clock_.Steady() + request.timeout;
  HttpResponse response = client_.Execute(request);
  attempts = 1;
  // RFC 9110 §9.2.2: only an idempotent request may be sent again without knowing its effect.
  static constexpr std::array<std::string_view, 5> kIdempotent = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"};
  if (std::find(kIdempotent.begin(), kIdempotent.end(), request.method) == kIdempotent.end()) return response;
  while (response.error == TransportError::kNetwork && attempts <= t.check->retries) {
    HttpRequest again = request;
    again.timeout = std::chrono::duration_cast<core::Millis>(deadline - clock_.Steady());
    if (again.timeout.count() <= 0) break;
    response = client_.Execute(again);
    ++attempts;
  }
  return response;
}

ProbeResult CheckRunner::Judge(const Target& t, core::WallTime started, HttpResponse response) const {
  ProbeResult r;
  r.provider = t.provider->name;
  r.check = t.check->name;
  r.time = started;
  r.status_code = response.status;
  r.phases = response.phases;
  r.body_truncated = response.body_truncated;
  r.cert_not_after = response.cert_not_after;
  r.credential_not_after = CredentialExpiry(t);
  const Observation obs(std::move(response));
  if (obs.transport_failed()) {
    r.findings.push_back(TransportFinding(obs.response()));
    quota_->Observe(t.provider->name, quota::RateLimitInfo(), 0, clock_.Now());  // no news, but an answer
  } else {
    bool status_wrong = false;
    for (const auto& check : t.checks) {
      if (status_wrong && check->judges_content()) continue;
      const std::size_t before = r.findings.size();
      check->Judge(obs, r.findings);
      status_wrong |= check->judges_status() && r.findings.size() > before;
    }
    ObserveQuota(t, obs, r);
    r.baseline = baselines_->TakeUpdate(t.key);
  }
  std::vector<auth::Expiry> expiries = t.expiries;
  if (r.cert_not_after) expiries.push_back({"TLS certificate", *r.cert_not_after});
  auth::AddExpiryFindings(expiries, clock_.Now(), t.check->auth.warn_before, r.findings);
  const std::shared_ptr<const core::Redactor> redactor = secrets_->redactor();
  for (Finding& f : r.findings) f.message = redactor->Redact(f.message);
  r.outcome = OutcomeOf(r.findings);
  if (r.outcome == Outcome::kFail && !obs.response().body.empty()) {
    // Redact before cutting, so a secret straddling the cut cannot leave a readable prefix.
    r.body_excerpt = core::Printable(
        redactor->Redact(core::TruncateUtf8(obs.response().body, kBodyExcerptBytes + 1024)), kBodyExcerptBytes);
  }
  return r;
}

void CheckRunner::ObserveQuota(const Target& t, const Observation& obs, ProbeResult& r) const {
  const config::QuotaConfig& qc = t.provider->quota;
  const int64_t now_ms = core::ToUnixMillis(clock_.Now());
  quota::RateLimitInfo info;
  if (qc.headers) info = quota::ParseRateLimitHeaders(obs.response().headers, now_ms);
  if (t.check->reads_quota && qc.endpoint && obs.response().status >= 200 && obs.response().status < 300) {
    std::string problem;
    const Observation::Json& json = obs.json();
    std::optional<quota::Budget> b = json.ok ? quota::ReadUsageEndpoint(json.value, *qc.endpoint, now_ms, problem) : std::nullopt;
    if (b) {
      std::erase_if(info.budgets, [&](const quota::Budget& h) { return h.dimension == b->dimension; });
      info.budgets.push_back(*b);
    } else {
      r.findings.push_back({FindingKind::kAssertion, Severity::kCritical, json.ok ? problem : "quota endpoint: " + json.error});
    }
  }
  r.quota_header_warnings = info.warnings.size();
  for (Finding& f : quota_->Observe(t.provider->name, info, obs.response().status, clock_.Now())) r.findings.push_back(std::move(f));
  r.budgets = std::move(info.budgets);
}

}  // namespace vigil::probes
