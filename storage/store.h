// Store: everything the daemon keeps, behind one seam. The daemon, the CLI and the HTTP layer see
// only these interfaces (ResultStore, AlertStore, HistoryStore, RetentionStore); which database
// holds them, and every SQL dialect detail, stays inside storage/. OpenStore() picks the
// implementation the config names (today SQLite, the embedded default).
//
// RetentionStore is the store's side of retention: single, bounded steps (one short transaction
// each) that storage::RetentionTask runs off the probe path, so pruning never holds the write lock
// for long and never stalls the pipeline's group commit. Thread-safe like the rest of the store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "storage/alert_store.h"
#include "storage/history.h"
#include "storage/result_store.h"

namespace vigil::storage {

// What is pruned, each after its own window (config::RetentionConfig; day sums after the hour one).
enum class PruneKind { kRaw, kMinute, kHour, kDay, kDeliveries, kDeadLetters };
const char* PruneKindName(PruneKind k);

struct BackfillProgress {
  int64_t done = 0;     // raw rows rolled up so far
  int64_t pending = 0;  // raw rows written before the rollups existed, still to roll up
  bool finished() const { return pending == 0; }
};

struct PruneProgress {
  int64_t deleted = 0;  // rows
  bool more = false;    // call again: this step stopped at its bound
};

class RetentionStore {
 public:
  virtual ~RetentionStore() = default;
  // Rolls up at most `max_rows` of the raw rows a database from before rollups holds, oldest
  // first, in one transaction with the cursor: a crash resumes without losing or double-counting.
  // Buckets older than the windows of `retention` (as of `now`) are not written.
  virtual core::Result<BackfillProgress> BackfillStep(std::size_t max_rows, const config::RetentionConfig& retention,
                                                      core::WallTime now) = 0;
  // Deletes about `max_rows` (raw rows, outbox entries) or the rows of about `max_rows / 10` checks
  // (rollups) of what `kind` keeps from before `cutoff`. kHour also prunes transitions and
  // incidents that ended before the cutoff (never a provider's latest transition: a restart
  // resumes from it) and ended maintenance periods. Raw rows wait until the backfill is done.
  virtual core::Result<PruneProgress> PruneStep(PruneKind kind, core::WallTime cutoff, std::size_t max_rows) = 0;
  // Gives free pages back to the file system when many are free (SQLite: incremental vacuum).
  virtual core::Status ReclaimSpace() = 0;
  // Bytes on disk (database and its logs).
  virtual int64_t SizeBytes() const = 0;
};

class Store : public ResultStore, public AlertStore, public HistoryStore, public RetentionStore {
 public:
  // The database can still be written (for /readyz).
  virtual bool Writable() const = 0;
  // What and where, for logs and errors: "sqlite /var/lib/vigil/vigil.db".
  virtual std::string Describe() const = 0;
};

// Where the database of `sqlite` (storage.sqlite) lives: as is when absolute, else under
// `state_dir`, else $STATE_DIRECTORY (systemd), else the working directory.
std::string DatabasePath(const std::string& state_dir, const std::string& sqlite);

// Opens (creating and migrating as needed) the store the config names.
core::Result<std::unique_ptr<Store>> OpenStore(const config::StorageConfig& config, const std::string& state_dir);

}  // namespace vigil::storage
