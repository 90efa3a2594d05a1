// SqliteStore: ResultStore on one SQLite file through Poco::Data. WAL mode, synchronous=FULL
// (a committed batch is on disk, not only in the page cache), a versioned schema migrated on
// open, one writer session used by the single writer thread and a pool of reader sessions for
// concurrent queries. The file is created 0600: body excerpts may be sensitive.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "storage/alert_store.h"
#include "storage/result_store.h"

namespace vigil::storage {

class SqliteStore final : public ResultStore, public AlertStore {
 public:
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  core::Status Write(const WriteBatch& batch) override;
  core::Result<std::vector<StoredResult>> Results(const ResultQuery& query) const override;
  core::Result<std::vector<StoredIncident>> Incidents(const IncidentQuery& query) const override;
  core::Result<std::vector<double>> Latencies(const std::string& provider, const std::string& check,
                                              core::WallTime since) const override;
  core::Result<Uptime> UptimeSince(const std::string& provider, core::WallTime since) const override;
  core::Result<alerts::SavedState> LoadSavedState() const override;
  core::Result<std::vector<probes::shape::StoredBaseline>> LoadBaselines() const override;
  // AlertStore (sqlite_alerts.cc)
  core::Result<std::vector<alerts::AlertMark>> LoadAlertMarks() const override;
  core::Result<std::vector<alerts::PendingDelivery>> PendingHeads(const std::string& notifier) const override;
  core::Status RecordAttempt(const alerts::DeliveryAttempt& attempt) override;
  core::Result<std::vector<alerts::DeliveryRecord>> Deliveries(const alerts::DeliveryQuery& query) const override;
  core::Result<int64_t> OutboxDepth() const override;
  core::Result<std::vector<std::string>> PendingNotifiers() const override;
  core::Status SaveSilence(const alerts::Silence& silence) override;
  core::Result<bool> ExpireSilence(const std::string& id, core::WallTime at) override;
  core::Result<std::vector<alerts::Silence>> LoadSilences(core::WallTime since) const override;

  // The database file can still be written (for /readyz).
  bool Writable() const;

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }
  static int LatestSchemaVersion();

 private:
  explicit SqliteStore(std::string path);
  core::Status Migrate();
  void InsertResults(const std::vector<probes::ProbeResult>& results);  // REQUIRES: in a transaction
  void WriteHealth(const alerts::HealthChanges& health);                // REQUIRES: in a transaction
  void WriteBaselines(const std::vector<BaselineOp>& ops);              // REQUIRES: in a transaction
  void WriteAlerts(const alerts::AlertWrites& writes);                  // REQUIRES: in a transaction
  // Runs `body` in one write transaction; a Poco exception becomes the error, rolled back.
  template <typename Body>
  core::Status InWriteTransaction(const char* what, Body body);

  std::string path_;
  std::mutex write_mu_;  // Write() is documented single-threaded; the mutex makes misuse safe
  std::unique_ptr<Poco::Data::Session> writer_;
  std::unique_ptr<Poco::Data::SessionPool> readers_;
  int schema_version_ = 0;
  std::atomic<bool> last_write_ok_{true};
};

}  // namespace vigil::storage
