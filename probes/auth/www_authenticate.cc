#include "probes/auth/www_authenticate.h"

#include "daemon/core/text.h"

namespace vigil::probes::auth {
namespace {

bool IsTokenChar(char c) { return core::IsHttpToken(std::string_view(&c, 1)); }

void SkipSpace(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

std::string ReadToken(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && IsTokenChar(s[i])) ++i;
  return std::string(s.substr(start, i - start));
}

std::string ReadQuoted(std::string_view s, std::size_t& i) {  // REQUIRES: s[i] == '"'
  std::string out;
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  if (i < s.size()) ++i;  // closing quote
  return out;
}

// After a scheme: either a token68 or a comma-separated list of name=value pairs. Stops at the
// start of the next challenge (a token followed by a space and not by '=').
void ReadParams(std::string_view s, std::size_t& i, Challenge& c) {
  while (i < s.size()) {
    SkipSpace(s, i);
    while (i < s.size() && s[i] == ',') ++i, SkipSpace(s, i);
    const std::size_t start = i;
    std::string name = ReadToken(s, i);
    if (name.empty()) {
      if (i < s.size()) ++i;  // garbage byte: skip it
      continue;
    }
    SkipSpace(s, i);
    if (i >= s.size() || s[i] != '=') {
      i = start;  // the next challenge's scheme
      return;
    }
    ++i;
    SkipSpace(s, i);
    // token68 ends with '=' padding and nothing after it
    const std::string value = (i < s.size() && s[i] == '"') ? ReadQuoted(s, i) : ReadToken(s, i);
    if (c.params.empty() && value.empty() && (i >= s.size() || s[i] == ',')) {
      c.token68 = name + "=";
      continue;
    }
    c.params[core::ToLower(name)] = value;
  }
}

}  // namespace

std::vector<Challenge> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> out;
  std::size_t i = 0;
  while (i < header.size() && out.size() < 16) {
    SkipSpace(header, i);
    while (i < header.size() && (header[i] == ',' || header[i] == ' ')) ++i;
    std::string scheme = ReadToken(header, i);
    if (scheme.empty()) {
      ++i;
      continue;
    }
    Challenge c;
    c.scheme = core::ToLower(scheme);
    ReadParams(header, i, c);
    out.push_back(std::move(c));
  }
  return out;
}

std::string DescribeAuthFailure(int status, std::string_view reason, const std::string* www_authenticate) {
  std::string msg = std::to_string(status) + (reason.empty() ? "" : " " + std::string(reason)) +
                    ": the provider rejected our credentials";
  if (www_authenticate == nullptr) return msg;
  for (const Challenge& c : ParseWwwAuthenticate(*www_authenticate)) {
    auto error = c.params.find("error");
    if (error == c.params.end()) continue;
    msg += ": " + core::Printable(error->second, 60);
    if (auto d = c.params.find("error_description"); d != c.params.end()) msg += " (" + core::Printable(d->second, 120) + ")";
    if (auto scope = c.params.find("scope"); scope != c.params.end()) {
      msg += error->second == "insufficient_scope" ? "; needs scope " : "; scope ";
      msg += "\"" + core::Printable(scope->second, 80) + "\"";
    }
    return msg;
  }
  return msg;
}

}  // namespace vigil::probes::auth
