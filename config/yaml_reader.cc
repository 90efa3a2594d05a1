#include "config/yaml_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "daemon/core/duration.h"
#include "daemon/core/log.h"
#include "daemon/core/text.h"

namespace vigil::config {
namespace {

constexpr std::size_t kMaxSubstitutedFile = 64 * 1024;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string DidYouMean(std::string_view key, std::initializer_list<std::string_view> a,
                       std::initializer_list<std::string_view> b) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (auto list : {a, b}) {
    for (std::string_view candidate : list) {
      const std::size_t d = core::EditDistance(core::ToLower(key), candidate);
      if (d < best_distance) {
        best_distance = d;
        best = std::string(candidate);
      }
    }
  }
  return best;
}

}  // namespace

std::string ConfigError::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + key + ": " +
         message;
}

SecretSources SecretSources::FromProcess() {
  SecretSources s;
  s.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY")) s.credentials_dir = dir;
  return s;
}

std::string ChildKey(std::string_view parent, std::string_view child) {
  return parent.empty() ? std::string(child) : std::string(parent) + "." + std::string(child);
}

std::string IndexKey(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string ResolvePath(const std::string& dir, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return dir + "/" + path;
}

std::optional<std::string> ReadSmallFile(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string data;
  data.resize(kMaxSubstitutedFile + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > kMaxSubstitutedFile) {
    error = "larger than 64 KiB";
    return std::nullopt;
  }
  return data;
}

YamlReader::YamlReader(std::string file, std::string dir, SecretSources sources)
    : file_(std::move(file)), dir_(std::move(dir)), sources_(std::move(sources)) {}

void YamlReader::Fail(const YAML::Node& at, std::string_view key, std::string message) {
  // An undefined node (a key that is absent) has no position; its Mark() would throw.
  const YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  FailAt(m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1, key, std::move(message));
}

void YamlReader::FailAt(int line, int column, std::string_view key, std::string message) {
  errors_.push_back({file_, line, column, std::string(key), std::move(message)});
}

std::vector<ConfigError> YamlReader::TakeErrors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  // A message may quote a bad value that came from a secret (`expires_at: ${env:KEY}`). A config
  // with errors hands no secrets to the log's redactor, so they are redacted here.
  const core::Redactor redactor(secrets_);
  for (ConfigError& e : errors_) e.message = redactor.Redact(e.message);
  return std::move(errors_);
}

bool YamlReader::ExpectMap(const YAML::Node& node, std::string_view key,
                           std::initializer_list<std::string_view> allowed,
                           std::initializer_list<std::string_view> planned) {
  if (!node.IsMap()) {
    Fail(node, key, node.IsNull() ? "expected a mapping, got nothing" : "expected a mapping");
    return false;
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    const std::string child = ChildKey(key, name);
    if (!seen.insert(name).second) {
      Fail(kv.first, child, "duplicate key");
    } else if (std::find(planned.begin(), planned.end(), name) != planned.end()) {
      Fail(kv.first, child, "not supported yet in this version of vigil; remove it");
    } else if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      const std::string hint = DidYouMean(name, allowed, planned);
      Fail(kv.first, child, "unknown key" + (hint.empty() ? "" : "; did you mean " + Quote(hint) + "?"));
    }
  }
  return true;
}

bool YamlReader::ExpectList(const YAML::Node& node, std::string_view key) {
  if (node.IsSequence()) return true;
  Fail(node, key, "expected a list");
  return false;
}

std::optional<std::string> YamlReader::Scalar(const YAML::Node& node, std::string_view key) {
  if (node.IsNull()) {
    Fail(node, key, "missing value");
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    Fail(node, key, node.IsMap() ? "expected a value, got a mapping" : "expected a value, got a list");
    return std::nullopt;
  }
  return Substitute(node.Scalar(), node, key);
}

std::optional<std::string> YamlReader::Substitute(const std::string& raw, const YAML::Node& node,
                                                  std::string_view key) {
  std::string out;
  for (std::size_t i = 0; i < raw.size();) {
    if (raw.compare(i, 3, "$${") == 0) {  // escaped: a literal "${"
      out += "${";
      i += 3;
      continue;
    }
    if (raw.compare(i, 2, "${") != 0) {
      out += raw[i++];
      continue;
    }
    const std::size_t close = raw.find('}', i);
    const std::size_t colon = raw.find(':', i);
    if (close == std::string::npos || colon == std::string::npos || colon > close) {
      Fail(node, key, "malformed substitution " + Quote(raw.substr(i)) +
                          " (expected ${env:NAME}, ${file:PATH} or ${credential:NAME})");
      return std::nullopt;
    }
    const std::string kind = raw.substr(i + 2, colon - i - 2);
    const std::string arg = raw.substr(colon + 1, close - colon - 1);
    std::optional<std::string> value = Lookup(kind, arg, node, key);
    if (!value) return std::nullopt;
    secrets_.push_back(*value);
    out += *value;
    i = close + 1;
  }
  return out;
}

