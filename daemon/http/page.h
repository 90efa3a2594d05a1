// The server-rendered status page (SPEC §5): plain HTML, one inline stylesheet (light and dark
// by prefers-color-scheme), inline SVG pictures, no JavaScript, nothing fetched from elsewhere.
// Views read the published status snapshot, the config and the history store's rollups (never
// raw history); a store that cannot be read leaves a note in the affected section, the rest of
// the page still renders. Everything printed is escaped; bodies shown are the redacted excerpts.
//   GET /                        overview: groups, states, 90 day bars, uptime, p95 sparkline
//   GET /providers/{name}        one provider: checks, charts, incidents, quota, expiries
//   GET /incidents               every incident, newest first, ?provider= and ?page=
//   GET /badge/{name}.svg        state badge; /badge/{name}/uptime.svg?window=30d uptime badge
#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <map>
#include <string>
#include <string_view>

#include "daemon/http/api.h"

namespace vigil::daemon::http {

struct Rendered {
  int status = 200;
  std::string body;
};

// `summaries`: each provider's history (the store is not read per view).
Rendered RenderOverview(const ApiBackend& backend, SummaryCache& summaries);
Rendered RenderProviderPage(const ApiBackend& backend, const std::string& name);
// `query`: already checked to hold only "provider" and "page".
Rendered RenderIncidentsPage(const ApiBackend& backend, const std::map<std::string, std::string>& query);
Rendered RenderStateBadge(const ApiBackend& backend, const std::string& name);
// `window`: "24h", "7d", "30d" or "90d" (else a 400 badge).
Rendered RenderUptimeBadge(const ApiBackend& backend, const std::string& name, const std::string& window);

void SendHtml(Poco::Net::HTTPServerResponse& resp, const Rendered& page);
void SendSvg(Poco::Net::HTTPServerResponse& resp, const Rendered& badge, int max_age_seconds);
std::string EscapeHtml(std::string_view text);

}  // namespace vigil::daemon::http
