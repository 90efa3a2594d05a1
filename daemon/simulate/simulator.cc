#include "daemon/simulate/simulator.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/NullStream.h>
#include <Poco/URI.h>

#include <chrono>
#include <ctime>

#include "daemon/core/duration.h"
#include "daemon/core/log.h"
#include "probes/result_json.h"

namespace vigil::simulate {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr std::size_t kMaxPaths = 1000;
constexpr int kRateLimit = 1000;
constexpr int64_t kRateWindowSeconds = 60;

int64_t UnixSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

long Param(const Scenario& s, const std::string& key, long fallback) {
  auto it = s.params.find(key);
  return it == s.params.end() ? fallback : std::strtol(it->second.c_str(), nullptr, 10);
}

int64_t DurationParamMs(const Scenario& s, const std::string& key, int64_t fallback) {
  auto it = s.params.find(key);
  if (it == s.params.end()) return fallback;
  core::Result<core::Millis> d = core::ParseDuration(it->second);
  return d.ok() ? d->count() : fallback;
}

std::string HealthyBody(const std::string& path, uint64_t call) {
  return "{\"object\":\"balance\",\"livemode\":false,"
         "\"available\":[{\"amount\":1000,\"currency\":\"usd\"}],"
         "\"pending\":[{\"amount\":0,\"currency\":\"usd\"}],"
         "\"request\":{\"id\":\"req_" + std::to_string(call) + "\",\"path\":\"" + path + "\"}}";
}

// The same payload after a provider "changed" it: /available/*/amount became a string,
// /livemode disappeared and /environment appeared.
std::string DriftedBody(const std::string& path, uint64_t call) {
  return "{\"object\":\"balance\",\"environment\":\"test\","
         "\"available\":[{\"amount\":\"1000\",\"currency\":\"usd\"}],"
         "\"pending\":[{\"amount\":0,\"currency\":\"usd\"}],"
         "\"request\":{\"id\":\"req_" + std::to_string(call) + "\",\"path\":\"" + path + "\"}}";
}

void SendJson(HTTPServerResponse& resp, HTTPResponse::HTTPStatus status, const std::string& body) {
  resp.setStatusAndReason(status);
  resp.setContentType("application/json");
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send() << body;
}

// A fixed window of kRateLimit calls per path and minute, as many APIs count.
void AddRateLimitHeaders(Simulator& sim, HTTPServerResponse& resp, const std::string& path) {
  const int64_t window = UnixSeconds() / kRateWindowSeconds;
  const int64_t used = static_cast<int64_t>(std::min<uint64_t>(sim.RateUse(path, window), kRateLimit));
  resp.set("X-RateLimit-Limit", std::to_string(kRateLimit));
  resp.set("X-RateLimit-Remaining", std::to_string(kRateLimit - used));
  resp.set("X-RateLimit-Reset", std::to_string((window + 1) * kRateWindowSeconds));
}

// Writes `data` on a detached socket, one byte every `interval_ms`, until done or stopped.
void Dribble(Simulator& sim, Poco::Net::StreamSocket socket, const std::string& data, int64_t interval_ms) {
  for (char c : data) {
    try {
      socket.sendBytes(&c, 1);
    } catch (const Poco::Exception&) {
      return;  // the client gave up, as it should
    }
    if (!sim.Pause(interval_ms)) return;
  }
}

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(Simulator& sim) : sim_(sim) {}

  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
    Poco::NullOutputStream discard;
    Poco::StreamCopier::copyStream(req.stream(), discard);
    const Poco::URI uri(req.getURI());
    if (uri.getPath().rfind("/_sim", 0) == 0) return Control(req, resp, uri);
    auto [scenario, call] = sim_.Take(uri.getPath());
    Serve(scenario, call, uri.getPath(), req, resp);
  }

 private:
  void Serve(const Scenario& s, uint64_t call, const std::string& path, HTTPServerRequest& req,
             HTTPServerResponse& resp) {
    const std::string& n = s.name;
    if (n == "faulty") return Serve(Faulted(s), call, path, req, resp);
    if (n == "healthy" || (n == "drift" && call <= static_cast<uint64_t>(Param(s, "after", 3)))) {
      AddRateLimitHeaders(sim_, resp, path);
      return SendJson(resp, HTTPResponse::HTTP_OK, HealthyBody(path, call));
    }
    if (n == "drift") return SendJson(resp, HTTPResponse::HTTP_OK, DriftedBody(path, call));
    if (n == "slow") {
      if (!sim_.Pause(DurationParamMs(s, "delay", 3000))) return;
      return SendJson(resp, HTTPResponse::HTTP_OK, HealthyBody(path, call));
    }
    if (n == "flapping") {
      const long period = std::max(1L, Param(s, "period", 2));
      if (((call - 1) / static_cast<uint64_t>(period)) % 2 == 0) {
        return SendJson(resp, HTTPResponse::HTTP_OK, HealthyBody(path, call));
      }
      return SendJson(resp, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "{\"error\":\"flapping\"}");
    }
    if (n == "unauthorized") {
      resp.set("WWW-Authenticate",
               "Bearer realm=\"vigil-simulate\", error=\"invalid_token\", error_description=\"The access token expired\"");
      return SendJson(resp, HTTPResponse::HTTP_UNAUTHORIZED, "{\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Invalid API key\"}}");
    }
    if (n == "forbidden") {
      resp.set("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"balance:read\"");
      return SendJson(resp, HTTPResponse::HTTP_FORBIDDEN, "{\"error\":\"insufficient_scope\"}");
    }
    if (n == "ratelimited") {
      const long retry = Param(s, "retry_after", 5);
      resp.set("Retry-After", std::to_string(retry));
      resp.set("X-RateLimit-Limit", "100");
      resp.set("X-RateLimit-Remaining", "0");
      resp.set("X-RateLimit-Reset", std::to_string(UnixSeconds() + retry));
      resp.set("RateLimit-Policy", "\"default\";q=100;w=60");
      resp.set("RateLimit", "\"default\";r=0;t=" + std::to_string(retry));
      return SendJson(resp, HTTPResponse::HTTP_TOO_MANY_REQUESTS, "{\"error\":\"rate_limited\"}");
    }
    if (n == "error" || n == "status") {
      const auto code = static_cast<HTTPResponse::HTTPStatus>(Param(s, "code", n == "error" ? 500 : 200));
      return SendJson(resp, code, n == "error" ? "{\"error\":\"internal\"}" : HealthyBody(path, call));
    }
    if (n == "malformed") return SendJson(resp, HTTPResponse::HTTP_OK, "{\"object\": balance, \"available\": [");
    if (n == "redirect") {
      auto it = s.params.find("location");
      resp.redirect(it == s.params.end() ? "/" : it->second, HTTPResponse::HTTP_FOUND);
      return;
    }
    if (n == "endless") return Endless(resp);
    auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req);
    Poco::Net::StreamSocket socket = impl.detachSocket();
    if (n == "reset") {
      socket.setLinger(true, 0);  // close() now sends RST instead of FIN
      socket.close();
    } else if (n == "truncated") {
      const std::string partial =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
          "Connection: close\r\n\r\n{\"object\":";
      socket.sendBytes(partial.data(), static_cast<int>(partial.size()));
      socket.close();
    } else if (n == "dribble") {
      const std::string body = HealthyBody(path, call);
      Dribble(sim_, socket,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
              DurationParamMs(s, "interval", 1000));
    }
  }

  // The faulty scenario's draw: mostly healthy, `rate` percent of calls reset or cut short,
  // half each.
  Scenario Faulted(const Scenario& s) {
    auto it = s.params.find("rate");
    const double share = (it == s.params.end() ? 5.0 : std::strtod(it->second.c_str(), nullptr)) / 100.0;
    const double roll = sim_.Roll();
    if (roll >= share) return Scenario{};
    return Scenario{roll < share / 2 ? "reset" : "truncated", {}};
  }

  void Endless(HTTPServerResponse& resp) {
    resp.setStatusAndReason(HTTPResponse::HTTP_OK);
    resp.setContentType("application/json");
    resp.setChunkedTransferEncoding(true);
    std::ostream& out = resp.send();
    const std::string chunk(16384, ' ');
    out << "{\"items\":[";
    while (!sim_.stopping() && out.good()) {
      try {
        out << chunk;
        out.flush();
      } catch (const Poco::Exception&) {
        return;  // the client stopped reading and closed
      }
    }
  }

  void Control(HTTPServerRequest& req, HTTPServerResponse& resp, const Poco::URI& uri) {
    const std::string& path = uri.getPath();
    if (path == "/_sim/scenarios" && req.getMethod() == "GET") {
      Poco::JSON::Object::Ptr paths = new Poco::JSON::Object;
      for (const auto& [prefix, state] : sim_.Snapshot()) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("scenario", state.scenario.name);
        Poco::JSON::Object::Ptr params = new Poco::JSON::Object;
        for (const auto& [k, v] : state.scenario.params) params->set(k, v);
        o->set("params", params);
        o->set("calls", state.calls);
        paths->set(prefix, o);
      }
      Poco::JSON::Array::Ptr names = new Poco::JSON::Array;
      for (const auto& name : ScenarioNames()) names->add(name);
      Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
      body->set("paths", paths);
      body->set("scenarios", names);
      return SendJson(resp, HTTPResponse::HTTP_OK, probes::ToJsonText(body));
    }
    if (path == "/_sim/reset" && req.getMethod() == "POST") {
      sim_.Reset();
      return SendJson(resp, HTTPResponse::HTTP_OK, "{\"ok\":true}");
    }
    if (path == "/_sim/scenario" && req.getMethod() == "POST") {
      Scenario s;
      std::string target;
      for (const auto& [k, v] : uri.getQueryParameters()) {
        if (k == "path") target = v;
        else if (k == "scenario") s.name = v;
        else s.params[k] = v;
      }
      core::Status st = target.empty() || target.front() != '/'
                            ? core::Status::Error("path must be given and start with '/'")
                            : sim_.SetScenario(target, s);
      if (!st.ok()) {
        Poco::JSON::Object::Ptr err = new Poco::JSON::Object;
        err->set("error", "bad_request");
        err->set("detail", st.message());
        return SendJson(resp, HTTPResponse::HTTP_BAD_REQUEST, probes::ToJsonText(err));
      }
      return SendJson(resp, HTTPResponse::HTTP_OK, "{\"ok\":true}");
    }
    SendJson(resp, HTTPResponse::HTTP_NOT_FOUND,
             "{\"error\":\"not_found\",\"detail\":\"control routes: GET /_sim/scenarios, POST /_sim/scenario, POST /_sim/reset\"}");
  }

  Simulator& sim_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(Simulator& sim) : sim_(sim) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new Handler(sim_);
  }

 private:
  Simulator& sim_;
};

}  // namespace

