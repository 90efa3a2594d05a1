#include "daemon/http/page.h"

#include <algorithm>
#include <charconv>

#include "daemon/core/duration.h"
#include "daemon/core/text.h"
#include "daemon/http/svg.h"
#include "daemon/http/views.h"

namespace vigil::daemon::http {
namespace {

using std::chrono::hours;

constexpr int kDays = 90;
constexpr std::size_t kIncidentsPerPage = 50;

constexpr const char* kStyle =
    ":root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--card:#f6f8fa;--muted:#59636e;--line:#d0d7de;"
    "--link:#0969da;--up:#1a7f37;--degraded:#9a6700;--down:#cf222e;--maint:#0969da;--none:#d8dee4;--warn:#7d4e00}"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--card:#151b23;--muted:#9198a1;"
    "--line:#3d444d;--link:#4493f8;--up:#3fb950;--degraded:#d29922;--down:#f85149;--maint:#4493f8;--none:#2f363d;"
    "--warn:#e3b341}}"
    "*{box-sizing:border-box}body{background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,sans-serif;margin:0}"
    "header,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}header{padding-top:.8rem}"
    "header nav{display:flex;gap:1rem;flex-wrap:wrap}a{color:var(--link)}h1{font-size:1.6rem;margin:.6rem 0}"
    "h2{font-size:1.2rem;margin:1.4rem 0 .4rem}h3{font-size:1rem;margin:.2rem 0}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid "
    "var(--line);vertical-align:top;overflow-wrap:anywhere}"
    ".state{display:inline-block;font-weight:600;border-radius:1rem;padding:0 .55rem;color:#fff;font-size:85%;"
    "white-space:nowrap}.state.up{background:#1a7f37}.state.degraded{background:#9a6700}.state.down{background:#cf222e}"
    ".state.unknown{background:#6e7781}.state.maintenance{background:#0969da}"
    ".muted,small{color:var(--muted)}code{font-size:90%}.warn{color:var(--warn)}"
    "pre{white-space:pre-wrap;word-break:break-all;background:var(--bg);border:1px solid var(--line);padding:.4rem;"
    "margin:.3rem 0;font-size:85%;max-height:16rem;overflow:auto}"
    ".provider,.check{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem;margin:.6rem 0;"
    "background:var(--card)}.row{display:flex;flex-wrap:wrap;gap:.2rem 1rem;align-items:baseline}"
    ".row .grow{flex:1 1 12rem}dl.uptime{display:flex;flex-wrap:wrap;gap:.2rem 1rem;margin:.3rem 0}"
    "dl.uptime div{display:flex;gap:.3rem}dl.uptime dt{color:var(--muted)}dl.uptime dd{margin:0;font-weight:600}"
    ".days{display:block;width:100%;height:28px;margin:.4rem 0 .1rem}.day.up{fill:var(--up)}"
    ".day.degraded{fill:var(--degraded)}.day.down{fill:var(--down)}.day.maintenance{fill:var(--maint)}"
    ".day.none{fill:var(--none)}.spark{width:120px;height:24px;vertical-align:middle}"
    ".spark polyline,.chart polyline{fill:none;stroke-width:1.5;vector-effect:non-scaling-stroke}"
    ".spark .p95,.chart .p95{stroke:var(--link)}.chart .p50{stroke:var(--up)}.chart{width:100%;max-width:600px;"
    "height:auto}.chart text{fill:var(--muted);font-size:11px}.chart .legend.p50{fill:var(--up)}"
    ".chart .legend.p95{fill:var(--link)}.chart .axis,.chart .grid{stroke:var(--line)}"
    ".phases{display:block;width:100%;max-width:24rem;height:8px}.ph-dns{fill:#8250df}.ph-connect{fill:#bf8700}"
    ".ph-tls{fill:#1f883d}.ph-ttfb{fill:#0969da}.ph-transfer{fill:#57606a}"
    ".banner{border-radius:.5rem;padding:.6rem .9rem;margin:1rem 0;border:1px solid}"
    ".banner.offline{background:#fff8c5;color:#3b2300;border-color:#d4a72c}"
    ".banner.maintenance{background:#ddf4ff;color:#0a3069;border-color:#54aeff}.banner ul{margin:.2rem 0;padding-left:1.2rem}"
    "@media (prefers-color-scheme:dark){.banner.offline{background:#272115;color:#f8e3a1;border-color:#9e6a03}"
    ".banner.maintenance{background:#121d2f;color:#cae8ff;border-color:#1f6feb}}"
    "meter{width:8rem}footer{margin:2rem auto;color:var(--muted)}footer a{color:var(--link)}"
    "ul.findings{margin:.3rem 0;padding-left:1.2rem}form{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}"
    "@media (max-width:40rem){td,th{padding:.3rem .2rem;font-size:90%}}.pager{display:flex;gap:1rem;margin:.8rem 0}.charts{display:flex;flex-wrap:wrap;gap:1rem}"
    ".sparkbox{display:inline-flex;align-items:center;gap:.3rem;white-space:nowrap}.charts figure{margin:0;flex:1 1 20rem;max-width:600px}figcaption{color:var(--muted);font-size:85%}";

std::string Esc(std::string_view s) { return EscapeHtml(s); }

std::string Layout(const ApiBackend& b, const std::string& title, const std::string& body, core::WallTime now) {
  const auto config = b.config();
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\"><title>" +
         Esc(title) + "</title><style>" + kStyle + "</style></head><body><header><nav aria-label=\"Main\"><a href=\"/\">" +
         Esc(config->server.title) + "</a><a href=\"/incidents\">Incidents</a></nav></header><main>" + body +
         "</main><footer><small>Instance " + Esc(config->instance.name) +
         (config->instance.region.empty() ? "" : " (" + Esc(config->instance.region) + ")") + " &middot; generated " +
         core::FormatRfc3339(now) + " &middot; <a href=\"/api/v1/providers\">JSON API</a> &middot; "
         "<a href=\"/metrics\">metrics</a></small></footer></body></html>";
}

std::string Pill(const std::string& state) { return "<span class=\"state " + state + "\">" + state + "</span>"; }

std::string ShownState(const alerts::ProviderStatus& p) {
  return alerts::HealthStateName(p.maintenance ? alerts::HealthState::kMaintenance : p.state);
}

std::string Ago(core::WallTime t, core::WallTime now) {
  const auto d = std::chrono::duration_cast<std::chrono::seconds>(now - t);
  return d.count() >= 0 ? core::FormatDuration(d) + " ago" : "in " + core::FormatDuration(-d);
}

std::string TimeTag(core::WallTime t, core::WallTime now) {
  if (core::ToUnixMillis(t) == 0) return "<span class=\"muted\">&mdash;</span>";
  return "<time datetime=\"" + core::FormatRfc3339(t) + "\" title=\"" + core::FormatRfc3339(t) + "\">" + Ago(t, now) +
         "</time>";
}

std::string When(core::WallTime t) {
  const std::string s = core::FormatRfc3339(t);
  return "<time datetime=\"" + s + "\">" + s.substr(0, 10) + " " + s.substr(11, 5) + " UTC</time>";
}

std::string Span(core::Millis d) {
  return core::FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(d));
}

std::string ReasonList(const std::vector<alerts::Reason>& reasons) {
  if (reasons.empty()) return "<span class=\"muted\">none recorded</span>";
  std::string out = "<ul class=\"findings\">";
  for (const auto& r : reasons) {
    out += "<li class=\"finding\" data-kind=\"" + std::string(probes::FindingKindName(r.kind)) + "\"><code>" +
           Esc(r.check) + "</code> <code>" + probes::FindingKindName(r.kind) + "</code> " + Esc(r.message) +
           (r.status_code > 0 ? " <small>(HTTP " + std::to_string(r.status_code) + ")</small>" : "") + "</li>";
  }
  return out + "</ul>";
}

std::string Unavailable(const std::string& what) {
  return "<p class=\"warn\">" + Esc(what) + " is unavailable: the history store cannot be read.</p>";
}

const std::vector<std::pair<std::string, core::Millis>>& Windows() {
  static const std::vector<std::pair<std::string, core::Millis>> w = {
      {"24h", hours(24)}, {"7d", hours(24 * 7)}, {"30d", hours(24 * 30)}, {"90d", hours(24 * 90)}};
  return w;
}

std::string UptimeList(const storage::ProviderTimeline& t, core::WallTime now, std::initializer_list<const char*> which) {
  std::string out = "<dl class=\"uptime\">";
  for (const auto& window : Windows()) {
    const std::string& label = window.first;
    if (std::find_if(which.begin(), which.end(), [&](const char* w) { return label == w; }) == which.end()) continue;
    out += "<div><dt>" + label + "</dt><dd data-window=\"" + label + "\">" +
           FormatPercent(storage::ShareOfTime(t, now - window.second, now).uptime()) + "</dd></div>";
  }
  return out + "</dl>";
}

// Ongoing windows (from the snapshot) and the ones starting within a week (from the config).
std::string MaintenanceBanner(const config::Config& config, const StatusSnapshot& status, core::WallTime now) {
  std::string items;
  for (const auto& entry : status.providers) {
    const alerts::ProviderStatus& p = *entry;
    if (!p.maintenance) continue;
    items += "<li data-provider=\"" + Esc(p.name) + "\"><a href=\"/providers/" + Esc(p.name) + "\">" + Esc(p.name) +
             "</a>: ongoing, until " + When(p.maintenance->until) +
             (p.maintenance->reason.empty() ? "" : " &mdash; " + Esc(p.maintenance->reason)) + "</li>";
  }
  for (const auto& m : config.maintenance) {
    const std::optional<core::WallTime> next = config::NextWindowStart(m.window, now);
    if (!next || *next - now > hours(24 * 7)) continue;
    for (const auto& pc : config.providers) {
      if (!config::AppliesTo(m.window, pc.name)) continue;
      const alerts::ProviderStatus* p = status.Find(pc.name);
      if (p && p->maintenance) continue;  // listed above
      items += "<li data-provider=\"" + Esc(pc.name) + "\"><a href=\"/providers/" + Esc(pc.name) + "\">" + Esc(pc.name) +
               "</a>: upcoming, " + When(*next) + " for " + Span(m.window.duration) +
               (m.reason.empty() ? "" : " &mdash; " + Esc(m.reason)) + "</li>";
    }
  }
  if (items.empty()) return "";
  return "<section class=\"banner maintenance\" aria-label=\"Maintenance\"><strong>Maintenance</strong><ul>" + items +
         "</ul></section>";
}

std::string OfflineBanner(const ApiBackend& b) {
  const std::string why = b.OfflineReason();
  if (why.empty()) return "";
  return "<div class=\"banner offline\" role=\"alert\"><strong>This monitor considers itself offline</strong>: " +
         Esc(why) + ". Provider failures are likely ours; nobody is paged about them until it is back.</div>";
}

std::string ProviderCard(SummaryCache& summaries, const config::ProviderConfig& pc, const alerts::ProviderStatus& p,
                         core::WallTime now) {
  const std::string state = ShownState(p);
  std::string out = "<article class=\"provider\" data-provider=\"" + Esc(p.name) + "\" data-state=\"" + state +
                    "\"><div class=\"row\"><h3 class=\"grow\"><a href=\"/providers/" + Esc(p.name) + "\">" +
                    Esc(pc.title) + "</a> " + Pill(state) + "</h3>";
  if (!p.impacted_by.empty()) {
    out += "<span class=\"impacted\">impacted by <a href=\"/providers/" + Esc(p.impacted_by) + "\">" +
           Esc(p.impacted_by) + "</a></span>";
  }
  if (!p.recommended.empty() && p.recommended != p.name) {
    out += "<span class=\"recommended\">use <b>" + Esc(p.recommended) + "</b></span>";
  }
  if (!p.attention.empty()) {
    out += "<span class=\"warn\">" + std::to_string(p.attention.size()) + " to act on</span>";
  }
  out += "<small>since " + TimeTag(p.since, now) + "</small></div>";
  const std::shared_ptr<const ProviderSummary> summary = summaries.Get(p);
  if (!summary->ok) return out + Unavailable("History") + "</article>";
  return out + summary->html + "</article>";
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Rendered RenderOverview(const ApiBackend& b, SummaryCache& summaries) {
  const auto config = b.config();
  const auto status = b.status();
  const core::WallTime now = b.Now();
  // Groups in the order their first provider appears: a provider's first tag, else "Providers".
  std::vector<std::pair<std::string, std::string>> groups;  // (name, cards)
  int counts[5] = {0, 0, 0, 0, 0};
  for (const auto& entry : status->providers) {
    const alerts::ProviderStatus& p = *entry;
    const config::ProviderConfig* pc = config->FindProvider(p.name);
    if (!pc) continue;  // a reload between config and snapshot
    ++counts[static_cast<int>(p.maintenance ? alerts::HealthState::kMaintenance : p.state)];
    const std::string group = pc->tags.empty() ? "Providers" : pc->tags.front();
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == group; });
    if (it == groups.end()) it = groups.insert(groups.end(), {group, ""});
    it->second += ProviderCard(summaries, *pc, p, now);
  }
  std::string body = "<h1>" + Esc(config->server.title) + "</h1>" + OfflineBanner(b) +
                     MaintenanceBanner(*config, *status, now) + "<p class=\"row\">";
  for (alerts::HealthState s : {alerts::HealthState::kDown, alerts::HealthState::kDegraded, alerts::HealthState::kMaintenance,
                                alerts::HealthState::kUnknown, alerts::HealthState::kUp}) {
    const int n = counts[static_cast<int>(s)];
    if (n > 0) body += "<span>" + std::to_string(n) + " " + Pill(alerts::HealthStateName(s)) + "</span>";
  }
  body += "</p>";
  int g = 0;
  for (const auto& [name, cards] : groups) {
    const std::string id = "g-" + std::to_string(g++);
    body += "<section class=\"group\" aria-labelledby=\"" + id + "\"><h2 id=\"" + id + "\">" + Esc(name) + "</h2>" + cards +
            "</section>";
  }
  if (groups.empty()) body += "<p>No providers are configured.</p>";
  return {200, Layout(b, config->server.title, body, now)};
}

