// CompiledSchema against the official JSON-Schema-Test-Suite (Debian's json-schema-test-suite,
// read from /usr/share), plus focused cases for what Vigil adds on top of valijson: error paths
// as JSON Pointers, readable messages, max_errors, schema errors, draft detection and $ref.
//
// A suite case that fails must be listed, with a reason, in
// tests/testdata/json-schema-known-failures.txt; a listed case that passes (or no longer exists)
// fails the test too, so the list stays honest.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "probes/json_value.h"
#include "probes/schema/json_schema.h"
#include "tests/support/temp_dir.h"

namespace vigil::probes::schema {
namespace {

using Poco::Dynamic::Var;
using ArrayPtr = Poco::JSON::Array::Ptr;
using ObjectPtr = Poco::JSON::Object::Ptr;

const std::string kSuiteDir = "/usr/share/json-schema-test-suite";
const std::string kRemoteBase = "http://localhost:1234/";
const std::string kKnownFailuresFile =
    std::string(VIGIL_SOURCE_DIR) + "/tests/testdata/json-schema-known-failures.txt";

Var ParseFile(const std::string& path) {
  return Poco::JSON::Parser().parse(vigil::testing::ReadFile(path));
}

Var Json(const std::string& text) {
  core::Result<Var> v = ParseJson(text);
  if (!v.ok()) ADD_FAILURE() << "bad JSON in test: " << v.message() << "\n" << text;
  return v.ok() ? *v : Var();
}

// The suite's remotes, served as http://localhost:1234/<path> without any network.
std::optional<Var> SuiteRemote(const std::string& uri) {
  if (uri.rfind(kRemoteBase, 0) != 0) return std::nullopt;
  const std::string rel = uri.substr(kRemoteBase.size());
  if (rel.empty() || rel.find("..") != std::string::npos) return std::nullopt;
  const std::string path = kSuiteDir + "/remotes/" + rel;
  if (!std::filesystem::is_regular_file(path)) return std::nullopt;
  return ParseFile(path);
}

// Known-failure lines are "<case id>: <reason>"; '#' starts a comment line.
std::vector<std::string> KnownFailureLines() {
  std::ifstream in(kKnownFailuresFile);
  EXPECT_TRUE(in.good()) << "cannot read " << kKnownFailuresFile;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

struct SuiteCase {
  std::string id;  // "draft7/ref.json: <group description> / <test description>"
  bool passed = false;
  std::string detail;  // why it failed
};

std::vector<std::string> SuiteFiles(const std::string& draft) {
  std::vector<std::string> names;
  std::error_code missing;  // reported by the caller as "no suite files"
  for (const auto& e :
       std::filesystem::directory_iterator(kSuiteDir + "/tests/" + draft, missing)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    if (name.find("format") != std::string::npos) continue;  // "format" is not enforced
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void RunGroup(const std::string& file_id, const ObjectPtr& group, Draft draft,
              std::vector<SuiteCase>& out) {
  const std::string prefix = file_id + ": " + group->getValue<std::string>("description") + " / ";
  const auto compiled = CompiledSchema::Compile(group->get("schema"), draft, SuiteRemote);
  for (const Var& t : *group->getArray("tests")) {
    const ObjectPtr test = t.extract<ObjectPtr>();
    SuiteCase c;
    c.id = prefix + test->getValue<std::string>("description");
    const bool want_valid = test->getValue<bool>("valid");
    if (!compiled.ok()) {
      c.detail = "Compile failed: " + compiled.message();
    } else {
      const std::vector<SchemaError> errors = (*compiled)->Validate(test->get("data"));
      c.passed = errors.empty() == want_valid;
      if (!c.passed) {
        c.detail = want_valid
                       ? "rejected a valid instance: " + errors[0].path + ": " + errors[0].message
                       : std::string("accepted an invalid instance");
      }
    }
    out.push_back(std::move(c));
  }
}

std::vector<SuiteCase> RunDraft(const std::string& dir, Draft draft) {
  std::vector<SuiteCase> cases;
  for (const std::string& name : SuiteFiles(dir)) {
    const Var groups = ParseFile(kSuiteDir + "/tests/" + dir + "/" + name);
    for (const Var& g : *groups.extract<ArrayPtr>()) {
      RunGroup(dir + "/" + name, g.extract<ObjectPtr>(), draft, cases);
    }
  }
  return cases;
}

struct DraftParam {
  std::string dir;
  Draft draft;
};

class JsonSchemaSuite : public ::testing::TestWithParam<DraftParam> {};

TEST_P(JsonSchemaSuite, MatchesTheOfficialSuiteExceptKnownFailures) {
  const DraftParam& p = GetParam();
  const std::vector<SuiteCase> cases = RunDraft(p.dir, p.draft);
  ASSERT_FALSE(cases.empty()) << "no suite files under " << kSuiteDir << "/tests/" << p.dir
                              << " (apt-get install json-schema-test-suite)";
  std::map<std::string, int> listed;  // this draft's known-failure lines -> cases they name
  for (const std::string& line : KnownFailureLines()) {
    if (line.rfind(p.dir + "/", 0) == 0) listed[line] = 0;
  }
  std::size_t passed = 0;
  for (const SuiteCase& c : cases) {
    auto known = std::find_if(listed.begin(), listed.end(), [&](const auto& entry) {
      return entry.first.rfind(c.id + ": ", 0) == 0 && entry.first.size() > c.id.size() + 2;
    });
    if (known != listed.end()) ++known->second;
    if (c.passed) ++passed;
    if (!c.passed && known == listed.end()) {
      ADD_FAILURE() << "FAILS: " << c.id << " -- " << c.detail;
    }
    if (c.passed && known != listed.end()) {
      ADD_FAILURE() << "now passes, unlist it: " << known->first;
    }
  }
  for (const auto& [line, hits] : listed) {
    EXPECT_EQ(hits, 1) << "known-failure line names no suite case (or several): " << line;
  }
  std::printf("%s: %zu/%zu passed (%.1f%%), %zu known failures\n", p.dir.c_str(), passed,
              cases.size(), 100.0 * static_cast<double>(passed) / static_cast<double>(cases.size()),
              listed.size());
}

INSTANTIATE_TEST_SUITE_P(
    Drafts, JsonSchemaSuite,
    ::testing::Values(DraftParam{"draft3", Draft::kDraft3}, DraftParam{"draft4", Draft::kDraft4},
                      DraftParam{"draft6", Draft::kDraft6}, DraftParam{"draft7", Draft::kDraft7}),
    [](const ::testing::TestParamInfo<DraftParam>& param) { return param.param.dir; });

// ---- Focused cases: what Vigil adds on top of valijson. ----

std::shared_ptr<const CompiledSchema> MustCompile(const std::string& schema,
                                                  Draft fallback = Draft::kDraft7) {
  auto compiled = CompiledSchema::Compile(Json(schema), fallback);
  EXPECT_TRUE(compiled.ok()) << compiled.message() << "\n" << schema;
  return compiled.ok() ? *compiled : nullptr;
}

std::vector<std::string> Lines(const std::vector<SchemaError>& errors) {
  std::vector<std::string> lines;
  for (const SchemaError& e : errors) lines.push_back(e.path + ": " + e.message);
  return lines;
}

const char* const kBalanceSchema = R"({
  "type": "object",
  "required": ["available"],
  "properties": {
    "available": {"type": "array", "items": {"$ref": "#/definitions/money"}},
    "a/b~c": {"enum": [1, 2]}
  },
  "additionalProperties": false,
  "definitions": {
    "money": {
      "type": "object",
      "required": ["amount", "currency"],
      "properties": {
        "amount": {"type": "integer", "minimum": 0},
        "currency": {"type": "string", "pattern": "^[a-z]{3}$"}
      }
    }
  }
})";

TEST(JsonSchemaErrors, PathsAreJsonPointersAndMessagesAreOneLine) {
  const auto schema = MustCompile(kBalanceSchema);
  ASSERT_TRUE(schema);
  EXPECT_EQ(
      Lines(schema->Validate(Json(R"({"available": [{"amount": "12", "currency": "usd"}]})"))),
      std::vector<std::string>{"/available/0/amount: expected type integer, got string \"12\""});
  EXPECT_EQ(Lines(schema->Validate(Json(R"({"available": [], "a/b~c": 3, "bogus": 1})"))),
            (std::vector<std::string>{
                "/a~1b~0c: expected one of the 'enum' values, got integer 3",
                ": unexpected property 'bogus'",
            }));
  EXPECT_EQ(
      Lines(schema->Validate(Json(R"({"available": [{"amount": -1.5, "currency": "USD"}]})"))),
      (std::vector<std::string>{
          "/available/0/amount: expected number greater than or equal to 0, got number -1.5",
          "/available/0/amount: expected type integer, got number -1.5",
          "/available/0/currency: string \"USD\" does not match pattern '^[a-z]{3}$'",
      }));
  EXPECT_EQ(Lines(schema->Validate(Json("[]"))),
            std::vector<std::string>{": expected type object, got an array of 0 items"});
}

TEST(JsonSchemaErrors, MostSpecificFirstWithoutChildFailedSummaries) {
  const auto schema = MustCompile(kBalanceSchema);
  ASSERT_TRUE(schema);
  const std::vector<SchemaError> errors =
      schema->Validate(Json(R"({"bogus": 1, "available": [{}, {"amount": 1, "currency": 7}]})"));
  EXPECT_EQ(Lines(errors), (std::vector<std::string>{
                               "/available/1/currency: expected type string, got integer 7",
                               "/available/0: missing required property 'amount'",
                               "/available/0: missing required property 'currency'",
                               ": unexpected property 'bogus'",
                           }));
}

TEST(JsonSchemaErrors, MaxErrorsIsRespectedAndAtLeastOneIsKept) {
  const auto schema = MustCompile(R"({"type": "array", "items": {"type": "string"}})");
  ASSERT_TRUE(schema);
  const Var ten = Json("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
  EXPECT_EQ(schema->Validate(ten).size(), 5u);  // the default
  EXPECT_EQ(schema->Validate(ten, 3).size(), 3u);
  EXPECT_EQ(schema->Validate(ten, 0).size(), 1u);  // empty would mean "valid"
  EXPECT_EQ(schema->Validate(ten, 100).size(), 10u);
  EXPECT_TRUE(schema->Validate(Json(R"(["a", "b"])"), 0).empty());
}

TEST(JsonSchemaErrors, FalseSchemasAndPropertyNamesSayWhatFailed) {
  EXPECT_EQ(Lines(MustCompile("false")->Validate(Json("{}"))),
            std::vector<std::string>{": no value is allowed here (the schema is false)"});
  EXPECT_EQ(Lines(MustCompile(R"({"properties": {"a": false}})")->Validate(Json(R"({"a": 1})"))),
            std::vector<std::string>{"/a: no value is allowed here (the schema is false)"});
  EXPECT_EQ(
      Lines(MustCompile(R"({"propertyNames": {"maxLength": 2}})")->Validate(Json(R"({"abc": 1})"))),
      std::vector<std::string>{": a property name does not match 'propertyNames'"});
}

TEST(JsonSchemaErrors, AnInvalidPatternIsASchemaErrorNotAnException) {
  for (const char* pattern : {"(", "[a-", "(?<=a)b"}) {  // std::regex has no lookbehind
    SCOPED_TRACE(pattern);
    const auto schema =
        MustCompile(std::string(R"({"properties": {"a": {"pattern": ")") + pattern + R"("}}})");
    ASSERT_TRUE(schema);
    const std::vector<SchemaError> errors = schema->Validate(Json(R"({"a": "x"})"));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].path, "");
    EXPECT_EQ(errors[0].message.rfind(
                  "schema error: invalid regular expression '" + std::string(pattern) + "'", 0),
              0u)
        << errors[0].message;
    EXPECT_TRUE(schema->Validate(Json(R"({"a": 1})")).empty())
        << "the pattern applies to strings only";
  }
  const auto keys = MustCompile(R"({"patternProperties": {"(": {}}})");
  ASSERT_TRUE(keys);
  EXPECT_EQ(Lines(keys->Validate(Json(R"({"a": 1})"))),
            std::vector<std::string>{": schema error: invalid regular expression '(': Mismatched "
                                     "'(' and ')' in regular expression"});
}

TEST(JsonSchemaErrors, LongStringsCannotOverflowTheStack) {
  // libstdc++'s default std::regex executor recurses per character: this overflows 8 MiB at ~10k.
  const auto schema = MustCompile(R"({"items": {"pattern": "^((a)|(b))*$"}})");
  ASSERT_TRUE(schema);
  const std::string long_a(100'000, 'a');
  EXPECT_TRUE(schema->Validate(Json("[\"" + long_a + "\"]")).empty());
  EXPECT_EQ(schema->Validate(Json("[\"" + long_a + "c\"]")).size(), 1u);
  // Back-references force that executor, so such subjects are refused, not matched.
  const auto backref = MustCompile(R"({"items": {"pattern": "^(a)\\1*$"}})");
  ASSERT_TRUE(backref);
  EXPECT_TRUE(backref->Validate(Json(R"(["aaaa"])")).empty());
  const std::vector<SchemaError> errors = backref->Validate(Json("[\"" + long_a + "\"]"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/0");
  EXPECT_EQ(errors[0].message.rfind("cannot validate: a 100000-byte string is too long", 0), 0u)
      << errors[0].message;
}

TEST(JsonSchemaCompile, TheDraftComesFromSchemaElseTheFallback) {
  const std::pair<const char*, Draft> cases[] = {
      {"http://json-schema.org/draft-03/schema#", Draft::kDraft3},
      {"http://json-schema.org/draft-04/schema", Draft::kDraft4},
      {"https://json-schema.org/draft-06/schema#", Draft::kDraft6},
      {"https://json-schema.org/draft-07/schema", Draft::kDraft7},
  };
  for (const auto& [uri, draft] : cases) {
    SCOPED_TRACE(uri);
    const auto schema =
        MustCompile(std::string(R"({"$schema": ")") + uri + R"("})", Draft::kDraft4);
    ASSERT_TRUE(schema);
    EXPECT_EQ(schema->draft(), draft);
  }
  EXPECT_EQ(MustCompile("{}", Draft::kDraft6)->draft(), Draft::kDraft6);
  EXPECT_STREQ(DraftName(Draft::kDraft6), "draft-06");
}

TEST(JsonSchemaCompile, AnUnsupportedSchemaIsAnError) {
  for (const char* uri : {"https://json-schema.org/draft/2020-12/schema",
                          "https://json-schema.org/draft/2019-09/schema", "http://example.com/s"}) {
    SCOPED_TRACE(uri);
    const auto compiled =
        CompiledSchema::Compile(Json(std::string(R"({"$schema": ")") + uri + R"("})"));
    ASSERT_FALSE(compiled.ok());
    EXPECT_EQ(compiled.message(), std::string("unsupported \"$schema\" \"") + uri +
                                      "\": Vigil supports JSON Schema draft-03, -04, -06 and -07");
  }
  EXPECT_FALSE(CompiledSchema::Compile(Json(R"({"$schema": 7})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json("[]")).ok());
  const auto bad = CompiledSchema::Compile(Json(R"({"minLength": -1})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message().rfind("invalid draft-07 schema: ", 0), 0u) << bad.message();
}

TEST(JsonSchemaCompile, RefsWithinTheDocumentWork) {
  const auto tree = MustCompile(R"({
    "type": "object",
    "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#"}}}
  })");
  ASSERT_TRUE(tree);
  EXPECT_TRUE(
      tree->Validate(Json(R"({"value": 1, "children": [{"value": 2, "children": []}]})")).empty());
  EXPECT_EQ(Lines(tree->Validate(Json(R"({"children": [{"children": [{"value": "x"}]}]})"))),
            std::vector<std::string>{
                "/children/0/children/0/value: expected type integer, got string \"x\""});
  const auto by_id = MustCompile(R"({
    "$id": "http://example.com/root.json",
    "properties": {"a": {"$ref": "item.json"}, "b": {"$ref": "#/definitions/item"}},
    "definitions": {"item": {"$id": "item.json", "type": "string"}}
  })");
  ASSERT_TRUE(by_id);
  EXPECT_TRUE(by_id->Validate(Json(R"({"a": "x", "b": "y"})")).empty());
  EXPECT_EQ(by_id->Validate(Json(R"({"a": 1, "b": 2})")).size(), 2u);
}

TEST(JsonSchemaCompile, BadRefsAreErrorsNotCrashes) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"$ref": "#"})", "circular \"$ref\" chain through \"#\""},
      {R"({"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}},
           "properties": {"x": {"$ref": "#/definitions/a"}}})",
       "circular \"$ref\" chain through \"#/definitions/b\""},
      {R"({"$ref": "#/definitions/missing"})",
       "\"$ref\" \"#/definitions/missing\" points to nothing"},
      {R"({"$ref": "other.json"})",
       "cannot resolve \"$ref\" \"other.json\": not in the schema, and Vigil does not fetch remote "
       "schemas"},
      {R"({"$ref": "https://example.com/s.json#/a"})",
       "cannot resolve \"$ref\" \"https://example.com/s.json#/a\": not in the schema, and Vigil "
       "does not "
       "fetch remote schemas"},
  };
  for (const auto& [schema, message] : cases) {
    SCOPED_TRACE(schema);
    const auto compiled = CompiledSchema::Compile(Json(schema));
    ASSERT_FALSE(compiled.ok());
    EXPECT_EQ(compiled.message(), std::string("invalid draft-07 schema: ") + message);
  }
}

