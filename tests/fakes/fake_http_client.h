// FakeHttpClient: answers every request with a scripted response and records what was asked.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "probes/http_client.h"

namespace vigil::testing {

class FakeHttpClient final : public probes::HttpClient {
 public:
  // Every request gets `respond(request)`; by default a 200 with an empty JSON object.
  std::function<probes::HttpResponse(const probes::HttpRequest&)> respond = [](const probes::HttpRequest&) {
    probes::HttpResponse r;
    r.status = 200;
    r.body = "{}";
    return r;
  };

  probes::HttpResponse Execute(const probes::HttpRequest& request) override {
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    return respond(request);
  }

  std::vector<probes::HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<probes::HttpRequest> requests_;
};

inline probes::HttpResponse Response(int status, std::string body,
                                     config::Headers headers = {{"Content-Type", "application/json"}}) {
  probes::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.phases.total_ms = 10;
  return r;
}

}  // namespace vigil::testing
