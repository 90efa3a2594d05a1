#include "alerts/payload_text.h"

#include <cstdio>
#include <ctime>

namespace vigil::alerts {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026, one UTF-16 unit

unsigned char At(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629 table 3-7), or 0.
std::size_t SequenceLength(std::string_view s, std::size_t i) {
  const unsigned char b = At(s, i);
  if (b < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;  // overlong
    if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;  // overlong
    if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size() || At(s, i + 1) < lo || At(s, i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if ((At(s, i + k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// UTF-16 units of the sequence starting with lead byte `b`.
std::size_t Units(unsigned char b) { return b >= 0xF0 ? 2 : 1; }
bool IsContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

}  // namespace

int64_t ToUnixSeconds(core::WallTime t) {
  const int64_t ms = core::ToUnixMillis(t);
  return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

std::string FormatRfc3339Seconds(core::WallTime t) {
  const std::time_t secs = static_cast<std::time_t>(ToUnixSeconds(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = SequenceLength(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) c = ' ';
  }
  return out;
}

std::string WithoutBidiControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i + 2 < s.size() && At(s, i) == 0xE2) {
      const unsigned char b1 = At(s, i + 1), b2 = At(s, i + 2);
      if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)) {
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::size_t SlackLength(std::string_view s) {
  std::size_t units = 0;
  for (unsigned char b : s) {
    if (!IsContinuation(b)) units += Units(b);
  }
  return units;
}

std::string TruncateForSlack(std::string_view s, std::size_t max) {
  if (SlackLength(s) <= max) return std::string(s);
  const std::size_t budget = max - 1;  // room for the ellipsis
  std::size_t units = 0, cut = 0;
  while (cut < s.size()) {
    const std::size_t need = Units(At(s, cut));
    if (units + need > budget) break;
    units += need;
    ++cut;
    while (cut < s.size() && IsContinuation(At(s, cut))) ++cut;
  }
  return std::string(s.substr(0, cut)) + std::string(kEllipsis);
}

std::string EscapeMrkdwn(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string TruncateEscaped(std::string_view escaped, std::size_t max) {
  std::string cut = TruncateForSlack(escaped, max);
  if (cut.size() == escaped.size()) return cut;
  std::string_view kept(cut.data(), cut.size() - kEllipsis.size());
  // Every '&' in escaped text starts an entity; drop one left without its ';'.
  const std::size_t amp = kept.rfind('&');
  if (amp != std::string_view::npos && kept.find(';', amp) == std::string_view::npos) {
    kept = kept.substr(0, amp);
  }
  return std::string(kept) + std::string(kEllipsis);
}

}  // namespace vigil::alerts
