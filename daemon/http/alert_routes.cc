// The alerting routes of the API: the delivery log and silences (SPEC §5).
#include <algorithm>
#include <cmath>

#include "alerts/event.h"
#include "daemon/core/duration.h"
#include "daemon/core/text.h"
#include "daemon/http/request.h"

namespace vigil::daemon::http {
namespace {

Object::Ptr AttemptJson(const alerts::DeliveryAttempt& a) {
  auto o = NewObject();
  o->set("time", core::FormatRfc3339(a.at));
  o->set("outcome", alerts::AttemptOutcomeName(a.outcome));
  o->set("via", a.via.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(a.via));
  o->set("status_code", a.status_code == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(a.status_code));
  o->set("error", a.error.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(a.error));
  o->set("duration_ms", std::round(a.duration_ms * 1000) / 1000);
  o->set("next_retry", a.next_retry ? Poco::Dynamic::Var(core::FormatRfc3339(*a.next_retry)) : Poco::Dynamic::Var());
  return o;
}

Object::Ptr SilenceJson(const alerts::Silence& s, core::WallTime now) {
  auto o = NewObject();
  o->set("id", s.id);
  o->set("providers", Strings(s.providers));
  o->set("tags", Strings(s.tags));
  o->set("starts_at", core::FormatRfc3339(s.starts));
  o->set("ends_at", core::FormatRfc3339(s.ends));
  o->set("state", s.Active(now) ? "active" : s.ends <= now ? "expired" : "pending");
  o->set("comment", s.comment);
  o->set("created_by", s.created_by);
  o->set("created_at", core::FormatRfc3339(s.created));
  return o;
}

// The POST /api/v1/silences body as a Silence (without id and creation time); a 400 naming
// the field for anything malformed, unknown or out of range.
alerts::Silence SilenceFromJson(const Object& in, const config::Config& config, core::WallTime now) {
  static const std::vector<std::string> kKeys = {"providers", "tags", "starts_at", "ends_at", "duration", "comment", "created_by"};
  for (const auto& [key, value] : in) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      throw HttpError{400, "bad_request", "unknown field '" + core::Printable(key, 40) + "' (allowed: " + core::Join(kKeys, ", ") + ")"};
    }
  }
  const auto strings = [&](const char* key) {
    std::vector<std::string> out;
    if (!in.has(key)) return out;
    Array::Ptr a = in.getArray(key);
    if (!a) throw HttpError{400, "bad_request", std::string(key) + ": expected an array of strings"};
    for (std::size_t i = 0; i < a->size(); ++i) {
      const Poco::Dynamic::Var v = a->get(static_cast<unsigned>(i));
      if (!v.isString()) throw HttpError{400, "bad_request", std::string(key) + ": expected an array of strings"};
      out.push_back(v.toString());
    }
    return out;
  };
  const auto text = [&](const char* key) -> std::optional<std::string> {
    if (!in.has(key)) return std::nullopt;
    const Poco::Dynamic::Var v = in.get(key);
    if (!v.isString()) throw HttpError{400, "bad_request", std::string(key) + ": expected a string"};
    return v.toString();
  };
  const auto time = [&](const char* key, const std::string& value) {
    const std::optional<core::WallTime> t = ParseTimeFilter(value, now);
    if (!t) throw HttpError{400, "bad_request", std::string(key) + ": expected an RFC 3339 time"};
    return *t;
  };
  alerts::Silence s;
  s.providers = strings("providers");
  s.tags = strings("tags");
  if (s.providers.empty() && s.tags.empty()) throw HttpError{400, "bad_request", "name at least one provider or tag"};
  for (const auto& p : s.providers) {
    if (!config.FindProvider(p)) throw HttpError{400, "bad_request", "providers: unknown provider '" + core::Printable(p, 60) + "'"};
  }
  const auto starts = text("starts_at");
  s.starts = starts ? time("starts_at", *starts) : now;
  const auto ends = text("ends_at");
  const auto duration = text("duration");
  if (ends.has_value() == duration.has_value()) throw HttpError{400, "bad_request", "give exactly one of ends_at and duration"};
  if (ends) {
    s.ends = time("ends_at", *ends);
  } else {
    core::Result<core::Millis> d = core::ParseDuration(*duration);
    if (!d.ok()) throw HttpError{400, "bad_request", "duration: " + d.message()};
    s.ends = s.starts + *d;
  }
  if (s.ends <= s.starts || s.ends <= now) throw HttpError{400, "bad_request", "the silence must end after it starts, and in the future"};
  if (s.ends - now > std::chrono::hours(24 * 365)) throw HttpError{400, "bad_request", "a silence lasts at most a year"};
  s.comment = core::Printable(text("comment").value_or(""), 500);
  s.created_by = core::Printable(text("created_by").value_or(""), 100);
  return s;
}

}  // namespace

