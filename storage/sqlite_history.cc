// The rollup side of SqliteStore: writing rollups with the results they count, and the history
// queries (HistoryStore), which compose a window from hour rows, minute detail at its edges and
// raw rows at the edges of those.
#include <Poco/Data/LOB.h>
#include <Poco/Data/Session.h>

#include <algorithm>
#include <limits>
#include <map>

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

// Reads one check's history for one query on one reader session, memoising what several
// windows share (the current hour, the last partial minute).
class HistoryReader {
 public:
  HistoryReader(Poco::Data::Session& s, std::string provider, std::string check, std::optional<int64_t> series)
      : s_(s), provider_(std::move(provider)), check_(std::move(check)), series_(series) {
    std::vector<Int64> horizon;
    s_ << "SELECT raw_horizon_ms FROM backfill WHERE id = 1", into(horizon), now;
    raw_horizon_ = horizon.empty() ? 0 : horizon.front();
  }

  OutcomeCounts Window(int64_t a, int64_t b) {
    OutcomeCounts total;
    if (b <= a) return total;
    const int64_t ha = CeilTo(a, kHourMs), hb = FloorTo(b, kHourMs);
    if (ha > hb) {
      total.Merge(PartialHour(FloorTo(a, kHourMs), a, b));
      return total;
    }
    total.Merge(SumHours(ha, hb));
    if (a < ha) total.Merge(PartialHour(FloorTo(a, kHourMs), a, ha));
    if (hb < b) total.Merge(PartialHour(hb, hb, b));
    return total;
  }

 private:
  // [a, b) inside the hour that starts at `hour`.
  OutcomeCounts PartialHour(int64_t hour, int64_t a, int64_t b) {
    OutcomeCounts total;
    const std::optional<std::vector<MinuteSlot>>& slots = Minutes(hour);
    if (!slots) return MostlyInside(a, b, kHourMs) ? SumHours(hour, hour + 1) : total;
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

  // The hour rows starting in [from, to), summed by SQLite (up to 400 days of them).
  OutcomeCounts SumHours(int64_t from, int64_t to) {
    if (!series_ || from >= to) return {};
    Int64 series = *series_, f = from, t = to, pass = 0, warn = 0, fail = 0, maint = 0, mfail = 0;
    s_ << "SELECT COALESCE(SUM(pass), 0), COALESCE(SUM(warn), 0), COALESCE(SUM(fail), 0), COALESCE(SUM(maint), 0),"
          " COALESCE(SUM(maint_fail), 0) FROM rollup_hour WHERE series = ? AND hour_ms >= ? AND hour_ms < ?",
        into(pass), into(warn), into(fail), into(maint), into(mfail), use(series), use(f), use(t), now;
    return {pass, warn, fail, maint, mfail};
  }

  // Part of one minute: exact from raw rows where they still exist.
  OutcomeCounts Edge(int64_t a, int64_t b, const MinuteSlot* slot) {
    if (a >= raw_horizon_) return Raw(a, b);
    return slot && MostlyInside(a, b, kMinuteMs) ? slot->counts : OutcomeCounts{};
  }

  OutcomeCounts Raw(int64_t a, int64_t b) {
    auto memo = raw_.find({a, b});
    if (memo != raw_.end()) return memo->second;
    std::vector<std::string> outcome;
    std::vector<int> maintenance;
    std::vector<Int64> n;
    Int64 from = a, to = b;
    s_ << "SELECT outcome, maintenance, COUNT(*) FROM results"
          " WHERE provider = ? AND check_name = ? AND ts_ms >= ? AND ts_ms < ? GROUP BY outcome, maintenance",
        into(outcome), into(maintenance), into(n), bind(provider_), bind(check_), use(from), use(to), now;
    OutcomeCounts c;
    for (std::size_t i = 0; i < outcome.size(); ++i) {
      probes::Outcome o = probes::Outcome::kPass;
      if (probes::ParseOutcome(outcome[i], o)) c.Add(o, maintenance[i] != 0, n[i]);
    }
    raw_.emplace(std::pair{a, b}, c);
    return c;
  }

  const std::optional<std::vector<MinuteSlot>>& Minutes(int64_t hour) {
    auto memo = minutes_.find(hour);
    if (memo != minutes_.end()) return memo->second;
    std::optional<std::vector<MinuteSlot>> slots;
    if (series_) {
      std::vector<BLOB> blob;
      Int64 series = *series_, h = hour;
      s_ << "SELECT minutes FROM rollup_minute WHERE series = ? AND hour_ms = ?", into(blob), use(series), use(h), now;
      if (!blob.empty()) slots = HourRollup::DecodeMinutes(View(blob.front()));
    } else {
      slots.emplace();  // no rollups at all yet: nothing to add, raw edges still count
    }
    return minutes_.emplace(hour, std::move(slots)).first->second;
  }

  Poco::Data::Session& s_;
  const std::string provider_;
  const std::string check_;
  const std::optional<int64_t> series_;
  int64_t raw_horizon_ = 0;  // every result from here on is a raw row
  std::map<int64_t, std::optional<std::vector<MinuteSlot>>> minutes_;
  std::map<std::pair<int64_t, int64_t>, OutcomeCounts> raw_;
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
    HistoryReader reader(s, provider, check, FindSeries(s, provider, check));
    for (const core::WallTime& t : since) out.push_back(reader.Window(core::ToUnixMillis(t), b));
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
    Int64 sid = *series, from = resolution == Resolution::kHour ? a : FloorTo(a, kHourMs), to = b;
    std::vector<Int64> hour, pass, warn, fail, maint, mfail;
    std::vector<BLOB> blob;
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
