// Contract checks as a user configures them: a YAML config file on disk using expect.openapi
// (by operationId and by method + path, over the OpenAPI 3.0 YAML and 3.1 JSON documents in
// tests/testdata/openapi/) and expect.json_schema (a file next to the config, and inline), run
// by the CheckRunner against a real local server answering conforming bodies, drifted bodies
// and a status the spec does not describe.
#include <gtest/gtest.h>

#include <filesystem>

#include "config/loader.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_http_server.h"

namespace vigil::probes {
namespace {

const std::string kSpecs = std::string(VIGIL_SOURCE_DIR) + "/tests/testdata/openapi/";

constexpr const char* kBalance =
    R"({"object":"balance","available":[{"amount":120050,"currency":"EUR"}],"pending":[]})";
// The provider changed its mind about amounts: now strings.
constexpr const char* kDriftedBalance =
    R"({"object":"balance","available":[{"amount":"120050","currency":"EUR"}],"pending":[]})";

constexpr const char* kSchemaFile = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["object", "available"],
  "properties": {
    "object": {"const": "balance"},
    "available": {
      "type": "array", "minItems": 1,
      "items": {"type": "object", "required": ["amount", "currency"],
                "properties": {"amount": {"type": "integer"}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}}
    }
  }
})";

class ContractChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("specs"));
    std::filesystem::create_directories(dir_.File("schemas"));
    // Relative to the config's folder: the 3.0 spec and the schema file. The 3.1 spec by absolute
    // path.
    std::filesystem::copy_file(kSpecs + "payments-3.0.yaml", dir_.File("specs/payments-3.0.yaml"));
    dir_.Write("schemas/balance.json", kSchemaFile);
  }

  // Writes `checks` into DIR/vigil.yaml for a provider on the local server and loads it
  // from the file, as `vigil run` would.
  void Load(const std::string& checks) {
    const std::string path =
        dir_.Write("vigil.yaml", "providers:\n  - name: pay\n    base_url: " + server_.url("") +
                                     "\n    checks:\n" + checks);
    loaded_ = config::LoadConfigFile(path, config::SecretSources::FromProcess());
    ASSERT_TRUE(loaded_.ok()) << loaded_.ErrorText();
    runner_ = std::make_unique<CheckRunner>(loaded_.config, client_, clock_);
  }
  // "outcome | kind/severity: message; ..." of one run of check `name`.
  std::string Run(const std::string& name) {
    const std::size_t i = runner_->Find("pay", name);
    if (i == runner_->size()) return "no check " + name;
    const ProbeResult r = runner_->Run(i).front();
    std::string out = std::string(OutcomeName(r.outcome)) + " |";
    for (const auto& f : r.findings) {
      out += std::string(" ") + FindingKindName(f.kind) + "/" + config::SeverityName(f.severity) +
             ": " + f.message + ";";
    }
    return out;
  }

  testing::TempDir dir_;
  testing::TestHttpServer server_{
      [](const testing::RecordedRequest& r, Poco::Net::HTTPServerResponse& resp) {
        if (r.uri == "/v1/balance") return testing::Reply(resp, 200, kBalance);
        if (r.uri == "/drifted/v1/balance") return testing::Reply(resp, 200, kDriftedBalance);
        if (r.uri == "/v1/events/evt_1")
          return testing::Reply(resp, 202, R"({"queued":true})");  // GetEvent: 200 or 404
        testing::Reply(resp, 404,
                       R"({"error":{"type":"invalid_request_error","message":"no such route"}})");
      }};
  testing::FakeClock clock_;
  PocoHttpClient client_;
  config::LoadResult loaded_;
  std::unique_ptr<CheckRunner> runner_;
};

