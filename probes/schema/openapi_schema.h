// Reading an OpenAPI document's references, and turning its Schema Objects into plain JSON
// Schema (draft-07) that CompiledSchema compiles. Internal to probes/schema/openapi*.cc. All
// functions are pure: they read a parsed document (Poco::JSON::Parser output, never changed) and
// build new values, so they are safe on any thread.
//
// A converted schema is self-contained: every schema that a "$ref" reaches, directly or through
// other schemas, is converted as well and stored under "definitions", keyed by its component name
// ("Charge" for #/components/schemas/Charge) or, for any other target, by its JSON Pointer; each
// "$ref" is rewritten to point there. So a reference into any part of the document works
// (#/components/schemas/Charge/properties/amount, #/paths/...), a rewrite of one schema (e.g. for
// "nullable") cannot break a pointer into it, and the rest of the document (paths, examples)
// never reaches the JSON Schema compiler.
//
// Conversion rules:
//  - OpenAPI 3.0 (a JSON Schema variant): "nullable: true" adds "null" to "type" and to "enum";
//    when the schema also has allOf/anyOf/oneOf/not it becomes {"anyOf": [{"type": "null"}, it]}
//    (so the common `nullable: true` + `allOf: [$ref]` idiom allows null). Siblings of "$ref"
//    are ignored, "nullable" included, as 3.0 says. Boolean "exclusiveMinimum"/"exclusiveMaximum"
//    become the numeric form. Only 3.0 keywords are kept.
//  - OpenAPI 3.1 (JSON Schema 2020-12): "$ref" siblings apply (via "allOf"); "prefixItems" +
//    "items" become "items" + "additionalItems"; "dependentRequired"/"dependentSchemas" become
//    "dependencies"; "const", "contains", "propertyNames", "patternProperties", if/then/else and
//    type arrays are kept. Not enforced (dropped): "unevaluatedProperties", "unevaluatedItems",
//    "minContains", "maxContains", "$dynamicRef", "contentSchema"; "$id"/"$anchor" scopes are not
//    supported, so only "#/..." pointers resolve.
//  - Both: a required property whose schema is "writeOnly: true" is not required (these are
//    response schemas); annotations (description, example(s), discriminator, xml, readOnly, ...)
//    and "x-" extensions are dropped.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/status.h"

namespace vigil::probes::schema {

enum class OpenApiDialect { k30, k31 };

bool IsJsonObject(const Poco::Dynamic::Var& v);
// The member `key` of `object`; nullopt when `object` is not an object or lacks it.
std::optional<Poco::Dynamic::Var> Field(const Poco::Dynamic::Var& object, const std::string& key);
// One RFC 6901 reference token: "/v1/charges" -> "~1v1~1charges".
std::string EscapePointerToken(std::string_view token);

// A node of the document and where it is, as a URI fragment ("#/components/responses/NotFound"),
// for messages.
struct Located {
  Poco::Dynamic::Var node;
  std::string where;
};

// The node the local "$ref" `ref` names in `document`. `where` is the fragment of the "$ref"
// itself, for messages. Errors: a reference to another document ("external $ref not supported:
// ..."), one that is not a JSON Pointer ("#anchor"), one that points to nothing.
core::Result<Located> ResolveRef(const Poco::Dynamic::Var& document, const std::string& ref,
                                 const std::string& where);

// `at` itself, or, when it is a Reference Object ({"$ref": ...}, as a whole Response Object or a
// Path Item may be), what its chain of references ends at. A loop is an error.
core::Result<Located> FollowReferences(const Poco::Dynamic::Var& document, Located at);

// The draft-07 equivalent of the Schema Object `schema` (found at `where`), with the definitions
// it needs. Errors name the place in the document (" (at #/components/schemas/...)").
core::Result<Poco::Dynamic::Var> ToJsonSchema(const Poco::Dynamic::Var& document,
                                              const Located& schema, OpenApiDialect dialect);

}  // namespace vigil::probes::schema
