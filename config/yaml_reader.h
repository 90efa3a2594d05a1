// YamlReader: strict, position-aware access to a yaml-cpp tree. Every accessor validates the
// node it is given and, on a problem, records a ConfigError naming FILE:LINE:COL and the key
// path ("providers[0].checks[1].timeout") instead of throwing, so one run reports every error.
// Scalars go through secret substitution (${env:NAME}, ${file:PATH}, ${credential:NAME}); each
// substituted value is remembered as a secret for redaction. Not thread-safe; one per load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "daemon/core/duration.h"

namespace vigil::config {

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;
  std::string message;
  std::string ToString() const;  // "FILE:LINE:COL: KEY: message"
};

// Where ${env:}, ${file:} and ${credential:} values come from; injected so tests need not
// touch the process environment.
struct SecretSources {
  std::function<std::optional<std::string>(const std::string&)> env;
  std::string credentials_dir;  // $CREDENTIALS_DIRECTORY (systemd LoadCredential=); may be empty
  static SecretSources FromProcess();
};

std::string ChildKey(std::string_view parent, std::string_view child);
std::string IndexKey(std::string_view parent, std::size_t index);

class YamlReader {
 public:
  YamlReader(std::string file, std::string dir, SecretSources sources);

  void Fail(const YAML::Node& at, std::string_view key, std::string message);
  void FailAt(int line, int column, std::string_view key, std::string message);

  // True when `node` is a mapping; records an error for every key not in `allowed` (with a
  // did-you-mean hint), for every key in `planned` ("not supported yet") and for duplicates.
  bool ExpectMap(const YAML::Node& node, std::string_view key,
                 std::initializer_list<std::string_view> allowed,
                 std::initializer_list<std::string_view> planned = {});
  bool ExpectList(const YAML::Node& node, std::string_view key);

  std::optional<std::string> String(const YAML::Node& node, std::string_view key);
  std::optional<Literal> LiteralValue(const YAML::Node& node, std::string_view key);
  std::optional<std::string> Secret(const YAML::Node& node, std::string_view key);
  std::optional<std::string> Name(const YAML::Node& node, std::string_view key);
  std::optional<Millis> Duration(const YAML::Node& node, std::string_view key, Millis max = core::kYear);
  std::optional<long long> Integer(const YAML::Node& node, std::string_view key, long long min,
                                   long long max);
  std::optional<double> Number(const YAML::Node& node, std::string_view key);
  std::optional<bool> Bool(const YAML::Node& node, std::string_view key);
  std::optional<std::size_t> ByteSize(const YAML::Node& node, std::string_view key);
  std::optional<std::shared_ptr<const std::regex>> Regex(const YAML::Node& node,
                                                         std::string_view key);
  // A list of scalars; a single scalar is accepted as a list of one.
  std::vector<std::string> StringList(const YAML::Node& node, std::string_view key);
  // A readable file, resolved against the config's folder.
  std::optional<std::string> FilePath(const YAML::Node& node, std::string_view key);

  // Remembers a value derived from secrets (a Base64 credential, a URL-encoded key) for redaction.
  void AddDerivedSecret(std::string value) { secrets_.push_back(std::move(value)); }

  bool failed() const { return !errors_.empty(); }
  std::vector<ConfigError> TakeErrors();
  std::vector<std::string> TakeSecrets() { return std::move(secrets_); }
  const std::string& dir() const { return dir_; }

 private:
  std::optional<std::string> Scalar(const YAML::Node& node, std::string_view key);
  std::optional<std::string> Substitute(const std::string& raw, const YAML::Node& node,
                                        std::string_view key);
  std::optional<std::string> Lookup(std::string_view kind, const std::string& arg,
                                    const YAML::Node& node, std::string_view key);

  std::string file_;
  std::string dir_;
  SecretSources sources_;
  std::vector<ConfigError> errors_;
  std::vector<std::string> secrets_;
};

std::string ResolvePath(const std::string& dir, const std::string& path);
std::optional<std::string> ReadSmallFile(const std::string& path, std::string& error);

}  // namespace vigil::config
