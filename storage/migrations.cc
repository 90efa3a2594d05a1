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
  };
  return kMigrations;
}

}  // namespace vigil::storage
