// The delivery policy on a stepped clock: a real SQLite outbox, scripted receivers
// (FakeHttpClient, answering by URL), OutboxDelivery making one attempt per due head. Backoff,
// Retry-After, dead letters, expiry and re-routing to a fallback, with the order kept.
#include "daemon/outbox_delivery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "alerts/payloads.h"
#include "config/loader.h"
#include "storage/sqlite_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/support/temp_dir.h"

namespace vigil {
namespace {

using namespace std::chrono_literals;
using alerts::EventType;
using alerts::HealthState;

const char* kConfig = R"(
providers:
  - { name: stripe, base_url: "http://127.0.0.1:1", checks: [{ name: c, path: / }] }
  - { name: adyen, base_url: "http://127.0.0.1:1", checks: [{ name: c, path: / }] }
notifiers:
  - { name: primary, type: webhook, url: "http://primary.test/h", fallback: { notifier: backup, after: 2m },
      retry: { max_backoff: 30s, give_up_after: 1h } }
  - { name: backup, type: webhook, url: "http://backup.test/h", fallback: { notifier: primary } }
  - { name: lonely, type: webhook, url: "http://lonely.test/h", retry: { max_backoff: 30s, give_up_after: 10m } }
)";

class OutboxDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::SecretSources none;
    none.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    config::LoadResult r = config::LoadConfigText(kConfig, "outbox.yaml", "/tmp", none);
    ASSERT_TRUE(r.ok()) << r.ErrorText();
    config_ = r.config;
    auto s = storage::SqliteStore::Open(dir_.path() + "/vigil.db");
    ASSERT_TRUE(s.ok()) << s.message();
    store_ = std::move(s).value();
    delivery_ = std::make_unique<daemon::OutboxDelivery>(*store_, client_, clock_, nullptr, [] { return 0.5; });
    client_.respond = [this](const probes::HttpRequest& req) {
      const std::string host = req.url.substr(7, req.url.find('/', 7) - 7);  // "http://<host>/h"
      const auto it = answers_.find(host);
      return it == answers_.end() ? testing::Response(200, "ok") : it->second;
    };
  }

  // Queues one event for `notifier` now (as the alert stage does, in a batch of its own).
  std::string Queue(const std::string& notifier, EventType type, const std::string& provider = "stripe") {
    alerts::AlertEvent e;
    e.id = alerts::NewEventId(clock_.Now());
    e.type = type;
    e.timestamp = clock_.Now();
    e.provider = provider;
    e.state = type == EventType::kUp ? HealthState::kUp : HealthState::kDown;
    e.previous_state = type == EventType::kUp ? HealthState::kDown : HealthState::kUp;
    e.since = clock_.Now();
    storage::WriteBatch b;
    b.alerts.outbox.push_back({notifier, e, ""});
    EXPECT_TRUE(store_->Write(b).ok());
    return e.id;
  }
  // Attempts what is due in `notifier`'s lane; the time the lane would wake next.
  core::WallTime Deliver(const std::string& notifier) {
    core::WallTime next = clock_.Now() + 1h;
    delivery_->DeliverDue(*config_, redactor_, notifier, next);
    next = clock_.Now() + 1h;
    EXPECT_FALSE(delivery_->DeliverDue(*config_, redactor_, notifier, next)) << "nothing more is due now";
    return next;
  }
  // Passes until nothing is due now.
  void DeliverAll(const std::string& notifier) {
    for (int i = 0; i < 20; ++i) {
      core::WallTime next = clock_.Now() + 1h;
      if (!delivery_->DeliverDue(*config_, redactor_, notifier, next)) return;
    }
    ADD_FAILURE() << "the lane never settled";
  }
  // "host type provider" of every request made, in order.
  std::vector<std::string> Sent() const {
    std::vector<std::string> out;
    for (const auto& r : client_.requests()) {
      const std::string host = r.url.substr(7, r.url.find('/', 7) - 7);
      const auto e = alerts::ParseWebhookBody(r.body);
      out.push_back(host + " " + (e ? alerts::EventTypeName(e->type) : "?") + " " + (e ? e->provider : "?"));
    }
    return out;
  }
  alerts::DeliveryRecord Record(const std::string& event_id) const {
    auto rows = store_->Deliveries({});
    EXPECT_TRUE(rows.ok());
    for (const auto& r : *rows) {
      if (r.event_id == event_id) return r;
    }
    ADD_FAILURE() << "no delivery record for " << event_id;
    return {};
  }

  testing::TempDir dir_;
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<storage::SqliteStore> store_;
  testing::FakeClock clock_;
  testing::FakeHttpClient client_;
  core::Redactor redactor_;
  std::map<std::string, probes::HttpResponse> answers_;  // by host; default 200
  std::unique_ptr<daemon::OutboxDelivery> delivery_;
};

