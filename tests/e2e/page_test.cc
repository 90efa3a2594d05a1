// End to end: the status page, the incident history and the badges of the real binary (the
// browser suite in tests/browser/ looks at the same pages in Chromium). Checks what a reader and
// an embedding page rely on: 90 day bars per provider, groups by tag, maintenance shown as
// maintenance, incidents with their reasons, badges that are well-formed SVG and agree with the
// API, escaping of everything configured, and a clear 4xx for a bad page request.
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/NodeList.h>
#include <Poco/JSON/Object.h>
#include <Poco/SAX/SAXException.h>
#include <gtest/gtest.h>

#include "daemon/core/clock.h"
#include "daemon/simulate/simulator.h"
#include "tests/support/daemon_process.h"

namespace vigil {
namespace {

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The body of the element that starts at `open`, up to the next `close`.
std::string Slice(const std::string& text, const std::string& open, const std::string& close) {
  const std::size_t a = text.find(open);
  if (a == std::string::npos) return "";
  const std::size_t b = text.find(close, a);
  return text.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

// The badge's root element and its text, or a failure when it is not well-formed SVG.
struct ParsedBadge {
  std::string root, ns, text;
};
ParsedBadge ParseSvg(const std::string& xml) {
  Poco::XML::DOMParser parser;
  Poco::AutoPtr<Poco::XML::Document> doc = parser.parseString(xml);
  ParsedBadge b;
  b.root = doc->documentElement()->localName();
  b.ns = doc->documentElement()->namespaceURI();
  Poco::AutoPtr<Poco::XML::NodeList> texts = doc->getElementsByTagName("text");
  for (unsigned long i = 0; i < texts->length(); ++i) b.text += texts->item(i)->innerText() + "|";
  return b;
}

class PageE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    auto s = simulate::Simulator::Start("127.0.0.1:0", {{"/okta", {"unauthorized", {}}}});
    ASSERT_TRUE(s.ok());
    sim_ = std::move(s).value().release();
    const core::WallTime now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    daemon_ = new testing::DaemonProcess(*dir_,
        "server: { title: \"Acme <APIs> & co\" }\n"
        "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 1 }\n"
        "providers:\n"
        "  - name: stripe\n    title: \"Stripe <b>payments</b>\"\n    tags: [payments]\n"
        "    base_url: " + testing::SimUrl(sim_->port(), "/stripe") + "\n"
        "    checks: [{ name: balance, path: /v1/balance, expect: { shape_drift: warn } }]\n"
        "  - name: adyen\n    tags: [payments]\n    base_url: " + testing::SimUrl(sim_->port(), "/adyen") + "\n"
        "    checks: [{ name: balance, path: /v1/balance }]\n"
        "  - name: okta\n    tags: [identity]\n    base_url: " + testing::SimUrl(sim_->port(), "/okta") + "\n"
        "    checks: [{ name: userinfo, path: /userinfo }]\n"
        "  - name: mailer\n    base_url: " + testing::SimUrl(sim_->port(), "/mailer") + "\n"
        "    checks: [{ name: send, path: /v3/mail }]\n"
        "maintenance:\n"
        "  - { providers: [mailer], start: " + core::FormatRfc3339(now - std::chrono::hours(1)) +
        ", duration: 3h, reason: \"database <upgrade>\" }\n");
    ASSERT_TRUE(testing::Eventually([] { return daemon_->ProviderState("okta") == "down"; }, std::chrono::seconds(15)));
    ASSERT_TRUE(testing::Eventually([] { return daemon_->ProviderState("stripe") == "up"; }, std::chrono::seconds(15)));
    ASSERT_TRUE(testing::Eventually([] { return daemon_->ProviderState("mailer") == "maintenance"; }, std::chrono::seconds(15)));
  }
  static void TearDownTestSuite() {
    daemon_->process().Signal(SIGTERM);
    EXPECT_EQ(daemon_->process().Wait(std::chrono::seconds(10)), 0);
    delete daemon_;
    delete sim_;
    delete dir_;
  }

