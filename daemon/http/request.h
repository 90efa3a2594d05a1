// Internal to daemon/http: one API request being answered, and the helpers its route handlers
// share (JSON building, query parsing, errors). Route handlers live in api.cc (providers,
// results, incidents) and alert_routes.cc (deliveries, silences). Not thread-safe: one Request
// per HTTP request.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/text.h"
#include "daemon/http/api.h"
#include "daemon/http/server.h"
#include "probes/result_json.h"

namespace vigil::daemon::http {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Query = std::map<std::string, std::string>;

// A request failure that Api::Handle turns into a JSON error.
struct HttpError {
  int status;
  std::string code;
  std::string detail;
};

Object::Ptr NewObject();  // keeps keys in insertion order
Poco::Dynamic::Var Time(core::WallTime t);  // RFC 3339, or null for the epoch ("never")
Array::Ptr Strings(const std::vector<std::string>& v);
// The provider's status, or a 404.
const alerts::ProviderStatus& FindStatus(const StatusSnapshot& s, const std::string& name);
// The query parameters; a 400 for one not in `allowed`, one given twice, or a malformed query.
Query ParseQuery(const Poco::URI& uri, std::initializer_list<std::string> allowed);
// A time filter parameter (see ParseTimeFilter); a 400 when malformed.
std::optional<core::WallTime> TimeParam(const Query& q, const std::string& key, core::WallTime now);
// `limit`: 1..1000, `fallback` when absent; a 400 otherwise.
std::size_t LimitParam(const Query& q, std::size_t fallback);
// "Bearer <token>", compared in constant time.
bool TokenMatches(const std::string& header, const std::string& token);

class Request {
 public:
  Request(ApiBackend& backend, SummaryCache& summaries, Poco::Net::HTTPServerRequest& req,
          Poco::Net::HTTPServerResponse& resp)
      : b_(backend), summaries_(summaries), req_(req), resp_(resp), uri_(req.getURI()),
        segments_(core::Split(uri_.getPath(), '/')) {
    segments_.erase(segments_.begin());  // the empty string before the leading '/'
    if (!segments_.empty() && segments_.back().empty()) segments_.pop_back();
  }

  void Dispatch();

 private:
  void Route(std::initializer_list<const char*> methods) {
    for (const char* m : methods) {
      if (req_.getMethod() == m || (req_.getMethod() == "HEAD" && std::string(m) == "GET")) return;
    }
    std::vector<std::string> allow(methods.begin(), methods.end());
    resp_.set("Allow", core::Join(allow, ", "));
    throw HttpError{405, "method_not_allowed", req_.getMethod() + " is not allowed here (allowed: " + core::Join(allow, ", ") + ")"};
  }
  void RequireToken() {
    const std::string& token = b_.config()->server.api_token;
    if (token.empty()) throw HttpError{401, "unauthorized", "writes are disabled: set server.api_token in the config"};
    if (!TokenMatches(req_.get("Authorization", ""), token)) {
      resp_.set("WWW-Authenticate", "Bearer realm=\"vigil\"");
      throw HttpError{401, "unauthorized", "a valid 'Authorization: Bearer <api_token>' header is required"};
    }
  }
  void Json(int status, const Poco::Dynamic::Var& body) { SendJson(resp_, status, probes::ToJsonText(body)); }

  void Providers();
  void Provider(const std::string& name);
  void Results(const std::string& name);
  void Incidents();
  void ProbeNow(const std::string& name);
  // `windows`: the uptime windows asked for, as (label, length).
  using Windows = std::vector<std::pair<std::string, core::Millis>>;
  Windows UptimeWindows(const Query& q, const config::Config& config);
  Object::Ptr CheckView(const config::ProviderConfig& p, const alerts::CheckStatus& c, const Windows& windows);
  Object::Ptr ProviderUptime(const std::string& name, const Windows& windows);
  Object::Ptr QuotaView(const alerts::ProviderStatus& st);
  void ResetBaseline(const std::string& name);
  void Deliveries();
  void Silences();
  void CreateSilence();
  void DeleteSilence(const std::string& id);
  Object::Ptr ReadJsonObject();
  // The provider's state as the API shows it: "maintenance" while a window covers it.
  std::string StateOf(const config::Config& config, const alerts::ProviderStatus& st, Object& o);

  ApiBackend& b_;
  SummaryCache& summaries_;
  Poco::Net::HTTPServerRequest& req_;
  Poco::Net::HTTPServerResponse& resp_;
  Poco::URI uri_;
  std::vector<std::string> segments_;
};

}  // namespace vigil::daemon::http
