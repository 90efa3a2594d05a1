// The JSON form of findings and results, shared by storage (the findings column), the HTTP API
// and `vigil probe --json`, so all three always agree. Field names follow SPEC §1 and §5.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "daemon/core/status.h"
#include "probes/probe_result.h"

namespace vigil::probes {

Poco::JSON::Array::Ptr FindingsToJson(const std::vector<Finding>& findings);
std::string FindingsToJsonText(const std::vector<Finding>& findings);
core::Result<std::vector<Finding>> FindingsFromJsonText(const std::string& text);
Poco::JSON::Object::Ptr PhasesToJson(const Phases& phases);
// {"dimension", "limit", "remaining", "ratio", "reset", "window_s", "source"} (absent fields null)
Poco::JSON::Object::Ptr BudgetToJson(const quota::Budget& budget);
std::string BudgetsToJsonText(const std::vector<quota::Budget>& budgets);
std::vector<quota::Budget> BudgetsFromJsonText(const std::string& text);  // tolerant
// {"provider","check","time","outcome","status_code","phases","findings", ...}
Poco::JSON::Object::Ptr ResultToJson(const ProbeResult& result);
std::string ToJsonText(const Poco::Dynamic::Var& value);

}  // namespace vigil::probes
