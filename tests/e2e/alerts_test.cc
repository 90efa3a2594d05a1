// End to end: alerts from the real `vigil run` to real receivers on loopback — Poco HTTP servers
// that record every request and answer as each test says, a real Alertmanager, and a Python
// HMAC check of the webhook signature. Providers are served by the in-process simulator.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <set>

#include "alerts/block_kit_limits.h"
#include "daemon/simulate/simulator.h"
#include "tests/support/daemon_process.h"
#include "tests/support/test_http_server.h"

namespace vigil {
namespace {

using namespace std::chrono_literals;
using Poco::JSON::Array;
using Poco::JSON::Object;
using testing::Eventually;

constexpr const char* kToken = "alerts-e2e-token-0123456789";
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

Object::Ptr ParseObject(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
}

// A webhook / Slack receiver: answers what `decide` says and remembers each request with
// the status it got and when it arrived.
class Receiver {
 public:
  struct Hit {
    testing::RecordedRequest request;
    int status;
    std::chrono::steady_clock::time_point at;
    Object::Ptr Json() const { return ParseObject(request.body); }
    std::string Type() const { return Json()->optValue<std::string>("type", ""); }
    std::string Provider() const { return Json()->optValue<std::string>("provider", ""); }
  };
  using Decide = std::function<std::pair<int, std::string>(const testing::RecordedRequest&)>;

  explicit Receiver(Decide decide = nullptr)
      : decide_(std::move(decide)),
        server_([this](const testing::RecordedRequest& r, Poco::Net::HTTPServerResponse& resp) {
          std::pair<int, std::string> answer = decide_ ? decide_(r) : std::pair<int, std::string>{status_.load(), "ok"};
          {
            std::lock_guard lock(mu_);
            hits_.push_back({r, answer.first, std::chrono::steady_clock::now()});
          }
          if (answer.first == 429 || answer.first == 503) resp.set("Retry-After", "2");
          testing::Reply(resp, answer.first, answer.second, "text/plain");
        }) {}

  std::string url(const std::string& path) const { return server_.url(path); }
  void SetStatus(int status) { status_ = status; }
  std::vector<Hit> hits() const {
    std::lock_guard lock(mu_);
    return hits_;
  }
  // The requests answered 2xx, in order.
  std::vector<Hit> Delivered() const {
    std::vector<Hit> out;
    for (auto& h : hits()) {
      if (h.status >= 200 && h.status < 300) out.push_back(h);
    }
    return out;
  }
  // "type provider" of every delivered event, in order.
  std::vector<std::string> DeliveredEvents() const {
    std::vector<std::string> out;
    for (const auto& h : Delivered()) out.push_back(h.Type() + " " + h.Provider());
    return out;
  }
  std::size_t Count(const std::string& type, const std::string& provider) const {
    std::size_t n = 0;
    for (const auto& e : DeliveredEvents()) n += e == type + " " + provider;
    return n;
  }

 private:
  Decide decide_;
  std::atomic<int> status_{200};
  mutable std::mutex mu_;
  std::vector<Hit> hits_;
  testing::TestHttpServer server_;
};

class AlertsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = simulate::Simulator::Start("127.0.0.1:0", {});
    ASSERT_TRUE(s.ok());
    sim_ = std::move(s).value();
  }

