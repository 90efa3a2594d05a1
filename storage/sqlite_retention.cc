// The retention side of SqliteStore: the backfill of rollups from raw rows written before they
// existed, pruning in short bounded steps, and giving free pages back. Each step is one short
// write transaction on the writer session: the pipeline's group commit waits at most one step.
#include <Poco/Data/LOB.h>
#include <Poco/Data/Session.h>
#include <sys/stat.h>

#include <map>

#include "storage/sqlite_store.h"

namespace vigil::storage {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Int64;

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// Raw rows of one backfill step, read on a reader session (no write lock while reading).
struct RawRows {
  std::vector<Int64> id, ts;
  std::vector<std::string> provider, check, outcome;
  std::vector<int> status, maintenance;
  std::vector<double> total;
};

}  // namespace

core::Result<BackfillProgress> SqliteStore::BackfillStep(std::size_t max_rows, const config::RetentionConfig& retention,
                                                         core::WallTime as_of) {
  using Out = core::Result<BackfillProgress>;
  Int64 after = 0, end = 0;
  RawRows raw;
  try {
    Poco::Data::Session s = readers_->get();
    s << "SELECT after_id, end_id FROM backfill WHERE id = 1", into(after), into(end), now;
    if (after >= end) return BackfillProgress{after, 0};
    Int64 limit = static_cast<Int64>(max_rows);
    s << "SELECT id, ts_ms, provider, check_name, outcome, status_code, total_ms, maintenance FROM results"
         " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
        into(raw.id), into(raw.ts), into(raw.provider), into(raw.check), into(raw.outcome), into(raw.status),
        into(raw.total), into(raw.maintenance), use(after), use(end), use(limit), now;
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read raw results to roll up from " + path_ + ": " + e.displayText());
  }
  // Rows are older than any rollup written live, and nothing else changes them meanwhile:
  // the raw rows are not pruned before the backfill is done.
  const Int64 next = raw.id.size() < max_rows ? end : raw.id.back();
  const int64_t now_ms = core::ToUnixMillis(as_of);
  const int64_t keep_hours = now_ms - retention.hour.count(), keep_minutes = now_ms - retention.minute.count();
  core::Status st = InWriteTransaction("roll up old results", [&] {
    std::map<std::pair<int64_t, int64_t>, HourRollup> deltas;
    for (std::size_t i = 0; i < raw.id.size(); ++i) {
      const int64_t hour = FloorTo(raw.ts[i], kHourMs);
      if (hour + kHourMs <= keep_hours) continue;  // would be pruned at once
      RollupSample sample;
      sample.time_ms = raw.ts[i];
      if (!probes::ParseOutcome(raw.outcome[i], sample.outcome)) continue;
      sample.maintenance = raw.maintenance[i] != 0;
      if (raw.status[i] > 0) sample.latency_ms = raw.total[i];
      const int64_t series = SeriesFor(raw.provider[i], raw.check[i]);
      auto it = deltas.find({series, hour});
      if (it == deltas.end()) {
        it = deltas.emplace(std::pair{series, hour}, HourRollup(hour, hour + kHourMs > keep_minutes)).first;
      }
      it->second.Add(sample);
    }
    std::vector<RollupRow> rows;
    rows.reserve(deltas.size());
    for (auto& [key, hour] : deltas) rows.push_back({key.first, std::move(hour)});
    core::Result<std::vector<RollupRow>> merged = book_.ApplyHours(std::move(rows), RollupLoader());
    if (!merged.ok()) throw Poco::Data::DataException(merged.message());
    UpsertRollups(std::move(merged).value());
    *writer_ << "UPDATE backfill SET after_id = ? WHERE id = 1", bind(next), now;
  });
  if (!st.ok()) return st;
  return BackfillProgress{next, end - next};
}

PruneProgress SqliteStore::PruneSeries(const std::string& table, const std::string& column, int64_t width,
                                       int64_t before_ms, std::size_t max_series, int64_t& cursor) {
  std::vector<Int64> ids;
  Int64 from = cursor, limit = static_cast<Int64>(max_series);
  *writer_ << "SELECT id FROM series WHERE id > ? ORDER BY id LIMIT ?", into(ids), use(from), use(limit), now;
  PruneProgress progress;
  // A bucket goes once all of it is older than the cutoff.
  Int64 before = FloorTo(before_ms, width) - width + 1;
  for (Int64 id : ids) {
    Poco::Data::Statement del(*writer_);
    del << "DELETE FROM " + table + " WHERE series = ? AND " + column + " < ?", use(id), use(before);
    progress.deleted += static_cast<int64_t>(del.execute());
  }
  progress.more = ids.size() == max_series;
  cursor = progress.more ? ids.back() : 0;
  return progress;
}

