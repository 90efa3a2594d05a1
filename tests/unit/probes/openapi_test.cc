// OpenApiOperation: the same payments API written in OpenAPI 3.0 (YAML) and 3.1 (JSON), selected
// by operationId and by method + path; responses chosen by status and content type; provider
// bodies validated against the converted schemas (nullable, allOf, $ref, 3.1 keywords); and the
// exact message of every Load error.
#include "probes/schema/openapi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "probes/json_value.h"

namespace vigil::probes::schema {
namespace {

using Poco::Dynamic::Var;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

const std::string kDir = std::string(VIGIL_SOURCE_DIR) + "/tests/testdata/openapi/";
const std::string kSpec30 = kDir + "payments-3.0.yaml";
const std::string kSpec31 = kDir + "payments-3.1.json";
const std::vector<std::string> kBothSpecs = {kSpec30, kSpec31};

Var Json(const std::string& text) {
  core::Result<Var> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : Var();
}

std::shared_ptr<const OpenApiOperation> Load(const std::string& spec, const std::string& id,
                                             const std::string& method = "",
                                             const std::string& path = "") {
  auto op = OpenApiOperation::Load(spec, id, method, path);
  EXPECT_TRUE(op.ok()) << op.message();
  return op.ok() ? *op : nullptr;
}

// Violations as "path: message" ("" is shown as "(root)").
std::vector<std::string> Violations(const CompiledSchema& schema, const Var& instance) {
  std::vector<std::string> out;
  for (const SchemaError& e : schema.Validate(instance)) {
    out.push_back((e.path.empty() ? "(root)" : e.path) + ": " + e.message);
  }
  return out;
}

TEST(OpenApiLoad, ReadsTheSameApiFromYaml30AndJson31) {
  const auto v30 = Load(kSpec30, "GetBalance");
  const auto v31 = Load(kSpec31, "GetBalance");
  ASSERT_TRUE(v30 && v31);
  EXPECT_EQ(v30->version(), "3.0.3");
  EXPECT_EQ(v31->version(), "3.1.0");
  EXPECT_EQ(v30->name(), "GetBalance");
}

TEST(OpenApiLoad, SelectsByOperationIdOrByMethodAndPath) {
  struct Case {
    std::string id, method, path;
    std::string name;       // what name() says
    int status;             // a status the operation describes...
    std::string described;  // ...and how
  };
  const Case cases[] = {
      {"GetCharge", "", "", "GetCharge", 200, "200 application/json"},
      {"", "get", "/v1/charges/{id}", "GET /v1/charges/{id}", 200, "200 application/json"},
      {"", "DELETE", "/v1/charges/{id}", "DELETE /v1/charges/{id}", 204, "204 (no content)"},
      {"", "Post", "/v1/charges", "POST /v1/charges", 201, "201 application/json"},
      {"CreateCharge", "", "", "CreateCharge", 429, "429 application/json"},
      // No operationId; in 3.1 the Path Item is a $ref to #/components/pathItems/Health.
      {"", "GET", "/health", "GET /health", 503, "503 */*"},
  };
  for (const std::string& spec : kBothSpecs) {
    for (const Case& c : cases) {
      SCOPED_TRACE(spec + " " + c.name);
      const auto op = Load(spec, c.id, c.method, c.path);
      ASSERT_TRUE(op);
      EXPECT_EQ(op->name(), c.name);
      EXPECT_EQ(op->Select(c.status, "application/json").described_as, c.described);
    }
  }
}

TEST(OpenApiSelect, ByStatusThenContentType) {
  struct Case {
    std::string operation;
    int status;
    std::string content_type;
    std::string described;      // described_as
    std::string not_described;  // exact, "" when described
    bool schema;                // a JSON schema to check
  };
  const Case cases[] = {
      {"GetCharge", 200, "application/json", "200 application/json", "", true},
      {"GetCharge", 200, "application/json; charset=utf-8", "200 application/json", "", true},
      {"GetCharge", 200, "Application/JSON;charset=UTF-8", "200 application/json", "", true},
      // A +json type matches application/json, and the other way round.
      {"GetCharge", 200, "application/vnd.payments.v1+json", "200 application/json", "", true},
      {"GetCharge", 404, "application/problem+json", "404 application/problem+json", "", true},
      {"GetCharge", 404, "application/json", "404 application/json", "", true},
      {"GetCharge", 401, "application/json", "default application/json", "", true},
      {"GetCharge", 503, "application/json", "default application/json", "", true},
      // Exact code, then range, then default.
      {"ListCharges", 200, "application/json", "200 application/json", "", true},
      {"ListCharges", 422, "application/json", "4XX application/json", "", true},
      {"ListCharges", 404, "application/problem+json", "4XX application/problem+json", "", true},
      {"ListCharges", 500, "application/json", "default application/json", "", true},
      {"CreateCharge", 400, "application/json", "400 application/json", "", true},
      {"CreateCharge", 409, "application/json", "default application/json", "", true},
      // No default: a status the operation does not list is not described.
      {"CancelCharge", 500, "application/json", "",
       "the spec describes no 500 response for CancelCharge (only 204, 404, 409)", false},
      {"CancelCharge", 204, "", "204 (no content)", "", false},
      {"CancelCharge", 409, "application/vnd.payments+json", "409 application/json", "", true},
      // Non-JSON media types: described, nothing to check.
      {"GetReceipt", 200, "application/pdf", "200 application/pdf", "", false},
      {"GetReceipt", 200, "text/html; charset=utf-8", "200 text/*", "", false},
      {"GetReceipt", 200, "application/json", "200 application/json", "", true},
      {"GetReceipt", 200, "image/png", "",
       "the spec describes the 200 response of GetReceipt as application/json, "
       "application/pdf, text/*, not image/png",
       false},
      {"GetCharge", 200, "text/html", "",
       "the spec describes the 200 response of GetCharge as application/json, not text/html",
       false},
      {"GetCharge", 200, "", "",
       "the response has no Content-Type; the spec describes the 200 response of GetCharge as "
       "application/json",
       false},
      {"GetEvent", 500, "application/json", "",
       "the spec describes no 500 response for GetEvent (only 200, 404)", false},
  };
  for (const std::string& spec : kBothSpecs) {
    for (const Case& c : cases) {
      SCOPED_TRACE(spec + " " + c.operation + " " + std::to_string(c.status) + " " +
                   c.content_type);
      const auto op = Load(spec, c.operation);
      ASSERT_TRUE(op);
      const OpenApiOperation::Selected s = op->Select(c.status, c.content_type);
      EXPECT_EQ(s.described_as, c.described);
      EXPECT_EQ(s.not_described, c.not_described);
      EXPECT_EQ(s.schema != nullptr, c.schema);
    }
  }
}

TEST(OpenApiSelect, WildcardOnlyChecksJsonBodies) {
  for (const std::string& spec : kBothSpecs) {
    SCOPED_TRACE(spec);
    const auto op = Load(spec, "", "GET", "/health");
    ASSERT_TRUE(op);
    const OpenApiOperation::Selected json = op->Select(200, "application/json");
    EXPECT_EQ(json.described_as, "200 */*");
    ASSERT_NE(json.schema, nullptr);
    EXPECT_THAT(Violations(*json.schema, Json(R"({"status":"ok"})")), IsEmpty());
    const OpenApiOperation::Selected text = op->Select(200, "text/plain");
    EXPECT_EQ(text.described_as, "200 */*");
    EXPECT_EQ(text.schema, nullptr);
    EXPECT_EQ(op->Select(200, "").described_as, "200 */*");
  }
}

TEST(OpenApiSelect, KeysAreNormalized) {
  // Lower-case ranges, extensions among the responses, media types written with parameters.
  const Var document = Json(R"({"openapi": "3.0.0", "paths": {"/x": {"get": {"operationId": "Op",
    "responses": {
      "2xx": {"description": "d", "content": {
        "Application/JSON; charset=utf-8": {"schema": {"type": "integer"}},
        "application/*": {"schema": {"type": "string"}}}},
      "x-codegen": {"anything": true},
      "default": {"description": "d", "content": {"application/json": {}}}}}}}})");
  auto op = OpenApiOperation::FromDocument(document, "inline.json", "Op", "", "");
  ASSERT_TRUE(op.ok()) << op.message();
  struct Case {
    int status;
    std::string content_type, described;
    std::string valid_body;  // "" when there is no schema to check
  };
  const Case cases[] = {
      {201, "application/json", "2XX application/json", "1"},
      {299, "application/problem+json", "2XX application/json", "1"},
      {200, "application/vnd.ms-excel", "2XX application/*", ""},
      {200, "application/x.sheet+json", "2XX application/json", "1"},
      {404, "application/json", "default application/json", ""},  // a media type without schema
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.status) + " " + c.content_type);
    const OpenApiOperation::Selected s = (*op)->Select(c.status, c.content_type);
    EXPECT_EQ(s.described_as, c.described);
    EXPECT_EQ(s.not_described, "");
    ASSERT_EQ(s.schema != nullptr, !c.valid_body.empty());
    if (s.schema) {
      EXPECT_THAT(Violations(*s.schema, Json(c.valid_body)), IsEmpty());
    }
  }
}

