// Lifecycle headers: Deprecation (RFC 9745 and the older draft forms), Sunset (RFC 8594) and
// Link (RFC 8288) with valid, past, future and malformed values, and the finding they make.
#include "probes/lifecycle/lifecycle_headers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::probes::lifecycle {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr int64_t kSecond = 1000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNow = 1'795'608'000'000;          // 2026-11-25T12:00:00Z
constexpr int64_t kDeprecated = 1'688'169'599'000;   // 2023-06-30T23:59:59Z
constexpr int64_t kSunset = 1'798'761'599'000;       // 2026-12-31T23:59:59Z
constexpr int64_t kNewYear2027 = 1'798'761'600'000;  // 2027-01-01T00:00:00Z

core::WallTime At(int64_t ms) { return core::FromUnixMillis(ms); }

struct DateCase {
  std::string value;
  bool ok;  // well-formed
  std::optional<int64_t> at_ms;
  std::string warning;  // when malformed
};

TEST(LifecycleHeadersTest, DeprecationValues) {
  const std::string why = "neither @epoch-seconds, true nor an HTTP-date";
  const std::vector<DateCase> cases = {
      {"@1688169599", true, kDeprecated, ""},
      {"  @1688169599  ", true, kDeprecated, ""},
      {"@1688169599;note=\"x\"", true, kDeprecated, ""},  // parameters are ignored
      {"@1830297600", true, 1'830'297'600'000, ""},       // future: 2028-01-01
      {"@0", true, 0, ""},
      {"true", true, std::nullopt, ""},
      {"TRUE", true, std::nullopt, ""},
      {"Fri, 30 Jun 2023 23:59:59 GMT", true, kDeprecated, ""},
      {"Friday, 30-Jun-23 23:59:59 GMT", true, kDeprecated, ""},
      {"Fri Jun 30 23:59:59 2023", true, kDeprecated, ""},
      {"2023-06-30T23:59:59Z", true, kDeprecated, ""},
      {"", false, std::nullopt, "deprecation: ignored \"\" (" + why + ")"},
      {"yes", false, std::nullopt, "deprecation: ignored \"yes\" (" + why + ")"},
      {"false", false, std::nullopt, "deprecation: ignored \"false\" (" + why + ")"},
      {"1688169599", false, std::nullopt, "deprecation: ignored \"1688169599\" (" + why + ")"},
      {"@", false, std::nullopt, "deprecation: ignored \"@\" (not @epoch-seconds)"},
      {"@abc", false, std::nullopt, "deprecation: ignored \"@abc\" (not @epoch-seconds)"},
      {"@1688169599.5", false, std::nullopt,
       "deprecation: ignored \"@1688169599.5\" (not @epoch-seconds)"},
      {"@+5", false, std::nullopt, "deprecation: ignored \"@+5\" (not @epoch-seconds)"},
      {"@--5", false, std::nullopt, "deprecation: ignored \"@--5\" (not @epoch-seconds)"},
      {"@ 5", false, std::nullopt, "deprecation: ignored \"@ 5\" (not @epoch-seconds)"},
      {"@1234567890123456", false, std::nullopt,
       "deprecation: ignored \"@1234567890123456\" (not @epoch-seconds)"},
      {"@-1", false, std::nullopt, "deprecation: ignored \"@-1\" (outside 1970-9999)"},
      {"@999999999999999", false, std::nullopt,
       "deprecation: ignored \"@999999999999999\" (outside 1970-9999)"},
      {"@1688169599, @1688169600", false, std::nullopt,
       "deprecation: ignored \"@1688169599, @1688169600\" (not @epoch-seconds)"},
      {"Fri, 31 Feb 2023 00:00:00 GMT", false, std::nullopt,
       "deprecation: ignored \"Fri, 31 Feb 2023 00:00:00 GMT\" (" + why + ")"},
  };
  for (const DateCase& c : cases) {
    SCOPED_TRACE(c.value);
    const Lifecycle l = ParseLifecycle({{"Deprecation", c.value}});
    EXPECT_EQ(l.deprecated, c.ok);
    EXPECT_EQ(l.deprecated_at_ms, c.at_ms);
    if (c.ok) {
      EXPECT_THAT(l.warnings, IsEmpty());
    } else {
      EXPECT_THAT(l.warnings, ElementsAre(c.warning));
    }
  }
}