  // Providers okta, stripe and adyen on the simulator, probed every second: down after 2
  // failures, up after 1 pass. `providers_extra` is spliced into stripe and adyen.
  std::string Config(const std::string& notifiers, const std::string& extra = "", const std::string& depends = "") {
    const std::string base = testing::SimUrl(sim_->port(), "");
    return "server: { api_token: " + std::string(kToken) + " }\n"
           "instance: { name: e2e-1 }\n"
           "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 2, success_threshold: 1 }\n"
           "providers:\n"
           "  - { name: okta, base_url: " + base + "/okta, checks: [{ name: c, path: /x }] }\n"
           "  - { name: stripe, base_url: " + base + "/stripe, fallback: [adyen], tags: [payments]" + depends +
           ", checks: [{ name: balance, path: /v1/balance }] }\n"
           "  - { name: adyen, base_url: " + base + "/adyen" + depends + ", checks: [{ name: c, path: /x }] }\n"
           "notifiers:\n" + notifiers + extra;
  }
  void Start(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    env["HOOK_SECRET"] = kSecret;
    daemon_ = std::make_unique<testing::DaemonProcess>(dir_, yaml, env);
    ASSERT_TRUE(WaitFor("stripe", "up"));
    ASSERT_TRUE(WaitFor("adyen", "up"));
  }
  bool WaitFor(const std::string& provider, const std::string& state) {
    return Eventually([&] { return daemon_->ProviderState(provider) == state; }, 20s);
  }
  void Fail(const std::string& provider) { ASSERT_TRUE(sim_->SetScenario("/" + provider, {"error", {{"code", "503"}}}).ok()); }
  void Heal(const std::string& provider) { ASSERT_TRUE(sim_->SetScenario("/" + provider, {"healthy", {}}).ok()); }
  Array::Ptr Deliveries(const std::string& query = "") {
    return daemon_->GetJson("/api/v1/deliveries?limit=1000" + query)->getArray("deliveries");
  }
  // The delivery-log entry of `provider` with this status ("suppressed", "dead", ...), if any.
  Object::Ptr Entry(const std::string& notifier, const std::string& provider, const std::string& status) {
    Array::Ptr a = Deliveries("&notifier=" + notifier + "&provider=" + provider);
    for (std::size_t i = 0; i < a->size(); ++i) {
      Object::Ptr o = a->getObject(static_cast<unsigned>(i));
      if (o->getValue<std::string>("status") == status) return o;
    }
    return nullptr;
  }
  testing::HttpResult Api(const std::string& method, const std::string& path, const std::string& body = "",
                          bool token = true) {
    config::Headers h = {{"Content-Type", "application/json"}};
    if (token) h.emplace_back("Authorization", std::string("Bearer ") + kToken);
    return testing::HttpCall(method, daemon_->url(path), h, body);
  }

  testing::TempDir dir_;
  std::unique_ptr<simulate::Simulator> sim_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
};

std::string Webhook(const std::string& name, const Receiver& r, const std::string& extra = "") {
  return "  - { name: " + name + ", type: webhook, url: \"" + r.url("/" + name) + "\"" + extra + " }\n";
}

// The receiver's side of Standard Webhooks, written independently in Python's hmac.
bool PythonVerifies(const testing::TempDir& dir, const testing::RecordedRequest& r) {
  const std::string body = dir.Write("body.json", r.body);
  const std::string script = dir.Write("verify.py",
      "import base64, hashlib, hmac, sys\n"
      "secret, msg_id, ts, signatures, path = sys.argv[1:]\n"
      "key = base64.b64decode(secret.split('_', 1)[1])\n"
      "body = open(path, 'rb').read()\n"
      "mac = hmac.new(key, msg_id.encode() + b'.' + ts.encode() + b'.' + body, hashlib.sha256).digest()\n"
      "expected = base64.b64encode(mac).decode()\n"
      "ok = any(s.startswith('v1,') and hmac.compare_digest(s[3:], expected) for s in signatures.split(' '))\n"
      "sys.exit(0 if ok else 1)\n");
  const testing::ProcessResult p = testing::RunProcess(
      {"python3", script, kSecret, r.Header("webhook-id"), r.Header("webhook-timestamp"), r.Header("webhook-signature"), body},
      10s);
  return p.exit_code == 0;
}