core::Result<std::unique_ptr<Simulator>> Simulator::Start(const std::string& listen,
                                                          const std::map<std::string, Scenario>& initial,
                                                          uint64_t seed) {
  std::unique_ptr<Simulator> sim(new Simulator());
  sim->dice_.seed(seed != 0 ? seed : std::random_device{}());
  for (const auto& [path, scenario] : initial) {
    if (core::Status s = sim->SetScenario(path, scenario); !s.ok()) return s;
  }
  try {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress(listen)};
    sim->port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(64);
    params->setMaxQueued(256);
    params->setTimeout(Poco::Timespan(10, 0));
    sim->server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*sim), socket, params);
    sim->server_->start();
  } catch (const Poco::Exception& e) {
    return core::Result<std::unique_ptr<Simulator>>::Error("cannot listen on " + listen + ": " + e.displayText());
  }
  return sim;
}

Simulator::~Simulator() { Stop(); }

void Simulator::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (server_) {
    server_->stopAll(true);
    server_.reset();
  }
}

namespace {

bool UnderPrefix(const std::string& path, const std::string& prefix) {
  return prefix == "/" || path == prefix || (path.rfind(prefix, 0) == 0 && path[prefix.size()] == '/');
}

}  // namespace

core::Status Simulator::SetScenario(const std::string& path, const Scenario& scenario) {
  if (std::string err = ValidateScenario(scenario); !err.empty()) return core::Status::Error(err);
  if (path.empty() || path.front() != '/') return core::Status::Error("path must start with '/'");
  std::lock_guard lock(mu_);
  if (paths_.size() >= kMaxPaths && !paths_.count(path)) return core::Status::Error("too many paths");
  paths_[path] = PathState{scenario, 0};
  return core::Status::Ok();
}

