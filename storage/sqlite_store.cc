#include "storage/sqlite_store.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <sys/stat.h>

#include <filesystem>
#include <mutex>

#include "probes/result_json.h"
#include "storage/migrations.h"

namespace vigil::storage {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Int64;

constexpr std::size_t kBusyTimeoutSeconds = 5;
constexpr std::size_t kMaxQueryLimit = 1000;

void RegisterConnector() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

}  // namespace

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

core::Status SqliteStore::Write(const WriteBatch& batch) {
  if (batch.results.empty()) return core::Status::Ok();
  std::vector<Int64> ts, cert;
  std::vector<std::string> provider, check, outcome, findings, excerpt;
  std::vector<int> status, truncated;
  std::vector<double> dns, connect, tls, ttfb, transfer, total;
  for (const auto& r : batch.results) {
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
  }
  std::lock_guard lock(write_mu_);
  try {
    writer_->begin();
    *writer_ << "INSERT INTO results(ts_ms, provider, check_name, outcome, status_code, dns_ms, connect_ms,"
                " tls_ms, ttfb_ms, transfer_ms, total_ms, findings, body_excerpt, body_truncated,"
                " cert_not_after_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULLIF(?,-1))",
        use(ts), use(provider), use(check), use(outcome), use(status), use(dns), use(connect), use(tls),
        use(ttfb), use(transfer), use(total), use(findings), use(excerpt), use(truncated), use(cert), now;
    writer_->commit();
  } catch (const Poco::Exception& e) {
    try {
      if (writer_->isTransaction()) writer_->rollback();
    } catch (const Poco::Exception&) {
    }
    return core::Status::Error("cannot write results to " + path_ + ": " + e.displayText());
  }
  return core::Status::Ok();
}

core::Result<std::vector<StoredResult>> SqliteStore::Results(const ResultQuery& q) const {
  using Out = core::Result<std::vector<StoredResult>>;
  std::vector<Int64> id, ts, cert;
  std::vector<std::string> check, outcome, findings, excerpt;
  std::vector<int> status, truncated;
  std::vector<double> dns, connect, tls, ttfb, transfer, total;
  std::string provider = q.provider;
  std::string check_filter = q.check;
  Int64 since = q.since ? core::ToUnixMillis(*q.since) : std::numeric_limits<Int64>::min();
  Int64 until = q.until ? core::ToUnixMillis(*q.until) : std::numeric_limits<Int64>::max();
  Int64 limit = static_cast<Int64>(std::min(q.limit, kMaxQueryLimit));
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT id, ts_ms, check_name, outcome, status_code, dns_ms, connect_ms, tls_ms, ttfb_ms,"
         " transfer_ms, total_ms, findings, body_excerpt, body_truncated, COALESCE(cert_not_after_ms, -1)"
         " FROM results WHERE provider = ? AND (? = '' OR check_name = ?) AND ts_ms >= ? AND ts_ms < ?"
         " ORDER BY ts_ms DESC, id DESC LIMIT ?",
        into(id), into(ts), into(check), into(outcome), into(status), into(dns), into(connect), into(tls),
        into(ttfb), into(transfer), into(total), into(findings), into(excerpt), into(truncated), into(cert),
        use(provider), use(check_filter), use(check_filter), use(since), use(until), use(limit), now;
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
    out.push_back(std::move(sr));
  }
  return out;
}

}  // namespace vigil::storage