TEST_F(AlertsE2E, ExactlyOneDownAndOneUpPerMatchingNotifierRemindersAtRepeatAndAVerifiableSignature) {
  Receiver hook, second, other;
  Start(Config(Webhook("hook", hook, ", secret: \"${env:HOOK_SECRET}\", repeat: 2s, headers: { X-Team: payments }") +
               Webhook("second", second, ", match: { tags: [payments] }") +
               Webhook("other", other, ", match: { providers: [okta] }")));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.down", "stripe") == 1 && second.Count("provider.down", "stripe") == 1; }, 20s));
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.reminder", "stripe") >= 2; }, 20s));
  Heal("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.up", "stripe") == 1 && second.Count("provider.up", "stripe") == 1; }, 20s));
  // A later event on another provider: anything still queued about stripe would be before it.
  Fail("okta");
  ASSERT_TRUE(Eventually([&] { return other.Count("provider.down", "okta") == 1 && hook.Count("provider.down", "okta") == 1; }, 20s));

  EXPECT_EQ(hook.Count("provider.down", "stripe"), 1u);
  EXPECT_EQ(second.Count("provider.down", "stripe"), 1u);
  EXPECT_EQ(second.DeliveredEvents(), (std::vector<std::string>{"provider.down stripe", "provider.up stripe"}));
  EXPECT_EQ(other.DeliveredEvents(), (std::vector<std::string>{"provider.down okta"}));

  // Reminders: every `repeat` (2 s) while down, none after the resolve.
  std::vector<std::chrono::steady_clock::time_point> pages;
  bool resolved = false;
  for (const auto& h : hook.Delivered()) {
    if (h.Provider() != "stripe") continue;
    if (h.Type() == "provider.up") {
      resolved = true;
    } else if (h.Type() == "provider.reminder") {
      EXPECT_FALSE(resolved) << "a reminder after the resolve";
    }
    if (h.Type() != "provider.up") pages.push_back(h.at);
  }
  ASSERT_GE(pages.size(), 3u);
  for (std::size_t i = 1; i < pages.size(); ++i) {
    const auto gap = pages[i] - pages[i - 1];
    EXPECT_GE(gap, 1900ms) << "reminder " << i;
    EXPECT_LE(gap, 4000ms) << "reminder " << i;
  }

  // The down event: SPEC §6 fields, our headers, and a signature Python accepts.
  const Receiver::Hit down = hook.Delivered().front();
  const Object::Ptr e = down.Json();
  EXPECT_EQ(e->getValue<std::string>("type"), "provider.down");
  EXPECT_EQ(e->getValue<std::string>("state"), "down");
  EXPECT_EQ(e->getValue<std::string>("previous_state"), "up");
  EXPECT_EQ(e->getValue<std::string>("recommended"), "adyen");
  EXPECT_EQ(e->getValue<std::string>("instance"), "e2e-1");
  EXPECT_EQ(e->getArray("reasons")->getObject(0)->getValue<std::string>("check"), "balance");
  EXPECT_EQ(e->getValue<std::string>("status_url").find("http://127.0.0.1:"), 0u);
  EXPECT_EQ(down.request.Header("webhook-id"), e->getValue<std::string>("id"));
  EXPECT_EQ(down.request.Header("X-Team"), "payments");
  EXPECT_TRUE(PythonVerifies(dir_, down.request));
  testing::RecordedRequest tampered = down.request;
  tampered.body.replace(tampered.body.find("\"down\""), 6, "\"up\"");
  EXPECT_FALSE(PythonVerifies(dir_, tampered));
  EXPECT_EQ(second.Delivered().front().request.Header("webhook-signature"), "") << "no secret, no signature";

  // Metrics count what happened.
  const std::string metrics = daemon_->Get("/metrics").body;
  EXPECT_NE(metrics.find("vigil_alerts_total{notifier=\"second\",outcome=\"delivered\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vigil_alert_outbox_depth 0"), std::string::npos);
}

