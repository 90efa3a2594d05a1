#include <iostream>
#include <optional>

#include "daemon/cli/commands.h"
#include "daemon/core/duration.h"
#include "daemon/core/log.h"
#include "daemon/core/text.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "probes/result_json.h"

namespace vigil::cli {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void PrintHuman(const probes::ProbeResult& r) {
  const probes::Phases& p = r.phases;
  std::cout << r.provider << "/" << r.check << "  " << Upper(probes::OutcomeName(r.outcome)) << "  "
            << (r.status_code ? std::to_string(r.status_code) : std::string("---")) << "  "
            << core::FormatMillis(p.total_ms) << "  (dns " << core::FormatMillis(p.dns_ms) << ", connect "
            << core::FormatMillis(p.connect_ms) << ", tls " << core::FormatMillis(p.tls_ms) << ", ttfb "
            << core::FormatMillis(p.ttfb_ms) << ")\n";
  for (const auto& f : r.findings) {
    std::cout << "    " << config::SeverityName(f.severity) << "  " << probes::FindingKindName(f.kind)
              << ": " << f.message << "\n";
  }
  if (r.cert_not_after) std::cout << "    certificate valid until " << core::FormatRfc3339(*r.cert_not_after) << "\n";
  for (const auto& b : r.budgets) {
    std::cout << "    quota " << b.dimension << ": "
              << (b.remaining ? std::to_string(static_cast<long long>(*b.remaining)) : std::string("?")) << " of "
              << (b.limit ? std::to_string(static_cast<long long>(*b.limit)) : std::string("?")) << " left"
              << (b.reset_unix_ms ? ", resets " + core::FormatRfc3339(core::FromUnixMillis(*b.reset_unix_ms)) : "")
              << " (" << b.source << ")\n";
  }
}

// The request as sent, credentials shown as ***.
void PrintRequest(const probes::HttpRequest& req, const core::Redactor& redactor) {
  std::cout << "> " << req.method << " " << redactor.Redact(req.url) << "\n";
  for (const auto& [name, value] : req.headers) {
    std::string shown = redactor.Redact(value);
    if (core::EqualsIgnoreCase(name, "Authorization")) {
      shown = shown.substr(0, shown.find(' ')) + " ***";  // the scheme, never the credential
    }
    std::cout << "> " << name << ": " << shown << "\n";
  }
}

// Every result says whether probing of its provider would now wait, and why, as the API's quota
// section does: `probing_slowed_until` and `probing_slowed_because`, null when it would not.
void AddThrottle(Poco::JSON::Array& results, const std::optional<probes::quota::Throttle>& t) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    Poco::JSON::Object::Ptr o = results.getObject(static_cast<unsigned>(i));
    o->set("probing_slowed_until",
           t ? Poco::Dynamic::Var(core::FormatRfc3339(t->until)) : Poco::Dynamic::Var());
    o->set("probing_slowed_because", t ? Poco::Dynamic::Var(t->reason) : Poco::Dynamic::Var());
  }
}

int Run(const ParsedArgs& args) {
  if (!ConfigureLogging(args)) return kExitUsage;
  if (!args.Has("--config")) {
    std::cerr << "vigil probe: --config FILE is required\n";
    return kExitUsage;
  }
  std::shared_ptr<const config::Config> config = LoadConfigOrReport(args.Get("--config"));
  if (!config) return kExitUsage;
  const std::string& target = args.positional()[0];
  const std::size_t slash = target.find('/');
  const std::string provider = target.substr(0, slash);
  const std::string check = slash == std::string::npos ? "" : target.substr(slash + 1);
  const config::ProviderConfig* p = config->FindProvider(provider);
  if (p == nullptr || (!check.empty() && p->FindCheck(check) == nullptr)) {
    std::cerr << "vigil probe: no " << (p ? "check '" + target + "'" : "provider '" + provider + "'")
              << " in " << config->path << "\n";
    return kExitUsage;
  }
  probes::PocoHttpClient client;
  auto secrets = std::make_shared<core::SecretRegistry>(config->secrets);
  core::Log::SetSecrets(secrets);
  probes::CheckRunner runner(config, client, core::SystemClock::Instance(), {secrets, nullptr, nullptr});
  Poco::JSON::Array::Ptr json = new Poco::JSON::Array;
  bool failed = false;
  for (std::size_t i = 0; i < runner.size(); ++i) {
    const auto& t = runner.target(i);
    if (t.provider->name != provider || (!check.empty() && t.check->name != check)) continue;
    if (t.check->synthetic && check.empty()) continue;  // the token request runs when a check needs it
    if (args.Has("--verbose") && !args.Has("--json")) PrintRequest(t.request, *secrets->redactor());
    for (const probes::ProbeResult& r : runner.Run(i)) {
      failed |= r.outcome == probes::Outcome::kFail;
      if (args.Has("--json")) json->add(probes::ResultToJson(r));
      else PrintHuman(r);
    }
  }
  // What the answers mean for the daemon's own probing (Retry-After, a 429, probe_budget).
  const std::optional<probes::quota::Throttle> t =
      runner.quota().CurrentThrottle(provider, core::SystemClock::Instance().Now());
  if (args.Has("--json")) {
    AddThrottle(*json, t);
    std::cout << probes::ToJsonText(json) << "\n";
  } else if (t) {
    std::cout << "probing of " << provider << " would now wait until "
              << core::FormatRfc3339(t->until) << ": " << t->reason << "\n";
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace

Command ProbeCommand() {
  return {{"probe", "PROVIDER[/CHECK]", "Run a provider's checks once, now, and print each result.",
           "Exit 0 when no check failed (warnings allowed), 1 when any check failed. Nothing is\n"
           "stored. Made for CI pipelines and contract tests against a provider's sandbox.",
           {{"--config", "-c", "FILE", "the config file (required)"},
            {"--json", "", "", "print one JSON array of results instead of a table"},
            {"--verbose", "-v", "", "also print each request (credentials shown as ***)"},
            LogLevelOption(),
            LogFormatOption()},
           1, 1},
          &Run};
}

}  // namespace vigil::cli
