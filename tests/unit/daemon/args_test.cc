#include "daemon/cli/args.h"

#include <gtest/gtest.h>

namespace vigil::cli {
namespace {

CommandSpec Spec() {
  return {"probe", "PROVIDER", "Probe.", "", {{"--config", "-c", "FILE", "config"}, {"--json", "", "", "json"},
          {"--scenario", "", "S", "s", true}}, 1, 1};
}

TEST(Args, ParsesValuesFlagsAndPositionals) {
  std::string err;
  auto a = Parse(Spec(), {"-c", "x.yaml", "stripe", "--json", "--scenario=a", "--scenario", "b"}, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->Get("--config"), "x.yaml");
  EXPECT_TRUE(a->Has("--json"));
  EXPECT_EQ(a->positional(), std::vector<std::string>{"stripe"});
  EXPECT_EQ(a->GetAll("--scenario"), (std::vector<std::string>{"a", "b"}));
}

TEST(Args, ErrorsAreSpecific) {
  const struct {
    std::vector<std::string> args;
    const char* error;
  } cases[] = {
      {{"--nope", "x"}, "unknown option --nope"},
      {{"x", "-c"}, "option --config needs a value (FILE)"},
      {{}, "missing argument: PROVIDER"},
      {{"a", "b"}, "unexpected argument 'b'"},
      {{"a", "--json=1"}, "option --json takes no value"},
      {{"a", "-c", "x", "-c", "y"}, "option --config given twice"},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_FALSE(Parse(Spec(), c.args, err));
    EXPECT_EQ(err, c.error);
  }
}

TEST(Args, HelpListsEveryOption) {
  const std::string help = HelpText(Spec());
  EXPECT_NE(help.find("Usage: vigil probe [options] PROVIDER"), std::string::npos);
  EXPECT_NE(help.find("-c, --config FILE"), std::string::npos);
  EXPECT_NE(help.find("--json"), std::string::npos);
}

}  // namespace
}  // namespace vigil::cli
