// AlertStage: the pipeline stage that runs the AlertEngine. In Prepare() — after the health
// stage, so the batch's transitions are known — it decides the events and adds them to the batch,
// so they are committed to the outbox in the same transaction as the state change that caused
// them. Ticks (ResultPipeline::SubmitTick) let it send reminders and pages whose quiet period
// ended. After the commit it wakes the dispatcher. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerts/engine.h"
#include "daemon/alert_dispatcher.h"
#include "daemon/health_stage.h"
#include "daemon/result_pipeline.h"

namespace vigil::daemon {

class AlertStage final : public PipelineStage {
 public:
  AlertStage(std::shared_ptr<const config::Config> config, HealthStage& health, const core::Clock& clock,
             AlertDispatcher& dispatcher);

  void Restore(const std::vector<alerts::AlertMark>& marks, std::vector<alerts::Silence> silences);
  void Reconfigure(std::shared_ptr<const config::Config> config);
  void AddSilence(alerts::Silence silence);
  void ExpireSilence(const std::string& id, core::WallTime at);
  void SetConnectivityDown(bool down);

  // Why the monitor considers itself offline, or "".
  std::string offline_reason() const;

  void Prepare(storage::WriteBatch& batch) override;
  void Published(const storage::WriteBatch& batch) override;

 private:
  HealthStage& health_;
  const core::Clock& clock_;
  AlertDispatcher& dispatcher_;

  mutable std::mutex mu_;
  alerts::AlertEngine engine_;  // GUARDED_BY(mu_)
  alerts::QuietInputs quiet_;   // GUARDED_BY(mu_)
  std::string offline_reason_;  // GUARDED_BY(mu_)
};

}  // namespace vigil::daemon
