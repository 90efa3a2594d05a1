#include "daemon/http/api.h"

#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <charconv>
#include <cmath>
#include <map>

#include "alerts/event.h"
#include "alerts/health_json.h"
#include "daemon/core/duration.h"
#include "daemon/core/text.h"
#include "daemon/http/page.h"
#include "daemon/http/server.h"
#include "probes/result_json.h"

namespace vigil::daemon::http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Query = std::map<std::string, std::string>;

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

// A request failure that the dispatcher turns into a JSON error.
struct HttpError {
  int status;
  std::string code;
  std::string detail;
};

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

class Request {
 public:
  Request(ApiBackend& backend, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp)
      : b_(backend), req_(req), resp_(resp), uri_(req.getURI()), segments_(core::Split(uri_.getPath(), '/')) {
    segments_.erase(segments_.begin());  // the empty string before the leading '/'
    if (!segments_.empty() && segments_.back().empty()) segments_.pop_back();
  }

  void Dispatch();

 private:
  void Route(std::initializer_list<const char*> methods) {
    for (const char* m : methods) {
      if (req_.getMethod() == m || (req_.getMethod() == "HEAD" && std::string(m) == "GET")) return;
    }
    std::vector<std::string> allow(methods.begin(), methods.end());
    resp_.set("Allow", core::Join(allow, ", "));
    throw HttpError{405, "method_not_allowed", req_.getMethod() + " is not allowed here (allowed: " + core::Join(allow, ", ") + ")"};
  }
  void RequireToken() {
    const std::string& token = b_.config()->server.api_token;
    if (token.empty()) throw HttpError{401, "unauthorized", "writes are disabled: set server.api_token in the config"};
    if (!TokenMatches(req_.get("Authorization", ""), token)) {
      resp_.set("WWW-Authenticate", "Bearer realm=\"vigil\"");
      throw HttpError{401, "unauthorized", "a valid 'Authorization: Bearer <api_token>' header is required"};
    }
  }
  void Json(int status, const Poco::Dynamic::Var& body) { SendJson(resp_, status, probes::ToJsonText(body)); }

  void Providers();
  void Provider(const std::string& name);
  void Results(const std::string& name);
  void Incidents();
  void ProbeNow(const std::string& name);
  Object::Ptr CheckView(const config::ProviderConfig& p, const alerts::CheckStatus& c);
  Object::Ptr QuotaView(const alerts::ProviderStatus& st);
  void ResetBaseline(const std::string& name);
  void Deliveries();
  void Silences();
  void CreateSilence();
  void DeleteSilence(const std::string& id);
  Object::Ptr ReadJsonObject();
  // The provider's state as the API shows it: "maintenance" while a window covers it.
  std::string StateOf(const config::Config& config, const alerts::ProviderStatus& st, Object& o);

  ApiBackend& b_;
  Poco::Net::HTTPServerRequest& req_;
  Poco::Net::HTTPServerResponse& resp_;
  Poco::URI uri_;
  std::vector<std::string> segments_;
};

