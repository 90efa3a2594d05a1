// End to end: learned response shapes with the real binary against the simulator's drift
// scenario — silent while learning, the exact changed paths afterwards, kept across a restart,
// forgotten on reset (through the API, and through `vigil baseline reset`).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include "daemon/simulate/simulator.h"
#include "tests/support/daemon_process.h"

namespace vigil {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kToken = "contract-e2e-token-0123456789";
constexpr const char* kDrift =
    "the response shape changed since it was learned: /available/*/amount: integer -> string; added /environment "
    "(string); removed /livemode (boolean) (accept it with: vigil baseline reset sim/balance)";

class ContractE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = simulate::Simulator::Start("127.0.0.1:0", {{"/sim", {"drift", {{"after", "3"}}}}});
    ASSERT_TRUE(s.ok());
    sim_ = std::move(s).value();
    config_ = "server: { api_token: \"${env:TOKEN}\" }\n"
              "defaults: { interval: 1s, timeout: 800ms }\n"
              "providers:\n  - name: sim\n    base_url: " + testing::SimUrl(sim_->port(), "/sim") + "\n"
              "    checks:\n      - name: balance\n        path: /v1/balance\n"
              "        expect: { shape_drift: warn, track_headers: [Content-Type] }\n";
  }
  // Findings of every result so far, oldest first: "kind: message".
  std::vector<std::vector<std::string>> Findings(testing::DaemonProcess& d) {
    Array::Ptr a = d.GetJson("/api/v1/providers/sim/results?limit=1000")->getArray("results");
    std::vector<std::vector<std::string>> out;
    for (std::size_t i = a->size(); i-- > 0;) {
      Array::Ptr f = a->getObject(static_cast<unsigned>(i))->getArray("findings");
      std::vector<std::string> list;
      for (std::size_t k = 0; k < f->size(); ++k) {
        Object::Ptr o = f->getObject(static_cast<unsigned>(k));
        list.push_back(o->getValue<std::string>("kind") + ": " + o->getValue<std::string>("message"));
      }
      out.push_back(list);
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<simulate::Simulator> sim_;
  std::string config_;
};

TEST_F(ContractE2E, LearnsThenNamesExactlyTheChangedPathsKeepsItAcrossARestartAndForgetsOnReset) {
  testing::DaemonProcess d(dir_, config_, {{"TOKEN", kToken}});
  ASSERT_TRUE(testing::Eventually([&] { return Findings(d).size() >= 5; }, std::chrono::seconds(15)));
  const auto seen = Findings(d);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(seen[static_cast<std::size_t>(i)].empty()) << "learning response " << i;
  EXPECT_EQ(seen[3], std::vector<std::string>{std::string("shape_drift: ") + kDrift});
  // A run of failure_threshold (3) warnings degrades the provider.
  EXPECT_TRUE(testing::Eventually([&] { return d.ProviderState("sim") == "degraded"; }, std::chrono::seconds(10)));

  // A restart keeps the baseline: the very next response is compared, not learned from.
  const std::size_t before_stop = Findings(d).size();
  d.process().Signal(SIGTERM);
  ASSERT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
  d.Start();
  const std::size_t before = std::max(before_stop, Findings(d).size());
  ASSERT_TRUE(testing::Eventually([&] { return Findings(d).size() > before; }, std::chrono::seconds(10)));
  EXPECT_EQ(Findings(d)[before], std::vector<std::string>{std::string("shape_drift: ") + kDrift});

  // Reset through the API: the drifted shape becomes the new baseline, silently.
  EXPECT_EQ(testing::HttpCall("POST", d.url("/api/v1/providers/sim/baseline/reset?check=balance")).status, 401);
  const testing::HttpResult reset = testing::HttpCall("POST", d.url("/api/v1/providers/sim/baseline/reset?check=balance"),
                                                      {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_EQ(reset.status, 200) << reset.body;
  const std::size_t at_reset = Findings(d).size();
  ASSERT_TRUE(testing::Eventually([&] { return Findings(d).size() >= at_reset + 5; }, std::chrono::seconds(15)));
  const auto after = Findings(d);
  for (std::size_t i = at_reset + 1; i < after.size(); ++i) EXPECT_TRUE(after[i].empty()) << "response " << i << " after the reset";
  EXPECT_TRUE(testing::Eventually([&] { return d.ProviderState("sim") == "up"; }, std::chrono::seconds(10)));
}

TEST_F(ContractE2E, TheCliResetsThroughTheDaemonOrTheDatabase) {
  testing::DaemonProcess d(dir_, config_, {{"TOKEN", kToken}});
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("sim") == "degraded"; }, std::chrono::seconds(15)));
  testing::ProcessOptions opts;
  opts.set_env = {{"TOKEN", kToken}};
  // The config says the daemon listens on 127.0.0.1:9470, but this one listens elsewhere: the
  // CLI then edits the database (the daemon's own baseline stays until it is told).
  d.process().Signal(SIGTERM);
  ASSERT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
  testing::ProcessResult r = testing::RunProcess({testing::VigilBinary(), "baseline", "reset", "-c", d.config_path(),
                                                  "--state-dir", d.state_dir(), "sim/balance"},
                                                 std::chrono::seconds(10), opts);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("forgot the baseline of sim/balance"), std::string::npos) << r.out;
  d.Start();  // relearns from the (drifted) responses: no drift finding any more
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("sim") == "up"; }, std::chrono::seconds(15)));
  r = testing::RunProcess({testing::VigilBinary(), "baseline", "reset", "-c", d.config_path(), "sim/nope"},
                          std::chrono::seconds(10), opts);
  EXPECT_EQ(r.exit_code, 2);
  r = testing::RunProcess({testing::VigilBinary(), "baseline", "forget", "-c", d.config_path(), "sim"}, std::chrono::seconds(10), opts);
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace vigil
