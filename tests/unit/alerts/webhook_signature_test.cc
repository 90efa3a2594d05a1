// Standard Webhooks signing and verification against the spec's test vector and an
// openssl-computed one, and the event ids that travel as webhook-id.
#include "alerts/webhook_signature.h"
#include "config/alerting_loader.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "alerts/event.h"

namespace vigil::alerts {
namespace {

// The Standard Webhooks spec's own test vector.
TEST(StandardWebhooks, SpecTestVector) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek", body = R"({"test": 2432232314})";
  EXPECT_EQ(SignStandardWebhook(secret, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_EQ(
      SignedHeaders(secret, id, 1614265330, body),
      (HttpHeaders{{"webhook-id", id},
                   {"webhook-timestamp", "1614265330"},
                   {"webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}}));
  EXPECT_EQ(SignedHeaders("", id, 1614265330, body).size(), 2u) << "no secret: unsigned";
}

TEST(StandardWebhooks, RawSecretAndValidation) {
  // printf 'msg_raw.1795946400.{"a":1}' | openssl dgst -sha256 -hmac plain-shared-secret -binary |
  // base64
  EXPECT_EQ(SignStandardWebhook("plain-shared-secret", "msg_raw", 1795946400, R"({"a":1})"),
            "v1,UeKOiyzBXCKLaC9Nx4FlLAm1B4/tN/7/12+0cKGYMz4=");
  EXPECT_TRUE(config::ValidateWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").ok());
  EXPECT_TRUE(config::ValidateWebhookSecret("plain-shared-secret").ok());
  EXPECT_EQ(config::ValidateWebhookSecret("").message(), "empty webhook secret");
  EXPECT_EQ(config::ValidateWebhookSecret("whsec_not base64!").message(),
            "the part after \"whsec_\" is not valid base64");
  EXPECT_EQ(config::ValidateWebhookSecret("whsec_a").message(),
            "the part after \"whsec_\" is not valid base64");
  EXPECT_EQ(config::ValidateWebhookSecret("whsec_").message(), "no key after \"whsec_\"");
  EXPECT_EQ(WebhookKey("whsec_aGVsbG8="), "hello");
  EXPECT_EQ(WebhookKey("whsec_aGVsbG8"), "hello") << "padding is optional";
}

TEST(StandardWebhooks, Verify) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    id = "01KMZ8X6G0Q7RVT3D2N5BW9HJA";
  const std::string body = R"({"type":"provider.down","id":"01KMZ8X6G0Q7RVT3D2N5BW9HJA"})";
  const int64_t now = 1795946400;
  const std::string good = SignStandardWebhook(secret, id, now, body);
  const auto verify = [&](const std::string& ts, const std::string& sig, const std::string& b) {
    const core::Status s = VerifyStandardWebhook(secret, id, ts, sig, b, now);
    return s.ok() ? std::string("ok") : s.message();
  };
  EXPECT_EQ(verify(std::to_string(now), good, body), "ok");
  EXPECT_EQ(
      verify(std::to_string(now - 300), SignStandardWebhook(secret, id, now - 300, body), body),
      "ok");
  EXPECT_EQ(verify(std::to_string(now), "v1a,xyz v1,bm90IGl0 " + good, body), "ok")
      << "any of several";
  EXPECT_EQ(verify(std::to_string(now), good, body + " "),
            "no matching v1 signature in webhook-signature");
  EXPECT_EQ(verify(std::to_string(now + 1), good, body),
            "no matching v1 signature in webhook-signature");
  EXPECT_EQ(verify(std::to_string(now - 301), good, body), "webhook-timestamp is too old");
  EXPECT_EQ(verify(std::to_string(now + 301), good, body), "webhook-timestamp is in the future");
  EXPECT_EQ(verify("12x", good, body), "webhook-timestamp is not an integer");
  EXPECT_FALSE(
      VerifyStandardWebhook("whsec_aGVsbG8=", id, std::to_string(now), good, body, now).ok());
}

TEST(EventIds, UlidLayoutTypesAndUniqueness) {
  std::array<uint8_t, 10> fours;
  fours.fill(0x04);
  // ULID <-> UUID 0000587cea2c04040404040404040404 (github.com/suyash/ulid's documented pair).
  EXPECT_EQ(FormatEventId(core::FromUnixMillis(0x587cea2c), fours), "0001C7STHC0G2081040G208104");
  // ulid(1698075890563) starts "01HDEKBMW3" (the @evokegroup/ulid README).
  EXPECT_EQ(FormatEventId(core::FromUnixMillis(1698075890563), {}).substr(0, 10), "01HDEKBMW3");
  EXPECT_EQ(FormatEventId(core::FromUnixMillis(-5), {}), std::string(26, '0'));
  std::set<std::string> ids;
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewEventId(core::FromUnixMillis(1795946400000 + i));
    ASSERT_EQ(id.size(), 26u);
    ASSERT_EQ(id.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos) << id;
    ASSERT_GT(id, previous) << "time-ordered across milliseconds";
    previous = id;
    ids.insert(id);
    ids.insert(NewEventId(core::FromUnixMillis(1795946400000)));
  }
  EXPECT_EQ(ids.size(), 2000u);
  for (EventType t : {EventType::kDown, EventType::kDegraded, EventType::kUp, EventType::kReminder,
                      EventType::kTest}) {
    EventType parsed = EventType::kTest;
    ASSERT_TRUE(ParseEventType(EventTypeName(t), parsed)) << EventTypeName(t);
    EXPECT_EQ(parsed, t);
  }
  EventType unchanged = EventType::kUp;
  EXPECT_FALSE(ParseEventType("down", unchanged));
  EXPECT_EQ(unchanged, EventType::kUp);
}

}  // namespace
}  // namespace vigil::alerts
