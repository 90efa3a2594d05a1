// SummaryCache over a real SQLite store: the first view computes a provider's history on the
// spot, later views are served from memory, and while the page is viewed a background thread
// brings in what the store learned since — with readers on other threads all the while (the
// ThreadSanitizer run checks the hand-offs).
#include "daemon/http/summaries.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "daemon/http/api.h"
#include "storage/sqlite_store.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace vigil::daemon::http {
namespace {

using alerts::HealthState;
using namespace std::chrono_literals;

// Just enough backend for the cache: the status snapshot, the store and the time.
class StoreBackend final : public ApiBackend {
 public:
  StoreBackend(storage::SqliteStore& store, std::shared_ptr<const StatusSnapshot> status)
      : store_(store), status_(std::move(status)) {}
  std::shared_ptr<const config::Config> config() const override { return std::make_shared<config::Config>(); }
  std::shared_ptr<const StatusSnapshot> status() const override { return status_; }
  const storage::ResultStore& store() const override { return store_; }
  const storage::HistoryStore& history() const override { return store_; }
  std::string RenderMetrics() override { return ""; }
  std::string NotReadyReason() const override { return ""; }
  std::vector<std::string> ProbeNow(const std::string&) override { return {}; }
  core::WallTime Now() const override { return std::chrono::time_point_cast<core::Millis>(std::chrono::system_clock::now()); }
  void ResetBaseline(const std::string&, const std::string&) override {}
  std::optional<probes::quota::Throttle> QuotaThrottle(const std::string&) const override { return std::nullopt; }
  std::vector<probes::quota::ObservedBudget> QuotaBudgets(const std::string&) const override { return {}; }
  const storage::AlertStore& alert_store() const override { return store_; }
  core::Status AddSilence(const alerts::Silence&) override { return core::Status::Ok(); }
  core::Result<bool> ExpireSilence(const std::string&) override { return false; }
  std::string OfflineReason() const override { return ""; }

 private:
  storage::SqliteStore& store_;
  std::shared_ptr<const StatusSnapshot> status_;
};

void Transition(storage::SqliteStore& store, HealthState from, HealthState to, core::WallTime at) {
  storage::WriteBatch batch;
  batch.health.transitions.push_back({"stripe", from, to, at, {}, from == HealthState::kUp ? alerts::IncidentAction::kOpen
                                                                 : to == HealthState::kUp ? alerts::IncidentAction::kClose
                                                                                          : alerts::IncidentAction::kNone});
  ASSERT_TRUE(store.Write(batch).ok());
}

TEST(SummaryCache, ServesFromMemoryAndRefreshesInTheBackgroundWhileViewed) {
  testing::TempDir dir;
  auto opened = storage::SqliteStore::Open(dir.File("vigil.db"));
  ASSERT_TRUE(opened.ok()) << opened.message();
  storage::SqliteStore& store = **opened;
  const core::WallTime now = std::chrono::time_point_cast<core::Millis>(std::chrono::system_clock::now());
  Transition(store, HealthState::kUnknown, HealthState::kUp, now - 48h);
  auto status = std::make_shared<StatusSnapshot>();
  auto stripe = std::make_shared<alerts::ProviderStatus>();
  stripe->name = "stripe";
  stripe->checks.push_back({"balance", HealthState::kUp, now - 48h, nullptr});
  status->providers.push_back(stripe);
  StoreBackend backend(store, status);
  SummaryCache cache(backend, 200ms);

  const std::shared_ptr<const ProviderSummary> first = cache.Get(*stripe);
  ASSERT_TRUE(first->ok);
  ASSERT_EQ(first->days.size(), 90u);
  EXPECT_EQ(first->days.back().worst, "up");
  EXPECT_EQ(first->uptime.at("24h"), 1.0);
  EXPECT_NE(first->html.find("<rect class=\"day up\""), std::string::npos);
  EXPECT_EQ(cache.Get(*stripe), first) << "a second view is served from memory";

  // The store learns of an outage; views keep reading from other threads meanwhile.
  Transition(store, HealthState::kUp, HealthState::kDown, now - 1h);
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!done) {
        const auto s = cache.Get(*stripe);
        EXPECT_EQ(s->days.size(), 90u);
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  const bool refreshed = testing::Eventually([&] { return cache.Get(*stripe)->days.back().worst == "down"; }, 5s);
  done = true;
  for (auto& t : readers) t.join();
  ASSERT_TRUE(refreshed) << "the background refresh brought in the outage";
  const auto after = cache.Get(*stripe);
  ASSERT_TRUE(after->uptime.at("24h"));
  EXPECT_LT(*after->uptime.at("24h"), 1.0);
  EXPECT_NE(after->html.find("<rect class=\"day down\""), std::string::npos);
  EXPECT_NE(after->html.find("1 incident"), std::string::npos);
}

TEST(SummaryCache, AProviderWithoutHistoryHasNinetyDaysOfNoData) {
  testing::TempDir dir;
  auto opened = storage::SqliteStore::Open(dir.File("vigil.db"));
  ASSERT_TRUE(opened.ok()) << opened.message();
  auto status = std::make_shared<StatusSnapshot>();
  auto p = std::make_shared<alerts::ProviderStatus>();
  p->name = "ghost";  // no history at all: a summary of nothing, not an error
  status->providers.push_back(p);
  StoreBackend backend(**opened, status);
  SummaryCache cache(backend, 1h);
  const auto s = cache.Get(*p);
  ASSERT_TRUE(s->ok);
  EXPECT_EQ(s->days.front().worst, "none");
  EXPECT_FALSE(s->uptime.at("90d"));
  EXPECT_NE(s->html.find("no data"), std::string::npos);
}

}  // namespace
}  // namespace vigil::daemon::http
