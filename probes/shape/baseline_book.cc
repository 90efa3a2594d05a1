#include "probes/shape/baseline_book.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "daemon/core/text.h"
#include "probes/result_json.h"

namespace vigil::probes::shape {
namespace {

constexpr std::size_t kListedChanges = 8;

std::map<std::string, std::string> ParseHeaders(const std::string& text) {
  std::map<std::string, std::string> out;
  if (text.empty()) return out;
  try {
    Poco::JSON::Object::Ptr o = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    for (const auto& [k, v] : *o) {
      if (v.isString()) out[k] = v.extract<std::string>();
    }
  } catch (const Poco::Exception&) {
    out.clear();
  }
  return out;
}

}  // namespace

std::string BaselineBook::HeadersJson(const std::map<std::string, std::string>& headers) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
  for (const auto& [k, v] : headers) o->set(k, v);
  return ToJsonText(o);
}

void BaselineBook::Load(const std::vector<StoredBaseline>& stored) {
  std::lock_guard lock(mu_);
  for (const auto& b : stored) {
    Entry& e = entries_[b.provider + "/" + b.check];
    if (!b.shape_json.empty()) {
      if (core::Result<Shape> s = Shape::FromJson(b.shape_json); s.ok()) e.shape = std::move(s).value();
    }
    e.headers = ParseHeaders(b.headers_json);
  }
}

BaselineBook::ShapeVerdict BaselineBook::ObserveShape(const std::string& key, const Shape& current) {
  std::lock_guard lock(mu_);
  Entry& e = entries_[key];
  ShapeVerdict v;
  if (!e.shape || e.shape->samples() < kLearnSamples) {
    if (e.shape) e.shape->Merge(current);
    else e.shape = current;
    e.dirty = true;
    v.learning = true;
    v.samples = e.shape->samples();
    return v;
  }
  v.samples = e.shape->samples();
  v.changes = Diff(*e.shape, current, kListedChanges, &v.total);
  return v;
}

std::vector<HeaderChange> BaselineBook::ObserveHeaders(const std::string& key, const std::vector<std::string>& tracked,
                                                       const config::Headers& headers) {
  std::lock_guard lock(mu_);
  Entry& e = entries_[key];
  std::vector<HeaderChange> changes;
  for (const std::string& name : tracked) {
    const std::string lower = core::ToLower(name);
    std::string now;
    for (const auto& [k, v] : headers) {
      if (core::EqualsIgnoreCase(k, name)) {
        now = v;
        break;
      }
    }
    auto it = e.headers.find(lower);
    if (it != e.headers.end() && it->second == now) continue;
    if (it != e.headers.end()) changes.push_back({name, it->second, now});
    e.headers[lower] = now;
    e.dirty = true;
  }
  return changes;
}

std::optional<StoredBaseline> BaselineBook::TakeUpdate(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.dirty) return std::nullopt;
  it->second.dirty = false;
  const std::size_t slash = key.find('/');
  return StoredBaseline{key.substr(0, slash), key.substr(slash + 1),
                        it->second.shape ? it->second.shape->ToJson() : "", HeadersJson(it->second.headers)};
}

void BaselineBook::Reset(const std::string& provider, const std::string& check) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool match = check.empty() ? it->first.rfind(provider + "/", 0) == 0 : it->first == provider + "/" + check;
    it = match ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace vigil::probes::shape
