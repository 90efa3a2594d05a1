// End to end: signal quality (SPEC §3). A provider is down only when it does not work: a sunset
// ahead is an attention item on an `up` provider; an expired credential is `auth` and is never
// sent; a maintenance window is a state in the API, the metrics and `vigil status`, opens no
// incident and is not charged to uptime; a dependent's failures say `impacted_by`; and a failure's
// webhook carries what the provider answered, with the secret redacted. Real binary, real local
// servers on loopback.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <memory>

#include "daemon/core/clock.h"
#include "probes/result_json.h"
#include "tests/support/daemon_process.h"
#include "tests/support/test_http_server.h"

namespace vigil {
namespace {

using Poco::JSON::Object;
using Resp = Poco::Net::HTTPServerResponse;
using std::chrono::hours;
using std::chrono::seconds;

constexpr const char* kCanary = "sk_live_signalcanary0123456789";

std::string HttpDate(core::WallTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// Every test: probe each second, one result decides a state.
constexpr const char* kFastProviders =
    "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 1, success_threshold: 1 }\n"
    "providers:\n";

// A provider whose endpoint announces its sunset; `extra` adds keys to it.
std::string LegacyProvider(const testing::TestHttpServer& api, const std::string& extra = "") {
  return "  - name: legacy\n    base_url: " + api.url("/legacy") + "\n" + extra +
         "    checks: [{ name: v1, path: /v1, expect: { deprecation: warn } }]\n";
}

// How many results of `provider` the daemon has committed.
std::size_t Results(const testing::DaemonProcess& d, const std::string& provider) {
  return d.GetJson("/api/v1/providers/" + provider + "/results?limit=1000")->getArray("results")->size();
}

Object::Ptr Provider(const testing::DaemonProcess& d, const std::string& name) {
  return d.GetJson("/api/v1/providers/" + name);
}

double Metric(const testing::DaemonProcess& d, const std::string& series) {
  const std::string body = d.Get("/metrics").body;
  const std::size_t at = body.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(body.substr(at + series.size() + 2));
}

TEST(SignalsE2E, ASunsetAheadLeavesAWorkingProviderUpWithAnAttentionItem) {
  const core::WallTime sunset_at = std::chrono::floor<seconds>(core::SystemClock().Now() + hours(24 * 29));
  const std::string sunset = HttpDate(sunset_at);
  testing::TestHttpServer api([&](const testing::RecordedRequest&, Resp& resp) {
    resp.set("Deprecation", "@1688169599");
    resp.set("Sunset", sunset);
    testing::Reply(resp, 200, R"({"ok":true})");
  });
  testing::TempDir dir;
  const std::string config =
      std::string(kFastProviders) +
      LegacyProvider(api, "    fallback: [spare]\n") +
      "  - name: spare\n    base_url: " + api.url("/spare") + "\n    checks: [{ name: v2, path: /v2 }]\n";
  testing::DaemonProcess d(dir, config);
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("legacy") == "up"; }, seconds(15)));
  ASSERT_TRUE(testing::Eventually([&] { return Provider(d, "legacy")->getArray("attention")->size() == 1; }, seconds(10)));
  const Object::Ptr p = Provider(d, "legacy");
  EXPECT_EQ(p->getValue<std::string>("state"), "up");
  EXPECT_EQ(p->getValue<std::string>("recommended"), "legacy") << "a date ahead does not fail anyone over";
  EXPECT_EQ(p->getArray("reasons")->size(), 0u);
  const Object::Ptr item = p->getArray("attention")->getObject(0);
  EXPECT_EQ(item->getValue<std::string>("kind"), "deprecation");
  EXPECT_EQ(item->getValue<std::string>("urgency"), "critical");  // within the default 30d
  EXPECT_NE(item->getValue<std::string>("message").find("(in 28 days)"), std::string::npos)
      << item->getValue<std::string>("message");
  EXPECT_EQ(item->optValue<std::string>("due", ""), core::FormatRfc3339(sunset_at)) << "the sunset is when it is due";
  EXPECT_EQ(Metric(d, "vigil_provider_state{provider=\"legacy\",state=\"up\"}"), 1);
  // `vigil probe` says the same: a warning-free pass, exit 0.
  const testing::ProcessResult probe =
      testing::RunProcess({testing::VigilBinary(), "probe", "-c", d.config_path(), "legacy"}, seconds(20));
  EXPECT_EQ(probe.exit_code, 0) << probe.out << probe.err;
  EXPECT_NE(probe.out.find("PASS"), std::string::npos) << probe.out;
  const testing::ProcessResult status =
      testing::RunProcess({testing::VigilBinary(), "status", "--url", d.url("")}, seconds(10));
  EXPECT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(status.out.find("1 attention: deprecated since 2023-06-30"), std::string::npos) << status.out;
}

