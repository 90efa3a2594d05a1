#include "daemon/http/page.h"

#include "daemon/core/duration.h"

namespace vigil::daemon::http {
namespace {

constexpr const char* kStyle =
    "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d0d7de}"
    ".state{font-weight:600;border-radius:1rem;padding:.1rem .6rem;color:#fff}"
    ".up{background:#1a7f37}.degraded{background:#9a6700}.down{background:#cf222e}.unknown{background:#6e7781}"
    ".maintenance{background:#0969da}small,.muted{color:#59636e}code{font-size:90%}"
    "pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;padding:.4rem;margin:.3rem 0;font-size:85%}"
    ".attention{color:#9a6700}";

std::string Page(const std::string& title, const std::string& body) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\"><meta http-equiv=\"refresh\" content=\"30\"><title>" +
         EscapeHtml(title) + "</title><style>" + kStyle + "</style></head><body>" + body + "</body></html>";
}

std::string Badge(alerts::HealthState s) {
  const std::string name = alerts::HealthStateName(s);
  return "<span class=\"state " + name + "\">" + name + "</span>";
}

// The state a reader should see: maintenance while a window is open, with impact spelled out.
std::string ShownState(const alerts::ProviderStatus& p) {
  std::string out = Badge(p.maintenance ? alerts::HealthState::kMaintenance : p.state);
  if (!p.impacted_by.empty()) {
    out += " <small>impacted by <a href=\"/providers/" + EscapeHtml(p.impacted_by) + "\">" + EscapeHtml(p.impacted_by) + "</a></small>";
  }
  if (!p.attention.empty()) {
    out += " <small class=\"attention\">" + std::to_string(p.attention.size()) + " to act on</small>";
  }
  return out;
}

std::string Since(core::WallTime since, core::WallTime now) {
  if (core::ToUnixMillis(since) == 0) return "<span class=\"muted\">&mdash;</span>";
  const auto ago = std::chrono::duration_cast<core::Millis>(now - since);
  return "<time datetime=\"" + core::FormatRfc3339(since) + "\">" +
         core::FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(ago)) + " ago</time>";
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
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

std::string RenderStatusPage(const config::Config& config, const StatusSnapshot& status, core::WallTime now) {
  std::string rows;
  for (const auto& entry : status.providers) {
    const alerts::ProviderStatus& p = *entry;
    const config::ProviderConfig* pc = config.FindProvider(p.name);
    rows += "<tr><td><a href=\"/providers/" + EscapeHtml(p.name) + "\">" + EscapeHtml(pc ? pc->title : p.name) +
            "</a></td><td>" + ShownState(p) + "</td><td>" + Since(p.since, now) + "</td><td>" +
            (p.recommended == p.name ? "<span class=\"muted\">itself</span>" : "use <b>" + EscapeHtml(p.recommended) + "</b>") +
            "</td></tr>";
  }
  return Page(config.server.title,
              "<h1>" + EscapeHtml(config.server.title) + "</h1><table><thead><tr><th>Provider</th><th>State</th>"
              "<th>Since</th><th>Recommended</th></tr></thead><tbody>" + rows +
              "</tbody></table><p><small>Instance " + EscapeHtml(config.instance.name) + " &middot; " +
              core::FormatRfc3339(now) + " &middot; <a href=\"/api/v1/providers\">JSON</a></small></p>");
}

std::string RenderProviderPage(const config::Config& config, const alerts::ProviderStatus& p, core::WallTime now) {
  const config::ProviderConfig* pc = config.FindProvider(p.name);
  std::string checks;
  for (const auto& c : p.checks) {
    std::string findings;
    if (c.last) {
      for (const auto& f : c.last->findings) {
        findings += std::string(f.attention ? "<div class=\"attention\">attention " : "<div>") + "<code>" +
                    probes::FindingKindName(f.kind) + "</code> " + EscapeHtml(f.message) + "</div>";
      }
      if (!c.last->body_excerpt.empty()) {
        findings += "<div><small>answered " + std::to_string(c.last->status_code) + ":</small><pre>" +
                    EscapeHtml(c.last->body_excerpt) + "</pre></div>";
      }
    }
    checks += "<tr><td>" + EscapeHtml(c.name) + "</td><td>" + Badge(c.state) + "</td><td>" + Since(c.since, now) +
              "</td><td>" + (c.last ? core::FormatMillis(c.last->phases.total_ms) : std::string("&mdash;")) + "</td><td>" +
              (findings.empty() ? "<span class=\"muted\">none</span>" : findings) + "</td></tr>";
  }
  return Page((pc ? pc->title : p.name) + " - " + config.server.title,
              "<p><a href=\"/\">&larr; all providers</a></p><h1>" + EscapeHtml(pc ? pc->title : p.name) + " " +
              ShownState(p) + "</h1><p>Since " + Since(p.since, now) + ". Recommended: <b>" + EscapeHtml(p.recommended) +
              "</b></p><table><thead><tr><th>Check</th><th>State</th><th>Since</th><th>Latency</th><th>Findings</th></tr>"
              "</thead><tbody>" + checks + "</tbody></table><p><small><a href=\"/api/v1/providers/" + EscapeHtml(p.name) +
              "\">JSON</a></small></p>");
}

void SendHtml(Poco::Net::HTTPServerResponse& resp, const std::string& html) {
  resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
  resp.setContentType("text/html; charset=utf-8");
  resp.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  resp.setContentLength(static_cast<std::streamsize>(html.size()));
  resp.send() << html;
}

}  // namespace vigil::daemon::http
