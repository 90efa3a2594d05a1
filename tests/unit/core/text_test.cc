#include "daemon/core/text.h"

#include <gtest/gtest.h>

#include "daemon/core/json_pointer.h"
#include "daemon/core/log.h"

namespace vigil::core {
namespace {

TEST(JsonPointer, ParsesRfc6901Examples) {
  const struct {
    const char* text;
    std::vector<std::string> tokens;
  } cases[] = {{"", {}},          {"/foo", {"foo"}},   {"/foo/0", {"foo", "0"}}, {"/", {""}},
               {"/a~1b", {"a/b"}}, {"/m~0n", {"m~n"}}, {"/c%d", {"c%d"}},       {"/~01", {"~1"}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Result<JsonPointer> p = JsonPointer::Parse(c.text);
    ASSERT_TRUE(p.ok()) << p.message();
    EXPECT_EQ(p->tokens(), c.tokens);
  }
}

TEST(JsonPointer, RejectsBadSyntax) {
  for (const char* bad : {"foo", "/a~", "/a~2", "x/y"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(JsonPointer::Parse(bad).ok());
  }
}

TEST(Text, TruncateUtf8NeverSplitsASequence) {
  const std::string s = "ab\xC3\xA9" "cd";  // "abécd"
  EXPECT_EQ(TruncateUtf8(s, 3), "ab");
  EXPECT_EQ(TruncateUtf8(s, 4), "ab\xC3\xA9");
  EXPECT_EQ(TruncateUtf8(s, 100), s);
}

TEST(Text, PrintableReplacesControlAndInvalidBytes) {
  EXPECT_EQ(Printable("a\nb\tc", 100), "a b c");
  EXPECT_EQ(Printable("a\xFF" "b", 100), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(Printable("abcdef", 3), "abc...");
}

TEST(Text, EditDistance) {
  EXPECT_EQ(EditDistance("interval", "intervall"), 1u);
  EXPECT_EQ(EditDistance("provider", "providers"), 1u);
  EXPECT_EQ(EditDistance("abc", "xyz"), 3u);
}

TEST(Redactor, RedactsEveryOccurrenceLongestFirst) {
  Redactor r({"sk_live_abcdef", "abcdef", "ab"});
  EXPECT_EQ(r.Redact("key=sk_live_abcdef and abcdef"), "key=*** and ***");
  EXPECT_EQ(r.Redact("ab stays"), "ab stays");  // shorter than the minimum: ignored
  EXPECT_TRUE(r.Contains("x abcdef y"));
  EXPECT_FALSE(r.Contains("nothing here"));
}

}  // namespace
}  // namespace vigil::core