// An attention item is said once: one provider.attention while it lasts (also across a restart),
// one resolve when it is gone, and no page at all.
TEST(SignalsE2E, AnAttentionItemIsDeliveredOnceAndResolvedWhenGone) {
  const core::WallTime sunset_at = std::chrono::floor<seconds>(core::SystemClock().Now() + hours(24 * 29));
  const std::string sunset = HttpDate(sunset_at);
  std::atomic<bool> deprecated{true};
  testing::TestHttpServer api([&](const testing::RecordedRequest&, Resp& resp) {
    if (deprecated) resp.set("Sunset", sunset);
    testing::Reply(resp, 200, R"({"ok":true})");
  });
  testing::TestHttpServer hook([](const testing::RecordedRequest&, Resp& resp) { testing::Reply(resp, 204, ""); });
  const auto events = [&](const std::string& type) {
    std::vector<Object::Ptr> out;
    for (const auto& r : hook.requests()) {
      Object::Ptr e = Poco::JSON::Parser().parse(r.body).extract<Object::Ptr>();
      if (e->getValue<std::string>("type") == type) out.push_back(e);
    }
    return out;
  };
  testing::TempDir dir;
  const std::string config =
      std::string(kFastProviders) +
      LegacyProvider(api) +
      "notifiers:\n  - { name: hook, type: webhook, url: \"" + hook.url("/hook") + "\", on: [down, degraded, attention] }\n";
  auto d = std::make_unique<testing::DaemonProcess>(dir, config);
  ASSERT_TRUE(testing::Eventually([&] { return events("provider.attention").size() == 1; }, seconds(15)));
  const Object::Ptr raised = events("provider.attention")[0];
  EXPECT_EQ(raised->getValue<std::string>("state"), "up");
  const Object::Ptr item = raised->getObject("attention");
  EXPECT_EQ(item->getValue<std::string>("check"), "v1");
  EXPECT_EQ(item->getValue<std::string>("kind"), "deprecation");
  EXPECT_FALSE(item->getValue<bool>("resolved"));
  EXPECT_NE(item->getValue<std::string>("message").find("(in 28 days)"), std::string::npos);
  EXPECT_EQ(item->optValue<std::string>("due", ""), core::FormatRfc3339(sunset_at));
  const std::size_t raised_at = Results(*d, "legacy");  // three more results saying the same:
  ASSERT_TRUE(testing::Eventually([&] { return Results(*d, "legacy") >= raised_at + 3; }, seconds(15)));
  EXPECT_EQ(events("provider.attention").size(), 1u) << "raised again while it lasted";
  d.reset();  // SIGKILL and start again: the daemon remembers what it said
  d = std::make_unique<testing::DaemonProcess>(dir, config);
  const std::size_t before = api.requests().size();
  ASSERT_TRUE(testing::Eventually([&] { return api.requests().size() >= before + 3; }, seconds(15)));
  EXPECT_EQ(events("provider.attention").size(), 1u) << "raised again while it lasted";
  deprecated = false;
  ASSERT_TRUE(testing::Eventually([&] { return events("provider.attention").size() == 2; }, seconds(15)));
  const Object::Ptr resolved = events("provider.attention")[1]->getObject("attention");
  EXPECT_TRUE(resolved->getValue<bool>("resolved"));
  EXPECT_EQ(resolved->getValue<std::string>("kind"), "deprecation");
  EXPECT_TRUE(events("provider.down").empty());
  EXPECT_TRUE(events("provider.degraded").empty());
  EXPECT_EQ(d->ProviderState("legacy"), "up");
}

