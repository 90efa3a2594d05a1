// OpenApiOperation: one operation of an OpenAPI 3.0 or 3.1 document (YAML or JSON), loaded once
// at config load, with the JSON Schema of every response it describes compiled. At probe time,
// Select picks the schema for the status code and Content-Type the provider sent, the way
// OpenAPI says: the exact code, then its range ("4XX"), then "default"; the exact media type
// (parameters such as "; charset=utf-8" ignored, case-insensitive), then a JSON match
// ("application/problem+json" against "application/json" or the other way round), then
// "text/*", then "*/*". A response the operation does not describe is reported as such, which
// is data for the caller (a finding), not an error.
//
// Thread-safety: immutable after Load; Select and the CompiledSchemas it returns may be used
// from any number of threads at once.
//
// What is read: "openapi" (3.0.x or 3.1.x), "paths" (Path Items may be local "$ref"s), the
// operation's "responses" (Response Objects may be "$ref"s, e.g. #/components/responses/NotFound)
// and each "content" media type's "schema". Only local references ("#/...") are supported; an
// external one reached from the operation's responses is an error at Load. How Schema Objects
// become JSON Schema (nullable, exclusiveMinimum, 2020-12 keywords, what is not enforced) is
// described in probes/schema/openapi_schema.h. Parameters, request bodies, headers, links,
// callbacks and security are not read.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/status.h"
#include "probes/schema/json_schema.h"

namespace vigil::probes::schema {

class OpenApiOperation {
 public:
  // `spec_path`: a YAML or JSON file (by extension .yaml/.yml/.json, else sniffed). Selects the
  // operation by `operation_id`, or by `method` + `path` (the path as written in the spec's
  // "paths", e.g. "/v1/charges/{id}"; method case-insensitive); giving both, or neither, is an
  // error. Errors are one line, start with `spec_path`, name what was not found and list what
  // exists (e.g. the operationIds), or say where in the document a bad "$ref" or schema is.
  static core::Result<std::shared_ptr<const OpenApiOperation>> Load(const std::string& spec_path,
                                                                    const std::string& operation_id,
                                                                    const std::string& method,
                                                                    const std::string& path);

  // The same, for a document already parsed (Poco::JSON::Parser output, or YAML converted by
  // config/yaml_json.h); `source` names it in messages (its file). Does not keep `document`.
  static core::Result<std::shared_ptr<const OpenApiOperation>> FromDocument(
      const Poco::Dynamic::Var& document, const std::string& source,
      const std::string& operation_id, const std::string& method, const std::string& path);

  ~OpenApiOperation();
  OpenApiOperation(const OpenApiOperation&) = delete;
  OpenApiOperation& operator=(const OpenApiOperation&) = delete;

  std::string version() const { return version_; }  // as the document says: "3.0.3", "3.1.0"
  std::string name() const { return name_; }        // "GetBalance" or "GET /v1/balance"

  struct Selected {
    // Null when there is no JSON schema to check: the response has no content, its media type
    // has no schema, or `content_type` is not JSON (application/json, */*+json) even though a
    // wildcard such as "*/*" matched it. Owned by the OpenApiOperation.
    const CompiledSchema* schema = nullptr;
    // What describes the response: "200 application/json", "4XX application/problem+json",
    // "default application/json", "204 (no content)". Empty when not described.
    std::string described_as;
    // Non-empty when the spec does not describe this response; says why, e.g. "the spec
    // describes no 503 response for GetBalance (only 200, 4XX)".
    std::string not_described;
  };
  // `content_type` is the response's Content-Type header as sent ("" when absent).
  Selected Select(int status, std::string_view content_type) const;

 private:
  struct Media {
    std::string type;  // lower case, without parameters: "application/json", "text/*"
    std::shared_ptr<const CompiledSchema> schema;  // null: no schema, or not a JSON media type
  };
  struct Response {
    std::string key;           // "200", "4XX", "default"
    std::vector<Media> media;  // sorted by type; empty: no content described
  };
  class Builder;

  OpenApiOperation() = default;
  const Response* FindResponse(int status) const;
  static const Media* FindMedia(const Response& response, const std::string& type);

  std::string version_;
  std::string name_;
  std::map<std::string, Response> responses_;  // by key
};

}  // namespace vigil::probes::schema
