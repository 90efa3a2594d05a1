// The rollup side of SqliteStore: writing rollups with the results they count, and the history
// queries (HistoryStore), which compose a window from day sums, hour rows at their edges, minute
// detail at the edges of those and raw rows at the edges of the minutes.
#include <Poco/Data/LOB.h>
#include <Poco/Data/Session.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "daemon/core/log.h"
#include "storage/sqlite_store.h"

namespace vigil::storage {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Data::BLOB;
using Poco::Int64;

std::string SeriesKey(const std::string& provider, const std::string& check) { return provider + '\n' + check; }

BLOB Blob(const std::string& bytes) {
  return BLOB(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string_view View(const BLOB& b) {
  return b.size() == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(b.rawContent()), b.size());
}

int64_t CeilTo(int64_t ms, int64_t unit) {
  const int64_t f = FloorTo(ms, unit);
  return f == ms ? ms : f + unit;
}

// A bucket [start, start + width) partly inside a window counts when the window covers at least
// half of it: the best guess once the finer data is gone.
bool MostlyInside(int64_t from, int64_t to, int64_t width) { return (to - from) * 2 >= width; }

// One read transaction on a reader session for a query of several statements: they all see the
// same snapshot, and the session's page cache survives between them (in autocommit each statement
// starts a read transaction of its own, and SQLite drops the whole cache whenever the writer
// committed in between, which it does many times a second while pruning).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Poco::Data::Session& s) : s_(s) { s_ << "BEGIN DEFERRED", now; }
  ~ReadSnapshot() {
    try {
      s_ << "COMMIT", now;  // read-only: ends the snapshot
    } catch (const Poco::Exception&) {
      // the pool rolls back a session that comes back inside a transaction
    }
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Poco::Data::Session& s_;
};

// Reads one check's counts over several windows on one reader session in a handful of
// statements whatever the number of windows: the minute detail of every hour a window edge can
// fall in is fetched first; a planning pass over the windows then records which day, hour and
// raw ranges they need (the same code as the counting pass, returning nothing yet); each kind is
// fetched in one statement; and the counting pass sums the windows from what came back.
class HistoryReader {
 public:
  HistoryReader(Poco::Data::Session& s, std::string provider, std::string check, std::optional<int64_t> series)
      : s_(s), provider_(std::move(provider)), check_(std::move(check)), series_(series) {}

  std::vector<OutcomeCounts> Windows(const std::vector<int64_t>& since, int64_t until) {
    std::vector<Int64> horizon;
    s_ << "SELECT raw_horizon_ms FROM backfill WHERE id = 1", into(horizon), now;
    raw_horizon_ = horizon.empty() ? 0 : horizon.front();
    std::set<int64_t> edge_hours{FloorTo(until, kHourMs)};
    for (int64_t a : since) edge_hours.insert(FloorTo(a, kHourMs));
    FetchMinutes(edge_hours);
    for (int64_t a : since) Window(a, until);
    FetchSums("rollup_day", "day_ms", days_);
    FetchSums("rollup_hour", "hour_ms", hours_);
    FetchRaw();
    planning_ = false;
    std::vector<OutcomeCounts> out;
    for (int64_t a : since) out.push_back(Window(a, until));
    return out;
  }

 private:
  using Range = std::pair<int64_t, int64_t>;
  using Sums = std::map<Range, OutcomeCounts>;

  OutcomeCounts Window(int64_t a, int64_t b) {
    OutcomeCounts total;
    if (b <= a) return total;
    const int64_t ha = CeilTo(a, kHourMs), hb = FloorTo(b, kHourMs);
    if (ha > hb) {
      total.Merge(PartialHour(FloorTo(a, kHourMs), a, b));
      return total;
    }
    // Whole days from the day sums, the hours around them from the hour rows.
    const int64_t da = CeilTo(ha, kDayMs), db = FloorTo(hb, kDayMs);
    if (da < db) {
      total.Merge(Lookup(days_, da, db));
      total.Merge(Lookup(hours_, ha, da));
      total.Merge(Lookup(hours_, db, hb));
    } else {
      total.Merge(Lookup(hours_, ha, hb));
    }
    if (a < ha) total.Merge(PartialHour(FloorTo(a, kHourMs), a, ha));
    if (hb < b) total.Merge(PartialHour(hb, hb, b));
    return total;
  }

  // [a, b) inside the hour that starts at `hour`.
  OutcomeCounts PartialHour(int64_t hour, int64_t a, int64_t b) {
    OutcomeCounts total;
    const std::optional<std::vector<MinuteSlot>>& slots = Minutes(hour);
    if (!slots) return MostlyInside(a, b, kHourMs) ? Lookup(hours_, hour, hour + kHourMs) : total;
    const auto slot_at = [&](int64_t minute_start) -> const MinuteSlot* {
      const int m = static_cast<int>((minute_start - hour) / kMinuteMs);
      for (const auto& s : *slots) {
        if (s.minute == m) return &s;
      }
      return nullptr;
    };
    const int64_t ma = CeilTo(a, kMinuteMs), mb = FloorTo(b, kMinuteMs);
    if (ma > mb) return Edge(a, b, slot_at(FloorTo(a, kMinuteMs)));
    for (const auto& s : *slots) {
      const int64_t start = hour + s.minute * kMinuteMs;
      if (start >= ma && start < mb) total.Merge(s.counts);
    }
    if (a < ma) total.Merge(Edge(a, ma, slot_at(FloorTo(a, kMinuteMs))));
    if (mb < b) total.Merge(Edge(mb, b, slot_at(mb)));
    return total;
  }

  // Part of one minute: exact from raw rows where they still exist.
  OutcomeCounts Edge(int64_t a, int64_t b, const MinuteSlot* slot) {
    if (a >= raw_horizon_) return Lookup(raw_, a, b);
    return slot && MostlyInside(a, b, kMinuteMs) ? slot->counts : OutcomeCounts{};
  }

  // While planning: notes the range and counts nothing; then: what was fetched for it.
  OutcomeCounts Lookup(Sums& sums, int64_t from, int64_t to) {
    if (from >= to) return {};
    if (planning_) {
      sums.try_emplace({from, to});
      return {};
    }
    auto it = sums.find({from, to});
    return it == sums.end() ? OutcomeCounts{} : it->second;
  }

  const std::optional<std::vector<MinuteSlot>>& Minutes(int64_t hour) {
    auto it = minutes_.find(hour);
    if (it == minutes_.end()) {
      FetchMinutes({hour});  // every hour asked for is an edge hour fetched up front; never taken as "no detail"
      it = minutes_.find(hour);
    }
    return it->second;
  }

  // "(a, b), (a, b), ..." of the ranges, for a VALUES list. Integers of our own: no user text.
  static std::string ValuesOf(const Sums& sums) {
    std::string values;
    for (const auto& [range, counts] : sums) {
      values += (values.empty() ? "(" : ", (") + std::to_string(range.first) + ", " + std::to_string(range.second) + ")";
    }
    return values;
  }

  void FetchMinutes(const std::set<int64_t>& hours) {
    if (!series_) {
      for (int64_t h : hours) minutes_.emplace(h, std::vector<MinuteSlot>());  // no rollups yet: raw edges count
      return;
    }
    std::string list;
    for (int64_t h : hours) list += (list.empty() ? "" : ", ") + std::to_string(h);
    std::vector<Int64> hour;
    std::vector<BLOB> blob;
    Int64 series = *series_;
    s_ << "SELECT hour_ms, minutes FROM rollup_minute WHERE series = ? AND hour_ms IN (" + list + ")", into(hour),
        into(blob), use(series), now;
    for (int64_t h : hours) minutes_.emplace(h, std::nullopt);
    for (std::size_t i = 0; i < hour.size(); ++i) minutes_[hour[i]] = HourRollup::DecodeMinutes(View(blob[i]));
  }

  // The rows of a rollup table whose buckets start in each range, summed by SQLite in one pass.
  void FetchSums(const char* table, const char* column, Sums& sums) {
    if (!series_ || sums.empty()) return;
    std::vector<Int64> from, to, pass, warn, fail, maint, mfail;
    Int64 series = *series_;
    s_ << "SELECT r.column1, r.column2, SUM(t.pass), SUM(t.warn), SUM(t.fail), SUM(t.maint), SUM(t.maint_fail)"
          " FROM (VALUES " + ValuesOf(sums) + ") r JOIN " + table + " t ON t.series = ? AND t." + column +
              " >= r.column1 AND t." + column + " < r.column2 GROUP BY r.column1, r.column2",
        into(from), into(to), into(pass), into(warn), into(fail), into(maint), into(mfail), use(series), now;
    for (std::size_t i = 0; i < from.size(); ++i) sums[{from[i], to[i]}] = {pass[i], warn[i], fail[i], maint[i], mfail[i]};
  }

  // Raw rows in each range, counted by outcome.
  void FetchRaw() {
    if (raw_.empty()) return;
    std::vector<Int64> from, to, n;
    std::vector<std::string> outcome;
    std::vector<int> maintenance;
    s_ << "SELECT r.column1, r.column2, t.outcome, t.maintenance, COUNT(*) FROM (VALUES " + ValuesOf(raw_) +
              ") r JOIN results t ON t.provider = ? AND t.check_name = ? AND t.ts_ms >= r.column1"
              " AND t.ts_ms < r.column2 GROUP BY r.column1, r.column2, t.outcome, t.maintenance",
        into(from), into(to), into(outcome), into(maintenance), into(n), bind(provider_), bind(check_), now;
    for (std::size_t i = 0; i < from.size(); ++i) {
      probes::Outcome o = probes::Outcome::kPass;
      if (probes::ParseOutcome(outcome[i], o)) raw_[{from[i], to[i]}].Add(o, maintenance[i] != 0, n[i]);
    }
  }

  Poco::Data::Session& s_;
  const std::string provider_;
  const std::string check_;
  const std::optional<int64_t> series_;
  int64_t raw_horizon_ = 0;  // every result from here on is a raw row
  bool planning_ = true;
  std::map<int64_t, std::optional<std::vector<MinuteSlot>>> minutes_;
  Sums days_, hours_, raw_;
};


alerts::HealthState StateOf(const std::string& text) {
  alerts::HealthState s = alerts::HealthState::kUnknown;
  alerts::ParseHealthState(text, s);
  return s;
}

}  // namespace

int64_t SqliteStore::SeriesFor(const std::string& provider, const std::string& check) {
  const std::string key = SeriesKey(provider, check);
  {
    std::lock_guard lock(series_mu_);
    if (auto it = series_.find(key); it != series_.end()) return it->second;
  }
  if (auto it = new_series_.find(key); it != new_series_.end()) return it->second;
  Int64 id = 0;
  *writer_ << "INSERT INTO series(provider, check_name) VALUES(?,?) ON CONFLICT(provider, check_name) DO NOTHING",
      bind(provider), bind(check), now;
  *writer_ << "SELECT id FROM series WHERE provider = ? AND check_name = ?", into(id), bind(provider), bind(check), now;
  new_series_.emplace(key, id);
  return id;
}

std::optional<int64_t> SqliteStore::FindSeries(Poco::Data::Session& s, const std::string& provider,
                                               const std::string& check) const {
  const std::string key = SeriesKey(provider, check);
  {
    std::lock_guard lock(series_mu_);
    if (auto it = series_.find(key); it != series_.end()) return it->second;
  }
  std::vector<Int64> id;
  std::string p = provider, c = check;
  s << "SELECT id FROM series WHERE provider = ? AND check_name = ?", into(id), use(p), use(c), now;
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(series_mu_);
  series_.emplace(key, id.front());
  return id.front();
}

void SqliteStore::Committed() {
  book_.Commit(staged_rollups_);
  staged_rollups_.clear();
  if (new_series_.empty()) return;
  std::lock_guard lock(series_mu_);
  series_.merge(new_series_);
  new_series_.clear();
}

void SqliteStore::RolledBack() {
  staged_rollups_.clear();
  new_series_.clear();
}

RollupBook::Loader SqliteStore::RollupLoader() {
  return [this](int64_t series, int64_t hour) -> core::Result<std::optional<HourRollup>> {
    std::vector<Int64> pass, warn, fail, maint, mfail;
    std::vector<int> detailed;
    std::vector<BLOB> latency, minutes;
    Int64 sid = series, h = hour;
    *writer_ << "SELECT h.pass, h.warn, h.fail, h.maint, h.maint_fail, h.latency, m.minutes IS NOT NULL,"
                " COALESCE(m.minutes, x'') FROM rollup_hour h"
                " LEFT JOIN rollup_minute m ON m.series = h.series AND m.hour_ms = h.hour_ms"
                " WHERE h.series = ? AND h.hour_ms = ?",
        into(pass), into(warn), into(fail), into(maint), into(mfail), into(latency), into(detailed), into(minutes),
        use(sid), use(h), now;
    if (pass.empty()) return std::optional<HourRollup>();
    const OutcomeCounts counts{pass[0], warn[0], fail[0], maint[0], mfail[0]};
    core::Result<HourRollup> row = HourRollup::FromStored(
        hour, counts, View(latency[0]), detailed[0] ? std::optional<std::string_view>(View(minutes[0])) : std::nullopt);
    if (!row.ok()) {
      // Not ours to repair: the hour starts again from what arrives now, and says so.
      core::Log::Warn("storage", "unreadable rollup row replaced",
                      {{"series", std::to_string(series)}, {"hour", core::FormatRfc3339(core::FromUnixMillis(hour))},
                       {"error", row.message()}});
      return std::optional<HourRollup>();
    }
    return std::optional<HourRollup>(std::move(row).value());
  };
}

void SqliteStore::WriteRollups(const std::vector<probes::ProbeResult>& results) {
  if (results.empty()) return;
  std::vector<std::pair<int64_t, RollupSample>> samples;
  samples.reserve(results.size());
  for (const auto& r : results) samples.emplace_back(SeriesFor(r.provider, r.check), RollupSample::Of(r));
  core::Result<std::vector<RollupRow>> rows = book_.Apply(samples, RollupLoader());
  if (!rows.ok()) throw Poco::Data::DataException(rows.message());
  UpsertRollups(std::move(rows).value());
}

void SqliteStore::UpsertRollups(std::vector<RollupRow> rows) {
  if (rows.empty()) return;
  std::vector<Int64> series, hour, pass, warn, fail, maint, mfail, mseries, mhour;
  std::vector<BLOB> latency, minutes;
  for (const RollupRow& r : rows) {
    const OutcomeCounts& c = r.hour.counts();
    series.push_back(r.series);
    hour.push_back(r.hour.hour_ms());
    pass.push_back(c.pass);
    warn.push_back(c.warn);
    fail.push_back(c.fail);
    maint.push_back(c.maintenance);
    mfail.push_back(c.maintenance_fail);
    latency.push_back(Blob(r.hour.EncodeLatency()));
    if (!r.hour.has_minutes()) continue;
    std::string detail = r.hour.EncodeMinutes();
    if (detail.empty()) continue;
    mseries.push_back(r.series);
    mhour.push_back(r.hour.hour_ms());
    minutes.push_back(Blob(detail));
  }
  *writer_ << "INSERT INTO rollup_hour(series, hour_ms, pass, warn, fail, maint, maint_fail, latency)"
              " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(series, hour_ms) DO UPDATE SET pass = excluded.pass,"
              " warn = excluded.warn, fail = excluded.fail, maint = excluded.maint, maint_fail = excluded.maint_fail,"
              " latency = excluded.latency",
      use(series), use(hour), use(pass), use(warn), use(fail), use(maint), use(mfail), use(latency), now;
  if (!mseries.empty()) {
    *writer_ << "INSERT INTO rollup_minute(series, hour_ms, minutes) VALUES(?,?,?)"
                " ON CONFLICT(series, hour_ms) DO UPDATE SET minutes = excluded.minutes",
        use(mseries), use(mhour), use(minutes), now;
  }
  // Each day whose hours changed, summed again from its hour rows: a day always equals its hours.
  std::set<std::pair<int64_t, int64_t>> days;
  for (const RollupRow& r : rows) days.emplace(r.series, FloorTo(r.hour.hour_ms(), kDayMs));
  std::vector<Int64> dseries, dstart, dend;
  for (const auto& [id, day] : days) {
    dseries.push_back(id);
    dstart.push_back(day);
    dend.push_back(day + kDayMs);
  }
  *writer_ << "INSERT INTO rollup_day(series, day_ms, pass, warn, fail, maint, maint_fail)"
              " SELECT series, ?, SUM(pass), SUM(warn), SUM(fail), SUM(maint), SUM(maint_fail) FROM rollup_hour"
              " WHERE series = ? AND hour_ms >= ? AND hour_ms < ? GROUP BY series"
              " ON CONFLICT(series, day_ms) DO UPDATE SET pass = excluded.pass, warn = excluded.warn,"
              " fail = excluded.fail, maint = excluded.maint, maint_fail = excluded.maint_fail",
      use(dstart), use(dseries), use(dstart), use(dend), now;
  for (RollupRow& r : rows) staged_rollups_.push_back(std::move(r));
}

core::Result<std::vector<OutcomeCounts>> SqliteStore::Counts(const std::string& provider, const std::string& check,
                                                             const std::vector<core::WallTime>& since,
                                                             core::WallTime until) const {
  using Out = core::Result<std::vector<OutcomeCounts>>;
  std::vector<OutcomeCounts> out;
  if (since.empty()) return out;
  const int64_t b = core::ToUnixMillis(until);
  try {
    Poco::Data::Session s = readers_->get();
    ReadSnapshot snapshot(s);
    std::vector<int64_t> starts;
    for (const core::WallTime& t : since) starts.push_back(core::ToUnixMillis(t));
    out = HistoryReader(s, provider, check, FindSeries(s, provider, check)).Windows(starts, b);
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read rollups from " + path_ + ": " + e.displayText());
  }
  return out;
}

core::Result<LatencySketch> SqliteStore::Latency(const std::string& provider, const std::string& check,
                                                 core::WallTime since, core::WallTime until) const {
  // Minute buckets at the edges and hours in between: within the sketch's bound, to the minute.
  LatencySketch total;
  core::Result<std::vector<RollupPoint>> points = [&]() -> core::Result<std::vector<RollupPoint>> {
    const int64_t a = core::ToUnixMillis(since), b = core::ToUnixMillis(until);
    const int64_t ha = CeilTo(a, kHourMs), hb = FloorTo(b, kHourMs);
    if (ha >= hb) return Rollups(provider, check, Resolution::kMinute, since, until);
    std::vector<RollupPoint> all;
    for (auto [res, from, to] : {std::tuple{Resolution::kMinute, a, ha}, {Resolution::kHour, ha, hb},
                                 {Resolution::kMinute, hb, b}}) {
      if (from >= to) continue;
      core::Result<std::vector<RollupPoint>> part =
          Rollups(provider, check, res, core::FromUnixMillis(from), core::FromUnixMillis(to));
      if (!part.ok()) return part.status();
      for (auto& p : std::move(part).value()) all.push_back(std::move(p));
    }
    return all;
  }();
  if (!points.ok()) return points.status();
  for (const auto& p : *points) total.Merge(p.latency);
  return total;
}

core::Result<std::vector<RollupPoint>> SqliteStore::Rollups(const std::string& provider, const std::string& check,
                                                            Resolution resolution, core::WallTime since,
                                                            core::WallTime until) const {
  using Out = core::Result<std::vector<RollupPoint>>;
  std::vector<RollupPoint> out;
  const int64_t a = core::ToUnixMillis(since), b = core::ToUnixMillis(until);
  try {
    Poco::Data::Session s = readers_->get();
    const std::optional<int64_t> series = FindSeries(s, provider, check);
    if (!series) return out;
    Int64 sid = *series, from = resolution == Resolution::kMinute ? FloorTo(a, kHourMs) : a, to = b;
    std::vector<Int64> hour, pass, warn, fail, maint, mfail;
    std::vector<BLOB> blob;
    if (resolution == Resolution::kDay) {
      s << "SELECT day_ms, pass, warn, fail, maint, maint_fail FROM rollup_day"
           " WHERE series = ? AND day_ms >= ? AND day_ms < ? ORDER BY day_ms",
          into(hour), into(pass), into(warn), into(fail), into(maint), into(mfail), use(sid), use(from), use(to), now;
      for (std::size_t i = 0; i < hour.size(); ++i) {
        out.push_back({core::FromUnixMillis(hour[i]), {pass[i], warn[i], fail[i], maint[i], mfail[i]}, {}});
      }
      return out;
    }
    if (resolution == Resolution::kHour) {
      s << "SELECT hour_ms, pass, warn, fail, maint, maint_fail, latency FROM rollup_hour"
           " WHERE series = ? AND hour_ms >= ? AND hour_ms < ? ORDER BY hour_ms",
          into(hour), into(pass), into(warn), into(fail), into(maint), into(mfail), into(blob), use(sid), use(from),
          use(to), now;
      for (std::size_t i = 0; i < hour.size(); ++i) {
        std::optional<LatencySketch> latency = LatencySketch::Decode(View(blob[i]));
        if (!latency) return Out::Error("corrupt latency sketch in " + path_);
        out.push_back({core::FromUnixMillis(hour[i]), {pass[i], warn[i], fail[i], maint[i], mfail[i]}, *latency});
      }
      return out;
    }
    s << "SELECT hour_ms, minutes FROM rollup_minute WHERE series = ? AND hour_ms >= ? AND hour_ms < ? ORDER BY hour_ms",
        into(hour), into(blob), use(sid), use(from), use(to), now;
    for (std::size_t i = 0; i < hour.size(); ++i) {
      std::optional<std::vector<MinuteSlot>> slots = HourRollup::DecodeMinutes(View(blob[i]));
      if (!slots) return Out::Error("corrupt minute rollup in " + path_);
      for (auto& slot : *slots) {
        const int64_t start = hour[i] + slot.minute * kMinuteMs;
        if (start >= a && start < b) out.push_back({core::FromUnixMillis(start), slot.counts, std::move(slot.latency)});
      }
    }
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read rollups from " + path_ + ": " + e.displayText());
  }
  return out;
}

core::Result<ProviderTimeline> SqliteStore::Timeline(const std::string& provider, core::WallTime since,
                                                     core::WallTime until) const {
  using Out = core::Result<ProviderTimeline>;
  ProviderTimeline t;
  t.since = since;
  std::string p = provider;
  Int64 a = core::ToUnixMillis(since), b = core::ToUnixMillis(until);
  try {
    Poco::Data::Session s = readers_->get();
    ReadSnapshot snapshot(s);
    std::vector<std::string> before;
    s << "SELECT to_state FROM transitions WHERE provider = ? AND ts_ms < ? ORDER BY ts_ms DESC, id DESC LIMIT 1",
        into(before), use(p), use(a), now;
    if (!before.empty()) t.state_at_since = StateOf(before.front());
    std::vector<Int64> ts;
    std::vector<std::string> to;
    s << "SELECT ts_ms, to_state FROM transitions WHERE provider = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id",
        into(ts), into(to), use(p), use(a), use(b), now;
    for (std::size_t i = 0; i < ts.size(); ++i) t.changes.emplace_back(core::FromUnixMillis(ts[i]), StateOf(to[i]));
    std::vector<Int64> started, ended;
    s << "SELECT started_ms, COALESCE(ended_ms, -1) FROM maintenance_log"
         " WHERE provider = ? AND started_ms < ? AND (ended_ms IS NULL OR ended_ms > ?) ORDER BY started_ms",
        into(started), into(ended), use(p), use(b), use(a), now;
    for (std::size_t i = 0; i < started.size(); ++i) {
      t.maintenance.push_back({core::FromUnixMillis(started[i]),
                               ended[i] < 0 ? std::nullopt : std::optional(core::FromUnixMillis(ended[i]))});
    }
  } catch (const Poco::Exception& e) {
    return Out::Error("cannot read the history of " + provider + " from " + path_ + ": " + e.displayText());
  }
  return t;
}

}  // namespace vigil::storage
