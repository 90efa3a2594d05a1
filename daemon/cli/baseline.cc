#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <iostream>

#include "daemon/app.h"
#include "daemon/cli/commands.h"
#include "storage/store.h"

namespace vigil::cli {
namespace {

// Asks the daemon listening at server.listen; nullopt when none answers (then the database is
// edited directly).
std::optional<int> AskDaemon(const config::Config& c, const std::string& provider, const std::string& check) {
  if (c.server.api_token.empty()) return std::nullopt;
  const std::string listen = c.server.listen;
  const std::size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "::1";
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  try {
    Poco::Net::HTTPClientSession s(host, static_cast<Poco::UInt16>(std::stoi(listen.substr(colon + 1))));
    s.setTimeout(Poco::Timespan(5, 0));
    std::string path = "/api/v1/providers/" + provider + "/baseline/reset";
    if (!check.empty()) path += "?check=" + check;
    Poco::Net::HTTPRequest req("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", "Bearer " + c.server.api_token);
    req.setContentLength(0);
    s.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::string body;
    Poco::StreamCopier::copyToString(s.receiveResponse(resp), body);
    if (resp.getStatus() == 200) return kExitOk;
    std::cerr << "vigil baseline reset: the daemon answered " << resp.getStatus() << ": " << body << "\n";
    return kExitRuntime;
  } catch (const Poco::Exception&) {
    return std::nullopt;  // nobody listening
  }
}

int Run(const ParsedArgs& args) {
  if (args.positional()[0] != "reset") {
    std::cerr << "vigil baseline: unknown action '" << args.positional()[0] << "' (the action is: reset)\n";
    return kExitUsage;
  }
  if (!args.Has("--config")) {
    std::cerr << "vigil baseline reset: --config FILE is required\n";
    return kExitUsage;
  }
  std::shared_ptr<const config::Config> c = LoadConfigOrReport(args.Get("--config"));
  if (!c) return kExitUsage;
  const std::string& target = args.positional()[1];
  const std::string provider = target.substr(0, target.find('/'));
  const std::string check = target.find('/') == std::string::npos ? "" : target.substr(target.find('/') + 1);
  const config::ProviderConfig* p = c->FindProvider(provider);
  if (p == nullptr || (!check.empty() && p->FindCheck(check) == nullptr)) {
    std::cerr << "vigil baseline reset: no " << (p ? "check '" + target + "'" : "provider '" + provider + "'") << "\n";
    return kExitUsage;
  }
  if (std::optional<int> asked = AskDaemon(*c, provider, check)) {
    if (*asked == kExitOk) std::cout << "the running daemon forgot the baseline of " << target << "\n";
    return *asked;
  }
  auto store = storage::OpenStore(c->storage, args.Get("--state-dir"));
  if (!store.ok()) {
    std::cerr << "vigil baseline reset: " << store.message() << "\n";
    return kExitRuntime;
  }
  storage::WriteBatch batch;
  batch.baselines.push_back({true, {provider, check, "", ""}});
  if (core::Status s = (*store)->Write(batch); !s.ok()) {
    std::cerr << "vigil baseline reset: " << s.message() << "\n";
    return kExitRuntime;
  }
  std::cout << "forgot the baseline of " << target << " in " << (*store)->Describe() << "\n";
  return kExitOk;
}

}  // namespace

Command BaselineCommand() {
  return {{"baseline", "reset PROVIDER[/CHECK]", "Forget a learned response shape so the next responses teach a new one.",
           "Accepts a provider's changed response shape (and tracked header values). With a daemon\n"
           "listening at server.listen (and server.api_token set), the daemon is asked; otherwise the\n"
           "database is edited directly.",
           {{"--config", "-c", "FILE", "the config file (required)"},
            {"--state-dir", "", "DIR", "where storage.sqlite lives when no daemon answers"}},
           2, 2},
          &Run};
}

}  // namespace vigil::cli
