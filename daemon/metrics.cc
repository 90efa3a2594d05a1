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
      provider_impacted_(prometheus::BuildGauge().Name("vigil_provider_impacted")
                             .Help("1 while the provider's failures are put down to a depends_on provider that is down")
                             .Register(*registry_)),
      probe_duration_(prometheus::BuildHistogram().Name("vigil_probe_duration_seconds")
                          .Help("Time spent in each phase of a probe").Register(*registry_)),
      probes_total_(prometheus::BuildCounter().Name("vigil_probes_total")
                        .Help("Probes run, by outcome").Register(*registry_)),
      findings_total_(prometheus::BuildCounter().Name("vigil_findings_total")
                          .Help("Findings reported, by kind").Register(*registry_)),
      certificate_expiry_(prometheus::BuildGauge().Name("vigil_certificate_expiry_timestamp_seconds")
                              .Help("notAfter of the provider's TLS certificate (earliest over its checks)")
                              .Register(*registry_)),
      credential_expiry_(prometheus::BuildGauge().Name("vigil_credential_expiry_timestamp_seconds")
                             .Help("Earliest known expiry of the provider's credentials (API key, JWT, client certificate, OAuth2 token)")
                             .Register(*registry_)),
      quota_remaining_(prometheus::BuildGauge().Name("vigil_quota_remaining")
                           .Help("What is left of a rate-limit budget, as the provider last reported").Register(*registry_)),
      quota_ratio_(prometheus::BuildGauge().Name("vigil_quota_remaining_ratio")
                       .Help("remaining / limit of a rate-limit budget").Register(*registry_)),
      quota_reset_(prometheus::BuildGauge().Name("vigil_quota_reset_timestamp_seconds")
                       .Help("When a rate-limit budget resets").Register(*registry_)),
      quota_header_warnings_(prometheus::BuildCounter().Name("vigil_quota_header_warnings_total")
                                 .Help("Malformed or conflicting rate-limit header values that were ignored").Register(*registry_)),
      probe_retries_(prometheus::BuildCounter().Name("vigil_probe_retries_total")
                         .Help("Probes sent again at once after a network failure (the check's retries)").Register(*registry_)),
      scheduler_deferred_(prometheus::BuildCounter().Name("vigil_scheduler_deferred_total")
                              .Help("Probes put off by a provider's rate limits (Retry-After, probe budget)").Register(*registry_)),
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
      alerts_total_(prometheus::BuildCounter().Name("vigil_alerts_total")
                        .Help("Alert delivery attempts and suppressed pages, by notifier and outcome").Register(*registry_)),
      outbox_depth_(prometheus::BuildGauge().Name("vigil_alert_outbox_depth")
                        .Help("Alert events waiting in the outbox for delivery").Register(*registry_).Add({})),
      offline_(prometheus::BuildGauge().Name("vigil_monitor_offline")
                   .Help("1 while the monitor considers its own network down and pages nobody about providers")
                   .Register(*registry_).Add({})),
      storage_pruned_(prometheus::BuildCounter().Name("vigil_storage_pruned_rows_total")
                          .Help("Rows removed by retention, by what they held (storage.retention)").Register(*registry_)),
      storage_errors_(prometheus::BuildCounter().Name("vigil_storage_retention_errors_total")
                          .Help("Retention steps (backfill, prune, reclaim) that failed and will be retried")
                          .Register(*registry_)),
      backfill_pending_(prometheus::BuildGauge().Name("vigil_storage_backfill_pending_rows")
                            .Help("Raw results from before rollups existed, still to be rolled up")
                            .Register(*registry_).Add({})),
      store_size_(prometheus::BuildGauge().Name("vigil_storage_size_bytes")
                      .Help("Size of the database on disk, its write-ahead log included").Register(*registry_).Add({})),
      lag_(scheduler_lag_.Add({}, LagBuckets())) {
  prometheus::BuildGauge().Name("vigil_build_info").Help("Always 1; the labels carry the version")
      .Register(*registry_).Add({{"version", VIGIL_VERSION}}).Set(1);
  reload_ok_.Add({}).Set(1);
  scheduler_skipped_.Add({{"reason", "previous probe still running"}});
  scheduler_skipped_.Add({{"reason", "worker queue full"}});
  pipeline_problems_.Add({{"problem", "result_dropped"}});
  pipeline_problems_.Add({{"problem", "store_write_error"}});
  for (auto kind : {storage::PruneKind::kRaw, storage::PruneKind::kMinute, storage::PruneKind::kHour, storage::PruneKind::kDay,
                    storage::PruneKind::kDeliveries, storage::PruneKind::kDeadLetters}) {
    storage_pruned_.Add({{"kind", storage::PruneKindName(kind)}});
  }
}

void Metrics::Pruned(storage::PruneKind kind, int64_t rows) {
  storage_pruned_.Add({{"kind", storage::PruneKindName(kind)}}).Increment(static_cast<double>(rows));
}

