#include "config/yaml_json.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/core/text.h"

namespace vigil::config {
namespace {

constexpr int kMaxDepth = 128;
// Real specs run to hundreds of thousands of nodes; an alias bomb expands to billions.
constexpr int kMaxNodes = 5'000'000;

Poco::Dynamic::Var PlainScalar(const std::string& s, bool quoted) {
  if (quoted) return s;
  if (s == "null" || s == "~" || s.empty()) return Poco::Dynamic::Var();
  if (s == "true") return true;
  if (s == "false") return false;
  Poco::Int64 i = 0;
  if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && end == s.data() + s.size()) {
    return i;
  }
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() + s.size() && s.find_first_of("0123456789") != std::string::npos &&
      s.find_first_not_of("0123456789.eE+-") == std::string::npos) {
    return d;
  }
  return s;
}

core::Result<Poco::Dynamic::Var> Convert(const YAML::Node& n, int depth, int& budget) {
  using Out = core::Result<Poco::Dynamic::Var>;
  if (--budget < 0) return Out::Error("document too large (more than 5,000,000 nodes once aliases are expanded)");
  if (depth > kMaxDepth) return Out::Error("document nested deeper than 128 levels");
  if (n.IsMap()) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& kv : n) {
      Out v = Convert(kv.second, depth + 1, budget);
      if (!v.ok()) return v;
      o->set(kv.first.Scalar(), *v);
    }
    return Poco::Dynamic::Var(o);
  }
  if (n.IsSequence()) {
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
    for (const auto& item : n) {
      Out v = Convert(item, depth + 1, budget);
      if (!v.ok()) return v;
      a->add(*v);
    }
    return Poco::Dynamic::Var(a);
  }
  if (n.IsNull()) return Poco::Dynamic::Var();
  return PlainScalar(n.Scalar(), n.Tag() == "!");
}

}  // namespace

core::Result<Poco::Dynamic::Var> YamlToJson(const YAML::Node& node) {
  int budget = kMaxNodes;
  return Convert(node, 0, budget);
}

core::Result<Poco::Dynamic::Var> ReadJsonOrYamlFile(const std::string& path) {
  using Out = core::Result<Poco::Dynamic::Var>;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Out::Error(std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const std::string_view trimmed = core::Trim(text);
  const bool json = path.ends_with(".json") ||
                    (!path.ends_with(".yaml") && !path.ends_with(".yml") && !trimmed.empty() &&
                     (trimmed.front() == '{' || trimmed.front() == '['));
  try {
    if (json) return Poco::JSON::Parser().parse(text);
    return YamlToJson(YAML::Load(text));
  } catch (const YAML::ParserException& e) {
    return Out::Error("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const Poco::Exception& e) {
    return Out::Error("not valid JSON: " + e.message());
  }
}

}  // namespace vigil::config