TEST_F(OutboxDeliveryTest, RetriesWithJitteredBackoffAndHonoursRetryAfter) {
  answers_["lonely.test"] = testing::Response(500, "busy");
  const std::string id = Queue("lonely", EventType::kDown);
  EXPECT_EQ(Deliver("lonely"), clock_.Now() + 1500ms) << "attempt 1: half way between 1 s and 2 s";
  clock_.Advance(1500ms);
  EXPECT_EQ(Deliver("lonely"), clock_.Now() + 2500ms) << "attempt 2: half way between 1 s and 4 s";
  answers_["lonely.test"] = testing::Response(429, "slow down", {{"Retry-After", "20"}});
  clock_.Advance(2500ms);
  EXPECT_EQ(Deliver("lonely"), clock_.Now() + 20s) << "Retry-After wins over a shorter backoff";
  clock_.Advance(19s);
  Deliver("lonely");
  EXPECT_EQ(client_.requests().size(), 3u) << "nothing before the time the receiver asked for";
  answers_.clear();
  clock_.Advance(1s);
  Deliver("lonely");
  const alerts::DeliveryRecord r = Record(id);
  EXPECT_EQ(r.status, alerts::DeliveryStatus::kDelivered);
  ASSERT_EQ(r.attempts.size(), 4u);
  EXPECT_EQ(r.attempts[0].status_code, 500);
  EXPECT_EQ(r.attempts[2].status_code, 429);
  EXPECT_EQ(r.attempts[3].outcome, alerts::AttemptOutcome::kDelivered);
  // Every attempt carried the same event.
  for (const auto& req : client_.requests()) EXPECT_EQ(req.body, client_.requests()[0].body);
}

TEST_F(OutboxDeliveryTest, APermanentErrorIsDeadAndAnExpiredEventIsDeadWithoutARequest) {
  answers_["lonely.test"] = testing::Response(404, "no such hook");
  const std::string dead = Queue("lonely", EventType::kDown);
  DeliverAll("lonely");
  EXPECT_EQ(Record(dead).status, alerts::DeliveryStatus::kDead);
  EXPECT_NE(Record(dead).reason.find("HTTP 404"), std::string::npos) << Record(dead).reason;
  EXPECT_EQ(client_.requests().size(), 1u);

  answers_["lonely.test"] = testing::Response(503, "down");
  const std::string expired = Queue("lonely", EventType::kUp);
  for (int i = 0; i < 40 && Record(expired).status == alerts::DeliveryStatus::kPending; ++i) {
    clock_.Advance(30s);
    DeliverAll("lonely");
  }
  const alerts::DeliveryRecord r = Record(expired);
  EXPECT_EQ(r.status, alerts::DeliveryStatus::kDead);
  EXPECT_EQ(r.reason, "not delivered within 10m; giving up");
  EXPECT_EQ(r.attempts.back().status_code, 0) << "no request for an expired event";
}

