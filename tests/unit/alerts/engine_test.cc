// The alert engine's decisions, step by step, with time passed in: who is paged, when a
// reminder is due, what is held back and why, and that a resolve always follows a page.
#include "alerts/engine.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace vigil::alerts {
namespace {

using namespace std::chrono_literals;
using S = HealthState;

std::shared_ptr<const config::Config> Load(const std::string& yaml) {
  config::SecretSources none;
  none.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  config::LoadResult r = config::LoadConfigText(yaml, "engine.yaml", "/tmp", none);
  EXPECT_TRUE(r.ok()) << r.ErrorText();
  return r.config;
}

const char* kConfig = R"(
server: { public_url: "https://status.example.com/" }
instance: { name: eu-1 }
providers:
  - { name: okta, base_url: "http://127.0.0.1:1", checks: [{ name: c, path: / }] }
  - { name: stripe, base_url: "http://127.0.0.1:1", fallback: [adyen], depends_on: [okta], tags: [critical],
      checks: [{ name: c, path: / }] }
  - { name: adyen, base_url: "http://127.0.0.1:1", checks: [{ name: c, path: / }] }
  - { name: mail, base_url: "http://127.0.0.1:1", checks: [{ name: c, path: / }] }
notifiers:
  - { name: hook, type: webhook, url: "http://127.0.0.1:2/h", repeat: 1h }
  - { name: critical, type: webhook, url: "http://127.0.0.1:2/c", on: [down], match: { tags: [critical] } }
  - { name: all, type: webhook, url: "http://127.0.0.1:2/a", include_impacted: true, match: { providers: [stripe] } }
)";

const core::WallTime kT0 = core::FromUnixMillis(1'800'000'000'000);

struct World {
  std::shared_ptr<const config::Config> config = Load(kConfig);
  AlertEngine engine{config};
  std::map<std::string, ProviderStatus> status;
  QuietInputs quiet;

  World() {
    for (const auto& p : config->providers) status[p.name] = {p.name, S::kUp, kT0, {}, p.name, {{"c", S::kUp, kT0, {}}}, {}};
  }
  // Records a probe of `provider`'s check at `at`: a pass, or a failure of this kind.
  void Probe(const std::string& provider, bool pass, core::WallTime at,
             probes::FindingKind kind = probes::FindingKind::kStatus) {
    auto r = std::make_shared<probes::ProbeResult>();
    r->provider = provider;
    r->check = "c";
    r->time = at;
    if (!pass) r->findings.push_back({kind, probes::Severity::kCritical, "HTTP 500"});
    r->outcome = probes::OutcomeOf(r->findings);
    status[provider].checks[0].last = r;
  }
  // Moves `provider` to `to` (after a probe that says so) and runs one step; returns the step's outbox.
  std::vector<OutboxEntry> Change(const std::string& provider, S to, core::WallTime at,
                                  probes::FindingKind kind = probes::FindingKind::kStatus) {
    ProviderStatus& s = status[provider];
    ProviderTransition t{provider, s.state, to, at, {}, IncidentAction::kNone};
    s.state = to;
    s.since = at;
    s.reasons = to == S::kUp ? std::vector<Reason>{} : std::vector<Reason>{{"c", kind, "HTTP 500"}};
    Probe(provider, to == S::kUp, at, kind);
    return Step({t}, at);
  }
  std::vector<OutboxEntry> Step(const std::vector<ProviderTransition>& transitions, core::WallTime at) {
    std::vector<ProviderStatus> all;
    for (const auto& p : config->providers) all.push_back(status[p.name]);
    return engine.Process(transitions, all, quiet, at).outbox;
  }
};

// "notifier:type:provider" for each entry, "!" in front of suppressed ones.
std::vector<std::string> Summary(const std::vector<OutboxEntry>& out) {
  std::vector<std::string> s;
  for (const auto& e : out) {
    s.push_back((e.suppressed.empty() ? "" : "!") + e.notifier + ":" + EventTypeName(e.event.type) + ":" + e.event.provider);
  }
  return s;
}

using V = std::vector<std::string>;

TEST(AlertEngine, OnePagePerMatchingNotifierThenOneResolve) {
  World w;
  const auto down = w.Change("stripe", S::kDown, kT0 + 1s);
  EXPECT_EQ(Summary(down), (V{"hook:provider.down:stripe", "critical:provider.down:stripe", "all:provider.down:stripe"}));
  const AlertEvent& e = down[0].event;
  EXPECT_EQ(e.previous_state, S::kUp);
  EXPECT_EQ(e.instance, "eu-1");
  EXPECT_EQ(e.status_url, "https://status.example.com/providers/stripe");
  EXPECT_EQ(e.fallback, (std::vector<std::string>{"adyen"}));
  EXPECT_EQ(e.reasons.size(), 1u);
  EXPECT_NE(down[0].event.id, down[1].event.id);
  EXPECT_TRUE(w.Step({}, kT0 + 2s).empty()) << "a tick repeats nothing";
  EXPECT_EQ(Summary(w.Change("stripe", S::kUp, kT0 + 3s)),
            (V{"hook:provider.up:stripe", "critical:provider.up:stripe", "all:provider.up:stripe"}));
  EXPECT_TRUE(w.Change("stripe", S::kUp, kT0 + 4s).empty());
}

