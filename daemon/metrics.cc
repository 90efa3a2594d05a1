#include "daemon/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace vigil::daemon {
namespace {

using prometheus::Histogram;

const Histogram::BucketBoundaries& DurationBuckets() {
  static const Histogram::BucketBoundaries b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return b;
}

const Histogram::BucketBoundaries& LagBuckets() {
  static const Histogram::BucketBoundaries b = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60};
  return b;
}

constexpr const char* kPhases[] = {"dns", "connect", "tls", "ttfb", "transfer", "total"};
constexpr alerts::HealthState kStates[] = {alerts::HealthState::kUnknown, alerts::HealthState::kUp,
                                           alerts::HealthState::kDegraded, alerts::HealthState::kDown,
                                           alerts::HealthState::kMaintenance};
constexpr probes::Outcome kOutcomes[] = {probes::Outcome::kPass, probes::Outcome::kWarn, probes::Outcome::kFail};

double PhaseSeconds(const probes::Phases& p, const std::string& phase) {
  const double ms = phase == "dns" ? p.dns_ms : phase == "connect" ? p.connect_ms : phase == "tls" ? p.tls_ms
                  : phase == "ttfb" ? p.ttfb_ms : phase == "transfer" ? p.transfer_ms : p.total_ms;
  return ms / 1000.0;
}

template <typename T>
void RemoveSeries(prometheus::Family<T>& family, const prometheus::Labels& labels) {
  if (family.Has(labels)) family.Remove(&family.Add(labels));
}

void RemoveHistogram(prometheus::Family<Histogram>& family, const prometheus::Labels& labels) {
  if (family.Has(labels)) family.Remove(&family.Add(labels, DurationBuckets()));
}

}  // namespace

Metrics::Metrics(const HealthStage& health)
    : health_(health),
      registry_(std::make_shared<prometheus::Registry>()),
      check_up_(prometheus::BuildGauge().Name("vigil_check_up")
                    .Help("1 when the check is up, 0.5 when degraded, 0 when down").Register(*registry_)),
      provider_state_(prometheus::BuildGauge().Name("vigil_provider_state")
                          .Help("1 for the provider's current state, 0 for the others").Register(*registry_)),
      probe_duration_(prometheus::BuildHistogram().Name("vigil_probe_duration_seconds")
                          .Help("Time spent in each phase of a probe").Register(*registry_)),
      probes_total_(prometheus::BuildCounter().Name("vigil_probes_total")
                        .Help("Probes run, by outcome").Register(*registry_)),
      findings_total_(prometheus::BuildCounter().Name("vigil_findings_total")
                          .Help("Findings reported, by kind").Register(*registry_)),
      certificate_expiry_(prometheus::BuildGauge().Name("vigil_certificate_expiry_timestamp_seconds")
                              .Help("notAfter of the provider's TLS certificate (earliest over its checks)")
                              .Register(*registry_)),
      scheduler_lag_(prometheus::BuildHistogram().Name("vigil_scheduler_lag_seconds")
                         .Help("Delay between a probe's due time and its start").Register(*registry_)),
      scheduler_skipped_(prometheus::BuildCounter().Name("vigil_scheduler_skipped_total")
                             .Help("Due probes that did not run, by reason").Register(*registry_)),
      reload_ok_(prometheus::BuildGauge().Name("vigil_config_last_reload_successful")
                     .Help("1 when the last config (re)load succeeded").Register(*registry_)),
      reload_time_(prometheus::BuildGauge().Name("vigil_config_last_reload_success_timestamp_seconds")
                       .Help("When the config was last loaded successfully").Register(*registry_)),
      pipeline_problems_(prometheus::BuildCounter().Name("vigil_pipeline_problems_total")
                             .Help("Results dropped or store writes retried").Register(*registry_)),
      lag_(scheduler_lag_.Add({}, LagBuckets())) {
  prometheus::BuildGauge().Name("vigil_build_info").Help("Always 1; the labels carry the version")
      .Register(*registry_).Add({{"version", VIGIL_VERSION}}).Set(1);
  reload_ok_.Add({}).Set(1);
  scheduler_skipped_.Add({{"reason", "previous probe still running"}});
  scheduler_skipped_.Add({{"reason", "worker queue full"}});
  pipeline_problems_.Add({{"problem", "result_dropped"}});
  pipeline_problems_.Add({{"problem", "store_write_error"}});
}

