// The alerting side of SqliteStore: outbox, delivery log, alert marks and silences.
#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <limits>
#include <map>

#include "alerts/payloads.h"
#include "daemon/core/text.h"
#include "probes/result_json.h"
#include "storage/sqlite_store.h"

namespace vigil::storage {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Int64;

constexpr std::size_t kMaxQueryLimit = 1000;

std::string ListJson(const std::vector<std::string>& items) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
  for (const auto& s : items) a->add(s);
  return probes::ToJsonText(a);
}

std::vector<std::string> ListFromJson(const std::string& text) {
  std::vector<std::string> out;
  try {
    Poco::JSON::Array::Ptr a = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < a->size(); ++i) out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
  } catch (const Poco::Exception&) {
  }
  return out;
}

Int64 Ms(core::WallTime t) { return core::ToUnixMillis(t); }

// An event read back from the outbox; an unreadable one (never written by us) is reported.
core::Result<alerts::AlertEvent> EventFrom(const std::string& json, const std::string& title) {
  std::optional<alerts::AlertEvent> e = alerts::ParseWebhookBody(json);
  if (!e) return core::Result<alerts::AlertEvent>::Error("corrupt event in the outbox");
  e->title = title;
  return *e;
}

}  // namespace

void SqliteStore::WriteAlerts(const alerts::AlertWrites& writes) {
  for (const auto& entry : writes.outbox) {
    const alerts::AlertEvent& e = entry.event;
    const bool suppressed = !entry.suppressed.empty();
    const std::string status = suppressed ? "suppressed" : "pending";
    const Int64 created = Ms(e.timestamp);
    *writer_ << "INSERT INTO outbox(event_id, notifier, provider, type, title, event, status, reason, created_ms,"
                " next_attempt_ms, done_ms) VALUES(?,?,?,?,?,?,?,?,?,?, CASE WHEN ? THEN ? END)",
        bind(e.id), bind(entry.notifier), bind(e.provider), bind(std::string(alerts::EventTypeName(e.type))),
        bind(e.title), bind(alerts::WebhookBody(e)), bind(status), bind(entry.suppressed), bind(created),
        bind(created), bind(suppressed ? 1 : 0), bind(created), now;
  }
  for (const auto& m : writes.marks) {
    *writer_ << "INSERT INTO alert_marks(notifier, provider, notified, last_sent_ms, event, title, attention)"
                " VALUES(?,?,?,?,?,?,?)"
                " ON CONFLICT(notifier, provider) DO UPDATE SET notified = excluded.notified,"
                " last_sent_ms = excluded.last_sent_ms, event = excluded.event, title = excluded.title,"
                " attention = excluded.attention",
        bind(m.notifier), bind(m.provider), bind(std::string(alerts::HealthStateName(m.notified))),
        bind(Ms(m.last_sent)), bind(m.event.id.empty() ? std::string() : alerts::WebhookBody(m.event)),
        bind(m.event.title), bind(core::Join(m.attention, "\n")), now;
  }
}

