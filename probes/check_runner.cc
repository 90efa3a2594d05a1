#include "probes/check_runner.h"

#include <Poco/URI.h>

#include "daemon/core/text.h"

namespace vigil::probes {
namespace {

std::string UrlWithQuery(const config::CheckConfig& c) {
  if (c.query.empty()) return c.url;
  Poco::URI uri(c.url);
  for (const auto& [k, v] : c.query) uri.addQueryParameter(k, v);
  return uri.toString();
}

Finding TransportFinding(const HttpResponse& r) {
  switch (r.error) {
    case TransportError::kTimeout: return {FindingKind::kTimeout, Severity::kCritical, r.error_message};
    case TransportError::kTls: return {FindingKind::kTls, Severity::kCritical, r.error_message};
    default: return {FindingKind::kNetwork, Severity::kCritical, r.error_message};
  }
}

}  // namespace

CheckRunner::CheckRunner(std::shared_ptr<const config::Config> config, HttpClient& client,
                         const core::Clock& clock, std::shared_ptr<const core::Redactor> redactor)
    : config_(std::move(config)), client_(client), clock_(clock), redactor_(std::move(redactor)) {
  if (!redactor_) redactor_ = std::make_shared<core::Redactor>();
  for (const auto& p : config_->providers) {
    for (const auto& c : p.checks) {
      Target t{&p, &c, p.name + "/" + c.name, {}, BuildChecks(c)};
      t.request.method = c.method;
      t.request.url = UrlWithQuery(c);
      t.request.headers = c.headers;
      t.request.body = c.body;
      t.request.timeout = c.timeout;
      t.request.max_body = c.max_body;
      t.request.max_redirects = c.max_redirects;
      t.request.tls = p.tls;
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

ProbeResult CheckRunner::Run(std::size_t index) const {
  const Target& t = targets_.at(index);
  const core::WallTime started = clock_.Now();
  return Judge(t, started, client_.Execute(t.request));
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
  const Observation obs(std::move(response));
  if (obs.transport_failed()) {
    r.findings.push_back(TransportFinding(obs.response()));
  } else {
    bool status_wrong = false;
    for (const auto& check : t.checks) {
      if (status_wrong && check->judges_content()) continue;
      const std::size_t before = r.findings.size();
      check->Judge(obs, r.findings);
      status_wrong |= check->judges_status() && r.findings.size() > before;
    }
  }
  for (Finding& f : r.findings) f.message = redactor_->Redact(f.message);
  r.outcome = OutcomeOf(r.findings);
  if (r.outcome == Outcome::kFail && !obs.response().body.empty()) {
    // Redact before cutting, so a secret straddling the cut cannot leave a readable prefix.
    r.body_excerpt = core::Printable(
        redactor_->Redact(core::TruncateUtf8(obs.response().body, kBodyExcerptBytes + 1024)), kBodyExcerptBytes);
  }
  return r;
}

}  // namespace vigil::probes
