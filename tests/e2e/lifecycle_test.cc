// End to end: the daemon as a Unix service — reloads, stops, crashes and restarts, and talks
// to systemd through $NOTIFY_SOCKET.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "daemon/simulate/simulator.h"
#include "tests/support/daemon_process.h"

namespace vigil {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Clock = std::chrono::steady_clock;

std::string Config(uint16_t sim, const std::string& extra_provider = "", const std::string& timing = "interval: 1s, timeout: 800ms") {
  std::string c = "defaults: { " + timing + ", failure_threshold: 2, success_threshold: 2 }\n"
                  "providers:\n"
                  "  - name: stripe\n    base_url: " + testing::SimUrl(sim, "/stripe") + "\n"
                  "    checks: [{ name: balance, path: /v1/balance }]\n"
                  "  - name: okta\n    base_url: " + testing::SimUrl(sim, "/okta") + "\n"
                  "    checks: [{ name: userinfo, path: /userinfo }]\n";
  if (!extra_provider.empty()) {
    c += "  - name: " + extra_provider + "\n    base_url: " + testing::SimUrl(sim, "/" + extra_provider) + "\n"
         "    checks: [{ name: ping, path: /ping }]\n";
  }
  return c;
}

class LifecycleE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = simulate::Simulator::Start("127.0.0.1:0", {{"/okta", {"unauthorized", {}}}});
    ASSERT_TRUE(s.ok());
    sim_ = std::move(s).value();
  }
  std::set<int64_t> ResultIds(testing::DaemonProcess& d, const std::string& provider) {
    std::set<int64_t> ids;
    Array::Ptr a = d.GetJson("/api/v1/providers/" + provider + "/results?limit=1000")->getArray("results");
    for (std::size_t i = 0; i < a->size(); ++i) ids.insert(a->getObject(static_cast<unsigned>(i))->getValue<int64_t>("id"));
    return ids;
  }
  std::string Metric(testing::DaemonProcess& d, const std::string& name) {
    const std::string text = d.Get("/metrics").body;
    const std::size_t at = text.find("\n" + name + " ");
    return at == std::string::npos ? "" : text.substr(at + name.size() + 2, text.find('\n', at + 1) - at - name.size() - 2);
  }

  testing::TempDir dir_;
  std::unique_ptr<simulate::Simulator> sim_;
};

TEST_F(LifecycleE2E, SighupAppliesAValidConfigAndRejectsAnInvalidOne) {
  testing::DaemonProcess d(dir_, Config(sim_->port()));
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("okta") == "down"; }, std::chrono::seconds(15)));
  const std::string okta_since = d.GetJson("/api/v1/providers/okta")->getValue<std::string>("since");
  const std::size_t results_before = ResultIds(d, "stripe").size();

  d.RewriteConfig(Config(sim_->port(), "sendgrid"));
  d.process().Signal(SIGHUP);
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("sendgrid") == "up"; }, std::chrono::seconds(15))) << "exit=" << d.process().Wait(std::chrono::milliseconds(0)).value_or(-1) << "\n" << d.process().err();
  Object::Ptr okta = d.GetJson("/api/v1/providers/okta");
  EXPECT_EQ(okta->getValue<std::string>("state"), "down");  // unchanged checks keep state and history
  EXPECT_EQ(okta->getValue<std::string>("since"), okta_since);
  EXPECT_GE(ResultIds(d, "stripe").size(), results_before);
  EXPECT_EQ(Metric(d, "vigil_config_last_reload_successful"), "1");

  d.RewriteConfig("providers:\n  - name: broken\n    checks: [{ name: x, path: nope }]\n");
  d.process().Signal(SIGHUP);
  ASSERT_TRUE(d.process().WaitForOutput("reload rejected", std::chrono::seconds(10))) << d.process().err();
  EXPECT_NE(d.process().err().find("providers[0].checks[0].path: must start with '/'"), std::string::npos);
  EXPECT_TRUE(testing::Eventually([&] { return Metric(d, "vigil_config_last_reload_successful") == "0"; }, std::chrono::seconds(5)));
  EXPECT_EQ(d.ProviderState("sendgrid"), "up");  // the previous config keeps running
  EXPECT_EQ(d.ProviderState("okta"), "down");
  const std::size_t n = ResultIds(d, "sendgrid").size();
  EXPECT_TRUE(testing::Eventually([&] { return ResultIds(d, "sendgrid").size() > n; }, std::chrono::seconds(5)));
  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
}

