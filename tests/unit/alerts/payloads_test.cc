// Alert payloads: golden files for the webhook, Slack and Alertmanager bodies of four events
// (down, up, impacted, hostile), Block Kit limits on hostile and random input, and the text
// rules (UTF-8 repair, Slack truncation and escaping) behind them.
// Goldens are stored pretty-printed; the test compares the pretty form of the compact body.
// To regenerate after an intended change: VIGIL_UPDATE_GOLDEN=1, then review every diff.
#include "alerts/payloads.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>

#include "alerts/block_kit_limits.h"
#include "alerts/payload_text.h"

namespace vigil::alerts {
namespace {

using probes::FindingKind;
using S = HealthState;

core::WallTime Utc(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

AlertEvent Down() {
  AlertEvent e;
  e.id = "01KMZ8X6G0Q7RVT3D2N5BW9HJA";
  e.type = EventType::kDown;
  e.timestamp = Utc("2026-11-24T10:00:00") + std::chrono::milliseconds(250);
  e.provider = "stripe";
  e.state = S::kDown;
  e.previous_state = S::kUp;
  e.since = Utc("2026-11-24T09:59:30") + std::chrono::milliseconds(999);
  e.reasons = {{"balance", FindingKind::kTimeout, "no response within 5s"},
               {"charges", FindingKind::kAuth, "401 Unauthorized: invalid API key"},
               {"balance", FindingKind::kSchema, "/available: expected array, got null"}};
  e.fallback = {"adyen", "braintree"};
  e.recommended = "adyen";
  e.instance = "eu-1";
  e.status_url = "http://127.0.0.1:9470/providers/stripe";
  e.title = "Stripe";
  return e;
}

AlertEvent Up() {
  AlertEvent e = Down();
  e.id = "01KMZ9C1M0ZP4E8W6Y2H3QK7TB";
  e.type = EventType::kUp;
  e.timestamp = Utc("2026-11-24T10:20:00");
  e.state = S::kUp;
  e.previous_state = S::kDown;
  e.since = Utc("2026-11-24T10:19:45");
  e.reasons = {};
  e.recommended = "stripe";
  return e;
}

AlertEvent Impacted() {
  AlertEvent e = Down();
  e.id = "01KMZA0AA0H2YV5N8C4R7XJ3DE";
  e.type = EventType::kDegraded;
  e.state = S::kDegraded;
  e.reasons = {{"balance", FindingKind::kLatency, "p95 2.4s above warn 800ms"}};
  e.recommended = "stripe";
  e.impacted_by = "okta";
  return e;
}

// Markup, mentions, entities, control bytes, invalid UTF-8, RTL and ZWJ sequences, and sizes
// far past every Block Kit limit.
AlertEvent Hostile() {
  AlertEvent e = Down();
  e.id = "01KMZB7T90W3EZ6QJ8M1X5RC4N";
  e.provider = "evil<prov>&co";
  e.title = "<!channel> *Pwn* & <https://evil.example|click>\n" + std::string(300, 'T');
  e.instance = "eu-1\n<!here>";
  e.fallback = {"<b>x</b>", "a&b"};
  e.recommended = "a&b";
  e.impacted_by = "okta & <@U123>";
  e.status_url = "javascript:alert(1)";
  const std::string emoji = "\xF0\x9F\x98\x80";                               // 😀
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9";  // 👨‍👩
  e.reasons = {
      {"<!channel>", FindingKind::kStatus, "&lt; <@U123> *bold* ```code``` \n next\tline"},
      {"utf8", FindingKind::kSchema, "bad \xFF\xFE bytes, cut \xE2\x82, overlong \xC0\xAF"},
      {"rtl", FindingKind::kAssertion, "\xE2\x80\xAEtxet desrever " + family},
  };
  std::string huge;
  for (int i = 0; i < 400; ++i) huge += "\xC3\xA9" + emoji + "&<";
  e.reasons.push_back({"huge1", FindingKind::kNetwork, huge});
  e.reasons.push_back({std::string(150, 'c'), FindingKind::kTls, huge});
  for (int i = 0; i < 60; ++i) {
    e.reasons.push_back({"check" + std::to_string(i), FindingKind::kNetwork,
                         "connection reset by peer (attempt " + std::to_string(i) + ")"});
  }
  return e;
}

std::string Pretty(const std::string& json) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(parser.parse(json), out, 2);
  return out.str() + "\n";
}

void ExpectGolden(const std::string& name, const std::string& body) {
  SCOPED_TRACE(name);
  ASSERT_EQ(ValidUtf8(body), body);
  ASSERT_EQ(body.find('\n'), std::string::npos) << "bodies are compact";
  const std::string path = std::string(VIGIL_SOURCE_DIR) + "/tests/testdata/alerts/" + name;
  const std::string pretty = Pretty(body);
  if (std::getenv("VIGIL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << pretty;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden " << path;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(pretty, golden.str());
}

TEST(Payloads, GoldenFiles) {
  const std::pair<const char*, AlertEvent> events[] = {
      {"down", Down()}, {"up", Up()}, {"impacted", Impacted()}, {"hostile", Hostile()}};
  const std::string generator = "http://127.0.0.1:9470/";
  for (const auto& [name, event] : events) {
    ExpectGolden(std::string(name) + ".webhook.json", WebhookBody(event));
    ExpectGolden(std::string(name) + ".slack.json", SlackBody(event));
    EXPECT_EQ(CheckBlockKitLimits(SlackBody(event)), std::vector<std::string>{}) << name;
    ExpectGolden(std::string(name) + ".alertmanager.json",
                 AlertmanagerBody(event, std::nullopt, generator));
  }
}

TEST(WebhookBody, ExactWireFormatAndKeyOrder) {
  AlertEvent e = Down();
  e.reasons.resize(1);
  e.fallback.resize(1);
  EXPECT_EQ(WebhookBody(e),
            R"({"type":"provider.down","id":"01KMZ8X6G0Q7RVT3D2N5BW9HJA",)"
            R"("timestamp":"2026-11-24T10:00:00Z","provider":"stripe","state":"down",)"
            R"("previous_state":"up","since":"2026-11-24T09:59:30Z",)"
            R"("reasons":[{"check":"balance","kind":"timeout","message":"no response within 5s"}],)"
            R"("fallback":["adyen"],"recommended":"adyen","instance":"eu-1",)"
            R"("status_url":"http://127.0.0.1:9470/providers/stripe"})");
  e.impacted_by = "okta";
  const std::string with = WebhookBody(e);
  EXPECT_TRUE(with.ends_with(
      R"(,"status_url":"http://127.0.0.1:9470/providers/stripe","impacted_by":"okta"})"));
  e.since = core::WallTime{};
  EXPECT_NE(WebhookBody(e).find(R"("since":null)"), std::string::npos);
}

// Every mrkdwn text in a Slack message, from any block.
void CollectMrkdwn(const Poco::Dynamic::Var& v, std::vector<std::string>& out) {
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto o = v.extract<Poco::JSON::Object::Ptr>();
    if (o->optValue<std::string>("type", "") == "mrkdwn")
      out.push_back(o->getValue<std::string>("text"));
    for (const auto& [key, child] : *o) CollectMrkdwn(child, out);
  } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    for (const auto& child : *v.extract<Poco::JSON::Array::Ptr>()) CollectMrkdwn(child, out);
  }
}

TEST(SlackBody, HostileTextIsEscapedAndWithinLimits) {
  const AlertEvent hostile = Hostile();
  const std::string body = SlackBody(hostile);
  EXPECT_EQ(CheckBlockKitLimits(body), std::vector<std::string>{});
  EXPECT_EQ(body.find("\"actions\""), std::string::npos) << "javascript: URL must not be linked";
  // The reasons that do not fit are counted, not dropped silently.
  const auto more = body.find(
      "\xE2\x80\xA6"
      "and ");
  ASSERT_NE(more, std::string::npos);
  std::size_t shown = 0;
  for (auto p = body.find("\\n\xE2\x80\xA2 "); p != std::string::npos;
       p = body.find("\\n\xE2\x80\xA2 ", p + 1))
    ++shown;
  EXPECT_EQ(std::stoul(body.substr(more + 6)) + shown, hostile.reasons.size());
  std::vector<std::string> texts;
  CollectMrkdwn(Poco::JSON::Parser().parse(body), texts);
  texts.push_back(
      Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>(
          "text"));
  for (std::string t : texts) {
    const auto date = t.find("<!date^");  // our own Slack date token is the only markup
    if (date != std::string::npos) t.erase(date, t.find('>', date) - date + 1);
    EXPECT_EQ(t.find_first_of("<>"), std::string::npos) << t;
    for (auto amp = t.find('&'); amp != std::string::npos; amp = t.find('&', amp + 1)) {
      const std::string_view rest = std::string_view(t).substr(amp);
      EXPECT_TRUE(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;"))
          << t;
    }
  }
}

TEST(SlackBody, StatusButtonOnlyForUsableUrls) {
  AlertEvent e = Down();
  EXPECT_NE(SlackBody(e).find(R"("url":"http://127.0.0.1:9470/providers/stripe")"),
            std::string::npos);
  e.status_url = "https://status.example/" + std::string(3000, 'a');
  EXPECT_EQ(SlackBody(e).find("\"actions\""), std::string::npos);
  e.status_url = "";
  EXPECT_EQ(SlackBody(e).find("\"actions\""), std::string::npos);
  EXPECT_EQ(CheckBlockKitLimits(SlackBody(e)), std::vector<std::string>{});
}

TEST(SlackBody, RandomBytesNeverBreakTheLimits) {
  std::mt19937 rng(20261124);
  auto random_text = [&](std::size_t max) {
    std::string s(rng() % max, '\0');
    for (char& c : s)
      c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : "a<&>*\xC3\xA9"[rng() % 7]);
    return s;
  };
  for (int i = 0; i < 60; ++i) {
    AlertEvent e = Down();
    e.title = random_text(400);
    e.provider = random_text(300);
    e.instance = random_text(300);
    e.recommended = random_text(3000);
    e.impacted_by = random_text(3000);
    e.fallback = {random_text(2500), random_text(2500)};
    e.reasons.assign(rng() % 40, {random_text(300), FindingKind::kStatus, random_text(5000), 503, random_text(600)});
    if (i % 2 == 0) {  // distinct checks: one excerpt block each, at most three
      for (std::size_t k = 0; k < e.reasons.size(); ++k) e.reasons[k].check += std::to_string(k);
    }
    const std::string slack = SlackBody(e);
    ASSERT_EQ(CheckBlockKitLimits(slack), std::vector<std::string>{}) << "iteration " << i;
    ASSERT_NO_THROW(Poco::JSON::Parser().parse(WebhookBody(e)));
    ASSERT_NO_THROW(Poco::JSON::Parser().parse(AlertmanagerBody(e, std::nullopt, "")));
  }
}

TEST(Payloads, EachFailureSaysWhatCameBackOncePerCheck) {
  AlertEvent e = Down();
  e.reasons = {{"balance", FindingKind::kStatus, "expected 2xx, got 503", 503, "{\"error\":\"maintenance `now`\"}\nline 2"},
               {"balance", FindingKind::kLatency, "took 3s", 503, "{\"error\":\"maintenance `now`\"}\nline 2"},
               {"charges", FindingKind::kTimeout, "no answer within 10s"}};
  // Webhook: every reason with its status and excerpt; none where there was no answer.
  const Poco::JSON::Array::Ptr reasons =
      Poco::JSON::Parser().parse(WebhookBody(e)).extract<Poco::JSON::Object::Ptr>()->getArray("reasons");
  ASSERT_EQ(reasons->size(), 3u);
  EXPECT_EQ(reasons->getObject(0)->getValue<int>("status_code"), 503);
  EXPECT_EQ(reasons->getObject(0)->getValue<std::string>("excerpt"), "{\"error\":\"maintenance `now`\"}\nline 2");
  EXPECT_FALSE(reasons->getObject(2)->has("status_code"));
  EXPECT_FALSE(reasons->getObject(2)->has("excerpt"));
  // ...and it survives the outbox, which stores the webhook body.
  const std::optional<AlertEvent> back = ParseWebhookBody(WebhookBody(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->reasons[1].status_code, 503);
  EXPECT_EQ(back->reasons[1].excerpt, e.reasons[1].excerpt);
  // Slack: one code block for balance (not two), backticks defused, none for charges.
  const std::string slack = SlackBody(e);
  EXPECT_EQ(CheckBlockKitLimits(slack), std::vector<std::string>{});
  std::size_t blocks = 0;
  for (std::size_t at = 0; (at = slack.find("answered HTTP 503:", at)) != std::string::npos; ++at) ++blocks;
  EXPECT_EQ(blocks, 1u) << slack;
  EXPECT_NE(slack.find("```{\\\"error\\\":\\\"maintenance 'now'\\\"}\\nline 2```"), std::string::npos) << slack;
  // Alertmanager: the status on each line, the excerpt once, on one line.
  const std::string am = AlertmanagerBody(e, std::nullopt, "");
  EXPECT_NE(am.find("balance: status: expected 2xx, got 503 (HTTP 503)"), std::string::npos) << am;
  EXPECT_NE(am.find("balance answered: {\\\"error\\\":\\\"maintenance `now`\\\"} line 2"), std::string::npos) << am;
  EXPECT_NE(am.find("charges: timeout: no answer within 10s"), std::string::npos) << am;
}

TEST(BlockKitLimits, ReportsEveryViolation) {
  const std::string long_text(3001, 'x');
  const std::string message =
      R"({"blocks":[{"type":"header","text":{"type":"mrkdwn","text":")" + std::string(151, 'h') +
      R"("}},{"type":"section","fields":[)" +
      [] {
        std::string f;
        for (int i = 0; i < 11; ++i)
          f += std::string(i ? "," : "") + R"({"type":"mrkdwn","text":"f"})";
        return f;
      }() +
      R"(]},{"type":"section","text":{"type":"mrkdwn","text":")" + long_text +
      R"("}},{"type":"section"},{"type":"actions","elements":[{"type":"button","text":)"
      R"({"type":"plain_text","text":")" +
      std::string(76, 'b') + R"("},"url":")" + std::string(3001, 'u') +
      R"("}]},{"type":"context","elements":[{"type":"mrkdwn","text":""}]},)"
      R"({"type":"video"}]})";
  EXPECT_EQ(CheckBlockKitLimits(message),
            (std::vector<std::string>{
                "text: missing (Slack needs it for notifications)",
                "blocks[0].text.type: \"mrkdwn\" is not plain_text",
                "blocks[0].text.text: 151 characters, limit 150",
                "blocks[1].fields: 11 items, limit 10",
                "blocks[2].text.text: 3001 characters, limit 3000",
                "blocks[3]: a section needs text or fields",
                "blocks[4].elements[0].text.text: 76 characters, limit 75",
                "blocks[4].elements[0].url: 3001 characters, limit 3000",
                "blocks[5].elements[0].text: empty (Slack needs at least 1 character)",
                "blocks[6].type: unknown or unchecked block type \"video\"",
            }));
  std::string many = R"({"text":"t","blocks":[)";
  for (int i = 0; i < 51; ++i) many += std::string(i ? "," : "") + R"({"type":"divider"})";
  EXPECT_EQ(CheckBlockKitLimits(many + "]}"),
            std::vector<std::string>{"blocks: 51 blocks, limit 50"});
  EXPECT_EQ(CheckBlockKitLimits("{\"text\":\"\xFF\"}"),
            std::vector<std::string>{"message: not valid UTF-8"});
  // Emoji count as two UTF-16 units: 76 of them break the 150 header limit.
  std::string emoji_header =
      R"({"text":"t","blocks":[{"type":"header","text":{"type":"plain_text","text":")";
  for (int i = 0; i < 76; ++i) emoji_header += "\xF0\x9F\x98\x80";
  EXPECT_EQ(CheckBlockKitLimits(emoji_header + "\"}}]}"),
            std::vector<std::string>{"blocks[0].text.text: 152 characters, limit 150"});
}

