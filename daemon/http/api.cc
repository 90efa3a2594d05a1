#include "daemon/http/api.h"

#include <Poco/DateTimeParser.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "alerts/health_json.h"
#include "daemon/core/duration.h"
#include "daemon/core/text.h"
#include "daemon/http/request.h"
#include "daemon/http/server.h"
#include "daemon/http/views.h"
#include "probes/result_json.h"

namespace vigil::daemon::http {
namespace {

// SPEC §3 signals next to the state: impact by a dependency, and attention items.
void SetSignals(const alerts::ProviderStatus& st, Object& o) {
  o.set("impacted", !st.impacted_by.empty());
  o.set("impacted_by", st.impacted_by.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(st.impacted_by));
  o.set("attention", alerts::AttentionToJson(st.attention));
}

}  // namespace

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
    SetSignals(st, *o);
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

Request::Windows Request::UptimeWindows(const Query& q, const config::Config& config) {
  using std::chrono::hours;
  Windows windows = {{"24h", hours(24)}, {"7d", hours(24 * 7)}, {"30d", hours(24 * 30)}, {"90d", hours(24 * 90)}};
  auto it = q.find("window");
  if (it == q.end()) return windows;
  const core::Result<core::Millis> d = core::ParseDuration(it->second);
  const core::Millis longest = config.storage.retention.hour;
  if (!d.ok() || *d < std::chrono::minutes(1) || *d > longest) {
    throw HttpError{400, "bad_request", "window: expected a duration from 1m to the hour retention (" +
                                            core::FormatDuration(longest) + "), got '" +
                                            core::Printable(it->second, 40) + "'"};
  }
  const std::string label = core::FormatDuration(*d);
  if (std::none_of(windows.begin(), windows.end(), [&](const auto& w) { return w.second == *d; })) {
    windows.emplace_back(label, *d);
  }
  return windows;
}

// Time-based (SPEC §3; README "Uptime"): the share of each window the provider was not down.
Object::Ptr Request::ProviderUptime(const std::string& name, const Windows& windows) {
  const core::WallTime now = b_.Now();
  core::Millis longest{0};
  for (const auto& w : windows) longest = std::max(longest, w.second);
  core::Result<storage::ProviderTimeline> timeline = b_.history().Timeline(name, now - longest, now);
  if (!timeline.ok()) throw HttpError{503, "store_unavailable", timeline.message()};
  auto uptime = NewObject();
  for (const auto& [label, length] : windows) {
    const std::optional<double> u = storage::ShareOfTime(*timeline, now - length, now).uptime();
    uptime->set(label, u ? Poco::Dynamic::Var(*u) : Poco::Dynamic::Var());
  }
  return uptime;
}

Object::Ptr Request::CheckView(const config::ProviderConfig& p, const alerts::CheckStatus& c, const Windows& windows) {
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
  // Share of the check's results that did not fail (README "Uptime").
  std::vector<core::WallTime> since;
  for (const auto& w : windows) since.push_back(b_.Now() - w.second);
  core::Result<std::vector<storage::OutcomeCounts>> counts = b_.history().Counts(p.name, c.name, since, b_.Now());
  if (!counts.ok()) throw HttpError{503, "store_unavailable", counts.message()};
  auto uptime = NewObject();
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const std::optional<double> u = storage::CheckUptime((*counts)[i]);
    uptime->set(windows[i].first, u ? Poco::Dynamic::Var(*u) : Poco::Dynamic::Var());
  }
  o->set("uptime", uptime);
  return o;
}

// The latest reading of every budget the provider's responses reported, and any throttle.
Object::Ptr Request::QuotaView(const alerts::ProviderStatus& st) {
  Array::Ptr budgets = new Array;
  for (const probes::quota::ObservedBudget& o : LatestBudgets(b_.QuotaBudgets(st.name), st)) {
    Object::Ptr b = probes::BudgetToJson(o.budget);
    b->set("observed_at", core::FormatRfc3339(o.at));
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
  const Query q = ParseQuery(uri_, {"window"});
  const auto config = b_.config();
  const auto snapshot = b_.status();
  const alerts::ProviderStatus& st = FindStatus(*snapshot, name);
  // A reload publishes the config and the snapshot one after the other: both must know it.
  const config::ProviderConfig* found = config->FindProvider(name);
  if (!found) throw HttpError{404, "not_found", "no provider named '" + name + "'"};
  const config::ProviderConfig& p = *found;
  auto o = NewObject();
  o->set("name", st.name);
  o->set("title", p.title);
  o->set("state", StateOf(*config, st, *o));
  o->set("since", Time(st.since));
  o->set("reasons", alerts::ReasonsToJson(st.reasons));
  SetSignals(st, *o);
  o->set("depends_on", Strings(p.depends_on));
  o->set("recommended", st.recommended);
  o->set("fallback", Strings(p.fallback));
  o->set("tags", Strings(p.tags));
  Array::Ptr checks = new Array;
  const Windows windows = UptimeWindows(q, *config);
  for (const auto& c : st.checks) checks->add(CheckView(p, c, windows));
  o->set("checks", checks);
  o->set("uptime", ProviderUptime(name, windows));
  const auto expiry = [&](const std::optional<core::WallTime>& t) -> Poco::Dynamic::Var {
    if (!t) return Poco::Dynamic::Var();
    auto e = NewObject();
    e->set("not_after", core::FormatRfc3339(*t));
    e->set("days_left", static_cast<double>(DaysLeft(*t, b_.Now())));
    return e;
  };
  o->set("quota", QuotaView(st));
  const Expiries expiries = EarliestExpiries(st);
  o->set("certificate", expiry(expiries.certificate));  // the server's TLS certificate
  o->set("credentials", expiry(expiries.credential));   // API key, JWT, client certificate or OAuth2 token
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

std::string Request::StateOf(const config::Config&, const alerts::ProviderStatus& st, Object& o) {
  if (!st.maintenance) return alerts::HealthStateName(st.state);
  auto w = NewObject();
  w->set("since", core::FormatRfc3339(st.maintenance->start));
  w->set("until", core::FormatRfc3339(st.maintenance->until));
  w->set("reason", st.maintenance->reason);
  w->set("health", alerts::HealthStateName(st.state));  // what the probes see meanwhile
  o.set("maintenance", w);
  return alerts::HealthStateName(alerts::HealthState::kMaintenance);
}

std::optional<core::WallTime> ParseTimeFilter(const std::string& text, core::WallTime now) {
  if (text.empty()) return std::nullopt;
  long long secs = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  if (ec == std::errc() && end == text.data() + text.size()) {
    constexpr long long kMaxSecs = std::numeric_limits<int64_t>::max() / 1000;  // FromUnixMillis clamps further
    return core::FromUnixMillis(std::clamp(secs, -kMaxSecs, kMaxSecs) * 1000);
  }
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
    Request(backend_, summaries_, req, resp).Dispatch();
  } catch (const HttpError& e) {
    SendError(resp, e.status, e.code, e.detail);
  } catch (const Poco::Exception& e) {
    if (!resp.sent()) SendError(resp, 400, "bad_request", core::Printable(e.message(), 200));
  }
}

}  // namespace vigil::daemon::http
