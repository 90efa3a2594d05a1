#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <iomanip>
#include <iostream>

#include "daemon/cli/commands.h"

namespace vigil::cli {
namespace {

int Run(const ParsedArgs& args) {
  const std::string base = args.Get("--url", "http://127.0.0.1:9470");
  std::string body;
  int status = 0;
  try {
    const Poco::URI uri(base);
    if (uri.getScheme() != "http") {
      std::cerr << "vigil status: --url must be an http:// URL\n";
      return kExitUsage;
    }
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(5, 0));
    Poco::Net::HTTPRequest req("GET", (uri.getPath() == "/" ? "" : uri.getPath()) + "/api/v1/providers", "HTTP/1.1");
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), body);
    status = resp.getStatus();
  } catch (const Poco::Exception& e) {
    std::cerr << "vigil status: cannot reach " << base << ": " << e.displayText() << "\n";
    return kExitRuntime;
  }
  if (status != 200) {
    std::cerr << "vigil status: " << base << " answered " << status << ": " << body << "\n";
    return kExitRuntime;
  }
  if (args.Has("--json")) std::cout << body << "\n";
  bool down = false;
  try {
    Poco::JSON::Array::Ptr providers =
        Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>()->getArray("providers");
    if (!args.Has("--json")) {
      std::cout << std::left << std::setw(20) << "PROVIDER" << std::setw(12) << "STATE" << std::setw(27) << "SINCE"
                << std::setw(16) << "RECOMMENDED" << "NOTES\n";
    }
    for (std::size_t i = 0; i < providers->size(); ++i) {
      Poco::JSON::Object::Ptr p = providers->getObject(static_cast<unsigned>(i));
      const std::string state = p->getValue<std::string>("state");
      down |= state == "down";
      if (args.Has("--json")) continue;
      // Impact and attention items, so that a line says why and what to do (older daemons: none).
      std::string notes;
      if (p->has("impacted_by") && !p->isNull("impacted_by")) notes = "impacted by " + p->getValue<std::string>("impacted_by");
      if (Poco::JSON::Array::Ptr attention = p->getArray("attention"); attention && attention->size() > 0) {
        if (!notes.empty()) notes += "; ";
        notes += std::to_string(attention->size()) + " attention: " + attention->getObject(0)->getValue<std::string>("message");
      }
      std::cout << std::left << std::setw(20) << p->getValue<std::string>("name") << std::setw(12) << state
                << std::setw(27) << (p->isNull("since") ? "-" : p->getValue<std::string>("since")) << std::setw(16)
                << p->getValue<std::string>("recommended") << notes << "\n";
    }
  } catch (const Poco::Exception& e) {
    std::cerr << "vigil status: unexpected answer from " << base << ": " << e.displayText() << "\n";
    return kExitRuntime;
  }
  return down ? kExitFailed : kExitOk;
}

}  // namespace

Command StatusCommand() {
  return {{"status", "", "Show the running daemon's view: one line per provider.",
           "Exit 0 when no provider is down, 1 when one is, 3 when the daemon cannot be reached.",
           {{"--url", "", "URL", "the daemon's address (default http://127.0.0.1:9470)"},
            {"--json", "", "", "print the API's JSON instead of a table"}},
           0, 0},
          &Run};
}

}  // namespace vigil::cli
