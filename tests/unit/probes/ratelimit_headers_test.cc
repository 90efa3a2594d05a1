// Rate-limit header dialects: real header samples from each provider, mixed and conflicting
// responses, garbage values (each one warning, no field taken from it) and the time formats.
#include "probes/quota/ratelimit_headers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iomanip>
#include <limits>
#include <sstream>

namespace vigil::probes::quota {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr int64_t kNow = 1'795'629'540'000;  // 2026-11-25T17:59:00Z, a Wednesday
constexpr int64_t kSecond = 1000;

// The fields a budget should have; a missing field is std::nullopt.
struct Want {
  std::string dimension;
  std::string source;
  std::optional<double> limit;
  std::optional<double> remaining;
  std::optional<int64_t> reset_unix_ms;
  std::optional<int64_t> window_ms;
};

template <typename T>
std::string Show(const std::optional<T>& v) {
  std::ostringstream out;
  if (v) {
    out << std::fixed << std::setprecision(0) << *v;
  } else {
    out << "-";
  }
  return out.str();
}

std::string Show(const std::string& dimension, const std::string& source,
                 const std::optional<double>& limit, const std::optional<double>& remaining,
                 const std::optional<int64_t>& reset, const std::optional<int64_t>& window) {
  return dimension + "/" + source + " limit=" + Show(limit) + " remaining=" + Show(remaining) +
         " reset=" + Show(reset) + " window=" + Show(window);
}

std::vector<std::string> Shown(const std::vector<Budget>& budgets) {
  std::vector<std::string> out;
  for (const Budget& b : budgets) {
    out.push_back(Show(b.dimension, b.source, b.limit, b.remaining, b.reset_unix_ms, b.window_ms));
  }
  return out;
}

std::vector<std::string> Shown(const std::vector<Want>& budgets) {
  std::vector<std::string> out;
  for (const Want& b : budgets) {
    out.push_back(Show(b.dimension, b.source, b.limit, b.remaining, b.reset_unix_ms, b.window_ms));
  }
  return out;
}

struct Case {
  std::string name;
  Headers headers;
  std::vector<Want> budgets;  // in order
  std::optional<int64_t> retry_after_unix_ms;
  std::vector<std::string> warnings;
};

void ExpectParses(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const RateLimitInfo info = ParseRateLimitHeaders(c.headers, kNow);
    EXPECT_THAT(Shown(info.budgets), ElementsAreArray(Shown(c.budgets)));
    EXPECT_EQ(info.retry_after_unix_ms, c.retry_after_unix_ms);
    EXPECT_THAT(info.warnings, ElementsAreArray(c.warnings));
  }
}