namespace {

// `learned`: when the check's shape baseline last changed, if it has one.
std::string CheckArticle(const ApiBackend& b, const std::string& provider, const alerts::CheckStatus& c,
                         std::optional<core::WallTime> learned, core::WallTime now) {
  const std::string state = alerts::HealthStateName(c.state);
  std::string out = "<article class=\"check\" data-check=\"" + Esc(c.name) + "\" data-state=\"" + state +
                    "\"><div class=\"row\"><h3 class=\"grow\">" + Esc(c.name) + " " + Pill(state) + "</h3><small>since " +
                    TimeTag(c.since, now) + "</small></div>";
  std::vector<core::WallTime> since;
  for (const auto& w : Windows()) since.push_back(now - w.second);
  const core::Result<std::vector<storage::OutcomeCounts>> counts = b.history().Counts(provider, c.name, since, now);
  if (counts.ok()) {
    out += "<dl class=\"uptime\">";
    for (std::size_t i = 0; i < Windows().size(); ++i) {
      out += "<div><dt>" + Windows()[i].first + " results ok</dt><dd>" + FormatPercent(storage::CheckUptime((*counts)[i])) +
             "</dd></div>";
    }
    out += "</dl>";
  }
  if (learned) out += "<p><small>response shape baseline last changed " + TimeTag(*learned, now) + "</small></p>";
  if (!c.last) return out + "<p class=\"muted\">No result yet.</p></article>";
  const probes::ProbeResult& r = *c.last;
  out += "<p class=\"row\"><span>last " + TimeTag(r.time, now) + "</span><span>" +
         (r.status_code > 0 ? "HTTP " + std::to_string(r.status_code) : std::string("no response")) + "</span><span>" +
         core::FormatMillis(r.phases.total_ms) + "</span>" +
         (r.attempts > 1 ? "<span>" + std::to_string(r.attempts) + " attempts</span>" : "") + "</p>" +
         PhaseBarSvg(r.phases);
  if (!r.findings.empty()) {
    out += "<ul class=\"findings\">";
    for (const auto& f : r.findings) {
      out += "<li class=\"finding" + std::string(f.attention ? " warn" : "") + "\" data-kind=\"" +
             probes::FindingKindName(f.kind) + "\"><code>" + probes::FindingKindName(f.kind) + "</code> " +
             (f.attention ? "attention: " : "") + Esc(f.message) + "</li>";
    }
    out += "</ul>";
  }
  if (!r.body_excerpt.empty()) {
    out += "<details><summary>Response body (redacted" + std::string(r.body_truncated ? ", truncated" : "") +
           ")</summary><pre>" + Esc(r.body_excerpt) + "</pre></details>";
  }
  return out + "</article>";
}

std::string IncidentRow(const storage::StoredIncident& inc, core::WallTime now, bool with_provider) {
  return "<tr class=\"incident\" data-provider=\"" + Esc(inc.provider) + "\">" +
         (with_provider ? "<td><a href=\"/providers/" + Esc(inc.provider) + "\">" + Esc(inc.provider) + "</a></td>" : "") +
         "<td>" + Pill(alerts::HealthStateName(inc.state)) + "</td><td>" + When(inc.started) + "</td><td>" +
         (inc.ended ? When(*inc.ended) : std::string("<b>ongoing</b>")) + "</td><td>" +
         Span(std::chrono::duration_cast<core::Millis>(inc.ended.value_or(now) - inc.started)) + "</td><td>" +
         ReasonList(inc.reasons) + "</td></tr>";
}

std::string IncidentTable(const std::vector<storage::StoredIncident>& rows, core::WallTime now, bool with_provider,
                          const std::string& id) {
  std::string out = "<table" + (id.empty() ? std::string() : " id=\"" + id + "\"") + "><thead><tr>" +
                    (with_provider ? "<th scope=\"col\">Provider</th>" : "") +
                    "<th scope=\"col\">Worst</th><th scope=\"col\">Started</th><th scope=\"col\">Ended</th>"
                    "<th scope=\"col\">Duration</th><th scope=\"col\">Reasons</th></tr></thead><tbody>";
  for (const auto& inc : rows) out += IncidentRow(inc, now, with_provider);
  return out + "</tbody></table>";
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string QuotaSection(const ApiBackend& b, const alerts::ProviderStatus& p, core::WallTime now) {
  const std::vector<probes::quota::ObservedBudget> budgets = LatestBudgets(b.QuotaBudgets(p.name), p);
  const std::optional<probes::quota::Throttle> throttle = b.QuotaThrottle(p.name);
  std::string forecasts;
  for (const auto& c : p.checks) {
    if (!c.last) continue;
    for (const auto& f : c.last->findings) {
      if (f.kind == probes::FindingKind::kQuota) forecasts += "<li class=\"finding warn\" data-kind=\"quota\">" + Esc(f.message) + "</li>";
    }
  }
  if (budgets.empty() && !throttle && forecasts.empty()) return "";
  std::string out = "<section id=\"quota\" aria-labelledby=\"h-quota\"><h2 id=\"h-quota\">Quota</h2>";
  if (throttle) {
    out += "<p class=\"warn\">Probing slowed until " + When(throttle->until) + ": " + Esc(throttle->reason) + "</p>";
  }
  if (!budgets.empty()) {
    out += "<table><thead><tr><th scope=\"col\">Budget</th><th scope=\"col\">Remaining</th><th scope=\"col\">Share</th>"
           "<th scope=\"col\">Resets</th><th scope=\"col\">Reported</th></tr></thead><tbody>";
    for (const auto& o : budgets) {
      const probes::quota::Budget& q = o.budget;
      std::string remaining = q.remaining ? Number(*q.remaining) : std::string("?");
      if (q.limit) remaining += " of " + Number(*q.limit);
      std::string share = "<span class=\"muted\">&mdash;</span>";
      if (q.remaining && q.limit && *q.limit > 0) {
        const double ratio = std::clamp(*q.remaining / *q.limit, 0.0, 1.0);
        share = "<meter min=\"0\" max=\"1\" low=\"0.1\" high=\"0.25\" optimum=\"1\" value=\"" + std::to_string(ratio) +
                "\" aria-label=\"" + Esc(q.dimension) + " remaining\"></meter> " + FormatPercent(ratio);
      }
      const std::string resets = q.reset_unix_ms ? When(core::FromUnixMillis(*q.reset_unix_ms)) + " (" +
                                                       Ago(core::FromUnixMillis(*q.reset_unix_ms), now) + ")"
                                                 : std::string("<span class=\"muted\">not stated</span>");
      out += "<tr class=\"budget\" data-budget=\"" + Esc(q.dimension) + "\"><td><code>" + Esc(q.dimension) +
             "</code> <small>" + Esc(q.source) + "</small></td><td>" + remaining + "</td><td>" + share + "</td><td>" +
             resets + "</td><td>" + TimeTag(o.at, now) + "</td></tr>";
    }
    out += "</tbody></table>";
  }
  if (!forecasts.empty()) out += "<ul class=\"findings\">" + forecasts + "</ul>";
  return out + "</section>";
}

std::string ExpirySection(const alerts::ProviderStatus& p, core::WallTime now) {
  const Expiries e = EarliestExpiries(p);
  std::string rows;
  const auto row = [&](const char* kind, const char* what, const std::optional<core::WallTime>& t) {
    if (!t) return;
    const long days = DaysLeft(*t, now);
    rows += "<tr class=\"expiry\" data-kind=\"" + std::string(kind) + "\"><td>" + what + "</td><td>" + When(*t) +
            "</td><td" + (days < 14 ? " class=\"warn\"" : "") + ">" +
            (days >= 0 ? std::to_string(days) + (days == 1 ? " day left" : " days left") : "expired") + "</td></tr>";
  };
  row("certificate", "TLS certificate", e.certificate);
  row("credential", "Credential", e.credential);
  if (rows.empty()) return "";
  return "<section id=\"expiries\" aria-labelledby=\"h-exp\"><h2 id=\"h-exp\">Expiries</h2><table><thead><tr>"
         "<th scope=\"col\">What</th><th scope=\"col\">Not after</th><th scope=\"col\">Left</th></tr></thead><tbody>" +
         rows + "</tbody></table></section>";
}

std::string AttentionSection(const alerts::ProviderStatus& p, core::WallTime now) {
  if (p.attention.empty()) return "";
  std::string items, deprecations;
  for (const auto& a : p.attention) {
    std::string item = "<li class=\"finding\" data-kind=\"" + std::string(probes::FindingKindName(a.kind)) + "\"><code>" +
                       Esc(a.check) + "</code> <code>" + probes::FindingKindName(a.kind) + "</code> " + Esc(a.message);
    if (a.due) {
      const long days = DaysLeft(*a.due, now);
      item += " &mdash; due " + When(*a.due) + " <b>(" +
              (days >= 0 ? "in " + std::to_string(days) + (days == 1 ? " day" : " days") : std::string("past")) + ")</b>";
    }
    item += "</li>";
    (a.kind == probes::FindingKind::kDeprecation ? deprecations : items) += item;
  }
  std::string out;
  if (!items.empty()) {
    out += "<section id=\"attention\" aria-labelledby=\"h-att\"><h2 id=\"h-att\">Needs attention</h2><ul class=\"findings\">" +
           items + "</ul></section>";
  }
  if (!deprecations.empty()) {
    out += "<section id=\"deprecation\" aria-labelledby=\"h-dep\"><h2 id=\"h-dep\">Deprecation and sunset</h2>"
           "<ul class=\"findings\">" + deprecations + "</ul></section>";
  }
  return out;
}

Rendered NotFound(const ApiBackend& b, const std::string& what) {
  return {404, Layout(b, "Not found", "<h1>Not found</h1><p>" + Esc(what) + "</p><p><a href=\"/\">All providers</a></p>",
                      b.Now())};
}

}  // namespace

Rendered RenderProviderPage(const ApiBackend& b, const std::string& name) {
  const auto config = b.config();
  const auto status = b.status();
  const alerts::ProviderStatus* found = status->Find(name);
  const config::ProviderConfig* pc = config->FindProvider(name);
  if (!found || !pc) return NotFound(b, "No provider is named \u201c" + core::Printable(name, 80) + "\u201d.");
  const alerts::ProviderStatus& p = *found;
  const core::WallTime now = b.Now();
  const std::string state = ShownState(p);
  std::string body = "<article data-provider=\"" + Esc(p.name) + "\" data-state=\"" + state + "\"><h1>" + Esc(pc->title) +
                     " " + Pill(state) + "</h1><p class=\"row\"><span>since " + TimeTag(p.since, now) + "</span>";
  if (p.recommended != p.name) body += "<span class=\"recommended\">use <b>" + Esc(p.recommended) + "</b> instead</span>";
  if (!p.impacted_by.empty()) {
    body += "<span class=\"impacted\">impacted by <a href=\"/providers/" + Esc(p.impacted_by) + "\">" + Esc(p.impacted_by) +
            "</a></span>";
  }
  if (!pc->fallback.empty()) body += "<span>fallback: " + Esc(core::Join(pc->fallback, ", ")) + "</span>";
  if (!pc->depends_on.empty()) body += "<span>depends on: " + Esc(core::Join(pc->depends_on, ", ")) + "</span>";
  body += "</p>";
  if (p.maintenance) {
    body += "<p class=\"banner maintenance\">In maintenance until " + When(p.maintenance->until) +
            (p.maintenance->reason.empty() ? "" : ": " + Esc(p.maintenance->reason)) + ". The probes meanwhile see it " +
            alerts::HealthStateName(p.state) + ".</p>";
  }
  if (p.state != alerts::HealthState::kUp && !p.reasons.empty()) {
    body += "<section aria-labelledby=\"h-why\"><h2 id=\"h-why\">Why</h2>" + ReasonList(p.reasons) + "</section>";
  }
  body += AttentionSection(p, now);
  body += "<section id=\"uptime\" aria-labelledby=\"h-up\"><h2 id=\"h-up\">Uptime</h2>";
  const core::Result<storage::ProviderTimeline> timeline = b.history().Timeline(p.name, now - hours(24 * kDays), now);
  if (timeline.ok()) {
    storage::IncidentQuery days_q;
    days_q.provider = p.name;
    days_q.since = DayStart(now, kDays - 1);
    days_q.limit = 1000;
    days_q.transitions = false;
    const auto day_incidents = b.store().Incidents(days_q);
    body += UptimeList(*timeline, now, {"24h", "7d", "30d", "90d"});
    if (day_incidents.ok()) {
      body += DayBarsSvg(DailyRecord(*timeline, *day_incidents, now, kDays), "uptime of the last 90 days, one bar per day");
    }
  } else {
    body += Unavailable("Uptime");
  }
  body += "</section><section id=\"checks\" aria-labelledby=\"h-checks\"><h2 id=\"h-checks\">Checks</h2>";
  const core::Result<std::map<std::string, core::WallTime>> learned = b.store().BaselineTimes(p.name);
  for (const auto& c : p.checks) {
    std::optional<core::WallTime> at;
    if (learned.ok()) {
      if (auto it = learned->find(c.name); it != learned->end()) at = it->second;
    }
    body += CheckArticle(b, p.name, c, at, now);
  }
  body += "</section><section id=\"latency\" aria-labelledby=\"h-lat\"><h2 id=\"h-lat\">Latency</h2>";
  for (const auto& c : p.checks) {
    const auto week = HourlyLatency(b.history(), p.name, {c.name}, now - hours(24 * 7), now);
    body += "<h3>" + Esc(c.name) + "</h3>";
    if (!week.ok()) {
      body += Unavailable("Latency");
      continue;
    }
    const core::WallTime day_from = now - hours(25);  // the hour that holds now - 24h, and after
    std::vector<LatencyPoint> day;
    for (const auto& point : *week) {
      if (point.start > day_from) day.push_back(point);
    }
    body += "<div class=\"charts\"><figure>" + LatencyChartSvg(day, c.name + " latency p50 and p95, last 24 hours") +
            "<figcaption>last 24 hours, hourly</figcaption></figure><figure>" +
            LatencyChartSvg(*week, c.name + " latency p50 and p95, last 7 days") +
            "<figcaption>last 7 days, hourly</figcaption></figure></div>";
  }
  body += "</section>" + QuotaSection(b, p, now) + ExpirySection(p, now);
  storage::IncidentQuery iq;
  iq.provider = p.name;
  iq.limit = 20;
  const auto incidents = b.store().Incidents(iq);
  body += "<section id=\"incidents\" aria-labelledby=\"h-inc\"><h2 id=\"h-inc\">Incidents</h2>";
  if (!incidents.ok()) {
    body += Unavailable("The incident history");
  } else if (incidents->empty()) {
    body += "<p class=\"muted\">No incidents recorded.</p>";
  } else {
    body += IncidentTable(*incidents, now, false, "") + "<p><a href=\"/incidents?provider=" + Esc(p.name) +
            "\">All incidents of " + Esc(pc->title) + "</a></p>";
  }
  body += "</section><section aria-labelledby=\"h-badge\"><h2 id=\"h-badge\">Badges</h2><p><img src=\"/badge/" +
          Esc(p.name) + ".svg\" alt=\"" + Esc(p.name) + " state badge\"> <img src=\"/badge/" + Esc(p.name) +
          "/uptime.svg?window=30d\" alt=\"" + Esc(p.name) + " 30-day uptime badge\"></p><p><code>" +
          Esc(config->PublicUrl() + "/badge/" + p.name + ".svg") + "</code></p></section></article>";
  return {200, Layout(b, pc->title + " - " + config->server.title, body, now)};
}

Rendered RenderIncidentsPage(const ApiBackend& b, const std::map<std::string, std::string>& query) {
  const auto config = b.config();
  const core::WallTime now = b.Now();
  storage::IncidentQuery iq;
  if (auto it = query.find("provider"); it != query.end() && !it->second.empty()) {
    if (!config->FindProvider(it->second)) return NotFound(b, "No provider is named \u201c" + core::Printable(it->second, 80) + "\u201d.");
    iq.provider = it->second;
  }
  std::size_t page = 1;
  if (auto it = query.find("page"); it != query.end()) {
    const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), page);
    if (ec != std::errc() || end != it->second.data() + it->second.size() || page < 1 || page > 100000) {
      return {400, Layout(b, "Bad request", "<h1>Bad request</h1><p>page: expected a number from 1 to 100000.</p>", now)};
    }
  }
  iq.offset = (page - 1) * kIncidentsPerPage;
  iq.limit = kIncidentsPerPage + 1;  // one more tells whether there is a next page
  core::Result<std::vector<storage::StoredIncident>> rows = b.store().Incidents(iq);
  std::string options = "<option value=\"\">all providers</option>";
  for (const auto& pc : config->providers) {
    options += "<option value=\"" + Esc(pc.name) + "\"" + (pc.name == iq.provider ? " selected" : "") + ">" + Esc(pc.title) +
               "</option>";
  }
  std::string body = "<h1>Incidents</h1><form method=\"get\" action=\"/incidents\" role=\"search\"><label for=\"provider\">"
                     "Provider</label><select id=\"provider\" name=\"provider\">" + options +
                     "</select><button type=\"submit\">Show</button></form>";
  if (!rows.ok()) return {503, Layout(b, "Incidents", body + Unavailable("The incident history"), now)};
  std::vector<storage::StoredIncident>& list = rows.value();
  const bool more = list.size() > kIncidentsPerPage;
  if (more) list.pop_back();
  body += list.empty() ? "<p class=\"muted\">No incidents recorded.</p>" : IncidentTable(list, now, true, "incident-list");
  const std::string filter = iq.provider.empty() ? "" : "provider=" + Esc(iq.provider) + "&amp;";
  body += "<nav class=\"pager\" aria-label=\"Pages\">";
  if (page > 1) body += "<a rel=\"prev\" href=\"/incidents?" + filter + "page=" + std::to_string(page - 1) + "\">Newer</a>";
  body += "<span>page " + std::to_string(page) + "</span>";
  if (more) body += "<a rel=\"next\" href=\"/incidents?" + filter + "page=" + std::to_string(page + 1) + "\">Older</a>";
  body += "</nav>";
  return {200, Layout(b, "Incidents - " + config->server.title, body, now)};
}