TEST_F(AlertsE2E, AReceiverFailingForTwoMinutesGetsEveryEventAfterwardsInOrderWithItsFirstId) {
  std::atomic<bool> started{false};
  std::chrono::steady_clock::time_point first;
  std::mutex mu;
  Receiver hook([&](const testing::RecordedRequest&) -> std::pair<int, std::string> {
    std::lock_guard lock(mu);
    if (!started.exchange(true)) first = std::chrono::steady_clock::now();
    return {std::chrono::steady_clock::now() - first < 120s ? 500 : 200, "ok"};
  });
  Start(Config(Webhook("hook", hook, ", secret: \"${env:HOOK_SECRET}\", retry: { max_backoff: 4s }")));
  Fail("stripe");
  ASSERT_TRUE(WaitFor("stripe", "down"));
  Heal("stripe");
  ASSERT_TRUE(WaitFor("stripe", "up"));
  Fail("stripe");
  ASSERT_TRUE(WaitFor("stripe", "down"));
  ASSERT_TRUE(Eventually([&] { return hook.Delivered().size() == 3; }, 170s)) << hook.hits().size() << " attempts";

  EXPECT_EQ(hook.DeliveredEvents(),
            (std::vector<std::string>{"provider.down stripe", "provider.up stripe", "provider.down stripe"}));
  // Every attempt of an event carried the event's id and the same body; ids in first-tried order.
  std::vector<std::string> first_tried;
  std::map<std::string, std::string> body_of;
  for (const auto& h : hook.hits()) {
    const std::string id = h.Json()->getValue<std::string>("id");
    EXPECT_EQ(h.request.Header("webhook-id"), id);
    if (!body_of.count(id)) {
      first_tried.push_back(id);
      body_of[id] = h.request.body;
    }
    EXPECT_EQ(h.request.body, body_of[id]) << "an event changed between retries";
  }
  std::vector<std::string> delivered_ids;
  for (const auto& h : hook.Delivered()) delivered_ids.push_back(h.request.Header("webhook-id"));
  EXPECT_EQ(delivered_ids, first_tried);
  EXPECT_GE(hook.Delivered().front().at - first, 120s);
  EXPECT_GT(hook.hits().size(), 10u) << "retried through the outage";
  // The delivery log shows the failed attempts with their next retry, then the success.
  Object::Ptr entry = Entry("hook", "stripe", "delivered");
  ASSERT_TRUE(entry);
  Array::Ptr attempts = entry->getArray("attempts");
  ASSERT_GE(attempts->size(), 1u);
  EXPECT_EQ(attempts->getObject(static_cast<unsigned>(attempts->size() - 1))->getValue<std::string>("outcome"), "delivered");
  bool saw_retry = false;
  const Array::Ptr all = Deliveries();  // held: a range-for over *Deliveries() would dangle
  for (const auto& d : *all) {
    Array::Ptr a = d.extract<Object::Ptr>()->getArray("attempts");
    for (std::size_t i = 0; i < a->size(); ++i) {
      Object::Ptr at = a->getObject(static_cast<unsigned>(i));
      if (at->getValue<std::string>("outcome") == "failed") {
        saw_retry = true;
        EXPECT_EQ(at->getValue<int>("status_code"), 500);
        EXPECT_FALSE(at->isNull("next_retry"));
      }
    }
  }
  EXPECT_TRUE(saw_retry);
}

TEST_F(AlertsE2E, Kill9WithUndeliveredEventsDeliversThemAllAfterRestartAndNoneTwice) {
  Receiver hook;
  Start(Config(Webhook("hook", hook, ", retry: { max_backoff: 1s }")));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.down", "stripe") == 1; }, 20s));
  hook.SetStatus(503);
  Heal("stripe");
  ASSERT_TRUE(Eventually([&] { return !hook.hits().empty() && hook.hits().back().Type() == "provider.up"; }, 20s));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return Entry("hook", "stripe", "pending") && Deliveries("&provider=stripe")->size() == 3; }, 20s));
  daemon_->process().Signal(SIGKILL);
  ASSERT_EQ(daemon_->process().Wait(5s), 128 + SIGKILL);
  hook.SetStatus(200);
  daemon_->Start();
  ASSERT_TRUE(Eventually([&] { return hook.Delivered().size() == 3; }, 30s));
  EXPECT_EQ(hook.DeliveredEvents(),
            (std::vector<std::string>{"provider.down stripe", "provider.up stripe", "provider.down stripe"}));
  std::map<std::string, int> delivered_per_id, hits_per_id;
  for (const auto& h : hook.Delivered()) ++delivered_per_id[h.request.Header("webhook-id")];
  for (const auto& h : hook.hits()) ++hits_per_id[h.request.Header("webhook-id")];
  EXPECT_EQ(delivered_per_id.size(), 3u);
  for (const auto& [id, n] : delivered_per_id) EXPECT_EQ(n, 1) << id << " delivered twice";
  EXPECT_EQ(hits_per_id[hook.Delivered().front().request.Header("webhook-id")], 1) << "the answered event was sent again";
  EXPECT_EQ(Deliveries("&provider=stripe&notifier=hook")->size(), 3u) << "no event was duplicated in the outbox";
}

