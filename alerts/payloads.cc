// The webhook and Alertmanager bodies; the Slack message is in slack_payload.cc.
#include "alerts/payloads.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

#include "alerts/health_json.h"
#include "alerts/payload_text.h"
#include "probes/quota/ratelimit_headers.h"
#include "probes/result_json.h"

namespace vigil::alerts {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Poco::Dynamic::Var TimeOrNull(core::WallTime t) {
  if (t == core::WallTime{}) return Poco::Dynamic::Var();
  return FormatRfc3339Seconds(t);
}

std::vector<Reason> CleanReasons(const std::vector<Reason>& reasons) {
  std::vector<Reason> out = reasons;
  for (auto& r : out) {
    r.check = ValidUtf8(r.check);
    r.message = ValidUtf8(r.message);
    r.excerpt = ValidUtf8(r.excerpt);
  }
  return out;
}

Array::Ptr StringArray(const std::vector<std::string>& items) {
  Array::Ptr out = new Array;
  for (const auto& s : items) out->add(ValidUtf8(s));
  return out;
}

// Alertmanager: one alert identity per alerting state.
struct AmAlertKind {
  const char* alertname;
  const char* severity;
};
constexpr AmAlertKind kAmDown{"VigilProviderDown", "critical"};
constexpr AmAlertKind kAmDegraded{"VigilProviderDegraded", "warning"};
constexpr AmAlertKind kAmTest{"VigilTestAlert", "info"};
constexpr std::chrono::minutes kTestAlertLife{2};

const AmAlertKind* AmKindOf(HealthState s) {
  if (s == HealthState::kDown) return &kAmDown;
  if (s == HealthState::kDegraded) return &kAmDegraded;
  return nullptr;
}

std::string Summary(const AlertEvent& e) {
  if (e.type == EventType::kTest) return "Test alert from Vigil";
  const std::string& name = e.title.empty() ? e.provider : e.title;
  std::string s = name + " is " + HealthStateName(e.state);
  if (!e.impacted_by.empty()) s += " (impacted by " + e.impacted_by + ")";
  return s;
}

// One line per reason, "check: kind: message (HTTP 503)", and after a check's last reason what
// its provider answered: "check answered: <excerpt on one line>".
std::string Description(const AlertEvent& e) {
  std::string out;
  for (std::size_t i = 0; i < e.reasons.size(); ++i) {
    const Reason& r = e.reasons[i];
    if (!out.empty()) out += '\n';
    out += r.check + ": " + probes::FindingKindName(r.kind) + ": " + OneLine(r.message);
    if (r.status_code != 0) out += " (HTTP " + std::to_string(r.status_code) + ")";
    const bool last_of_check = i + 1 == e.reasons.size() || e.reasons[i + 1].check != r.check;
    if (last_of_check && !r.excerpt.empty()) out += "\n" + r.check + " answered: " + OneLine(r.excerpt);
  }
  return out;
}

Object::Ptr AmAlert(const AlertEvent& e, const AmAlertKind& kind, core::WallTime starts,
                    std::optional<core::WallTime> ends, const std::string& generator_url) {
  Object::Ptr labels = NewObject();
  labels->set("alertname", kind.alertname);
  labels->set("provider", ValidUtf8(e.provider));
  labels->set("severity", kind.severity);
  if (!e.instance.empty()) labels->set("instance", ValidUtf8(e.instance));
  Object::Ptr annotations = NewObject();
  const std::pair<const char*, std::string> texts[] = {{"summary", Summary(e)},
                                                       {"description", Description(e)},
                                                       {"recommended", e.recommended},
                                                       {"status_url", e.status_url},
                                                       {"impacted_by", e.impacted_by}};
  for (const auto& [key, text] : texts) {
    if (!text.empty()) annotations->set(key, ValidUtf8(text));
  }
  Object::Ptr alert = NewObject();
  alert->set("labels", labels);
  alert->set("annotations", annotations);
  alert->set("startsAt", FormatRfc3339Seconds(starts));
  // Alertmanager rejects endsAt before startsAt.
  if (ends) alert->set("endsAt", FormatRfc3339Seconds(std::max(*ends, starts)));
  if (!generator_url.empty()) alert->set("generatorURL", ValidUtf8(generator_url));
  return alert;
}

}  // namespace

