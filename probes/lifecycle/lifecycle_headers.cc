#include "probes/lifecycle/lifecycle_headers.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include "daemon/core/text.h"
#include "probes/quota/ratelimit_headers.h"

namespace vigil::probes::lifecycle {
namespace {

constexpr std::size_t kMaxLinks = 64;        // per Link header value
constexpr std::size_t kMaxUriBytes = 2048;   // a longer link is not worth showing
constexpr std::size_t kMaxQuotedBytes = 64;  // of a bad value, in its warning
constexpr std::size_t kMaxShownUriBytes = 200;
constexpr int64_t kMaxDateMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
constexpr int64_t kDayMs = 86'400'000;

std::string Warning(std::string_view header, std::string_view value, std::string_view reason) {
  return std::string(header) + ": ignored \"" + core::Printable(value, kMaxQuotedBytes) + "\" (" +
         std::string(reason) + ")";
}

// ---- Link (RFC 8288)

bool IsOws(char c) { return c == ' ' || c == '\t'; }

bool IsTchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::vector<std::string> RelationTypes(std::string_view value) {
  std::vector<std::string> rels;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && IsOws(value[i])) ++i;
    std::size_t end = i;
    while (end < value.size() && !IsOws(value[end])) ++end;
    if (end > i) rels.push_back(core::ToLower(value.substr(i, end - i)));
    i = end;
  }
  return rels;
}

// Reads one Link header value left to right; each method advances pos_.
class LinkScanner {
 public:
  LinkScanner(std::string_view text, std::vector<std::string>& warnings)
      : s_(text), warnings_(warnings) {}

  std::vector<Link> Run() {
    std::vector<Link> links;
    while (true) {
      while (pos_ < s_.size() && (IsOws(s_[pos_]) || s_[pos_] == ',')) ++pos_;
      if (pos_ >= s_.size()) break;
      if (links.size() == kMaxLinks) {
        warnings_.push_back(Warning("link", s_.substr(pos_), "more than 64 links"));
        break;
      }
      const std::size_t start = pos_;
      Link link;
      if (const char* error = LinkValue(link)) {
        SkipToNextLink();
        warnings_.push_back(Warning("link", s_.substr(start, pos_ - start), error));
      } else {
        links.push_back(std::move(link));
      }
    }
    return links;
  }

 private:
  // nullptr when well-formed, else the reason.
  const char* LinkValue(Link& link) {
    if (s_[pos_] != '<') return "expected <URI>";
    const std::size_t close = s_.find('>', pos_ + 1);
    if (close == std::string_view::npos) return "unterminated <URI>";
    link.uri = std::string(s_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    bool rel_seen = false;
    while (true) {
      SkipOws();
      if (pos_ == s_.size() || s_[pos_] == ',') return nullptr;
      if (s_[pos_] != ';') return "expected ';' or ','";
      ++pos_;
      SkipOws();
      if (pos_ == s_.size() || s_[pos_] == ',' || s_[pos_] == ';') continue;  // empty parameter
      if (const char* error = Param(link, rel_seen)) return error;
    }
  }

  const char* Param(Link& link, bool& rel_seen) {
    const std::string_view name = Token();
    if (name.empty()) return "bad parameter name";
    SkipOws();
    std::string value;
    if (pos_ < s_.size() && s_[pos_] == '=') {
      ++pos_;
      SkipOws();
      if (pos_ < s_.size() && s_[pos_] == '"') {
        if (!QuotedString(value)) return "unterminated quoted string";
      } else {
        value = std::string(Token());
        if (value.empty()) return "bad parameter value";
      }
    }
    if (!rel_seen && core::EqualsIgnoreCase(name, "rel")) {
      rel_seen = true;  // RFC 8288 §3.3: later rel parameters are ignored
      link.rels = RelationTypes(value);
    }
    return nullptr;
  }

  // REQUIRES: s_[pos_] == '"'. False when the closing quote is missing.
  bool QuotedString(std::string& out) {
    for (++pos_; pos_ < s_.size(); ++pos_) {
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_];
    }
    return false;
  }

  std::string_view Token() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && IsTchar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  void SkipOws() {
    while (pos_ < s_.size() && IsOws(s_[pos_])) ++pos_;
  }

