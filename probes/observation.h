// Observation: what one probe saw — the HTTP response (or the transport error) — plus the body
// parsed as JSON on first use, so every check that needs JSON shares one parse. Owned and used
// by one worker thread at a time.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <string>

#include "probes/http_client.h"

namespace vigil::probes {

class Observation {
 public:
  explicit Observation(HttpResponse response) : response_(std::move(response)) {}

  const HttpResponse& response() const { return response_; }
  bool transport_failed() const { return response_.error != TransportError::kNone; }

  struct Json {
    bool ok = false;
    Poco::Dynamic::Var value;
    std::string error;  // why the body is not usable JSON
  };
  const Json& json() const;

 private:
  HttpResponse response_;
  mutable std::optional<Json> json_;
};

}  // namespace vigil::probes
