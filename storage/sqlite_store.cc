#include "storage/sqlite_store.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "alerts/health_json.h"
#include "probes/result_json.h"
#include "storage/migrations.h"

namespace vigil::storage {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Int64;

constexpr std::size_t kBusyTimeoutSeconds = 5;

void RegisterConnector() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

}  // namespace

const char* PruneKindName(PruneKind k) {
  switch (k) {
    case PruneKind::kRaw: return "raw";
    case PruneKind::kMinute: return "minute";
    case PruneKind::kHour: return "hour";
    case PruneKind::kDay: return "day";
    case PruneKind::kDeliveries: return "deliveries";
    case PruneKind::kDeadLetters: return "dead_letters";
  }
  return "raw";
}

std::string DatabasePath(const std::string& state_dir, const std::string& sqlite) {
  if (!sqlite.empty() && sqlite.front() == '/') return sqlite;
  std::string dir = state_dir;
  if (dir.empty()) {
    if (const char* env = std::getenv("STATE_DIRECTORY")) dir = std::string(env).substr(0, std::string(env).find(':'));
  }
  return dir.empty() ? sqlite : dir + "/" + sqlite;
}

core::Result<std::unique_ptr<Store>> OpenStore(const config::StorageConfig& config, const std::string& state_dir) {
  core::Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(DatabasePath(state_dir, config.sqlite));
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

int SqliteStore::LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

SqliteStore::~SqliteStore() = default;

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  RegisterConnector();
  const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec)) {
    return core::Result<std::unique_ptr<SqliteStore>>::Error("cannot open database " + path + ": directory " +
                                                             parent.string() + " does not exist");
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  try {
    {
      // The file is created owner-only; SQLite gives its -wal and -shm files the same mode.
      struct UmaskScope {
        mode_t old = ::umask(077);
        ~UmaskScope() { ::umask(old); }
      } scope;
      store->writer_ = std::make_unique<Poco::Data::Session>("SQLite", path, kBusyTimeoutSeconds);
    }
    store->writer_->setConnectionTimeout(kBusyTimeoutSeconds);
    int tables = 0;
    *store->writer_ << "SELECT COUNT(*) FROM sqlite_master", into(tables), now;
    // Only possible before the first table: pruned pages can then go back to the file system.
    if (tables == 0) *store->writer_ << "PRAGMA auto_vacuum = INCREMENTAL", now;
    std::string mode;
    *store->writer_ << "PRAGMA journal_mode=WAL", into(mode), now;
    *store->writer_ << "PRAGMA synchronous=FULL", now;
    if (mode != "wal") return core::Result<std::unique_ptr<SqliteStore>>::Error(path + ": cannot enable WAL mode");
    if (core::Status s = store->Migrate(); !s.ok()) return s;
    store->readers_ = std::make_unique<Poco::Data::SessionPool>("SQLite", path, 1, 8, 60);
  } catch (const Poco::Exception& e) {
    return core::Result<std::unique_ptr<SqliteStore>>::Error("cannot open database " + path + ": " + e.displayText());
  }
  return store;
}

core::Status SqliteStore::Migrate() {
  int version = 0;
  *writer_ << "PRAGMA user_version", into(version), now;
  const auto& steps = Migrations();
  if (version > static_cast<int>(steps.size())) {
    return core::Status::Error(path_ + ": database schema version " + std::to_string(version) +
                               " is newer than this vigil understands (" + std::to_string(steps.size()) + ")");
  }
  for (auto i = static_cast<std::size_t>(version); i < steps.size(); ++i) {
    writer_->begin();
    try {
      for (const std::string& sql : steps[i]) *writer_ << sql, now;
      *writer_ << "PRAGMA user_version = " + std::to_string(i + 1), now;
      writer_->commit();
    } catch (...) {
      writer_->rollback();
      throw;
    }
  }
  schema_version_ = static_cast<int>(steps.size());
  return core::Status::Ok();
}

void SqliteStore::InsertResults(const std::vector<probes::ProbeResult>& results) {
  if (results.empty()) return;
  std::vector<Int64> ts, cert, credential;
  std::vector<std::string> provider, check, outcome, findings, excerpt, quota;
  std::vector<int> status, truncated, maintenance, attempts;
  std::vector<double> dns, connect, tls, ttfb, transfer, total;
  for (const auto& r : results) {
    maintenance.push_back(r.maintenance ? 1 : 0);
    attempts.push_back(r.attempts);
    quota.push_back(r.budgets.empty() ? "[]" : probes::BudgetsToJsonText(r.budgets));
    ts.push_back(core::ToUnixMillis(r.time));
    provider.push_back(r.provider);
    check.push_back(r.check);
    outcome.push_back(probes::OutcomeName(r.outcome));
    status.push_back(r.status_code);
    dns.push_back(r.phases.dns_ms);
    connect.push_back(r.phases.connect_ms);
    tls.push_back(r.phases.tls_ms);
    ttfb.push_back(r.phases.ttfb_ms);
    transfer.push_back(r.phases.transfer_ms);
    total.push_back(r.phases.total_ms);
    findings.push_back(probes::FindingsToJsonText(r.findings));
    excerpt.push_back(r.body_excerpt);
    truncated.push_back(r.body_truncated ? 1 : 0);
    cert.push_back(r.cert_not_after ? core::ToUnixMillis(*r.cert_not_after) : -1);
    credential.push_back(r.credential_not_after ? core::ToUnixMillis(*r.credential_not_after) : -1);
  }
  *writer_ << "INSERT INTO results(ts_ms, provider, check_name, outcome, status_code, dns_ms, connect_ms,"
              " tls_ms, ttfb_ms, transfer_ms, total_ms, findings, body_excerpt, body_truncated,"
              " cert_not_after_ms, credential_not_after_ms, quota, maintenance, attempts)"
              " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULLIF(?,-1),NULLIF(?,-1),?,?,?)",
      use(ts), use(provider), use(check), use(outcome), use(status), use(dns), use(connect), use(tls),
      use(ttfb), use(transfer), use(total), use(findings), use(excerpt), use(truncated), use(cert), use(credential),
      use(quota), use(maintenance), use(attempts), now;
}

