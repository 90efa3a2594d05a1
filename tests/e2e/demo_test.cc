// End to end: the README's run command. scripts/run-demo.sh — what `make run` runs, here with
// the binary under test instead of a build and on free ports — starts `vigil simulate` and the
// daemon on examples/demo.yaml. Within a minute every demo provider has a live state in
// /api/v1/providers and `vigil status` prints one line per provider; breaking stripe as the
// README shows makes the API recommend adyen; Ctrl-C stops everything, leaving no process behind.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <map>
#include <sstream>

#include "config/loader.h"
#include "tests/support/http_call.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace vigil {
namespace {

using Poco::JSON::Object;
using Clock = std::chrono::steady_clock;

// The demo script and its children, in a process group of their own (as a terminal would run
// them), so a test can press "Ctrl-C" and see that nothing outlives the script.
class DemoProcess {
 public:
  DemoProcess(uint16_t port, uint16_t sim_port, const std::string& state_dir) {
    testing::ProcessOptions options;
    options.cwd = VIGIL_SOURCE_DIR;
    options.set_env = {{"VIGIL_BINARY", testing::VigilBinary()},
                       {"VIGIL_DEMO_PORT", std::to_string(port)},
                       {"VIGIL_DEMO_SIM_PORT", std::to_string(sim_port)},
                       {"VIGIL_STATE_DIR", state_dir}};
    options.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "STATE_DIRECTORY",
                         "CREDENTIALS_DIRECTORY"};
    // setsid(1) execs in place (the child is not a group leader), so the pid is the group's id.
    process_ = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{"setsid", "bash", "scripts/run-demo.sh"}, options);
  }
  ~DemoProcess() {
    if (GroupAlive())
      ::kill(-process_->pid(), SIGKILL);  // a failed test must not leave a demo running
  }
  void CtrlC() { ::kill(-process_->pid(), SIGINT); }
  bool GroupAlive() const { return ::kill(-process_->pid(), 0) == 0 || errno != ESRCH; }
  testing::Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<testing::Subprocess> process_;
};

std::vector<std::string> DemoProviders() {
  config::LoadResult demo = config::LoadConfigFile(
      std::string(VIGIL_SOURCE_DIR) + "/examples/demo.yaml", config::SecretSources::FromProcess());
  std::vector<std::string> names;
  if (!demo.ok()) return names;
  for (const auto& p : demo.config->providers) names.push_back(p.name);
  return names;
}

// name -> state from /api/v1/providers; empty when it does not answer.
std::map<std::string, std::string> ProviderStates(const std::string& api) {
  std::map<std::string, std::string> states;
  const testing::HttpResult r = testing::HttpGet(api + "/api/v1/providers");
  if (r.status != 200) return states;
  Poco::JSON::Array::Ptr list =
      Poco::JSON::Parser().parse(r.body).extract<Object::Ptr>()->getArray("providers");
  for (std::size_t i = 0; i < list->size(); ++i) {
    Object::Ptr p = list->getObject(static_cast<unsigned>(i));
    states[p->getValue<std::string>("name")] = p->getValue<std::string>("state");
  }
  return states;
}

std::string Describe(const std::map<std::string, std::string>& states) {
  std::string out;
  for (const auto& [name, state] : states) out += name + "=" + state + " ";
  return out;
}

TEST(DemoE2E, RunCommandServesEveryProviderLiveStatusPrintsThemAndCtrlCStopsEverything) {
  const std::vector<std::string> providers = DemoProviders();
  ASSERT_EQ(providers.size(), 6u) << "examples/demo.yaml does not load";
  testing::TempDir dir;
  const uint16_t port = testing::FreeLoopbackPort();
  const uint16_t sim_port = testing::FreeLoopbackPort(port);
  const std::string api = "http://127.0.0.1:" + std::to_string(port);
  DemoProcess demo(port, sim_port, dir.File("state"));

  // Within a minute (the README says "a few seconds"): every provider with a live state.
  std::map<std::string, std::string> states;
  const bool live = testing::Eventually(
      [&] {
        states = ProviderStates(api);
        for (const auto& name : providers) {
          if (!states.count(name) || states[name] == "unknown") return false;
        }
        return true;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(live) << Describe(states) << "\n" << demo.process().err();
  EXPECT_EQ(states.size(), providers.size()) << Describe(states);
  // What the README promises of the six: healthy ones up, the revoked key down (not unknown).
  EXPECT_EQ(states["stripe"], "up");
  EXPECT_EQ(states["adyen"], "up");
  EXPECT_EQ(states["okta"], "down");

  const testing::ProcessResult status = testing::RunProcess(
      {testing::VigilBinary(), "status", "--url", api}, std::chrono::seconds(10));
  EXPECT_EQ(status.exit_code, 1) << "okta is down\n"
                                 << status.out << status.err;  // 1: a provider is down
  std::istringstream lines(status.out);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), providers.size() + 1)
      << status.out;  // a header, then one line per provider
  EXPECT_EQ(rows[0].rfind("PROVIDER", 0), 0u) << rows[0];
  for (const auto& name : providers) {
    int found = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      std::istringstream cols(rows[i]);
      std::string first, state;
      cols >> first >> state;
      if (first != name) continue;
      ++found;
      EXPECT_TRUE(state == "up" || state == "degraded" || state == "down") << rows[i];
    }
    EXPECT_EQ(found, 1) << name << " in:\n" << status.out;
  }

  // The README's walk-through: break stripe and the API recommends adyen.
  const std::string sim = "http://127.0.0.1:" + std::to_string(sim_port);
  ASSERT_EQ(testing::HttpCall("POST", sim + "/_sim/scenario?path=/stripe&scenario=error").status,
            200);
  std::string recommended;
  EXPECT_TRUE(testing::Eventually(
      [&] {
        const testing::HttpResult r = testing::HttpGet(api + "/api/v1/providers/stripe");
        if (r.status != 200) return false;
        Object::Ptr o = Poco::JSON::Parser().parse(r.body).extract<Object::Ptr>();
        recommended = o->getValue<std::string>("recommended");
        return o->getValue<std::string>("state") == "down" && recommended == "adyen";
      },
      std::chrono::seconds(45)))
      << "recommended=" << recommended;

  // Ctrl-C: the whole foreground group gets SIGINT; the script exits 0 once both have stopped.
  const auto start = Clock::now();
  demo.CtrlC();
  EXPECT_EQ(demo.process().Wait(std::chrono::seconds(15)), 0) << demo.process().err();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(testing::Eventually([&] { return !demo.GroupAlive(); }, std::chrono::seconds(5)))
      << "processes of the demo outlived it";
  EXPECT_NE(demo.process().err().find("daemon: stopped"), std::string::npos)
      << demo.process().err();
  EXPECT_EQ(testing::HttpGet(api + "/healthz").status, 0);
  EXPECT_EQ(testing::HttpGet(sim + "/_sim/scenarios").status, 0);
}

}  // namespace
}  // namespace vigil