// A charge as the provider sends it: no "source" (writeOnly, though required), nullable fields.
const char* const kCharge = R"({
  "id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "object": "charge", "created": 1717236000,
  "livemode": false, "amount": 1099, "currency": "EUR", "status": "succeeded",
  "captured": true, "description": null, "failure_code": null, "customer": null,
  "metadata": null, "refunds": []})";

std::string Charge(const std::string& replace, const std::string& with) {
  std::string s = kCharge;
  const std::size_t at = s.find(replace);
  EXPECT_NE(at, std::string::npos) << replace;
  return s.replace(at, replace.size(), with);
}

TEST(OpenApiValidate, GoodAndBadBodies) {
  struct Case {
    std::string label, operation;
    int status;
    std::string content_type, body;
    std::vector<std::string> violations;
  };
  const std::string customer =
      R"("customer": {"id": "cus_1", "object": "customer", "created": 1, "livemode": false,
          "email": "a@example.com", "name": null})";
  const std::string bad_customer = R"("customer": {"id": "cus_1", "object": "customer"})";
  const Case cases[] = {
      {"charge with nulls", "GetCharge", 200, "application/json", kCharge, {}},
      {"customer object",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("customer": null)", customer),
       {}},
      {"metadata map",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("metadata": null)", R"("metadata": {"order": "A-1"})"),
       {}},
      {"failure code",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("failure_code": null)", R"("failure_code": "card_declined")"),
       {}},
      {"allOf part 1: id missing",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("id": "ch_3MmlLrLkdIwHu7ix0snN0B15", )", ""),
       {"(root): missing required property 'id'"}},
      {"allOf part 2: bad status",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("succeeded")", R"("refunded")"),
       {"/status: expected one of the 'enum' values, got string \"refunded\""}},
      {"exclusiveMinimum",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("amount": 1099)", R"("amount": 0)"),
       {"/amount: expected number greater than 0, got integer 0"}},
      {"nullable string",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("description": null)", R"("description": 5)"),
       {"/description: type not allowed: got integer 5"}},
      {"nullable enum",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("failure_code": null)", R"("failure_code": "stolen")"),
       {"/failure_code: expected one of the 'enum' values, got string \"stolen\""}},
      {"$ref to Currency",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("EUR")", R"("eur")"),
       {"/currency: string \"eur\" does not match its 'pattern'"}},
      {"nullable allOf: a customer without email",
       "GetCharge",
       200,
       "application/json",
       Charge(R"("customer": null)", bad_customer),
       {"/customer: missing required property 'created'",
        "/customer: missing required property 'livemode'",
        "/customer: type not allowed: got an object",
        "/customer: matches none of the 'anyOf' schemas"}},
      {"list, deep path",
       "ListCharges",
       200,
       "application/json",
       R"({"object": "list", "has_more": false, "next_cursor": null,
           "data": [)" +
           std::string(kCharge) + "," + Charge(R"("EUR")", "7") + "]}",
       {"/data/1/currency: type not allowed: got integer 7"}},
      {"balance",
       "GetBalance",
       200,
       "application/json",
       R"({"object": "balance", "available": [{"amount": 1, "currency": "EUR"}],
           "pending": []})",
       {}},
      {"balance, minItems",
       "GetBalance",
       200,
       "application/json",
       R"({"object": "balance", "available": [], "pending": []})",
       {"/available: array should contain no fewer than 1 elements"}},
      {"shared NotFound response",
       "GetCharge",
       404,
       "application/json",
       R"({"error": {"type": "invalid_request_error", "message": "No such charge", "code": null}})",
       {}},
      {"shared NotFound response, bad",
       "GetCharge",
       404,
       "application/json",
       R"({"error": {"type": "invalid_request_error"}})",
       {"/error: missing required property 'message'"}},
      {"problem+json",
       "GetCharge",
       404,
       "application/problem+json",
       R"({"type": "about:blank", "title": "Not Found", "status": "404"})",
       {"/status: expected type integer, got string \"404\""}},
      {"allOf Error + fields",
       "CreateCharge",
       400,
       "application/json",
       R"({"error": {"type": "invalid_request_error", "message": "Bad"}, "fields": []})",
       {"/fields: array should contain no fewer than 1 elements"}},
      {"shared TooManyRequests",
       "CreateCharge",
       429,
       "application/json",
       R"({"error": {"type": "rate_limit_error", "message": "Slow down"}})",
       {}},
      {"pointer into a schema",
       "GetReceipt",
       200,
       "application/json",
       R"({"charge": "ch_1", "number": "R-1", "url": "https://x.example/r", "amount": 0})",
       {"/amount: expected number greater than 0, got integer 0"}},
      {"oneOf event",
       "GetEvent",
       200,
       "application/json",
       R"({"id": "evt_1", "type": "refund.created", "data": {"object": {"id": "re_1",
           "object": "refund", "created": 1, "livemode": true, "amount": 5, "charge": "ch_1",
           "status": "pending", "reason": null}}})",
       {}},
  };
  for (const std::string& spec : kBothSpecs) {
    for (const Case& c : cases) {
      SCOPED_TRACE(spec + ": " + c.label);
      const auto op = Load(spec, c.operation);
      ASSERT_TRUE(op);
      const OpenApiOperation::Selected s = op->Select(c.status, c.content_type);
      ASSERT_NE(s.schema, nullptr) << s.not_described;
      EXPECT_THAT(Violations(*s.schema, Json(c.body)), UnorderedElementsAreArray(c.violations));
    }
  }
}

