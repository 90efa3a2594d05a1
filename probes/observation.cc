#include "probes/observation.h"

#include "daemon/core/duration.h"
#include "daemon/core/text.h"
#include "probes/json_value.h"

namespace vigil::probes {

const Observation::Json& Observation::json() const {
  if (json_) return *json_;
  Json j;
  if (response_.body_truncated) {
    j.error = "the body exceeds max_body; only the first " + core::FormatBytes(response_.body.size()) +
              " were read";
  } else if (core::Trim(response_.body).empty()) {
    j.error = "the body is empty, expected JSON";
  } else {
    core::Result<Poco::Dynamic::Var> parsed = ParseJson(response_.body);
    j.ok = parsed.ok();
    if (parsed.ok()) j.value = *parsed;
    else j.error = "the body is not valid JSON: " + parsed.message();
  }
  json_ = std::move(j);
  return *json_;
}

}  // namespace vigil::probes