int64_t SqliteStore::PruneHealthHistory(int64_t cutoff_ms) {
  Int64 cutoff = cutoff_ms;
  int64_t deleted = 0;
  const auto run = [&](const std::string& sql) {
    Poco::Data::Statement st(*writer_);
    st << sql, use(cutoff);
    deleted += static_cast<int64_t>(st.execute());
  };
  // Incidents that ended before the cutoff, with their transitions; then transitions outside any
  // incident, except each provider's latest (the state a restart resumes from).
  run("DELETE FROM transitions WHERE incident_id IN (SELECT id FROM incidents WHERE ended_ms < ?)");
  run("DELETE FROM incidents WHERE ended_ms < ?");
  run("DELETE FROM transitions WHERE ts_ms < ? AND incident_id IS NULL"
      " AND id NOT IN (SELECT MAX(id) FROM transitions GROUP BY provider)");
  run("DELETE FROM maintenance_log WHERE ended_ms < ?");
  return deleted;
}

core::Result<PruneProgress> SqliteStore::PruneStep(PruneKind kind, core::WallTime cutoff, std::size_t max_rows) {
  PruneProgress progress;
  const Int64 before = core::ToUnixMillis(cutoff);
  Int64 limit = static_cast<Int64>(max_rows);
  const std::size_t series_per_step = std::max<std::size_t>(1, max_rows / 10);
  core::Status st = InWriteTransaction("prune old history", [&] {
    switch (kind) {
      case PruneKind::kRaw: {
        Int64 after = 0, end = 0;
        *writer_ << "SELECT after_id, end_id FROM backfill WHERE id = 1", into(after), into(end), now;
        if (after < end) return;  // not yet rolled up
        // Oldest first, so every row from just after the newest one deleted is still there.
        Int64 newest = -1;
        *writer_ << "SELECT COALESCE(MAX(ts_ms), -1) FROM (SELECT ts_ms FROM results WHERE ts_ms < ? ORDER BY ts_ms LIMIT ?)",
            into(newest), bind(before), use(limit), now;
        Poco::Data::Statement del(*writer_);
        del << "DELETE FROM results WHERE id IN (SELECT id FROM results WHERE ts_ms < ? ORDER BY ts_ms LIMIT ?)",
            bind(before), use(limit);
        progress.deleted = static_cast<int64_t>(del.execute());
        progress.more = progress.deleted == limit;
        if (progress.deleted > 0 && newest >= 0) {
          *writer_ << "UPDATE backfill SET raw_horizon_ms = MAX(raw_horizon_ms, ?) WHERE id = 1",
              bind(newest + 1), now;
        }
        return;
      }
      case PruneKind::kMinute:
        progress = PruneSeries("rollup_minute", "hour_ms", kHourMs, before, series_per_step, minute_prune_cursor_);
        return;
      case PruneKind::kDay:
        progress = PruneSeries("rollup_day", "day_ms", kDayMs, before, series_per_step, day_prune_cursor_);
        return;
      case PruneKind::kHour:
        if (hour_prune_cursor_ == 0) progress.deleted += PruneHealthHistory(before);
        {
          const PruneProgress rows =
              PruneSeries("rollup_hour", "hour_ms", kHourMs, before, series_per_step, hour_prune_cursor_);
          progress.deleted += rows.deleted;
          progress.more = rows.more;
        }
        return;
      case PruneKind::kDeliveries:
      case PruneKind::kDeadLetters: {
        const std::string statuses =
            kind == PruneKind::kDeadLetters ? "('dead')" : "('delivered','suppressed','rerouted')";
        std::vector<Int64> ids;
        *writer_ << "SELECT id FROM outbox WHERE created_ms < ? AND status IN " + statuses +
                        " AND COALESCE(done_ms, created_ms) < ? ORDER BY created_ms LIMIT ?",
            into(ids), bind(before), bind(before), use(limit), now;
        for (Int64 id : ids) {
          *writer_ << "DELETE FROM delivery_attempts WHERE outbox_id = ?", bind(id), now;
          *writer_ << "DELETE FROM outbox WHERE id = ?", bind(id), now;
        }
        if (kind == PruneKind::kDeliveries) *writer_ << "DELETE FROM silences WHERE ends_ms < ?", bind(before), now;
        progress.deleted = static_cast<int64_t>(ids.size());
        progress.more = ids.size() == max_rows;
        return;
      }
    }
  });
  if (!st.ok()) return st;
  return progress;
}

core::Status SqliteStore::ReclaimSpace() {
  // Keep some free pages for the next inserts (they would only grow the file again); give the
  // rest back, a bounded number per call.
  return InWriteTransaction("reclaim free pages", [&] {
    int mode = 0;
    Int64 pages = 0, free_pages = 0;
    *writer_ << "PRAGMA auto_vacuum", into(mode), now;
    if (mode != 2) return;  // databases created before incremental vacuum reuse their free pages
    *writer_ << "PRAGMA page_count", into(pages), now;
    *writer_ << "PRAGMA freelist_count", into(free_pages), now;
    const Int64 keep = pages / 20;
    if (free_pages <= pages / 10) return;
    *writer_ << "PRAGMA incremental_vacuum(" + std::to_string(std::min<Int64>(free_pages - keep, 4096)) + ")", now;
  });
}

int64_t SqliteStore::SizeBytes() const { return FileSize(path_) + FileSize(path_ + "-wal"); }

}  // namespace vigil::storage
