// End to end: the daemon's logs on stderr. `--log-format json` writes one JSON object per line
// (every line parses, with ts, level, component and msg), `--log-level` drops the levels below
// it, and no line carries a secret — not one from the running config, not one a provider or an
// alert receiver echoes back, and not one of a new config that a reload rejects.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <set>
#include <sstream>

#include "tests/support/http_call.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_http_server.h"

namespace vigil {
namespace {

using Poco::JSON::Object;
using Resp = Poco::Net::HTTPServerResponse;

const std::map<std::string, std::string> kSecrets = {
    {"LOG_TOKEN", "MARKER-logtoken-41c7e2"},
    {"LOG_HOOK", "MARKER-hookauth-93b0d5"},
    {"LOG_API", "MARKER-apitoken-7e11f0aa"},
    // Only in the config that the reload rejects, inside the very value the error is about.
    {"LOG_NEW", "MARKER-newsecret-2a6c"},
};

class LoggingE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    // A provider and an alert receiver that echo every credential they get.
    provider_ = std::make_unique<testing::TestHttpServer>(
        [](const testing::RecordedRequest& r, Resp& resp) {
          resp.set("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"bad " +
                                           r.Header("Authorization") + "\"");
          testing::Reply(resp, 401, "{\"error\":\"rejected " + r.Header("Authorization") + "\"}");
        });
    receiver_ = std::make_unique<testing::TestHttpServer>(
        [](const testing::RecordedRequest& r, Resp& resp) {
          testing::Reply(resp, 500, "no thanks, " + r.Header("Authorization"), "text/plain");
        });
    port_ = testing::FreeLoopbackPort();
  }

  // `auth_extra` goes into stripe's auth, `more` after it in providers; `sqlite` names the
  // database.
  std::string Config(const std::string& auth_extra = "", const std::string& sqlite = "vigil.db",
                     const std::string& more = "") const {
    return "server: { api_token: \"${env:LOG_API}\" }\n"
           "storage: { sqlite: " +
           sqlite +
           " }\n"
           "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 1 }\n"
           "providers:\n"
           "  - name: stripe\n    base_url: " +
           provider_->url("") +
           "/stripe\n"
           "    auth: { type: bearer, token: \"${env:LOG_TOKEN}\"" +
           auth_extra +
           " }\n"
           "    checks: [{ name: balance, path: /v1/balance }]\n" +
           more +
           "notifiers:\n"
           "  - name: hook\n    type: webhook\n    url: " +
           receiver_->url("/hook") +
           "\n"
           "    headers: { Authorization: \"Bearer ${env:LOG_HOOK}\" }\n";
  }