TEST_F(ContractChecksTest, OpenApiFromAConfigFileByOperationIdAndByMethodAndPath) {
  const std::string spec31 = kSpecs + "payments-3.1.json";
  Load(
      "      - { name: balance30, path: /v1/balance, expect: { openapi: { spec: "
      "specs/payments-3.0.yaml, operation: GetBalance } } }\n"
      "      - { name: balance31, path: /v1/balance, expect: { openapi: { spec: " +
      spec31 +
      ", method: GET, path: /v1/balance } } }\n"
      "      - { name: drifted30, path: /drifted/v1/balance, expect: { openapi: { spec: "
      "specs/payments-3.0.yaml, operation: GetBalance } } }\n"
      "      - { name: drifted31, path: /drifted/v1/balance, expect: { openapi: { spec: " +
      spec31 +
      ", method: get, path: /v1/balance } } }\n"
      "      - { name: event30, path: /v1/events/evt_1, expect: { openapi: { spec: "
      "specs/payments-3.0.yaml, operation: GetEvent } } }\n"
      "      - { name: event31, path: /v1/events/evt_1, expect: { openapi: { spec: " +
      spec31 + ", method: GET, path: \"/v1/events/{id}\" } } }\n");
  EXPECT_EQ(Run("balance30"), "pass |");
  EXPECT_EQ(Run("balance31"), "pass |");
  EXPECT_EQ(
      Run("drifted30"),
      "fail | schema/critical: does not match GetBalance 200 application/json in the OpenAPI spec: "
      "/available/0/amount: expected type integer, got string \"120050\";");
  EXPECT_EQ(Run("drifted31"),
            "fail | schema/critical: does not match GET /v1/balance 200 application/json in the "
            "OpenAPI spec: "
            "/available/0/amount: expected type integer, got string \"120050\";");
  EXPECT_EQ(Run("event30"),
            "fail | schema/critical: not in the OpenAPI spec: the spec describes no 202 response "
            "for GetEvent (only 200, 404);");
  EXPECT_EQ(Run("event31"),
            "fail | schema/critical: not in the OpenAPI spec: the spec describes no 202 response "
            "for GET /v1/events/{id} (only "
            "200, 404);");
}

TEST_F(ContractChecksTest, JsonSchemaFromAFileNextToTheConfigAndInline) {
  const std::string inline_schema =
      "json_schema: { type: object, required: [object, available], properties: { available: { "
      "type: array, minItems: 1,"
      " items: { type: object, properties: { amount: { type: integer, minimum: 0 } } } } } }";
  Load(
      "      - { name: file, path: /v1/balance, expect: { json_schema: schemas/balance.json } }\n"
      "      - { name: file_drifted, path: /drifted/v1/balance, expect: { json_schema: "
      "schemas/balance.json } }\n"
      "      - { name: inline, path: /v1/balance, expect: { " +
      inline_schema +
      " } }\n"
      "      - { name: inline_drifted, path: /drifted/v1/balance, expect: { " +
      inline_schema + " } }\n");
  const std::string drifted =
      "fail | schema/critical: does not match the schema (draft-07): /available/0/amount: expected "
      "type integer, got string \"120050\";";
  EXPECT_EQ(Run("file"), "pass |");
  EXPECT_EQ(Run("file_drifted"), drifted);
  EXPECT_EQ(Run("inline"), "pass |");
  EXPECT_EQ(Run("inline_drifted"), drifted);
}

TEST_F(ContractChecksTest, AMissingSpecOrSchemaFileIsAConfigErrorNamingTheKey) {
  const std::string path = dir_.Write(
      "broken.yaml",
      "providers:\n  - name: pay\n    base_url: " + server_.url("") +
          "\n    checks:\n"
          "      - { name: a, path: /v1/balance, expect: { openapi: { spec: specs/nope.yaml, "
          "operation: GetBalance } } }\n"
          "      - { name: b, path: /v1/balance, expect: { json_schema: schemas/nope.json } }\n");
  const config::LoadResult r = config::LoadConfigFile(path, config::SecretSources::FromProcess());
  ASSERT_FALSE(r.ok());
  const std::string text = r.ErrorText();
  EXPECT_NE(text.find("providers[0].checks[0].expect.openapi.spec"), std::string::npos) << text;
  EXPECT_NE(text.find("providers[0].checks[1].expect.json_schema"), std::string::npos) << text;
}

}  // namespace
}  // namespace vigil::probes
