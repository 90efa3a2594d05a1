// Learned response shapes: what a document's shape is, how samples merge, what Diff reports
// (and, as importantly, what it must not report), the bounds on hostile documents, and the
// storage form with every way a stored text can be corrupt.
#include "probes/shape/shape.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probes/json_value.h"

namespace vigil::probes::shape {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

Shape Of(std::string_view json) {
  const core::Result<Poco::Dynamic::Var> parsed = ParseJson(json);
  EXPECT_TRUE(parsed.ok()) << json;
  return parsed.ok() ? Shape::Of(*parsed) : Shape();
}

Shape Learn(const std::vector<std::string>& docs) {
  Shape learned;
  for (const std::string& doc : docs) learned.Merge(Of(doc));
  return learned;
}

// "path types seen[ partial]" per path, in order.
std::vector<std::string> Dump(const Shape& s) {
  std::vector<std::string> out;
  for (const auto& [path, entry] : s.paths()) {
    out.push_back(path + " " + s.TypesAt(path) + " " + std::to_string(entry.seen) +
                  (entry.partial ? " partial" : ""));
  }
  return out;
}

std::string DiffText(const Shape& baseline, const Shape& current) {
  std::size_t total = 0;
  const std::vector<Change> changes = Diff(baseline, current, 100, &total);
  return Describe(changes, total);
}

TEST(ShapeTest, OfRecordsEveryPathWithItsTypes) {
  const Shape s = Of(R"({"object":"balance","livemode":false,"fee":null,"rate":1.5,"n":2,
      "available":[{"amount":1,"currency":"usd"},{"amount":2,"source_types":{"card":3}}],
      "empty":[],"mixed":[1,"a",null,[true]],"a/b~c":{}})");
  EXPECT_EQ(s.samples(), 1);
  EXPECT_THAT(
      Dump(s),
      ElementsAre(" object 1", "/available array 1", "/available/* object 1",
                  "/available/*/amount integer 1", "/available/*/currency string 1",
                  "/available/*/source_types object 1", "/available/*/source_types/card integer 1",
                  "/a~1b~0c object 1", "/empty array 1", "/fee null 1", "/livemode boolean 1",
                  "/mixed array 1", "/mixed/* array|string|integer|null 1", "/mixed/*/* boolean 1",
                  "/n integer 1", "/object string 1", "/rate number 1"));
  EXPECT_FALSE(s.truncated());
}

TEST(ShapeTest, OfTopLevelScalarAndUnknownPath) {
  const Shape s = Of("42");
  EXPECT_THAT(Dump(s), ElementsAre(" integer 1"));
  EXPECT_EQ(s.TypesAt("/nope"), "");
  EXPECT_EQ(s.SeenAt("/nope"), 0);
}

TEST(ShapeTest, MergeUnitesTypesAndCountsPresence) {
  Shape s = Learn({R"({"id":1,"note":"x"})", R"({"id":2,"note":null})", R"({"id":3})"});
  EXPECT_EQ(s.samples(), 3);
  EXPECT_THAT(Dump(s), ElementsAre(" object 3", "/id integer 3", "/note string|null 2"));
  s.Merge(Shape());  // an empty shape changes nothing
  EXPECT_EQ(s.samples(), 3);
  EXPECT_EQ(s.size(), 3u);
}

TEST(ShapeTest, ItemsOfEveryElementCountOncePerSample) {
  const Shape s = Learn({R"({"a":[{"x":1},{"y":2},{"x":3}]})", R"({"a":[]})"});
  EXPECT_THAT(Dump(s), ElementsAre(" object 2", "/a array 2", "/a/* object 1", "/a/*/x integer 1",
                                   "/a/*/y integer 1"));
}

struct DiffCase {
  std::string name;
  std::vector<std::string> learned;
  std::string current;
  std::string want;  // Describe() of the changes
};

