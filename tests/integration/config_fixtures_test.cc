// Every broken config in tests/testdata/configs/ makes `vigil check-config` exit 2 with exactly
// the message in its .expected file.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace vigil {
namespace {

const std::string kDir = std::string(VIGIL_SOURCE_DIR) + "/tests/testdata/configs";

std::vector<std::string> Fixtures() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ConfigFixtures, ThereAreAtLeast25) { EXPECT_GE(Fixtures().size(), 25u); }

class ConfigFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigFixture, ExitsTwoWithTheExactMessage) {
  const std::string name = GetParam();
  const std::string expected = testing::ReadFile(kDir + "/" + name.substr(0, name.size() - 5) + ".expected");
  ASSERT_FALSE(expected.empty()) << "missing .expected file for " << name;
  testing::ProcessOptions opts;
  opts.cwd = kDir;
  opts.unset_env = {"CREDENTIALS_DIRECTORY", "VIGIL_FIXTURE_UNSET_KEY", "STRIPE_URL"};
  // The secrets fixtures refer to, so that each shows only its own mistake.
  opts.set_env = {{"VIGIL_FIXTURE_SET_SECRET", "fixture-secret-value"}, {"STRIPE_KEY", "x-fixture"},
                  {"OKTA_SECRET", "y-fixture"}, {"LEGACY_PASSWORD", "z-fixture"}};
  const testing::ProcessResult r =
      testing::RunProcess({testing::VigilBinary(), "check-config", name}, std::chrono::seconds(10), opts);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, expected);
  EXPECT_EQ(r.out, "");
}

INSTANTIATE_TEST_SUITE_P(All, ConfigFixture, ::testing::ValuesIn(Fixtures()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param.substr(0, param.param.size() - 5);
                           for (char& c : n) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(CheckConfig, AValidFileExitsZeroWithASummary) {
  testing::TempDir dir;
  dir.Write("ok.yaml", "providers:\n  - name: a\n    base_url: http://127.0.0.1:1\n    checks: [{name: x, path: /x}]\n");
  const testing::ProcessResult r =
      testing::RunProcess({testing::VigilBinary(), "check-config", dir.File("ok.yaml")}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: 1 provider(s), 1 check(s)"), std::string::npos) << r.out;
}

TEST(CheckConfig, AMissingFileIsExitTwo) {
  const testing::ProcessResult r =
      testing::RunProcess({testing::VigilBinary(), "check-config", "/nonexistent/vigil.yaml"}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "/nonexistent/vigil.yaml:0:0: file: cannot read: No such file or directory\n");
}

TEST(Cli, UsageErrorsExitTwoAndHelpExitsZero) {
  const auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), testing::VigilBinary());
    return testing::RunProcess(args, std::chrono::seconds(10));
  };
  EXPECT_EQ(run({}).exit_code, 2);
  EXPECT_EQ(run({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run({"probe", "--bogus"}).exit_code, 2);
  for (const char* cmd : {"run", "check-config", "probe", "status", "simulate", "version"}) {
    SCOPED_TRACE(cmd);
    const testing::ProcessResult r = run({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find(std::string("Usage: vigil ") + cmd), std::string::npos) << r.out;
  }
  const testing::ProcessResult v = run({"version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("OpenSSL"), std::string::npos);
}

}  // namespace
}  // namespace vigil