  // Moves to the next ',' outside <> and quotes (or the end).
  void SkipToNextLink() {
    bool in_uri = false;
    bool in_quotes = false;
    for (; pos_ < s_.size(); ++pos_) {
      const char c = s_[pos_];
      if (in_quotes) {
        if (c == '\\') {
          ++pos_;
        } else if (c == '"') {
          in_quotes = false;
        }
      } else if (in_uri) {
        in_uri = c != '>';
      } else if (c == ',') {
        return;
      } else {
        in_quotes = c == '"';
        in_uri = c == '<';
      }
    }
    pos_ = s_.size();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::vector<std::string>& warnings_;
};

bool UsableUri(std::string_view uri) {
  if (uri.empty() || uri.size() > kMaxUriBytes) return false;
  for (char c : uri) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F) return false;
  }
  return true;
}

bool HasRel(const Link& link, std::string_view rel) {
  for (const std::string& r : link.rels) {
    if (r == rel) return true;
  }
  return false;
}

// Keeps the first usable link with relation `rel` in `out` (when still empty).
void TakeLink(const std::vector<Link>& links, std::string_view rel, std::string& out,
              std::vector<std::string>& warnings) {
  for (const Link& link : links) {
    if (!out.empty() || !HasRel(link, rel)) continue;
    if (UsableUri(link.uri)) {
      out = link.uri;
    } else {
      warnings.push_back(Warning("link", link.uri, "not a usable URI for rel " + std::string(rel)));
    }
  }
}

// ---- Dates

struct DateValue {
  bool ok = false;
  std::optional<int64_t> at_ms;  // nullopt with ok: "Deprecation: true"
  const char* error = "";
};

DateValue Date(int64_t at_ms) {
  if (at_ms < 0 || at_ms > kMaxDateMs) return {false, std::nullopt, "outside 1970-9999"};
  return {true, at_ms, ""};
}

DateValue HttpOrRfc3339Date(std::string_view text, const char* error) {
  if (auto at = quota::ParseHttpDateMs(text)) return Date(*at);
  if (auto at = quota::ParseRfc3339Ms(text)) return Date(*at);
  return {false, std::nullopt, error};
}

// RFC 9651 sf-date: "@" sf-integer (an optional '-', 1 to 15 digits), then ;parameters.
DateValue StructuredDate(std::string_view text) {
  std::string_view item = text.substr(1);
  item = item.substr(0, item.find(';'));
  const bool negative = !item.empty() && item[0] == '-';
  if (negative) item.remove_prefix(1);
  const bool digits = !item.empty() && item.size() <= 15 &&
                      item.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits) return {false, std::nullopt, "not @epoch-seconds"};
  int64_t seconds = 0;
  std::from_chars(item.data(), item.data() + item.size(), seconds);  // cannot fail: <= 15 digits
  return Date(negative ? -seconds * 1000 : seconds * 1000);
}

DateValue DeprecationValue(std::string_view raw) {
  const std::string_view text = core::Trim(raw);
  if (!text.empty() && text[0] == '@') return StructuredDate(text);
  if (core::EqualsIgnoreCase(text, "true")) return {true, std::nullopt, ""};
  return HttpOrRfc3339Date(text, "neither @epoch-seconds, true nor an HTTP-date");
}

DateValue SunsetValue(std::string_view raw) {
  return HttpOrRfc3339Date(core::Trim(raw), "not an HTTP-date");
}

// The first well-formed value of a header that should appear once.
std::optional<DateValue> FirstWellFormed(std::string_view header,
                                         const std::vector<std::string_view>& values,
                                         DateValue (*parse)(std::string_view),
                                         std::vector<std::string>& warnings) {
  std::optional<DateValue> kept;
  for (std::string_view v : values) {
    const DateValue d = parse(v);
    if (!d.ok) {
      warnings.push_back(Warning(header, v, d.error));
    } else if (!kept) {
      kept = d;
    } else if (d.at_ms != kept->at_ms) {
      warnings.push_back(Warning(header, v, "repeated; the first value counts"));
    }
  }
  return kept;
}

}  // namespace

