#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>

#include "daemon/core/duration.h"
#include "daemon/simulate/simulator.h"

namespace vigil::simulate {

const std::vector<std::string>& ScenarioNames() {
  static const std::vector<std::string> kNames = {
      "healthy", "slow",    "unauthorized", "forbidden", "ratelimited", "error",     "status", "reset",
      "endless", "dribble", "drift",        "flapping",  "malformed",   "truncated", "redirect", "faulty"};
  return kNames;
}

std::string ValidateScenario(const Scenario& s) {
  const auto& names = ScenarioNames();
  if (std::find(names.begin(), names.end(), s.name) == names.end()) {
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    return "unknown scenario '" + s.name + "' (one of: " + all + ")";
  }
  static const std::map<std::string, std::vector<std::string>> kParams = {
      {"slow", {"delay"}},        {"error", {"code"}},     {"status", {"code"}},
      {"drift", {"after"}},       {"flapping", {"period"}}, {"ratelimited", {"retry_after"}},
      {"dribble", {"interval"}},  {"redirect", {"location"}}, {"faulty", {"rate"}}};
  const auto allowed = kParams.count(s.name) ? kParams.at(s.name) : std::vector<std::string>{};
  for (const auto& [k, v] : s.params) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      return "scenario '" + s.name + "' takes no parameter '" + k + "'";
    }
    if ((k == "delay" || k == "interval") && !core::ParseDuration(v).ok()) {
      return k + ": " + core::ParseDuration(v).message();
    }
    if (k == "rate") {
      char* end = nullptr;
      const double pct = std::strtod(v.c_str(), &end);
      if (v.empty() || end == v.c_str() || (*end != '\0' && std::string_view(end) != "%") || !(pct >= 0 && pct <= 100)) {
        return "rate: expected a percentage from 0% to 100%, got '" + v + "'";
      }
    }
    if (k == "code" || k == "after" || k == "period" || k == "retry_after") {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      const bool code = k == "code";
      if (v.empty() || *end != '\0' || n < (code ? 100 : 0) || n > (code ? 599 : 1'000'000)) {
        return k + ": invalid value '" + v + "'";
      }
    }
  }
  return "";
}

core::Result<Scenario> ParseScenarioSpec(const std::string& spec) {
  Scenario s;
  const std::size_t q = spec.find('?');
  s.name = spec.substr(0, q);
  if (q != std::string::npos) {
    try {
      Poco::URI uri("/?" + spec.substr(q + 1));
      for (const auto& [k, v] : uri.getQueryParameters()) s.params[k] = v;
    } catch (const Poco::Exception& e) {
      return core::Result<Scenario>::Error("malformed parameters '" + spec.substr(q + 1) + "': " + e.message());
    }
  }
  if (std::string err = ValidateScenario(s); !err.empty()) return core::Result<Scenario>::Error(err);
  return s;
}

}  // namespace vigil::simulate
