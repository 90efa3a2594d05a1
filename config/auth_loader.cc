#include "config/auth_loader.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/URI.h>

#include <regex>
#include <sstream>

#include "config/check_loader.h"
#include "daemon/core/base64.h"
#include "daemon/core/text.h"

namespace vigil::config {
namespace {

using Type = AuthConfig::Type;

std::optional<Type> ParseType(const std::string& s) {
  for (Type t : {Type::kNone, Type::kBearer, Type::kHeader, Type::kQuery, Type::kBasic, Type::kOAuth2ClientCredentials}) {
    if (s == AuthTypeName(t)) return t;
  }
  return std::nullopt;
}

// The key each type needs besides `type`; every other type-specific key is an error.
const char* OwnKey(Type t) {
  switch (t) {
    case Type::kBearer: return "token";
    case Type::kHeader: return "header";
    case Type::kQuery: return "query";
    case Type::kBasic: return "basic";
    case Type::kOAuth2ClientCredentials: return "oauth2";
    case Type::kNone: return "";
  }
  return "";
}

std::string UrlEncoded(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "!#$&'()*+,/:;=?@[]", out);
  return out;
}

std::optional<core::WallTime> ParseExpiry(const std::string& text) {
  // Poco's parser is lenient about fields ("next march" parses), so check the shape first.
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  static const std::regex kTime(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  const bool date_only = std::regex_match(text, kDate);
  if (!date_only && !std::regex_match(text, kTime)) return std::nullopt;
  Poco::DateTime dt;
  int tz = 0;
  if (!Poco::DateTimeParser::tryParse(date_only ? "%Y-%m-%d" : Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, dt, tz)) {
    return std::nullopt;
  }
  return core::FromUnixMillis(dt.timestamp().epochMicroseconds() / 1000 - static_cast<int64_t>(tz) * 1000);
}

// A {name, value} pair (header or query).
void ReadNamedValue(YamlReader& r, const YAML::Node& n, const std::string& key, bool header, AuthConfig& out) {
  if (!r.ExpectMap(n, key, {"name", "value"})) return;
  if (!n["name"] || !n["value"]) return r.Fail(n, key, "needs both 'name' and 'value'");
  if (auto v = r.String(n["name"], ChildKey(key, "name"))) {
    if (!core::IsHttpToken(*v)) r.Fail(n["name"], ChildKey(key, "name"), "invalid " + std::string(header ? "header" : "parameter") + " name '" + *v + "'");
    out.name = *v;
  }
  if (auto v = r.Secret(n["value"], ChildKey(key, "value"))) {
    if (v->empty()) r.Fail(n["value"], ChildKey(key, "value"), "must not be empty");
    if (v->find_first_of("\r\n") != std::string::npos) r.Fail(n["value"], ChildKey(key, "value"), "must not contain a line break");
    out.value = *v;
    if (!header) r.AddDerivedSecret(UrlEncoded(*v));
  }
}

void ReadBasic(YamlReader& r, const YAML::Node& n, const std::string& key, AuthConfig& out) {
  if (!r.ExpectMap(n, key, {"username", "password"})) return;
  if (!n["username"] || !n["password"]) return r.Fail(n, key, "needs both 'username' and 'password'");
  if (auto v = r.String(n["username"], ChildKey(key, "username"))) {
    if (v->find(':') != std::string::npos) r.Fail(n["username"], ChildKey(key, "username"), "must not contain ':' (RFC 7617)");
    out.username = *v;
  }
  if (auto v = r.Secret(n["password"], ChildKey(key, "password"))) out.password = *v;
  r.AddDerivedSecret(core::EncodeBase64(out.username + ":" + out.password));
}

void ReadOAuth2(YamlReader& r, const YAML::Node& n, const std::string& key, AuthConfig& out) {
  if (!r.ExpectMap(n, key, {"token_url", "client_id", "client_secret", "scopes", "audience", "params", "client_auth"})) return;
  auto& o = out.oauth2;
  for (const char* required : {"token_url", "client_id", "client_secret"}) {
    if (!n[required]) r.Fail(n, key, std::string("missing '") + required + "'");
  }
  if (n["token_url"]) {
    if (auto v = r.String(n["token_url"], ChildKey(key, "token_url"))) {
      const std::string err = ValidateHttpUrl(*v);
      if (!err.empty()) r.Fail(n["token_url"], ChildKey(key, "token_url"), err);
      o.token_url = *v;
    }
  }
  if (n["client_id"]) o.client_id = r.String(n["client_id"], ChildKey(key, "client_id")).value_or("");
  if (n["client_secret"]) o.client_secret = r.Secret(n["client_secret"], ChildKey(key, "client_secret")).value_or("");
  if (n["scopes"]) o.scopes = r.StringList(n["scopes"], ChildKey(key, "scopes"));
  if (n["audience"]) o.audience = r.String(n["audience"], ChildKey(key, "audience")).value_or("");
  if (n["params"]) {
    const std::string pk = ChildKey(key, "params");
    if (!n["params"].IsMap()) {
      r.Fail(n["params"], pk, "expected a mapping of form parameters to values");
    } else {
      for (const auto& kv : n["params"]) {
        if (auto v = r.Secret(kv.second, ChildKey(pk, kv.first.Scalar()))) o.params.emplace_back(kv.first.Scalar(), *v);
      }
    }
  }
  if (n["client_auth"]) {
    if (auto v = r.String(n["client_auth"], ChildKey(key, "client_auth"))) {
      if (*v == "client_secret_basic") o.client_auth = AuthConfig::ClientAuth::kSecretBasic;
      else if (*v == "client_secret_post") o.client_auth = AuthConfig::ClientAuth::kSecretPost;
      else r.Fail(n["client_auth"], ChildKey(key, "client_auth"), "expected client_secret_basic or client_secret_post, got '" + *v + "'");
    }
  }
  r.AddDerivedSecret(UrlEncoded(o.client_secret));
  r.AddDerivedSecret(core::EncodeBase64(UrlEncoded(o.client_id) + ":" + UrlEncoded(o.client_secret)));
}

}  // namespace

void ReadAuth(YamlReader& r, const YAML::Node& n, const std::string& key, bool allow_oauth2, AuthConfig& out) {
  static const std::initializer_list<std::string_view> kKeys = {"type", "token", "header", "query", "basic",
                                                                "oauth2", "expires_at", "warn_before"};
  if (!r.ExpectMap(n, key, kKeys)) return;
  out = AuthConfig();
  out.configured = true;
  if (!n["type"]) return r.Fail(n, key, "missing 'type' (none, bearer, header, query, basic or oauth2_client_credentials)");
  const std::optional<std::string> type_text = r.String(n["type"], ChildKey(key, "type"));
  if (!type_text) return;
  const std::optional<Type> type = ParseType(*type_text);
  if (!type) {
    return r.Fail(n["type"], ChildKey(key, "type"),
                  "unknown type '" + *type_text + "' (none, bearer, header, query, basic or oauth2_client_credentials)");
  }
  if (*type == Type::kOAuth2ClientCredentials && !allow_oauth2) {
    return r.Fail(n["type"], ChildKey(key, "type"), "oauth2_client_credentials is configured per provider, not per check");
  }
  out.type = *type;
  for (const char* k : {"token", "header", "query", "basic", "oauth2"}) {
    if (n[k] && std::string(k) != OwnKey(out.type)) {
      r.Fail(n[k], ChildKey(key, k), std::string("does not belong to type ") + AuthTypeName(out.type));
    }
  }
  const std::string own = OwnKey(out.type);
  if (!own.empty() && !n[own]) r.Fail(n, key, "type " + *type_text + " needs '" + own + "'");
  if (out.type == Type::kBearer && n["token"]) {
    out.token = r.Secret(n["token"], ChildKey(key, "token")).value_or("");
    if (n["token"].IsScalar() && out.token.empty()) r.Fail(n["token"], ChildKey(key, "token"), "must not be empty");
  }
  if (out.type == Type::kHeader && n["header"]) ReadNamedValue(r, n["header"], ChildKey(key, "header"), true, out);
  if (out.type == Type::kQuery && n["query"]) ReadNamedValue(r, n["query"], ChildKey(key, "query"), false, out);
  if (out.type == Type::kBasic && n["basic"]) ReadBasic(r, n["basic"], ChildKey(key, "basic"), out);
  if (out.type == Type::kOAuth2ClientCredentials && n["oauth2"]) ReadOAuth2(r, n["oauth2"], ChildKey(key, "oauth2"), out);
  if (n["expires_at"]) {
    if (auto v = r.String(n["expires_at"], ChildKey(key, "expires_at"))) {
      out.expires_at = ParseExpiry(*v);
      if (!out.expires_at) {
        r.Fail(n["expires_at"], ChildKey(key, "expires_at"), "expected a date (2027-03-01) or an RFC 3339 time, got '" + *v + "'");
      }
    }
  }
  if (n["warn_before"]) {
    if (auto v = r.Duration(n["warn_before"], ChildKey(key, "warn_before"))) out.warn_before = *v;
  }
}

}  // namespace vigil::config