void Request::Dispatch() {
  const auto& s = segments_;
  const std::size_t n = s.size();
  if (n == 0) return Route({"GET"}), SendHtml(resp_, RenderStatusPage(*b_.config(), *b_.status(), b_.Now()));
  if (n == 2 && s[0] == "providers") {
    Route({"GET"});
    const auto snapshot = b_.status();
    return SendHtml(resp_, RenderProviderPage(*b_.config(), FindStatus(*snapshot, s[1]), b_.Now()));
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

void Request::Providers() {
  ParseQuery(uri_, {});
  const auto config = b_.config();
  Array::Ptr list = new Array;
  const auto snapshot = b_.status();
  for (const auto& entry : snapshot->providers) {
    const alerts::ProviderStatus& st = *entry;
    const config::ProviderConfig* p = config->FindProvider(st.name);
    if (!p) continue;
    auto o = NewObject();
    o->set("name", st.name);
    o->set("title", p->title);
    o->set("state", StateOf(*config, st, *o));
    o->set("since", Time(st.since));
    o->set("recommended", st.recommended);
    o->set("tags", Strings(p->tags));
    list->add(o);
  }
  auto body = NewObject();
  body->set("providers", list);
  auto inst = NewObject();
  inst->set("name", config->instance.name);
  inst->set("region", config->instance.region);
  body->set("instance", inst);
  const std::string offline = b_.OfflineReason();
  auto monitor = NewObject();
  monitor->set("offline", !offline.empty());
  monitor->set("reason", offline.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(offline));
  body->set("monitor", monitor);
  body->set("generated_at", core::FormatRfc3339(b_.Now()));
  Json(200, body);
}

Object::Ptr Request::CheckView(const config::ProviderConfig& p, const alerts::CheckStatus& c) {
  auto o = NewObject();
  o->set("name", c.name);
  o->set("state", alerts::HealthStateName(c.state));
  o->set("since", Time(c.since));
  if (const config::CheckConfig* cfg = p.FindCheck(c.name)) {
    o->set("interval_s", static_cast<double>(cfg->interval.count()) / 1000.0);
  }
  o->set("last_result", c.last ? Poco::Dynamic::Var(probes::ResultToJson(*c.last)) : Poco::Dynamic::Var());
  auto latency = NewObject();
  core::Result<std::vector<double>> samples = b_.store().Latencies(p.name, c.name, b_.Now() - std::chrono::hours(1));
  if (!samples.ok()) throw HttpError{503, "store_unavailable", samples.message()};
  for (auto [name, q] : {std::pair{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}}) {
    const std::optional<double> v = Quantile(*samples, q);
    latency->set(name, v ? Poco::Dynamic::Var(std::round(*v * 1000) / 1000) : Poco::Dynamic::Var());
  }
  latency->set("samples", samples->size());
  o->set("latency_ms_1h", latency);
  return o;
}

// The latest reading of every budget the provider's responses reported, and any throttle.
Object::Ptr Request::QuotaView(const alerts::ProviderStatus& st) {
  // The quota model's reports, and after a restart (before new ones) the stored last results'.
  std::map<std::string, std::pair<core::WallTime, const probes::quota::Budget*>> latest;
  const auto note = [&](core::WallTime at, const probes::quota::Budget& b) {
    auto it = latest.find(b.dimension);
    if (it == latest.end() || at > it->second.first) latest[b.dimension] = {at, &b};
  };
  const std::vector<probes::quota::ObservedBudget> observed = b_.QuotaBudgets(st.name);
  for (const auto& o : observed) note(o.at, o.budget);
  for (const auto& c : st.checks) {
    if (!c.last) continue;
    for (const auto& b : c.last->budgets) note(c.last->time, b);
  }
  Array::Ptr budgets = new Array;
  for (const auto& [dimension, entry] : latest) {
    Object::Ptr b = probes::BudgetToJson(*entry.second);
    b->set("observed_at", core::FormatRfc3339(entry.first));
    budgets->add(b);
  }
  auto o = NewObject();
  o->set("budgets", budgets);
  const std::optional<probes::quota::Throttle> t = b_.QuotaThrottle(st.name);
  o->set("probing_slowed_until", t ? Poco::Dynamic::Var(core::FormatRfc3339(t->until)) : Poco::Dynamic::Var());
  o->set("probing_slowed_because", t ? Poco::Dynamic::Var(t->reason) : Poco::Dynamic::Var());
  return o;
}

void Request::Provider(const std::string& name) {
  ParseQuery(uri_, {});
  const auto config = b_.config();
  const auto snapshot = b_.status();
  const alerts::ProviderStatus& st = FindStatus(*snapshot, name);
  const config::ProviderConfig& p = *config->FindProvider(name);
  auto o = NewObject();
  o->set("name", st.name);
  o->set("title", p.title);
  o->set("state", StateOf(*config, st, *o));
  o->set("since", Time(st.since));
  o->set("reasons", alerts::ReasonsToJson(st.reasons));
  o->set("depends_on", Strings(p.depends_on));
  o->set("recommended", st.recommended);
  o->set("fallback", Strings(p.fallback));
  o->set("tags", Strings(p.tags));
  Array::Ptr checks = new Array;
  std::optional<core::WallTime> cert, credential;
  const auto earliest = [](std::optional<core::WallTime>& acc, const std::optional<core::WallTime>& t) {
    if (t && (!acc || *t < *acc)) acc = t;
  };
  for (const auto& c : st.checks) {
    checks->add(CheckView(p, c));
    if (c.last) {
      earliest(cert, c.last->cert_not_after);
      earliest(credential, c.last->credential_not_after);
    }
  }
  o->set("checks", checks);
  auto uptime = NewObject();
  for (auto [label, hours] : {std::pair{"24h", 24}, {"7d", 24 * 7}, {"30d", 24 * 30}, {"90d", 24 * 90}}) {
    core::Result<storage::Uptime> u = b_.store().UptimeSince(name, b_.Now() - std::chrono::hours(hours));
    if (!u.ok()) throw HttpError{503, "store_unavailable", u.message()};
    uptime->set(label, u->total ? Poco::Dynamic::Var(static_cast<double>(u->up) / static_cast<double>(u->total)) : Poco::Dynamic::Var());
  }
  o->set("uptime", uptime);
  const auto expiry = [&](const std::optional<core::WallTime>& t) -> Poco::Dynamic::Var {
    if (!t) return Poco::Dynamic::Var();
    auto e = NewObject();
    e->set("not_after", core::FormatRfc3339(*t));
    e->set("days_left", std::floor(std::chrono::duration<double>(*t - b_.Now()).count() / 86400.0));
    return e;
  };
  o->set("quota", QuotaView(st));
  o->set("certificate", expiry(cert));        // the server's TLS certificate
  o->set("credentials", expiry(credential));  // API key, JWT, client certificate or OAuth2 token
  Json(200, o);
}

void Request::Results(const std::string& name) {
  const Query q = ParseQuery(uri_, {"check", "since", "until", "limit"});
  const auto config = b_.config();
  const config::ProviderConfig* p = config->FindProvider(name);
  if (!p) throw HttpError{404, "not_found", "no provider named '" + name + "'"};
  storage::ResultQuery rq;
  rq.provider = name;
  if (auto it = q.find("check"); it != q.end()) {
    if (!p->FindCheck(it->second)) throw HttpError{404, "not_found", "provider '" + name + "' has no check '" + core::Printable(it->second, 60) + "'"};
    rq.check = it->second;
  }
  rq.since = TimeParam(q, "since", b_.Now());
  rq.until = TimeParam(q, "until", b_.Now());
  rq.limit = LimitParam(q, 100);
  core::Result<std::vector<storage::StoredResult>> rows = b_.store().Results(rq);
  if (!rows.ok()) throw HttpError{503, "store_unavailable", rows.message()};
  Array::Ptr list = new Array;
  for (const auto& r : *rows) {
    Object::Ptr o = probes::ResultToJson(r.result);
    o->set("id", r.id);
    list->add(o);
  }
  auto body = NewObject();
  body->set("provider", name);
  body->set("results", list);
  Json(200, body);
}

void Request::Incidents() {
  const Query q = ParseQuery(uri_, {"provider", "since", "limit"});
  storage::IncidentQuery iq;
  if (auto it = q.find("provider"); it != q.end()) {
    if (!b_.config()->FindProvider(it->second)) throw HttpError{404, "not_found", "no provider named '" + core::Printable(it->second, 60) + "'"};
    iq.provider = it->second;
  }
  iq.since = TimeParam(q, "since", b_.Now());
  iq.limit = LimitParam(q, 100);
  core::Result<std::vector<storage::StoredIncident>> rows = b_.store().Incidents(iq);
  if (!rows.ok()) throw HttpError{503, "store_unavailable", rows.message()};
  Array::Ptr list = new Array;
  for (const auto& inc : *rows) {
    auto o = NewObject();
    o->set("id", inc.id);
    o->set("provider", inc.provider);
    o->set("state", alerts::HealthStateName(inc.state));
    o->set("started", core::FormatRfc3339(inc.started));
    o->set("ended", inc.ended ? Poco::Dynamic::Var(core::FormatRfc3339(*inc.ended)) : Poco::Dynamic::Var());
    o->set("ongoing", !inc.ended.has_value());
    o->set("duration_s", std::chrono::duration<double>(inc.ended.value_or(b_.Now()) - inc.started).count());
    o->set("reasons", alerts::ReasonsToJson(inc.reasons));
    Array::Ptr transitions = new Array;
    for (const auto& t : inc.transitions) {
      auto to = NewObject();
      to->set("from", alerts::HealthStateName(t.from));
      to->set("to", alerts::HealthStateName(t.to));
      to->set("at", core::FormatRfc3339(t.at));
      to->set("reasons", alerts::ReasonsToJson(t.reasons));
      transitions->add(to);
    }
    o->set("transitions", transitions);
    list->add(o);
  }
  auto body = NewObject();
  body->set("incidents", list);
  Json(200, body);
}

void Request::ResetBaseline(const std::string& name) {
  RequireToken();
  const Query q = ParseQuery(uri_, {"check"});
  const auto config = b_.config();
  const config::ProviderConfig* p = config->FindProvider(name);
  if (!p) throw HttpError{404, "not_found", "no provider named '" + name + "'"};
  std::string check;
  if (auto it = q.find("check"); it != q.end()) {
    if (!p->FindCheck(it->second)) throw HttpError{404, "not_found", "provider '" + name + "' has no check '" + core::Printable(it->second, 60) + "'"};
    check = it->second;
  }
  b_.ResetBaseline(name, check);
  auto body = NewObject();
  body->set("provider", name);
  body->set("check", check.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(check));
  body->set("reset", true);
  Json(200, body);
}

void Request::ProbeNow(const std::string& name) {
  RequireToken();
  ParseQuery(uri_, {});
  if (!b_.config()->FindProvider(name)) throw HttpError{404, "not_found", "no provider named '" + name + "'"};
  auto body = NewObject();
  body->set("provider", name);
  body->set("started", Strings(b_.ProbeNow(name)));
  Json(202, body);
}

std::string Request::StateOf(const config::Config& config, const alerts::ProviderStatus& st, Object& o) {
  const core::WallTime now = b_.Now();
  for (const auto& m : config.maintenance) {
    if (!config::AppliesTo(m.window, st.name)) continue;
    if (const std::optional<core::WallTime> end = config::CurrentWindowEnd(m.window, now)) {
      auto w = NewObject();
      w->set("until", core::FormatRfc3339(*end));
      w->set("reason", m.reason);
      w->set("health", alerts::HealthStateName(st.state));  // what the probes see meanwhile
      o.set("maintenance", w);
      return alerts::HealthStateName(alerts::HealthState::kMaintenance);
    }
  }
  return alerts::HealthStateName(st.state);
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

Object::Ptr AttemptJson(const alerts::DeliveryAttempt& a) {
  auto o = NewObject();
  o->set("time", core::FormatRfc3339(a.at));
  o->set("outcome", alerts::AttemptOutcomeName(a.outcome));
  o->set("via", a.via.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(a.via));
  o->set("status_code", a.status_code == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(a.status_code));
  o->set("error", a.error.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(a.error));
  o->set("duration_ms", std::round(a.duration_ms * 1000) / 1000);
  o->set("next_retry", a.next_retry ? Poco::Dynamic::Var(core::FormatRfc3339(*a.next_retry)) : Poco::Dynamic::Var());
  return o;
}

void Request::Deliveries() {
  const Query q = ParseQuery(uri_, {"notifier", "provider", "since", "limit"});
  const auto config = b_.config();
  alerts::DeliveryQuery dq;
  if (auto it = q.find("notifier"); it != q.end()) dq.notifier = it->second;
  if (auto it = q.find("provider"); it != q.end()) dq.provider = it->second;
  dq.since = TimeParam(q, "since", b_.Now());
  dq.limit = LimitParam(q, 100);
  core::Result<std::vector<alerts::DeliveryRecord>> rows = b_.alert_store().Deliveries(dq);
  if (!rows.ok()) throw HttpError{503, "store_unavailable", rows.message()};
  Array::Ptr list = new Array;
  for (const auto& r : *rows) {
    auto o = NewObject();
    o->set("id", r.id);
    o->set("event_id", r.event_id);
    o->set("notifier", r.notifier);
    o->set("via", r.via.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.via));
    o->set("provider", r.provider);
    o->set("type", alerts::EventTypeName(r.type));
    o->set("status", alerts::DeliveryStatusName(r.status));
    o->set("reason", r.reason.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.reason));
    o->set("created", core::FormatRfc3339(r.created));
    o->set("next_attempt", r.next_attempt ? Poco::Dynamic::Var(core::FormatRfc3339(*r.next_attempt)) : Poco::Dynamic::Var());
    o->set("done", r.done ? Poco::Dynamic::Var(core::FormatRfc3339(*r.done)) : Poco::Dynamic::Var());
    Array::Ptr attempts = new Array;
    for (const auto& a : r.attempts) attempts->add(AttemptJson(a));
    o->set("attempts", attempts);
    list->add(o);
  }
  auto body = NewObject();
  body->set("deliveries", list);
  Json(200, body);
}

Object::Ptr SilenceJson(const alerts::Silence& s, core::WallTime now) {
  auto o = NewObject();
  o->set("id", s.id);
  o->set("providers", Strings(s.providers));
  o->set("tags", Strings(s.tags));
  o->set("starts_at", core::FormatRfc3339(s.starts));
  o->set("ends_at", core::FormatRfc3339(s.ends));
  o->set("state", s.Active(now) ? "active" : s.ends <= now ? "expired" : "pending");
  o->set("comment", s.comment);
  o->set("created_by", s.created_by);
  o->set("created_at", core::FormatRfc3339(s.created));
  return o;
}

void Request::Silences() {
  const Query q = ParseQuery(uri_, {"since"});
  const core::WallTime now = b_.Now();
  core::Result<std::vector<alerts::Silence>> rows = b_.alert_store().LoadSilences(TimeParam(q, "since", now).value_or(now));
  if (!rows.ok()) throw HttpError{503, "store_unavailable", rows.message()};
  Array::Ptr list = new Array;
  for (const auto& s : *rows) list->add(SilenceJson(s, now));
  auto body = NewObject();
  body->set("silences", list);
  Json(200, body);
}

void Request::CreateSilence() {
  RequireToken();
  ParseQuery(uri_, {});
  const Object::Ptr in = ReadJsonObject();
  static const std::vector<std::string> kKeys = {"providers", "tags", "starts_at", "ends_at", "duration", "comment", "created_by"};
  for (const auto& [key, value] : *in) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      throw HttpError{400, "bad_request", "unknown field '" + core::Printable(key, 40) + "' (allowed: " + core::Join(kKeys, ", ") + ")"};
    }
  }
  const auto strings = [&](const char* key) {
    std::vector<std::string> out;
    if (!in->has(key)) return out;
    Array::Ptr a = in->getArray(key);
    if (!a) throw HttpError{400, "bad_request", std::string(key) + ": expected an array of strings"};
    for (std::size_t i = 0; i < a->size(); ++i) {
      const Poco::Dynamic::Var v = a->get(static_cast<unsigned>(i));
      if (!v.isString()) throw HttpError{400, "bad_request", std::string(key) + ": expected an array of strings"};
      out.push_back(v.toString());
    }
    return out;
  };
  const auto text = [&](const char* key) -> std::optional<std::string> {
    if (!in->has(key)) return std::nullopt;
    const Poco::Dynamic::Var v = in->get(key);
    if (!v.isString()) throw HttpError{400, "bad_request", std::string(key) + ": expected a string"};
    return v.toString();
  };
  const auto config = b_.config();
  const core::WallTime now = b_.Now();
  alerts::Silence s;
  s.providers = strings("providers");
  s.tags = strings("tags");
  if (s.providers.empty() && s.tags.empty()) throw HttpError{400, "bad_request", "name at least one provider or tag"};
  for (const auto& p : s.providers) {
    if (!config->FindProvider(p)) throw HttpError{400, "bad_request", "providers: unknown provider '" + core::Printable(p, 60) + "'"};
  }
  s.starts = now;
  if (auto v = text("starts_at")) {
    const std::optional<core::WallTime> t = ParseTimeFilter(*v, now);
    if (!t) throw HttpError{400, "bad_request", "starts_at: expected an RFC 3339 time"};
    s.starts = *t;
  }
  const auto ends = text("ends_at");
  const auto duration = text("duration");
  if (ends.has_value() == duration.has_value()) throw HttpError{400, "bad_request", "give exactly one of ends_at and duration"};
  if (ends) {
    const std::optional<core::WallTime> t = ParseTimeFilter(*ends, now);
    if (!t) throw HttpError{400, "bad_request", "ends_at: expected an RFC 3339 time"};
    s.ends = *t;
  } else {
    core::Result<core::Millis> d = core::ParseDuration(*duration);
    if (!d.ok()) throw HttpError{400, "bad_request", "duration: " + d.message()};
    s.ends = s.starts + *d;
  }
  if (s.ends <= s.starts || s.ends <= now) throw HttpError{400, "bad_request", "the silence must end after it starts, and in the future"};
  if (s.ends - now > std::chrono::hours(24 * 365)) throw HttpError{400, "bad_request", "a silence lasts at most a year"};
  s.comment = core::Printable(text("comment").value_or(""), 500);
  s.created_by = core::Printable(text("created_by").value_or(""), 100);
  s.created = now;
  s.id = alerts::NewEventId(now);
  if (core::Status st = b_.AddSilence(s); !st.ok()) throw HttpError{503, "store_unavailable", st.message()};
  resp_.set("Location", "/api/v1/silences/" + s.id);
  Json(201, SilenceJson(s, now));
}

