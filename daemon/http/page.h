// The server-rendered status page: plain HTML and CSS, no JavaScript needed, refreshed by a
// meta tag. Reads only the published status snapshot and the config.
#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

#include "config/config.h"
#include "daemon/health_stage.h"

namespace vigil::daemon::http {

std::string RenderStatusPage(const config::Config& config, const StatusSnapshot& status, core::WallTime now);
std::string RenderProviderPage(const config::Config& config, const alerts::ProviderStatus& status, core::WallTime now);
void SendHtml(Poco::Net::HTTPServerResponse& resp, const std::string& html);
std::string EscapeHtml(std::string_view text);

}  // namespace vigil::daemon::http
