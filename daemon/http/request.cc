#include "daemon/http/request.h"

#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>

#include <charconv>

#include "daemon/core/text.h"
#include "daemon/http/page.h"
#include "daemon/http/server.h"

namespace vigil::daemon::http {

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Poco::Dynamic::Var Time(core::WallTime t) {
  if (core::ToUnixMillis(t) == 0) return Poco::Dynamic::Var();  // never: null
  return core::FormatRfc3339(t);
}

Array::Ptr Strings(const std::vector<std::string>& v) {
  Array::Ptr a = new Array;
  for (const auto& s : v) a->add(s);
  return a;
}

const alerts::ProviderStatus& FindStatus(const StatusSnapshot& s, const std::string& name) {
  if (const alerts::ProviderStatus* p = s.Find(name)) return *p;
  throw HttpError{404, "not_found", "no provider named '" + name + "'"};
}

Query ParseQuery(const Poco::URI& uri, std::initializer_list<std::string> allowed) {
  Query q;
  Poco::URI::QueryParameters params;
  try {
    params = uri.getQueryParameters();
  } catch (const Poco::Exception& e) {
    throw HttpError{400, "bad_request", "malformed query string: " + e.message()};
  }
  for (const auto& [k, v] : params) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      throw HttpError{400, "bad_request", "unknown query parameter '" + k + "' (allowed: " +
                                              core::Join(std::vector<std::string>(allowed), ", ") + ")"};
    }
    if (q.count(k)) throw HttpError{400, "bad_request", "query parameter '" + k + "' given twice"};
    q[k] = v;
  }
  return q;
}

std::optional<core::WallTime> TimeParam(const Query& q, const std::string& key, core::WallTime now) {
  auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  std::optional<core::WallTime> t = ParseTimeFilter(it->second, now);
  if (!t) {
    throw HttpError{400, "bad_request", key + ": expected an RFC 3339 time, Unix seconds or a duration like 1h, got '" +
                                            core::Printable(it->second, 60) + "'"};
  }
  return t;
}

std::size_t LimitParam(const Query& q, std::size_t fallback) {
  auto it = q.find("limit");
  if (it == q.end()) return fallback;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || n == 0 || n > 1000) {
    throw HttpError{400, "bad_request", "limit: expected an integer from 1 to 1000, got '" + core::Printable(it->second, 40) + "'"};
  }
  return n;
}

bool TokenMatches(const std::string& header, const std::string& token) {
  const std::string prefix = "Bearer ";
  if (token.empty() || header.size() != prefix.size() + token.size() || header.compare(0, prefix.size(), prefix) != 0) {
    return false;
  }
  unsigned char diff = 0;  // constant time over the token
  for (std::size_t i = 0; i < token.size(); ++i) diff |= static_cast<unsigned char>(header[prefix.size() + i] ^ token[i]);
  return diff == 0;
}

void Request::Dispatch() {
  const auto& s = segments_;
  const std::size_t n = s.size();
  if (n == 0) return Route({"GET"}), ParseQuery(uri_, {}), SendHtml(resp_, RenderOverview(b_, summaries_));
  if (n == 2 && s[0] == "providers") return Route({"GET"}), ParseQuery(uri_, {}), SendHtml(resp_, RenderProviderPage(b_, s[1]));
  if (n == 1 && s[0] == "incidents") {
    Route({"GET"});
    return SendHtml(resp_, RenderIncidentsPage(b_, ParseQuery(uri_, {"provider", "page"})));
  }
  if (n == 2 && s[0] == "badge" && s[1].size() > 4 && s[1].ends_with(".svg")) {
    Route({"GET"});
    ParseQuery(uri_, {});
    return SendSvg(resp_, RenderStateBadge(b_, s[1].substr(0, s[1].size() - 4)), 30);
  }
  if (n == 3 && s[0] == "badge" && s[2] == "uptime.svg") {
    Route({"GET"});
    const Query q = ParseQuery(uri_, {"window"});
    const auto w = q.find("window");
    return SendSvg(resp_, RenderUptimeBadge(b_, s[1], w == q.end() ? "30d" : w->second), 300);
  }
  if (n == 1 && s[0] == "healthz") return Route({"GET"}), Json(200, [] { auto o = NewObject(); o->set("status", "ok"); return o; }());
  if (n == 1 && s[0] == "readyz") {
    Route({"GET"});
    const std::string why = b_.NotReadyReason();
    if (!why.empty()) throw HttpError{503, "not_ready", why};
    auto o = NewObject();
    o->set("status", "ready");
    return Json(200, o);
  }
  if (n == 1 && s[0] == "metrics") {
    Route({"GET"});
    const std::string text = b_.RenderMetrics();
    resp_.setContentType("text/plain; version=0.0.4; charset=utf-8");
    resp_.setContentLength(static_cast<std::streamsize>(text.size()));
    resp_.send() << text;
    return;
  }
  if (n >= 3 && s[0] == "api" && s[1] == "v1") {
    if (n == 3 && s[2] == "providers") return Route({"GET"}), Providers();
    if (n == 4 && s[2] == "providers") return Route({"GET"}), Provider(s[3]);
    if (n == 5 && s[2] == "providers" && s[4] == "results") return Route({"GET"}), Results(s[3]);
    if (n == 5 && s[2] == "providers" && s[4] == "probe") return Route({"POST"}), ProbeNow(s[3]);
    if (n == 6 && s[2] == "providers" && s[4] == "baseline" && s[5] == "reset") return Route({"POST"}), ResetBaseline(s[3]);
    if (n == 3 && s[2] == "incidents") return Route({"GET"}), Incidents();
    if (n == 3 && s[2] == "deliveries") return Route({"GET"}), Deliveries();
    if (n == 3 && s[2] == "silences") {
      Route({"GET", "POST"});
      return req_.getMethod() == "POST" ? CreateSilence() : Silences();
    }
    if (n == 4 && s[2] == "silences") return Route({"DELETE"}), DeleteSilence(s[3]);
  }
  throw HttpError{404, "not_found", "no route for " + core::Printable(uri_.getPath(), 100)};
}

Object::Ptr Request::ReadJsonObject() {
  std::string text;
  Poco::StreamCopier::copyToString(req_.stream(), text);
  try {
    Poco::Dynamic::Var v = Poco::JSON::Parser().parse(text);
    if (v.type() == typeid(Object::Ptr)) return v.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw HttpError{400, "bad_request", "the body is not JSON: " + core::Printable(e.message(), 120)};
  }
  throw HttpError{400, "bad_request", "the body must be a JSON object"};
}

}  // namespace vigil::daemon::http
