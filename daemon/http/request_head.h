// The listener's checks of a request's framing, on the raw bytes (pure; fuzzed by
// tests/fuzz/http_request_fuzz.cc). Poco's request parser is lenient where leniency is a
// smuggling or confusion risk: it skips a header line without a colon, ignores whatever follows
// the version on the request line, and reads a bare CR as part of a line. So the head is checked
// against RFC 9112 before Poco sees it, and what Poco parsed is checked again for the framing
// fields (FramingError).
#pragma once

#include <Poco/Net/HTTPRequest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::daemon::http {

// Where the head (request line and fields) ends in `bytes`: its length without the blank line,
// and the blank line's length (4 for CRLFCRLF, 2 for LFLF: RFC 9112 §2.2 lets a recipient take a
// lone LF for a line end). Nullopt until the blank line has arrived.
struct HeadEnd {
  std::size_t length;
  std::size_t terminator;
};
std::optional<HeadEnd> FindHeadEnd(std::string_view bytes);

// Whether the bytes waiting on a connection hold a whole request, or enough to answer it (a head
// too large, a body too large or of unknown length). `peeked` never exceeds `peek_size`.
bool RequestComplete(std::string_view peeked, std::size_t max_body, std::size_t peek_size);

// What makes `head` (the bytes before the blank line) not an RFC 9112 request head, or nullopt:
//   request-line = method SP request-target SP HTTP-version   (one space each, nothing after)
//   field-line   = field-name ":" OWS field-value OWS        (no space before the colon)
// Refused: a bare CR or a NUL anywhere, a line without a colon, obsolete line folding (a line
// that starts with a space or tab), control bytes in a value, a target with spaces or control or
// non-ASCII bytes, a version that is not HTTP/d.d. Empty lines before the request line are
// skipped (§2.2). The message names the offending line, made printable.
std::optional<std::string> RequestHeadError(std::string_view head);

// RFC 9112 framing a parsed request must have before anything acts on it; what is wrong, or
// nullopt. Ambiguous framing (two lengths, a length that is not a plain number, a length next to
// a transfer coding) is how requests are smuggled past a proxy: refused, and the connection
// closed. Also: exactly one Host on HTTP/1.1, at most one on 1.0, and a target that is a path.
std::optional<std::string> FramingError(const Poco::Net::HTTPRequest& request);

}  // namespace vigil::daemon::http