void SqliteStore::WriteHealth(const alerts::HealthChanges& health) {
  for (const auto& c : health.checks) {
    *writer_ << "INSERT INTO check_states(provider, check_name, state, since_ms) VALUES(?,?,?,?)"
                " ON CONFLICT(provider, check_name) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms",
        bind(c.provider), bind(c.check), bind(std::string(alerts::HealthStateName(c.state))),
        bind(core::ToUnixMillis(c.since)), now;
  }
  for (const auto& t : health.transitions) {
    const std::string to = alerts::HealthStateName(t.to);
    const std::string reasons = alerts::ReasonsToJsonText(t.reasons);
    const Int64 at = core::ToUnixMillis(t.at);
    switch (t.incident) {
      case alerts::IncidentAction::kOpen:
        *writer_ << "INSERT INTO incidents(provider, state, started_ms, reasons) VALUES(?,?,?,?)",
            bind(t.provider), bind(to), bind(at), bind(reasons), now;
        break;
      case alerts::IncidentAction::kUpdate:  // the incident keeps its worst state and that moment's reasons
        *writer_ << "UPDATE incidents SET reasons = CASE WHEN state = 'down' AND ? <> 'down' THEN reasons ELSE ? END,"
                    " state = CASE WHEN state = 'down' THEN 'down' ELSE ? END"
                    " WHERE provider = ? AND ended_ms IS NULL",
            bind(to), bind(reasons), bind(to), bind(t.provider), now;
        break;
      case alerts::IncidentAction::kClose:
        *writer_ << "UPDATE incidents SET ended_ms = ? WHERE provider = ? AND ended_ms IS NULL",
            bind(at), bind(t.provider), now;
        break;
      case alerts::IncidentAction::kNone:
        break;
    }
    *writer_ << "INSERT INTO transitions(provider, from_state, to_state, ts_ms, reasons, incident_id)"
                " VALUES(?,?,?,?,?, CASE WHEN ? THEN (SELECT MAX(id) FROM incidents WHERE provider = ?) END)",
        bind(t.provider), bind(std::string(alerts::HealthStateName(t.from))), bind(to), bind(at), bind(reasons),
        bind(t.incident != alerts::IncidentAction::kNone ? 1 : 0), bind(t.provider), now;
  }
}

void SqliteStore::WriteMaintenance(const std::vector<alerts::MaintenanceChange>& changes) {
  for (const auto& m : changes) {
    // Close what is open first: a provider is in at most one period (the index says so).
    const Int64 at = core::ToUnixMillis(m.ended.value_or(m.start));
    *writer_ << "UPDATE maintenance_log SET ended_ms = ? WHERE provider = ? AND ended_ms IS NULL", bind(at),
        bind(m.provider), now;
    if (m.ended) continue;
    *writer_ << "INSERT INTO maintenance_log(provider, started_ms, until_ms, reason) VALUES(?,?,?,?)",
        bind(m.provider), bind(core::ToUnixMillis(m.start)), bind(core::ToUnixMillis(m.until)), bind(m.reason), now;
  }
}

void SqliteStore::WriteBaselines(const std::vector<BaselineOp>& ops) {
  for (const BaselineOp& op : ops) {
    const auto& b = op.baseline;
    if (op.reset) {
      *writer_ << "DELETE FROM baselines WHERE provider = ? AND (? = '' OR check_name = ?)",
          bind(b.provider), bind(b.check), bind(b.check), now;
    } else {
      *writer_ << "INSERT INTO baselines(provider, check_name, shape, headers, updated_ms) VALUES(?,?,?,?,?)"
                  " ON CONFLICT(provider, check_name) DO UPDATE SET shape = excluded.shape,"
                  " headers = excluded.headers, updated_ms = excluded.updated_ms",
          bind(b.provider), bind(b.check), bind(b.shape_json), bind(b.headers_json),
          bind(core::ToUnixMillis(std::chrono::system_clock::now())), now;
    }
  }
}

core::Status SqliteStore::Write(const WriteBatch& batch) {
  if (batch.empty()) return core::Status::Ok();
  return InWriteTransaction("write results", [&] {
    InsertResults(batch.results);
    WriteRollups(batch.results);
    WriteHealth(batch.health);
    WriteMaintenance(batch.health.maintenance);
    WriteBaselines(batch.baselines);
    WriteAlerts(batch.alerts);
  });
}

bool SqliteStore::Writable() const {
  return last_write_ok_ && ::access(path_.c_str(), W_OK) == 0 &&
         ::access(std::filesystem::absolute(path_).parent_path().c_str(), W_OK) == 0;
}

}  // namespace vigil::storage
