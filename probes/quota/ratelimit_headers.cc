// Rate-limit header dialects -> budgets. Reading order: text and numbers, time formats,
// structured-field lists, the header set, one reader per dialect, then merging.
#include "probes/quota/ratelimit_headers.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <system_error>

namespace vigil::probes::quota {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr double kMaxQuantity = 1e15;  // above any real quota; doubles stay exact integers
constexpr int64_t kMsPerDay = 86'400'000;
constexpr int64_t kMaxAheadMs = 400 * kMsPerDay;  // yearly quotas reset within a year
constexpr int64_t kMaxBehindMs = kMsPerDay;       // clock skew; older resets are stale or bogus
constexpr double kEpochMsFrom = 1e12;             // 2001-09-09 in ms
constexpr double kEpochSecondsFrom = 1e9;         // 2001-09-09 in seconds
constexpr size_t kMaxListMembers = 32;
constexpr size_t kMaxQuotedChars = 64;  // of a bad value, in its warning
constexpr size_t kMaxDimensionChars = 64;
constexpr int64_t kResetToleranceMs = 1000;  // epoch seconds vs a ms duration of the same reset

// ---- Text and numbers

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), LowerAscii);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `value` in double quotes for a warning: truncated, with \" \\ and \xNN escapes.
std::string Quoted(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < kMaxQuotedChars; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out += {'\\', static_cast<char>(c)};
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
    }
  }
  if (value.size() > kMaxQuotedChars) out += "...";
  return out + "\"";
}

std::string FormatNumber(double v) {
  std::array<char, 64> buf{};
  const auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buf.data(), end) : std::string("?");
}

template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string_view error;  // static text, set when `value` is empty
};

// A non-negative decimal ("5000", "0.5") no larger than kMaxQuantity.
Parsed<double> ParseQuantity(std::string_view text) {
  if (text.empty()) return {std::nullopt, "empty"};
  if (text.front() == '-') return {std::nullopt, "negative"};
  const size_t dot = text.find('.');
  const bool digits_only =
      std::all_of(text.begin(), text.end(), [](char c) { return IsDigit(c) || c == '.'; });
  if (!digits_only || text.front() == '.' || text.back() == '.' ||
      (dot != std::string_view::npos && text.find('.', dot + 1) != std::string_view::npos)) {
    return {std::nullopt, "not a number"};
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && value > kMaxQuantity)) {
    return {std::nullopt, "too large"};
  }
  if (ec != std::errc() || end != text.data() + text.size()) return {std::nullopt, "not a number"};
  return {value, {}};
}

// ---- Time formats

