// The pure parts of the history: the latency sketch's error bound and encoding, hour rollups
// and their minute detail, and time-based uptime over a provider's timeline.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "storage/history.h"
#include "storage/latency_sketch.h"
#include "storage/rollup.h"

namespace vigil::storage {
namespace {

using alerts::HealthState;
using core::FromUnixMillis;

double NearestRank(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

TEST(LatencySketch, QuantilesStayWithinTheDocumentedRelativeError) {
  std::mt19937_64 rng(7);
  // Shapes a provider's latency takes: a tight normal, a long log-normal tail, and two modes.
  std::normal_distribution<double> normal(80.0, 5.0);
  std::lognormal_distribution<double> tail(4.0, 1.2);
  std::uniform_int_distribution<int> coin(0, 9);
  for (int shape = 0; shape < 3; ++shape) {
    SCOPED_TRACE(shape);
    std::vector<double> values;
    LatencySketch sketch;
    for (int i = 0; i < 20000; ++i) {
      double v = shape == 0 ? normal(rng) : shape == 1 ? tail(rng) : (coin(rng) == 0 ? 900.0 : 12.0) + normal(rng) / 10;
      v = std::clamp(v, LatencySketch::kMinMs, LatencySketch::kMaxMs);
      values.push_back(v);
      sketch.Add(v);
    }
    EXPECT_EQ(sketch.count(), values.size());
    for (double q : {0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
      const double exact = NearestRank(values, q);
      EXPECT_LE(std::abs(*sketch.Quantile(q) - exact), LatencySketch::kRelativeError * exact) << q;
    }
  }
}

TEST(LatencySketch, MergingEqualsAddingEverythingToOne) {
  LatencySketch a, b, all;
  for (int i = 1; i <= 500; ++i) {
    (i % 3 ? a : b).Add(i * 1.7);
    all.Add(i * 1.7);
  }
  a.Merge(b);
  EXPECT_EQ(a, all);
  EXPECT_EQ(a.count(), 500u);
  LatencySketch empty;
  EXPECT_FALSE(empty.Quantile(0.5).has_value());
  a.Merge(empty);
  EXPECT_EQ(a, all);
}

TEST(LatencySketch, ClampsOutOfRangeValues) {
  LatencySketch s;
  s.Add(0.0);
  s.Add(-5.0);
  s.Add(1e12);
  EXPECT_EQ(s.count(), 3u);
  EXPECT_NEAR(*s.Quantile(0.0), LatencySketch::kMinMs, LatencySketch::kMinMs * LatencySketch::kRelativeError);
  EXPECT_NEAR(*s.Quantile(1.0), LatencySketch::kMaxMs, LatencySketch::kMaxMs * LatencySketch::kRelativeError);
}

TEST(LatencySketch, EncodingRoundTripsAndRejectsEveryTruncationAndGarbage) {
  LatencySketch s;
  for (double v : {0.2, 0.2, 3.5, 48.0, 48.1, 2500.0, 61000.0}) s.Add(v);
  const std::string bytes = s.Encode();
  EXPECT_LT(bytes.size(), 40u);  // a few bytes per distinct latency
  std::optional<LatencySketch> back = LatencySketch::Decode(bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, s);
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    EXPECT_FALSE(LatencySketch::Decode(bytes.substr(0, n)).has_value()) << n;
  }
  EXPECT_FALSE(LatencySketch::Decode(bytes + "x").has_value());
  EXPECT_FALSE(LatencySketch::Decode(std::string(16, '\xff')).has_value());
  EXPECT_TRUE(LatencySketch::Decode(LatencySketch().Encode())->empty());
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(static_cast<std::size_t>(rng() % 24), '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    std::optional<LatencySketch> d = LatencySketch::Decode(junk);  // must not crash
    if (d) {
      EXPECT_EQ(LatencySketch::Decode(d->Encode()), d);
    }
  }
}

RollupSample Sample(int64_t ms, probes::Outcome o, double latency, bool maintenance = false) {
  return {ms, o, maintenance, latency};
}

TEST(HourRollup, CountsAndMinuteDetailAddUpWhateverTheOrder) {
  const int64_t hour = 1764000000000 - 1764000000000 % kHourMs;
  HourRollup in_order(hour), shuffled(hour);
  std::vector<RollupSample> samples;
  for (int i = 0; i < 600; ++i) {
    const probes::Outcome o = i % 7 == 0 ? probes::Outcome::kFail : i % 5 == 0 ? probes::Outcome::kWarn : probes::Outcome::kPass;
    samples.push_back(Sample(hour + i * 6000, o, 10.0 + i % 13, i >= 500));
  }
  for (const auto& s : samples) in_order.Add(s);
  std::mt19937 rng(11);
  std::shuffle(samples.begin(), samples.end(), rng);
  for (const auto& s : samples) shuffled.Add(s);
  EXPECT_EQ(in_order.counts(), shuffled.counts());
  EXPECT_EQ(in_order.Minutes(), shuffled.Minutes());
  EXPECT_EQ(in_order.counts().total(), 600);
  EXPECT_EQ(in_order.counts().maintenance, 100);
  const std::vector<MinuteSlot> minutes = in_order.Minutes();
  ASSERT_EQ(minutes.size(), 60u);
  OutcomeCounts sum;
  for (const auto& m : minutes) {
    EXPECT_EQ(m.counts.total(), 10);
    sum.Merge(m.counts);
  }
  EXPECT_EQ(sum, in_order.counts());
  // The stored form reads back to the same hour, and damaged detail is an error.
  core::Result<HourRollup> back = HourRollup::FromStored(hour, in_order.counts(), in_order.EncodeLatency(), in_order.EncodeMinutes());
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->Minutes(), minutes);
  std::string broken = in_order.EncodeMinutes();
  broken.resize(broken.size() - 1);
  EXPECT_FALSE(HourRollup::FromStored(hour, in_order.counts(), in_order.EncodeLatency(), broken).ok());
  EXPECT_FALSE(HourRollup::FromStored(hour, in_order.counts(), "\xff", std::nullopt).ok());
}

TEST(HourRollup, MergeWithAnHourWhoseDetailWasPrunedKeepsNoDetail) {
  const int64_t hour = 0;
  HourRollup a(hour), b(hour, /*with_minutes=*/false);
  a.Add(Sample(1000, probes::Outcome::kPass, 5));
  b.Add(Sample(2000, probes::Outcome::kFail, 7));
  a.Merge(b);
  EXPECT_EQ(a.counts().total(), 2);
  EXPECT_FALSE(a.has_minutes());
  EXPECT_TRUE(a.Minutes().empty());
  EXPECT_EQ(a.latency().count(), 2u);
}

TEST(RollupBook, NothingIsRememberedUntilCommitted) {
  int loads = 0;
  const RollupBook::Loader load = [&](int64_t, int64_t) -> core::Result<std::optional<HourRollup>> {
    ++loads;
    return std::optional<HourRollup>();
  };
  RollupBook book;
  auto rows = book.Apply({{1, Sample(10, probes::Outcome::kPass, 3)}, {1, Sample(20, probes::Outcome::kFail, 4)}}, load);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].hour.counts().total(), 2);
  EXPECT_EQ(book.size(), 0u);
  // Rolled back: the next batch starts again from the stored row.
  auto again = book.Apply({{1, Sample(30, probes::Outcome::kPass, 3)}}, load);
  EXPECT_EQ((*again)[0].hour.counts().total(), 1);
  EXPECT_EQ(loads, 2);
  book.Commit(*again);
  auto third = book.Apply({{1, Sample(40, probes::Outcome::kPass, 3)}}, load);
  EXPECT_EQ((*third)[0].hour.counts().total(), 2);
  EXPECT_EQ(loads, 2);  // held, not loaded
  const RollupBook::Loader failing = [](int64_t, int64_t) -> core::Result<std::optional<HourRollup>> {
    return core::Result<std::optional<HourRollup>>::Error("disk I/O error");
  };
  EXPECT_FALSE(book.Apply({{2, Sample(40, probes::Outcome::kPass, 3)}}, failing).ok());
}