TEST(JsonSchemaCompile, RemoteRefsComeOnlyFromTheResolver) {
  std::vector<std::string> asked;
  const RemoteResolver remotes = [&asked](const std::string& uri) -> std::optional<Var> {
    asked.push_back(uri);
    if (uri != "https://schemas.example.com/money.json") return std::nullopt;
    return Json(R"({"definitions": {"cents": {"type": "integer"}}})");
  };
  const auto compiled = CompiledSchema::Compile(
      Json(R"({"items": {"$ref": "https://schemas.example.com/money.json#/definitions/cents"}})"),
      Draft::kDraft7, remotes);
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  EXPECT_EQ(asked, std::vector<std::string>{"https://schemas.example.com/money.json"});
  EXPECT_TRUE((*compiled)->Validate(Json("[1, 2]")).empty());
  EXPECT_EQ(Lines((*compiled)->Validate(Json("[1, \"2\"]"))),
            std::vector<std::string>{"/1: expected type integer, got string \"2\""});
}

TEST(JsonSchemaValidate, ScalarsFloatsAndTheCompiledCopy) {
  const auto compiled = CompiledSchema::Compile(Json(R"({"type": "integer"})"));
  ASSERT_TRUE(compiled.ok());
  EXPECT_TRUE((*compiled)->Validate(Var(7)).empty());
  EXPECT_TRUE((*compiled)->Validate(Json("1.0")).empty()) << "draft-06+: 1.0 is an integer";
  EXPECT_EQ(Lines((*compiled)->Validate(Var(std::string("7")))),
            std::vector<std::string>{": expected type integer, got string \"7\""});
  EXPECT_EQ(Lines((*compiled)->Validate(Var())),
            std::vector<std::string>{": expected type integer, got null"});
  EXPECT_EQ(Lines(MustCompile(R"({"type": "integer"})", Draft::kDraft4)->Validate(Json("1.0"))),
            std::vector<std::string>{": expected type integer, got number 1.0"});

  Var document = Json(R"({"properties": {"a": {"type": "string"}}})");
  const auto copy = CompiledSchema::Compile(document);
  ASSERT_TRUE(copy.ok());
  document.extract<ObjectPtr>()->getObject("properties")->getObject("a")->set("type", "integer");
  EXPECT_TRUE((*copy)->Validate(Json(R"({"a": "x"})")).empty()) << "Compile must copy the document";
}

TEST(JsonSchemaValidate, ManyThreadsShareOneCompiledSchema) {
  const auto schema = MustCompile(kBalanceSchema);
  ASSERT_TRUE(schema);
  const Var good = Json(R"({"available": [{"amount": 1, "currency": "usd"}]})");
  const Var bad = Json(R"({"available": [{"amount": 1, "currency": "USD"}]})");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!schema->Validate(good).empty() || schema->Validate(bad).size() != 1) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace vigil::probes::schema