  static testing::TempDir* dir_;
  static simulate::Simulator* sim_;
  static testing::DaemonProcess* daemon_;
};

testing::TempDir* PageE2E::dir_ = nullptr;
simulate::Simulator* PageE2E::sim_ = nullptr;
testing::DaemonProcess* PageE2E::daemon_ = nullptr;

TEST_F(PageE2E, TheOverviewGroupsProvidersByTagWithNinetyDayBarsUptimeAndASparkline) {
  const testing::HttpResult r = daemon_->Get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r.Header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(Count(r.body, "<script"), 0u);
  EXPECT_EQ(Count(r.body, "<main>"), 1u);
  for (const char* p : {"stripe", "adyen", "okta", "mailer"}) {
    const std::string card = Slice(r.body, std::string("<article class=\"provider\" data-provider=\"") + p + "\"", "</article>");
    ASSERT_FALSE(card.empty()) << p;
    EXPECT_EQ(Count(card, "<rect class=\"day "), 90u) << p;
    EXPECT_EQ(Count(card, "<title>"), 90u) << p;
    EXPECT_NE(card.find("data-window=\"24h\""), std::string::npos) << p;
    EXPECT_NE(card.find("data-window=\"90d\""), std::string::npos) << p;
    EXPECT_NE(card.find("<svg class=\"spark\""), std::string::npos) << p;
  }
  // Today's bar of a provider that has been up since the daemon started is up, not "no data".
  const std::string stripe = Slice(r.body, "data-provider=\"stripe\"", "</article>");
  EXPECT_NE(stripe.rfind("<rect class=\"day up\""), std::string::npos);
  const std::string okta = Slice(r.body, "data-provider=\"okta\"", "</article>");
  EXPECT_NE(okta.find("data-state=\"down\""), std::string::npos);
  EXPECT_NE(okta.find("<rect class=\"day down\""), std::string::npos);
  EXPECT_NE(okta.find("1 incident"), std::string::npos);
  // Groups in order of first appearance, untagged ones under "Providers".
  const std::size_t payments = r.body.find(">payments</h2>"), identity = r.body.find(">identity</h2>"),
                    untagged = r.body.find(">Providers</h2>");
  ASSERT_NE(payments, std::string::npos);
  ASSERT_NE(identity, std::string::npos);
  ASSERT_NE(untagged, std::string::npos);
  EXPECT_LT(payments, identity);
  EXPECT_LT(identity, untagged);
  EXPECT_LT(r.body.find("data-provider=\"adyen\""), identity);
  // Everything configured is escaped.
  EXPECT_NE(r.body.find("Stripe &lt;b&gt;payments&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(r.body.find("Acme &lt;APIs&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(r.body.find("<b>payments</b>"), std::string::npos);
  EXPECT_EQ(r.body.find("<upgrade>"), std::string::npos);
}

TEST_F(PageE2E, AProviderInAMaintenanceWindowShowsMaintenanceNotDownWithABanner) {
  const std::string body = daemon_->Get("/").body;
  EXPECT_NE(body.find("data-provider=\"mailer\" data-state=\"maintenance\""), std::string::npos);
  const std::string banner = Slice(body, "<section class=\"banner maintenance\"", "</section>");
  ASSERT_FALSE(banner.empty());
  EXPECT_NE(banner.find("<li data-provider=\"mailer\">"), std::string::npos);
  EXPECT_NE(banner.find("ongoing"), std::string::npos);
  EXPECT_NE(banner.find("database &lt;upgrade&gt;"), std::string::npos);
  const testing::HttpResult page = daemon_->Get("/providers/mailer");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<span class=\"state maintenance\">maintenance</span></h1>"), std::string::npos);
  EXPECT_NE(page.body.find("In maintenance until"), std::string::npos);
}

TEST_F(PageE2E, TheProviderPageShowsChecksChartsUptimeAndTheIncidentWithItsReasons) {
  const testing::HttpResult r = daemon_->Get("/providers/okta");
  ASSERT_EQ(r.status, 200);
  for (const char* id : {"id=\"checks\"", "id=\"latency\"", "id=\"uptime\"", "id=\"incidents\""}) {
    EXPECT_NE(r.body.find(id), std::string::npos) << id;
  }
  EXPECT_NE(r.body.find("<article class=\"check\" data-check=\"userinfo\" data-state=\"down\">"), std::string::npos);
  EXPECT_NE(r.body.find("<li class=\"finding\" data-kind=\"auth\">"), std::string::npos);
  EXPECT_EQ(Count(r.body, "<svg class=\"chart\""), 2u);  // one check: 24 hours and 7 days
  const std::string incidents = Slice(r.body, "id=\"incidents\"", "</section>");
  EXPECT_EQ(Count(incidents, "<tr class=\"incident\""), 1u);
  EXPECT_NE(incidents.find("<b>ongoing</b>"), std::string::npos);
  EXPECT_NE(incidents.find("401"), std::string::npos);
  // A check that learns its shape does so from its first 3 responses, and says when.
  EXPECT_TRUE(testing::Eventually([] {
    return daemon_->Get("/providers/stripe").body.find("response shape baseline last changed <time") != std::string::npos;
  }, std::chrono::seconds(10)));
  const testing::HttpResult missing = daemon_->Get("/providers/nobody");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(PageE2E, TheIncidentHistoryFiltersByProviderPagesAndRefusesBadParameters) {
  const testing::HttpResult all = daemon_->Get("/incidents");
  ASSERT_EQ(all.status, 200);
  EXPECT_NE(all.body.find("<table id=\"incident-list\">"), std::string::npos);
  EXPECT_EQ(Count(all.body, "<tr class=\"incident\" data-provider=\"okta\">"), 1u);
  EXPECT_EQ(all.body.find("rel=\"next\""), std::string::npos);  // one page only
  const testing::HttpResult okta = daemon_->Get("/incidents?provider=okta");
  EXPECT_EQ(okta.status, 200);
  EXPECT_NE(okta.body.find("<option value=\"okta\" selected>"), std::string::npos);
  const testing::HttpResult stripe = daemon_->Get("/incidents?provider=stripe");
  EXPECT_EQ(Count(stripe.body, "<tr class=\"incident\""), 0u);
  EXPECT_NE(stripe.body.find("No incidents recorded"), std::string::npos);
  EXPECT_EQ(Count(daemon_->Get("/incidents?page=2").body, "<tr class=\"incident\""), 0u);
  EXPECT_EQ(daemon_->Get("/incidents?provider=nobody").status, 404);
  for (const char* bad : {"/incidents?page=0", "/incidents?page=abc", "/incidents?page=-1", "/incidents?page=99999999999"}) {
    EXPECT_EQ(daemon_->Get(bad).status, 400) << bad;
  }
  EXPECT_EQ(daemon_->Get("/incidents?color=red").status, 400);
  EXPECT_EQ(daemon_->Get("/incidents?page=1&page=2").status, 400);
}

TEST_F(PageE2E, BadgesAreWellFormedSvgThatAgreesWithTheApi) {
  for (const char* p : {"stripe", "okta", "mailer"}) {
    const testing::HttpResult r = daemon_->Get(std::string("/badge/") + p + ".svg");
    ASSERT_EQ(r.status, 200) << p;
    EXPECT_EQ(r.Header("Content-Type"), "image/svg+xml; charset=utf-8");
    EXPECT_NE(r.Header("Cache-Control").find("max-age="), std::string::npos);
    ParsedBadge b;
    ASSERT_NO_THROW(b = ParseSvg(r.body)) << r.body;
    EXPECT_EQ(b.root, "svg");
    EXPECT_EQ(b.ns, "http://www.w3.org/2000/svg");
    const std::string state = daemon_->GetJson(std::string("/api/v1/providers/") + p)->getValue<std::string>("state");
    EXPECT_EQ(b.text, std::string(p) + "|" + state + "|") << p;
  }
  const testing::HttpResult unknown = daemon_->Get("/badge/nobody.svg");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ParseSvg(unknown.body).text, "nobody|unknown|");
  const testing::HttpResult uptime = daemon_->Get("/badge/stripe/uptime.svg?window=30d");
  ASSERT_EQ(uptime.status, 200);
  const ParsedBadge u = ParseSvg(uptime.body);
  EXPECT_EQ(u.text.substr(0, 11), "uptime 30d|");
  EXPECT_NE(u.text.find("%|"), std::string::npos) << u.text;
  EXPECT_EQ(ParseSvg(daemon_->Get("/badge/okta/uptime.svg").body).text.substr(0, 11), "uptime 30d|");
  EXPECT_EQ(daemon_->Get("/badge/stripe/uptime.svg?window=5y").status, 400);
  EXPECT_EQ(daemon_->Get("/badge/nobody/uptime.svg").status, 404);
  // A name that needs escaping comes back escaped, never as markup.
  const testing::HttpResult odd = daemon_->Get("/badge/%3Cx%3E.svg");
  EXPECT_EQ(odd.status, 404);
  EXPECT_NO_THROW(ParseSvg(odd.body)) << odd.body;
}

}  // namespace
}  // namespace vigil