  void StartDaemon(const std::string& level, const std::string& format) {
    dir_.Write("vigil.yaml", Config());
    testing::ProcessOptions options;
    options.set_env = kSecrets;
    options.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "STATE_DIRECTORY",
                         "CREDENTIALS_DIRECTORY"};
    daemon_ = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{testing::VigilBinary(), "run", "-c", dir_.File("vigil.yaml"),
                                 "--state-dir", dir_.path(), "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "--log-level", level,
                                 "--log-format", format},
        options);
    ASSERT_TRUE(
        testing::Eventually([&] { return Get("/readyz").status == 200; }, std::chrono::seconds(15)))
        << daemon_->err();
  }
  testing::HttpResult Get(const std::string& path) const {
    return testing::HttpGet("http://127.0.0.1:" + std::to_string(port_) + path);
  }

  // A valid reload (a new provider, and a storage.sqlite change that is logged as a warning),
  // then a rejected one, then SIGTERM. Waits for each step's effect, so no signal is merged.
  void ReloadRejectAndStop() {
    dir_.Write("vigil.yaml", Config("", "other.db",
                                    "  - name: extra\n    base_url: " + provider_->url("") +
                                        "/extra\n    checks: [{ name: ping, path: /ping }]\n"));
    daemon_->Signal(SIGHUP);
    testing::HttpResult extra;
    ASSERT_TRUE(testing::Eventually(
        [&] {
          extra = Get("/api/v1/providers/extra");
          return extra.status == 200;
        },
        std::chrono::seconds(10)))
        << extra.status << " " << extra.body << "\n"
        << daemon_->err();
    dir_.Write("vigil.yaml", Config(", expires_at: \"${env:LOG_NEW}\""));
    daemon_->Signal(SIGHUP);
    ASSERT_TRUE(daemon_->WaitForOutput("reload rejected", std::chrono::seconds(10)))
        << daemon_->err();
    daemon_->Signal(SIGTERM);
    ASSERT_EQ(daemon_->Wait(std::chrono::seconds(10)), 0) << daemon_->err();
  }

  // Every stderr line as a JSON object; fails the test on a line that is not one.
  std::vector<Object::Ptr> JsonLines() const {
    std::vector<Object::Ptr> out;
    std::istringstream in(daemon_->err());
    std::string line;
    while (std::getline(in, line)) {
      Object::Ptr o;
      try {
        o = Poco::JSON::Parser().parse(line).extract<Object::Ptr>();
      } catch (const Poco::Exception& e) {
        ADD_FAILURE() << "not a JSON object: " << line << " (" << e.displayText() << ")";
        continue;
      }
      for (const char* key : {"ts", "level", "component", "msg"}) {
        EXPECT_TRUE(o->has(key) && o->get(key).isString()) << key << " in " << line;
      }
      EXPECT_TRUE(std::regex_match(o->optValue<std::string>("ts", ""),
                                   std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")))
          << line;
      out.push_back(o);
    }
    return out;
  }
  static std::set<std::string> Levels(const std::vector<Object::Ptr>& lines) {
    std::set<std::string> levels;
    for (const auto& o : lines) levels.insert(o->optValue<std::string>("level", ""));
    return levels;
  }
  static bool HasMessage(const std::vector<Object::Ptr>& lines, const std::string& level,
                         const std::string& text) {
    for (const auto& o : lines) {
      if (o->optValue<std::string>("level", "") == level &&
          o->optValue<std::string>("msg", "").find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  void ExpectNoSecret(const std::string& text) const {
    for (const auto& [name, secret] : kSecrets) {
      EXPECT_EQ(text.find(secret), std::string::npos) << name << " leaked into the log:\n" << text;
    }
    EXPECT_EQ(text.find("MARKER"), std::string::npos)
        << "a fragment of a secret leaked into the log";
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::TestHttpServer> provider_, receiver_;
  std::unique_ptr<testing::Subprocess> daemon_;
  uint16_t port_ = 0;
};

TEST_F(LoggingE2E, JsonFormatIsOneObjectPerLineAndNoLineHasASecret) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon("info", "json"));
  // The provider echoes the token in 401s; the receiver echoes its header in 500s (retries).
  ASSERT_TRUE(testing::Eventually([&] { return receiver_->requests().size() >= 2; },
                                  std::chrono::seconds(20)))
      << daemon_->err();
  ASSERT_NO_FATAL_FAILURE(ReloadRejectAndStop());
  EXPECT_TRUE(daemon_->out().empty()) << daemon_->out();
  const std::vector<Object::Ptr> lines = JsonLines();
  EXPECT_TRUE(HasMessage(lines, "info", "started"));
  EXPECT_TRUE(HasMessage(lines, "info", "reloaded"));
  EXPECT_TRUE(HasMessage(lines, "warn", "storage.sqlite changed"));
  EXPECT_TRUE(HasMessage(lines, "warn", "delivery failed"));
  EXPECT_TRUE(HasMessage(lines, "error", "reload rejected"));
  EXPECT_TRUE(HasMessage(lines, "info", "stopped"));
  EXPECT_FALSE(Levels(lines).count("debug"));
  for (const auto& o : lines) {
    if (o->optValue<std::string>("msg", "").find("reload rejected") == std::string::npos) continue;
    EXPECT_NE(o->optValue<std::string>("error", "").find("expires_at"),
              std::string::npos);  // still says what is wrong
  }
  ExpectNoSecret(daemon_->err());
}

TEST_F(LoggingE2E, LogLevelWarnDropsInfo) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon("warn", "json"));
  ASSERT_NO_FATAL_FAILURE(ReloadRejectAndStop());
  const std::vector<Object::Ptr> lines = JsonLines();
  EXPECT_EQ(Levels(lines), (std::set<std::string>{"warn", "error"})) << daemon_->err();
  EXPECT_TRUE(HasMessage(lines, "warn", "storage.sqlite changed"));
  EXPECT_TRUE(HasMessage(lines, "error", "reload rejected"));
  ExpectNoSecret(daemon_->err());
}

TEST_F(LoggingE2E, LogLevelErrorDropsWarnAndInfo) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon("error", "json"));
  ASSERT_NO_FATAL_FAILURE(ReloadRejectAndStop());
  const std::vector<Object::Ptr> lines = JsonLines();
  EXPECT_EQ(Levels(lines), (std::set<std::string>{"error"})) << daemon_->err();
  EXPECT_TRUE(HasMessage(lines, "error", "reload rejected"));
  ExpectNoSecret(daemon_->err());
}

TEST_F(LoggingE2E, TextFormatKeepsSecretsOutToo) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon("debug", "text"));
  ASSERT_NO_FATAL_FAILURE(ReloadRejectAndStop());
  EXPECT_NE(daemon_->err().find(" info daemon: started listen=127.0.0.1:"), std::string::npos)
      << daemon_->err();
  ExpectNoSecret(daemon_->err());
}

TEST(LoggingArgs, ABrokenConfigAtStartIsLoggedInTheChosenFormatAndExitsTwo) {
  testing::TempDir dir;
  const std::string file = dir.Write("broken.yaml", "providers:\n  - name: Bad\n");
  const auto text = testing::RunProcess({testing::VigilBinary(), "run", "-c", file}, std::chrono::seconds(10));
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.err.find("broken.yaml:2:11: providers[0].name: invalid name 'Bad'"), std::string::npos) << text.err;
  EXPECT_EQ(text.err.find("stopped"), std::string::npos) << "it never started";
  const auto json =
      testing::RunProcess({testing::VigilBinary(), "run", "-c", file, "--log-format", "json"}, std::chrono::seconds(10));
  EXPECT_EQ(json.exit_code, 2);
  std::istringstream lines(json.err);
  std::size_t errors = 0;
  for (std::string line; std::getline(lines, line);) {
    Poco::JSON::Object::Ptr o;
    ASSERT_NO_THROW(o = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>()) << line;
    EXPECT_EQ(o->getValue<std::string>("level"), "error") << line;
    errors += o->getValue<std::string>("error").find("broken.yaml:2:") != std::string::npos;
  }
  EXPECT_EQ(errors, 2u) << json.err;
}

TEST(LoggingArgs, AnUnknownLevelOrFormatIsAUsageError) {
  const auto level =
      testing::RunProcess({testing::VigilBinary(), "run", "-c", "x.yaml", "--log-level", "loud"},
                          std::chrono::seconds(10));
  EXPECT_EQ(level.exit_code, 2);
  EXPECT_NE(level.err.find("--log-level must be debug, info, warn or error"), std::string::npos)
      << level.err;
  const auto format =
      testing::RunProcess({testing::VigilBinary(), "run", "-c", "x.yaml", "--log-format", "xml"},
                          std::chrono::seconds(10));
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.err.find("--log-format must be text or json"), std::string::npos) << format.err;
}

}  // namespace
}  // namespace vigil
