// Shape drift: the provider's own past responses are the contract. The first few JSON responses
// teach the shape (paths and their types); afterwards an added, removed or retyped path is a
// `shape_drift` finding until someone accepts the new shape (vigil baseline reset).
#include "probes/checks/factories.h"
#include "probes/shape/baseline_book.h"

namespace vigil::probes {
namespace {

class ShapeDriftCheck final : public Check {
 public:
  ShapeDriftCheck(const BuildContext& ctx, Severity severity)
      : key_(ctx.provider + "/" + ctx.check), book_(*ctx.baselines), severity_(severity) {}

  bool judges_content() const override { return true; }

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const Observation::Json& json = obs.json();
    if (!json.ok) return;  // nothing to learn from or compare; other checks say why
    const shape::BaselineBook::ShapeVerdict v = book_.ObserveShape(key_, shape::Shape::Of(json.value));
    if (v.learning || v.changes.empty()) return;
    findings.push_back({FindingKind::kShapeDrift, severity_,
                        "the response shape changed since it was learned: " + shape::Describe(v.changes, v.total) +
                            " (accept it with: vigil baseline reset " + key_ + ")"});
  }

 private:
  std::string key_;
  shape::BaselineBook& book_;
  Severity severity_;
};

class TrackHeadersCheck final : public Check {
 public:
  TrackHeadersCheck(const BuildContext& ctx, std::vector<std::string> tracked)
      : key_(ctx.provider + "/" + ctx.check), book_(*ctx.baselines), tracked_(std::move(tracked)) {}

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const auto quoted = [](const std::string& v) { return v.empty() ? std::string("(absent)") : "\"" + v + "\""; };
    for (const shape::HeaderChange& c : book_.ObserveHeaders(key_, tracked_, obs.response().headers)) {
      findings.push_back({FindingKind::kShapeDrift, Severity::kWarn,
                          "header " + c.header + " changed: " + quoted(c.before) + " -> " + quoted(c.after)});
    }
  }

 private:
  std::string key_;
  shape::BaselineBook& book_;
  std::vector<std::string> tracked_;
};

}  // namespace

std::unique_ptr<Check> MakeShapeDriftCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors&) {
  if (config.expect.shape_drift == config::DriftMode::kOff || context.baselines == nullptr) return nullptr;
  return std::make_unique<ShapeDriftCheck>(
      context, config.expect.shape_drift == config::DriftMode::kCritical ? Severity::kCritical : Severity::kWarn);
}

std::unique_ptr<Check> MakeTrackHeadersCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors&) {
  if (config.expect.track_headers.empty() || context.baselines == nullptr) return nullptr;
  return std::make_unique<TrackHeadersCheck>(context, config.expect.track_headers);
}

}  // namespace vigil::probes
