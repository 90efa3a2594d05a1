// The canary: every secret in the config is a unique marker, the providers misbehave by echoing
// credentials back (in bodies, in WWW-Authenticate), and afterwards no marker — nor a derived
// form of one — appears in the logs, the database files, any API response, the page, /metrics
// or any output of `vigil probe`.
#include <Poco/Base64Encoder.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/daemon_process.h"
#include "tests/support/test_http_server.h"

namespace vigil {
namespace {

using testing::RecordedRequest;
using Resp = Poco::Net::HTTPServerResponse;

const std::map<std::string, std::string> kSecrets = {
    {"C_BEARER", "CANARY-bearer-7f3a9c"},       {"C_HEADER", "CANARY-header-0b1e55"},
    {"C_QUERY", "CANARY-query-9d2c41"},         {"C_BASIC", "CANARY-basicpw-c4a8e0"},
    {"C_CLIENT", "CANARY-clientsecret-1e7b33"}, {"C_API", "CANARY-apitoken-5f90d2aa"},
    {"C_WHSEC", "CANARY-webhooksecret-8c21"},   {"C_HOOKHDR", "CANARY-hookheader-3d7e"},
    {"C_SLACKPATH", "/services/T0/B0/CANARY-slacktoken-a91f"},
};
const std::string kAccessToken = "CANARY-accesstoken-6a4d2f";

std::string Base64(const std::string& s) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << s;
  enc.close();
  return out.str();
}

// Everything a leak could hide in, besides the obvious.
std::vector<std::string> Markers() {
  std::vector<std::string> m;
  for (const auto& [k, v] : kSecrets) m.push_back(v);
  m.push_back(kAccessToken);
  m.push_back(Base64("svc:" + kSecrets.at("C_BASIC")));
  m.push_back("CANARY");  // any fragment of any marker
  return m;
}

void ExpectClean(const std::string& where, const std::string& text) {
  for (const auto& marker : Markers()) {
    EXPECT_EQ(text.find(marker), std::string::npos) << "secret marker '" << marker << "' leaked into " << where;
  }
}

TEST(SecretsE2E, NoSecretReachesLogsDatabaseApiPageMetricsOrProbeOutput) {
  // A provider that echoes every credential it receives, in the body and in WWW-Authenticate.
  testing::TestHttpServer api([](const RecordedRequest& r, Resp& resp) {
    const std::string echo = "auth=" + r.Header("Authorization") + " key=" + r.Header("X-Api-Key") + " uri=" + r.uri;
    resp.set("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"rejected " + echo + "\"");
    testing::Reply(resp, 401, "{\"error\":\"" + echo + "\"}");
  });
  testing::TestHttpServer token([](const RecordedRequest& r, Resp& resp) {
    testing::Reply(resp, 200, "{\"access_token\":\"" + kAccessToken + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
                              "\"echo\":\"" + r.body + "\"}");
  });
  // Alert receivers that echo what they got in their error answers: a webhook and "Slack".
  testing::TestHttpServer hook([](const RecordedRequest& r, Resp& resp) {
    testing::Reply(resp, 500, "auth=" + r.Header("Authorization") + " sig=" + r.Header("webhook-signature"), "text/plain");
  });
  testing::TestHttpServer slack([](const RecordedRequest& r, Resp& resp) {
    testing::Reply(resp, 404, "channel_not_found " + r.uri, "text/plain");
  });
  testing::TempDir dir;
  const std::string base = api.url("");
  const std::string config =
      "server: { api_token: \"${env:C_API}\" }\n"
      "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 1 }\n"
      "providers:\n"
      "  - name: bearer\n    base_url: " + base + "/b\n    auth: { type: bearer, token: \"${env:C_BEARER}\" }\n"
      "    checks: [{ name: c, path: /c }]\n"
      "  - name: header\n    base_url: " + base + "/h\n"
      "    auth: { type: header, header: { name: X-Api-Key, value: \"${env:C_HEADER}\" } }\n"
      "    checks: [{ name: c, path: /c }]\n"
      "  - name: query\n    base_url: " + base + "/q\n"
      "    auth: { type: query, query: { name: key, value: \"${env:C_QUERY}\" } }\n"
      "    checks: [{ name: c, path: /c }]\n"
      "  - name: basic\n    base_url: " + base + "/ba\n"
      "    auth: { type: basic, basic: { username: svc, password: \"${env:C_BASIC}\" } }\n"
      "    checks: [{ name: c, path: /c }]\n"
      "  - name: oauth\n    base_url: " + base + "/o\n    auth:\n      type: oauth2_client_credentials\n"
      "      oauth2: { token_url: \"" + token.url("/token") + "\", client_id: vigil, client_secret: \"${env:C_CLIENT}\","
      " client_auth: client_secret_post }\n"
      "    checks: [{ name: c, path: /c }]\n"
      "notifiers:\n"
      "  - { name: hook, type: webhook, url: \"" + hook.url("/h") + "\", secret: \"${env:C_WHSEC}\","
      " headers: { Authorization: \"Bearer ${env:C_HOOKHDR}\" }, retry: { max_backoff: 1s } }\n"
      "  - { name: slack, type: slack, url: \"" + slack.url("") + "${env:C_SLACKPATH}\" }\n";
  testing::DaemonProcess d(dir, config, kSecrets);
  for (const char* p : {"bearer", "header", "query", "basic", "oauth"}) {
    ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState(p) == "down"; }, std::chrono::seconds(15))) << p;
  }
  // The test is not vacuous: the echoes arrived, and were redacted.
  const testing::HttpResult results = d.Get("/api/v1/providers/bearer/results?limit=1");
  EXPECT_NE(results.body.find("auth=Bearer ***"), std::string::npos) << results.body;
  EXPECT_NE(results.body.find("\"kind\":\"auth\""), std::string::npos);
  // Alerts were attempted and answered with the echoes (so the delivery log had a chance to leak).
  ASSERT_TRUE(testing::Eventually([&] { return hook.requests().size() >= 2 && !slack.requests().empty(); },
                                  std::chrono::seconds(15)));
  EXPECT_NE(hook.requests()[0].Header("Authorization").find("CANARY-hookheader"), std::string::npos);
  testing::HttpResult deliveries;
  EXPECT_TRUE(testing::Eventually([&] {
    deliveries = d.Get("/api/v1/deliveries?limit=1000");
    return deliveries.body.find("auth=*** sig=v1,") != std::string::npos;
  }, std::chrono::seconds(10))) << deliveries.body;
  EXPECT_NE(deliveries.body.find("channel_not_found"), std::string::npos) << deliveries.body;
  ExpectClean("/api/v1/deliveries", deliveries.body);
  const testing::HttpResult probe_now = testing::HttpCall("POST", d.url("/api/v1/providers/oauth/probe"),
                                                          {{"Authorization", "Bearer " + kSecrets.at("C_API")}});
  EXPECT_EQ(probe_now.status, 202);
  ExpectClean("POST probe answer", probe_now.body);

  for (const char* path : {"/", "/providers/oauth", "/providers/basic", "/api/v1/providers", "/api/v1/incidents",
                           "/metrics", "/api/v1/providers/oauth", "/api/v1/providers/oauth/results?limit=1000",
                           "/api/v1/providers/query/results?limit=1000", "/api/v1/providers/basic/results?limit=1000",
                           "/api/v1/providers/header/results?limit=1000", "/api/v1/providers/bearer/results?limit=1000"}) {
    ExpectClean(path, d.Get(path).body);
  }
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--json"}, {}, {"--verbose"}}) {
    for (const char* p : {"bearer", "header", "query", "basic", "oauth"}) {
      std::vector<std::string> argv = {testing::VigilBinary(), "probe", "-c", d.config_path(), p};
      argv.insert(argv.end(), extra.begin(), extra.end());
      testing::ProcessOptions opts;
      opts.set_env = kSecrets;
      const testing::ProcessResult r = testing::RunProcess(argv, std::chrono::seconds(15), opts);
      EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
      ExpectClean(std::string("vigil probe ") + p + " " + (extra.empty() ? "" : extra[0]), r.out + r.err);
      if (!extra.empty() && extra[0] == "--verbose" && std::string(p) == "bearer") {
        EXPECT_NE(r.out.find("> Authorization: Bearer ***"), std::string::npos) << r.out;
      }
    }
  }
  d.process().Signal(SIGTERM);
  ASSERT_EQ(d.process().Wait(std::chrono::seconds(10)), 0);
  ExpectClean("the daemon's log", d.process().err() + d.process().out());
  for (const char* f : {"vigil.db", "vigil.db-wal", "vigil.db-shm"}) {
    ExpectClean(std::string("database file ") + f, testing::ReadFile(d.state_dir() + "/" + f));
  }
  EXPECT_GT(testing::ReadFile(d.state_dir() + "/vigil.db").size(), 0u);
}

}  // namespace
}  // namespace vigil