TEST(AlertEngine, OnSelectsStatesAndAResolveFollowsOnlyASentPage) {
  World w;
  // `critical` wants only down: a degraded stripe pages hook and all, not critical.
  EXPECT_EQ(Summary(w.Change("stripe", S::kDegraded, kT0 + 1s)), (V{"hook:provider.degraded:stripe", "all:provider.degraded:stripe"}));
  EXPECT_EQ(Summary(w.Change("stripe", S::kDown, kT0 + 2s)),
            (V{"hook:provider.down:stripe", "critical:provider.down:stripe", "all:provider.down:stripe"}));
  EXPECT_EQ(Summary(w.Change("stripe", S::kUp, kT0 + 3s)),
            (V{"hook:provider.up:stripe", "critical:provider.up:stripe", "all:provider.up:stripe"}));
  // A provider nobody was paged about comes up silently.
  EXPECT_EQ(Summary(w.Change("mail", S::kDegraded, kT0 + 4s)), (V{"hook:provider.degraded:mail"}));
  EXPECT_EQ(Summary(w.Change("mail", S::kUp, kT0 + 5s)), (V{"hook:provider.up:mail"}));
}

TEST(AlertEngine, RemindersAtTheRepeatInterval) {
  World w;
  w.Change("mail", S::kDown, kT0);
  EXPECT_TRUE(w.Step({}, kT0 + 59min).empty());
  EXPECT_EQ(Summary(w.Step({}, kT0 + 60min)), (V{"hook:provider.reminder:mail"}));
  EXPECT_TRUE(w.Step({}, kT0 + 90min).empty());
  EXPECT_EQ(Summary(w.Step({}, kT0 + 120min)), (V{"hook:provider.reminder:mail"}));
}

TEST(AlertEngine, MarksSurviveARestart) {
  World w;
  w.Change("mail", S::kDown, kT0);
  World after;  // a new process: same config, marks read back from storage
  after.status = w.status;
  after.engine.Restore(w.engine.OpenAlerts());
  EXPECT_TRUE(after.Step({}, kT0 + 1s).empty()) << "no second page after a restart";
  EXPECT_EQ(Summary(after.Change("mail", S::kUp, kT0 + 2s)), (V{"hook:provider.up:mail"}));
}

TEST(AlertEngine, DependsOnSaysImpactedAndPagesOnlyThoseWhoAsk) {
  World w;
  w.Change("okta", S::kDown, kT0);
  const auto out = w.Change("stripe", S::kDown, kT0 + 1s);
  EXPECT_EQ(Summary(out), (V{"!hook:provider.down:stripe", "!critical:provider.down:stripe", "all:provider.down:stripe"}));
  EXPECT_EQ(out[0].suppressed, "impacted by okta");
  EXPECT_EQ(out[2].event.impacted_by, "okta");
  // okta recovers, stripe is still down: now it is stripe's own outage, and it pages.
  EXPECT_EQ(Summary(w.Change("okta", S::kUp, kT0 + 2s)),
            (V{"hook:provider.up:okta", "hook:provider.down:stripe", "critical:provider.down:stripe"}));
}

TEST(AlertEngine, MaintenanceAndSilencesHoldPagesButNeverResolves) {
  std::string yaml = kConfig;
  yaml += "maintenance:\n  - { providers: [mail], start: \"2027-01-15T08:00:00Z\", duration: 1h }\n";
  World w;
  w.config = Load(yaml);
  w.engine.Reconfigure(w.config);
  const core::WallTime in = core::FromUnixMillis(1'800'000'000'000);  // 2027-01-15T08:00:00Z
  // stripe was paged before the silence; mail goes down inside its window.
  w.Change("stripe", S::kDown, in - 10min);
  w.quiet.silences.push_back({"S1", {}, {"critical"}, in - 1min, in + 30min, "deploy", "me", in - 1min});
  const auto held = w.Change("mail", S::kDown, in + 1min);
  EXPECT_EQ(Summary(held), (V{"!hook:provider.down:mail"}));
  EXPECT_EQ(held[0].suppressed, "maintenance");
  const auto degraded = w.Change("stripe", S::kDegraded, in + 2min);
  EXPECT_EQ(Summary(degraded),
            (V{"!hook:provider.degraded:stripe", "!critical:provider.degraded:stripe", "!all:provider.degraded:stripe"}));
  EXPECT_EQ(degraded[0].suppressed, "silenced by S1: deploy");
  // Silence and window are over, the providers still failing: the held pages go out now.
  EXPECT_EQ(Summary(w.Step({}, in + 2h)), (V{"hook:provider.degraded:stripe", "hook:provider.down:mail",
                                             "critical:provider.degraded:stripe", "all:provider.degraded:stripe"}));
  // An hour later (hook repeats hourly) mail's reminder comes with stripe's resolve.
  EXPECT_EQ(Summary(w.Change("stripe", S::kUp, in + 3h)),
            (V{"hook:provider.up:stripe", "hook:provider.reminder:mail", "critical:provider.up:stripe",
               "all:provider.up:stripe"}));
}