TEST(CheckUptime, IsTheShareOfResultsThatDidNotFailLeavingMaintenanceOut) {
  OutcomeCounts c;
  c.Add(probes::Outcome::kPass, false, 6);
  c.Add(probes::Outcome::kWarn, false, 2);  // a warning is not a failure
  c.Add(probes::Outcome::kFail, false, 2);
  c.Add(probes::Outcome::kFail, true, 5);   // failures during planned work count neither way
  c.Add(probes::Outcome::kPass, true, 5);
  EXPECT_DOUBLE_EQ(*CheckUptime(c), 0.8);
  OutcomeCounts only_maintenance;
  only_maintenance.Add(probes::Outcome::kFail, true, 3);
  EXPECT_FALSE(CheckUptime(only_maintenance).has_value());
  EXPECT_FALSE(CheckUptime(OutcomeCounts{}).has_value());
}

constexpr int64_t kT0 = 1764000000000;
core::WallTime Min(int m) { return FromUnixMillis(kT0 + m * kMinuteMs); }

TEST(ShareOfTime, DownForAKnownSpanWithMaintenanceGivesTheExactUptime) {
  // Up from 0; down 100..130 (30 min); maintenance 200..260 during which it was down again
  // (215..250); unknown never. Window 0..1440 (one day).
  ProviderTimeline t;
  t.since = Min(0);
  t.state_at_since = HealthState::kUp;
  t.changes = {{Min(100), HealthState::kDown}, {Min(130), HealthState::kUp},
               {Min(215), HealthState::kDown}, {Min(250), HealthState::kUp}};
  t.maintenance = {{Min(200), Min(260)}};
  const TimeShare day = ShareOfTime(t, Min(0), Min(1440));
  EXPECT_EQ(day.maintenance, std::chrono::minutes(60));
  EXPECT_EQ(day.observed, std::chrono::minutes(1380));
  EXPECT_EQ(day.down, std::chrono::minutes(30));
  EXPECT_DOUBLE_EQ(*day.uptime(), 1.0 - 30.0 / 1380.0);
  // A window that starts inside the outage.
  const TimeShare late = ShareOfTime(t, Min(120), Min(180));
  EXPECT_EQ(late.down, std::chrono::minutes(10));
  EXPECT_DOUBLE_EQ(*late.uptime(), 1.0 - 10.0 / 60.0);
  // A window entirely inside maintenance observed nothing.
  EXPECT_FALSE(ShareOfTime(t, Min(205), Min(255)).uptime().has_value());
}

TEST(ShareOfTime, TimeBeforeTheStateIsKnownAndOpenMaintenanceAreLeftOut) {
  ProviderTimeline t;
  t.since = Min(0);
  t.state_at_since = HealthState::kUnknown;
  t.changes = {{Min(60), HealthState::kUp}, {Min(90), HealthState::kDegraded}, {Min(100), HealthState::kDown}};
  t.maintenance = {{Min(110), std::nullopt}, {Min(105), Min(115)}};  // overlapping, one still open
  const TimeShare s = ShareOfTime(t, Min(0), Min(120));
  EXPECT_EQ(s.observed, std::chrono::minutes(45));  // 60..105
  EXPECT_EQ(s.down, std::chrono::minutes(5));       // 100..105; degraded is not down
  EXPECT_EQ(s.maintenance, std::chrono::minutes(15));
  EXPECT_FALSE(ShareOfTime(t, Min(0), Min(60)).uptime().has_value());
  EXPECT_EQ(ShareOfTime(t, Min(10), Min(10)).observed.count(), 0);
}

}  // namespace
}  // namespace vigil::storage
