// JSON assertions: RFC 6901 pointers into the body with equals / type / exists / min_items /
// max_items / min / max / matches. An unparseable or truncated body is one finding, not one
// per assertion.
#include <regex>

#include "daemon/core/text.h"
#include "probes/checks/factories.h"
#include "probes/json_value.h"

namespace vigil::probes {
namespace {

std::string Where(const config::JsonAssertion& a) {
  return a.pointer.text().empty() ? "(the whole body)" : a.pointer.text();
}

// The first way `v` violates `a`, or "" when it satisfies every condition.
std::string Violation(const config::JsonAssertion& a, const Poco::Dynamic::Var& v) {
  if (a.exists == false) return "expected absent, got " + Describe(v);
  if (a.type && !HasType(v, *a.type)) {
    return std::string("expected type ") + config::JsonTypeName(*a.type) + ", got " +
           config::JsonTypeName(TypeOf(v)) + " " + Describe(v);
  }
  if (a.equals && !LiteralEquals(*a.equals, v)) {
    const std::string want = a.equals->quoted ? "\"" + a.equals->text + "\"" : a.equals->text;
    return "expected " + core::Printable(want, 80) + ", got " + Describe(v);
  }
  if (a.min_items || a.max_items) {
    const std::optional<std::size_t> n = ItemCount(v);
    if (!n) return "expected an array, got " + Describe(v);
    if (a.min_items && *n < *a.min_items) {
      return "expected at least " + std::to_string(*a.min_items) + " items, got " + std::to_string(*n);
    }
    if (a.max_items && *n > *a.max_items) {
      return "expected at most " + std::to_string(*a.max_items) + " items, got " + std::to_string(*n);
    }
  }
  if (a.min || a.max) {
    const std::optional<double> d = AsNumber(v);
    if (!d) return "expected a number, got " + Describe(v);
    if (a.min && *d < *a.min) return "expected at least " + Describe(*a.min) + ", got " + Describe(v);
    if (a.max && *d > *a.max) return "expected at most " + Describe(*a.max) + ", got " + Describe(v);
  }
  if (a.matches_re) {
    const config::JsonType t = TypeOf(v);
    if (t == config::JsonType::kObject || t == config::JsonType::kArray || t == config::JsonType::kNull) {
      return "expected a value matching /" + *a.matches + "/, got " + Describe(v);
    }
    const std::string s = t == config::JsonType::kString ? v.extract<std::string>() : v.convert<std::string>();
    if (!std::regex_search(s, *a.matches_re)) return Describe(v) + " does not match /" + *a.matches + "/";
  }
  return "";
}

class JsonAssertionsCheck final : public Check {
 public:
  explicit JsonAssertionsCheck(const std::vector<config::JsonAssertion>& a) : assertions_(a) {}

  bool judges_content() const override { return true; }

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const Observation::Json& json = obs.json();
    if (!json.ok) {
      findings.push_back({FindingKind::kAssertion, WorstSeverity(),
                          json.error + "; " + std::to_string(assertions_.size()) + " JSON assertion(s) not evaluated"});
      return;
    }
    for (const auto& a : assertions_) {
      const std::optional<Poco::Dynamic::Var> v = Resolve(json.value, a.pointer);
      std::string problem;
      if (!v) {
        if (a.exists != false) problem = "missing";
      } else {
        problem = Violation(a, *v);
      }
      if (!problem.empty()) findings.push_back({FindingKind::kAssertion, a.severity, Where(a) + ": " + problem});
    }
  }

 private:
  Severity WorstSeverity() const {
    for (const auto& a : assertions_) {
      if (a.severity == Severity::kCritical) return Severity::kCritical;
    }
    return Severity::kWarn;
  }

  std::vector<config::JsonAssertion> assertions_;
};

}  // namespace

std::unique_ptr<Check> MakeJsonAssertionsCheck(const config::CheckConfig& config, const BuildContext&, CheckErrors&) {
  if (config.expect.json.empty()) return nullptr;
  return std::make_unique<JsonAssertionsCheck>(config.expect.json);
}

}  // namespace vigil::probes
