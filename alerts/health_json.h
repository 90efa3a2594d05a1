// JSON for health reasons ([{"check","kind","message"}], the SPEC §6 shape), shared by storage,
// the API and the webhook payload.
#pragma once

#include <Poco/JSON/Array.h>

#include <string>
#include <vector>

#include "alerts/health_tracker.h"

namespace vigil::alerts {

Poco::JSON::Array::Ptr ReasonsToJson(const std::vector<Reason>& reasons);
std::string ReasonsToJsonText(const std::vector<Reason>& reasons);
// [{check, kind, urgency: warn|critical, message}]
Poco::JSON::Array::Ptr AttentionToJson(const std::vector<AttentionItem>& items);
std::vector<Reason> ReasonsFromJsonText(const std::string& text);  // tolerant: bad input -> {}

}  // namespace vigil::alerts
