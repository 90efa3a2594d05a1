#include "alerts/health_json.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "probes/result_json.h"

namespace vigil::alerts {

Poco::JSON::Array::Ptr ReasonsToJson(const std::vector<Reason>& reasons) {
  Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
  for (const auto& r : reasons) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("check", r.check);
    o->set("kind", probes::FindingKindName(r.kind));
    o->set("message", r.message);
    if (r.status_code != 0) o->set("status_code", r.status_code);
    if (!r.excerpt.empty()) o->set("excerpt", r.excerpt);
    out->add(o);
  }
  return out;
}

Poco::JSON::Array::Ptr AttentionToJson(const std::vector<AttentionItem>& items) {
  Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
  for (const auto& a : items) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("check", a.check);
    o->set("kind", probes::FindingKindName(a.kind));
    o->set("urgency", config::SeverityName(a.urgency));
    o->set("message", a.message);
    if (a.due) o->set("due", core::FormatRfc3339(*a.due));
    out->add(o);
  }
  return out;
}

std::string ReasonsToJsonText(const std::vector<Reason>& reasons) { return probes::ToJsonText(ReasonsToJson(reasons)); }

std::vector<Reason> ReasonsFromJsonText(const std::string& text) {
  std::vector<Reason> out;
  try {
    Poco::JSON::Array::Ptr a = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < a->size(); ++i) {
      Poco::JSON::Object::Ptr o = a->getObject(static_cast<unsigned>(i));
      Reason r{o->optValue<std::string>("check", ""), probes::FindingKind::kNetwork, o->optValue<std::string>("message", "")};
      probes::ParseFindingKind(o->optValue<std::string>("kind", ""), r.kind);
      r.status_code = o->optValue<int>("status_code", 0);
      r.excerpt = o->optValue<std::string>("excerpt", "");
      out.push_back(std::move(r));
    }
  } catch (const Poco::Exception&) {
  }
  return out;
}

}  // namespace vigil::alerts
