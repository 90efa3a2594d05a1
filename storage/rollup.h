// Rollups: what Vigil keeps of a check's results once the raw rows are gone (SPEC §2
// `storage.retention`). One HourRollup per check and hour holds
//   - the hour's counts by outcome and its LatencySketch (kept for `retention.hour`), and
//   - one MinuteSlot per minute that had results, with the same two (kept for `retention.minute`).
// Counts are exact: a rollup counts every result it replaces. Results inside a maintenance window
// are counted by outcome like any other and, in addition, as `maintenance` (and
// `maintenance_fail`), so uptime can leave them out. Latency counts only results that got a
// response (status > 0), as the raw queries do.
//
// RollupBook keeps the newest hour of every check in memory for the single writer, so a result
// updates its rollups without reading them back; it is dialect-free: the store gives it a loader
// for rows it does not hold and writes the rows it returns. Plain values; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/core/status.h"
#include "probes/probe_result.h"
#include "storage/latency_sketch.h"

namespace vigil::storage {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;  // UTC days

struct OutcomeCounts {
  int64_t pass = 0;
  int64_t warn = 0;
  int64_t fail = 0;
  int64_t maintenance = 0;       // of all the above, results inside a maintenance window
  int64_t maintenance_fail = 0;  // of those, fails

  int64_t total() const { return pass + warn + fail; }
  // What uptime counts: results outside maintenance, and the failures among them.
  int64_t counted() const { return total() - maintenance; }
  int64_t counted_fail() const { return fail - maintenance_fail; }
  void Add(probes::Outcome outcome, bool in_maintenance, int64_t n = 1);
  void Merge(const OutcomeCounts& other);
  bool operator==(const OutcomeCounts& other) const = default;
};

// One result as the rollups see it.
struct RollupSample {
  int64_t time_ms = 0;
  probes::Outcome outcome = probes::Outcome::kPass;
  bool maintenance = false;
  std::optional<double> latency_ms;  // set when the probe got a response
  static RollupSample Of(const probes::ProbeResult& r);
};

struct MinuteSlot {
  int minute = 0;  // 0..59 within its hour
  OutcomeCounts counts;
  LatencySketch latency;
  bool operator==(const MinuteSlot& other) const = default;
};

class HourRollup {
 public:
  HourRollup() = default;
  // Without minute detail (`with_minutes` false) the hour keeps only its summary.
  explicit HourRollup(int64_t hour_ms, bool with_minutes = true) : hour_ms_(hour_ms), has_minutes_(with_minutes) {}
  // A stored row: the minute detail may be absent (pruned); corrupt bytes are an error.
  static core::Result<HourRollup> FromStored(int64_t hour_ms, const OutcomeCounts& counts,
                                             std::string_view latency, std::optional<std::string_view> minutes);

  int64_t hour_ms() const { return hour_ms_; }
  const OutcomeCounts& counts() const { return counts_; }
  const LatencySketch& latency() const { return latency_; }
  bool has_minutes() const { return has_minutes_; }

  // REQUIRES: the sample falls in this hour.
  void Add(const RollupSample& s);
  // REQUIRES: other.hour_ms() == hour_ms().
  void Merge(const HourRollup& other);

  std::string EncodeLatency() const { return latency_.Encode(); }
  std::string EncodeMinutes() const;
  std::vector<MinuteSlot> Minutes() const;  // ascending
  static std::optional<std::vector<MinuteSlot>> DecodeMinutes(std::string_view bytes);

 private:
  void SetMinutes(std::vector<MinuteSlot> slots);

  int64_t hour_ms_ = 0;
  OutcomeCounts counts_;
  LatencySketch latency_;
  // Minute detail, ascending: every slot but the newest encoded (cheap to hold for thousands of
  // checks), the newest decoded (results mostly arrive in time order and land there).
  bool has_minutes_ = true;
  std::string done_;
  std::optional<MinuteSlot> last_;
};

struct RollupRow {
  int64_t series = 0;  // the check, as the store numbers it
  HourRollup hour;
};

class RollupBook {
 public:
  // Reads a stored hour (nullopt when there is none).
  using Loader = std::function<core::Result<std::optional<HourRollup>>(int64_t series, int64_t hour_ms)>;

  // The rows `samples` change, merged into what is held or loaded. Nothing is remembered until
  // Commit(): a failed transaction leaves the book as it was.
  core::Result<std::vector<RollupRow>> Apply(const std::vector<std::pair<int64_t, RollupSample>>& samples,
                                             const Loader& load) const;
  // Merges whole hours (a backfill) the same way. REQUIRES: one delta per (series, hour).
  core::Result<std::vector<RollupRow>> ApplyHours(std::vector<RollupRow> deltas, const Loader& load) const;
  // The rows were committed: hold the newest hour of each series.
  void Commit(const std::vector<RollupRow>& rows);
  void Clear() { newest_.clear(); }
  std::size_t size() const { return newest_.size(); }

 private:
  core::Result<HourRollup> Base(int64_t series, int64_t hour_ms, const Loader& load) const;
  std::unordered_map<int64_t, HourRollup> newest_;
};

inline int64_t FloorTo(int64_t ms, int64_t unit) { return ms >= 0 ? ms - ms % unit : ms - ((ms % unit) + unit) % unit; }

}  // namespace vigil::storage