// A one-operation document around `schema`, with `components` as its component schemas.
Var Document(const std::string& version, const std::string& schema,
             const std::string& components = "{}") {
  return Json(R"({"openapi": ")" + version + R"(", "info": {"title": "t", "version": "1"},
    "paths": {"/x": {"get": {"operationId": "Op", "responses": {"200": {"description": "ok",
      "content": {"application/json": {"schema": )" +
              schema + R"(}}}}}}},
    "components": {"schemas": )" +
              components + "}}");
}

TEST(OpenApiConvert, SchemaObjectRules) {
  struct Case {
    std::string label, version, schema, components, body;
    std::vector<std::string> violations;
  };
  const std::string tree =
      R"({"Node": {"type": "object", "required": ["name"], "properties": {
          "name": {"type": "string"},
          "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}})";
  const Case cases[] = {
      {"3.0 exclusiveMinimum: true",
       "3.0.3",
       R"({"type": "integer", "minimum": 5, "exclusiveMinimum": true})",
       "{}",
       "5",
       {"(root): expected number greater than 5, got integer 5"}},
      {"3.0 exclusiveMaximum: true",
       "3.0.3",
       R"({"type": "integer", "maximum": 5, "exclusiveMaximum": true})",
       "{}",
       "5",
       {"(root): expected number less than 5, got integer 5"}},
      {"3.0 exclusiveMinimum: false",
       "3.0.3",
       R"({"type": "integer", "minimum": 5, "exclusiveMinimum": false})",
       "{}",
       "5",
       {}},
      {"3.1 exclusiveMinimum: 5",
       "3.1.0",
       R"({"type": "integer", "exclusiveMinimum": 5})",
       "{}",
       "5",
       {"(root): expected number greater than 5, got integer 5"}},
      {"3.0 nullable", "3.0.3", R"({"type": "string", "nullable": true})", "{}", "null", {}},
      {"3.1 has no nullable",
       "3.1.0",
       R"({"type": "string", "nullable": true})",
       "{}",
       "null",
       {"(root): expected type string, got null"}},
      {"3.1 type array", "3.1.0", R"({"type": ["string", "null"]})", "{}", "null", {}},
      {"3.0 nullable enum",
       "3.0.3",
       R"({"type": "string", "enum": ["a", "b"], "nullable": true})",
       "{}",
       "null",
       {}},
      {"3.0 nullable oneOf",
       "3.0.3",
       R"({"nullable": true, "oneOf": [{"type": "string"}, {"type": "integer"}]})",
       "{}",
       "null",
       {}},
      {"3.0 $ref siblings are ignored",
       "3.0.3",
       R"({"$ref": "#/components/schemas/S", "maxLength": 1, "nullable": true})",
       R"({"S": {"type": "string"}})",
       R"("long")",
       {}},
      {"3.0 $ref siblings are ignored: nullable too",
       "3.0.3",
       R"({"$ref": "#/components/schemas/S", "nullable": true})",
       R"({"S": {"type": "string"}})",
       "null",
       {"(root): expected type string, got null"}},
      {"3.1 $ref siblings apply",
       "3.1.0",
       R"({"$ref": "#/components/schemas/S", "maxLength": 1})",
       R"({"S": {"type": "string"}})",
       R"("long")",
       {"(root): string should be no more than 1 characters in length"}},
      {"3.1 prefixItems",
       "3.1.0",
       R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
           "items": false})",
       "{}",
       R"(["a", "b"])",
       {"/1: expected type integer, got string \"b\"",
        "(root): cannot validate item #1 or greater using 'items' constraint or 'additionalItems' "
        "constraint"}},
      {"3.1 prefixItems, items: false",
       "3.1.0",
       R"({"type": "array", "prefixItems": [{"type": "string"}], "items": false})",
       "{}",
       R"(["a", 1])",
       {"(root): array contains more items than allowed by items constraint",
        "(root): cannot validate item #1 or greater using 'items' constraint or 'additionalItems' "
        "constraint"}},
      {"3.1 const",
       "3.1.0",
       R"({"const": "x"})",
       "{}",
       R"("y")",
       {"(root): expected the 'const' value, got string \"y\""}},
      {"3.1 dependentRequired",
       "3.1.0",
       R"({"type": "object", "dependentRequired": {"card": ["cvc"]}})",
       "{}",
       R"({"card": 1})",
       {"(root): missing dependency 'cvc'"}},
      {"3.1 $defs",
       "3.1.0",
       R"({"$ref": "#/components/schemas/Box/$defs/Inner"})",
       R"({"Box": {"$defs": {"Inner": {"type": "string"}}}})",
       "1",
       {"(root): expected type string, got integer 1"}},
      {"3.1 boolean schema", "3.1.0", "true", "{}", R"({"any": 1})", {}},
      {"3.1 examples ignored", "3.1.0", R"({"type": "integer", "examples": ["x"]})", "{}", "1", {}},
      {"recursive schema",
       "3.0.3",
       R"({"$ref": "#/components/schemas/Node"})",
       tree,
       R"({"name": "a", "children": [{"name": "b", "children": [{"children": []}]}]})",
       {"/children/0/children/0: missing required property 'name'"}},
      {"writeOnly required property",
       "3.0.3",
       R"({"type": "object", "required": ["a", "secret"], "properties": {"a": {},
           "secret": {"$ref": "#/components/schemas/Secret"}}})",
       R"({"Secret": {"type": "string", "writeOnly": true}})",
       R"({"a": 1})",
       {}},
      {"annotations dropped",
       "3.0.3",
       R"({"type": "object", "discriminator": {"propertyName": "kind"}, "xml": {"name": "x"},
           "example": {"kind": 1}, "externalDocs": {"url": "https://x.example"},
           "readOnly": true, "deprecated": true, "x-internal": true,
           "additionalProperties": false, "properties": {"kind": {"type": "string"}}})",
       "{}",
       R"({"kind": "a", "extra": 1})",
       {"(root): unexpected property 'extra'"}},
      {"component names that are keywords",
       "3.0.3",
       R"({"type": "object", "properties": {"a": {"$ref": "#/components/schemas/enum"},
           "b": {"$ref": "#/components/schemas/id"}}})",
       R"({"enum": {"type": "string"}, "id": {"type": "integer"}})",
       R"({"a": 1, "b": 2})",
       {"/a: expected type string, got integer 1"}},
      {"escaped component name",
       "3.0.3",
       R"({"$ref": "#/components/schemas/a~1b%25c"})",
       R"({"a/b%c": {"type": "string"}})",
       "1",
       {"(root): expected type string, got integer 1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    auto op = OpenApiOperation::FromDocument(Document(c.version, c.schema, c.components),
                                             "inline.json", "Op", "", "");
    ASSERT_TRUE(op.ok()) << op.message();
    const OpenApiOperation::Selected s = (*op)->Select(200, "application/json");
    ASSERT_NE(s.schema, nullptr);
    EXPECT_THAT(Violations(*s.schema, Json(c.body)), ElementsAreArray(c.violations));
  }
}