TEST_F(LifecycleE2E, SigtermMidProbeDrainsAndExitsZeroWithinTenSeconds) {
  // The response would take 60 s and the probe's timeout is 25 s: at SIGTERM it is in flight,
  // and still in flight when the drain period ends.
  ASSERT_TRUE(sim_->SetScenario("/stripe", {"slow", {{"delay", "60s"}}}).ok());
  testing::DaemonProcess d(dir_, Config(sim_->port(), "", "interval: 30s, timeout: 25s"));
  ASSERT_TRUE(testing::Eventually([&] { return sim_->Calls("/stripe") >= 1; }, std::chrono::seconds(20)));
  const auto start = Clock::now();
  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0) << d.process().err();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(d.process().err().find("cut short"), std::string::npos) << d.process().err();
  // The probe cut short by our own shutdown is not a provider failure: nothing was stored for it.
  d.Start();
  EXPECT_EQ(ResultIds(d, "stripe").size(), 0u);
}

// A probe still in flight at SIGTERM (or SIGINT: the same stop) that answers within the drain
// period is a real result: it is committed before exit and the API shows it after a restart.
class DrainE2E : public LifecycleE2E, public ::testing::WithParamInterface<int> {};

TEST_P(DrainE2E, AProbeThatFinishesDuringTheDrainIsStoredAndTheExitIsZero) {
  ASSERT_TRUE(sim_->SetScenario("/stripe", {"slow", {{"delay", "1500ms"}}}).ok());
  testing::DaemonProcess d(dir_, Config(sim_->port(), "", "interval: 5s, timeout: 4s"));
  ASSERT_TRUE(
      testing::Eventually([&] { return sim_->Calls("/stripe") >= 1; }, std::chrono::seconds(10)));
  const std::size_t before = ResultIds(d, "stripe").size();  // the first answer is still 1.5 s away
  const auto start = Clock::now();
  d.process().Signal(GetParam());
  EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0) << d.process().err();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(d.process().err().find("cut short"), std::string::npos) << d.process().err();
  EXPECT_NE(d.process().err().find("daemon: stopped"), std::string::npos) << d.process().err();

  // Results of the restarted daemon are 503s, told apart from the drained 200.
  ASSERT_TRUE(sim_->SetScenario("/stripe", {"error", {{"code", "503"}}}).ok());
  d.Start();
  Array::Ptr results =
      d.GetJson("/api/v1/providers/stripe/results?check=balance&limit=1000")->getArray("results");
  std::size_t drained = 0;
  for (std::size_t i = 0; i < results->size(); ++i) {
    Object::Ptr r = results->getObject(static_cast<unsigned>(i));
    if (r->getValue<int>("status_code") != 200) continue;  // probed after the restart
    ++drained;
    EXPECT_EQ(r->getValue<std::string>("outcome"), "pass");
    EXPECT_GE(r->getObject("phases")->getValue<double>("total_ms"), 1400) << "not the slow probe";
  }
  EXPECT_EQ(drained, before + 1) << "the probe answered during the drain was not stored";
  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, DrainE2E, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return std::string(p.param == SIGTERM ? "Sigterm" : "Sigint");
                         });

TEST_F(LifecycleE2E, KillNineLosesNothingTheApiHadShownAndRestartResumesState) {
  std::set<int64_t> shown;
  {
    testing::DaemonProcess d(dir_, Config(sim_->port()));
    ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("okta") == "down"; }, std::chrono::seconds(15)));
    ASSERT_TRUE(testing::Eventually([&] { return ResultIds(d, "stripe").size() >= 4; }, std::chrono::seconds(15)));
    shown = ResultIds(d, "stripe");
    for (int64_t id : ResultIds(d, "okta")) shown.insert(-id);
    d.process().Signal(SIGKILL);
    ASSERT_EQ(d.process().Wait(std::chrono::seconds(5)), 128 + SIGKILL);
    ASSERT_TRUE(sim_->SetScenario("/okta", {"unauthorized", {}}).ok());
    d.Start();  // same config, same state directory
    // Before any new result could change it, the state and the open incident are back.
    EXPECT_EQ(d.ProviderState("okta"), "down");
    Array::Ptr incidents = d.GetJson("/api/v1/incidents?provider=okta")->getArray("incidents");
    ASSERT_EQ(incidents->size(), 1u);
    EXPECT_TRUE(incidents->getObject(0)->getValue<bool>("ongoing"));
    std::set<int64_t> after = ResultIds(d, "stripe");
    for (int64_t id : ResultIds(d, "okta")) after.insert(-id);
    for (int64_t id : shown) EXPECT_TRUE(after.count(id)) << "result " << id << " was shown, then lost";
    d.process().Signal(SIGTERM);
    EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
  }
}