TEST(AlertEngine, ResolvesGoOutDuringQuiet) {
  World w;
  w.Change("stripe", S::kDown, kT0);
  w.quiet.silences.push_back({"S1", {"stripe"}, {}, kT0, kT0 + 1h, "", "", kT0});
  EXPECT_EQ(Summary(w.Change("stripe", S::kUp, kT0 + 1min)),
            (V{"hook:provider.up:stripe", "critical:provider.up:stripe", "all:provider.up:stripe"}));
}

TEST(AlertEngine, OfflineWhenConnectivityFails) {
  World w;
  w.Change("mail", S::kDown, kT0);  // paged before the network went
  w.quiet.connectivity_down = true;
  const auto held = w.Change("adyen", S::kDown, kT0 + 1s, probes::FindingKind::kNetwork);
  EXPECT_EQ(Summary(held), (V{"!hook:provider.down:adyen"}));
  EXPECT_NE(held[0].suppressed.find("monitor offline"), std::string::npos);
  EXPECT_FALSE(w.engine.offline_reason().empty());
  EXPECT_EQ(Summary(w.Change("mail", S::kUp, kT0 + 2s)), (V{"hook:provider.up:mail"})) << "resolves still go out";
  w.quiet.connectivity_down = false;
  // Back online: adyen is still down until success_threshold passes, but its fresh probe passed.
  EXPECT_TRUE(w.Step({}, kT0 + 3s).empty());
  w.Probe("adyen", true, kT0 + 4s);
  EXPECT_TRUE(w.Step({}, kT0 + 4s).empty()) << "recovering after our own outage: nobody is paged";
  // A probe made after the network came back fails too: now it is adyen's outage.
  w.Probe("adyen", false, kT0 + 5s);
  EXPECT_EQ(Summary(w.Step({}, kT0 + 5s)), (V{"hook:provider.down:adyen"}));
}

TEST(AlertEngine, OfflineWhenMostProvidersFailWithNetworkErrorsBeforeAnyIsDown) {
  World w;  // no connectivity targets; three of four providers' last probes time out
  w.Probe("stripe", true, kT0);
  for (const std::string p : {"okta", "adyen", "mail"}) w.Probe(p, false, kT0, probes::FindingKind::kTimeout);
  EXPECT_TRUE(w.Step({}, kT0).empty());
  EXPECT_NE(w.engine.offline_reason().find("3 of 4"), std::string::npos) << w.engine.offline_reason();
  // failure_threshold later the first of them goes down: held, though the others are not down yet.
  const auto out = w.Change("okta", S::kDown, kT0 + 1s, probes::FindingKind::kTimeout);
  EXPECT_EQ(Summary(out), (V{"!hook:provider.down:okta"}));
  // An HTTP error is an answer: the network works, and a provider failing so is paged.
  World h;
  h.Probe("stripe", true, kT0);
  for (const std::string p : {"okta", "adyen"}) h.Probe(p, false, kT0, probes::FindingKind::kTimeout);
  EXPECT_EQ(Summary(h.Change("mail", S::kDown, kT0 + 1s, probes::FindingKind::kStatus)), (V{"hook:provider.down:mail"}));
  EXPECT_TRUE(h.engine.offline_reason().empty());
}

TEST(AlertEngine, AnOpenAlertHearsOfEveryChangeWhateverOnSays) {
  World w;
  w.Change("stripe", S::kDown, kT0);
  // `critical` is on: [down] only; its open alert still learns that stripe is merely degraded now.
  const auto out = w.Change("stripe", S::kDegraded, kT0 + 1s);
  EXPECT_EQ(Summary(out), (V{"hook:provider.degraded:stripe", "critical:provider.degraded:stripe",
                             "all:provider.degraded:stripe"}));
  EXPECT_EQ(out[1].event.previous_state, S::kDown);
  EXPECT_EQ(Summary(w.Change("stripe", S::kUp, kT0 + 2s)),
            (V{"hook:provider.up:stripe", "critical:provider.up:stripe", "all:provider.up:stripe"}));
  // Without an open alert, `on` decides: a degraded stripe does not page critical.
  EXPECT_EQ(Summary(w.Change("stripe", S::kDegraded, kT0 + 3s)), (V{"hook:provider.degraded:stripe", "all:provider.degraded:stripe"}));
}

TEST(AlertEngine, ChangedMatchStillResolvesWhatWasSent) {
  World w;
  w.Change("stripe", S::kDown, kT0);
  std::string yaml = kConfig;
  const std::string from = "match: { providers: [stripe] }";
  yaml.replace(yaml.find(from), from.size(), "match: { providers: [mail] }");
  w.config = Load(yaml);
  w.engine.Reconfigure(w.config);
  EXPECT_EQ(Summary(w.Change("stripe", S::kUp, kT0 + 1s)),
            (V{"hook:provider.up:stripe", "critical:provider.up:stripe", "all:provider.up:stripe"}));
}

}  // namespace
}  // namespace vigil::alerts