TEST(ShapeTest, DiffReportsDriftAndNothingElse) {
  const std::string stripe =
      R"({"object":"balance","livemode":false,"available":[{"amount":1,"currency":"usd"}]})";
  const std::vector<DiffCase> cases = {
      {"same shape, other values",
       {stripe},
       R"({"object":"x","livemode":true,"available":[{"amount":9,"currency":"eur"},{"amount":0,"currency":"usd"}]})",
       ""},
      {"the example of the brief",
       {stripe},
       R"({"object":"balance","environment":"live","available":[{"amount":"1","currency":"usd"}]})",
       "/available/*/amount: integer -> string; added /environment (string); "
       "removed /livemode (boolean)"},
      {"added subtree reported at its root",
       {R"({"a":1})"},
       R"({"a":1,"meta":{"x":1,"y":[2]}})",
       "added /meta (object)"},
      {"removed subtree reported at its root",
       {R"({"a":1,"meta":{"x":1,"y":[2]}})"},
       R"({"a":1})",
       "removed /meta (object)"},
      {"optional path missing is fine", {R"({"a":1,"b":2})", R"({"a":1})"}, R"({"a":1})", ""},
      {"optional path present is fine", {R"({"a":1,"b":2})", R"({"a":1})"}, R"({"a":1,"b":3})", ""},
      {"null only where null was seen", {R"({"a":1})"}, R"({"a":null})", "/a: integer -> null"},
      {"null where null was seen", {R"({"a":1})", R"({"a":null})"}, R"({"a":null})", ""},
      {"integer where number was seen", {R"({"a":1.5})"}, R"({"a":2})", ""},
      {"number where only integers were seen",
       {R"({"a":1})"},
       R"({"a":2.5})",
       "/a: integer -> number"},
      {"several learned types in before",
       {R"({"a":1})", R"({"a":null})"},
       R"({"a":"x"})",
       "/a: integer|null -> string"},
      {"root retyped", {R"({"a":1})"}, "[1]", "(root): object -> array"},
      {"parent retyped hides its members",
       {R"({"m":{"x":1,"y":2}})"},
       R"({"m":[1]})",
       "/m: object -> array"},
      {"parent retyped hides new members",
       {R"({"m":"text"})"},
       R"({"m":{"x":1}})",
       "/m: string -> object"},
      {"array empty now is data", {R"({"a":[{"id":1}]})"}, R"({"a":[]})", ""},
      {"array with items now is data", {R"({"a":[]})"}, R"({"a":[{"id":1}]})", ""},
      {"items lost a field",
       {R"({"a":[{"id":1,"x":2}]})"},
       R"({"a":[{"id":1}]})",
       "removed /a/*/x (integer)"},
      {"items gained a field",
       {R"({"a":[{"id":1}]})"},
       R"({"a":[{"id":1,"x":[]}]})",
       "added /a/*/x (array)"},
      {"item type changed", {"[1,2]"}, R"(["1"])", "/*: integer -> string"},
      {"field in one item only still counts as present",
       {R"({"a":[{"id":1,"x":2}]})"},
       R"({"a":[{"id":1},{"id":2,"x":3}]})",
       ""},
      {"escaped keys",
       {R"({"a/b":1})"},
       R"({"a/b":"1","c~d":2})",
       "/a~1b: integer -> string; added /c~0d (integer)"},
  };
  for (const DiffCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DiffText(Learn(c.learned), Of(c.current)), c.want);
  }
}

TEST(ShapeTest, DiffIsBoundedAndCountsTheRest) {
  const Shape baseline = Of(R"({"a":1})");
  const Shape current = Of(R"({"a":1,"b":1,"c":2,"d":3,"e":4,"f":5})");
  std::size_t total = 0;
  const std::vector<Change> changes = Diff(baseline, current, 2, &total);
  EXPECT_EQ(total, 5u);
  EXPECT_THAT(changes, ElementsAre(Change{Change::Kind::kAdded, "/b", "", "integer"},
                                   Change{Change::Kind::kAdded, "/c", "", "integer"}));
  EXPECT_EQ(Describe(changes, total), "added /b (integer); added /c (integer); and 3 more");
  EXPECT_THAT(Diff(baseline, current, 0), IsEmpty());
  EXPECT_EQ(Describe({}, 4), "and 4 more");
  EXPECT_EQ(Describe({}, 0), "");
}