TEST_F(OutboxDeliveryTest, AFailingNotifierReroutesItsLaneToTheFallbackInOrderUntilTheResolve) {
  answers_["primary.test"] = testing::Response(500, "broken");
  const std::string down = Queue("primary", EventType::kDown);
  clock_.Advance(1s);
  const std::string up = Queue("primary", EventType::kUp);
  // Two minutes of failures on the primary; the up waits behind the down.
  for (int i = 0; i < 12; ++i) {
    DeliverAll("primary");
    clock_.Advance(10s);
  }
  DeliverAll("primary");
  EXPECT_EQ(Sent().back(), "backup.test provider.up stripe") << "re-routed, then the lane went on";
  const alerts::DeliveryRecord d = Record(down);
  EXPECT_EQ(d.status, alerts::DeliveryStatus::kDelivered);
  EXPECT_EQ(d.notifier, "primary");
  EXPECT_EQ(d.via, "backup");
  EXPECT_EQ(d.attempts.back().via, "backup");
  bool rerouted = false;
  for (const auto& a : d.attempts) rerouted |= a.outcome == alerts::AttemptOutcome::kRerouted;
  EXPECT_TRUE(rerouted);
  const std::vector<std::string> sent = Sent();
  const auto first_backup = std::find(sent.begin(), sent.end(), "backup.test provider.down stripe");
  ASSERT_NE(first_backup, sent.end());
  EXPECT_EQ(std::count(sent.begin(), sent.end(), "backup.test provider.up stripe"), 1);
  EXPECT_EQ(std::count(first_backup, sent.end(), "primary.test provider.up stripe"), 0)
      << "the resolve follows the page to the backup, without waiting on the primary";
  EXPECT_EQ(Record(up).via, "backup");
  // The primary works again: after that resolve, the next page goes to it first.
  answers_.clear();
  clock_.Advance(1s);
  const std::string again = Queue("primary", EventType::kDown);
  DeliverAll("primary");
  EXPECT_EQ(Sent().back(), "primary.test provider.down stripe");
  EXPECT_EQ(Record(again).via, "");
}

TEST_F(OutboxDeliveryTest, APageSentThroughTheFallbackKeepsItsLaneThereAndReroutingIsOneHop) {
  answers_["primary.test"] = testing::Response(410, "gone");
  const std::string down = Queue("primary", EventType::kDown);
  DeliverAll("primary");
  EXPECT_EQ(Sent(), (std::vector<std::string>{"primary.test provider.down stripe", "backup.test provider.down stripe"}))
      << "a permanent error re-routes at once";
  // The provider recovers later; the primary is fine by then, but the page went to the backup.
  answers_.clear();
  clock_.Advance(5min);
  Queue("primary", EventType::kUp);
  DeliverAll("primary");
  EXPECT_EQ(Sent().back(), "backup.test provider.up stripe");
  // backup falls back to primary (a cycle the config allows): a permanent failure of the
  // backup's receiver ends in the dead letter, not in a loop back to the primary.
  answers_["primary.test"] = testing::Response(410, "gone");
  answers_["backup.test"] = testing::Response(404, "gone too");
  const std::size_t before = client_.requests().size();
  const std::string lost = Queue("primary", EventType::kDown, "adyen");
  DeliverAll("primary");
  EXPECT_EQ(client_.requests().size(), before + 2);
  EXPECT_EQ(Record(lost).status, alerts::DeliveryStatus::kDead);
  EXPECT_EQ(Record(lost).via, "backup");
  EXPECT_EQ(Record(down).status, alerts::DeliveryStatus::kDelivered);
}

TEST_F(OutboxDeliveryTest, ProvidersOfOneLaneDoNotWaitForEachOther) {
  answers_["lonely.test"] = testing::Response(503, "down");
  Queue("lonely", EventType::kDown, "stripe");
  DeliverAll("lonely");
  answers_.clear();
  const std::string adyen = Queue("lonely", EventType::kDown, "adyen");
  DeliverAll("lonely");
  EXPECT_EQ(Record(adyen).status, alerts::DeliveryStatus::kDelivered) << "stripe's backoff does not hold adyen";
}

TEST_F(OutboxDeliveryTest, EventsOfANotifierNoLongerConfiguredAreDeadLettered) {
  const std::string orphan = Queue("gone", EventType::kDown);
  delivery_->DeadLetterOrphans(*config_);
  EXPECT_EQ(Record(orphan).status, alerts::DeliveryStatus::kDead);
  EXPECT_EQ(Record(orphan).reason, "notifier 'gone' is no longer configured");
  EXPECT_TRUE(client_.requests().empty());
}

}  // namespace
}  // namespace vigil