TEST(RateLimitHeadersTest, ReadsEachProvidersRealHeaders) {
  ExpectParses({
      {"GitHub REST",
       {{"x-ratelimit-limit", "5000"},
        {"x-ratelimit-remaining", "4987"},
        {"x-ratelimit-reset", "1795631940"},
        {"x-ratelimit-used", "13"},
        {"x-ratelimit-resource", "core"}},
       {{"core", "github", 5000, 4987, 1'795'631'940'000, std::nullopt}},
       std::nullopt,
       {}},
      {"GitHub search, remaining derived from used",
       {{"X-RateLimit-Limit", "30"},
        {"X-RateLimit-Used", "4"},
        {"X-RateLimit-Reset", "1795629600"},
        {"X-RateLimit-Resource", "search"}},
       {{"search", "github", 30, 26, 1'795'629'600'000, std::nullopt}},
       std::nullopt,
       {}},
      {"OpenAI",
       {{"x-ratelimit-limit-requests", "10000"},
        {"x-ratelimit-limit-tokens", "2000000"},
        {"x-ratelimit-remaining-requests", "9999"},
        {"x-ratelimit-remaining-tokens", "1999975"},
        {"x-ratelimit-reset-requests", "6ms"},
        {"x-ratelimit-reset-tokens", "2m59.56s"}},
       {{"requests", "openai", 10000, 9999, kNow + 6, std::nullopt},
        {"tokens", "openai", 2000000, 1999975, kNow + 179'560, std::nullopt}},
       std::nullopt,
       {}},
      {"Anthropic",
       {{"anthropic-ratelimit-requests-limit", "50"},
        {"anthropic-ratelimit-requests-remaining", "49"},
        {"anthropic-ratelimit-requests-reset", "2026-11-25T18:00:00Z"},
        {"anthropic-ratelimit-tokens-limit", "90000"},
        {"anthropic-ratelimit-tokens-remaining", "89000"},
        {"anthropic-ratelimit-tokens-reset", "2026-11-25T17:59:01Z"},
        {"anthropic-ratelimit-input-tokens-limit", "80000"},
        {"anthropic-ratelimit-input-tokens-remaining", "79500"},
        {"anthropic-ratelimit-input-tokens-reset", "2026-11-25T17:59:00.500Z"},
        {"anthropic-ratelimit-output-tokens-limit", "10000"},
        {"anthropic-ratelimit-output-tokens-remaining", "9500"},
        {"anthropic-ratelimit-output-tokens-reset", "2026-11-25T18:59:30+01:00"}},
       {{"requests", "anthropic", 50, 49, kNow + 60 * kSecond, std::nullopt},
        {"tokens", "anthropic", 90000, 89000, kNow + kSecond, std::nullopt},
        {"input-tokens", "anthropic", 80000, 79500, kNow + 500, std::nullopt},
        {"output-tokens", "anthropic", 10000, 9500, kNow + 30 * kSecond, std::nullopt}},
       std::nullopt,
       {}},
      {"Shopify",
       {{"X-Shopify-Shop-Api-Call-Limit", "32/40"}},
       {{"calls", "shopify", 40, 8, std::nullopt, std::nullopt}},
       std::nullopt,
       {}},
      {"Twitter v1.1",
       {{"x-rate-limit-limit", "900"},
        {"x-rate-limit-remaining", "847"},
        {"x-rate-limit-reset", "1795630440"}},
       {{"requests", "x-ratelimit", 900, 847, 1'795'630'440'000, std::nullopt}},
       std::nullopt,
       {}},
  });
}

TEST(RateLimitHeadersTest, ReadsIetfDrafts) {
  ExpectParses({
      {"current draft, two named policies",
       {{"RateLimit-Policy", "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400"},
        {"RateLimit", "\"burst\";r=50;t=30, \"daily\";r=900;t=3600"}},
       {{"burst", "ietf", 100, 50, kNow + 30 * kSecond, 60 * kSecond},
        {"daily", "ietf", 1000, 900, kNow + 3600 * kSecond, 86400 * kSecond}},
       std::nullopt,
       {}},
      {"token names, OWS, a repeated field line, unknown params",
       {{"ratelimit-policy", "burst; q=100; w=60; pk=:ZTk4ZDc0ZWJlOTkw:"},
        {"ratelimit", "daily;r=900;t=3600"},
        {"ratelimit-policy", "daily;q=1000;w=86400;qu=\"requests\""},
        {"ratelimit", "burst;r=0;t=1"}},
       {{"burst", "ietf", 100, 0, kNow + kSecond, 60 * kSecond},
        {"daily", "ietf", 1000, 900, kNow + 3600 * kSecond, 86400 * kSecond}},
       std::nullopt,
       {}},
      {"older trio with a policy in RateLimit-Limit",
       {{"RateLimit-Limit", "100, 100;w=60"},
        {"RateLimit-Remaining", "42"},
        {"RateLimit-Reset", "17"}},
       {{"requests", "ietf-draft", 100, 42, kNow + 17 * kSecond, 60 * kSecond}},
       std::nullopt,
       {}},
      {"draft 07 dictionary with its policy (express-rate-limit)",
       {{"RateLimit-Policy", "5;w=60, 100;w=3600"},
        {"RateLimit", "limit=100, remaining=99, reset=59"}},
       {{"requests", "ietf-draft", 100, 99, kNow + 59 * kSecond, 3600 * kSecond}},
       std::nullopt,
       {}},
  });
}

TEST(RateLimitHeadersTest, ReadsResetsAndRetryAfterInEveryForm) {
  ExpectParses({
      {"X-RateLimit-Reset as delta seconds",
       {{"X-RateLimit-Limit", "60"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "60"}},
       {{"requests", "x-ratelimit", 60, 0, kNow + 60 * kSecond, std::nullopt}},
       std::nullopt,
       {}},
      {"X-RateLimit-Reset as epoch ms",
       {{"X-RateLimit-Reset", "1795629600123"}},
       {{"requests", "x-ratelimit", std::nullopt, std::nullopt, 1'795'629'600'123, std::nullopt}},
       std::nullopt,
       {}},
      {"X-RateLimit-Reset as an HTTP-date",
       {{"X-RateLimit-Reset", "Wed, 25 Nov 2026 18:00:00 GMT"}},
       {{"requests", "x-ratelimit", std::nullopt, std::nullopt, kNow + 60 * kSecond, std::nullopt}},
       std::nullopt,
       {}},
      {"OpenAI reset as bare seconds",
       {{"x-ratelimit-reset-requests", "1"}},
       {{"requests", "openai", std::nullopt, std::nullopt, kNow + kSecond, std::nullopt}},
       std::nullopt,
       {}},
      {"Retry-After seconds", {{"Retry-After", "120"}}, {}, kNow + 120 * kSecond, {}},
      {"Retry-After HTTP-date",
       {{"retry-after", "Wed, 25 Nov 2026 18:01:00 GMT"}},
       {},
       kNow + 120 * kSecond,
       {}},
      {"Retry-After slightly in the past (clock skew)",
       {{"Retry-After", "Wed, 25 Nov 2026 17:58:00 GMT"}},
       {},
       kNow - 60 * kSecond,
       {}},
  });
}

TEST(RateLimitHeadersTest, MergesDialectsOnePerDimension) {
  ExpectParses({
      {"OpenAI and generic X-RateLimit agree; OpenAI is kept, generic fills the reset",
       {{"x-ratelimit-limit", "10000"},
        {"x-ratelimit-reset", "30"},
        {"x-ratelimit-limit-requests", "10000"},
        {"x-ratelimit-remaining-requests", "9999"}},
       {{"requests", "openai", 10000, 9999, kNow + 30 * kSecond, std::nullopt}},
       std::nullopt,
       {}},
      {"OpenAI and generic X-RateLimit conflict",
       {{"x-ratelimit-limit", "60"}, {"x-ratelimit-limit-requests", "10000"}},
       {{"requests", "openai", 10000, std::nullopt, std::nullopt, std::nullopt}},
       std::nullopt,
       {"budget \"requests\": x-ratelimit limit 60 conflicts with openai 10000; openai counts"}},
      {"resets within a second are the same reset",
       {{"x-ratelimit-reset", "1795629541"}, {"x-ratelimit-reset-requests", "1.4s"}},
       {{"requests", "openai", std::nullopt, std::nullopt, kNow + 1400, std::nullopt}},
       std::nullopt,
       {}},
      {"IETF policy named requests beats the older trio",
       {{"RateLimit-Limit", "10"},
        {"RateLimit-Remaining", "3"},
        {"RateLimit-Policy", "\"requests\";q=10;w=1"},
        {"RateLimit", "\"requests\";r=2"}},
       {{"requests", "ietf", 10, 2, std::nullopt, kSecond}},
       std::nullopt,
       {"budget \"requests\": ietf-draft remaining 3 conflicts with ietf 2; ietf counts"}},
      {"every dialect at once",
       {{"RateLimit-Policy", "\"daily\";q=1000;w=86400"},
        {"RateLimit", "\"daily\";r=900;t=3600"},
        {"X-RateLimit-Limit", "5000"},
        {"X-RateLimit-Resource", "core"},
        {"x-ratelimit-limit-tokens", "2000000"},
        {"anthropic-ratelimit-output-tokens-limit", "8000"},
        {"X-Shopify-Shop-Api-Call-Limit", "1/40"},
        {"Retry-After", "0"}},
       {{"daily", "ietf", 1000, 900, kNow + 3600 * kSecond, 86400 * kSecond},
        {"core", "github", 5000, std::nullopt, std::nullopt, std::nullopt},
        {"tokens", "openai", 2000000, std::nullopt, std::nullopt, std::nullopt},
        {"output-tokens", "anthropic", 8000, std::nullopt, std::nullopt, std::nullopt},
        {"calls", "shopify", 40, 39, std::nullopt, std::nullopt}},
       kNow,
       {}},
      {"X-RateLimit and X-Rate-Limit disagree: the first family counts",
       {{"X-RateLimit-Remaining", "5"}, {"X-Rate-Limit-Remaining", "6"}},
       {{"requests", "x-ratelimit", std::nullopt, 5, std::nullopt, std::nullopt}},
       std::nullopt,
       {"budget \"requests\": x-ratelimit remaining 6 conflicts with x-ratelimit 5; x-ratelimit "
        "counts"}},
  });
}

TEST(RateLimitHeadersTest, IgnoresGarbageWithOneWarningEach) {
  ExpectParses({
      {"negative remaining",
       {{"x-ratelimit-limit", "100"}, {"x-ratelimit-remaining", "-5"}},
       {{"requests", "x-ratelimit", 100, std::nullopt, std::nullopt, std::nullopt}},
       std::nullopt,
       {"x-ratelimit-remaining: ignored \"-5\" (negative)"}},
      {"NaN, inf, exponent, hex, huge, empty",
       {{"x-ratelimit-limit", "NaN"},
        {"x-ratelimit-remaining", "inf"},
        {"x-ratelimit-limit-requests", "1e400"},
        {"x-ratelimit-remaining-requests", "0x10"},
        {"x-ratelimit-limit-tokens", "99999999999999999999"},
        {"x-ratelimit-remaining-tokens", ""}},
       {},
       std::nullopt,
       {"x-ratelimit-limit: ignored \"NaN\" (not a number)",
        "x-ratelimit-remaining: ignored \"inf\" (not a number)",
        "x-ratelimit-limit-requests: ignored \"1e400\" (not a number)",
        "x-ratelimit-remaining-requests: ignored \"0x10\" (not a number)",
        "x-ratelimit-limit-tokens: ignored \"99999999999999999999\" (too large)",
        "x-ratelimit-remaining-tokens: ignored \"\" (empty)"}},
      {"absurd and unreadable resets",
       {{"x-ratelimit-limit", "100"},
        {"x-ratelimit-reset", "99999999999999"},
        {"x-rate-limit-reset", "tomorrow"},
        {"x-ratelimit-reset-requests", "9999999999h"},
        {"x-ratelimit-reset-tokens", "-1s"},
        {"anthropic-ratelimit-requests-reset", "2026-13-01T00:00:00Z"},
        {"anthropic-ratelimit-tokens-reset", "9999-12-31T23:59:59Z"},
        {"RateLimit-Reset", "1.5e3"}},
       {{"requests", "x-ratelimit", 100, std::nullopt, std::nullopt, std::nullopt}},
       std::nullopt,
       {"ratelimit-reset: ignored \"1.5e3\" (not a number)",
        "x-ratelimit-reset: ignored \"99999999999999\" (more than 400 days ahead)",
        "x-rate-limit-reset: ignored \"tomorrow\" (not a number, epoch or date)",
        "x-ratelimit-reset-requests: ignored \"9999999999h\" (not a duration)",
        "x-ratelimit-reset-tokens: ignored \"-1s\" (not a duration)",
        "anthropic-ratelimit-requests-reset: ignored \"2026-13-01T00:00:00Z\" (not an RFC 3339 "
        "timestamp)",
        "anthropic-ratelimit-tokens-reset: ignored \"9999-12-31T23:59:59Z\" (more than 400 days "
        "ahead)"}},
      {"Retry-After negative",
       {{"Retry-After", "-1"}},
       {},
       std::nullopt,
       {"retry-after: ignored \"-1\" (negative)"}},
      {"Retry-After words",
       {{"Retry-After", "soon"}},
       {},
       std::nullopt,
       {"retry-after: ignored \"soon\" (neither seconds nor an HTTP-date)"}},
      {"Retry-After years ago",
       {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}},
       {},
       std::nullopt,
       {"retry-after: ignored \"Wed, 21 Oct 2015 07:28:00 GMT\" (more than a day in the past)"}},
      {"Shopify without a slash",
       {{"X-Shopify-Shop-Api-Call-Limit", "40"}},
       {},
       std::nullopt,
       {"x-shopify-shop-api-call-limit: ignored \"40\" (not used/limit)"}},
      {"Shopify over its limit",
       {{"X-Shopify-Shop-Api-Call-Limit", "41/40"}},
       {},
       std::nullopt,
       {"x-shopify-shop-api-call-limit: ignored \"41/40\" (used is more than the limit)"}},
      {"Shopify not numbers",
       {{"X-Shopify-Shop-Api-Call-Limit", "a/40"}},
       {},
       std::nullopt,
       {"x-shopify-shop-api-call-limit: ignored \"a/40\" (not a number)"}},
      {"IETF: a bad parameter and a malformed member; the rest still counts",
       {{"RateLimit-Policy", "\"burst\";q=100;w=60, \"a\" \"b\", \"daily\";q=1000;w=99999999"},
        {"RateLimit", "\"burst\";r=abc;t=30"}},
       {{"burst", "ietf", 100, std::nullopt, kNow + 30 * kSecond, 60 * kSecond},
        {"daily", "ietf", 1000, std::nullopt, std::nullopt, std::nullopt}},
       std::nullopt,
       {"ratelimit-policy: ignored \"\\\"a\\\" \\\"b\\\"\" (malformed list member)",
        "ratelimit-policy: ignored \"daily;w=99999999\" (window longer than 400 days)",
        "ratelimit: ignored \"burst;r=abc\" (not a number)"}},
      {"IETF: an unterminated string",
       {{"RateLimit", "\"burst;r=1"}},
       {},
       std::nullopt,
       {"ratelimit: ignored \"\\\"burst;r=1\" (malformed list member)"}},
      {"GitHub: used disagrees with remaining, remaining counts",
       {{"x-ratelimit-limit", "5000"},
        {"x-ratelimit-remaining", "4987"},
        {"x-ratelimit-used", "20"},
        {"x-ratelimit-resource", "core"}},
       {{"core", "github", 5000, 4987, std::nullopt, std::nullopt}},
       std::nullopt,
       {"x-ratelimit-used: ignored \"20\" (disagrees with limit 5000 - remaining 4987; remaining "
        "counts)"}},
      {"GitHub: a resource that is no name",
       {{"x-ratelimit-limit", "60"}, {"x-ratelimit-resource", "Core Stuff"}},
       {{"requests", "x-ratelimit", 60, std::nullopt, std::nullopt, std::nullopt}},
       std::nullopt,
       {"x-ratelimit-resource: ignored \"Core Stuff\" (not a resource name)"}},
      {"a repeated header with different values, control bytes escaped",
       {{"X-RateLimit-Limit", "100"}, {"x-ratelimit-limit", "1\x01"}},
       {{"requests", "x-ratelimit", 100, std::nullopt, std::nullopt, std::nullopt}},
       std::nullopt,
       {"x-ratelimit-limit: ignored \"1\\x01\" (repeated with a different value; the first one "
        "counts)"}},
  });
}

TEST(RateLimitHeadersTest, StaysBoundedOnHostileInput) {
  Headers headers;
  std::string many_members;
  for (int i = 0; i < 10'000; ++i) many_members += "p" + std::to_string(i) + ";q=1,";
  headers.emplace_back("RateLimit-Policy", many_members);
  headers.emplace_back("x-ratelimit-reset", std::string(100'000, '9'));
  headers.emplace_back("x-ratelimit-reset-requests", std::string(100'000, '9') + "h");
  for (int i = 0; i < 1'000; ++i) headers.emplace_back("X-RateLimit-Limit", "1");
  for (const int64_t now : {std::numeric_limits<int64_t>::min(), int64_t{0}, kNow,
                            std::numeric_limits<int64_t>::max()}) {
    SCOPED_TRACE(now);
    const RateLimitInfo info = ParseRateLimitHeaders(headers, now);
    EXPECT_LE(info.budgets.size(), 33u);
    EXPECT_LE(info.warnings.size(), 4u);
  }
  const RateLimitInfo at_max =
      ParseRateLimitHeaders({{"Retry-After", "5"}}, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(at_max.retry_after_unix_ms, std::nullopt);
  EXPECT_THAT(at_max.warnings, ElementsAreArray({"retry-after: ignored \"5\" (more than 400 days "
                                                 "ahead)"}));
}

TEST(RateLimitHeadersTest, NoHeadersNoBudgets) {
  const RateLimitInfo info = ParseRateLimitHeaders({{"Content-Type", "application/json"}}, kNow);
  EXPECT_THAT(info.budgets, IsEmpty());
  EXPECT_THAT(info.warnings, IsEmpty());
  EXPECT_EQ(info.retry_after_unix_ms, std::nullopt);
}

struct TimeCase {
  std::string text;
  std::optional<int64_t> ms;
};

TEST(GoDurationTest, ParsesGoDurations) {
  const std::vector<TimeCase> cases = {
      {"6m0s", 360'000},
      {"12ms", 12},
      {"2m59.56s", 179'560},
      {"1h2m", 3'720'000},
      {"0s", 0},
      {"0", 0},
      {"1s", 1'000},
      {"1.5s", 1'500},
      {".5s", 500},
      {"+3s", 3'000},
      {"500us", 1},
      {"1.5\xC2\xB5s", 0},
      {"499\xCE\xBCs", 0},
      {"1500000ns", 2},
      {"2562047h", 9'223'369'200'000},
      {"", std::nullopt},
      {"5", std::nullopt},
      {"-1s", std::nullopt},
      {"1x", std::nullopt},
      {"s", std::nullopt},
      {".s", std::nullopt},
      {"1.2.3s", std::nullopt},
      {"1s ", std::nullopt},
      {"2562048h", std::nullopt},
      {"9223372036854775807s", std::nullopt},
      {"99999999999999999999s", std::nullopt},
  };
  for (const TimeCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseGoDurationMs(c.text), c.ms);
  }
}

TEST(HttpDateTest, ParsesTheThreeHttpDateForms) {
  constexpr int64_t kRfcExample = 784'111'777'000;  // Sun, 06 Nov 1994 08:49:37 GMT
  const std::vector<TimeCase> cases = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample},
      {"Sunday, 06-Nov-94 08:49:37 GMT", kRfcExample},
      {"Sun Nov  6 08:49:37 1994", kRfcExample},
      {"sun, 06 nov 1994 08:49:37 utc", kRfcExample},
      {"Wed, 25 Nov 2026 17:59:00 GMT", kNow},
      {"Thursday, 01-Jan-70 00:00:00 GMT", 0},
      {"Wed, 29 Feb 2028 00:00:00 GMT", 1'835'395'200'000},
      {"", std::nullopt},
      {"Sun, 31 Feb 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 24:00:00 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 PST", std::nullopt},
      {"Sun, 06 Nov 94 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Foo 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 GMT trailing", std::nullopt},
      {"Sun Nov  6 08:49:37 94", std::nullopt},
      {"1994-11-06T08:49:37Z", std::nullopt},
  };
  for (const TimeCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseHttpDateMs(c.text), c.ms);
  }
}

TEST(Rfc3339Test, ParsesTimestampsWithOffsets) {
  constexpr int64_t k1800 = 1'795'629'600'000;  // 2026-11-25T18:00:00Z
  const std::vector<TimeCase> cases = {
      {"2026-11-25T18:00:00Z", k1800},
      {"2026-11-25T18:00:00.123456Z", k1800 + 123},
      {"2026-11-25T18:00:00.5Z", k1800 + 500},
      {"2026-11-25T19:00:00+01:00", k1800},
      {"2026-11-25T12:30:00-0530", k1800},
      {"2026-11-25t18:00:00z", k1800},
      {"2026-11-25 18:00:00Z", k1800},
      {"2016-12-31T23:59:60Z", 1'483'228'800'000},
      {"1970-01-01T00:00:00Z", 0},
      {"2026-11-25T18:00:00", std::nullopt},
      {"2026-02-29T00:00:00Z", std::nullopt},
      {"2026-11-25T18:00Z", std::nullopt},
      {"2026-11-25T18:00:00.Z", std::nullopt},
      {"2026-11-25T18:00:00+24:00", std::nullopt},
      {"26-11-25T18:00:00Z", std::nullopt},
      {"2026-11-25T18:00:00Zjunk", std::nullopt},
      {"", std::nullopt},
  };
  for (const TimeCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseRfc3339Ms(c.text), c.ms);
  }
}

}  // namespace
}  // namespace vigil::probes::quota
