#include "probes/result_json.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cmath>
#include <sstream>

namespace vigil::probes {
namespace {

double Round3(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

Poco::JSON::Array::Ptr FindingsToJson(const std::vector<Finding>& findings) {
  Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
  for (const auto& f : findings) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("kind", FindingKindName(f.kind));
    o->set("severity", config::SeverityName(f.severity));
    o->set("message", f.message);
    if (f.attention) o->set("attention", true);
    if (f.due) o->set("due", core::FormatRfc3339(*f.due));
    out->add(o);
  }
  return out;
}

std::string ToJsonText(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str();
}

std::string FindingsToJsonText(const std::vector<Finding>& findings) {
  return ToJsonText(FindingsToJson(findings));
}

core::Result<std::vector<Finding>> FindingsFromJsonText(const std::string& text) {
  std::vector<Finding> out;
  try {
    Poco::JSON::Array::Ptr array = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i) {
      Poco::JSON::Object::Ptr o = array->getObject(static_cast<unsigned>(i));
      Finding f{FindingKind::kNetwork, Severity::kCritical, o->optValue<std::string>("message", "")};
      if (!ParseFindingKind(o->optValue<std::string>("kind", ""), f.kind)) {
        return core::Result<std::vector<Finding>>::Error("unknown finding kind in stored result");
      }
      f.severity = o->optValue<std::string>("severity", "") == "warn" ? Severity::kWarn : Severity::kCritical;
      // Rows from before attention existed: an expiry, or a deprecation short of critical, was one.
      f.attention = o->has("attention") ? o->optValue<bool>("attention", false)
                                        : f.kind == FindingKind::kExpiry ||
                                              (f.kind == FindingKind::kDeprecation && f.severity == Severity::kWarn);
      if (const auto due = quota::ParseRfc3339Ms(o->optValue<std::string>("due", ""))) f.due = core::FromUnixMillis(*due);
      out.push_back(std::move(f));
    }
  } catch (const Poco::Exception& e) {
    return core::Result<std::vector<Finding>>::Error("corrupt findings in stored result: " + e.message());
  }
  return out;
}

Poco::JSON::Object::Ptr PhasesToJson(const Phases& p) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
  o->set("dns_ms", Round3(p.dns_ms));
  o->set("connect_ms", Round3(p.connect_ms));
  o->set("tls_ms", Round3(p.tls_ms));
  o->set("ttfb_ms", Round3(p.ttfb_ms));
  o->set("transfer_ms", Round3(p.transfer_ms));
  o->set("total_ms", Round3(p.total_ms));
  return o;
}

Poco::JSON::Object::Ptr BudgetToJson(const quota::Budget& b) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  const auto opt = [](const auto& v) { return v ? Poco::Dynamic::Var(*v) : Poco::Dynamic::Var(); };
  o->set("dimension", b.dimension);
  o->set("limit", opt(b.limit));
  o->set("remaining", opt(b.remaining));
  o->set("ratio", b.limit && b.remaining && *b.limit > 0 ? Poco::Dynamic::Var(Round3(*b.remaining / *b.limit)) : Poco::Dynamic::Var());
  o->set("reset", b.reset_unix_ms ? Poco::Dynamic::Var(core::FormatRfc3339(core::FromUnixMillis(*b.reset_unix_ms))) : Poco::Dynamic::Var());
  o->set("window_s", b.window_ms ? Poco::Dynamic::Var(static_cast<double>(*b.window_ms) / 1000.0) : Poco::Dynamic::Var());
  o->set("source", b.source);
  return o;
}

std::string BudgetsToJsonText(const std::vector<quota::Budget>& budgets) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
  for (const auto& b : budgets) a->add(BudgetToJson(b));
  return ToJsonText(a);
}

std::vector<quota::Budget> BudgetsFromJsonText(const std::string& text) {
  std::vector<quota::Budget> out;
  try {
    Poco::JSON::Array::Ptr a = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < a->size(); ++i) {
      Poco::JSON::Object::Ptr o = a->getObject(static_cast<unsigned>(i));
      quota::Budget b;
      b.dimension = o->optValue<std::string>("dimension", "");
      b.source = o->optValue<std::string>("source", "");
      if (!o->isNull("limit")) b.limit = o->getValue<double>("limit");
      if (!o->isNull("remaining")) b.remaining = o->getValue<double>("remaining");
      if (!o->isNull("window_s")) b.window_ms = static_cast<int64_t>(o->getValue<double>("window_s") * 1000);
      if (!o->isNull("reset")) {
        Poco::DateTime dt;
        int tz = 0;
        if (Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, o->getValue<std::string>("reset"), dt, tz)) {
          b.reset_unix_ms = dt.timestamp().epochMicroseconds() / 1000 - static_cast<int64_t>(tz) * 1000;
        }
      }
      out.push_back(std::move(b));
    }
  } catch (const Poco::Exception&) {
  }
  return out;
}

Poco::JSON::Object::Ptr ResultToJson(const ProbeResult& r) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
  o->set("provider", r.provider);
  o->set("check", r.check);
  o->set("time", core::FormatRfc3339(r.time));
  o->set("outcome", OutcomeName(r.outcome));
  o->set("status_code", r.status_code);
  o->set("phases", PhasesToJson(r.phases));
  o->set("findings", FindingsToJson(r.findings));
  if (r.attempts > 1) o->set("attempts", r.attempts);
  if (!r.body_excerpt.empty()) o->set("body_excerpt", r.body_excerpt);
  if (r.body_truncated) o->set("body_truncated", true);
  if (r.cert_not_after) o->set("cert_not_after", core::FormatRfc3339(*r.cert_not_after));
  if (r.credential_not_after) o->set("credential_not_after", core::FormatRfc3339(*r.credential_not_after));
  if (!r.budgets.empty()) {
    Poco::JSON::Array::Ptr q = new Poco::JSON::Array;
    for (const auto& b : r.budgets) q->add(BudgetToJson(b));
    o->set("quota", q);
  }
  return o;
}

}  // namespace vigil::probes