TEST_F(LifecycleE2E, ReadersDuringReloadsNeverSeeAHalfAppliedConfig) {
  // A provider appears and disappears with every reload while clients keep asking for it; a
  // reader that found it in the new status but not yet in the new config used to crash the daemon.
  testing::DaemonProcess d(dir_, Config(sim_->port()));
  std::atomic<bool> done{false};
  std::atomic<int> answers{0}, failures{0};
  std::thread reader([&] {
    while (!done) {
      for (const char* path : {"/api/v1/providers/sendgrid", "/providers/sendgrid", "/api/v1/providers",
                               "/api/v1/providers/sendgrid/results"}) {
        const int status = d.Get(path).status;
        (status == 200 || status == 404 ? answers : failures)++;
      }
    }
  });
  for (int i = 0; i < 20; ++i) {
    const bool with = i % 2 == 0;
    d.RewriteConfig(Config(sim_->port(), with ? "sendgrid" : ""));
    d.process().Signal(SIGHUP);
    ASSERT_TRUE(testing::Eventually([&] { return (d.Get("/api/v1/providers/sendgrid").status == 200) == with; },
                                    std::chrono::seconds(10)))
        << "reload " << i << "\n" << d.process().err();
  }
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0) << "every read is answered 200 or 404";
  EXPECT_GT(answers, 20);
  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
}

TEST_F(LifecycleE2E, ARestartShowsEachChecksLastResultAndTheReasonsAtOnce) {
  // An hour between probes: after the restart nothing new arrives while the test looks.
  const std::string token = "lifecycle-token-0123456789";
  testing::DaemonProcess d(dir_, "server: { api_token: " + token + " }\n" +
                                     Config(sim_->port(), "", "interval: 1h, timeout: 5s"));
  const auto probe = [&] {
    return testing::HttpCall("POST", d.url("/api/v1/providers/okta/probe"), {{"Authorization", "Bearer " + token}});
  };
  std::string last_time;
  for (int i = 0; i < 2 && d.ProviderState("okta") != "down"; ++i) {  // failure_threshold: 2
    ASSERT_EQ(probe().status, 202);
    ASSERT_TRUE(testing::Eventually([&] {
      Object::Ptr check = d.GetJson("/api/v1/providers/okta")->getArray("checks")->getObject(0);
      if (check->isNull("last_result")) return false;
      const std::string t = check->getObject("last_result")->getValue<std::string>("time");
      if (t == last_time) return false;
      last_time = t;
      return true;
    }, std::chrono::seconds(10)));
  }
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("okta") == "down"; }, std::chrono::seconds(10)));
  d.process().Signal(SIGTERM);
  ASSERT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
  d.Start();
  Object::Ptr view = d.GetJson("/api/v1/providers/okta");
  EXPECT_EQ(view->getValue<std::string>("state"), "down");
  Array::Ptr reasons = view->getArray("reasons");
  ASSERT_EQ(reasons->size(), 1u) << "the reasons come back with the last result";
  EXPECT_EQ(reasons->getObject(0)->getValue<std::string>("kind"), "auth");
  Object::Ptr check = view->getArray("checks")->getObject(0);
  ASSERT_FALSE(check->isNull("last_result"));
  EXPECT_EQ(check->getObject("last_result")->getValue<std::string>("time"), last_time);
  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
}

class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind notify socket");
    timeval tv{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifyListener() { ::close(fd_); }
  // Reads datagrams until one contains `text`.
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (ReadOne() && received_.back().find(text) != std::string::npos) return true;
    }
    return false;
  }
  // Reads one datagram, waiting up to 100 ms for it.
  bool ReadOne() {
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    received_.emplace_back(buf, static_cast<std::size_t>(n));
    arrived_.push_back(Clock::now());
    return true;
  }
  const std::vector<std::string>& received() const { return received_; }
  const std::vector<Clock::time_point>& arrived() const { return arrived_; }

 private:
  std::string path_;
  int fd_;
  std::vector<std::string> received_;
  std::vector<Clock::time_point> arrived_;  // when each of received_ came
};

