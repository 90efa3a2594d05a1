// CompiledSchema: a JSON Schema (draft-03, -04, -06 or -07) compiled once, at config load, and
// then used to validate many JSON documents (provider responses). A document that does not match
// is data, not an error: a short list of SchemaError values, each a JSON Pointer into the
// document and a one-line rule. Nothing here throws.
//
// Thread-safety: a CompiledSchema is immutable after Compile; Validate is const and may run on
// any number of threads at once (each call works on its own copy of the precompiled regexes).
//
// Engine: valijson 1.0 (all of it inside json_schema.cc), whose parser knows drafts 3, 4 and 7.
// A draft-06 schema is compiled as draft 7, with the draft-07-only "if"/"then"/"else" ignored.
// Compile rewrites the schema for valijson: "$ref"s are resolved here (RFC 3986, "$id"/"id"
// scopes, plain-name "#anchor" ids, remote documents from the RemoteResolver) into one bundled
// document; keywords of other drafts are ignored; draft-03 "extends"/"disallow" are mapped onto
// "allOf"/"not". "format" is not enforced, except valijson's own checks of "date", "time" and
// "date-time". In drafts 6 and 7 a number such as 1.0 counts as an integer, as the drafts say.
// What still fails in the official test suite is listed, with reasons, in
// tests/testdata/json-schema-known-failures.txt.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/status.h"

namespace vigil::probes::schema {

enum class Draft { kDraft3, kDraft4, kDraft6, kDraft7 };
const char* DraftName(Draft d);  // "draft-03", "draft-04", "draft-06", "draft-07"

struct SchemaError {
  std::string path;     // JSON Pointer of the failing instance location ("" = the root)
  std::string message;  // one line, e.g. "expected type integer, got string \"12\""
};

// Resolves a remote "$ref" document by its absolute URI, without the fragment (e.g. the test
// suite's "http://localhost:1234/integer.json"); nullopt when unknown. Must never fetch from the
// network. Called only inside Compile, on the compiling thread, at most once per URI.
using RemoteResolver = std::function<std::optional<Poco::Dynamic::Var>(const std::string& uri)>;

class CompiledSchema {
 public:
  // `document` is the parsed schema (Poco::JSON::Parser output: Object::Ptr, Array::Ptr,
  // scalars); Compile copies it, so the caller may change or drop it afterwards. The draft comes
  // from its "$schema" (the draft-03/04/06/07 URIs, http or https, with or without the trailing
  // '#'); without "$schema", `fallback` is used. These are errors, with a message saying why: an
  // unsupported "$schema" (2019-09, 2020-12, anything else); a "$ref" that points nowhere, that
  // loops, or that names a document neither in the schema nor known to `remotes`; anything
  // valijson rejects ("invalid draft-07 schema: ..."). Cost: a few walks of the schema.
  static core::Result<std::shared_ptr<const CompiledSchema>> Compile(
      const Poco::Dynamic::Var& document, Draft fallback = Draft::kDraft7,
      RemoteResolver remotes = nullptr);

  ~CompiledSchema();
  CompiledSchema(const CompiledSchema&) = delete;
  CompiledSchema& operator=(const CompiledSchema&) = delete;

  Draft draft() const;

  // Empty when `instance` is valid. Otherwise the first `max_errors` violations (at least one),
  // most specific (deepest path) first; valijson's "a child failed" summaries are dropped when
  // the child's own error is there. `instance` is Poco::JSON::Parser output (a scalar taken out
  // of a parsed tree is fine). Never throws; two kinds of error are not violations:
  //  - "schema error: ..." (path ""): a problem that only shows at validation time, i.e. a
  //    "pattern" or "patternProperties" regex that std::regex (ECMAScript) cannot compile;
  //  - "cannot validate: ..." (path of the value): a string or property name too long to run
  //    through a back-tracking std::regex without risking the stack: more than 4096 bytes when
  //    the schema has a back-reference "pattern" or "patternProperties" (names only), or more
  //    than 4096 leading digits when it has "format": "date"/"date-time".
  // Cost: valijson checks every constraint (no early exit), plus one walk of the instance.
  std::vector<SchemaError> Validate(const Poco::Dynamic::Var& instance,
                                    std::size_t max_errors = 5) const;

  struct Compiled;  // opaque: the valijson schema and what Validate needs to explain errors

 private:
  explicit CompiledSchema(std::unique_ptr<const Compiled> compiled);

  std::unique_ptr<const Compiled> compiled_;
};

}  // namespace vigil::probes::schema
