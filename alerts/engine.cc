#include "alerts/engine.h"

#include <algorithm>
#include <set>

namespace vigil::alerts {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool NetworkOnly(const ProviderStatus& s) {
  if (s.state != HealthState::kDown || s.reasons.empty()) return false;
  for (const auto& r : s.reasons) {
    if (r.kind != probes::FindingKind::kNetwork && r.kind != probes::FindingKind::kTimeout) return false;
  }
  return true;
}

// The first `depends_on` provider that is down, or "".
std::string ImpactedBy(const config::ProviderConfig& p, const std::map<std::string, const ProviderStatus*>& by_name) {
  for (const auto& dep : p.depends_on) {
    auto it = by_name.find(dep);
    if (it != by_name.end() && it->second->state == HealthState::kDown) return dep;
  }
  return "";
}

constexpr std::size_t kMinProvidersForHeuristic = 3;

}  // namespace

void AlertWrites::Append(AlertWrites&& other) {
  for (auto& e : other.outbox) outbox.push_back(std::move(e));
  for (auto& m : other.marks) marks.push_back(std::move(m));
}

bool Silence::Matches(const config::ProviderConfig& p) const {
  if (Contains(providers, p.name)) return true;
  for (const auto& t : p.tags) {
    if (Contains(tags, t)) return true;
  }
  return false;
}

AlertEngine::AlertEngine(std::shared_ptr<const config::Config> config) { Reconfigure(std::move(config)); }

void AlertEngine::Reconfigure(std::shared_ptr<const config::Config> config) {
  std::map<Key, AlertMark> kept;
  for (auto& [key, mark] : marks_) {
    if (config->FindNotifier(key.first) && config->FindProvider(key.second)) kept.emplace(key, std::move(mark));
  }
  marks_ = std::move(kept);
  config_ = std::move(config);
}

void AlertEngine::Restore(const std::vector<AlertMark>& marks) {
  for (const auto& m : marks) {
    if (config_->FindNotifier(m.notifier) && config_->FindProvider(m.provider)) marks_[{m.notifier, m.provider}] = m;
  }
}

std::vector<AlertMark> AlertEngine::OpenAlerts() const {
  std::vector<AlertMark> out;
  for (const auto& [key, mark] : marks_) {
    if (mark.open()) out.push_back(mark);
  }
  return out;
}

std::string AlertEngine::OfflineReason(const std::vector<ProviderStatus>& providers, const QuietInputs& quiet) const {
  if (quiet.connectivity_down) return "every connectivity target is unreachable: the network problem is ours";
  const std::size_t failing = static_cast<std::size_t>(std::count_if(providers.begin(), providers.end(), NetworkOnly));
  if (providers.size() >= kMinProvidersForHeuristic && failing * 2 > providers.size()) {
    return std::to_string(failing) + " of " + std::to_string(providers.size()) +
           " providers fail with network errors at once: the network problem is most likely ours";
  }
  return "";
}

std::string AlertEngine::QuietReason(const config::Config& config, const config::ProviderConfig& p,
                                     const config::NotifierConfig& n, const std::string& impacted_by,
                                     const std::string& offline_reason, const std::vector<Silence>& silences,
                                     core::WallTime now) {
  if (!offline_reason.empty()) return "monitor offline: " + offline_reason;
  for (const auto& m : config.maintenance) {
    if (config::AppliesTo(m.window, p.name) && config::InWindow(m.window, now)) {
      return "maintenance" + (m.reason.empty() ? std::string() : ": " + m.reason);
    }
  }
  for (const auto& s : silences) {
    if (s.Active(now) && s.Matches(p)) return "silenced by " + s.id + (s.comment.empty() ? "" : ": " + s.comment);
  }
  if (!impacted_by.empty() && !n.include_impacted) return "impacted by " + impacted_by;
  return "";
}