uint16_t FreePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

// The VigilProviderDown alert of `provider` in Alertmanager's GET /api/v2/alerts, if present.
Object::Ptr AmAlert(uint16_t port, const std::string& provider) {
  const testing::HttpResult r = testing::HttpGet("http://127.0.0.1:" + std::to_string(port) + "/api/v2/alerts");
  if (r.status != 200) return nullptr;
  Array::Ptr a = Poco::JSON::Parser().parse(r.body).extract<Array::Ptr>();
  for (std::size_t i = 0; i < a->size(); ++i) {
    Object::Ptr alert = a->getObject(static_cast<unsigned>(i));
    Object::Ptr labels = alert->getObject("labels");
    if (labels->optValue<std::string>("alertname", "") == "VigilProviderDown" &&
        labels->optValue<std::string>("provider", "") == provider) {
      return alert;
    }
  }
  return nullptr;
}

TEST_F(AlertsE2E, ARealAlertmanagerShowsTheAlertWhileDownAndResolvesIt) {
  const uint16_t port = FreePort();
  dir_.Write("am.yml", "route: { receiver: blackhole }\nreceivers: [{ name: blackhole }]\n");
  std::filesystem::create_directories(dir_.File("am-data"));
  testing::Subprocess am({"prometheus-alertmanager", "--config.file=" + dir_.File("am.yml"),
                          "--storage.path=" + dir_.File("am-data"),
                          "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="});
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(Eventually([&] { return testing::HttpGet(base + "/-/ready").status == 200; }, 30s)) << am.err();
  Start(Config("  - { name: am, type: alertmanager, url: \"" + base + "\" }\n"));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] {
    Object::Ptr a = AmAlert(port, "stripe");
    return a && a->getObject("status")->getValue<std::string>("state") == "active";
  }, 30s));
  Object::Ptr alert = AmAlert(port, "stripe");
  EXPECT_EQ(alert->getObject("labels")->getValue<std::string>("severity"), "critical");
  EXPECT_EQ(alert->getObject("labels")->getValue<std::string>("instance"), "e2e-1");
  EXPECT_NE(alert->getObject("annotations")->getValue<std::string>("summary").find("stripe is down"), std::string::npos);
  EXPECT_EQ(alert->getObject("annotations")->getValue<std::string>("recommended"), "adyen");
  Heal("stripe");
  // Resolved: Alertmanager stops listing it as active (endsAt in the past).
  ASSERT_TRUE(Eventually([&] {
    Object::Ptr a = AmAlert(port, "stripe");
    return !a || a->getObject("status")->getValue<std::string>("state") != "active";
  }, 30s));
  EXPECT_TRUE(Entry("am", "stripe", "delivered"));
}