TEST(ShapeTest, DiffWithoutSamplesReportsNothing) {
  std::size_t total = 7;
  EXPECT_THAT(Diff(Shape(), Of(R"({"a":1})"), 10, &total), IsEmpty());
  EXPECT_EQ(total, 0u);
  EXPECT_THAT(Diff(Of(R"({"a":1})"), Shape(), 10, &total), IsEmpty());
}

TEST(ShapeTest, DescribeMakesPathsPrintable) {
  const std::vector<Change> changes = {
      {Change::Kind::kRemoved, "/a\nb", "string", ""},
      {Change::Kind::kAdded, "/" + std::string(300, 'k'), "", "object"}};
  EXPECT_EQ(Describe(changes, 2),
            "removed /a b (string); added /" + std::string(119, 'k') + "... (object)");
}

// ---- Bounds on hostile documents

// `objects` objects nested under "d" keys; the innermost holds {"leaf":1} unless `empty`.
Poco::Dynamic::Var Nested(int objects, bool empty = false) {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object();
  Poco::JSON::Object::Ptr at = root;
  for (int i = 1; i < objects; ++i) {
    Poco::JSON::Object::Ptr next = new Poco::JSON::Object();
    at->set("d", next);
    at = next;
  }
  if (!empty) at->set("leaf", 1);
  return root;
}

std::string DeepPath(int levels) {
  std::string path;
  for (int i = 0; i < levels; ++i) path += "/d";
  return path;
}

TEST(ShapeTest, DepthIsBoundedAndSummarized) {
  const Shape s = Shape::Of(Nested(1000));  // deeper than any parser would build
  EXPECT_EQ(s.size(), static_cast<std::size_t>(kMaxDepth) + 1);
  EXPECT_EQ(s.TypesAt(DeepPath(kMaxDepth)), "object");
  EXPECT_TRUE(s.paths().at(DeepPath(kMaxDepth)).partial);
  EXPECT_EQ(s.TypesAt(DeepPath(kMaxDepth + 1)), "");
  EXPECT_TRUE(s.truncated());
  // What lies below the bound is never reported, whatever it became.
  EXPECT_EQ(DiffText(s, Shape::Of(Nested(70))), "");
  EXPECT_EQ(DiffText(Shape::Of(Nested(70)), Shape::Of(Nested(80))), "");
}

TEST(ShapeTest, NothingCutAtTheDepthBoundIsNotPartial) {
  const Shape leaf_at_bound = Shape::Of(Nested(kMaxDepth));
  EXPECT_EQ(leaf_at_bound.TypesAt(DeepPath(kMaxDepth - 1) + "/leaf"), "integer");
  EXPECT_FALSE(leaf_at_bound.truncated());
  const Shape empty_at_bound = Shape::Of(Nested(kMaxDepth + 1, /*empty=*/true));
  EXPECT_EQ(empty_at_bound.TypesAt(DeepPath(kMaxDepth)), "object");
  EXPECT_FALSE(empty_at_bound.truncated());
}

// "\"k100000\":0,\"k100001\":1,..."
std::string Members(int keys, const std::string& prefix) {
  std::string json;
  for (int i = 0; i < keys; ++i) {
    json += (i ? ",\"" : "\"") + prefix + std::to_string(100000 + i) + "\":" + std::to_string(i);
  }
  return json;
}

std::string WideObject(int keys, const std::string& prefix) {
  return "{" + Members(keys, prefix) + "}";
}

TEST(ShapeTest, PathCountIsBoundedAndSummarized) {
  const Shape wide = Of(WideObject(5000, "k"));
  EXPECT_EQ(wide.size(), kMaxPaths);
  EXPECT_TRUE(wide.paths().at("").partial);
  // Keys the baseline could not hold are not "added".
  EXPECT_EQ(DiffText(wide, Of(WideObject(5000, "z"))), "");
  // Keys the current shape could not hold are not "removed": here the 2000 "a" keys fill it
  // (members are walked in key order) and the learned "k" keys are cut off.
  const Shape current = Of("{" + Members(2000, "a") + "," + Members(3, "k") + "}");
  std::size_t total = 0;
  for (const Change& c : Diff(Of(WideObject(3, "k")), current, kMaxPaths, &total)) {
    EXPECT_EQ(c.kind, Change::Kind::kAdded) << c.path;
  }
  EXPECT_EQ(total, kMaxPaths - 1);
}