TEST(OpenApiLoad, FileErrors) {
  struct Case {
    std::string spec, id, method, path, error;
  };
  const std::string ids =
      "CancelCharge, CreateCharge, CreateRefund, GetBalance, GetCharge, GetEvent, GetReceipt, "
      "ListCharges";
  const std::string paths =
      "/health, /v1/balance, /v1/charges, /v1/charges/{id}, /v1/charges/{id}/receipt, "
      "/v1/events/{id}, /v1/refunds";
  const Case cases[] = {
      {kDir + "missing.yaml", "GetBalance", "", "",
       "cannot read OpenAPI spec \"" + kDir + "missing.yaml\": No such file or directory"},
      {kDir + "swagger-2.0.yaml", "GetBalance", "", "",
       kDir + "swagger-2.0.yaml: Swagger/OpenAPI \"2.0\" is not supported: Vigil reads OpenAPI "
              "3.0 and 3.1 (convert the document, e.g. with swagger2openapi)"},
      {kDir + "external-ref.yaml", "GetInvoice", "", "",
       kDir + "external-ref.yaml: external $ref not supported: "
              "\"common.yaml#/components/schemas/Money\" "
              "(at #/components/schemas/Invoice/properties/total/$ref)"},
      {kSpec30, "GetBalanse", "", "",
       kSpec30 +
           ": operationId \"GetBalanse\" not found (did you mean \"GetBalance\"?); "
           "the document has: " +
           ids},
      {kSpec31, "Refund", "", "",
       kSpec31 + ": operationId \"Refund\" not found; the document has: " + ids},
      {kSpec30, "", "GET", "/v1/charge",
       kSpec30 +
           ": path \"/v1/charge\" not found (did you mean \"/v1/charges\"?); "
           "the document has: " +
           paths},
      {kSpec31, "", "patch", "/v1/charges",
       kSpec31 + ": no PATCH operation on path \"/v1/charges\"; it has: GET, POST"},
      {kSpec30, "", "FETCH", "/v1/charges",
       kSpec30 + ": unknown HTTP method \"FETCH\"; OpenAPI has get, put, post, delete, options, "
                 "head, patch and trace"},
      {kSpec30, "GetBalance", "GET", "/v1/balance",
       kSpec30 + ": select the operation by operationId, or by method and path, not both"},
      {kSpec30, "", "GET", "",
       kSpec30 + ": select an operation: give its operationId, or its method and path"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec + " " + c.id + c.method + " " + c.path);
    auto op = OpenApiOperation::Load(c.spec, c.id, c.method, c.path);
    ASSERT_FALSE(op.ok());
    EXPECT_EQ(op.message(), c.error);
  }
}