void Metrics::OnStarted(const std::string&, double lag_seconds) { lag_.Observe(std::max(0.0, lag_seconds)); }

void Metrics::OnSkipped(const std::string&, std::string_view reason) {
  scheduler_skipped_.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::CountDroppedResult() { pipeline_problems_.Add({{"problem", "result_dropped"}}).Increment(); }
void Metrics::CountStoreError() { pipeline_problems_.Add({{"problem", "store_write_error"}}).Increment(); }

void Metrics::SetReloadResult(bool ok, core::WallTime at) {
  reload_ok_.Add({}).Set(ok ? 1 : 0);
  if (ok) reload_time_.Add({}).Set(static_cast<double>(core::ToUnixMillis(at)) / 1000.0);
}

void Metrics::Published(const storage::WriteBatch& batch) {
  std::lock_guard lock(mu_);
  for (const auto& r : batch.results) {
    probes_total_.Add({{"provider", r.provider}, {"check", r.check}, {"outcome", probes::OutcomeName(r.outcome)}})
        .Increment();
    for (const auto& f : r.findings) {
      findings_total_.Add({{"provider", r.provider}, {"check", r.check}, {"kind", probes::FindingKindName(f.kind)}})
          .Increment();
    }
    if (r.status_code > 0) {
      for (const char* phase : kPhases) {
        probe_duration_.Add({{"provider", r.provider}, {"check", r.check}, {"phase", phase}}, DurationBuckets())
            .Observe(PhaseSeconds(r.phases, phase));
      }
    }
    if (r.cert_not_after) {
      certificate_expiry_.Add({{"provider", r.provider}})
          .Set(static_cast<double>(core::ToUnixMillis(*r.cert_not_after)) / 1000.0);
    }
    providers_.insert(r.provider);
    checks_.insert({r.provider, r.check});
  }
  UpdateStates();
}

void Metrics::UpdateStates() {
  const std::shared_ptr<const StatusSnapshot> snapshot = health_.snapshot();
  for (const auto& p : *snapshot) {
    for (alerts::HealthState s : kStates) {
      provider_state_.Add({{"provider", p.name}, {"state", alerts::HealthStateName(s)}}).Set(p.state == s ? 1 : 0);
    }
    providers_.insert(p.name);
    for (const auto& c : p.checks) {
      const prometheus::Labels labels = {{"provider", p.name}, {"check", c.name}};
      checks_.insert({p.name, c.name});
      if (c.state == alerts::HealthState::kUnknown) {
        RemoveSeries(check_up_, labels);
        continue;
      }
      check_up_.Add(labels).Set(c.state == alerts::HealthState::kUp ? 1 : c.state == alerts::HealthState::kDegraded ? 0.5 : 0);
    }
  }
}

void Metrics::Reconfigure(const config::Config& config) {
  std::lock_guard lock(mu_);
  for (auto it = checks_.begin(); it != checks_.end();) {
    const config::ProviderConfig* p = config.FindProvider(it->first);
    if (p && p->FindCheck(it->second)) {
      ++it;
      continue;
    }
    const auto& [provider, check] = *it;
    RemoveSeries(check_up_, {{"provider", provider}, {"check", check}});
    for (probes::Outcome o : kOutcomes) {
      RemoveSeries(probes_total_, {{"provider", provider}, {"check", check}, {"outcome", probes::OutcomeName(o)}});
    }
    for (int k = 0; k <= static_cast<int>(probes::FindingKind::kExpiry); ++k) {
      RemoveSeries(findings_total_, {{"provider", provider}, {"check", check},
                                     {"kind", probes::FindingKindName(static_cast<probes::FindingKind>(k))}});
    }
    for (const char* phase : kPhases) {
      RemoveHistogram(probe_duration_, {{"provider", provider}, {"check", check}, {"phase", phase}});
    }
    it = checks_.erase(it);
  }
  for (auto it = providers_.begin(); it != providers_.end();) {
    if (config.FindProvider(*it)) {
      ++it;
      continue;
    }
    for (alerts::HealthState s : kStates) {
      RemoveSeries(provider_state_, {{"provider", *it}, {"state", alerts::HealthStateName(s)}});
    }
    RemoveSeries(certificate_expiry_, {{"provider", *it}});
    it = providers_.erase(it);
  }
  UpdateStates();
}

std::string Metrics::Render() {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace vigil::daemon
