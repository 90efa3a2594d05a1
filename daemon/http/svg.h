// The status page's pictures as inline SVG (no script, no external fetch): the 90-day bars,
// the latency sparkline and charts, a result's phases, and the standalone badges. Every text in
// them is escaped. Colours of inline pictures come from the page's stylesheet (classes), so they
// follow light and dark; badges carry their own fills.
#pragma once

#include <string>
#include <vector>

#include "daemon/http/views.h"
#include "probes/http_client.h"

namespace vigil::daemon::http {

// One bar per day, oldest first; each a <rect class="day WORST"> with a <title>.
std::string DayBarsSvg(const std::vector<DayRecord>& days, const std::string& label);

// The p95 line of `points` in a small box; empty hours break the line.
std::string SparklineSvg(const std::vector<LatencyPoint>& points, const std::string& label);

// p50 and p95 over time with a scale and a legend.
std::string LatencyChartSvg(const std::vector<LatencyPoint>& points, const std::string& label);

// dns, connect, tls, ttfb and transfer as one stacked bar, each with a <title>.
std::string PhaseBarSvg(const probes::Phases& phases);

// A shields-style badge, a whole SVG document: "label | value" on a grey and a coloured half.
std::string BadgeSvg(const std::string& label, const std::string& value, const std::string& color);

// The colour of a state on a badge (and its text on the page).
std::string StateColor(const std::string& state);

}  // namespace vigil::daemon::http