TEST(SignalsE2E, AnExpiredStaticKeyIsACriticalAuthFindingAndIsNeverSent) {
  testing::TestHttpServer api([](const testing::RecordedRequest&, Resp& resp) { testing::Reply(resp, 200, "{}"); });
  testing::TempDir dir;
  const std::string config =
      std::string(kFastProviders) +
      "  - name: mail\n    base_url: " + api.url("/mail") + "\n"
      "    auth: { type: bearer, token: \"${env:MAIL_KEY}\", expires_at: 2026-01-01 }\n"
      "    checks: [{ name: send, path: /send }]\n";
  testing::DaemonProcess d(dir, config, {{"MAIL_KEY", kCanary}});
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("mail") == "down"; }, seconds(15)));
  const Object::Ptr p = Provider(d, "mail");
  const Object::Ptr reason = p->getArray("reasons")->getObject(0);
  EXPECT_EQ(reason->getValue<std::string>("kind"), "auth");
  EXPECT_NE(reason->getValue<std::string>("message").find("API key expired"), std::string::npos);
  EXPECT_NE(reason->getValue<std::string>("message").find("not sent"), std::string::npos);
  EXPECT_TRUE(api.requests().empty()) << "the dead key was sent " << api.requests().size() << " times";
  EXPECT_EQ(d.Get("/api/v1/providers/mail").body.find(kCanary), std::string::npos);
}

TEST(SignalsE2E, MaintenanceIsAStateEverywhereOpensNoIncidentAndIsNotChargedToUptime) {
  testing::TestHttpServer api([](const testing::RecordedRequest&, Resp& resp) { testing::Reply(resp, 503, R"({"error":"down"})"); });
  testing::TempDir dir;
  const core::WallTime now = core::SystemClock().Now();
  const std::string config =
      std::string(kFastProviders) +
      "  - name: pay\n    base_url: " + api.url("/pay") + "\n    checks: [{ name: charge, path: /charge }]\n"
      "maintenance:\n  - { providers: [pay], start: \"" + core::FormatRfc3339(now - seconds(60)) + "\", duration: 2h, reason: upgrade }\n";
  testing::DaemonProcess d(dir, config);
  ASSERT_TRUE(testing::Eventually([&] { return !api.requests().empty() && Provider(d, "pay")->has("maintenance"); }, seconds(15)));
  // Several failing results inside the window, committed.
  ASSERT_TRUE(testing::Eventually([&] { return Results(d, "pay") >= 3; }, seconds(15)));
  const Object::Ptr p = Provider(d, "pay");
  EXPECT_EQ(p->getValue<std::string>("state"), "maintenance");
  EXPECT_EQ(p->getObject("maintenance")->getValue<std::string>("health"), "down");
  EXPECT_EQ(Metric(d, "vigil_provider_state{provider=\"pay\",state=\"maintenance\"}"), 1);
  EXPECT_EQ(Metric(d, "vigil_provider_state{provider=\"pay\",state=\"down\"}"), 0);
  const testing::ProcessResult status = testing::RunProcess({testing::VigilBinary(), "status", "--url", d.url("")}, seconds(10));
  EXPECT_NE(status.out.find("pay                 maintenance"), std::string::npos) << status.out;
  EXPECT_EQ(status.exit_code, 0) << "planned work is not an outage";
  EXPECT_EQ(d.GetJson("/api/v1/incidents?provider=pay")->getArray("incidents")->size(), 0u);
  // The check's uptime counts none of the window's results; the provider's none of its time.
  EXPECT_TRUE(p->getObject("uptime")->isNull("24h")) << probes::ToJsonText(p->getObject("uptime"));
  const Object::Ptr check = p->getArray("checks")->getObject(0);
  EXPECT_TRUE(check->getObject("uptime")->isNull("24h")) << probes::ToJsonText(check->getObject("uptime"));
  EXPECT_NE(d.Get("/").body.find("state maintenance"), std::string::npos);
}