TEST(PayloadText, Utf8RepairTruncationAndEscaping) {
  const std::pair<std::string, std::string> repairs[] = {
      {"ok \xC3\xA9 \xF0\x9F\x98\x80", "ok \xC3\xA9 \xF0\x9F\x98\x80"},
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                  // overlong '/'
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // > U+10FFFF
      {"cut \xE2\x82", "cut \xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const auto& [in, out] : repairs) {
    SCOPED_TRACE(in);
    EXPECT_EQ(ValidUtf8(in), out);
  }
  const std::string emoji = "\xF0\x9F\x98\x80";
  EXPECT_EQ(TruncateForSlack("abcdef", 6), "abcdef");
  EXPECT_EQ(TruncateForSlack("abcdef", 4), "abc\xE2\x80\xA6");
  EXPECT_EQ(TruncateForSlack("a" + emoji + emoji, 4), "a" + emoji + "\xE2\x80\xA6");
  EXPECT_EQ(TruncateForSlack("a" + emoji + emoji, 3), "a\xE2\x80\xA6") << "never half an emoji";
  EXPECT_EQ(EscapeMrkdwn("a&b<c>"), "a&amp;b&lt;c&gt;");
  EXPECT_EQ(TruncateEscaped(EscapeMrkdwn("ab&cd"), 5), "ab\xE2\x80\xA6") << "no half entity";
  EXPECT_EQ(TruncateEscaped(EscapeMrkdwn("ab&cd"), 8), "ab&amp;\xE2\x80\xA6");
  EXPECT_EQ(TruncateEscaped(EscapeMrkdwn("ab&cd"), 9), "ab&amp;cd");
  EXPECT_EQ(FormatRfc3339Seconds(core::FromUnixMillis(-1)), "1969-12-31T23:59:59Z");
}

TEST(AlertmanagerBody, ResolvesThePreviousAlertAndClampsEndsAt) {
  auto alerts = [](const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Array::Ptr>();
  };
  auto field = [](const Poco::JSON::Array::Ptr& a, unsigned i, const std::string& path) {
    Poco::JSON::Object::Ptr o = a->getObject(i);
    const auto dot = path.find('.');
    if (dot != std::string::npos) o = o->getObject(path.substr(0, dot));
    return o->optValue<std::string>(path.substr(dot + 1), "<absent>");
  };
  AlertEvent e = Down();
  e.previous_state = S::kDegraded;
  auto a = alerts(AlertmanagerBody(e, std::nullopt, ""));
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(field(a, 0, "labels.alertname"), "VigilProviderDown");
  EXPECT_EQ(field(a, 0, "endsAt"), "<absent>");
  EXPECT_EQ(field(a, 0, "generatorURL"), "<absent>");
  EXPECT_EQ(field(a, 1, "labels.alertname"), "VigilProviderDegraded");
  EXPECT_EQ(field(a, 1, "labels.severity"), "warning");
  EXPECT_EQ(field(a, 1, "endsAt"), "2026-11-24T09:59:30Z");
  // A firing alert's endsAt never precedes its startsAt.
  a = alerts(AlertmanagerBody(e, Utc("2020-01-01T00:00:00"), ""));
  EXPECT_EQ(field(a, 0, "endsAt"), "2026-11-24T09:59:30Z");
  a = alerts(AlertmanagerBody(e, Utc("2026-11-24T11:00:00"), ""));
  EXPECT_EQ(field(a, 0, "endsAt"), "2026-11-24T11:00:00Z");

  e = Up();
  e.previous_state = S::kUnknown;
  a = alerts(AlertmanagerBody(e, Utc("2026-11-24T10:20:00"), ""));
  ASSERT_EQ(a->size(), 2u) << "unknown before up: resolve both";
  EXPECT_EQ(field(a, 1, "endsAt"), "2026-11-24T10:20:00Z");

  e = Down();
  e.type = EventType::kTest;
  e.since = core::WallTime{};
  a = alerts(AlertmanagerBody(e, std::nullopt, ""));
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(field(a, 0, "labels.alertname"), "VigilTestAlert");
  EXPECT_EQ(field(a, 0, "startsAt"), "2026-11-24T10:00:00Z")
      << "test events start at their timestamp";
}

}  // namespace
}  // namespace vigil::alerts