TEST(LifecycleHeadersTest, SunsetValues) {
  const std::vector<DateCase> cases = {
      {"Thu, 31 Dec 2026 23:59:59 GMT", true, kSunset, ""},
      {"Thursday, 31-Dec-26 23:59:59 GMT", true, kSunset, ""},
      {"Thu Dec 31 23:59:59 2026", true, kSunset, ""},
      {"thu, 31 dec 2026 23:59:59 UTC", true, kSunset, ""},
      {"2026-12-31T23:59:59Z", true, kSunset, ""},
      {"Wed, 01 Jan 2025 00:00:00 GMT", true, 1'735'689'600'000, ""},  // past
      {"soon", false, std::nullopt, "sunset: ignored \"soon\" (not an HTTP-date)"},
      {"", false, std::nullopt, "sunset: ignored \"\" (not an HTTP-date)"},
      {"2026-12-31", false, std::nullopt, "sunset: ignored \"2026-12-31\" (not an HTTP-date)"},
      {"@1798761599", false, std::nullopt, "sunset: ignored \"@1798761599\" (not an HTTP-date)"},
      {"Thu, 32 Dec 2026 23:59:59 GMT", false, std::nullopt,
       "sunset: ignored \"Thu, 32 Dec 2026 23:59:59 GMT\" (not an HTTP-date)"},
      {"Thu, 31 Dec 2026 25:00:00 GMT", false, std::nullopt,
       "sunset: ignored \"Thu, 31 Dec 2026 25:00:00 GMT\" (not an HTTP-date)"},
      {std::string(500, 'x'), false, std::nullopt,
       "sunset: ignored \"" + std::string(64, 'x') + "...\" (not an HTTP-date)"},
      {"Thu, 31 Dec 2026\n23:59:59 GMT", false, std::nullopt,
       "sunset: ignored \"Thu, 31 Dec 2026 23:59:59 GMT\" (not an HTTP-date)"},
  };
  for (const DateCase& c : cases) {
    SCOPED_TRACE(c.value);
    const Lifecycle l = ParseLifecycle({{"Sunset", c.value}});
    EXPECT_EQ(l.sunset_at_ms, c.at_ms);
    EXPECT_FALSE(l.deprecated);
    if (c.ok) {
      EXPECT_THAT(l.warnings, IsEmpty());
    } else {
      EXPECT_THAT(l.warnings, ElementsAre(c.warning));
    }
  }
}

TEST(LifecycleHeadersTest, RepeatedHeadersUseTheFirstWellFormedValue) {
  const Lifecycle l = ParseLifecycle({{"deprecation", "maybe"},
                                      {"DEPRECATION", "@1688169599"},
                                      {"Deprecation", "Fri, 30 Jun 2023 23:59:59 GMT"},  // same
                                      {"Deprecation", "true"},
                                      {"SUNSET", "Thu, 31 Dec 2026 23:59:59 GMT"},
                                      {"sunset", "Fri, 01 Jan 2027 00:00:00 GMT"}});
  EXPECT_TRUE(l.deprecated);
  EXPECT_EQ(l.deprecated_at_ms, kDeprecated);
  EXPECT_EQ(l.sunset_at_ms, kSunset);
  EXPECT_THAT(l.warnings,
              ElementsAre("deprecation: ignored \"maybe\" (neither @epoch-seconds, true nor an "
                          "HTTP-date)",
                          "deprecation: ignored \"true\" (repeated; the first value counts)",
                          "sunset: ignored \"Fri, 01 Jan 2027 00:00:00 GMT\" (repeated; the "
                          "first value counts)"));
}

