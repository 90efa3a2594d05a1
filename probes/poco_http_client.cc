#include "probes/poco_http_client.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>
#include <openssl/x509_vfy.h>

#include <charconv>
#include <csignal>
#include <mutex>
#include <optional>

#include "daemon/core/duration.h"
#include "daemon/core/text.h"
#include "daemon/core/version.h"

namespace vigil::probes {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

Poco::Timespan Remaining(core::SteadyTime deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  return Poco::Timespan(std::max<int64_t>(left.count(), 1000));
}

// "timed out <this>", "connection reset <this>"
const char* DuringPhase(const std::string& phase) {
  if (phase == "dns") return "while resolving the host name";
  if (phase == "connect") return "while connecting";
  if (phase == "tls") return "during the TLS handshake";
  if (phase == "ttfb") return "while waiting for the response";
  return "while reading the body";
}

// Records the time spent in the phase where the exchange stopped.
void RecordPhase(Phases& p, const std::string& phase, double ms) {
  if (phase == "dns") p.dns_ms = ms;
  else if (phase == "connect") p.connect_ms = ms;
  else if (phase == "tls") p.tls_ms = ms;
  else if (phase == "ttfb") p.ttfb_ms = ms;
  else p.transfer_ms = ms;
}

// Poco's HTTPClientSession with its buffered reads exposed: Poco's own chunked decoder ends
// the body silently on a malformed chunk or a connection closed mid-chunk, so a truncated
// body would look complete. Vigil decodes chunked bodies strictly instead (ReadChunked).
class ProbeSession final : public Poco::Net::HTTPClientSession {
 public:
  using HTTPClientSession::HTTPClientSession;
  int Get() { return get(); }
  int Read(char* buffer, std::streamsize length) { return read(buffer, length); }
};

constexpr std::size_t kMaxChunkLine = 4096;

// Reads one line (without CR LF); false at end of stream or when the line is too long.
bool ReadLine(ProbeSession& s, std::string& line) {
  line.clear();
  for (;;) {
    const int ch = s.Get();
    if (ch == std::char_traits<char>::eof()) return false;
    if (ch == '\n') break;
    if (line.size() >= kMaxChunkLine) return false;
    line += static_cast<char>(ch);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// RFC 9112 §7.1 chunked body into `out`, at most `max_body` bytes. Returns "" when the body
// ended properly (or was cut at max_body), else why it is malformed or incomplete.
std::string ReadChunked(ProbeSession& s, std::size_t max_body, std::string& out, bool& truncated) {
  std::string line;
  for (;;) {
    if (!ReadLine(s, line)) return "connection closed before the end of the chunked body";
    const std::string size_text(core::Trim(line.substr(0, line.find(';'))));
    std::size_t size = 0;
    const auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || size_text.size() > 15 || ec != std::errc() || end != size_text.data() + size_text.size()) {
      return "malformed chunked body: invalid chunk size \"" + core::Printable(line, 40) + "\"";
    }
    if (size == 0) {
      while (ReadLine(s, line) && !line.empty()) {  // trailer fields
      }
      return "";
    }
    while (size > 0) {
      if (out.size() >= max_body) {
        truncated = true;
        return "";
      }
      char buf[16384];
      const auto want = static_cast<std::streamsize>(std::min({size, sizeof buf, max_body - out.size()}));
      const int n = s.Read(buf, want);
      if (n <= 0) return "connection closed in the middle of a chunk";
      out.append(buf, static_cast<std::size_t>(n));
      size -= static_cast<std::size_t>(n);
    }
    if (!ReadLine(s, line) || !line.empty()) return "malformed chunked body: chunk not followed by CRLF";
  }
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

void Fail(HttpResponse& out, TransportError kind, const std::string& phase, std::string message) {
  out.error = kind;
  out.error_phase = phase;
  out.error_message = core::Printable(message, 300);
}

void FailTimeout(HttpResponse& out, const std::string& phase, core::Millis timeout, std::size_t got) {
  std::string msg = "no complete response within " + core::FormatDuration(timeout) + ": timed out " +
                    DuringPhase(phase);
  if (phase == "transfer") msg += " (" + core::FormatBytes(got) + " received)";
  Fail(out, TransportError::kTimeout, phase, msg);
}

// A TLS failure, described by what OpenSSL's verify callback saw when it has something.
void FailTls(HttpResponse& out, const std::string& detail) {
  const TlsVerifyCapture& capture = TlsVerifyCapture::ForThisThread();
  if (capture.error != X509_V_OK) {
    std::string msg = "TLS certificate verification failed: " + DescribeVerifyError(capture.error);
    if (capture.error == X509_V_ERR_CERT_HAS_EXPIRED && capture.leaf_not_after && capture.depth == 0) {
      msg += " (notAfter " + core::FormatRfc3339(*capture.leaf_not_after) + ")";
    } else if (capture.depth > 0) {
      msg += " (at chain depth " + std::to_string(capture.depth) + ")";
    }
    Fail(out, TransportError::kTls, "tls", msg);
  } else {
    Fail(out, TransportError::kTls, "tls", "TLS handshake failed: " + detail);
  }
}

void IgnoreSigpipe() {
  static std::once_flag once;
  // OpenSSL and Poco write with plain send(); a peer that hung up must give EPIPE, not kill us.
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (core::EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

PocoHttpClient::PocoHttpClient() { IgnoreSigpipe(); }

void PocoHttpClient::AbortAll() {
  aborted_ = true;
  resolver_.AbortAll();
  deadlines_.FireAll();
}

HttpResponse PocoHttpClient::Execute(const HttpRequest& request) {
  const Clock::time_point start = Clock::now();
  const core::SteadyTime deadline = start + request.timeout;
  Hop hop{request.method, request.url, &request.headers, &request.body, false};
  std::string origin;
  HttpResponse out;
  if (aborted_) {
    out.error = TransportError::kNetwork;
    out.error_phase = "connect";
    out.error_message = "not sent: the daemon is stopping";
    return out;
  }
  Phases sum;
  for (int redirects = 0;; ++redirects) {
    out = HttpResponse();
    ExecuteHop(hop, request, deadline, out);
    sum.dns_ms += out.phases.dns_ms;
    sum.connect_ms += out.phases.connect_ms;
    sum.tls_ms += out.phases.tls_ms;
    sum.ttfb_ms += out.phases.ttfb_ms;
    sum.transfer_ms += out.phases.transfer_ms;
    out.redirects = redirects;
    const std::string* location = out.Header("Location");
    if (out.error != TransportError::kNone || !IsRedirect(out.status) || location == nullptr ||
        redirects >= request.max_redirects) {
      break;
    }
    try {
      Poco::URI next(Poco::URI(hop.url), *location);
      if (next.getScheme() != "http" && next.getScheme() != "https") {
        Fail(out, TransportError::kNetwork, "ttfb", "redirect to an unsupported URL: " + *location);
        break;
      }
      const Poco::URI prev(hop.url);
      hop.strip_credentials |= next.getHost() != prev.getHost() || next.getScheme() != prev.getScheme() ||
                               next.getPort() != prev.getPort();
      hop.url = next.toString();
    } catch (const Poco::Exception& e) {
      Fail(out, TransportError::kNetwork, "ttfb", "invalid redirect Location: " + e.message());
      break;
    }
    if (out.status == 303) {
      static const std::string kEmpty;
      hop.method = "GET";
      hop.body = &kEmpty;
    }
  }
  out.phases = sum;
  out.phases.total_ms = MillisSince(start);
  return out;
}

void PocoHttpClient::ExecuteHop(const Hop& hop, const HttpRequest& request,
                                core::SteadyTime deadline, HttpResponse& out) {
  std::string phase = "dns";
  std::size_t received = 0;
  Clock::time_point t = Clock::now();  // start of the current phase
  TlsVerifyCapture::ForThisThread().Reset();
  // Whatever way this hop ends, the phase it ended in gets the time it took.
  struct PhaseTimer {
    HttpResponse& out;
    const std::string& phase;
    const Clock::time_point& t;
    ~PhaseTimer() {
      if (out.error != TransportError::kNone) RecordPhase(out.phases, phase, MillisSince(t));
    }
  } timer{out, phase, t};
  try {
    const Poco::URI uri(hop.url);
    const bool https = uri.getScheme() == "https";
    const std::string host = uri.getHost();
    const Poco::UInt16 port = uri.getPort();

    std::vector<Poco::Net::IPAddress> addresses;
    Poco::Net::IPAddress literal;
    if (Poco::Net::IPAddress::tryParse(host, literal)) {
      addresses.push_back(literal);
    } else {
      Resolver::Answer answer = resolver_.Resolve(host, deadline);
      out.phases.dns_ms = MillisSince(t);
      if (answer.status == Resolver::Status::kTimeout) return FailTimeout(out, phase, request.timeout, 0);
      if (answer.status != Resolver::Status::kOk) {
        return Fail(out, TransportError::kNetwork, phase, answer.message);
      }
      addresses = std::move(answer.addresses);
    }

    phase = "connect";
    t = Clock::now();
    // Destruction runs in reverse: the guard is disarmed before any socket can be closed.
    std::optional<Poco::Net::StreamSocket> socket;
    std::optional<Poco::Net::SecureStreamSocket> secure;
    std::optional<ProbeSession> session;
    std::optional<SocketDeadlines::Guard> guard;
    std::string connect_error;
    for (const auto& address : addresses) {
      if (Clock::now() >= deadline) break;
      const Poco::Net::SocketAddress target(address, port);
      guard.reset();
      socket.emplace(target.family());
      try {
        // A blocking connect bounded by SO_SNDTIMEO (Linux honours it for connect) and by the
        // watchdog: Poco's timed connect costs a non-blocking dance and an epoll set per call.
        socket->setSendTimeout(Remaining(deadline));
        socket->setReceiveTimeout(Remaining(deadline));
        socket->setNoDelay(true);
        guard.emplace(deadlines_, socket->impl()->sockfd(), deadline);
        socket->connect(target);
        out.remote_address = target.toString();
        connect_error.clear();
        break;
      } catch (const Poco::Net::ConnectionRefusedException&) {
        connect_error = "connection refused";
      } catch (const Poco::Exception& e) {
        connect_error = Clock::now() >= deadline ? "" : e.displayText();
      }
      guard.reset();
      socket.reset();
    }
    out.phases.connect_ms = MillisSince(t);
    if (!socket) {
      if (connect_error.empty()) return FailTimeout(out, phase, request.timeout, 0);
      return Fail(out, TransportError::kNetwork, phase,
                  "cannot connect to " + host + ":" + std::to_string(port) + ": " + connect_error);
    }

    if (https) {
      phase = "tls";
      t = Clock::now();
      core::Result<Poco::Net::Context::Ptr> ctx = tls_.Get(host, request.tls);
      if (!ctx.ok()) return Fail(out, TransportError::kTls, phase, ctx.message());
      secure = Poco::Net::SecureStreamSocket::attach(*socket, host, *ctx);
      if (!secure->havePeerCertificate()) {
        // The handshake did not finish within the socket timeout (G-TLS-2): never go on.
        if (Clock::now() >= deadline) return FailTimeout(out, phase, request.timeout, 0);
        return FailTls(out, "the handshake did not complete");
      }
      const TlsVerifyCapture& capture = TlsVerifyCapture::ForThisThread();
      out.cert_not_after = capture.leaf_not_after;
      if (!out.cert_not_after) {
        out.cert_not_after = std::chrono::system_clock::from_time_t(
            secure->peerCertificate().expiresOn().timestamp().epochTime());
      }
      out.phases.tls_ms = MillisSince(t);
      session.emplace(*secure);
    } else {
      session.emplace(*socket);
    }

    phase = "ttfb";
    t = Clock::now();
    Poco::Net::HTTPRequest req(hop.method, uri.getPathEtc().empty() ? "/" : uri.getPathEtc(),
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost(host, port);
    for (const auto& [name, value] : *hop.headers) {
      const std::string& field = name;  // clang 14 cannot capture a structured binding
      const auto is = [&](const std::string& n) { return core::EqualsIgnoreCase(field, n); };
      if (hop.strip_credentials && (is("Authorization") || is("Cookie") ||
                                    std::any_of(request.credential_headers.begin(), request.credential_headers.end(), is))) {
        continue;
      }
      req.add(name, value);
    }
    if (!req.has("User-Agent")) req.set("User-Agent", core::UserAgent());
    if (!req.has("Accept")) req.set("Accept", "*/*");
    if (!hop.body->empty() || hop.method == "POST" || hop.method == "PUT" || hop.method == "PATCH") {
      req.setContentLength(static_cast<std::streamsize>(hop.body->size()));
    }
    std::ostream& os = session->sendRequest(req);
    os << *hop.body;
    Poco::Net::HTTPResponse resp;
    std::istream& is = session->receiveResponse(resp);
    out.phases.ttfb_ms = MillisSince(t);
    out.status = static_cast<int>(resp.getStatus());
    out.reason = resp.getReason();
    for (const auto& [name, value] : resp) out.headers.emplace_back(name, value);

    phase = "transfer";
    t = Clock::now();
    if (resp.getChunkedTransferEncoding() && hop.method != "HEAD") {
      const std::string problem = ReadChunked(*session, request.max_body, out.body, out.body_truncated);
      received = out.body.size();
      if (!problem.empty()) {
        if (guard->fired() || Clock::now() >= deadline) return FailTimeout(out, phase, request.timeout, received);
        return Fail(out, TransportError::kNetwork, phase, problem);
      }
    } else {
      is.exceptions(std::ios::badbit);
      char buf[16384];
      while (out.body.size() <= request.max_body) {
        const std::size_t want = std::min(sizeof buf, request.max_body + 1 - out.body.size());
        is.read(buf, static_cast<std::streamsize>(want));
        const auto n = static_cast<std::size_t>(is.gcount());
        if (n == 0) break;
        out.body.append(buf, n);
        received = out.body.size();
      }
      if (out.body.size() > request.max_body) {
        out.body.resize(request.max_body);
        out.body_truncated = true;
      }
    }
    out.phases.transfer_ms = MillisSince(t);
    if (out.body_truncated) {
      // Cut at max_body on purpose; the rest was never read.
    } else if (guard->fired() || Clock::now() >= deadline) {
      // The watchdog shut the socket: what looked like the end of the body was our own cut.
      return FailTimeout(out, phase, request.timeout, received);
    } else if (resp.hasContentLength() && hop.method != "HEAD" &&
               static_cast<std::streamsize>(out.body.size()) < resp.getContentLength()) {
      return Fail(out, TransportError::kNetwork, phase,
                  "connection closed after " + std::to_string(out.body.size()) + " of " +
                      std::to_string(resp.getContentLength()) + " body bytes");
    }
  } catch (const Poco::TimeoutException&) {
    FailTimeout(out, phase, request.timeout, received);
  } catch (const Poco::Exception& e) {
    if (Clock::now() >= deadline) return FailTimeout(out, phase, request.timeout, received);
    if (TlsVerifyCapture::ForThisThread().client_cert_requested) {
      return Fail(out, TransportError::kTls, phase,
                  "the server asked for a client certificate (mTLS) and none is configured; it ended the "
                  "connection: " + e.displayText());
    }
    if (phase == "tls" || dynamic_cast<const Poco::Net::SSLException*>(&e)) return FailTls(out, e.displayText());
    if (dynamic_cast<const Poco::Net::NoMessageException*>(&e)) {
      return Fail(out, TransportError::kNetwork, phase, "the server closed the connection without a response");
    }
    if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&e)) {
      return Fail(out, TransportError::kNetwork, phase,
                  std::string("connection reset by peer ") + DuringPhase(phase));
    }
    if (dynamic_cast<const Poco::Net::MessageException*>(&e)) {
      return Fail(out, TransportError::kNetwork, phase, "malformed HTTP response: " + e.message());
    }
    Fail(out, TransportError::kNetwork, phase, "failed " + std::string(DuringPhase(phase)) + ": " + e.displayText());
  } catch (const std::exception& e) {
    if (Clock::now() >= deadline) return FailTimeout(out, phase, request.timeout, received);
    Fail(out, TransportError::kNetwork, phase, "failed " + std::string(DuringPhase(phase)) + ": " + e.what());
  }
}

}  // namespace vigil::probes