TEST_F(AlertsE2E, ASilenceHoldsPagesButTheResolveStillArrivesAndEndingItSendsTheHeldPage) {
  Receiver hook;
  Start(Config(Webhook("hook", hook)));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.down", "stripe") == 1; }, 20s));
  EXPECT_EQ(Api("POST", "/api/v1/silences", R"({"providers": ["stripe", "adyen"], "duration": "1h"})", false).status, 401);
  EXPECT_EQ(Api("POST", "/api/v1/silences", R"({"providers": ["nope"], "duration": "1h"})").status, 400);
  EXPECT_EQ(Api("POST", "/api/v1/silences", R"({"providers": ["adyen"]})").status, 400);
  EXPECT_EQ(Api("POST", "/api/v1/silences", "{not json").status, 400);
  // Every malformed body is a 400 naming what is wrong.
  for (const auto& [body, detail] : std::vector<std::pair<std::string, std::string>>{
           {R"({"providers": ["stripe"], "duration": "1h", "owner": "me"})", "unknown field 'owner'"},
           {R"({"providers": "stripe", "duration": "1h"})", "providers: expected an array of strings"},
           {R"({"tags": [1], "duration": "1h"})", "tags: expected an array of strings"},
           {R"({"duration": "1h"})", "name at least one provider or tag"},
           {R"({"providers": ["stripe"], "duration": "1h", "ends_at": "2030-01-01T00:00:00Z"})", "exactly one of ends_at and duration"},
           {R"({"providers": ["stripe"], "duration": "soon"})", "duration: "},
           {R"({"providers": ["stripe"], "starts_at": "tomorrow", "duration": "1h"})", "starts_at: expected an RFC 3339 time"},
           {R"({"providers": ["stripe"], "ends_at": "2001-01-01T00:00:00Z"})", "must end after it starts, and in the future"},
           {R"({"providers": ["stripe"], "duration": "300d", "starts_at": "2040-01-01T00:00:00Z"})", "at most a year"},
           {R"({"providers": ["stripe"], "duration": "1h", "comment": 5})", "comment: expected a string"},
           {R"([1, 2])", "a JSON object"}}) {
    SCOPED_TRACE(body);
    const testing::HttpResult r = Api("POST", "/api/v1/silences", body);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find(detail), std::string::npos) << r.body;
  }
  const testing::HttpResult created =
      Api("POST", "/api/v1/silences", R"({"providers": ["stripe", "adyen"], "duration": "1h", "comment": "deploy", "created_by": "ops"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = ParseObject(created.body)->getValue<std::string>("id");
  Array::Ptr listed = daemon_->GetJson("/api/v1/silences")->getArray("silences");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->getObject(0)->getValue<std::string>("state"), "active");

  Fail("adyen");
  ASSERT_TRUE(Eventually([&] { return Entry("hook", "adyen", "suppressed") != nullptr; }, 20s));
  EXPECT_EQ(Entry("hook", "adyen", "suppressed")->getValue<std::string>("reason"), "silenced by " + id + ": deploy");
  Heal("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.up", "stripe") == 1; }, 20s)) << "the resolve is not held back";
  EXPECT_EQ(hook.Count("provider.down", "adyen"), 0u);

  EXPECT_EQ(Api("DELETE", "/api/v1/silences/" + id, "", false).status, 401);
  EXPECT_EQ(Api("DELETE", "/api/v1/silences/NOSUCHSILENCE").status, 404);
  ASSERT_EQ(Api("DELETE", "/api/v1/silences/" + id).status, 200);
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.down", "adyen") == 1; }, 20s)) << "adyen is still down: paged now";
  const std::string metrics = daemon_->Get("/metrics").body;
  EXPECT_NE(metrics.find("vigil_alerts_total{notifier=\"hook\",outcome=\"suppressed\"} 1"), std::string::npos) << metrics;
}

TEST_F(AlertsE2E, AMaintenanceWindowHoldsPagesButTheResolveStillArrives) {
  Receiver hook;
  const std::string notifiers = Webhook("hook", hook);
  Start(Config(notifiers));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.down", "stripe") == 1; }, 20s));
  const std::string start = core::FormatRfc3339(std::chrono::system_clock::now() - 1min).substr(0, 19) + "Z";
  daemon_->RewriteConfig(Config(notifiers, "maintenance:\n  - { providers: [stripe, adyen], start: \"" + start +
                                               "\", duration: 1h, reason: db upgrade }\n"));
  daemon_->process().Signal(SIGHUP);
  ASSERT_TRUE(WaitFor("adyen", "maintenance"));
  Object::Ptr view = daemon_->GetJson("/api/v1/providers/adyen");
  EXPECT_EQ(view->getObject("maintenance")->getValue<std::string>("reason"), "db upgrade");
  Fail("adyen");
  ASSERT_TRUE(Eventually([&] { return Entry("hook", "adyen", "suppressed") != nullptr; }, 20s));
  EXPECT_EQ(Entry("hook", "adyen", "suppressed")->getValue<std::string>("reason"), "maintenance: db upgrade");
  Heal("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.up", "stripe") == 1; }, 20s));
  EXPECT_EQ(hook.Count("provider.down", "adyen"), 0u);
}

