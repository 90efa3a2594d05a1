// SqliteStore: the Store on one SQLite file through Poco::Data. WAL mode, synchronous=FULL
// (a committed batch is on disk, not only in the page cache), a versioned schema migrated on
// open, one writer session used by the single writer thread (and, in short bounded steps, by
// retention) and a pool of reader sessions for concurrent queries. New databases use incremental
// auto-vacuum, so pruned pages go back to the file system. The file is created 0600: body
// excerpts may be sensitive.
//
// Rollups are written in the transaction of the results they count, through a RollupBook that
// holds every check's newest hour; checks are numbered in a `series` table so rollup rows stay
// small. A database from before rollups (schema 7) is upgraded at once (new tables only) and its
// raw rows are rolled up afterwards by BackfillStep(), resumably.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "storage/rollup.h"
#include "storage/store.h"

namespace vigil::storage {

class SqliteStore final : public Store {
 public:
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  // ResultStore (sqlite_store.cc, sqlite_queries.cc)
  core::Status Write(const WriteBatch& batch) override;
  core::Result<std::vector<StoredResult>> Results(const ResultQuery& query) const override;
  core::Result<std::vector<StoredIncident>> Incidents(const IncidentQuery& query) const override;
  core::Result<std::vector<double>> Latencies(const std::string& provider, const std::string& check,
                                              core::WallTime since) const override;
  core::Result<alerts::SavedState> LoadSavedState() const override;
  core::Result<std::vector<probes::shape::StoredBaseline>> LoadBaselines() const override;
  core::Result<std::map<std::string, core::WallTime>> BaselineTimes(const std::string& provider) const override;
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
  // HistoryStore (sqlite_history.cc)
  core::Result<std::vector<OutcomeCounts>> Counts(const std::string& provider, const std::string& check,
                                                  const std::vector<core::WallTime>& since,
                                                  core::WallTime until) const override;
  core::Result<LatencySketch> Latency(const std::string& provider, const std::string& check, core::WallTime since,
                                      core::WallTime until) const override;
  core::Result<std::vector<RollupPoint>> Rollups(const std::string& provider, const std::string& check,
                                                 Resolution resolution, core::WallTime since,
                                                 core::WallTime until) const override;
  core::Result<ProviderTimeline> Timeline(const std::string& provider, core::WallTime since,
                                          core::WallTime until) const override;
  // RetentionStore (sqlite_retention.cc)
  core::Result<BackfillProgress> BackfillStep(std::size_t max_rows, const config::RetentionConfig& retention,
                                              core::WallTime now) override;
  core::Result<PruneProgress> PruneStep(PruneKind kind, core::WallTime cutoff, std::size_t max_rows) override;
  core::Status ReclaimSpace() override;
  int64_t SizeBytes() const override;

  bool Writable() const override;
  std::string Describe() const override { return "sqlite " + path_; }

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }
  static int LatestSchemaVersion();

 private:
  explicit SqliteStore(std::string path);
  core::Status Migrate();
  void InsertResults(const std::vector<probes::ProbeResult>& results);  // REQUIRES: in a transaction
  void WriteHealth(const alerts::HealthChanges& health);                // REQUIRES: in a transaction
  void WriteMaintenance(const std::vector<alerts::MaintenanceChange>& changes);  // REQUIRES: in a transaction
  void WriteBaselines(const std::vector<BaselineOp>& ops);              // REQUIRES: in a transaction
  void WriteAlerts(const alerts::AlertWrites& writes);                  // REQUIRES: in a transaction
  // Rolls the batch's results up; REQUIRES: in a write transaction.
  void WriteRollups(const std::vector<probes::ProbeResult>& results);
  // Writes merged rows and stages them for the book; REQUIRES: in a write transaction.
  void UpsertRollups(std::vector<RollupRow> rows);
  RollupBook::Loader RollupLoader();                       // REQUIRES: write_mu_ held
  // A check's series number, created on first use; REQUIRES: in a write transaction.
  int64_t SeriesFor(const std::string& provider, const std::string& check);
  // A check's series number for a reader, nullopt when it has no rollups yet.
  std::optional<int64_t> FindSeries(Poco::Data::Session& s, const std::string& provider,
                                    const std::string& check) const;
  // A transaction's writes became durable (or were rolled back): publish what it staged.
  void Committed();
  void RolledBack();
  // Runs `body` in one write transaction; a Poco exception becomes the error, rolled back.
  template <typename Body>
  core::Status InWriteTransaction(const char* what, Body body) {
    std::lock_guard lock(write_mu_);
    try {
      writer_->begin();
      body();
      writer_->commit();
    } catch (const Poco::Exception& e) {
      try {
        if (writer_->isTransaction()) writer_->rollback();
      } catch (const Poco::Exception&) {
      }
      RolledBack();
      last_write_ok_ = false;
      return core::Status::Error(std::string("cannot ") + what + " in " + path_ + ": " + e.displayText());
    }
    Committed();
    last_write_ok_ = true;
    return core::Status::Ok();
  }
  // Deletes, for up to `max_series` series after `cursor`, the rows of `table` whose buckets of
  // `width` ms (keyed by `column`) end at or before `before_ms`; moves the cursor on.
  PruneProgress PruneSeries(const std::string& table, const std::string& column, int64_t width, int64_t before_ms,
                            std::size_t max_series, int64_t& cursor);
  int64_t PruneHealthHistory(int64_t cutoff_ms);

  std::string path_;
  std::mutex write_mu_;  // Write() is documented single-threaded; retention steps share the writer
  std::unique_ptr<Poco::Data::Session> writer_;
  std::unique_ptr<Poco::Data::SessionPool> readers_;
  int schema_version_ = 0;
  std::atomic<bool> last_write_ok_{true};

  RollupBook book_;                                        // GUARDED_BY(write_mu_)
  std::vector<RollupRow> staged_rollups_;                  // GUARDED_BY(write_mu_): this transaction's
  std::unordered_map<std::string, int64_t> new_series_;    // GUARDED_BY(write_mu_): this transaction's
  mutable std::mutex series_mu_;
  mutable std::unordered_map<std::string, int64_t> series_;  // GUARDED_BY(series_mu_): committed
  int64_t minute_prune_cursor_ = 0;                        // GUARDED_BY(write_mu_)
  int64_t hour_prune_cursor_ = 0;                          // GUARDED_BY(write_mu_)
  int64_t day_prune_cursor_ = 0;                           // GUARDED_BY(write_mu_)
};

}  // namespace vigil::storage