// Consumes date text; a failed read leaves the position where the failure was seen.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  bool Eat(char c) {
    if (pos_ == text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool Spaces() {  // one or more
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
    return pos_ > start;
  }
  std::string_view Word() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsAlpha(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // `min`..`max` decimal digits.
  std::optional<int> Number(size_t min, size_t max) {
    int value = 0;
    size_t n = 0;
    while (n < max && pos_ < text_.size() && IsDigit(text_[pos_])) {
      value = value * 10 + (text_[pos_++] - '0');
      ++n;
    }
    return n >= min ? std::optional<int>(value) : std::nullopt;
  }
  // All the digits that follow (for fractions of a second).
  std::string_view Digits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

struct CivilTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

std::optional<int64_t> ToUnixMs(const CivilTime& t) {
  const std::chrono::year_month_day ymd{std::chrono::year{t.year},
                                        std::chrono::month{static_cast<unsigned>(t.month)},
                                        std::chrono::day{static_cast<unsigned>(t.day)}};
  // Second 60 is a leap second (RFC 3339 allows it); it reads as the next second.
  if (!ymd.ok() || t.hour > 23 || t.minute > 59 || t.second > 60) return std::nullopt;
  const int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return days * kMsPerDay + ((t.hour * 60 + t.minute) * 60 + t.second) * int64_t{1000};
}

// "08:49:37" into `t`.
bool ReadTimeOfDay(Scanner& sc, CivilTime& t) {
  const auto h = sc.Number(2, 2);
  if (!h || !sc.Eat(':')) return false;
  const auto m = sc.Number(2, 2);
  if (!m || !sc.Eat(':')) return false;
  const auto s = sc.Number(2, 2);
  if (!s) return false;
  t.hour = *h;
  t.minute = *m;
  t.second = *s;
  return true;
}

std::optional<int> MonthFromName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (EqualsIgnoreCase(name, kMonths[i])) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

bool IsDayName(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kDays = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  return std::any_of(kDays.begin(), kDays.end(), [name](std::string_view day) {
    return EqualsIgnoreCase(name, day) || EqualsIgnoreCase(name, day.substr(0, 3));
  });
}

// After "Sun, ": "06 Nov 1994" (IMF-fixdate) or "06-Nov-94" (RFC 850) into `t`.
bool ReadDayMonthYear(Scanner& sc, CivilTime& t) {
  const auto day = sc.Number(1, 2);
  if (!day) return false;
  std::optional<int> month;
  std::optional<int> year;
  if (sc.Eat('-')) {
    month = MonthFromName(sc.Word());
    if (!sc.Eat('-')) return false;
    year = sc.Number(2, 2);
    if (year) *year += *year < 70 ? 2000 : 1900;
  } else if (sc.Spaces()) {
    month = MonthFromName(sc.Word());
    if (!sc.Spaces()) return false;
    year = sc.Number(4, 4);
  }
  if (!month || !year) return false;
  t.day = *day;
  t.month = *month;
  t.year = *year;
  return true;
}

// After "Sun": " Nov  6 08:49:37 1994" (asctime).
std::optional<int64_t> ReadAsctimeRest(Scanner& sc) {
  CivilTime t;
  if (!sc.Spaces()) return std::nullopt;
  const auto month = MonthFromName(sc.Word());
  if (!month || !sc.Spaces()) return std::nullopt;
  const auto day = sc.Number(1, 2);
  if (!day || !sc.Spaces() || !ReadTimeOfDay(sc, t) || !sc.Spaces()) return std::nullopt;
  const auto year = sc.Number(4, 4);
  if (!year || !sc.AtEnd()) return std::nullopt;
  t.year = *year;
  t.month = *month;
  t.day = *day;
  return ToUnixMs(t);
}

// ".123456" -> 123; nothing -> 0; a dot without digits -> nullopt.
std::optional<int64_t> ReadFractionMs(Scanner& sc) {
  if (!sc.Eat('.')) return 0;
  const std::string_view digits = sc.Digits();
  if (digits.empty()) return std::nullopt;
  int64_t ms = 0;
  for (size_t i = 0; i < 3; ++i) ms = ms * 10 + (i < digits.size() ? digits[i] - '0' : 0);
  return ms;
}

// "Z", "+01:00", "-0530" -> the offset east of UTC in ms.
std::optional<int64_t> ReadUtcOffsetMs(Scanner& sc) {
  if (sc.Eat('Z') || sc.Eat('z')) return 0;
  const bool east = sc.Eat('+');
  if (!east && !sc.Eat('-')) return std::nullopt;
  const auto hours = sc.Number(2, 2);
  sc.Eat(':');
  const auto minutes = sc.Number(2, 2);
  if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  const int64_t ms = (*hours * 60 + *minutes) * int64_t{60'000};
  return east ? ms : -ms;
}

// Nanoseconds per Go duration unit; 0 for an unknown unit.
int64_t GoUnitNs(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;  // µs, μs
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

// One "59.56s" term of a Go duration, in ns; advances `pos` past it.
std::optional<int64_t> ReadGoTermNs(std::string_view text, size_t& pos) {
  int64_t whole = 0;
  size_t digits = 0;
  for (; pos < text.size() && IsDigit(text[pos]); ++pos, ++digits) {
    if (whole > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
    whole = whole * 10 + (text[pos] - '0');
  }
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    double scale = 0.1;
    for (++pos; pos < text.size() && IsDigit(text[pos]); ++pos, ++digits, scale /= 10) {
      fraction += (text[pos] - '0') * scale;
    }
  }
  const size_t unit_start = pos;
  while (pos < text.size() && !IsDigit(text[pos]) && text[pos] != '.') ++pos;
  const int64_t unit = GoUnitNs(text.substr(unit_start, pos - unit_start));
  int64_t ns = 0;
  if (digits == 0 || unit == 0 || __builtin_mul_overflow(whole, unit, &ns)) return std::nullopt;
  const auto fraction_ns = static_cast<int64_t>(std::llround(fraction * static_cast<double>(unit)));
  if (__builtin_add_overflow(ns, fraction_ns, &ns)) return std::nullopt;
  return ns;
}

// ---- Structured-field lists (RFC 8941), read leniently

// One list or dictionary member: `name[=value](;key[=value])*`, where name, key and values are
// tokens, numbers or quoted strings. A parameter without a value reads as "?1" (true).
struct SfMember {
  std::string name;
  bool name_quoted = false;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> params;
};

struct SfList {
  std::vector<SfMember> members;
  std::vector<std::string_view> malformed;  // the raw text of each skipped member
  bool truncated = false;                   // more than kMaxListMembers members
};

bool IsAtomChar(char c) {
  return IsDigit(c) || IsAlpha(c) ||
         std::string_view("!#$%&'*+-.^_`|~:/?@").find(c) != std::string_view::npos;
}

void SkipOws(std::string_view text, size_t& pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
}

// A quoted string (with \" and \\ escapes) or a run of atom characters into `out`.
bool ReadSfAtom(std::string_view text, size_t& pos, std::string& out, bool& quoted) {
  out.clear();
  quoted = pos < text.size() && text[pos] == '"';
  if (!quoted) {
    for (; pos < text.size() && IsAtomChar(text[pos]); ++pos) out += text[pos];
    return !out.empty();
  }
  for (++pos; pos < text.size(); ++pos) {
    if (text[pos] == '"') {
      ++pos;
      return true;
    }
    if (text[pos] == '\\' && (++pos == text.size() || (text[pos] != '"' && text[pos] != '\\'))) {
      return false;
    }
    if (static_cast<unsigned char>(text[pos]) < 0x20 || text[pos] == 0x7f) return false;
    out += text[pos];
  }
  return false;
}

// Reads one member; on success `pos` is at the following ',' or the end.
std::optional<SfMember> ReadSfMember(std::string_view text, size_t& pos) {
  SfMember m;
  if (!ReadSfAtom(text, pos, m.name, m.name_quoted)) return std::nullopt;
  std::string atom;
  bool quoted = false;
  if (pos < text.size() && text[pos] == '=') {
    if (!ReadSfAtom(text, ++pos, atom, quoted)) return std::nullopt;
    m.value = atom;
  }
  for (SkipOws(text, pos); pos < text.size() && text[pos] == ';'; SkipOws(text, pos)) {
    SkipOws(text, ++pos);
    std::string key;
    if (!ReadSfAtom(text, pos, key, quoted) || quoted) return std::nullopt;
    atom = "?1";
    if (pos < text.size() && text[pos] == '=' && !ReadSfAtom(text, ++pos, atom, quoted)) {
      return std::nullopt;
    }
    m.params.emplace_back(std::move(key), atom);
  }
  if (pos < text.size() && text[pos] != ',') return std::nullopt;
  return m;
}

// The position of the next ',' outside a quoted string at or after `pos`, or the end.
size_t NextComma(std::string_view text, size_t pos) {
  bool quoted = false;
  for (; pos < text.size(); ++pos) {
    if (quoted && text[pos] == '\\') {
      ++pos;
    } else if (text[pos] == '"') {
      quoted = !quoted;
    } else if (!quoted && text[pos] == ',') {
      return pos;
    }
  }
  return text.size();
}

SfList ParseSfList(std::string_view text) {
  SfList out;
  size_t pos = 0;
  for (SkipOws(text, pos); pos < text.size(); SkipOws(text, pos)) {
    if (out.members.size() + out.malformed.size() == kMaxListMembers) {
      out.truncated = true;
      break;
    }
    const size_t start = pos;
    if (auto member = ReadSfMember(text, pos)) {
      out.members.push_back(std::move(*member));
    } else {
      pos = NextComma(text, start);
      out.malformed.push_back(TrimOws(text.substr(start, pos - start)));
    }
    if (pos < text.size()) ++pos;  // the comma
  }
  return out;
}

const std::string* FindParam(const SfMember& m, std::string_view key) {
  for (const auto& [k, v] : m.params) {
    if (k == key) return &v;
  }
  return nullptr;
}

// ---- The response's headers

// Header values by lowercase name, the arrival time, and the warnings of one parse.
class HeaderSet {
 public:
  HeaderSet(const Headers& headers, int64_t now_ms, std::vector<std::string>& warnings)
      : now_ms_(now_ms), warnings_(&warnings) {
    for (const auto& [name, value] : headers) values_[Lower(TrimOws(name))].push_back(value);
  }

  int64_t now_ms() const { return now_ms_; }

  // The first value of `name`, OWS-trimmed; warns when repeated copies differ.
  std::optional<std::string_view> Scalar(std::string_view name) {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    const std::string_view first = TrimOws(it->second.front());
    for (const std::string_view other : it->second) {
      if (TrimOws(other) != first) {
        Warn(name, other, "repeated with a different value; the first one counts");
        break;
      }
    }
    return first;
  }

  // Every value of `name` joined with "," (RFC 9110 §5.3 combines list fields that way).
  std::optional<std::string> List(std::string_view name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    std::string joined;
    for (const std::string_view v : it->second) joined.append(joined.empty() ? "" : ",").append(v);
    return joined;
  }

  void Warn(std::string_view header, std::string_view value, std::string_view reason) {
    warnings_->push_back(std::string(header) + ": ignored " + Quoted(value) + " (" +
                         std::string(reason) + ")");
  }

 private:
  std::map<std::string, std::vector<std::string_view>, std::less<>> values_;
  int64_t now_ms_;
  std::vector<std::string>* warnings_;
};

// ---- Quantities and resets

std::optional<double> ReadQuantity(HeaderSet& h, std::string_view name) {
  const auto raw = h.Scalar(name);
  if (!raw) return std::nullopt;
  const Parsed<double> q = ParseQuantity(*raw);
  if (!q.value) h.Warn(name, *raw, q.error);
  return q.value;
}

// `at` unless it is absurdly far from `now` (see the header comment).
Parsed<int64_t> WithinHorizon(int64_t at, int64_t now) {
  int64_t ahead = 0;
  if (__builtin_sub_overflow(at, now, &ahead) || ahead > kMaxAheadMs) {
    return {std::nullopt, "more than 400 days ahead"};
  }
  if (ahead < -kMaxBehindMs) return {std::nullopt, "more than a day in the past"};
  return {at, {}};
}

Parsed<int64_t> AfterMs(int64_t now, double ms) {
  int64_t at = 0;
  if (ms > static_cast<double>(kMaxAheadMs) || __builtin_add_overflow(now, std::llround(ms), &at)) {
    return {std::nullopt, "more than 400 days ahead"};
  }
  return WithinHorizon(at, now);
}

Parsed<int64_t> AfterSeconds(std::string_view text, int64_t now) {
  const Parsed<double> q = ParseQuantity(text);
  if (!q.value) return {std::nullopt, q.error};
  return AfterMs(now, *q.value * 1000);
}

// The X-RateLimit-Reset rule: date text, epoch ms, epoch seconds or delta seconds.
Parsed<int64_t> EpochOrDelta(std::string_view text, int64_t now) {
  const Parsed<double> q = ParseQuantity(text);
  if (q.value) {
    if (*q.value >= kEpochMsFrom) return WithinHorizon(std::llround(*q.value), now);
    if (*q.value >= kEpochSecondsFrom) return WithinHorizon(std::llround(*q.value * 1000), now);
    return AfterMs(now, *q.value * 1000);
  }
  if (!text.empty() && (IsDigit(text.front()) || IsAlpha(text.front()))) {
    if (auto at = ParseHttpDateMs(text)) return WithinHorizon(*at, now);
    if (auto at = ParseRfc3339Ms(text)) return WithinHorizon(*at, now);
  }
  return {std::nullopt, q.error == "not a number" ? "not a number, epoch or date" : q.error};
}

enum class ResetForm { kDeltaSeconds, kEpochOrDelta, kGoDuration, kRfc3339 };

Parsed<int64_t> InterpretReset(std::string_view text, ResetForm form, int64_t now) {
  switch (form) {
    case ResetForm::kDeltaSeconds:
      return AfterSeconds(text, now);
    case ResetForm::kEpochOrDelta:
      return EpochOrDelta(text, now);
    case ResetForm::kGoDuration:
      if (auto ms = ParseGoDurationMs(text)) return AfterMs(now, static_cast<double>(*ms));
      if (ParseQuantity(text).value) return EpochOrDelta(text, now);
      return {std::nullopt, "not a duration"};
    case ResetForm::kRfc3339:
      if (auto at = ParseRfc3339Ms(text)) return WithinHorizon(*at, now);
      return {std::nullopt, "not an RFC 3339 timestamp"};
  }
  return {std::nullopt, "unknown form"};
}

std::optional<int64_t> ReadReset(HeaderSet& h, std::string_view name, ResetForm form) {
  const auto raw = h.Scalar(name);
  if (!raw) return std::nullopt;
  const Parsed<int64_t> at = InterpretReset(*raw, form, h.now_ms());
  if (!at.value) h.Warn(name, *raw, at.error);
  return at.value;
}

Budget NewBudget(std::string dimension, std::string source) {
  Budget b;
  b.dimension = std::move(dimension);
  b.source = std::move(source);
  return b;
}

void Keep(Budget b, std::vector<Budget>& out) {
  if (b.limit || b.remaining || b.reset_unix_ms) out.push_back(std::move(b));
}

// ---- IETF structured fields (current draft, and drafts 06-07)

// The members of list header `name`, warning about the ones that cannot be read.
std::vector<SfMember> ReadList(HeaderSet& h, std::string_view name) {
  const auto text = h.List(name);
  if (!text) return {};
  SfList list = ParseSfList(*text);
  for (const std::string_view bad : list.malformed) h.Warn(name, bad, "malformed list member");
  if (list.truncated) h.Warn(name, *text, "more than 32 members; the rest were not read");
  if (list.members.empty() && list.malformed.empty()) h.Warn(name, *text, "empty");
  return std::move(list.members);
}

// A quantity parameter of member `m` of header `header`, or a warning.
std::optional<double> ParamQuantity(HeaderSet& h, std::string_view header, const SfMember& m,
                                    std::string_view key) {
  const std::string* raw = FindParam(m, key);
  if (!raw) return std::nullopt;
  const Parsed<double> q = ParseQuantity(*raw);
  if (!q.value) h.Warn(header, m.name + ";" + std::string(key) + "=" + *raw, q.error);
  return q.value;
}

// The `w` parameter of member `m` as a window in ms, or a warning.
std::optional<int64_t> ParamWindowMs(HeaderSet& h, std::string_view header, const SfMember& m) {
  const std::optional<double> seconds = ParamQuantity(h, header, m, "w");
  if (!seconds) return std::nullopt;
  if (*seconds * 1000 > static_cast<double>(kMaxAheadMs)) {
    h.Warn(header, m.name + ";w=" + *FindParam(m, "w"), "window longer than 400 days");
    return std::nullopt;
  }
  return std::llround(*seconds * 1000);
}

// `"burst";q=100;w=60` (RateLimit-Policy) or `"burst";r=50;t=30` (RateLimit).
void ReadNamedMember(HeaderSet& h, std::string_view header, const SfMember& m,
                     std::vector<Budget>& out) {
  if (m.name.empty() || m.name.size() > kMaxDimensionChars) {
    h.Warn(header, m.name, "policy name must have 1 to 64 characters");
    return;
  }
  Budget b = NewBudget(m.name, "ietf");
  b.limit = ParamQuantity(h, header, m, "q");
  b.window_ms = ParamWindowMs(h, header, m);
  b.remaining = ParamQuantity(h, header, m, "r");
  if (const std::string* t = FindParam(m, "t")) {
    const Parsed<int64_t> at = AfterSeconds(*t, h.now_ms());
    if (!at.value) h.Warn(header, m.name + ";t=" + *t, at.error);
    b.reset_unix_ms = at.value;
  }
  Keep(std::move(b), out);
}

// One member of the draft 06-07 dictionary `RateLimit: limit=100, remaining=50, reset=30`.
void ReadDictionaryMember(HeaderSet& h, std::string_view header, const SfMember& m, Budget& b) {
  const std::string what = m.name + "=" + *m.value;
  if (m.name == "reset") {
    const Parsed<int64_t> at = AfterSeconds(*m.value, h.now_ms());
    if (!at.value) h.Warn(header, what, at.error);
    b.reset_unix_ms = at.value;
  } else if (m.name == "limit" || m.name == "remaining") {
    const Parsed<double> q = ParseQuantity(*m.value);
    if (!q.value) h.Warn(header, what, q.error);
    (m.name == "limit" ? b.limit : b.remaining) = q.value;
  }
}

bool IsNumericItem(const SfMember& m) {
  return !m.name_quoted && !m.value && ParseQuantity(m.name).value.has_value();
}

// `quota;w=seconds` items (draft 06-07 policies) as (quota, window ms).
using DraftWindows = std::vector<std::pair<double, int64_t>>;

void AddDraftWindow(HeaderSet& h, std::string_view header, const SfMember& m, DraftWindows& out) {
  if (const auto window = ParamWindowMs(h, header, m)) {
    out.emplace_back(*ParseQuantity(m.name).value, *window);
  }
}

// The older trio; RateLimit-Limit's first member is the limit, the others may be policies.
Budget ReadDraftTrio(HeaderSet& h, DraftWindows& windows) {
  Budget b = NewBudget("requests", "ietf-draft");
  const std::vector<SfMember> members = ReadList(h, "ratelimit-limit");
  if (!members.empty()) {
    const SfMember& first = members.front();
    const Parsed<double> q = first.name_quoted || first.value
                                 ? Parsed<double>{std::nullopt, "not a number"}
                                 : ParseQuantity(first.name);
    if (!q.value) h.Warn("ratelimit-limit", first.name, q.error);
    b.limit = q.value;
  }
  for (const SfMember& m : members) {
    if (IsNumericItem(m)) AddDraftWindow(h, "ratelimit-limit", m, windows);
  }
  b.remaining = ReadQuantity(h, "ratelimit-remaining");
  b.reset_unix_ms = ReadReset(h, "ratelimit-reset", ResetForm::kDeltaSeconds);
  return b;
}

void ReadIetf(HeaderSet& h, std::vector<Budget>& out) {
  DraftWindows windows;
  Budget dictionary = NewBudget("requests", "ietf-draft");
  for (const std::string_view header : {"ratelimit-policy", "ratelimit"}) {
    for (const SfMember& m : ReadList(h, header)) {
      if (m.value) {
        ReadDictionaryMember(h, header, m, dictionary);
      } else if (IsNumericItem(m)) {
        AddDraftWindow(h, header, m, windows);
      } else {
        ReadNamedMember(h, header, m, out);
      }
    }
  }
  // The window of a draft budget is that of the policy whose quota is its limit.
  for (Budget b : {ReadDraftTrio(h, windows), std::move(dictionary)}) {
    for (const auto& [quota, window_ms] : windows) {
      if (b.limit == quota && !b.window_ms) b.window_ms = window_ms;
    }
    Keep(std::move(b), out);
  }
}

// ---- X-RateLimit, GitHub, OpenAI, Anthropic, Shopify, Retry-After

bool IsResourceName(std::string_view s) {
  return !s.empty() && s.size() <= kMaxDimensionChars &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return IsDigit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
         });
}

// GitHub: x-ratelimit-resource names the budget; x-ratelimit-used = limit - remaining.
void ApplyGitHub(HeaderSet& h, Budget& b) {
  if (const auto resource = h.Scalar("x-ratelimit-resource")) {
    if (IsResourceName(*resource)) {
      b.dimension = std::string(*resource);
      b.source = "github";
    } else {
      h.Warn("x-ratelimit-resource", *resource, "not a resource name");
    }
  }
  const auto used = ReadQuantity(h, "x-ratelimit-used");
  if (!used || !b.limit) return;
  const std::string raw = FormatNumber(*used);
  if (*used > *b.limit) {
    h.Warn("x-ratelimit-used", raw, "more than x-ratelimit-limit " + FormatNumber(*b.limit));
  } else if (!b.remaining) {
    b.remaining = *b.limit - *used;
  } else if (*b.remaining != *b.limit - *used) {
    h.Warn("x-ratelimit-used", raw,
           "disagrees with limit " + FormatNumber(*b.limit) + " - remaining " +
               FormatNumber(*b.remaining) + "; remaining counts");
  }
}

void ReadXRateLimit(HeaderSet& h, std::vector<Budget>& out) {
  for (const std::string prefix : {"x-ratelimit-", "x-rate-limit-"}) {
    Budget b = NewBudget("requests", "x-ratelimit");
    b.limit = ReadQuantity(h, prefix + "limit");
    b.remaining = ReadQuantity(h, prefix + "remaining");
    b.reset_unix_ms = ReadReset(h, prefix + "reset", ResetForm::kEpochOrDelta);
    if (prefix == "x-ratelimit-") ApplyGitHub(h, b);
    Keep(std::move(b), out);
  }
}

// `prefix + dimension + middle + {limit,remaining,reset} + suffix` for each dimension.
void ReadVendor(HeaderSet& h, std::string_view source, std::string_view prefix,
                const std::vector<std::string_view>& dimensions, ResetForm reset_form,
                std::vector<Budget>& out) {
  const bool openai = source == "openai";  // x-ratelimit-limit-tokens vs ...-tokens-limit
  for (const std::string_view dimension : dimensions) {
    const auto name = [&](std::string_view field) {
      return openai ? std::string(prefix).append(field).append("-").append(dimension)
                    : std::string(prefix).append(dimension).append("-").append(field);
    };
    Budget b = NewBudget(std::string(dimension), std::string(source));
    b.limit = ReadQuantity(h, name("limit"));
    b.remaining = ReadQuantity(h, name("remaining"));
    b.reset_unix_ms = ReadReset(h, name("reset"), reset_form);
    Keep(std::move(b), out);
  }
}

void ReadShopify(HeaderSet& h, std::vector<Budget>& out) {
  constexpr std::string_view kName = "x-shopify-shop-api-call-limit";
  const auto raw = h.Scalar(kName);
  if (!raw) return;
  const size_t slash = raw->find('/');
  if (slash == std::string_view::npos) return h.Warn(kName, *raw, "not used/limit");
  const Parsed<double> used = ParseQuantity(TrimOws(raw->substr(0, slash)));
  const Parsed<double> limit = ParseQuantity(TrimOws(raw->substr(slash + 1)));
  if (!used.value || !limit.value) {
    return h.Warn(kName, *raw, used.value ? limit.error : used.error);
  }
  if (*used.value > *limit.value) return h.Warn(kName, *raw, "used is more than the limit");
  Budget b = NewBudget("calls", "shopify");
  b.limit = limit.value;
  b.remaining = *limit.value - *used.value;
  Keep(std::move(b), out);
}

std::optional<int64_t> ReadRetryAfter(HeaderSet& h) {
  const auto raw = h.Scalar("retry-after");
  if (!raw) return std::nullopt;
  Parsed<int64_t> at = AfterSeconds(*raw, h.now_ms());
  if (!at.value && at.error == "not a number") {
    const auto date = ParseHttpDateMs(*raw);
    at = date ? WithinHorizon(*date, h.now_ms())
              : Parsed<int64_t>{std::nullopt, "neither seconds nor an HTTP-date"};
  }
  if (!at.value) h.Warn("retry-after", *raw, at.error);
  return at.value;
}

// ---- Merging

int Rank(std::string_view source) {
  if (source == "ietf") return 2;
  if (source == "ietf-draft") return 1;
  if (source == "x-ratelimit") return 0;
  return 3;  // openai, anthropic, github, shopify
}

template <typename T>
void MergeField(const Budget& kept, const Budget& other, std::string_view field,
                std::optional<T>& mine, const std::optional<T>& theirs, double tolerance,
                std::vector<std::string>& warnings) {
  if (!theirs) return;
  if (!mine) {
    mine = theirs;
    return;
  }
  const auto a = static_cast<double>(*mine);
  const auto b = static_cast<double>(*theirs);
  if (std::abs(a - b) <= tolerance) return;
  warnings.push_back("budget \"" + kept.dimension + "\": " + other.source + " " +
                     std::string(field) + " " + FormatNumber(b) + " conflicts with " + kept.source +
                     " " + FormatNumber(a) + "; " + kept.source + " counts");
}

void MergeBudget(Budget& kept, const Budget& other, std::vector<std::string>& warnings) {
  MergeField(kept, other, "limit", kept.limit, other.limit, 0, warnings);
  MergeField(kept, other, "remaining", kept.remaining, other.remaining, 0, warnings);
  MergeField(kept, other, "reset_unix_ms", kept.reset_unix_ms, other.reset_unix_ms,
             kResetToleranceMs, warnings);
  MergeField(kept, other, "window_ms", kept.window_ms, other.window_ms, 0, warnings);
}

void Merge(std::vector<Budget> candidates, RateLimitInfo& info) {
  for (Budget& c : candidates) {
    const auto it = std::find_if(info.budgets.begin(), info.budgets.end(),
                                 [&c](const Budget& b) { return b.dimension == c.dimension; });
    if (it == info.budgets.end()) {
      info.budgets.push_back(std::move(c));
      continue;
    }
    if (Rank(c.source) > Rank(it->source)) std::swap(*it, c);
    MergeBudget(*it, c, info.warnings);
  }
}

}  // namespace

std::optional<int64_t> ParseGoDurationMs(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text == "0") return 0;  // the one unit-less duration Go accepts
  if (text.empty()) return std::nullopt;
  int64_t total_ns = 0;
  for (size_t pos = 0; pos < text.size();) {
    const auto term = ReadGoTermNs(text, pos);
    if (!term || __builtin_add_overflow(total_ns, *term, &total_ns)) return std::nullopt;
  }
  return total_ns / 1'000'000 + (total_ns % 1'000'000 >= 500'000 ? 1 : 0);
}

std::optional<int64_t> ParseHttpDateMs(std::string_view text) {
  Scanner sc(TrimOws(text));
  if (!IsDayName(sc.Word())) return std::nullopt;
  if (!sc.Eat(',')) return ReadAsctimeRest(sc);
  CivilTime t;
  if (!sc.Spaces() || !ReadDayMonthYear(sc, t) || !sc.Spaces() || !ReadTimeOfDay(sc, t) ||
      !sc.Spaces()) {
    return std::nullopt;
  }
  const std::string_view zone = sc.Word();
  if (!sc.AtEnd() || !(EqualsIgnoreCase(zone, "GMT") || EqualsIgnoreCase(zone, "UTC"))) {
    return std::nullopt;
  }
  return ToUnixMs(t);
}

std::optional<int64_t> ParseRfc3339Ms(std::string_view text) {
  Scanner sc(TrimOws(text));
  CivilTime t;
  const auto year = sc.Number(4, 4);
  if (!year || !sc.Eat('-')) return std::nullopt;
  const auto month = sc.Number(2, 2);
  if (!month || !sc.Eat('-')) return std::nullopt;
  const auto day = sc.Number(2, 2);
  if (!day || !(sc.Eat('T') || sc.Eat('t') || sc.Eat(' ')) || !ReadTimeOfDay(sc, t)) {
    return std::nullopt;
  }
  const auto fraction_ms = ReadFractionMs(sc);
  const auto offset_ms = ReadUtcOffsetMs(sc);
  if (!fraction_ms || !offset_ms || !sc.AtEnd()) return std::nullopt;
  t.year = *year;
  t.month = *month;
  t.day = *day;
  const auto base = ToUnixMs(t);
  if (!base) return std::nullopt;
  return *base + *fraction_ms - *offset_ms;
}

RateLimitInfo ParseRateLimitHeaders(const std::vector<std::pair<std::string, std::string>>& headers,
                                    int64_t now_unix_ms) {
  RateLimitInfo info;
  HeaderSet h(headers, now_unix_ms, info.warnings);
  std::vector<Budget> candidates;
  ReadIetf(h, candidates);
  ReadXRateLimit(h, candidates);
  ReadVendor(h, "openai", "x-ratelimit-", {"requests", "tokens"}, ResetForm::kGoDuration,
             candidates);
  ReadVendor(h, "anthropic", "anthropic-ratelimit-",
             {"requests", "tokens", "input-tokens", "output-tokens"}, ResetForm::kRfc3339,
             candidates);
  ReadShopify(h, candidates);
  info.retry_after_unix_ms = ReadRetryAfter(h);
  Merge(std::move(candidates), info);
  return info;
}

}  // namespace vigil::probes::quota