TEST(LifecycleHeadersTest, NoHeadersNoLifecycle) {
  const Lifecycle l = ParseLifecycle({{"Content-Type", "application/json"}, {"X-Sunset", "x"}});
  EXPECT_FALSE(l.deprecated);
  EXPECT_FALSE(l.deprecated_at_ms);
  EXPECT_FALSE(l.sunset_at_ms);
  EXPECT_EQ(l.deprecation_link, "");
  EXPECT_EQ(l.sunset_link, "");
  EXPECT_THAT(l.warnings, IsEmpty());
}

// ---- Link

std::vector<std::string> Shown(const std::vector<Link>& links) {
  std::vector<std::string> out;
  for (const Link& l : links) {
    std::string s = l.uri + " [";
    for (std::size_t i = 0; i < l.rels.size(); ++i) s += (i ? " " : "") + l.rels[i];
    out.push_back(s + "]");
  }
  return out;
}

struct LinkCase {
  std::string value;
  std::vector<std::string> links;  // "uri [rel rel]"
  std::vector<std::string> warnings;
};

TEST(LifecycleHeadersTest, LinkHeaderValues) {
  const std::vector<LinkCase> cases = {
      {R"(<https://d.example/dep>; rel="deprecation")",
       {"https://d.example/dep [deprecation]"},
       {}},
      {R"(<https://d.example/dep>;rel=deprecation;type="text/html")",
       {"https://d.example/dep [deprecation]"},
       {}},
      {R"(<https://a.example/1>; rel="deprecation", <https://a.example/2>; rel="sunset")",
       {"https://a.example/1 [deprecation]", "https://a.example/2 [sunset]"},
       {}},
      {R"(<https://a.example/x?a=1,2;b=3>; rel="sunset")",
       {"https://a.example/x?a=1,2;b=3 [sunset]"},
       {}},
      {R"(<https://a.example/p>; rel="sunset  Deprecation")",
       {"https://a.example/p [sunset deprecation]"},
       {}},
      {R"(<u>; rel=next; rel=deprecation)", {"u [next]"}, {}},
      {R"(<u1>; title="a, \"b\"; <c>"; rel=deprecation, <u2>; rel=sunset)",
       {"u1 [deprecation]", "u2 [sunset]"},
       {}},
      {"  <u> \t ;  rel = \"deprecation\"  ,  ", {"u [deprecation]"}, {}},
      {"<u>;; crossorigin; rel=x;", {"u [x]"}, {}},
      {"<u>; title*=UTF-8'de'n%c3%a4chstes; rel=x", {"u [x]"}, {}},
      {"<u>", {"u []"}, {}},
      {"<>; rel=deprecation", {" [deprecation]"}, {}},
      {"", {}, {}},
      {" ,, ", {}, {}},
      {"https://no-brackets; rel=deprecation, <u2>; rel=sunset",
       {"u2 [sunset]"},
       {"link: ignored \"https://no-brackets; rel=deprecation\" (expected <URI>)"}},
      {"<https://x; rel=deprecation",
       {},
       {"link: ignored \"<https://x; rel=deprecation\" (unterminated <URI>)"}},
      {R"(<u>; rel="deprecation, <u2>; rel=sunset)",
       {},
       {R"(link: ignored "<u>; rel="deprecation, <u2>; rel=sunset" (unterminated quoted string))"}},
      {R"(<u> x; rel=y, <u2>; rel=z)",
       {"u2 [z]"},
       {"link: ignored \"<u> x; rel=y\" (expected ';' or ',')"}},
      {R"(<u>; =x, <u2>; rel="a,b" junk, <u3>)",
       {"u3 []"},
       {"link: ignored \"<u>; =x\" (bad parameter name)",
        R"(link: ignored "<u2>; rel="a,b" junk" (expected ';' or ','))"}},
      {"<u>; rel=, <u2>", {"u2 []"}, {"link: ignored \"<u>; rel=\" (bad parameter value)"}},
      {"<u>; rel=a\"b\"", {}, {"link: ignored \"<u>; rel=a\"b\"\" (expected ';' or ',')"}},
  };
  for (const LinkCase& c : cases) {
    SCOPED_TRACE(c.value);
    std::vector<std::string> warnings;
    EXPECT_THAT(Shown(ParseLinkHeader(c.value, warnings)), ElementsAreArray(c.links));
    EXPECT_THAT(warnings, ElementsAreArray(c.warnings));
  }
}