TEST(ShapeTest, BreadthFirstKeepsShallowPaths) {
  // 1999 nested paths under "/a", then a shallow "/b": the shallow one must be kept.
  std::string json = R"({"a":)" + WideObject(1999, "k") + R"(,"b":{"c":1}})";
  const Shape s = Of(json);
  EXPECT_EQ(s.size(), kMaxPaths);
  EXPECT_EQ(s.TypesAt("/b"), "object");
  EXPECT_TRUE(s.paths().at("/b").partial);  // "/b/c" did not fit
}

TEST(ShapeTest, LongPathsAreNotRecorded) {
  const std::string key(kMaxPathBytes, 'x');
  const Shape s = Of(R"({"ok":1,")" + key + R"(":{"y":1}})");
  EXPECT_THAT(Dump(s), ElementsAre(" object 1 partial", "/ok integer 1"));
}

TEST(ShapeTest, MergeBeyondTheBoundMarksTheParent) {
  Shape s = Of(WideObject(1500, "a"));
  s.Merge(Of(WideObject(1500, "b")));
  EXPECT_EQ(s.size(), kMaxPaths);
  EXPECT_EQ(s.samples(), 2);
  EXPECT_TRUE(s.paths().at("").partial);
}

TEST(ShapeTest, HugeArraysCostFewPaths) {
  std::string json = "[";
  for (int i = 0; i < 100000; ++i) json += i ? R"(,{"id":1,"v":[1]})" : R"({"id":1,"v":[1]})";
  const Shape s = Of(json + "]");
  EXPECT_THAT(Dump(s), ElementsAre(" array 1", "/* object 1", "/*/id integer 1", "/*/v array 1",
                                   "/*/v/* integer 1"));
}

TEST(ShapeTest, ParserDepthLimitHolds) {
  // Poco's parser stops at depth 128; deeper input is an error, not a crash.
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_FALSE(ParseJson(deep).ok());
}

// ---- Storage

