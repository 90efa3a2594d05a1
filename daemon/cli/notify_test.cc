#include <iostream>

#include "alerts/event.h"
#include "daemon/outbox_delivery.h"
#include "daemon/cli/commands.h"
#include "daemon/core/log.h"
#include "probes/poco_http_client.h"

namespace vigil::cli {
namespace {

int Run(const ParsedArgs& args) {
  if (!args.Has("--config")) {
    std::cerr << "vigil notify-test: --config FILE is required\n";
    return kExitUsage;
  }
  std::shared_ptr<const config::Config> c = LoadConfigOrReport(args.Get("--config"));
  if (!c) return kExitUsage;
  const std::string& name = args.positional()[0];
  const config::NotifierConfig* n = c->FindNotifier(name);
  if (!n) {
    std::cerr << "vigil notify-test: no notifier named '" << name << "' in " << c->path << "\n";
    return kExitUsage;
  }
  core::Redactor redactor(c->secrets);
  const core::WallTime now = core::SystemClock::Instance().Now();
  alerts::AlertEvent e;
  e.id = alerts::NewEventId(now);
  e.type = alerts::EventType::kTest;
  e.timestamp = now;
  e.provider = c->providers.front().name;
  e.title = "Vigil test alert";
  e.state = alerts::HealthState::kUnknown;
  e.previous_state = alerts::HealthState::kUnknown;
  e.reasons.push_back({"notify-test", probes::FindingKind::kNetwork,
                       "This is a test alert sent by `vigil notify-test`; nothing is wrong."});
  e.recommended = e.provider;
  e.instance = c->instance.name;
  e.status_url = c->PublicUrl() + "/";
  probes::PocoHttpClient client;
  const std::string error = daemon::SendOnce(*n, e, client, now);
  if (!error.empty()) {
    std::cerr << "vigil notify-test: " << name << " (" << config::NotifierTypeName(n->type)
              << "): not delivered: " << redactor.Redact(error) << "\n";
    return kExitFailed;
  }
  std::cout << name << " (" << config::NotifierTypeName(n->type) << "): test alert " << e.id << " delivered\n";
  return kExitOk;
}

}  // namespace

Command NotifyTestCommand() {
  return {{"notify-test", "NOTIFIER", "Send a clearly-marked test alert through one notifier.",
           "Sends one event of type \"test\" (webhook: signed like every event; Alertmanager: the\n"
           "alert VigilTestAlert, severity info, ending two minutes later) right now, outside the outbox, and reports what the\n"
           "receiver answered. Exit 0 when it was delivered, 1 when it was not, 2 on a bad config or\n"
           "an unknown notifier.",
           {{"--config", "-c", "FILE", "the config file (required)"}}, 1, 1},
          &Run};
}

}  // namespace vigil::cli