TEST(OpenApiLoad, MalformedYamlSaysWhere) {
  auto op = OpenApiOperation::Load(kDir + "malformed.yaml", "GetBalance", "", "");
  ASSERT_FALSE(op.ok());
  EXPECT_THAT(op.message(),
              HasSubstr("cannot read OpenAPI spec \"" + kDir + "malformed.yaml\": line "));
}

TEST(OpenApiLoad, DocumentErrors) {
  struct Case {
    std::string label, document, error;
  };
  const std::string info = R"("info": {"title": "t", "version": "1"})";
  const auto op = [](const std::string& responses) {
    return R"({"openapi": "3.0.3", "paths": {"/x": {"get": {"operationId": "Op", "responses": )" +
           responses +
           "}}}, \"components\": {\"responses\": {\"A\": {\"$ref\": "
           "\"#/components/responses/B\"}, \"B\": {\"$ref\": \"#/components/responses/A\"}}}}";
  };
  const std::string ok_content = R"({"description": "d", "content": {"application/json": )";
  const Case cases[] = {
      {"not a mapping", "[1, 2]",
       "inline.json: not an OpenAPI document (no mapping at the top level)"},
      {"no version", "{" + info + R"(, "paths": {}})",
       "inline.json: not an OpenAPI document: no \"openapi\" version field"},
      {"version 2.5", R"({"openapi": "2.5", "paths": {}})",
       "inline.json: unsupported OpenAPI version \"2.5\": Vigil reads OpenAPI 3.0 and 3.1"},
      {"version as a number", R"({"openapi": 3.0, "paths": {}})",
       "inline.json: \"openapi\" must be a string such as \"3.0.3\" (quote it in YAML)"},
      {"version 4", R"({"openapi": "4.0.0", "paths": {}})",
       "inline.json: unsupported OpenAPI version \"4.0.0\": Vigil reads OpenAPI 3.0 and 3.1"},
      {"no paths", R"({"openapi": "3.1.0", "webhooks": {}})",
       "inline.json: the document has no \"paths\""},
      {"no operationIds", R"({"openapi": "3.0.3", "paths": {"/x": {"get": {"responses": {}}}}})",
       "inline.json: operationId \"Op\" not found: the document has no operationIds; select by "
       "method and path"},
      {"no responses", op("{}"), "inline.json: Op has no \"responses\" (at #/paths/~1x/get)"},
      {"bad status key", op(R"({"20X": {"description": "d"}})"),
       "inline.json: unknown response code \"20X\" (expected 100-599, 1XX-5XX or default) "
       "(at #/paths/~1x/get/responses/20X)"},
      {"response $ref to nothing", op(R"({"200": {"$ref": "#/components/responses/Nope"}})"),
       "inline.json: $ref \"#/components/responses/Nope\" points to nothing "
       "(at #/paths/~1x/get/responses/200/$ref)"},
      {"circular response $ref", op(R"({"200": {"$ref": "#/components/responses/A"}})"),
       "inline.json: circular $ref: #/components/responses/A -> #/components/responses/B -> "
       "#/components/responses/A"},
      {"schema $ref to nothing",
       op(R"({"200": )" + ok_content + R"({"schema": {"$ref": "#/components/schemas/Money"}}}}})"),
       "inline.json: $ref \"#/components/schemas/Money\" points to nothing "
       "(at #/paths/~1x/get/responses/200/content/application~1json/schema/$ref)"},
      {"anchor $ref", op(R"({"200": )" + ok_content + R"({"schema": {"$ref": "#Money"}}}}})"),
       "inline.json: $ref \"#Money\" is not a JSON Pointer (\"#/components/...\") "
       "(at #/paths/~1x/get/responses/200/content/application~1json/schema/$ref)"},
      {"schema not an object", op(R"({"200": )" + ok_content + R"({"schema": "string"}}}})"),
       "inline.json: a schema must be an object "
       "(at #/paths/~1x/get/responses/200/content/application~1json/schema)"},
      {"schema the compiler rejects",
       op(R"({"200": )" + ok_content + R"({"schema": {"type": "strnig"}}}}})"),
       "inline.json: the schema of the 200 application/json response of Op cannot be compiled "
       "(at #/paths/~1x/get/responses/200/content/application~1json/schema): "},
      {"duplicate operationId",
       R"({"openapi": "3.0.3", "paths": {"/a": {"get": {"operationId": "Op", "responses": {}}},
           "/b": {"post": {"operationId": "Op", "responses": {}}}}})",
       "inline.json: operationId \"Op\" is used by 2 operations: GET /a, POST /b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    auto loaded = OpenApiOperation::FromDocument(Json(c.document), "inline.json", "Op", "", "");
    ASSERT_FALSE(loaded.ok());
    if (c.error.ends_with(": ")) {  // followed by the schema compiler's own words
      EXPECT_THAT(loaded.message(), HasSubstr(c.error));
    } else {
      EXPECT_EQ(loaded.message(), c.error);
    }
  }
}

TEST(OpenApiSelect, ManyThreadsShareOneOperation) {
  const auto op = Load(kSpec30, "GetCharge");
  ASSERT_TRUE(op);
  const Var good = Json(kCharge);
  const Var bad = Json(Charge(R"("EUR")", R"("eur")"));
  std::vector<std::thread> workers;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const OpenApiOperation::Selected s = op->Select(200, "application/json");
        if (!s.schema || !s.schema->Validate(good).empty() || s.schema->Validate(bad).empty()) {
          ++failures[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  EXPECT_THAT(failures, ElementsAreArray({0, 0, 0, 0}));
}

}  // namespace
}  // namespace vigil::probes::schema