std::vector<Link> ParseLinkHeader(std::string_view value, std::vector<std::string>& warnings) {
  return LinkScanner(value, warnings).Run();
}

Lifecycle ParseLifecycle(const Headers& headers) {
  Lifecycle l;
  std::vector<std::string_view> deprecation;
  std::vector<std::string_view> sunset;
  std::vector<Link> links;
  for (const auto& [name, value] : headers) {
    if (core::EqualsIgnoreCase(name, "deprecation")) {
      deprecation.push_back(value);
    } else if (core::EqualsIgnoreCase(name, "sunset")) {
      sunset.push_back(value);
    } else if (core::EqualsIgnoreCase(name, "link")) {
      std::vector<Link> more = ParseLinkHeader(value, l.warnings);
      links.insert(links.end(), more.begin(), more.end());
    }
  }
  if (auto d = FirstWellFormed("deprecation", deprecation, DeprecationValue, l.warnings)) {
    l.deprecated = true;
    l.deprecated_at_ms = d->at_ms;
  }
  if (auto s = FirstWellFormed("sunset", sunset, SunsetValue, l.warnings)) {
    l.sunset_at_ms = s->at_ms;
  }
  TakeLink(links, "deprecation", l.deprecation_link, l.warnings);
  TakeLink(links, "sunset", l.sunset_link, l.warnings);
  return l;
}

// ---- The finding

namespace {

std::string FormatDate(int64_t ms) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(sys_time<milliseconds>(milliseconds(ms)))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string Days(int64_t n) { return std::to_string(n) + (n == 1 ? " day" : " days"); }

std::string Relative(int64_t delta_ms) {
  if (delta_ms >= 0) {
    const int64_t days = delta_ms / kDayMs;
    return days == 0 ? "within a day" : "in " + Days(days);
  }
  const int64_t days = -delta_ms / kDayMs;
  return days == 0 ? "less than a day ago" : Days(days) + " ago";
}

std::string DeprecationPart(const Lifecycle& l, int64_t now_ms) {
  if (!l.deprecated_at_ms) return "deprecated";
  const int64_t at = *l.deprecated_at_ms;
  if (at <= now_ms) return "deprecated since " + FormatDate(at);
  return "deprecated from " + FormatDate(at) + " (" + Relative(at - now_ms) + ")";
}

std::string LinksPart(const Lifecycle& l) {
  std::vector<std::string> links;
  for (const std::string* link : {&l.deprecation_link, &l.sunset_link}) {
    std::string shown = core::Printable(*link, kMaxShownUriBytes);
    if (!shown.empty() && (links.empty() || links[0] != shown)) links.push_back(std::move(shown));
  }
  return links.empty() ? "" : "see " + core::Join(links, " and ");
}

}  // namespace

std::optional<Finding> LifecycleFinding(const Lifecycle& l, core::WallTime now,
                                        core::Millis critical_within) {
  const bool deprecated = l.deprecated || l.deprecated_at_ms.has_value();
  if (!deprecated && !l.sunset_at_ms) return std::nullopt;
  const int64_t now_ms = core::ToUnixMillis(now);
  std::vector<std::string> parts;
  if (deprecated) parts.push_back(DeprecationPart(l, now_ms));
  Severity severity = Severity::kWarn;
  bool attention = true;  // a date ahead is something to plan for, not an outage
  if (l.sunset_at_ms) {
    const int64_t left = *l.sunset_at_ms - now_ms;
    parts.push_back("sunset " + FormatDate(*l.sunset_at_ms) + " (" + Relative(left) + ")");
    if (left <= critical_within.count()) severity = Severity::kCritical;
    if (left <= 0) attention = false;  // past its sunset the endpoint may go at any moment: health
  }
  if (std::string links = LinksPart(l); !links.empty()) parts.push_back(std::move(links));
  Finding f{FindingKind::kDeprecation, severity, core::Join(parts, "; "), attention};
  if (attention) {
    const std::optional<int64_t> due = l.sunset_at_ms ? l.sunset_at_ms : l.deprecated_at_ms;
    if (due && *due > now_ms) f.due = core::FromUnixMillis(*due);
  }
  return f;
}

}  // namespace vigil::probes::lifecycle