TEST_F(LifecycleE2E, TellsSystemdReadyWatchdogReloadingAndStopping) {
  NotifyListener listener(dir_.File("notify.sock"));
  testing::DaemonProcess d(dir_, Config(sim_->port()),
                           {{"NOTIFY_SOCKET", dir_.File("notify.sock")}, {"WATCHDOG_USEC", "400000"}});
  EXPECT_TRUE(listener.WaitFor("READY=1", std::chrono::seconds(5)));
  EXPECT_TRUE(listener.WaitFor("WATCHDOG=1", std::chrono::seconds(5)));
  EXPECT_TRUE(listener.WaitFor("WATCHDOG=1", std::chrono::seconds(5)));  // keeps pinging
  d.process().Signal(SIGHUP);
  EXPECT_TRUE(listener.WaitFor("RELOADING=1", std::chrono::seconds(5)));
  EXPECT_TRUE(listener.WaitFor("READY=1", std::chrono::seconds(5)));
  d.process().Signal(SIGTERM);
  EXPECT_TRUE(listener.WaitFor("STOPPING=1", std::chrono::seconds(5)));
  EXPECT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
}

// WATCHDOG_USEC=2s: systemd expects a ping at least every 2 s, and the scheduler loop sends one
// about every 1 s (half of it, as sd_watchdog_enabled(3) advises). The pings stop with that loop
// at STOPPING=1, even while a probe still drains: they come from the loop, not from a timer
// that would outlive a stalled scheduler.
TEST_F(LifecycleE2E, WatchdogPingsEveryHalfWatchdogUsecFromTheSchedulerLoop) {
  NotifyListener listener(dir_.File("notify.sock"));
  ASSERT_TRUE(sim_->SetScenario("/stripe", {"slow", {{"delay", "3s"}}}).ok());
  testing::DaemonProcess d(
      dir_, Config(sim_->port(), "", "interval: 5s, timeout: 4s"),
      {{"NOTIFY_SOCKET", dir_.File("notify.sock")}, {"WATCHDOG_USEC", "2000000"}});
  while (listener.ReadOne()) {  // what queued up while the daemon started would arrive all at once
  }
  std::vector<Clock::time_point> pings;
  while (pings.size() < 7) {
    ASSERT_TRUE(listener.WaitFor("WATCHDOG=1", std::chrono::seconds(3)))
        << "no ping for 3 s; had " << pings.size();
    pings.push_back(listener.arrived().back());
  }
  double sum = 0;
  for (std::size_t i = 1; i < pings.size(); ++i) {
    const double gap = std::chrono::duration<double>(pings[i] - pings[i - 1]).count();
    sum += gap;
    EXPECT_GT(gap, 0.7) << "ping " << i;
    EXPECT_LT(gap, 1.9) << "ping " << i << ": systemd would have restarted the service";
  }
  const double mean = sum / static_cast<double>(pings.size() - 1);
  EXPECT_GT(mean, 0.9);
  EXPECT_LT(mean, 1.3);

  // Stop while a stripe probe has ~3 s to go: the drain waits for it, and no ping comes meanwhile.
  const uint64_t calls = sim_->Calls("/stripe");
  ASSERT_TRUE(
      testing::Eventually([&] { return sim_->Calls("/stripe") > calls; }, std::chrono::seconds(8)));
  d.process().Signal(SIGTERM);
  ASSERT_TRUE(listener.WaitFor("STOPPING=1", std::chrono::seconds(5)));
  const std::size_t stopping = listener.received().size() - 1;
  const Clock::time_point stopping_at = listener.arrived().back();
  std::optional<int> code;
  while (!(code = d.process().Wait(std::chrono::milliseconds(0)))) listener.ReadOne();
  const Clock::time_point exited_at = Clock::now();
  while (listener.ReadOne()) {
  }
  EXPECT_EQ(code, 0) << d.process().err();
  EXPECT_GT(exited_at - stopping_at, std::chrono::milliseconds(1500))
      << "the drain should have waited for the probe";
  for (std::size_t i = stopping + 1; i < listener.received().size(); ++i) {
    EXPECT_EQ(listener.received()[i].find("WATCHDOG=1"), std::string::npos)
        << "a ping after STOPPING=1";
  }
  EXPECT_EQ(d.process().err().find("cut short"), std::string::npos) << d.process().err();
}

}  // namespace
}  // namespace vigil
