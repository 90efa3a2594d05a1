#include <Poco/Data/Session.h>

#include <algorithm>
#include <limits>

#include "alerts/health_json.h"
#include "probes/result_json.h"
#include "storage/sqlite_store.h"

// The read side of SqliteStore: every query runs on a pooled reader session, so readers never
// wait for the writer (WAL) and never share a session between threads.
namespace vigil::storage {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Int64;

constexpr std::size_t kMaxQueryLimit = 1000;

alerts::HealthState State(const std::string& text) {
  alerts::HealthState s = alerts::HealthState::kUnknown;
  alerts::ParseHealthState(text, s);
  return s;
}

}  // namespace

core::Result<std::vector<StoredResult>> SqliteStore::Results(const ResultQuery& q) const {
  using Out = core::Result<std::vector<StoredResult>>;
  std::vector<Int64> id, ts, cert, credential;
  std::vector<std::string> check, outcome, findings, excerpt, quota;
  std::vector<int> status, truncated, attempts;
  std::vector<double> dns, connect, tls, ttfb, transfer, total;
  std::string provider = q.provider;
  std::string check_filter = q.check;
  Int64 since = q.since ? core::ToUnixMillis(*q.since) : std::numeric_limits<Int64>::min();
  Int64 until = q.until ? core::ToUnixMillis(*q.until) : std::numeric_limits<Int64>::max();
  Int64 limit = static_cast<Int64>(std::min(q.limit, kMaxQueryLimit));
  try {
    Poco::Data::Session s = readers_->get();
    // One check: an equality on check_name, so the (provider, check_name, ts_ms) index serves the
    // order and the limit (an "(? = '' OR check_name = ?)" would sort all of the provider's rows,
    // 1.5 minutes at start-up on 90 days of 1,000 checks).
    Poco::Data::Statement st(s);
    st << "SELECT id, ts_ms, check_name, outcome, status_code, dns_ms, connect_ms, tls_ms, ttfb_ms,"
          " transfer_ms, total_ms, findings, body_excerpt, body_truncated, COALESCE(cert_not_after_ms, -1),"
          " COALESCE(credential_not_after_ms, -1), quota, attempts FROM results WHERE provider = ?" +
              std::string(check_filter.empty() ? "" : " AND check_name = ?") +
              " AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms DESC, id DESC LIMIT ?",
        into(id), into(ts), into(check), into(outcome), into(status), into(dns), into(connect), into(tls),
        into(ttfb), into(transfer), into(total), into(findings), into(excerpt), into(truncated), into(cert), into(credential),
        into(quota), into(attempts), use(provider);
    if (!check_filter.empty()) st, use(check_filter);
    st, use(since), use(until), use(limit);
    st.execute();
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read results from " + path_ + ": " + e.displayText());
  }
  std::vector<StoredResult> out;
  out.reserve(id.size());
  for (std::size_t i = 0; i < id.size(); ++i) {
    StoredResult sr;
    sr.id = id[i];
    probes::ProbeResult& r = sr.result;
    r.provider = q.provider;
    r.check = check[i];
    r.time = core::FromUnixMillis(ts[i]);
    if (!probes::ParseOutcome(outcome[i], r.outcome)) return Out::Error("corrupt outcome in stored result");
    r.status_code = status[i];
    r.phases = {dns[i], connect[i], tls[i], ttfb[i], transfer[i], total[i]};
    core::Result<std::vector<probes::Finding>> f = probes::FindingsFromJsonText(findings[i]);
    if (!f.ok()) return f.status();
    r.findings = std::move(f).value();
    r.body_excerpt = excerpt[i];
    r.body_truncated = truncated[i] != 0;
    if (cert[i] >= 0) r.cert_not_after = core::FromUnixMillis(cert[i]);
    if (credential[i] >= 0) r.credential_not_after = core::FromUnixMillis(credential[i]);
    if (quota[i] != "[]") r.budgets = probes::BudgetsFromJsonText(quota[i]);
    r.attempts = attempts[i];
    out.push_back(std::move(sr));
  }
  return out;
}

core::Result<std::vector<StoredIncident>> SqliteStore::Incidents(const IncidentQuery& q) const {
  using Out = core::Result<std::vector<StoredIncident>>;
  std::vector<Int64> id, started, ended;
  std::vector<std::string> provider, state, reasons;
  std::string filter = q.provider;
  Int64 since = q.since ? core::ToUnixMillis(*q.since) : std::numeric_limits<Int64>::min();
  Int64 limit = static_cast<Int64>(std::min(q.limit, kMaxQueryLimit));
  Int64 offset = static_cast<Int64>(std::min<std::size_t>(q.offset, std::numeric_limits<int32_t>::max()));
  std::vector<StoredIncident> out;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT id, provider, state, started_ms, COALESCE(ended_ms, -1), reasons FROM incidents"
         " WHERE (? = '' OR provider = ?) AND (ended_ms IS NULL OR ended_ms >= ? OR started_ms >= ?)"
         " ORDER BY started_ms DESC, id DESC LIMIT ? OFFSET ?",
        into(id), into(provider), into(state), into(started), into(ended), into(reasons),
        use(filter), use(filter), use(since), use(since), use(limit), use(offset), now;
    for (std::size_t i = 0; i < id.size(); ++i) {
      StoredIncident inc;
      inc.id = id[i];
      inc.provider = provider[i];
      inc.state = State(state[i]);
      inc.started = core::FromUnixMillis(started[i]);
      if (ended[i] >= 0) inc.ended = core::FromUnixMillis(ended[i]);
      inc.reasons = alerts::ReasonsFromJsonText(reasons[i]);
      if (!q.transitions) {
        out.push_back(std::move(inc));
        continue;
      }
      std::vector<std::string> from, to, treasons;
      std::vector<Int64> ts;
      Int64 incident_id = id[i];
      s << "SELECT from_state, to_state, ts_ms, reasons FROM transitions WHERE incident_id = ? ORDER BY id",
          into(from), into(to), into(ts), into(treasons), use(incident_id), now;
      for (std::size_t k = 0; k < from.size(); ++k) {
        inc.transitions.push_back({State(from[k]), State(to[k]), core::FromUnixMillis(ts[k]),
                                   alerts::ReasonsFromJsonText(treasons[k])});
      }
      out.push_back(std::move(inc));
    }
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read incidents from " + path_ + ": " + e.displayText());
  }
  return out;
}

