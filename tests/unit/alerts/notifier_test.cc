// What each notifier type sends, and how its receiver's answers are read.
#include "alerts/notifier.h"

#include <gtest/gtest.h>

#include "alerts/payloads.h"
#include "alerts/webhook_signature.h"

namespace vigil::alerts {
namespace {

using namespace std::chrono_literals;
using Type = config::NotifierConfig::Type;

const core::WallTime kNow = core::FromUnixMillis(1'800'000'000'000);

AlertEvent Event() {
  AlertEvent e;
  e.id = "01KMZ8X6G0Q7RVT3D2N5BW9HJA";
  e.type = EventType::kDown;
  e.timestamp = kNow;
  e.provider = "stripe";
  e.state = HealthState::kDown;
  e.previous_state = HealthState::kUp;
  e.since = kNow - 30s;
  e.reasons = {{"balance", probes::FindingKind::kTimeout, "no response within 5s"}};
  e.status_url = "http://127.0.0.1:9470/providers/stripe";
  return e;
}

config::NotifierConfig Notifier(Type type, std::string url) {
  config::NotifierConfig n;
  n.name = "n";
  n.type = type;
  n.url = std::move(url);
  return n;
}

const std::string* Header(const probes::HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

probes::HttpResponse Answer(int status, std::string body = "", config::Headers headers = {}) {
  probes::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(Notifier, WebhookIsSignedWithItsOwnHeaders) {
  config::NotifierConfig n = Notifier(Type::kWebhook, "http://127.0.0.1:8080/hook");
  n.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  n.headers = {{"X-Team", "payments"}};
  n.timeout = 3s;
  const probes::HttpRequest r = BuildRequest(n, Event(), kNow);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:8080/hook");
  EXPECT_EQ(r.timeout, 3s);
  EXPECT_EQ(r.body, WebhookBody(Event()));
  ASSERT_NE(Header(r, "webhook-id"), nullptr);
  EXPECT_EQ(*Header(r, "webhook-id"), Event().id);
  EXPECT_EQ(*Header(r, "webhook-timestamp"), "1800000000");
  EXPECT_TRUE(VerifyStandardWebhook(n.secret, Event().id, "1800000000", *Header(r, "webhook-signature"), r.body,
                                    1'800'000'000).ok());
  EXPECT_EQ(*Header(r, "X-Team"), "payments");
  EXPECT_EQ(*Header(r, "Content-Type"), "application/json");
  // The same event later: same id, new timestamp, new signature.
  const probes::HttpRequest again = BuildRequest(n, Event(), kNow + 90s);
  EXPECT_EQ(*Header(again, "webhook-id"), Event().id);
  EXPECT_EQ(*Header(again, "webhook-timestamp"), "1800000090");
  EXPECT_NE(*Header(again, "webhook-signature"), *Header(r, "webhook-signature"));
}

TEST(Notifier, SlackAndAlertmanagerBodiesAndUrls) {
  const probes::HttpRequest slack = BuildRequest(Notifier(Type::kSlack, "https://hooks.slack.com/services/T/B/x"), Event(), kNow);
  EXPECT_EQ(slack.url, "https://hooks.slack.com/services/T/B/x");
  EXPECT_EQ(slack.body, SlackBody(Event()));
  EXPECT_EQ(Header(slack, "webhook-signature"), nullptr);
  const probes::HttpRequest am = BuildRequest(Notifier(Type::kAlertmanager, "http://127.0.0.1:9093/"), Event(), kNow);
  EXPECT_EQ(am.url, "http://127.0.0.1:9093/api/v2/alerts");
  EXPECT_EQ(am.body, AlertmanagerBody(Event(), std::nullopt, Event().status_url));
}

TEST(Notifier, ClassifiesAnswers) {
  const config::NotifierConfig hook = Notifier(Type::kWebhook, "http://x/");
  const config::NotifierConfig slack = Notifier(Type::kSlack, "http://x/");
  using K = Verdict::Kind;
  struct Case {
    const config::NotifierConfig* n;
    probes::HttpResponse answer;
    K kind;
  };
  probes::HttpResponse refused;
  refused.error = probes::TransportError::kNetwork;
  refused.error_message = "connection refused";
  const Case cases[] = {
      {&hook, Answer(200), K::kDelivered},        {&hook, Answer(204), K::kDelivered},
      {&hook, Answer(500), K::kRetry},            {&hook, Answer(503), K::kRetry},
      {&hook, Answer(408), K::kRetry},            {&hook, Answer(429), K::kRetry},
      {&hook, Answer(400), K::kPermanent},        {&hook, Answer(401), K::kPermanent},
      {&hook, Answer(404), K::kPermanent},        {&hook, Answer(410), K::kPermanent},
      {&hook, Answer(301), K::kPermanent},        {&hook, refused, K::kRetry},
      {&slack, Answer(200, "ok"), K::kDelivered}, {&slack, Answer(400, "invalid_payload"), K::kPermanent},
      {&slack, Answer(404, "channel_not_found"), K::kPermanent},
      {&slack, Answer(410, "channel_is_archived"), K::kPermanent},
      {&slack, Answer(200, "channel_is_archived"), K::kPermanent},
      {&slack, Answer(500, "rollup_error"), K::kRetry},
  };
  for (const auto& c : cases) {
    const Verdict v = Classify(*c.n, c.answer, kNow);
    EXPECT_EQ(v.kind, c.kind) << c.answer.status << " " << c.answer.body << " " << c.answer.error_message;
    EXPECT_EQ(v.error.empty(), c.kind == K::kDelivered) << v.error;
  }
  EXPECT_EQ(Classify(slack, Answer(404, "channel_not_found"), kNow).error, "HTTP 404: channel_not_found");
  EXPECT_EQ(Classify(hook, refused, kNow).error, "connection refused");
}

TEST(Notifier, RetryAfterIsHonouredOn429And503) {
  const config::NotifierConfig slack = Notifier(Type::kSlack, "http://x/");
  const Verdict v = Classify(slack, Answer(429, "rate_limited", {{"Retry-After", "30"}}), kNow);
  EXPECT_EQ(v.kind, Verdict::Kind::kRetry);
  ASSERT_TRUE(v.retry_after.has_value());
  EXPECT_EQ(*v.retry_after, kNow + 30s);
  const Verdict date = Classify(slack, Answer(503, "", {{"Retry-After", "Fri, 15 Jan 2027 08:02:00 GMT"}}), kNow);
  ASSERT_TRUE(date.retry_after.has_value());
  EXPECT_EQ(*date.retry_after, kNow + 2min);
  EXPECT_FALSE(Classify(slack, Answer(429, "", {{"Retry-After", "soon"}}), kNow).retry_after.has_value());
  EXPECT_FALSE(Classify(slack, Answer(500, "", {{"Retry-After", "30"}}), kNow).retry_after.has_value());
}

TEST(Notifier, BackoffIsFullJitterFromOneSecondToTheCap) {
  const core::Millis cap = 5min;
  EXPECT_EQ(Backoff(1, cap, 0.0), 1000ms);
  EXPECT_EQ(Backoff(1, cap, 0.5), 1500ms);   // attempt 1: up to 2 s
  EXPECT_EQ(Backoff(3, cap, 0.5), 4500ms);   // attempt 3: up to 8 s
  EXPECT_EQ(Backoff(20, cap, 0.0), 1000ms);
  EXPECT_EQ(Backoff(20, cap, 1.0), cap);
  EXPECT_EQ(Backoff(1000, cap, 0.5), core::Millis(1000 + (300'000 - 1000) / 2));
  EXPECT_EQ(Backoff(5, 2s, 1.0), 2s) << "a smaller max_backoff caps it";
  for (int attempt = 1; attempt < 40; ++attempt) {
    const core::Millis d = Backoff(attempt, cap, 0.7);
    EXPECT_GE(d, 1000ms);
    EXPECT_LE(d, cap);
  }
}

}  // namespace
}  // namespace vigil::alerts
