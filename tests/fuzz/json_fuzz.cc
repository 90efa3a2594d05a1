// libFuzzer target: a response body as JSON through the shape learner, and as a JSON Schema
// through the schema compiler and validator. Contract: no crash, hang or sanitizer report, no
// exception out of Shape or CompiledSchema; a shape diffed with itself has no changes and
// survives its storage form; a schema either compiles or is an error with a message.
#include <Poco/JSON/Parser.h>

#include "probes/schema/json_schema.h"
#include "probes/shape/shape.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  Poco::Dynamic::Var json;
  try {
    json = Poco::JSON::Parser().parse(std::string(fuzz::Text(data, size)));
  } catch (const Poco::Exception&) {
    return 0;  // not JSON: the judge reports it as a schema finding before any of this
  }
  const probes::shape::Shape shape = probes::shape::Shape::Of(json);
  fuzz::Check(probes::shape::Diff(shape, shape, 10).empty());
  const auto back = probes::shape::Shape::FromJson(shape.ToJson());
  fuzz::Check(back.ok() && *back == shape);
  const auto schema = probes::schema::CompiledSchema::Compile(json);
  if (schema.ok()) {
    (*schema)->Validate(json);
  } else {
    fuzz::Check(!schema.message().empty());
  }
  return 0;
}