TEST(LifecycleHeadersTest, LinkHeaderIsBounded) {
  std::string value;
  for (int i = 0; i < 100; ++i) value += "<https://a.example/" + std::to_string(i) + ">; rel=x, ";
  std::vector<std::string> warnings;
  EXPECT_EQ(ParseLinkHeader(value, warnings).size(), 64u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], ::testing::EndsWith("(more than 64 links)"));
}

TEST(LifecycleHeadersTest, LifecycleTakesTheFirstUsableLinkOfEachRelation) {
  const Lifecycle l = ParseLifecycle({
      {"link", R"(<https://a.example/next>; rel="next", <>; rel="deprecation")"},
      {"LINK", R"(<https://a.example/has space>; rel=deprecation)"},
      {"Link", R"(<https://a.example/policy>; rel="sunset deprecation")"},
      {"Link", R"(<https://a.example/later>; rel="deprecation")"},
      {"Link", "<" + std::string(3000, 'u') + ">; rel=sunset"},
  });
  EXPECT_EQ(l.deprecation_link, "https://a.example/policy");
  EXPECT_EQ(l.sunset_link, "https://a.example/policy");
  EXPECT_THAT(l.warnings,
              ElementsAre("link: ignored \"\" (not a usable URI for rel deprecation)",
                          "link: ignored \"https://a.example/has space\" (not a usable URI for "
                          "rel deprecation)"));
  EXPECT_FALSE(l.deprecated);  // a Link alone is no deprecation
}

TEST(LifecycleHeadersTest, UnusableSunsetLinkIsNamed) {
  const Lifecycle l = ParseLifecycle({{"Link", "<" + std::string(3000, 'u') + ">; rel=sunset"}});
  EXPECT_EQ(l.sunset_link, "");
  EXPECT_THAT(l.warnings, ElementsAre("link: ignored \"" + std::string(64, 'u') +
                                      "...\" (not a usable URI for rel sunset)"));
}

// ---- The finding

struct FindingCase {
  std::string name;
  Lifecycle lifecycle;
  core::Millis critical_within;
  std::optional<Severity> severity;  // nullopt: no finding
  std::string message;
};

Lifecycle Make(bool deprecated, std::optional<int64_t> deprecated_at,
               std::optional<int64_t> sunset_at, std::string deprecation_link = "",
               std::string sunset_link = "") {
  Lifecycle l;
  l.deprecated = deprecated;
  l.deprecated_at_ms = deprecated_at;
  l.sunset_at_ms = sunset_at;
  l.deprecation_link = std::move(deprecation_link);
  l.sunset_link = std::move(sunset_link);
  return l;
}