AlertEvent AlertEngine::MakeEvent(EventType type, const config::ProviderConfig& p, const ProviderStatus& s,
                                  HealthState previous, const std::string& impacted_by, core::WallTime now) const {
  AlertEvent e;
  e.id = NewEventId(now);
  e.type = type;
  e.timestamp = now;
  e.provider = p.name;
  e.title = p.title;
  e.state = s.state;
  e.previous_state = previous;
  e.since = s.since;
  e.reasons = s.reasons;
  e.fallback = p.fallback;
  e.recommended = s.recommended;
  e.instance = config_->instance.name;
  e.status_url = config_->PublicUrl() + "/providers/" + p.name;
  e.impacted_by = impacted_by;
  return e;
}

AlertWrites AlertEngine::Process(const std::vector<ProviderTransition>& transitions,
                                 const std::vector<ProviderStatus>& providers, const QuietInputs& quiet,
                                 core::WallTime now) {
  offline_reason_ = OfflineReason(providers, quiet);
  std::map<std::string, const ProviderTransition*> first;  // the batch's first transition per provider
  for (const auto& t : transitions) first.emplace(t.provider, &t);
  std::map<std::string, const ProviderStatus*> by_name;
  for (const auto& s : providers) by_name.emplace(s.name, &s);

  AlertWrites out;
  std::set<Key> changed;
  for (const auto& n : config_->notifiers) {
    for (const auto& p : config_->providers) {
      const auto sit = by_name.find(p.name);
      if (sit == by_name.end()) continue;
      const Key key{n.name, p.name};
      auto mit = marks_.find(key);
      const bool matches = n.Matches(p);
      if (!matches && (mit == marks_.end() || !mit->second.open())) continue;
      if (mit == marks_.end()) mit = marks_.emplace(key, AlertMark{n.name, p.name, HealthState::kUnknown, {}, {}}).first;
      AlertMark& mark = mit->second;
      const ProviderStatus& s = *sit->second;
      const auto tit = first.find(p.name);
      const ProviderTransition* t = tit == first.end() ? nullptr : tit->second;
      const auto emit = [&](EventType type, HealthState previous, const std::string& impacted_by) {
        AlertEvent e = MakeEvent(type, p, s, previous, impacted_by, now);
        mark.last_sent = now;
        mark.event = e;
        out.outbox.push_back({n.name, std::move(e), ""});
        changed.insert(key);
      };

      if (mark.open() && s.state == HealthState::kUp) {  // the resolve: never held back
        emit(EventType::kUp, t ? t->from : mark.notified, "");
        mark.notified = HealthState::kUnknown;
        continue;
      }
      if (!matches) continue;
      const bool wanted = (s.state == HealthState::kDown && n.on_down) || (s.state == HealthState::kDegraded && n.on_degraded);
      if (!wanted) continue;
      const std::string impacted_by = ImpactedBy(p, by_name);
      const std::string quiet_reason = QuietReason(*config_, p, n, impacted_by, offline_reason_, quiet.silences, now);
      if (mark.notified == s.state) {
        if (n.repeat && now - mark.last_sent >= *n.repeat && quiet_reason.empty()) {
          emit(EventType::kReminder, s.state, impacted_by);
        }
        continue;
      }
      if (!quiet_reason.empty()) {
        if (t) {  // record the page that was not sent, once per transition
          out.outbox.push_back({n.name,
                                MakeEvent(s.state == HealthState::kDown ? EventType::kDown : EventType::kDegraded, p, s,
                                          t->from, impacted_by, now),
                                quiet_reason});
        }
        continue;
      }
      const HealthState previous = t ? t->from : (mark.open() ? mark.notified : HealthState::kUp);
      emit(s.state == HealthState::kDown ? EventType::kDown : EventType::kDegraded, previous, impacted_by);
      mark.notified = s.state;
    }
  }
  for (const Key& k : changed) out.marks.push_back(marks_.at(k));
  return out;
}

}  // namespace vigil::alerts
