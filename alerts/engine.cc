#include "alerts/engine.h"

#include <algorithm>
#include <set>

namespace vigil::alerts {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Did every check of `s` fail its last probe with network or timeout errors only? Judged on the
// latest results, not the state: results fail long before failure_threshold takes a provider
// down, so the guard is up before the first provider could be paged.
bool Unreachable(const ProviderStatus& s) {
  bool any = false;
  for (const auto& c : s.checks) {
    if (!c.last) continue;
    if (c.last->outcome != probes::Outcome::kFail) return false;
    for (const auto& f : c.last->findings) {
      const bool transport = f.kind == probes::FindingKind::kNetwork || f.kind == probes::FindingKind::kTimeout;
      if (f.severity == probes::Severity::kCritical && !transport) return false;
    }
    any = true;
  }
  return any;
}

bool HasResult(const ProviderStatus& s) {
  return std::any_of(s.checks.begin(), s.checks.end(), [](const CheckStatus& c) { return c.last != nullptr; });
}

// Has `s` failed (or for degraded, warned) in a probe that started at or after `t`?
bool FailedSince(const ProviderStatus& s, core::WallTime t) {
  return std::any_of(s.checks.begin(), s.checks.end(), [&](const CheckStatus& c) {
    return c.last && c.last->time >= t && c.last->outcome != probes::Outcome::kPass;
  });
}

// The first `depends_on` provider that is down, or "".
std::string ImpactedBy(const config::ProviderConfig& p, const std::map<std::string, const ProviderStatus*>& by_name) {
  return alerts::ImpactedBy(p.depends_on, [&](const std::string& dep) {
    auto it = by_name.find(dep);
    return it == by_name.end() ? HealthState::kUnknown : it->second->state;
  });
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
  const auto probed = static_cast<std::size_t>(std::count_if(providers.begin(), providers.end(), HasResult));
  const auto failing = static_cast<std::size_t>(std::count_if(providers.begin(), providers.end(), Unreachable));
  if (probed >= kMinProvidersForHeuristic && failing * 2 > probed) {
    return std::to_string(failing) + " of " + std::to_string(probed) +
           " providers fail with network errors at once: the network problem is most likely ours";
  }
  return "";
}

namespace {

// "silenced by ID: comment" for the first active silence matching `p`, or "".
std::string SilencedBy(const config::ProviderConfig& p, const std::vector<Silence>& silences, core::WallTime now) {
  for (const auto& s : silences) {
    if (s.Active(now) && s.Matches(p)) return "silenced by " + s.id + (s.comment.empty() ? "" : ": " + s.comment);
  }
  return "";
}

}  // namespace

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
  if (std::string silenced = SilencedBy(p, silences, now); !silenced.empty()) return silenced;
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
  const std::string offline = OfflineReason(providers, quiet);
  if (offline.empty() && !offline_reason_.empty()) online_since_ = now;
  offline_reason_ = offline;
  StepInputs in{{}, {}, quiet, now};
  for (const auto& t : transitions) in.first.emplace(t.provider, &t);
  for (const auto& s : providers) in.by_name.emplace(s.name, &s);

  AlertWrites out;
  std::set<Key> changed;
  for (const auto& n : config_->notifiers) {
    for (const auto& p : config_->providers) {
      if (!in.by_name.count(p.name)) continue;
      const bool paged = Reconcile(n, p, in, out);
      if (ReconcileAttention(n, p, in, out) || paged) changed.insert({n.name, p.name});
    }
  }
  for (const Key& k : changed) out.marks.push_back(marks_.at(k));
  return out;
}