TEST_F(AlertsE2E, ImpactedByADownDependencyIsNotPagedUnlessAskedButResolvesArrive) {
  Receiver pager, ops;
  Start(Config(Webhook("pager", pager) + Webhook("ops", ops, ", include_impacted: true, match: { providers: [adyen] }"), "",
               ", depends_on: [okta]"));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return pager.Count("provider.down", "stripe") == 1; }, 20s));
  Fail("okta");
  ASSERT_TRUE(Eventually([&] { return pager.Count("provider.down", "okta") == 1; }, 20s));
  Fail("adyen");
  ASSERT_TRUE(Eventually([&] { return Entry("pager", "adyen", "suppressed") != nullptr && ops.Count("provider.down", "adyen") == 1; }, 20s));
  EXPECT_EQ(Entry("pager", "adyen", "suppressed")->getValue<std::string>("reason"), "impacted by okta");
  EXPECT_EQ(ops.Delivered().front().Json()->getValue<std::string>("impacted_by"), "okta");
  Heal("stripe");
  ASSERT_TRUE(Eventually([&] { return pager.Count("provider.up", "stripe") == 1; }, 20s));
  EXPECT_EQ(pager.Count("provider.down", "adyen"), 0u);
}

TEST_F(AlertsE2E, WhenTheConnectivityTargetsFailNobodyIsPagedButResolvesArrive) {
  Receiver hook;
  auto target = std::make_unique<testing::TestHttpServer>(
      [](const testing::RecordedRequest&, Poco::Net::HTTPServerResponse& resp) { testing::Reply(resp, 204, ""); });
  Start(Config(Webhook("hook", hook), "connectivity: { urls: [\"" + target->url("/generate_204") +
                                          "\"], interval: 1s, timeout: 500ms }\n"));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.down", "stripe") == 1; }, 20s));
  target.reset();  // our own network is "down": the target refuses connections
  ASSERT_TRUE(Eventually([&] { return daemon_->GetJson("/api/v1/providers")->getObject("monitor")->getValue<bool>("offline"); }, 20s));
  EXPECT_NE(daemon_->Get("/metrics").body.find("vigil_monitor_offline 1"), std::string::npos);
  Fail("adyen");
  ASSERT_TRUE(Eventually([&] { return Entry("hook", "adyen", "suppressed") != nullptr; }, 20s));
  EXPECT_EQ(Entry("hook", "adyen", "suppressed")->getValue<std::string>("reason").find("monitor offline"), 0u);
  Heal("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Count("provider.up", "stripe") == 1; }, 20s));
  EXPECT_EQ(hook.Count("provider.down", "adyen"), 0u);
}

TEST_F(AlertsE2E, SlackRetryAfterIsHonouredAndAnArchivedChannelReroutesToTheFallback) {
  std::atomic<int> calls{0};
  Receiver slack([&](const testing::RecordedRequest&) -> std::pair<int, std::string> {
    return ++calls == 1 ? std::pair<int, std::string>{429, "rate_limited"} : std::pair<int, std::string>{200, "ok"};
  });
  Receiver archived([](const testing::RecordedRequest&) { return std::pair<int, std::string>{410, "channel_is_archived"}; });
  Receiver hook;
  Start(Config("  - { name: slack, type: slack, url: \"" + slack.url("/services/T0/B0/x") + "\", match: { providers: [stripe] } }\n"
               "  - { name: archived, type: slack, url: \"" + archived.url("/services/T0/B1/y") +
               "\", match: { providers: [stripe] }, fallback: { notifier: hook, after: 1m } }\n" +
               Webhook("hook", hook, ", match: { providers: [okta] }")));
  Fail("stripe");
  ASSERT_TRUE(Eventually([&] { return slack.Delivered().size() == 1 && hook.Delivered().size() == 1; }, 30s));
  const auto hits = slack.hits();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_GE(hits[1].at - hits[0].at, 1900ms) << "Retry-After: 2 was not honoured";
  EXPECT_EQ(hits[0].request.body, hits[1].request.body);
  EXPECT_TRUE(alerts::CheckBlockKitLimits(hits[1].request.body).empty());
  EXPECT_NE(hits[1].Json()->getValue<std::string>("text").find("stripe"), std::string::npos);

  EXPECT_EQ(archived.hits().size(), 1u) << "a permanent error is not retried";
  // Re-routed within its lane: the entry stays archived's, delivered through hook's receiver.
  Object::Ptr rerouted = Entry("archived", "stripe", "delivered");
  ASSERT_TRUE(rerouted);
  EXPECT_EQ(rerouted->getValue<std::string>("via"), "hook");
  EXPECT_NE(rerouted->getValue<std::string>("reason").find("channel_is_archived"), std::string::npos);
  Array::Ptr attempts = rerouted->getArray("attempts");
  ASSERT_EQ(attempts->size(), 2u);
  EXPECT_EQ(attempts->getObject(0)->getValue<std::string>("outcome"), "rerouted");
  EXPECT_EQ(attempts->getObject(0)->getValue<int>("status_code"), 410);
  EXPECT_EQ(attempts->getObject(1)->getValue<std::string>("outcome"), "delivered");
  EXPECT_EQ(attempts->getObject(1)->getValue<std::string>("via"), "hook");
  EXPECT_EQ(hook.Delivered().front().request.Header("webhook-id"), rerouted->getValue<std::string>("event_id"));
  // The resolve follows the page to the receiver that got it, without trying the archived one.
  Heal("stripe");
  ASSERT_TRUE(Eventually([&] { return hook.Delivered().size() == 2; }, 20s));
  EXPECT_EQ(hook.DeliveredEvents(), (std::vector<std::string>{"provider.down stripe", "provider.up stripe"}));
  EXPECT_EQ(archived.hits().size(), 1u);
  const std::string metrics = daemon_->Get("/metrics").body;
  EXPECT_NE(metrics.find("vigil_alerts_total{notifier=\"archived\",outcome=\"rerouted\"} 1"), std::string::npos) << metrics;
  // The Slack URL is a credential: it appears in no delivery log entry.
  EXPECT_EQ(daemon_->Get("/api/v1/deliveries").body.find("/services/T0/B1/y"), std::string::npos);
}

TEST_F(AlertsE2E, NotifyTestSendsOneSignedTestEvent) {
  Receiver hook, gone([](const testing::RecordedRequest&) { return std::pair<int, std::string>{404, "no such hook"}; });
  const std::string yaml = Config(Webhook("hook", hook, ", secret: \"${env:HOOK_SECRET}\"") + Webhook("gone", gone));
  const std::string file = dir_.Write("notify.yaml", yaml);
  testing::ProcessOptions env;
  env.set_env = {{"HOOK_SECRET", kSecret}};
  const testing::ProcessResult ok = testing::RunProcess({testing::VigilBinary(), "notify-test", "-c", file, "hook"}, 20s, env);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  ASSERT_EQ(hook.hits().size(), 1u);
  EXPECT_EQ(hook.hits()[0].Type(), "test");
  EXPECT_TRUE(PythonVerifies(dir_, hook.hits()[0].request));
  const testing::ProcessResult bad = testing::RunProcess({testing::VigilBinary(), "notify-test", "-c", file, "gone"}, 20s, env);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("HTTP 404"), std::string::npos) << bad.err;
  const testing::ProcessResult unknown = testing::RunProcess({testing::VigilBinary(), "notify-test", "-c", file, "nope"}, 20s, env);
  EXPECT_EQ(unknown.exit_code, 2);
}

}  // namespace
}  // namespace vigil