Rendered RenderStateBadge(const ApiBackend& b, const std::string& name) {
  const auto status = b.status();
  const alerts::ProviderStatus* p = status->Find(name);
  if (!p || !b.config()->FindProvider(name)) return {404, BadgeSvg(core::Printable(name, 40), "unknown", StateColor("unknown"))};
  const std::string state = ShownState(*p);
  return {200, BadgeSvg(p->name, state, StateColor(state))};
}

Rendered RenderUptimeBadge(const ApiBackend& b, const std::string& name, const std::string& window) {
  const auto& windows = Windows();
  const auto w = std::find_if(windows.begin(), windows.end(), [&](const auto& x) { return x.first == window; });
  if (w == windows.end()) return {400, BadgeSvg("uptime", "window: 24h|7d|30d|90d", StateColor("unknown"))};
  if (!b.status()->Find(name) || !b.config()->FindProvider(name)) {
    return {404, BadgeSvg(core::Printable(name, 40), "unknown", StateColor("unknown"))};
  }
  const core::WallTime now = b.Now();
  const core::Result<storage::ProviderTimeline> t = b.history().Timeline(name, now - w->second, now);
  if (!t.ok()) return {503, BadgeSvg("uptime " + window, "unavailable", StateColor("unknown"))};
  const std::optional<double> u = storage::ShareOfTime(*t, now - w->second, now).uptime();
  const std::string color = !u ? StateColor("unknown") : *u >= 0.999 ? StateColor("up") : *u >= 0.99 ? StateColor("degraded") : StateColor("down");
  return {200, BadgeSvg("uptime " + window, FormatPercent(u), color)};
}

void SendHtml(Poco::Net::HTTPServerResponse& resp, const Rendered& page) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(page.status));
  resp.setContentType("text/html; charset=utf-8");
  resp.set("Content-Security-Policy",
           "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'none'");
  resp.set("X-Content-Type-Options", "nosniff");
  resp.set("Referrer-Policy", "no-referrer");
  resp.set("Cache-Control", "no-cache");
  resp.setContentLength(static_cast<std::streamsize>(page.body.size()));
  resp.send() << page.body;
}

void SendSvg(Poco::Net::HTTPServerResponse& resp, const Rendered& badge, int max_age_seconds) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(badge.status));
  resp.setContentType("image/svg+xml; charset=utf-8");
  resp.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  resp.set("X-Content-Type-Options", "nosniff");
  resp.set("Cache-Control", badge.status == 200 ? "max-age=" + std::to_string(max_age_seconds) + ", must-revalidate"
                                                : std::string("no-cache"));
  resp.setContentLength(static_cast<std::streamsize>(badge.body.size()));
  resp.send() << badge.body;
}

}  // namespace vigil::daemon::http
