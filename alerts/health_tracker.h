// HealthTracker: turns probe results into check states, provider states, transitions and
// incidents (SPEC §3), using one CheckHealth state machine per check. A provider is the worst
// of its checks; an incident is a period in which a provider is not up (it opens when the
// provider leaves up, records every change while open, and closes when it is up again).
// Maintenance windows (Advance) are periods of their own: health is still tracked inside one,
// but no incident opens during it; a failure that outlasts the window opens one at its end.
// Observe() returns every change so the caller stores it in the same transaction as the
// results. Not thread-safe: owned by the pipeline thread; Snapshot() copies for readers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/health.h"
#include "config/config.h"
#include "probes/probe_result.h"

namespace vigil::alerts {

struct Reason {
  std::string check;
  probes::FindingKind kind;
  std::string message;
  int status_code = 0;   // what the provider answered (0: no answer)
  std::string excerpt{};  // the start of its body (redacted, at most kReasonExcerptBytes), failures only
};
inline constexpr std::size_t kReasonExcerptBytes = 512;

// Something to act on before it breaks (SPEC §3 attention): never part of the state.
// One per check and kind: two of a kind (a credential and a certificate both expiring) are one
// item, its urgency the higher, its due date the earlier, its messages joined.
struct AttentionItem {
  std::string check;
  probes::FindingKind kind;
  config::Severity urgency;
  std::string message;
  std::optional<core::WallTime> due{};  // when it comes due, where known
};

struct CheckStatus {
  std::string name;
  HealthState state = HealthState::kUnknown;
  core::WallTime since;
  std::shared_ptr<const probes::ProbeResult> last;  // shared, never copied: snapshots are frequent
};

struct ProviderStatus {
  std::string name;
  HealthState state = HealthState::kUnknown;  // what the checks say, also during maintenance
  core::WallTime since;
  std::vector<Reason> reasons;
  std::string recommended;
  std::vector<CheckStatus> checks;
  std::optional<config::ActiveMaintenance> maintenance;  // set while in a maintenance window
  std::vector<AttentionItem> attention{};  // from each check's last result
  std::string impacted_by{};  // a depends_on provider that is down while this one is down or degraded
};

struct CheckStateChange {
  std::string provider;
  std::string check;
  HealthState state;
  core::WallTime since;
};

// What a provider transition does to its incident.
enum class IncidentAction { kNone, kOpen, kUpdate, kClose };

struct ProviderTransition {
  std::string provider;
  HealthState from;
  HealthState to;
  core::WallTime at;
  std::vector<Reason> reasons;
  IncidentAction incident = IncidentAction::kNone;
};

// A provider entering a maintenance window (`ended` empty) or leaving it.
struct MaintenanceChange {
  std::string provider;
  core::WallTime start;
  core::WallTime until;  // the window's planned end
  std::string reason;
  std::optional<core::WallTime> ended;
};

struct HealthChanges {
  std::vector<CheckStateChange> checks;
  std::vector<ProviderTransition> transitions;  // in the order they happened
  std::vector<MaintenanceChange> maintenance;
  bool empty() const { return checks.empty() && transitions.empty() && maintenance.empty(); }
  void Append(HealthChanges&& other);
};

// What a restart reads back: the last known state of every check and provider.
struct SavedState {
  std::vector<CheckStateChange> checks;
  std::vector<CheckStateChange> providers;  // check field unused
  std::vector<probes::ProbeResult> last_results;  // each check's newest stored result
  std::vector<MaintenanceChange> maintenance;     // periods still open
  std::vector<std::string> open_incidents;        // providers with an incident still open
};

class HealthTracker {
 public:
  explicit HealthTracker(std::shared_ptr<const config::Config> config);

  // Adopts a new config. Checks that still exist keep their state machine (and so their state
  // and counters); providers keep their state. New checks start unknown.
  void Reconfigure(std::shared_ptr<const config::Config> config);
  void Restore(const SavedState& saved);
  HealthChanges Observe(const probes::ProbeResult& result);
  // Enters and leaves maintenance windows as of `now`; call before the results of a batch.
  HealthChanges Advance(core::WallTime now);

  // The current view of one provider (REQUIRES: it is configured), or of all of them.
  ProviderStatus StatusOf(const config::ProviderConfig& provider) const;
  std::vector<ProviderStatus> Snapshot() const;
  const config::Config& config() const { return *config_; }

 private:
  struct CheckEntry {
    CheckHealth machine;
    core::WallTime since;
    std::shared_ptr<const probes::ProbeResult> last;
  };
  struct ProviderEntry {
    HealthState state = HealthState::kUnknown;
    core::WallTime since;
    bool incident_open = false;
    std::optional<config::ActiveMaintenance> maintenance;
    const config::ProviderConfig* config = nullptr;
  };
  void LeaveMaintenance(const config::ProviderConfig& p, ProviderEntry& e, core::WallTime at, HealthChanges& out);
  static std::string Key(const std::string& provider, const std::string& check) { return provider + "/" + check; }
  HealthState Computed(const config::ProviderConfig& p) const;
  std::vector<Reason> ReasonsOf(const config::ProviderConfig& p) const;
  std::vector<AttentionItem> AttentionOf(const config::ProviderConfig& p) const;
  HealthState StateOf(const std::string& provider) const;

  std::shared_ptr<const config::Config> config_;
  std::map<std::string, CheckEntry> checks_;        // "provider/check"
  std::map<std::string, ProviderEntry> providers_;  // by provider name
};

}  // namespace vigil::alerts