void Request::DeleteSilence(const std::string& id) {
  RequireToken();
  ParseQuery(uri_, {});
  core::Result<bool> found = b_.ExpireSilence(id);
  if (!found.ok()) throw HttpError{503, "store_unavailable", found.message()};
  if (!*found) throw HttpError{404, "not_found", "no active or pending silence with id '" + core::Printable(id, 60) + "'"};
  auto body = NewObject();
  body->set("id", id);
  body->set("expired", true);
  Json(200, body);
}

}  // namespace

std::optional<core::WallTime> ParseTimeFilter(const std::string& text, core::WallTime now) {
  if (text.empty()) return std::nullopt;
  long long secs = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  if (ec == std::errc() && end == text.data() + text.size()) return core::FromUnixMillis(secs * 1000);
  if (core::Result<core::Millis> d = core::ParseDuration(text); d.ok()) return now - *d;
  Poco::DateTime dt;
  int tz = 0;
  if (text.size() >= 20 && Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, dt, tz)) {
    return core::FromUnixMillis(dt.timestamp().epochMicroseconds() / 1000 - static_cast<int64_t>(tz) * 1000);
  }
  return std::nullopt;
}

std::optional<double> Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void Api::Handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
  try {
    Request(backend_, req, resp).Dispatch();
  } catch (const HttpError& e) {
    SendError(resp, e.status, e.code, e.detail);
  } catch (const Poco::Exception& e) {
    if (!resp.sent()) SendError(resp, 400, "bad_request", core::Printable(e.message(), 200));
  }
}

}  // namespace vigil::daemon::http