core::Result<std::vector<alerts::AlertMark>> SqliteStore::LoadAlertMarks() const {
  using Out = core::Result<std::vector<alerts::AlertMark>>;
  std::vector<std::string> notifier, provider, notified, event, title, attention;
  std::vector<Int64> last;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT notifier, provider, notified, last_sent_ms, event, title, attention FROM alert_marks", into(notifier),
        into(provider), into(notified), into(last), into(event), into(title), into(attention), now;
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read alert state from " + path_ + ": " + e.displayText());
  }
  std::vector<alerts::AlertMark> out;
  for (std::size_t i = 0; i < notifier.size(); ++i) {
    alerts::AlertMark m;
    m.notifier = notifier[i];
    m.provider = provider[i];
    alerts::ParseHealthState(notified[i], m.notified);
    m.last_sent = core::FromUnixMillis(last[i]);
    for (std::string_view rest = attention[i]; !rest.empty();) {
      const std::size_t nl = rest.find('\n');
      m.attention.emplace_back(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    if (!event[i].empty()) {
      core::Result<alerts::AlertEvent> e = EventFrom(event[i], title[i]);
      if (e.ok()) m.event = std::move(e).value();
    }
    out.push_back(std::move(m));
  }
  return out;
}

core::Result<std::vector<alerts::PendingDelivery>> SqliteStore::PendingHeads(const std::string& notifier) const {
  using Out = core::Result<std::vector<alerts::PendingDelivery>>;
  std::vector<Int64> id, attempts, created, first, next;
  std::vector<std::string> event, title, via;
  std::string n = notifier;
  try {
    Poco::Data::Session s = readers_->get();
    // A head without a route of its own follows the lane's last delivered event to the
    // fallback while that was a page (not a resolve) sent there.
    s << "SELECT o.id, o.event, o.title, o.attempts, o.created_ms, COALESCE(o.first_attempt_ms, -1), o.next_attempt_ms,"
         " CASE WHEN o.via <> '' THEN o.via ELSE COALESCE((SELECT CASE WHEN p.type = 'provider.up' THEN '' ELSE p.via END"
         "   FROM outbox p WHERE p.notifier = o.notifier AND p.provider = o.provider AND p.id < o.id"
         "   AND p.status = 'delivered' ORDER BY p.id DESC LIMIT 1), '') END"
         " FROM outbox o WHERE o.status = 'pending' AND o.notifier = ? AND o.id = (SELECT MIN(id) FROM outbox"
         " WHERE status = 'pending' AND notifier = o.notifier AND provider = o.provider) ORDER BY o.id",
        into(id), into(event), into(title), into(attempts), into(created), into(first), into(next), into(via), use(n),
        now;
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read the outbox of " + path_ + ": " + e.displayText());
  }
  std::vector<alerts::PendingDelivery> out;
  for (std::size_t i = 0; i < id.size(); ++i) {
    core::Result<alerts::AlertEvent> e = EventFrom(event[i], title[i]);
    if (!e.ok()) return e.status();
    alerts::PendingDelivery d;
    d.id = id[i];
    d.notifier = notifier;
    d.via = via[i];
    d.event = std::move(e).value();
    d.attempts = static_cast<int>(attempts[i]);
    d.created = core::FromUnixMillis(created[i]);
    if (first[i] >= 0) d.first_attempt = core::FromUnixMillis(first[i]);
    d.next_attempt = core::FromUnixMillis(next[i]);
    out.push_back(std::move(d));
  }
  return out;
}

core::Status SqliteStore::RecordAttempt(const alerts::DeliveryAttempt& a) {
  return InWriteTransaction("record a delivery attempt", [&] {
    const Int64 at = Ms(a.at);
    const Int64 next = a.next_retry ? Ms(*a.next_retry) : -1;
    *writer_ << "INSERT INTO delivery_attempts(outbox_id, ts_ms, outcome, status_code, error, duration_ms, next_retry_ms,"
                " via) VALUES(?,?,?,?,?,?,NULLIF(?,-1),?)",
        bind(a.outbox_id), bind(at), bind(std::string(alerts::AttemptOutcomeName(a.outcome))), bind(a.status_code),
        bind(a.error), bind(a.duration_ms), bind(next), bind(a.via), now;
    // The route an attempt took sticks to the entry (an inherited one included), so the lane's
    // next events can follow it.
    *writer_ << "UPDATE outbox SET attempts = attempts + ?, first_attempt_ms = COALESCE(first_attempt_ms, ?),"
                " via = CASE WHEN ? <> '' THEN ? ELSE via END WHERE id = ?",
        bind(a.counted ? 1 : 0), bind(at), bind(a.via), bind(a.via), bind(a.outbox_id), now;
    switch (a.outcome) {
      case alerts::AttemptOutcome::kDelivered:
        *writer_ << "UPDATE outbox SET status = 'delivered', done_ms = ? WHERE id = ?", bind(at), bind(a.outbox_id), now;
        break;
      case alerts::AttemptOutcome::kRetry:
        *writer_ << "UPDATE outbox SET next_attempt_ms = ? WHERE id = ?", bind(next), bind(a.outbox_id), now;
        break;
      case alerts::AttemptOutcome::kDead:
        *writer_ << "UPDATE outbox SET status = 'dead', reason = ?, done_ms = ? WHERE id = ?", bind(a.error), bind(at),
            bind(a.outbox_id), now;
        break;
      case alerts::AttemptOutcome::kRerouted:
        // Stays pending in its lane, due now, through the fallback's receiver, with a fresh backoff.
        *writer_ << "UPDATE outbox SET via = ?, reason = ?, attempts = 0, next_attempt_ms = ? WHERE id = ?",
            bind(a.reroute_to), bind("re-routed to " + a.reroute_to + ": " + a.error), bind(at), bind(a.outbox_id), now;
        break;
    }
  });
}

core::Result<std::vector<alerts::DeliveryRecord>> SqliteStore::Deliveries(const alerts::DeliveryQuery& q) const {
  using Out = core::Result<std::vector<alerts::DeliveryRecord>>;
  std::vector<Int64> id, created, next, done;
  std::vector<std::string> event_id, notifier, provider, type, status, reason, via;
  std::string nf = q.notifier, pf = q.provider;
  Int64 since = q.since ? Ms(*q.since) : std::numeric_limits<Int64>::min();
  Int64 limit = static_cast<Int64>(std::min(q.limit, kMaxQueryLimit));
  std::vector<alerts::DeliveryRecord> out;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT id, event_id, notifier, provider, type, status, reason, created_ms, next_attempt_ms,"
         " COALESCE(done_ms, -1), via FROM outbox WHERE (? = '' OR notifier = ?) AND (? = '' OR provider = ?)"
         " AND created_ms >= ? ORDER BY id DESC LIMIT ?",
        into(id), into(event_id), into(notifier), into(provider), into(type), into(status), into(reason),
        into(created), into(next), into(done), into(via), use(nf), use(nf), use(pf), use(pf), use(since), use(limit),
        now;
    std::map<Int64, std::size_t> index;
    for (std::size_t i = 0; i < id.size(); ++i) {
      alerts::DeliveryRecord r;
      r.id = id[i];
      r.event_id = event_id[i];
      r.notifier = notifier[i];
      r.via = via[i];
      r.provider = provider[i];
      alerts::ParseEventType(type[i], r.type);
      alerts::ParseDeliveryStatus(status[i], r.status);
      r.reason = reason[i];
      r.created = core::FromUnixMillis(created[i]);
      if (r.status == alerts::DeliveryStatus::kPending) r.next_attempt = core::FromUnixMillis(next[i]);
      if (done[i] >= 0) r.done = core::FromUnixMillis(done[i]);
      index[id[i]] = out.size();
      out.push_back(std::move(r));
    }
    if (out.empty()) return out;
    std::vector<Int64> oid, ts, retry;
    std::vector<std::string> outcome, error, attempt_via;
    std::vector<int> code;
    std::vector<double> duration;
    Int64 lo = id.back(), hi = id.front();
    s << "SELECT outbox_id, ts_ms, outcome, status_code, error, duration_ms, COALESCE(next_retry_ms, -1), via"
         " FROM delivery_attempts WHERE outbox_id BETWEEN ? AND ? ORDER BY id",
        into(oid), into(ts), into(outcome), into(code), into(error), into(duration), into(retry), into(attempt_via),
        use(lo), use(hi), now;
    for (std::size_t i = 0; i < oid.size(); ++i) {
      auto it = index.find(oid[i]);
      if (it == index.end()) continue;
      alerts::DeliveryAttempt a;
      a.outbox_id = oid[i];
      a.via = attempt_via[i];
      a.at = core::FromUnixMillis(ts[i]);
      for (auto o : {alerts::AttemptOutcome::kDelivered, alerts::AttemptOutcome::kRetry, alerts::AttemptOutcome::kDead,
                     alerts::AttemptOutcome::kRerouted}) {
        if (outcome[i] == alerts::AttemptOutcomeName(o)) a.outcome = o;
      }
      a.status_code = code[i];
      a.error = error[i];
      a.duration_ms = duration[i];
      if (retry[i] >= 0) a.next_retry = core::FromUnixMillis(retry[i]);
      out[it->second].attempts.push_back(std::move(a));
    }
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read deliveries from " + path_ + ": " + e.displayText());
  }
  return out;
}