TEST(SignalsE2E, ADependentsFailureShowsImpactedByTheDownDependency) {
  testing::TestHttpServer api([](const testing::RecordedRequest& r, Resp& resp) {
    testing::Reply(resp, r.uri.rfind("/idp", 0) == 0 || r.uri.rfind("/shop", 0) == 0 ? 502 : 200, "{}");
  });
  testing::TempDir dir;
  const std::string config =
      std::string(kFastProviders) +
      "  - name: idp\n    base_url: " + api.url("/idp") + "\n    checks: [{ name: jwks, path: /jwks }]\n"
      "  - name: shop\n    base_url: " + api.url("/shop") + "\n    depends_on: [idp]\n    checks: [{ name: cart, path: /cart }]\n";
  testing::DaemonProcess d(dir, config);
  ASSERT_TRUE(testing::Eventually([&] {
    const Object::Ptr p = Provider(d, "shop");
    return p->getValue<std::string>("state") == "down" && p->getValue<bool>("impacted");
  }, seconds(15)));
  EXPECT_EQ(Provider(d, "shop")->getValue<std::string>("impacted_by"), "idp");
  EXPECT_FALSE(Provider(d, "idp")->getValue<bool>("impacted"));
  EXPECT_TRUE(Provider(d, "idp")->isNull("impacted_by"));
  EXPECT_EQ(Metric(d, "vigil_provider_impacted{provider=\"shop\"}"), 1);
  EXPECT_EQ(Metric(d, "vigil_provider_impacted{provider=\"idp\"}"), 0);
  EXPECT_NE(d.Get("/").body.find("impacted by <a href=\"/providers/idp\">idp</a>"), std::string::npos);
}

TEST(SignalsE2E, AFailuresWebhookCarriesTheStatusAndTheRedactedExcerpt) {
  testing::TestHttpServer api([](const testing::RecordedRequest&, Resp& resp) {
    testing::Reply(resp, 500, std::string(R"({"error":"internal","echo":")") + kCanary + R"(","trace":"abc"})");
  });
  testing::TestHttpServer hook([](const testing::RecordedRequest&, Resp& resp) { testing::Reply(resp, 204, ""); });
  testing::TempDir dir;
  const std::string config =
      std::string(kFastProviders) +
      "  - name: ledger\n    base_url: " + api.url("/ledger") + "\n"
      "    auth: { type: header, header: { name: X-Api-Key, value: \"${env:LEDGER_KEY}\" } }\n"
      "    checks: [{ name: balance, path: /balance }]\n"
      "notifiers:\n  - { name: hook, type: webhook, url: \"" + hook.url("/hook") + "\" }\n";
  testing::DaemonProcess d(dir, config, {{"LEDGER_KEY", kCanary}});
  ASSERT_TRUE(testing::Eventually([&] { return !hook.requests().empty(); }, seconds(20)));
  const std::string body = hook.requests().front().body;
  EXPECT_EQ(body.find(kCanary), std::string::npos) << body;
  const Object::Ptr event = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
  EXPECT_EQ(event->getValue<std::string>("type"), "provider.down");
  const Object::Ptr reason = event->getArray("reasons")->getObject(0);
  EXPECT_EQ(reason->getValue<int>("status_code"), 500);
  const std::string excerpt = reason->getValue<std::string>("excerpt");
  EXPECT_NE(excerpt.find(R"("error":"internal")"), std::string::npos) << excerpt;
  EXPECT_NE(excerpt.find(R"("trace":"abc")"), std::string::npos) << excerpt;
  EXPECT_LE(excerpt.size(), 512u);
}

}  // namespace
}  // namespace vigil