TEST(ShapeTest, ToJsonIsCompactAndSorted) {
  const Shape s = Learn({R"({"b":[1],"a":null})", R"({"b":[]})"});
  EXPECT_EQ(s.ToJson(),
            R"({"paths":{"":{"seen":2,"types":"object"},"/a":{"seen":1,"types":"null"},)"
            R"("/b":{"seen":2,"types":"array"},"/b/*":{"seen":1,"types":"integer"}},)"
            R"("samples":2,"version":1})");
  EXPECT_EQ(Shape().ToJson(), R"({"paths":{},"samples":0,"version":1})");
}

TEST(ShapeTest, RoundTripsThroughJson) {
  const std::vector<Shape> shapes = {
      Shape(),
      Learn({R"({"a":[{"x":1.5,"y":null}],"b":true})", R"({"a":[],"c":"s"})"}),
      Of(R"({"quote\"":1,"back\\slash":2,"tab\t":3,"ünï":4,"a/b~c":5,"ctl\u0001":6,"":7})"),
      Shape::Of(Nested(200)),
      Of(WideObject(3000, "k")),
  };
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    SCOPED_TRACE(i);
    const core::Result<Shape> back = Shape::FromJson(shapes[i].ToJson());
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(*back, shapes[i]);
    EXPECT_EQ(back->ToJson(), shapes[i].ToJson());
  }
}

TEST(ShapeTest, FromJsonRejectsAnyCorruption) {
  const std::string ok_paths = R"("paths":{"":{"seen":1,"types":"object"}})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "shape: empty"},
      {"not json", ""},
      {"[]", "shape: not an object"},
      {R"({"paths":{},"samples":0})", "shape: unsupported version"},
      {R"({"paths":{},"samples":0,"version":2})", "shape: unsupported version"},
      {R"({"paths":{},"samples":0,"version":"1"})", "shape: unsupported version"},
      {R"({"paths":{},"samples":0,"version":1,"x":1})", "shape: unknown key"},
      {R"({"paths":{},"samples":-1,"version":1})", "shape: bad samples"},
      {R"({"paths":{},"samples":1.5,"version":1})", "shape: bad samples"},
      {R"({"paths":{},"samples":3000000000,"version":1})", "shape: bad samples"},
      {R"({"paths":[],"samples":0,"version":1})", "shape: paths missing"},
      {R"({"samples":0,"version":1})", "shape: paths missing"},
      {R"({"paths":{},"samples":1,"version":1})", "shape: samples and root disagree"},
      {"{" + ok_paths + R"(,"samples":0,"version":1})", "shape: path \"\": seen out of range"},
      {R"({"paths":{"":{"seen":1,"types":"object"},"/a/b":{"seen":1,"types":"null"}},)"
       R"("samples":1,"version":1})",
       "shape: path \"/a/b\" without its parent"},
      {R"({"paths":{"":{"seen":1,"types":"object"},"a":{"seen":1,"types":"null"}},)"
       R"("samples":1,"version":1})",
       "shape: path \"a\": not a JSON Pointer"},
      {R"({"paths":{"":{"seen":1,"types":"object"},"/~2":{"seen":1,"types":"null"}},)"
       R"("samples":1,"version":1})",
       "shape: path \"/~2\": not a JSON Pointer"},
      {R"({"paths":{"":1},"samples":1,"version":1})", "shape: path \"\": not an object"},
      {R"({"paths":{"":{"seen":1}},"samples":1,"version":1})", "shape: path \"\": types missing"},
      {R"({"paths":{"":{"seen":1,"types":"obj"}},"samples":1,"version":1})",
       "shape: path \"\": bad types"},
      {R"({"paths":{"":{"seen":1,"types":"null|object"}},"samples":1,"version":1})",
       "shape: path \"\": bad types"},
      {R"({"paths":{"":{"seen":1,"types":"object|object"}},"samples":1,"version":1})",
       "shape: path \"\": bad types"},
      {R"({"paths":{"":{"seen":1,"types":""}},"samples":1,"version":1})",
       "shape: path \"\": bad types"},
      {R"({"paths":{"":{"seen":2,"types":"object"}},"samples":1,"version":1})",
       "shape: path \"\": seen out of range"},
      {R"({"paths":{"":{"types":"object"}},"samples":1,"version":1})",
       "shape: path \"\": seen out of range"},
      {R"({"paths":{"":{"seen":1,"types":"object","partial":1}},"samples":1,"version":1})",
       "shape: path \"\": partial not a boolean"},
      {R"({"paths":{"":{"seen":1,"types":"object","x":1}},"samples":1,"version":1})",
       "shape: path \"\": unknown key"},
  };
  for (const auto& [text, want] : cases) {
    SCOPED_TRACE(text);
    const core::Result<Shape> s = Shape::FromJson(text);
    ASSERT_FALSE(s.ok());
    if (!want.empty()) {
      EXPECT_EQ(s.message(), want);
    }
  }
  std::string too_many = R"({"paths":{"":{"seen":1,"types":"object"})";
  for (int i = 0; i < 2000; ++i) {
    too_many += ",\"/k" + std::to_string(i) + R"(":{"seen":1,"types":"null"})";
  }
  const core::Result<Shape> s = Shape::FromJson(too_many + R"(},"samples":1,"version":1})");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "shape: too many paths");
}

TEST(ShapeTest, FromJsonAcceptsPartialFalse) {
  const core::Result<Shape> s = Shape::FromJson(
      R"({"paths":{"":{"partial":false,"seen":1,"types":"object"}},"samples":1,"version":1})");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(*s, Of("{}"));
}

}  // namespace
}  // namespace vigil::probes::shape
