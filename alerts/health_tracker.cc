#include "alerts/health_tracker.h"

#include <algorithm>

#include "daemon/core/text.h"

namespace vigil::alerts {

void HealthChanges::Append(HealthChanges&& other) {
  for (auto& c : other.checks) checks.push_back(std::move(c));
  for (auto& t : other.transitions) transitions.push_back(std::move(t));
  for (auto& m : other.maintenance) maintenance.push_back(std::move(m));
}

HealthTracker::HealthTracker(std::shared_ptr<const config::Config> config) { Reconfigure(std::move(config)); }

void HealthTracker::Reconfigure(std::shared_ptr<const config::Config> config) {
  std::map<std::string, CheckEntry> checks;
  std::map<std::string, ProviderEntry> providers;
  for (const auto& p : config->providers) {
    auto pit = providers_.find(p.name);
    ProviderEntry entry = pit == providers_.end() ? ProviderEntry() : pit->second;
    entry.config = &p;
    providers.emplace(p.name, entry);
    for (const auto& c : p.checks) {
      const std::string key = Key(p.name, c.name);
      auto it = checks_.find(key);
      if (it != checks_.end()) {
        it->second.machine.SetThresholds(c.failure_threshold, c.success_threshold);
        checks.emplace(key, std::move(it->second));
      } else {
        checks.emplace(key, CheckEntry{CheckHealth(c.failure_threshold, c.success_threshold), {}, {}});
      }
    }
  }
  checks_ = std::move(checks);
  providers_ = std::move(providers);
  config_ = std::move(config);
}

void HealthTracker::Restore(const SavedState& saved) {
  for (const auto& c : saved.checks) {
    auto it = checks_.find(Key(c.provider, c.check));
    if (it == checks_.end()) continue;
    it->second.machine.Restore(c.state);
    it->second.since = c.since;
  }
  for (const auto& r : saved.last_results) {
    auto it = checks_.find(Key(r.provider, r.check));
    if (it != checks_.end()) it->second.last = std::make_shared<const probes::ProbeResult>(r);
  }
  for (const auto& p : saved.providers) {
    auto it = providers_.find(p.provider);
    if (it == providers_.end()) continue;
    it->second.state = p.state;
    it->second.since = p.since;
  }
  for (const auto& name : saved.open_incidents) {
    if (auto it = providers_.find(name); it != providers_.end()) it->second.incident_open = true;
  }
  for (const auto& m : saved.maintenance) {
    if (auto it = providers_.find(m.provider); it != providers_.end()) {
      it->second.maintenance = config::ActiveMaintenance{m.start, m.until, m.reason};
    }
  }
}

HealthChanges HealthTracker::Advance(core::WallTime now) {
  HealthChanges changes;
  for (const auto& p : config_->providers) {
    ProviderEntry& e = providers_.at(p.name);
    std::optional<config::ActiveMaintenance> active = config_->MaintenanceOf(p.name, now);
    if (e.maintenance && !active) {
      LeaveMaintenance(p, e, std::min(now, e.maintenance->until), changes);
    } else if (e.maintenance) {
      e.maintenance->until = active->until;  // a window that runs into the next goes on
    } else if (active) {
      e.maintenance = active;
      changes.maintenance.push_back({p.name, active->start, active->until, active->reason, std::nullopt});
    }
  }
  return changes;
}

void HealthTracker::LeaveMaintenance(const config::ProviderConfig& p, ProviderEntry& e, core::WallTime at,
                                     HealthChanges& out) {
  out.maintenance.push_back({p.name, e.maintenance->start, e.maintenance->until, e.maintenance->reason, at});
  e.maintenance.reset();
  const bool bad = e.state == HealthState::kDown || e.state == HealthState::kDegraded;
  if (bad && !e.incident_open) {  // still failing after the planned work: now it is an incident
    e.incident_open = true;
    out.transitions.push_back({p.name, HealthState::kMaintenance, e.state, at, ReasonsOf(p), IncidentAction::kOpen});
  }
}

HealthState HealthTracker::Computed(const config::ProviderConfig& p) const {
  std::vector<HealthState> states;
  for (const auto& c : p.checks) states.push_back(checks_.at(Key(p.name, c.name)).machine.state());
  return Worst(states);
}

std::vector<Reason> HealthTracker::ReasonsOf(const config::ProviderConfig& p) const {
  std::vector<Reason> out;
  for (const auto& c : p.checks) {
    const CheckEntry& e = checks_.at(Key(p.name, c.name));
    const HealthState s = e.machine.state();
    if ((s != HealthState::kDown && s != HealthState::kDegraded) || !e.last) continue;
    const std::string excerpt(core::TruncateUtf8(e.last->body_excerpt, kReasonExcerptBytes));
    for (const auto& f : e.last->findings) {
      if (!f.attention) out.push_back({c.name, f.kind, f.message, e.last->status_code, excerpt});
    }
  }
  return out;
}

std::vector<AttentionItem> HealthTracker::AttentionOf(const config::ProviderConfig& p) const {
  std::vector<AttentionItem> out;
  for (const auto& c : p.checks) {
    const CheckEntry& e = checks_.at(Key(p.name, c.name));
    if (!e.last) continue;
    const std::size_t first = out.size();
    for (const auto& f : e.last->findings) {
      if (!f.attention) continue;
      auto same = std::find_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                               [&](const AttentionItem& a) { return a.kind == f.kind; });
      if (same == out.end()) {
        out.push_back({c.name, f.kind, f.severity, f.message, f.due});
        continue;
      }
      if (f.severity == config::Severity::kCritical) same->urgency = f.severity;
      if (f.due && (!same->due || *f.due < *same->due)) same->due = f.due;
      same->message += "; " + f.message;
    }
  }
  return out;
}