bool AlertEngine::Reconcile(const config::NotifierConfig& n, const config::ProviderConfig& p, const StepInputs& in,
                            AlertWrites& out) {
  const Key key{n.name, p.name};
  auto mit = marks_.find(key);
  const bool matches = n.Matches(p);
  if (!matches && (mit == marks_.end() || !mit->second.open())) return false;
  if (mit == marks_.end()) mit = marks_.emplace(key, AlertMark{n.name, p.name, HealthState::kUnknown, {}, {}}).first;
  AlertMark& mark = mit->second;
  const ProviderStatus& s = *in.by_name.at(p.name);
  const auto tit = in.first.find(p.name);
  const ProviderTransition* t = tit == in.first.end() ? nullptr : tit->second;
  const auto emit = [&](EventType type, HealthState previous, const std::string& impacted_by) {
    AlertEvent e = MakeEvent(type, p, s, previous, impacted_by, in.now);
    mark.last_sent = in.now;
    mark.event = e;
    out.outbox.push_back({n.name, std::move(e), ""});
    return true;
  };

  if (mark.open() && s.state == HealthState::kUp) {  // the resolve: never held back
    const HealthState previous = t ? t->from : mark.notified;
    mark.notified = HealthState::kUnknown;
    return emit(EventType::kUp, previous, "");
  }
  if (!matches) return false;
  const bool failing = s.state == HealthState::kDown || s.state == HealthState::kDegraded;
  // `on` chooses which states open an alert; an open alert hears of every change of it.
  const bool wanted = (s.state == HealthState::kDown && n.on_down) ||
                      (s.state == HealthState::kDegraded && n.on_degraded) || (failing && mark.open());
  if (!wanted) return false;
  const std::string impacted_by = ImpactedBy(p, in.by_name);
  const std::string quiet_reason = QuietReason(*config_, p, n, impacted_by, offline_reason_, in.quiet.silences, in.now);
  // Back online, a provider still marked down may only be waiting for success_threshold
  // passes: it is paged once a probe made since then fails, not on the state alone.
  if (quiet_reason.empty() && online_since_ && !mark.open() && !FailedSince(s, *online_since_)) return false;
  const EventType page = s.state == HealthState::kDown ? EventType::kDown : EventType::kDegraded;
  if (mark.notified == s.state) {
    const bool remind = n.repeat && in.now - mark.last_sent >= *n.repeat && quiet_reason.empty();
    return remind && emit(EventType::kReminder, s.state, impacted_by);
  }
  if (!quiet_reason.empty()) {
    // Record the page that was not sent, once per transition.
    if (t) out.outbox.push_back({n.name, MakeEvent(page, p, s, t->from, impacted_by, in.now), quiet_reason});
    return false;
  }
  const HealthState previous = t ? t->from : (mark.open() ? mark.notified : HealthState::kUp);
  mark.notified = s.state;
  return emit(page, previous, impacted_by);
}

bool AlertEngine::ReconcileAttention(const config::NotifierConfig& n, const config::ProviderConfig& p,
                                     const StepInputs& in, AlertWrites& out) {
  const ProviderStatus& s = *in.by_name.at(p.name);
  std::map<std::string, const AttentionItem*> now;  // "check/kind" -> item (one per kind and check)
  if (n.on_attention && n.Matches(p)) {
    for (const auto& a : s.attention) now.emplace(a.check + "/" + probes::FindingKindName(a.kind), &a);
  }
  const Key key{n.name, p.name};
  auto mit = marks_.find(key);
  if (now.empty() && (mit == marks_.end() || mit->second.attention.empty())) return false;
  if (mit == marks_.end()) mit = marks_.emplace(key, AlertMark{n.name, p.name, HealthState::kUnknown, {}, {}}).first;
  AlertMark& mark = mit->second;
  std::vector<std::string> raised;
  for (const auto& [k, item] : now) raised.push_back(k);
  if (raised == mark.attention) return false;
  const auto event = [&](const AttentionItem& item, bool resolved) {
    AlertEvent e = MakeEvent(EventType::kAttention, p, s, s.state, "", in.now);
    e.reasons.clear();
    e.attention = item;
    e.resolved = resolved;
    return e;
  };
  // Gone: resolved, never held back. The message is the one last raised, when the mark has it.
  for (const std::string& k : mark.attention) {
    if (now.count(k)) continue;
    const std::size_t slash = k.rfind('/');
    AttentionItem gone{k.substr(0, slash), probes::FindingKind::kDeprecation, config::Severity::kWarn, ""};
    probes::ParseFindingKind(k.substr(slash + 1), gone.kind);
    out.outbox.push_back({n.name, event(gone, true), ""});
  }
  // New: raised once; a silence records it as suppressed (and it is not raised again).
  const std::string silenced = SilencedBy(p, in.quiet.silences, in.now);
  for (const auto& [k, item] : now) {
    if (std::find(mark.attention.begin(), mark.attention.end(), k) != mark.attention.end()) continue;
    out.outbox.push_back({n.name, event(*item, false), silenced});
  }
  mark.attention = std::move(raised);
  return true;
}

}  // namespace vigil::alerts