std::string WebhookBody(const AlertEvent& event) {
  Object::Ptr o = NewObject();
  o->set("type", EventTypeName(event.type));
  o->set("id", ValidUtf8(event.id));
  o->set("timestamp", FormatRfc3339Seconds(event.timestamp));
  o->set("provider", ValidUtf8(event.provider));
  o->set("state", HealthStateName(event.state));
  o->set("previous_state", HealthStateName(event.previous_state));
  o->set("since", TimeOrNull(event.since));
  o->set("reasons", ReasonsToJson(CleanReasons(event.reasons)));
  o->set("fallback", StringArray(event.fallback));
  o->set("recommended", ValidUtf8(event.recommended));
  o->set("instance", ValidUtf8(event.instance));
  o->set("status_url", ValidUtf8(event.status_url));
  if (!event.impacted_by.empty()) o->set("impacted_by", ValidUtf8(event.impacted_by));
  if (event.attention) {
    Object::Ptr a = NewObject();
    a->set("check", ValidUtf8(event.attention->check));
    a->set("kind", probes::FindingKindName(event.attention->kind));
    a->set("urgency", config::SeverityName(event.attention->urgency));
    a->set("message", ValidUtf8(event.attention->message));
    if (event.attention->due) a->set("due", core::FormatRfc3339(*event.attention->due));
    a->set("resolved", event.resolved);
    o->set("attention", a);
  }
  return probes::ToJsonText(o);
}

namespace {

std::optional<core::WallTime> ParseTime(const std::string& text) {
  const std::optional<int64_t> ms = probes::quota::ParseRfc3339Ms(text);
  if (!ms) return std::nullopt;
  return core::FromUnixMillis(*ms);
}

std::vector<std::string> Strings(const Array::Ptr& a) {
  std::vector<std::string> out;
  for (std::size_t i = 0; a && i < a->size(); ++i) out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
  return out;
}

}  // namespace

std::optional<AlertEvent> ParseWebhookBody(const std::string& body) {
  try {
    Object::Ptr o = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
    AlertEvent e;
    e.id = o->getValue<std::string>("id");
    const std::optional<core::WallTime> ts = ParseTime(o->getValue<std::string>("timestamp"));
    if (e.id.empty() || !ts || !ParseEventType(o->getValue<std::string>("type"), e.type) ||
        !ParseHealthState(o->getValue<std::string>("state"), e.state) ||
        !ParseHealthState(o->getValue<std::string>("previous_state"), e.previous_state)) {
      return std::nullopt;
    }
    e.timestamp = *ts;
    if (!o->isNull("since")) e.since = ParseTime(o->getValue<std::string>("since")).value_or(core::WallTime{});
    e.provider = o->getValue<std::string>("provider");
    e.reasons = ReasonsFromJsonText(probes::ToJsonText(o->getArray("reasons")));
    e.fallback = Strings(o->getArray("fallback"));
    e.recommended = o->optValue<std::string>("recommended", "");
    e.instance = o->optValue<std::string>("instance", "");
    e.status_url = o->optValue<std::string>("status_url", "");
    e.impacted_by = o->optValue<std::string>("impacted_by", "");
    if (Object::Ptr a = o->getObject("attention")) {
      AttentionItem item{a->optValue<std::string>("check", ""), probes::FindingKind::kDeprecation,
                         a->optValue<std::string>("urgency", "") == "critical" ? config::Severity::kCritical
                                                                               : config::Severity::kWarn,
                         a->optValue<std::string>("message", "")};
      probes::ParseFindingKind(a->optValue<std::string>("kind", ""), item.kind);
      if (a->has("due")) item.due = ParseTime(a->getValue<std::string>("due"));
      e.attention = std::move(item);
      e.resolved = a->optValue<bool>("resolved", false);
    }
    return e;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string AlertmanagerBody(const AlertEvent& event, std::optional<core::WallTime> ends_at,
                             const std::string& generator_url) {
  const core::WallTime starts = event.since == core::WallTime{} ? event.timestamp : event.since;
  Array::Ptr alerts = new Array;
  if (event.type == EventType::kAttention) return "[]";  // config refuses `on: [attention]` for it
  if (event.type == EventType::kTest) {  // shows in Alertmanager for a while, then resolves on its own
    alerts->add(AmAlert(event, kAmTest, starts, ends_at.value_or(event.timestamp + kTestAlertLife), generator_url));
    return probes::ToJsonText(alerts);
  }
  const AmAlertKind* firing = AmKindOf(event.state);
  if (firing != nullptr) alerts->add(AmAlert(event, *firing, starts, ends_at, generator_url));

  const AmAlertKind* previous = AmKindOf(event.previous_state);
  if (firing != nullptr) {
    if (previous != nullptr && previous != firing) {
      alerts->add(AmAlert(event, *previous, starts, starts, generator_url));
    }
    return probes::ToJsonText(alerts);
  }
  const core::WallTime ends = ends_at.value_or(starts);
  for (const AmAlertKind* kind : {&kAmDown, &kAmDegraded}) {
    if (previous == nullptr || previous == kind) {
      alerts->add(AmAlert(event, *kind, starts, ends, generator_url));
    }
  }
  return probes::ToJsonText(alerts);
}

}  // namespace vigil::alerts
