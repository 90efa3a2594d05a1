#include "probes/json_value.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "daemon/core/text.h"

namespace vigil::probes {
namespace {

using Poco::Dynamic::Var;
using ObjectPtr = Poco::JSON::Object::Ptr;
using ArrayPtr = Poco::JSON::Array::Ptr;

bool IsObject(const Var& v) { return v.type() == typeid(ObjectPtr); }
bool IsArray(const Var& v) { return v.type() == typeid(ArrayPtr); }

std::optional<std::size_t> ArrayIndex(const std::string& token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t i = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), i);
  if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return i;
}

}  // namespace

core::Result<Var> ParseJson(std::string_view text) {
  const std::string_view trimmed = core::Trim(text);
  if (trimmed.empty()) return core::Result<Var>::Error("empty");
  const bool container = trimmed.front() == '{' || trimmed.front() == '[';
  try {
    Poco::JSON::Parser parser;  // default depth limit (128) bounds recursion on hostile input
    if (container) return parser.parse(std::string(trimmed));
    // A top-level scalar: parse it as the only element of an array.
    Var wrapped = parser.parse("[" + std::string(trimmed) + "]");
    ArrayPtr array = wrapped.extract<ArrayPtr>();
    if (array->size() != 1) return core::Result<Var>::Error("not a single JSON value");
    return array->get(0);
  } catch (const Poco::Exception& e) {
    return core::Result<Var>::Error(core::Printable(e.message(), 200));
  }
}

std::optional<Var> Resolve(const Var& root, const core::JsonPointer& p) {
  Var current = root;
  for (const std::string& token : p.tokens()) {
    if (IsObject(current)) {
      const ObjectPtr obj = current.extract<ObjectPtr>();
      if (!obj->has(token)) return std::nullopt;
      current = obj->get(token);
    } else if (IsArray(current)) {
      const ArrayPtr arr = current.extract<ArrayPtr>();
      const std::optional<std::size_t> i = ArrayIndex(token);
      if (!i || *i >= arr->size()) return std::nullopt;
      current = arr->get(static_cast<unsigned int>(*i));
    } else {
      return std::nullopt;
    }
  }
  return current;
}

config::JsonType TypeOf(const Var& v) {
  using config::JsonType;
  if (v.isEmpty()) return JsonType::kNull;
  if (IsObject(v)) return JsonType::kObject;
  if (IsArray(v)) return JsonType::kArray;
  if (v.isBoolean()) return JsonType::kBoolean;
  if (v.isString()) return JsonType::kString;
  if (v.isInteger()) return JsonType::kInteger;
  return JsonType::kNumber;
}

bool HasType(const Var& v, config::JsonType t) {
  const config::JsonType actual = TypeOf(v);
  if (actual == t) return true;
  if (t == config::JsonType::kNumber) return actual == config::JsonType::kInteger;
  if (t == config::JsonType::kInteger && actual == config::JsonType::kNumber) {
    const double d = v.convert<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return false;
}

std::optional<double> AsNumber(const Var& v) {
  const config::JsonType t = TypeOf(v);
  if (t != config::JsonType::kInteger && t != config::JsonType::kNumber) return std::nullopt;
  return v.convert<double>();
}

std::optional<std::size_t> ItemCount(const Var& v) {
  if (!IsArray(v)) return std::nullopt;
  return v.extract<ArrayPtr>()->size();
}

namespace {

// What an unquoted YAML scalar means: null, a boolean, a number, or else a string. A quoted
// scalar is always a string, so `equals: "1"` and `equals: 1` ask for different JSON types.
config::JsonType LiteralType(const config::Literal& literal, double& number) {
  if (literal.quoted) return config::JsonType::kString;
  const std::string& t = literal.text;
  if (t == "null" || t == "~" || t.empty()) return config::JsonType::kNull;
  if (t == "true" || t == "false") return config::JsonType::kBoolean;
  char* end = nullptr;
  number = std::strtod(t.c_str(), &end);
  if (*end == '\0' && std::isfinite(number)) return config::JsonType::kNumber;
  return config::JsonType::kString;
}

}  // namespace

bool LiteralEquals(const config::Literal& literal, const Var& v) {
  double expected = 0;
  const config::JsonType want = LiteralType(literal, expected);
  switch (TypeOf(v)) {
    case config::JsonType::kNull:
      return want == config::JsonType::kNull;
    case config::JsonType::kString:
      return want == config::JsonType::kString && literal.text == v.extract<std::string>();
    case config::JsonType::kBoolean:
      return want == config::JsonType::kBoolean && literal.text == (v.extract<bool>() ? "true" : "false");
    case config::JsonType::kInteger:
    case config::JsonType::kNumber:
      if (want != config::JsonType::kNumber) return false;
      if (v.isInteger() && std::floor(expected) == expected && std::fabs(expected) < 9e15) {
        return v.convert<Poco::Int64>() == static_cast<Poco::Int64>(expected);
      }
      return v.convert<double>() == expected;
    default:
      return false;
  }
}

std::string Describe(const Var& v) {
  switch (TypeOf(v)) {
    case config::JsonType::kNull: return "null";
    case config::JsonType::kObject: return "an object";
    case config::JsonType::kArray: {
      const std::size_t n = v.extract<ArrayPtr>()->size();
      return "an array of " + std::to_string(n) + (n == 1 ? " item" : " items");
    }
    case config::JsonType::kString:
      return "\"" + core::Printable(v.extract<std::string>(), 80) + "\"";
    default:
      return core::Printable(v.convert<std::string>(), 80);
  }
}

}  // namespace vigil::probes
