#include "daemon/http/svg.h"

#include <algorithm>
#include <cstdio>

#include "daemon/core/duration.h"
#include "daemon/http/page.h"

namespace vigil::daemon::http {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string Day(core::WallTime t) { return core::FormatRfc3339(t).substr(0, 10); }
std::string Hour(core::WallTime t) { return core::FormatRfc3339(t).substr(11, 5); }

double MaxP95(const std::vector<LatencyPoint>& points) {
  double top = 0;
  for (const auto& p : points) top = std::max({top, p.p95.value_or(0), p.p50.value_or(0)});
  return top;
}

// A polyline per run of known values; x spans [x0, x0 + w], y maps [0, top] to [y0 + h, y0]. A run
// of one point (an hour with data between empty ones) is drawn as a short dash so it shows.
std::string Lines(const std::vector<LatencyPoint>& points, std::optional<double> LatencyPoint::*field, double x0,
                  double y0, double w, double h, double top, const std::string& cls) {
  std::string out;
  std::vector<std::pair<double, double>> run;
  const double step = points.size() > 1 ? w / static_cast<double>(points.size() - 1) : w;
  const auto flush = [&] {
    if (run.empty()) return;
    if (run.size() == 1) {
      const double half = std::max(step / 3, 1.0);
      run = {{std::max(x0, run[0].first - half), run[0].second}, {std::min(x0 + w, run[0].first + half), run[0].second}};
    }
    out += "<polyline class=\"" + cls + "\" points=\"";
    for (std::size_t i = 0; i < run.size(); ++i) out += (i ? " " : "") + Num(run[i].first) + "," + Num(run[i].second);
    out += "\"/>";
    run.clear();
  };
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::optional<double> v = points[i].*field;
    if (!v) {
      flush();
      continue;
    }
    run.emplace_back(x0 + step * static_cast<double>(i), y0 + h - (top > 0 ? *v / top * h : 0));
  }
  flush();
  return out;
}

// Verdana 11px, as shields.io measures it, roughly: narrow and wide glyphs average out.
double TextWidth(const std::string& s) {
  double w = 0;
  for (unsigned char c : s) w += (c == 'i' || c == 'l' || c == '.' || c == ' ' || c == '1') ? 3.5 : (c >= 'A' && c <= 'Z') || c == '%' || c == 'm' || c == 'w' ? 8.5 : 6.8;
  return w;
}

}  // namespace

std::string StateColor(const std::string& state) {
  if (state == "up") return "#1a7f37";
  if (state == "degraded") return "#9a6700";
  if (state == "down") return "#cf222e";
  if (state == "maintenance") return "#0969da";
  return "#6e7781";
}

std::string DayBarsSvg(const std::vector<DayRecord>& days, const std::string& label) {
  const std::size_t n = days.size();
  std::string out = "<svg class=\"days\" role=\"img\" aria-label=\"" + EscapeHtml(label) + "\" viewBox=\"0 0 " +
                    std::to_string(n * 4) + " 24\" preserveAspectRatio=\"none\">";
  for (std::size_t i = 0; i < n; ++i) {
    const DayRecord& d = days[i];
    std::string title = Day(d.start) + ": ";
    if (d.worst == "none") {
      title += "no data";
    } else {
      title += d.uptime ? FormatPercent(d.uptime) + " up" : std::string("in maintenance");
      if (d.worst == "maintenance") title += ", maintenance";
    }
    if (d.incidents > 0) title += ", " + std::to_string(d.incidents) + (d.incidents == 1 ? " incident" : " incidents");
    out += "<rect class=\"day " + d.worst + "\" x=\"" + std::to_string(i * 4) + "\" width=\"3\" height=\"24\">"
           "<title>" + EscapeHtml(title) + "</title></rect>";
  }
  return out + "</svg>";
}

std::string SparklineSvg(const std::vector<LatencyPoint>& points, const std::string& label) {
  const double top = MaxP95(points);
  std::string out = "<svg class=\"spark\" role=\"img\" aria-label=\"" + EscapeHtml(label) +
                    (top > 0 ? ", peak " + core::FormatMillis(top) : std::string(", no data")) +
                    "\" viewBox=\"0 0 120 24\" preserveAspectRatio=\"none\">";
  out += Lines(points, &LatencyPoint::p95, 1, 2, 118, 20, top, "p95");
  return out + "</svg>";
}

