#include "storage/migrations.h"

namespace vigil::storage {

const std::vector<std::vector<std::string>>& Migrations() {
  static const std::vector<std::vector<std::string>> kMigrations = {
      // 1: probe results.
      {
          "CREATE TABLE results ("
          " id INTEGER PRIMARY KEY,"
          " ts_ms INTEGER NOT NULL,"
          " provider TEXT NOT NULL,"
          " check_name TEXT NOT NULL,"
          " outcome TEXT NOT NULL CHECK (outcome IN ('pass','warn','fail')),"
          " status_code INTEGER NOT NULL,"
          " dns_ms REAL NOT NULL, connect_ms REAL NOT NULL, tls_ms REAL NOT NULL,"
          " ttfb_ms REAL NOT NULL, transfer_ms REAL NOT NULL, total_ms REAL NOT NULL,"
          " findings TEXT NOT NULL,"
          " body_excerpt TEXT NOT NULL,"
          " body_truncated INTEGER NOT NULL,"
          " cert_not_after_ms INTEGER)",
          "CREATE INDEX results_by_check ON results(provider, check_name, ts_ms)",
          "CREATE INDEX results_by_time ON results(ts_ms)",
      },
      // 2: health: the last state of every check, every provider transition, incidents.
      {
          "CREATE TABLE check_states ("
          " provider TEXT NOT NULL, check_name TEXT NOT NULL, state TEXT NOT NULL,"
          " since_ms INTEGER NOT NULL, PRIMARY KEY (provider, check_name))",
          "CREATE TABLE incidents ("
          " id INTEGER PRIMARY KEY, provider TEXT NOT NULL, state TEXT NOT NULL,"
          " started_ms INTEGER NOT NULL, ended_ms INTEGER, reasons TEXT NOT NULL)",
          "CREATE INDEX incidents_by_start ON incidents(started_ms)",
          "CREATE UNIQUE INDEX incidents_one_open ON incidents(provider) WHERE ended_ms IS NULL",
          "CREATE TABLE transitions ("
          " id INTEGER PRIMARY KEY, provider TEXT NOT NULL, from_state TEXT NOT NULL,"
          " to_state TEXT NOT NULL, ts_ms INTEGER NOT NULL, reasons TEXT NOT NULL,"
          " incident_id INTEGER REFERENCES incidents(id))",
          "CREATE INDEX transitions_by_provider ON transitions(provider, ts_ms)",
      },
      // 3: the earliest known expiry of the provider's credentials, per result.
      {
          "ALTER TABLE results ADD COLUMN credential_not_after_ms INTEGER",
      },
      // 4: the rate-limit budgets each response reported (JSON array).
      {
          "ALTER TABLE results ADD COLUMN quota TEXT NOT NULL DEFAULT '[]'",
      },
      // 5: what each check learned: response shape and tracked header values.
      {
          "CREATE TABLE baselines ("
          " provider TEXT NOT NULL, check_name TEXT NOT NULL, shape TEXT NOT NULL, headers TEXT NOT NULL,"
          " updated_ms INTEGER NOT NULL, PRIMARY KEY (provider, check_name))",
      },
      // 6: alerting: the outbox and its delivery log, what each notifier was told, silences.
      {
          "CREATE TABLE outbox ("
          " id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, notifier TEXT NOT NULL, provider TEXT NOT NULL,"
          " type TEXT NOT NULL, title TEXT NOT NULL, event TEXT NOT NULL,"
          " status TEXT NOT NULL CHECK (status IN ('pending','delivered','dead','rerouted','suppressed')),"
          " reason TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
          " first_attempt_ms INTEGER, next_attempt_ms INTEGER NOT NULL, done_ms INTEGER)",
          "CREATE INDEX outbox_pending ON outbox(notifier, provider, id) WHERE status = 'pending'",
          "CREATE INDEX outbox_by_time ON outbox(created_ms)",
          "CREATE TABLE delivery_attempts ("
          " id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL REFERENCES outbox(id), ts_ms INTEGER NOT NULL,"
          " outcome TEXT NOT NULL, status_code INTEGER NOT NULL, error TEXT NOT NULL, duration_ms REAL NOT NULL,"
          " next_retry_ms INTEGER)",
          "CREATE INDEX delivery_attempts_by_entry ON delivery_attempts(outbox_id)",
          "CREATE TABLE alert_marks ("
          " notifier TEXT NOT NULL, provider TEXT NOT NULL, notified TEXT NOT NULL, last_sent_ms INTEGER NOT NULL,"
          " event TEXT NOT NULL, title TEXT NOT NULL, PRIMARY KEY (notifier, provider))",
          "CREATE TABLE silences ("
          " id TEXT PRIMARY KEY, providers TEXT NOT NULL, tags TEXT NOT NULL, starts_ms INTEGER NOT NULL,"
          " ends_ms INTEGER NOT NULL, comment TEXT NOT NULL, created_by TEXT NOT NULL, created_ms INTEGER NOT NULL)",
      },
      // 7: re-routing keeps an event in its notifier's lane: `via` names the receiver used.
      {
          "ALTER TABLE outbox ADD COLUMN via TEXT NOT NULL DEFAULT ''",
          "ALTER TABLE delivery_attempts ADD COLUMN via TEXT NOT NULL DEFAULT ''",
          "CREATE INDEX outbox_lane ON outbox(notifier, provider, id)",
      },
      // 8: history for years: rollups per check (numbered in `series`) by hour, with per-minute
      // detail kept apart so it can be pruned first; maintenance periods; which results fell in
      // one; the cursor of the backfill that rolls up the raw rows written before this; and the
      // raw horizon: every result at or after it is still a raw row.
      // Only new tables and an O(1) column: a big database opens at once.
      {
          "ALTER TABLE results ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0",
          "CREATE TABLE series ("
          " id INTEGER PRIMARY KEY, provider TEXT NOT NULL, check_name TEXT NOT NULL,"
          " UNIQUE (provider, check_name))",
          "CREATE TABLE rollup_hour ("
          " series INTEGER NOT NULL, hour_ms INTEGER NOT NULL, pass INTEGER NOT NULL, warn INTEGER NOT NULL,"
          " fail INTEGER NOT NULL, maint INTEGER NOT NULL, maint_fail INTEGER NOT NULL, latency BLOB NOT NULL,"
          " PRIMARY KEY (series, hour_ms)) WITHOUT ROWID",
          "CREATE TABLE rollup_minute ("
          " series INTEGER NOT NULL, hour_ms INTEGER NOT NULL, minutes BLOB NOT NULL,"
          " PRIMARY KEY (series, hour_ms)) WITHOUT ROWID",
          "CREATE TABLE maintenance_log ("
          " id INTEGER PRIMARY KEY, provider TEXT NOT NULL, started_ms INTEGER NOT NULL, until_ms INTEGER NOT NULL,"
          " ended_ms INTEGER, reason TEXT NOT NULL)",
          "CREATE INDEX maintenance_by_provider ON maintenance_log(provider, started_ms)",
          "CREATE UNIQUE INDEX maintenance_one_open ON maintenance_log(provider) WHERE ended_ms IS NULL",
          "CREATE TABLE backfill ("
          " id INTEGER PRIMARY KEY CHECK (id = 1), after_id INTEGER NOT NULL, end_id INTEGER NOT NULL,"
          " raw_horizon_ms INTEGER NOT NULL DEFAULT 0)",
          "INSERT INTO backfill(id, after_id, end_id) SELECT 1, 0, COALESCE(MAX(id), 0) FROM results",
      },
      // 9: per-check day sums of the hour rows (counts only), so a 90-day window reads 90 rows
      // instead of 2,160. Derived: rewritten from the hour rows of each day a write touches.
      {
          "CREATE TABLE rollup_day ("
          " series INTEGER NOT NULL, day_ms INTEGER NOT NULL, pass INTEGER NOT NULL, warn INTEGER NOT NULL,"
          " fail INTEGER NOT NULL, maint INTEGER NOT NULL, maint_fail INTEGER NOT NULL,"
          " PRIMARY KEY (series, day_ms)) WITHOUT ROWID",
          "INSERT INTO rollup_day SELECT series, hour_ms - hour_ms % 86400000, SUM(pass), SUM(warn), SUM(fail),"
          " SUM(maint), SUM(maint_fail) FROM rollup_hour GROUP BY 1, 2",
      },
      // 10: the attention items each notifier was told of ("check/kind" lines), so that a restart
      // neither repeats nor forgets them.
      {
          "ALTER TABLE alert_marks ADD COLUMN attention TEXT NOT NULL DEFAULT ''",
      },
      // 11: how many attempts a result took (a network failure is retried at once, `retries`).
      {
          "ALTER TABLE results ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
      },
  };
  return kMigrations;
}

}  // namespace vigil::storage