void Simulator::Reset() {
  std::lock_guard lock(mu_);
  paths_.clear();
  requests_.clear();
  rate_.clear();
}

std::pair<Scenario, uint64_t> Simulator::Take(const std::string& path) {
  std::lock_guard lock(mu_);
  if (requests_.size() < kMaxPaths || requests_.count(path)) ++requests_[path];
  auto best = paths_.end();
  for (auto it = paths_.begin(); it != paths_.end(); ++it) {
    if (UnderPrefix(path, it->first) && (best == paths_.end() || it->first.size() > best->first.size())) best = it;
  }
  if (best == paths_.end()) return {Scenario(), requests_.count(path) ? requests_[path] : 1};
  return {best->second.scenario, ++best->second.calls};
}

std::map<std::string, Simulator::PathState> Simulator::Snapshot() const {
  std::lock_guard lock(mu_);
  return paths_;
}

uint64_t Simulator::Calls(const std::string& prefix) const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [path, count] : requests_) {
    if (UnderPrefix(path, prefix)) n += count;
  }
  return n;
}

uint64_t Simulator::RateUse(const std::string& path, int64_t window) {
  std::lock_guard lock(mu_);
  if (rate_.size() >= kMaxPaths && !rate_.count(path)) rate_.clear();  // bounded: forget, as a new window would
  auto& [at, calls] = rate_[path];
  if (at != window) {
    at = window;
    calls = 0;
  }
  return ++calls;
}

double Simulator::Roll() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(dice_);
}

bool Simulator::Pause(int64_t ms) {
  std::unique_lock lock(mu_);
  return !stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_.load(); });
}

}  // namespace vigil::simulate
