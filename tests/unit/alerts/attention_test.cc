// Attention items as the provider view lists them: one per kind and check, with the higher
// urgency, the earlier due date and every message; health findings never become one.
#include <gtest/gtest.h>

#include "alerts/health_tracker.h"
#include "config/loader.h"

namespace vigil::alerts {
namespace {

using probes::Finding;
using probes::FindingKind;
using config::Severity;

class AttentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const config::LoadResult r = config::LoadConfigText(
        "providers:\n  - name: p\n    base_url: http://127.0.0.1:1\n    checks:\n"
        "      - { name: a, path: /a }\n      - { name: b, path: /b }\n",
        "t.yaml", "/tmp", {});
    ASSERT_TRUE(r.ok()) << r.ErrorText();
    config_ = r.config;
    tracker_ = std::make_unique<HealthTracker>(config_);
  }
  void Observe(const std::string& check, std::vector<Finding> findings) {
    probes::ProbeResult r;
    r.provider = "p";
    r.check = check;
    r.time = t0_;
    r.findings = std::move(findings);
    r.outcome = probes::OutcomeOf(r.findings);
    tracker_->Observe(r);
  }
  std::vector<AttentionItem> Items() const { return tracker_->StatusOf(config_->providers.at(0)).attention; }

  const core::WallTime t0_ = core::FromUnixMillis(1'800'000'000'000);
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<HealthTracker> tracker_;
};

TEST_F(AttentionTest, TwoOfAKindOnOneCheckAreOneItem) {
  const core::WallTime key_expires = t0_ + std::chrono::hours(24 * 9);
  const core::WallTime cert_expires = t0_ + std::chrono::hours(24 * 3);
  Observe("a", {{FindingKind::kExpiry, Severity::kWarn, "API key expires in 9d", true, key_expires},
                {FindingKind::kExpiry, Severity::kCritical, "TLS certificate expires in 3d", true, cert_expires}});
  const std::vector<AttentionItem> items = Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].check, "a");
  EXPECT_EQ(items[0].kind, FindingKind::kExpiry);
  EXPECT_EQ(items[0].urgency, Severity::kCritical);
  ASSERT_TRUE(items[0].due);
  EXPECT_EQ(*items[0].due, cert_expires);
  EXPECT_EQ(items[0].message, "API key expires in 9d; TLS certificate expires in 3d");
}

TEST_F(AttentionTest, KindsAndChecksStayApartAndHealthIsNotAttention) {
  const core::WallTime sunset = t0_ + std::chrono::hours(24 * 60);
  Observe("a", {{FindingKind::kDeprecation, Severity::kWarn, "sunset in 60d", true, sunset},
                {FindingKind::kQuota, Severity::kWarn, "exhausted in ~2h", true, t0_ + std::chrono::hours(2)},
                {FindingKind::kLatency, Severity::kWarn, "took 900ms", false}});
  Observe("b", {{FindingKind::kDeprecation, Severity::kWarn, "sunset in 60d", true, sunset}});
  const std::vector<AttentionItem> items = Items();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].check + "/" + probes::FindingKindName(items[0].kind), "a/deprecation");
  EXPECT_EQ(items[1].check + "/" + probes::FindingKindName(items[1].kind), "a/quota");
  EXPECT_EQ(items[2].check + "/" + probes::FindingKindName(items[2].kind), "b/deprecation");
  EXPECT_EQ(items[0].due, sunset);
}

}  // namespace
}  // namespace vigil::alerts