core::Result<int64_t> SqliteStore::OutboxDepth() const {
  Int64 n = 0;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT COUNT(*) FROM outbox WHERE status = 'pending'", into(n), now;
  } catch (const Poco::Exception& e) {
    return core::Result<int64_t>::Error("cannot read the outbox: " + e.displayText());
  }
  return n;
}

core::Result<std::vector<std::string>> SqliteStore::PendingNotifiers() const {
  std::vector<std::string> out;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT DISTINCT notifier FROM outbox WHERE status = 'pending'", into(out), now;
  } catch (const Poco::Exception& e) {
    return core::Result<std::vector<std::string>>::Error("cannot read the outbox: " + e.displayText());
  }
  return out;
}

core::Status SqliteStore::SaveSilence(const alerts::Silence& s) {
  return InWriteTransaction("save a silence", [&] {
    *writer_ << "INSERT INTO silences(id, providers, tags, starts_ms, ends_ms, comment, created_by, created_ms)"
                " VALUES(?,?,?,?,?,?,?,?)",
        bind(s.id), bind(ListJson(s.providers)), bind(ListJson(s.tags)), bind(Ms(s.starts)), bind(Ms(s.ends)),
        bind(s.comment), bind(s.created_by), bind(Ms(s.created)), now;
  });
}

core::Result<bool> SqliteStore::ExpireSilence(const std::string& id, core::WallTime at) {
  std::size_t changed = 0;
  const core::Status st = InWriteTransaction("end a silence", [&] {
    Poco::Data::Statement update(*writer_);
    update << "UPDATE silences SET ends_ms = ? WHERE id = ? AND ends_ms > ?", bind(Ms(at)), bind(id), bind(Ms(at));
    changed = update.execute();
  });
  if (!st.ok()) return st;
  return changed > 0;
}

core::Result<std::vector<alerts::Silence>> SqliteStore::LoadSilences(core::WallTime since) const {
  using Out = core::Result<std::vector<alerts::Silence>>;
  std::vector<std::string> id, providers, tags, comment, by;
  std::vector<Int64> starts, ends, created;
  Int64 from = Ms(since);
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT id, providers, tags, starts_ms, ends_ms, comment, created_by, created_ms FROM silences"
         " WHERE ends_ms >= ? ORDER BY starts_ms, id",
        into(id), into(providers), into(tags), into(starts), into(ends), into(comment), into(by), into(created),
        use(from), now;
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read silences from " + path_ + ": " + e.displayText());
  }
  std::vector<alerts::Silence> out;
  for (std::size_t i = 0; i < id.size(); ++i) {
    out.push_back({id[i], ListFromJson(providers[i]), ListFromJson(tags[i]), core::FromUnixMillis(starts[i]),
                   core::FromUnixMillis(ends[i]), comment[i], by[i], core::FromUnixMillis(created[i])});
  }
  return out;
}

}  // namespace vigil::storage