void Metrics::Backfilled(const storage::BackfillProgress& progress) {
  backfill_pending_.Set(static_cast<double>(progress.pending));
}

void Metrics::RetentionFailed(const std::string& operation) {
  storage_errors_.Add({{"operation", operation}}).Increment();
}

void Metrics::OnStarted(const std::string&, double lag_seconds) { lag_.Observe(std::max(0.0, lag_seconds)); }

void Metrics::OnSkipped(const std::string&, std::string_view reason) {
  scheduler_skipped_.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::OnDeferred(const std::string& key, std::string_view) {
  scheduler_deferred_.Add({{"provider", key.substr(0, key.find('/'))}}).Increment();
}

void Metrics::SetBudget(const std::string& provider, const probes::quota::Budget& b) {
  const prometheus::Labels labels = {{"provider", provider}, {"dimension", b.dimension}};
  if (b.remaining) quota_remaining_.Add(labels).Set(*b.remaining);
  if (b.remaining && b.limit && *b.limit > 0) quota_ratio_.Add(labels).Set(*b.remaining / *b.limit);
  if (b.reset_unix_ms) quota_reset_.Add(labels).Set(static_cast<double>(*b.reset_unix_ms) / 1000.0);
  budgets_.insert({provider, b.dimension});
}

void Metrics::SetExpiries(const probes::ProbeResult& r) {
  const std::pair<std::string, std::string> key{r.provider, r.check};
  if (!r.cert_not_after && !r.credential_not_after && !expiries_.contains(key)) return;
  Expiries& e = expiries_[key];
  const Expiries before = e;
  // The certificate is seen on the wire (a failed handshake keeps the last one); the credential
  // expiry comes from config and the current token, so its absence means there is none.
  if (r.cert_not_after) e.certificate = r.cert_not_after;
  e.credential = r.credential_not_after;
  if (e.certificate != before.certificate || e.credential != before.credential) {
    UpdateExpiryGauges(r.provider);
  }
}

void Metrics::UpdateExpiryGauges(const std::string& provider) {
  std::optional<core::WallTime> certificate, credential;
  const auto earliest = [](std::optional<core::WallTime>& acc,
                           const std::optional<core::WallTime>& t) {
    if (t && (!acc || *t < *acc)) acc = t;
  };
  for (auto it = expiries_.lower_bound({provider, ""});
       it != expiries_.end() && it->first.first == provider; ++it) {
    earliest(certificate, it->second.certificate);
    earliest(credential, it->second.credential);
  }
  const auto seconds = [](core::WallTime t) {
    return static_cast<double>(core::ToUnixMillis(t)) / 1000.0;
  };
  if (certificate) {
    certificate_expiry_.Add({{"provider", provider}}).Set(seconds(*certificate));
  } else {
    RemoveSeries(certificate_expiry_, {{"provider", provider}});
  }
  if (credential) {
    credential_expiry_.Add({{"provider", provider}}).Set(seconds(*credential));
  } else {
    RemoveSeries(credential_expiry_, {{"provider", provider}});
  }
}

void Metrics::CountDroppedResult() { pipeline_problems_.Add({{"problem", "result_dropped"}}).Increment(); }
void Metrics::CountStoreError() { pipeline_problems_.Add({{"problem", "store_write_error"}}).Increment(); }

void Metrics::SetReloadResult(bool ok, core::WallTime at) {
  reload_ok_.Add({}).Set(ok ? 1 : 0);
  if (ok) reload_time_.Add({}).Set(static_cast<double>(core::ToUnixMillis(at)) / 1000.0);
}

Metrics::CheckSeries& Metrics::SeriesFor(const std::string& provider, const std::string& check) {
  const std::string key = provider + "/" + check;
  auto it = series_.find(key);
  if (it != series_.end()) return it->second;
  CheckSeries s;
  for (probes::Outcome o : kOutcomes) {
    s.outcomes[static_cast<std::size_t>(o)] =
        &probes_total_.Add({{"provider", provider}, {"check", check}, {"outcome", probes::OutcomeName(o)}});
  }
  for (std::size_t i = 0; i < std::size(kPhases); ++i) {
    s.phases[i] = &probe_duration_.Add({{"provider", provider}, {"check", check}, {"phase", kPhases[i]}}, DurationBuckets());
  }
  providers_.insert(provider);
  checks_.insert({provider, check});
  return series_.emplace(key, s).first->second;
}

void Metrics::SetCheckUp(const std::string& provider, const std::string& check, alerts::HealthState s) {
  const prometheus::Labels labels = {{"provider", provider}, {"check", check}};
  if (s == alerts::HealthState::kUnknown) return RemoveSeries(check_up_, labels);
  check_up_.Add(labels).Set(s == alerts::HealthState::kUp ? 1 : s == alerts::HealthState::kDegraded ? 0.5 : 0);
}

void Metrics::SetProviderState(const std::string& provider, alerts::HealthState state) {
  for (alerts::HealthState s : kStates) {
    provider_state_.Add({{"provider", provider}, {"state", alerts::HealthStateName(s)}}).Set(state == s ? 1 : 0);
  }
  providers_.insert(provider);
}

void Metrics::Published(const storage::WriteBatch& batch) {
  std::lock_guard lock(mu_);
  for (const auto& r : batch.results) {
    CheckSeries& s = SeriesFor(r.provider, r.check);
    s.outcomes[static_cast<std::size_t>(r.outcome)]->Increment();
    for (const auto& f : r.findings) {
      findings_total_.Add({{"provider", r.provider}, {"check", r.check}, {"kind", probes::FindingKindName(f.kind)}})
          .Increment();
    }
    if (r.status_code > 0) {
      for (std::size_t i = 0; i < std::size(kPhases); ++i) s.phases[i]->Observe(PhaseSeconds(r.phases, kPhases[i]));
    }
    SetExpiries(r);
    for (const auto& b : r.budgets) SetBudget(r.provider, b);
    if (r.attempts > 1) probe_retries_.Add({{"provider", r.provider}}).Increment(r.attempts - 1);
    if (r.quota_header_warnings > 0) {
      quota_header_warnings_.Add({{"provider", r.provider}}).Increment(static_cast<double>(r.quota_header_warnings));
    }
  }
  // States change only with health changes, so only those are applied.
  for (const auto& c : batch.health.checks) SetCheckUp(c.provider, c.check, c.state);
  // A transition can change a dependent's impact, and a window its shown state: all providers.
  if (!batch.health.transitions.empty() || !batch.health.maintenance.empty()) UpdateAllStates();
  for (const auto& e : batch.alerts.outbox) {
    if (!e.suppressed.empty()) alerts_total_.Add({{"notifier", e.notifier}, {"outcome", "suppressed"}}).Increment();
  }
}

void Metrics::UpdateAllStates() {
  const std::shared_ptr<const StatusSnapshot> snapshot = health_.snapshot();
  for (const auto& p : snapshot->providers) {
    SetProviderState(p->name, p->maintenance ? alerts::HealthState::kMaintenance : p->state);
    provider_impacted_.Add({{"provider", p->name}}).Set(p->impacted_by.empty() ? 0 : 1);
    for (const auto& c : p->checks) {
      checks_.insert({p->name, c.name});
      SetCheckUp(p->name, c.name, c.state);
    }
  }
}

void Metrics::Reconfigure(const config::Config& config) {
  std::lock_guard lock(mu_);
  for (const auto& n : config.notifiers) {  // every outcome's series exists from the start, at 0
    for (const char* outcome : {"delivered", "failed", "dead", "rerouted", "suppressed"}) {
      alerts_total_.Add({{"notifier", n.name}, {"outcome", outcome}});
    }
    if (n.type == config::NotifierConfig::Type::kAlertmanager) {
      for (const char* outcome : {"reposted", "repost_failed"}) alerts_total_.Add({{"notifier", n.name}, {"outcome", outcome}});
    }
  }
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
    series_.erase(provider + "/" + check);
    if (expiries_.erase({provider, check})) UpdateExpiryGauges(provider);
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
    RemoveSeries(provider_impacted_, {{"provider", *it}});
    RemoveSeries(certificate_expiry_, {{"provider", *it}});
    RemoveSeries(credential_expiry_, {{"provider", *it}});
    RemoveSeries(quota_header_warnings_, {{"provider", *it}});
    RemoveSeries(probe_retries_, {{"provider", *it}});
    RemoveSeries(scheduler_deferred_, {{"provider", *it}});
    for (auto b = budgets_.begin(); b != budgets_.end();) {
      if (b->first != *it) {
        ++b;
        continue;
      }
      const prometheus::Labels labels = {{"provider", b->first}, {"dimension", b->second}};
      RemoveSeries(quota_remaining_, labels);
      RemoveSeries(quota_ratio_, labels);
      RemoveSeries(quota_reset_, labels);
      b = budgets_.erase(b);
    }
    it = providers_.erase(it);
  }
  UpdateAllStates();
}

void Metrics::OnAlertOutcome(const std::string& notifier, std::string_view outcome) {
  alerts_total_.Add({{"notifier", notifier}, {"outcome", std::string(outcome)}}).Increment();
}

void Metrics::SetAlertSources(std::function<int64_t()> outbox_depth, std::function<bool()> offline) {
  std::lock_guard lock(mu_);
  outbox_depth_source_ = std::move(outbox_depth);
  offline_source_ = std::move(offline);
}

void Metrics::SetStoreSize(std::function<int64_t()> bytes) {
  std::lock_guard lock(mu_);
  store_size_source_ = std::move(bytes);
}

std::string Metrics::Render() {
  {
    std::lock_guard lock(mu_);
    if (store_size_source_) store_size_.Set(static_cast<double>(store_size_source_()));
    if (outbox_depth_source_) outbox_depth_.Set(static_cast<double>(outbox_depth_source_()));
    if (offline_source_) offline_.Set(offline_source_() ? 1 : 0);
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace vigil::daemon