core::Result<std::vector<double>> SqliteStore::Latencies(const std::string& provider, const std::string& check,
                                                         core::WallTime since) const {
  std::vector<double> out;
  std::string p = provider, c = check;
  Int64 from = core::ToUnixMillis(since);
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT total_ms FROM results WHERE provider = ? AND check_name = ? AND ts_ms >= ?"
         " AND status_code > 0 ORDER BY total_ms",
        into(out), use(p), use(c), use(from), now;
  } catch (const Poco::Exception& e) {
    return core::Result<std::vector<double>>::Error("cannot read latencies: " + e.displayText());
  }
  return out;
}

core::Result<alerts::SavedState> SqliteStore::LoadSavedState() const {
  alerts::SavedState saved;
  std::vector<std::string> provider, check, state;
  std::vector<Int64> since;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT provider, check_name, state, since_ms FROM check_states",
        into(provider), into(check), into(state), into(since), now;
    for (std::size_t i = 0; i < provider.size(); ++i) {
      saved.checks.push_back({provider[i], check[i], State(state[i]), core::FromUnixMillis(since[i])});
    }
    provider.clear();
    state.clear();
    since.clear();
    s << "SELECT t.provider, t.to_state, t.ts_ms FROM transitions t"
         " WHERE t.id = (SELECT MAX(id) FROM transitions WHERE provider = t.provider)",
        into(provider), into(state), into(since), now;
    for (std::size_t i = 0; i < provider.size(); ++i) {
      saved.providers.push_back({provider[i], "", State(state[i]), core::FromUnixMillis(since[i])});
    }
    provider.clear();
    since.clear();
    std::vector<Int64> until;
    std::vector<std::string> reason;
    s << "SELECT provider, started_ms, until_ms, reason FROM maintenance_log WHERE ended_ms IS NULL",
        into(provider), into(since), into(until), into(reason), now;
    for (std::size_t i = 0; i < provider.size(); ++i) {
      saved.maintenance.push_back(
          {provider[i], core::FromUnixMillis(since[i]), core::FromUnixMillis(until[i]), reason[i], std::nullopt});
    }
    s << "SELECT provider FROM incidents WHERE ended_ms IS NULL", into(saved.open_incidents), now;
  } catch (const Poco::Exception& e) {
    return core::Result<alerts::SavedState>::Error("cannot read saved state from " + path_ + ": " + e.displayText());
  }
  // The newest result of each check that has a state: one indexed lookup each.
  for (const auto& c : saved.checks) {
    core::Result<std::vector<StoredResult>> last = Results({c.provider, c.check, {}, {}, 1});
    if (!last.ok()) return last.status();
    if (!last->empty()) saved.last_results.push_back(std::move(last->front().result));
  }
  return saved;
}

core::Result<std::vector<probes::shape::StoredBaseline>> SqliteStore::LoadBaselines() const {
  std::vector<std::string> provider, check, shape, headers;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT provider, check_name, shape, headers FROM baselines", into(provider), into(check), into(shape),
        into(headers), now;
  } catch (const Poco::Exception& e) {
    return core::Result<std::vector<probes::shape::StoredBaseline>>::Error("cannot read baselines from " + path_ + ": " +
                                                                           e.displayText());
  }
  std::vector<probes::shape::StoredBaseline> out;
  for (std::size_t i = 0; i < provider.size(); ++i) out.push_back({provider[i], check[i], shape[i], headers[i]});
  return out;
}

core::Result<std::map<std::string, core::WallTime>> SqliteStore::BaselineTimes(const std::string& provider) const {
  std::vector<std::string> check;
  std::vector<Int64> updated;
  std::string filter = provider;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT check_name, updated_ms FROM baselines WHERE provider = ?", into(check), into(updated), use(filter), now;
  } catch (const Poco::Exception& e) {
    return core::Result<std::map<std::string, core::WallTime>>::Error("cannot read baselines from " + path_ + ": " +
                                                                      e.displayText());
  }
  std::map<std::string, core::WallTime> out;
  for (std::size_t i = 0; i < check.size(); ++i) out[check[i]] = core::FromUnixMillis(updated[i]);
  return out;
}

}  // namespace vigil::storage
