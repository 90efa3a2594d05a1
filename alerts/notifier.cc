#include "alerts/notifier.h"

#include <algorithm>
#include <cmath>

#include "alerts/payload_text.h"
#include "alerts/payloads.h"
#include "alerts/webhook_signature.h"
#include "daemon/core/text.h"
#include "probes/quota/ratelimit_headers.h"

namespace vigil::alerts {
namespace {

constexpr core::Millis kBaseBackoff{1000};
constexpr std::size_t kMaxErrorBody = 200;

// Slack incoming-webhook errors that no retry can fix
// (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling_errors).
constexpr const char* kSlackPermanent[] = {"invalid_payload",     "user_not_found",       "channel_not_found",
                                           "channel_is_archived", "action_prohibited",    "posting_to_general_channel_denied",
                                           "no_service",          "no_service_id",        "no_team",
                                           "team_disabled",       "invalid_token",        "no_text",
                                           "too_many_attachments"};

std::string BodyHint(const std::string& body) {
  std::string s = OneLine(ValidUtf8(core::Trim(body)));
  if (s.size() > kMaxErrorBody) s = s.substr(0, kMaxErrorBody) + "...";
  return s.empty() ? "" : ": " + s;
}

bool SlackPermanentError(const std::string& body) {
  const std::string b(core::Trim(body));
  return std::any_of(std::begin(kSlackPermanent), std::end(kSlackPermanent), [&](const char* e) { return b == e; });
}

}  // namespace

probes::HttpRequest BuildRequest(const config::NotifierConfig& n, const AlertEvent& event, core::WallTime now) {
  probes::HttpRequest req;
  req.method = "POST";
  req.url = n.url;
  req.timeout = n.timeout;
  req.max_body = 64 * 1024;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("User-Agent", "vigil-alerts");
  switch (n.type) {
    case config::NotifierConfig::Type::kWebhook:
      req.body = WebhookBody(event);
      for (auto& h : SignedHeaders(n.secret, event.id, ToUnixSeconds(now), req.body)) req.headers.push_back(std::move(h));
      break;
    case config::NotifierConfig::Type::kSlack:
      req.body = SlackBody(event);
      break;
    case config::NotifierConfig::Type::kAlertmanager: {
      std::string base = n.url;
      while (!base.empty() && base.back() == '/') base.pop_back();
      req.url = base + "/api/v2/alerts";
      req.body = AlertmanagerBody(event, std::nullopt, event.status_url);
      break;
    }
  }
  for (const auto& h : n.headers) {
    req.headers.push_back(h);
    req.credential_headers.push_back(h.first);
  }
  return req;
}

Verdict Classify(const config::NotifierConfig& n, const probes::HttpResponse& r, core::WallTime now) {
  Verdict v;
  if (r.error != probes::TransportError::kNone) {
    v.error = r.error_message.empty() ? "no response" : r.error_message;
    return v;
  }
  const bool slack = n.type == config::NotifierConfig::Type::kSlack;
  if (r.status >= 200 && r.status <= 299) {
    if (slack && SlackPermanentError(r.body)) {
      v.kind = Verdict::Kind::kPermanent;
      v.error = "Slack answered " + std::to_string(r.status) + BodyHint(r.body);
      return v;
    }
    v.kind = Verdict::Kind::kDelivered;
    return v;
  }
  v.error = "HTTP " + std::to_string(r.status) + (r.reason.empty() ? "" : " " + r.reason) + BodyHint(r.body);
  if (r.status == 429 || r.status == 503) {
    const auto info = probes::quota::ParseRateLimitHeaders(r.headers, core::ToUnixMillis(now));
    if (info.retry_after_unix_ms) v.retry_after = core::FromUnixMillis(*info.retry_after_unix_ms);
  }
  const bool transient = r.status == 408 || r.status == 429 || r.status >= 500;
  if (!transient || (slack && SlackPermanentError(r.body))) v.kind = Verdict::Kind::kPermanent;
  return v;
}

core::Millis Backoff(int attempt, core::Millis max_backoff, double unit) {
  const core::Millis cap = std::max(kBaseBackoff, max_backoff);
  const int shift = std::clamp(attempt, 0, 30);
  const double ceiling = std::min(static_cast<double>(cap.count()), static_cast<double>(kBaseBackoff.count()) * std::pow(2.0, shift));
  const double lo = static_cast<double>(kBaseBackoff.count());
  const double u = std::clamp(unit, 0.0, 1.0);
  return core::Millis(static_cast<int64_t>(lo + (std::max(ceiling, lo) - lo) * u));
}

}  // namespace vigil::alerts
