#include "daemon/core/duration.h"

#include <gtest/gtest.h>

#include <limits>

#include "daemon/core/clock.h"

namespace vigil::core {
namespace {

TEST(ParseDuration, AcceptsEveryUnitAndCompounds) {
  const struct {
    const char* text;
    int64_t ms;
  } cases[] = {{"250ms", 250}, {"10s", 10'000}, {"5m", 300'000},        {"2h", 7'200'000},
               {"14d", 1'209'600'000}, {"1m30s", 90'000}, {"1.5s", 1500}, {"0s", 0}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Millis> d = ParseDuration(c.text);
    ASSERT_TRUE(d.ok()) << d.message();
    EXPECT_EQ(d->count(), c.ms);
  }
}

TEST(ParseDuration, RejectsMalformedWithAReason) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"10", "invalid duration \"10\": missing unit (ms, s, m, h or d)"},
      {"5sec", "invalid duration \"5sec\": unknown unit \"sec\" (ms, s, m, h or d)"},
      {"", "empty duration (expected e.g. 250ms, 10s, 5m, 2h, 14d)"},
      {"-5s", "invalid duration \"-5s\" (expected e.g. 250ms, 10s, 5m, 2h, 14d)"},
      {"s", "invalid duration \"s\" (expected e.g. 250ms, 10s, 5m, 2h, 14d)"},
      {"400d", "invalid duration \"400d\": longer than a year"},
      {"1..5s", "invalid duration \"1..5s\" (expected e.g. 250ms, 10s, 5m, 2h, 14d)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Millis> d = ParseDuration(c.text);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.message(), c.message);
  }
}

TEST(FormatDuration, IsReadable) {
  EXPECT_EQ(FormatDuration(Millis(0)), "0s");
  EXPECT_EQ(FormatDuration(Millis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Millis(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(Millis(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(Millis(7'200'000)), "2h");
  EXPECT_EQ(FormatDuration(Millis(86'400'000 + 3'600'000)), "1d1h");
}

TEST(ParsePercent, AcceptsRangeRejectsRest) {
  EXPECT_DOUBLE_EQ(*ParsePercent("20%"), 0.20);
  EXPECT_DOUBLE_EQ(*ParsePercent("0.5%"), 0.005);
  EXPECT_FALSE(ParsePercent("20").ok());
  EXPECT_FALSE(ParsePercent("120%").ok());
  EXPECT_FALSE(ParsePercent("x%").ok());
}

TEST(ParseByteSize, UnitsAndErrors) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("64KiB"), 65536u);
  EXPECT_EQ(*ParseByteSize("1MiB"), 1048576u);
  EXPECT_EQ(*ParseByteSize("1MB"), 1000000u);
  EXPECT_EQ(ParseByteSize("1Mb").message(), "invalid size \"1Mb\": unknown unit \"Mb\" (B, KiB, MiB, GiB, KB, MB, GB)");
  EXPECT_FALSE(ParseByteSize("lots").ok());
}

}  // namespace
}  // namespace vigil::core

namespace vigil::core {
namespace {

// Found by the fuzzers: a Sunset in the year 5027, ?since=0001-01-01 or expires_at: 1000-01-01
// overflowed the nanosecond clock (undefined behaviour). Any int64 is now safe.
TEST(FromUnixMillis, ClampsWhatTheClockCannotHold) {
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(1'796'000'000'000)), 1'796'000'000'000);
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(-1)), -1);
  const int64_t far = ToUnixMillis(FromUnixMillis(std::numeric_limits<int64_t>::max()));
  EXPECT_GT(far, 9'000'000'000'000);  // past the year 2255
  EXPECT_LT(ToUnixMillis(FromUnixMillis(std::numeric_limits<int64_t>::min())), -9'000'000'000'000);
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(128'026'569'599'000)).substr(0, 4), "2262");
}

}  // namespace
}  // namespace vigil::core
