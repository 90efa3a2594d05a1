#include "storage/rollup.h"

#include <algorithm>
#include <map>

namespace vigil::storage {
namespace {

void PutCounts(std::string& out, const OutcomeCounts& c) {
  for (int64_t v : {c.pass, c.warn, c.fail, c.maintenance, c.maintenance_fail}) PutVarint(out, static_cast<uint64_t>(v));
}

bool GetCounts(std::string_view& in, OutcomeCounts& c) {
  uint64_t v[5];
  for (uint64_t& x : v) {
    if (!GetVarint(in, x) || x > (uint64_t{1} << 62)) return false;
  }
  c = {static_cast<int64_t>(v[0]), static_cast<int64_t>(v[1]), static_cast<int64_t>(v[2]),
       static_cast<int64_t>(v[3]), static_cast<int64_t>(v[4])};
  return c.maintenance <= c.total() && c.maintenance_fail <= std::min(c.fail, c.maintenance);
}

void EncodeSlot(std::string& out, const MinuteSlot& s) {
  out.push_back(static_cast<char>(s.minute));
  PutCounts(out, s.counts);
  s.latency.EncodeTo(out);
}

void MergeSlot(std::vector<MinuteSlot>& slots, const MinuteSlot& add) {
  auto it = std::lower_bound(slots.begin(), slots.end(), add.minute,
                             [](const MinuteSlot& s, int minute) { return s.minute < minute; });
  if (it != slots.end() && it->minute == add.minute) {
    it->counts.Merge(add.counts);
    it->latency.Merge(add.latency);
  } else {
    slots.insert(it, add);
  }
}

}  // namespace

void OutcomeCounts::Add(probes::Outcome outcome, bool in_maintenance, int64_t n) {
  switch (outcome) {
    case probes::Outcome::kPass: pass += n; break;
    case probes::Outcome::kWarn: warn += n; break;
    case probes::Outcome::kFail: fail += n; break;
  }
  if (in_maintenance) {
    maintenance += n;
    if (outcome == probes::Outcome::kFail) maintenance_fail += n;
  }
}

void OutcomeCounts::Merge(const OutcomeCounts& o) {
  pass += o.pass;
  warn += o.warn;
  fail += o.fail;
  maintenance += o.maintenance;
  maintenance_fail += o.maintenance_fail;
}

RollupSample RollupSample::Of(const probes::ProbeResult& r) {
  RollupSample s;
  s.time_ms = core::ToUnixMillis(r.time);
  s.outcome = r.outcome;
  s.maintenance = r.maintenance;
  if (r.status_code > 0) s.latency_ms = r.phases.total_ms;
  return s;
}

core::Result<HourRollup> HourRollup::FromStored(int64_t hour_ms, const OutcomeCounts& counts, std::string_view latency,
                                                std::optional<std::string_view> minutes) {
  HourRollup h(hour_ms);
  h.counts_ = counts;
  std::optional<LatencySketch> sketch = LatencySketch::Decode(latency);
  if (!sketch) return core::Result<HourRollup>::Error("corrupt latency sketch in the hour rollup");
  h.latency_ = std::move(*sketch);
  if (!minutes) {
    h.has_minutes_ = false;
    return h;
  }
  std::optional<std::vector<MinuteSlot>> slots = DecodeMinutes(*minutes);
  if (!slots) return core::Result<HourRollup>::Error("corrupt minute detail in the hour rollup");
  h.SetMinutes(std::move(*slots));
  return h;
}

void HourRollup::Add(const RollupSample& s) {
  counts_.Add(s.outcome, s.maintenance);
  if (s.latency_ms) latency_.Add(*s.latency_ms);
  if (!has_minutes_) return;  // pruned detail is not brought back by a late result
  MinuteSlot slot;
  slot.minute = static_cast<int>((s.time_ms - hour_ms_) / kMinuteMs);
  slot.counts.Add(s.outcome, s.maintenance);
  if (s.latency_ms) slot.latency.Add(*s.latency_ms);
  if (last_ && slot.minute == last_->minute) {
    last_->counts.Merge(slot.counts);
    last_->latency.Merge(slot.latency);
  } else if (!last_ || slot.minute > last_->minute) {
    if (last_) EncodeSlot(done_, *last_);
    last_ = std::move(slot);
  } else {
    std::vector<MinuteSlot> slots = Minutes();
    MergeSlot(slots, slot);
    SetMinutes(std::move(slots));
  }
}

void HourRollup::Merge(const HourRollup& other) {
  counts_.Merge(other.counts_);
  latency_.Merge(other.latency_);
  if (!has_minutes_ || !other.has_minutes_) {
    // Detail of only part of the hour would make minute queries lie: keep none.
    has_minutes_ = false;
    done_.clear();
    last_.reset();
    return;
  }
  std::vector<MinuteSlot> slots = Minutes();
  for (const MinuteSlot& s : other.Minutes()) MergeSlot(slots, s);
  SetMinutes(std::move(slots));
}

void HourRollup::SetMinutes(std::vector<MinuteSlot> slots) {
  has_minutes_ = true;
  done_.clear();
  last_.reset();
  if (slots.empty()) return;
  for (std::size_t i = 0; i + 1 < slots.size(); ++i) EncodeSlot(done_, slots[i]);
  last_ = std::move(slots.back());
}

std::string HourRollup::EncodeMinutes() const {
  std::string out = done_;
  if (last_) EncodeSlot(out, *last_);
  return out;
}

std::vector<MinuteSlot> HourRollup::Minutes() const {
  std::vector<MinuteSlot> out;
  if (!has_minutes_) return out;
  out = DecodeMinutes(done_).value_or(std::vector<MinuteSlot>{});  // done_ is our own encoding
  if (last_) out.push_back(*last_);
  return out;
}

std::optional<std::vector<MinuteSlot>> HourRollup::DecodeMinutes(std::string_view in) {
  std::vector<MinuteSlot> out;
  while (!in.empty()) {
    MinuteSlot s;
    s.minute = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    if (s.minute > 59 || (!out.empty() && s.minute <= out.back().minute)) return std::nullopt;
    if (!GetCounts(in, s.counts) || !LatencySketch::DecodeFrom(in, s.latency)) return std::nullopt;
    out.push_back(std::move(s));
  }
  return out;
}

core::Result<HourRollup> RollupBook::Base(int64_t series, int64_t hour_ms, const Loader& load) const {
  if (auto it = newest_.find(series); it != newest_.end() && it->second.hour_ms() == hour_ms) return it->second;
  core::Result<std::optional<HourRollup>> stored = load(series, hour_ms);
  if (!stored.ok()) return stored.status();
  return stored->value_or(HourRollup(hour_ms));
}

core::Result<std::vector<RollupRow>> RollupBook::Apply(const std::vector<std::pair<int64_t, RollupSample>>& samples,
                                                       const Loader& load) const {
  std::map<std::pair<int64_t, int64_t>, HourRollup> rows;
  for (const auto& [series, sample] : samples) {
    const int64_t hour = FloorTo(sample.time_ms, kHourMs);
    auto it = rows.find({series, hour});
    if (it == rows.end()) {
      core::Result<HourRollup> base = Base(series, hour, load);
      if (!base.ok()) return base.status();
      it = rows.emplace(std::pair{series, hour}, std::move(base).value()).first;
    }
    it->second.Add(sample);
  }
  std::vector<RollupRow> out;
  out.reserve(rows.size());
  for (auto& [key, hour] : rows) out.push_back({key.first, std::move(hour)});
  return out;
}

core::Result<std::vector<RollupRow>> RollupBook::ApplyHours(std::vector<RollupRow> deltas, const Loader& load) const {
  for (RollupRow& d : deltas) {
    core::Result<HourRollup> base = Base(d.series, d.hour.hour_ms(), load);
    if (!base.ok()) return base.status();
    HourRollup merged = std::move(base).value();
    merged.Merge(d.hour);
    d.hour = std::move(merged);
  }
  return deltas;
}

void RollupBook::Commit(const std::vector<RollupRow>& rows) {
  for (const RollupRow& r : rows) {
    auto it = newest_.find(r.series);
    if (it == newest_.end()) {
      newest_.emplace(r.series, r.hour);
    } else if (r.hour.hour_ms() >= it->second.hour_ms()) {
      it->second = r.hour;
    }
  }
}

}  // namespace vigil::storage
