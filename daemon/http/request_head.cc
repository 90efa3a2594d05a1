#include "daemon/http/request_head.h"

#include <Poco/String.h>

#include <algorithm>

#include "daemon/core/text.h"

namespace vigil::daemon::http {
namespace {

constexpr std::size_t npos = std::string_view::npos;

std::string Quoted(std::string_view s) { return "\"" + core::Printable(s, 60) + "\""; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<std::string> RequestLineError(std::string_view line) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == npos ? npos : line.find(' ', sp1 + 1);
  if (sp2 == npos) return "the request line is not METHOD TARGET VERSION: " + Quoted(line);
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!core::IsHttpToken(method)) return "malformed method " + Quoted(method);
  if (target.empty()) return "the request line has two spaces where the target belongs";
  if (!std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return "the request target has a space, a control byte or a non-ASCII byte: " + Quoted(target);
  }
  if (version.size() > 8 && version.substr(0, 8).find(' ') == npos && version[8] == ' ') {
    return "the request line goes on after the HTTP version: " + Quoted(line);
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !IsDigit(version[5]) || version[6] != '.' ||
      !IsDigit(version[7])) {
    return "malformed HTTP version " + Quoted(version);
  }
  return std::nullopt;
}

std::optional<std::string> FieldLineError(std::string_view line) {
  if (line.empty()) return std::string("an empty line inside the request head");
  if (line.front() == ' ' || line.front() == '\t') {
    return "a header line starting with whitespace (obsolete line folding): " + Quoted(line);
  }
  const std::size_t colon = line.find(':');
  if (colon == npos) return "a header line without a colon: " + Quoted(line);
  const std::string_view name = line.substr(0, colon);
  if (!core::IsHttpToken(name)) return "malformed header field " + Quoted(name);
  const std::string_view value = line.substr(colon + 1);
  const bool clean = std::all_of(value.begin(), value.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b == '\t' || (b >= 0x20 && b != 0x7f);
  });
  if (!clean) return "a control byte in the value of header field " + Quoted(name);
  return std::nullopt;
}

// Skips empty lines before the request line (RFC 9112 §2.2 asks a server to ignore at least one).
std::size_t LeadingEmptyLines(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (bytes[i] == '\n') {
      ++i;
    } else if (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
      i += 2;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

std::optional<HeadEnd> FindHeadEnd(std::string_view bytes) {
  for (std::size_t lf = bytes.find('\n', LeadingEmptyLines(bytes)); lf != npos; lf = bytes.find('\n', lf + 1)) {
    if (lf + 1 < bytes.size() && bytes[lf + 1] == '\n') return HeadEnd{lf + 1, 1};
    if (lf + 2 < bytes.size() && bytes[lf + 1] == '\r' && bytes[lf + 2] == '\n') return HeadEnd{lf + 1, 2};
  }
  return std::nullopt;
}

bool RequestComplete(std::string_view peeked, std::size_t max_body, std::size_t peek_size) {
  const std::optional<HeadEnd> end = FindHeadEnd(peeked);
  if (!end) return peeked.size() >= peek_size;
  const std::string head = Poco::toLower(std::string(peeked.substr(0, end->length)));
  const std::size_t field = head.find("\ncontent-length:");
  if (field == std::string::npos) return true;  // no body, or chunked: the worker reads it under its deadline
  std::size_t i = field + 16;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
  std::size_t length = 0, digits = 0;
  for (; i < head.size() && IsDigit(head[i]) && digits < 18; ++i, ++digits) {
    length = length * 10 + static_cast<std::size_t>(head[i] - '0');
  }
  if (digits == 0 || length > max_body) return true;  // refused without reading the body
  return peeked.size() >= end->length + end->terminator + length || peeked.size() >= peek_size;
}

std::optional<std::string> RequestHeadError(std::string_view head) {
  if (head.find('\0') != npos) return std::string("a NUL byte in the request head");
  bool request_line = false;
  for (std::size_t pos = LeadingEmptyLines(head), number = 1; pos < head.size(); ++number) {
    const std::size_t lf = head.find('\n', pos);
    std::string_view line = head.substr(pos, lf == npos ? npos : lf - pos);
    pos = lf == npos ? head.size() : lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != npos) {
      return "a bare CR (not followed by LF) in line " + std::to_string(number) + " of the request head";
    }
    const std::optional<std::string> error = request_line ? FieldLineError(line) : RequestLineError(line);
    if (error) return error;
    request_line = true;
  }
  if (!request_line) return std::string("no request line");
  return std::nullopt;
}

std::optional<std::string> FramingError(const Poco::Net::HTTPRequest& request) {
  int lengths = 0, hosts = 0, codings = 0;
  for (const auto& [name, value] : request) {
    if (Poco::icompare(name, "Content-Length") == 0) {
      ++lengths;
      if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), IsDigit)) {
        return "Content-Length must be a plain decimal number, got " + Quoted(value);
      }
    } else if (Poco::icompare(name, "Host") == 0) {
      ++hosts;
    } else if (Poco::icompare(name, "Transfer-Encoding") == 0) {
      ++codings;
    }
  }
  if (lengths > 1) return std::string("more than one Content-Length field");
  if (lengths > 0 && codings > 0) return std::string("both Content-Length and Transfer-Encoding");
  if (hosts > 1) return std::string("more than one Host field");
  if (hosts == 0 && request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1) {
    return std::string("HTTP/1.1 request without Host");
  }
  const std::string& target = request.getURI();
  if (target.empty() || target.front() != '/') {
    return "the request target must be a path starting with '/', got " + Quoted(target);
  }
  return std::nullopt;
}

}  // namespace vigil::daemon::http
