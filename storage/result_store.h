// ResultStore: durable storage of probe results (and, as later stages land, of incidents and
// alert events written in the same transaction). Write() commits one batch atomically: when it
// returns OK the batch survives a crash or kill -9, so callers publish a result only after that.
// Write() is called from one writer thread; queries may come from any thread concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/core/status.h"
#include "probes/probe_result.h"

namespace vigil::storage {

struct WriteBatch {
  std::vector<probes::ProbeResult> results;
};

struct ResultQuery {
  std::string provider;  // required
  std::string check;     // empty: every check
  std::optional<core::WallTime> since;  // inclusive
  std::optional<core::WallTime> until;  // exclusive
  std::size_t limit = 100;
};

struct StoredResult {
  int64_t id = 0;
  probes::ProbeResult result;
};

class ResultStore {
 public:
  virtual ~ResultStore() = default;
  virtual core::Status Write(const WriteBatch& batch) = 0;
  // Newest first.
  virtual core::Result<std::vector<StoredResult>> Results(const ResultQuery& query) const = 0;
};

}  // namespace vigil::storage