std::string LatencyChartSvg(const std::vector<LatencyPoint>& points, const std::string& label) {
  const double top = MaxP95(points) * 1.1;
  const double x0 = 56, y0 = 8, w = 536, h = 120;
  std::string out = "<svg class=\"chart\" role=\"img\" aria-label=\"" + EscapeHtml(label) + "\" viewBox=\"0 0 600 160\">";
  out += "<title>" + EscapeHtml(label) + "</title>";
  out += "<line class=\"axis\" x1=\"" + Num(x0) + "\" y1=\"" + Num(y0 + h) + "\" x2=\"" + Num(x0 + w) + "\" y2=\"" + Num(y0 + h) + "\"/>";
  if (top <= 0) {
    out += "<text x=\"300\" y=\"70\" text-anchor=\"middle\">no responses in this window</text>";
    return out + "</svg>";
  }
  for (int i = 0; i <= 2; ++i) {
    const double v = top * i / 2, y = y0 + h - h * i / 2;
    out += "<line class=\"grid\" x1=\"" + Num(x0) + "\" y1=\"" + Num(y) + "\" x2=\"" + Num(x0 + w) + "\" y2=\"" + Num(y) + "\"/>";
    out += "<text x=\"" + Num(x0 - 4) + "\" y=\"" + Num(y + 4) + "\" text-anchor=\"end\">" + EscapeHtml(core::FormatMillis(v)) + "</text>";
  }
  if (!points.empty()) {
    const bool days = points.back().start - points.front().start > std::chrono::hours(48);
    const auto at = [&](const LatencyPoint& p) { return days ? Day(p.start).substr(5) : Hour(p.start); };
    out += "<text x=\"" + Num(x0) + "\" y=\"146\">" + at(points.front()) + "</text>";
    out += "<text x=\"" + Num(x0 + w) + "\" y=\"146\" text-anchor=\"end\">" + at(points.back()) + " UTC</text>";
  }
  out += Lines(points, &LatencyPoint::p50, x0, y0, w, h, top, "p50");
  out += Lines(points, &LatencyPoint::p95, x0, y0, w, h, top, "p95");
  out += "<text class=\"legend p50\" x=\"300\" y=\"146\">&#9473; p50</text><text class=\"legend p95\" x=\"360\" y=\"146\">&#9473; p95</text>";
  return out + "</svg>";
}

std::string PhaseBarSvg(const probes::Phases& ph) {
  const std::pair<const char*, double> parts[] = {{"dns", ph.dns_ms}, {"connect", ph.connect_ms}, {"tls", ph.tls_ms},
                                                  {"ttfb", ph.ttfb_ms}, {"transfer", ph.transfer_ms}};
  double sum = 0;
  for (const auto& [name, ms] : parts) sum += std::max(ms, 0.0);
  std::string label = "phases:";
  for (const auto& [name, ms] : parts) label += std::string(" ") + name + " " + core::FormatMillis(ms);
  std::string out = "<svg class=\"phases\" role=\"img\" aria-label=\"" + EscapeHtml(label) +
                    "\" viewBox=\"0 0 100 6\" preserveAspectRatio=\"none\">";
  double x = 0;
  for (const auto& [name, ms] : parts) {
    if (sum <= 0 || ms <= 0) continue;
    const double w = ms / sum * 100;
    out += "<rect class=\"ph-" + std::string(name) + "\" x=\"" + Num(x) + "\" y=\"0\" width=\"" + Num(std::max(w, 0.5)) +
           "\" height=\"6\"><title>" + name + " " + EscapeHtml(core::FormatMillis(ms)) + "</title></rect>";
    x += w;
  }
  return out + "</svg>";
}

std::string BadgeSvg(const std::string& label, const std::string& value, const std::string& color) {
  const double lw = TextWidth(label) + 12, vw = TextWidth(value) + 12, w = lw + vw;
  const std::string l = EscapeHtml(label), v = EscapeHtml(value), c = EscapeHtml(color);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(w) + "\" height=\"20\" role=\"img\" aria-label=\"" +
         l + ": " + v + "\"><title>" + l + ": " + v + "</title>"
         "<linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>"
         "<stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>"
         "<clipPath id=\"r\"><rect width=\"" + Num(w) + "\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>"
         "<g clip-path=\"url(#r)\"><rect width=\"" + Num(lw) + "\" height=\"20\" fill=\"#555\"/><rect x=\"" + Num(lw) +
         "\" width=\"" + Num(vw) + "\" height=\"20\" fill=\"" + c + "\"/><rect width=\"" + Num(w) +
         "\" height=\"20\" fill=\"url(#s)\"/></g>"
         "<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">"
         "<text x=\"" + Num(lw / 2) + "\" y=\"14\">" + l + "</text><text x=\"" + Num(lw + vw / 2) + "\" y=\"14\">" + v +
         "</text></g></svg>";
}

}  // namespace vigil::daemon::http