TEST(LifecycleHeadersTest, Findings) {
  using std::chrono::hours;
  const core::Millis k14d = hours(24 * 14);
  const std::string doc = "https://developer.example.com/deprecation";
  const std::vector<FindingCase> cases = {
      {"nothing", Make(false, std::nullopt, std::nullopt), k14d, std::nullopt, ""},
      {"links alone", Make(false, std::nullopt, std::nullopt, doc, doc), k14d, std::nullopt, ""},
      {"the example of the brief", Make(true, kDeprecated, kSunset, doc), k14d, Severity::kWarn,
       "deprecated since 2023-06-30; sunset 2026-12-31 (in 36 days); see " + doc},
      {"sunset within critical_within", Make(true, kDeprecated, kSunset, doc), hours(24 * 40),
       Severity::kCritical,
       "deprecated since 2023-06-30; sunset 2026-12-31 (in 36 days); see " + doc},
      {"date unknown", Make(true, std::nullopt, std::nullopt), k14d, Severity::kWarn, "deprecated"},
      {"deprecation in the future", Make(true, kNewYear2027, std::nullopt), k14d, Severity::kWarn,
       "deprecated from 2027-01-01 (in 36 days)"},
      {"deprecated right now", Make(true, kNow, std::nullopt), k14d, Severity::kWarn,
       "deprecated since 2026-11-25"},
      {"date without the flag", Make(false, kDeprecated, std::nullopt), k14d, Severity::kWarn,
       "deprecated since 2023-06-30"},
      {"sunset alone, far", Make(false, std::nullopt, kSunset), k14d, Severity::kWarn,
       "sunset 2026-12-31 (in 36 days)"},
      {"sunset past", Make(true, kDeprecated, 1'767'225'600'000), k14d, Severity::kCritical,
       "deprecated since 2023-06-30; sunset 2026-01-01 (328 days ago)"},
      {"sunset within a day", Make(false, std::nullopt, kNow + 5 * kHour), k14d,
       Severity::kCritical, "sunset 2026-11-25 (within a day)"},
      {"sunset now", Make(false, std::nullopt, kNow), core::Millis(0), Severity::kCritical,
       "sunset 2026-11-25 (within a day)"},
      {"sunset in one day", Make(false, std::nullopt, kNow + kDay), k14d, Severity::kCritical,
       "sunset 2026-11-26 (in 1 day)"},
      {"sunset just passed", Make(false, std::nullopt, kNow - 12 * kHour), k14d,
       Severity::kCritical, "sunset 2026-11-25 (less than a day ago)"},
      {"sunset one day ago", Make(false, std::nullopt, kNow - kDay), core::Millis(0),
       Severity::kCritical, "sunset 2026-11-24 (1 day ago)"},
      {"sunset just outside critical_within", Make(false, std::nullopt, kNow + 14 * kDay + 1), k14d,
       Severity::kWarn, "sunset 2026-12-09 (in 14 days)"},
      {"sunset exactly at critical_within", Make(false, std::nullopt, kNow + 14 * kDay), k14d,
       Severity::kCritical, "sunset 2026-12-09 (in 14 days)"},
      {"two links", Make(true, std::nullopt, kSunset, doc, "https://d.example/sunset"), k14d,
       Severity::kWarn,
       "deprecated; sunset 2026-12-31 (in 36 days); see " + doc + " and https://d.example/sunset"},
      {"sunset link only", Make(false, std::nullopt, kSunset, "", "https://d.example/s"), k14d,
       Severity::kWarn, "sunset 2026-12-31 (in 36 days); see https://d.example/s"},
      {"long link cut", Make(true, std::nullopt, std::nullopt, std::string(300, 'u')), k14d,
       Severity::kWarn, "deprecated; see " + std::string(200, 'u') + "..."},
  };
  for (const FindingCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::optional<Finding> f = LifecycleFinding(c.lifecycle, At(kNow), c.critical_within);
    ASSERT_EQ(f.has_value(), c.severity.has_value());
    if (!f) continue;
    EXPECT_EQ(f->kind, FindingKind::kDeprecation);
    EXPECT_EQ(f->severity, *c.severity);
    EXPECT_EQ(f->message, c.message);
  }
}

TEST(LifecycleHeadersTest, HeadersToFinding) {
  const Lifecycle l = ParseLifecycle({
      {"Deprecation", "@1688169599"},
      {"Sunset", "Thu, 31 Dec 2026 23:59:59 GMT"},
      {"Link",
       R"(<https://developer.example.com/deprecation>; rel="deprecation"; type="text/html")"},
  });
  EXPECT_THAT(l.warnings, IsEmpty());
  const std::optional<Finding> f = LifecycleFinding(l, At(kNow), std::chrono::hours(24 * 30));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->severity, Severity::kWarn);
  EXPECT_EQ(f->message,
            "deprecated since 2023-06-30; sunset 2026-12-31 (in 36 days); see "
            "https://developer.example.com/deprecation");
}

}  // namespace
}  // namespace vigil::probes::lifecycle