HealthState HealthTracker::StateOf(const std::string& provider) const {
  auto it = providers_.find(provider);
  return it == providers_.end() ? HealthState::kUnknown : it->second.state;
}

HealthChanges HealthTracker::Observe(const probes::ProbeResult& r) {
  HealthChanges changes;
  auto cit = checks_.find(Key(r.provider, r.check));
  auto pit = providers_.find(r.provider);
  if (cit == checks_.end() || pit == providers_.end()) return changes;  // from a check a reload removed
  const config::ProviderConfig* p = pit->second.config;
  CheckEntry& check = cit->second;
  check.last = std::make_shared<const probes::ProbeResult>(r);
  if (check.machine.Observe(r.outcome) == HealthTransition::kChanged) {
    check.since = r.time;
    changes.checks.push_back({r.provider, r.check, check.machine.state(), r.time});
  }
  ProviderEntry& provider = pit->second;
  const HealthState computed = Computed(*p);
  // "unknown" while some checks have no result yet is not news: keep the last known state.
  if (computed == provider.state || (computed == HealthState::kUnknown && provider.state != HealthState::kUnknown)) {
    return changes;
  }
  // Stored times never go backwards (a probe that started before the last change ends after it).
  const core::WallTime at = std::max(r.time, provider.since);
  ProviderTransition t{r.provider, provider.state, computed, at, ReasonsOf(*p), IncidentAction::kNone};
  const bool bad = computed == HealthState::kDown || computed == HealthState::kDegraded;
  if (bad && provider.incident_open) {
    t.incident = IncidentAction::kUpdate;
  } else if (bad && !provider.maintenance) {  // no incident opens during planned work
    t.incident = IncidentAction::kOpen;
    provider.incident_open = true;
  } else if (!bad && provider.incident_open) {
    t.incident = IncidentAction::kClose;
    provider.incident_open = false;
  }
  provider.state = computed;
  provider.since = at;
  changes.transitions.push_back(std::move(t));
  return changes;
}

ProviderStatus HealthTracker::StatusOf(const config::ProviderConfig& p) const {
  const ProviderEntry& e = providers_.at(p.name);
  ProviderStatus s;
  s.name = p.name;
  s.state = e.state;
  s.since = e.since;
  s.maintenance = e.maintenance;
  s.reasons = ReasonsOf(p);
  s.attention = AttentionOf(p);
  if (e.state == HealthState::kDown || e.state == HealthState::kDegraded) {
    s.impacted_by = ImpactedBy(p.depends_on, [&](const std::string& d) { return StateOf(d); });
  }
  s.recommended = Recommend(p.name, e.state, p.fallback, [&](const std::string& f) { return StateOf(f); });
  for (const auto& c : p.checks) {
    const CheckEntry& ce = checks_.at(Key(p.name, c.name));
    s.checks.push_back({c.name, ce.machine.state(), ce.since, ce.last});
  }
  return s;
}

std::vector<ProviderStatus> HealthTracker::Snapshot() const {
  std::vector<ProviderStatus> out;
  for (const auto& p : config_->providers) out.push_back(StatusOf(p));
  return out;
}

}  // namespace vigil::alerts