std::optional<std::string> YamlReader::Lookup(std::string_view kind, const std::string& arg,
                                              const YAML::Node& node, std::string_view key) {
  if (arg.empty()) {
    Fail(node, key, "empty name in ${" + std::string(kind) + ":}");
    return std::nullopt;
  }
  std::string error;
  if (kind == "env") {
    std::optional<std::string> v = sources_.env ? sources_.env(arg) : std::nullopt;
    if (!v) Fail(node, key, "environment variable " + arg + " is not set");
    return v;
  }
  if (kind == "file") {
    std::optional<std::string> v = ReadSmallFile(ResolvePath(dir_, arg), error);
    if (!v) Fail(node, key, "cannot read '" + arg + "' (relative to the config's folder): " + error);
    else while (!v->empty() && (v->back() == '\n' || v->back() == '\r')) v->pop_back();
    return v;
  }
  if (kind == "credential") {
    if (arg.find('/') != std::string::npos || arg == "." || arg == "..") {
      Fail(node, key, "invalid credential name " + Quote(arg));
      return std::nullopt;
    }
    if (sources_.credentials_dir.empty()) {
      Fail(node, key, "credential " + arg +
                          " is not available: $CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=)");
      return std::nullopt;
    }
    std::optional<std::string> v = ReadSmallFile(sources_.credentials_dir + "/" + arg, error);
    if (!v) Fail(node, key, "cannot read credential " + arg + " from $CREDENTIALS_DIRECTORY: " + error);
    else while (!v->empty() && (v->back() == '\n' || v->back() == '\r')) v->pop_back();
    return v;
  }
  Fail(node, key, "unknown substitution ${" + std::string(kind) + ":...} (use env, file or credential)");
  return std::nullopt;
}

std::optional<std::string> YamlReader::String(const YAML::Node& node, std::string_view key) {
  return Scalar(node, key);
}

std::optional<Literal> YamlReader::LiteralValue(const YAML::Node& node, std::string_view key) {
  if (node.IsNull()) return Literal{"null", false};  // `equals: null` (or `~`) asks for JSON null
  std::optional<std::string> text = Scalar(node, key);
  if (!text) return std::nullopt;
  return Literal{*text, node.Tag() == "!"};  // yaml-cpp tags quoted scalars "!"
}

std::optional<std::string> YamlReader::Secret(const YAML::Node& node, std::string_view key) {
  std::optional<std::string> v = Scalar(node, key);
  if (v) secrets_.push_back(*v);
  return v;
}

std::optional<std::string> YamlReader::Name(const YAML::Node& node, std::string_view key) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  const auto valid_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  const bool ok = !v->empty() && v->size() <= 64 && valid_char(v->front()) && v->front() != '_' &&
                  v->front() != '-' && std::all_of(v->begin(), v->end(), valid_char);
  if (!ok) {
    Fail(node, key, "invalid name " + Quote(*v) +
                        " (lowercase letters, digits, '_' and '-', starting with a letter or digit, at most 64)");
    return std::nullopt;
  }
  return v;
}

std::optional<Millis> YamlReader::Duration(const YAML::Node& node, std::string_view key, Millis max) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  core::Result<Millis> d = core::ParseDuration(*v, max);
  if (!d.ok()) {
    Fail(node, key, d.message());
    return std::nullopt;
  }
  return *d;
}

std::optional<long long> YamlReader::Integer(const YAML::Node& node, std::string_view key,
                                             long long min, long long max) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  long long n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) {
    Fail(node, key, "expected an integer, got " + Quote(*v));
    return std::nullopt;
  }
  if (n < min || n > max) {
    Fail(node, key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                        ", got " + std::to_string(n));
    return std::nullopt;
  }
  return n;
}

std::optional<double> YamlReader::Number(const YAML::Node& node, std::string_view key) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  if (v->empty() || end != v->c_str() + v->size()) {
    Fail(node, key, "expected a number, got " + Quote(*v));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> YamlReader::Bool(const YAML::Node& node, std::string_view key) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  Fail(node, key, "expected true or false, got " + Quote(*v));
  return std::nullopt;
}

std::optional<std::size_t> YamlReader::ByteSize(const YAML::Node& node, std::string_view key) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  core::Result<std::size_t> n = core::ParseByteSize(*v);
  if (!n.ok()) {
    Fail(node, key, n.message());
    return std::nullopt;
  }
  return *n;
}

std::optional<std::shared_ptr<const std::regex>> YamlReader::Regex(const YAML::Node& node,
                                                                   std::string_view key) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  try {
    // __polynomial: libstdc++'s non-recursive matcher. The default one recurses per character
    // and overflows the stack on long subjects; this one cannot, but has no back-references.
    return std::make_shared<const std::regex>(*v, std::regex::ECMAScript | std::regex_constants::__polynomial);
  } catch (const std::regex_error& e) {
    const bool backref = e.code() == std::regex_constants::error_backref || e.code() == std::regex_constants::error_complexity;
    Fail(node, key, "invalid regular expression " + Quote(*v) + ": " +
                        (backref ? std::string("back-references are not supported") : e.what()));
    return std::nullopt;
  }
}

std::vector<std::string> YamlReader::StringList(const YAML::Node& node, std::string_view key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    if (auto v = Scalar(node, key)) out.push_back(*v);
    return out;
  }
  if (!ExpectList(node, key)) return out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    if (auto v = Scalar(node[i], IndexKey(key, i))) out.push_back(*v);
  }
  return out;
}

std::optional<std::string> YamlReader::FilePath(const YAML::Node& node, std::string_view key) {
  std::optional<std::string> v = Scalar(node, key);
  if (!v) return std::nullopt;
  const std::string path = ResolvePath(dir_, *v);
  std::ifstream in(path);
  if (!in) {
    Fail(node, key, "cannot read '" + *v + "' (relative to the config's folder): " + std::strerror(errno));
    return std::nullopt;
  }
  return path;
}

}  // namespace vigil::config