void Request::Deliveries() {
  const Query q = ParseQuery(uri_, {"notifier", "provider", "since", "limit"});
  const auto config = b_.config();
  alerts::DeliveryQuery dq;
  if (auto it = q.find("notifier"); it != q.end()) dq.notifier = it->second;
  if (auto it = q.find("provider"); it != q.end()) dq.provider = it->second;
  dq.since = TimeParam(q, "since", b_.Now());
  dq.limit = LimitParam(q, 100);
  core::Result<std::vector<alerts::DeliveryRecord>> rows = b_.alert_store().Deliveries(dq);
  if (!rows.ok()) throw HttpError{503, "store_unavailable", rows.message()};
  Array::Ptr list = new Array;
  for (const auto& r : *rows) {
    auto o = NewObject();
    o->set("id", r.id);
    o->set("event_id", r.event_id);
    o->set("notifier", r.notifier);
    o->set("via", r.via.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.via));
    o->set("provider", r.provider);
    o->set("type", alerts::EventTypeName(r.type));
    o->set("status", alerts::DeliveryStatusName(r.status));
    o->set("reason", r.reason.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.reason));
    o->set("created", core::FormatRfc3339(r.created));
    o->set("next_attempt", r.next_attempt ? Poco::Dynamic::Var(core::FormatRfc3339(*r.next_attempt)) : Poco::Dynamic::Var());
    o->set("done", r.done ? Poco::Dynamic::Var(core::FormatRfc3339(*r.done)) : Poco::Dynamic::Var());
    Array::Ptr attempts = new Array;
    for (const auto& a : r.attempts) attempts->add(AttemptJson(a));
    o->set("attempts", attempts);
    list->add(o);
  }
  auto body = NewObject();
  body->set("deliveries", list);
  Json(200, body);
}

void Request::Silences() {
  const Query q = ParseQuery(uri_, {"since"});
  const core::WallTime now = b_.Now();
  core::Result<std::vector<alerts::Silence>> rows = b_.alert_store().LoadSilences(TimeParam(q, "since", now).value_or(now));
  if (!rows.ok()) throw HttpError{503, "store_unavailable", rows.message()};
  Array::Ptr list = new Array;
  for (const auto& s : *rows) list->add(SilenceJson(s, now));
  auto body = NewObject();
  body->set("silences", list);
  Json(200, body);
}

void Request::CreateSilence() {
  RequireToken();
  ParseQuery(uri_, {});
  const core::WallTime now = b_.Now();
  alerts::Silence s = SilenceFromJson(*ReadJsonObject(), *b_.config(), now);
  s.created = now;
  s.id = alerts::NewEventId(now);
  if (core::Status st = b_.AddSilence(s); !st.ok()) throw HttpError{503, "store_unavailable", st.message()};
  resp_.set("Location", "/api/v1/silences/" + s.id);
  Json(201, SilenceJson(s, now));
}

void Request::DeleteSilence(const std::string& id) {
  RequireToken();
  ParseQuery(uri_, {});
  core::Result<bool> found = b_.ExpireSilence(id);
  if (!found.ok()) throw HttpError{503, "store_unavailable", found.message()};
  if (!*found) throw HttpError{404, "not_found", "no active or pending silence with id '" + core::Printable(id, 60) + "'"};
  auto body = NewObject();
  body->set("id", id);
  body->set("expired", true);
  Json(200, body);
}

}  // namespace vigil::daemon::http
