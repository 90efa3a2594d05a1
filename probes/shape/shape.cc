#include "probes/shape/shape.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <array>
#include <climits>
#include <deque>
#include <sstream>
#include <utility>

#include "config/config.h"
#include "daemon/core/text.h"
#include "probes/json_value.h"

namespace vigil::probes::shape {
namespace {

using Poco::Dynamic::Var;
using ArrayPtr = Poco::JSON::Array::Ptr;
using ObjectPtr = Poco::JSON::Object::Ptr;
using config::JsonType;
using Entry = Shape::Entry;
using PathMap = Shape::PathMap;
using TypeSet = Shape::TypeSet;

// Display order of type names, and bit i of a TypeSet.
constexpr std::array<std::pair<JsonType, const char*>, 7> kTypes = {
    {{JsonType::kObject, "object"},
     {JsonType::kArray, "array"},
     {JsonType::kString, "string"},
     {JsonType::kInteger, "integer"},
     {JsonType::kNumber, "number"},
     {JsonType::kBoolean, "boolean"},
     {JsonType::kNull, "null"}}};
constexpr TypeSet kIntegerBit = 1u << 3;
constexpr TypeSet kNumberBit = 1u << 4;

TypeSet Bit(JsonType t) {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if (kTypes[i].first == t) return static_cast<TypeSet>(1u << i);
  }
  return 0;
}

std::string FormatTypes(TypeSet types) {
  std::string out;
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if ((types & (1u << i)) == 0) continue;
    if (!out.empty()) out += '|';
    out += kTypes[i].second;
  }
  return out;
}

// The inverse of FormatTypes; 0 unless `text` is exactly what FormatTypes would write.
TypeSet ParseTypes(std::string_view text) {
  TypeSet types = 0;
  for (const std::string& name : core::Split(text, '|')) {
    for (std::size_t i = 0; i < kTypes.size(); ++i) {
      if (name == kTypes[i].second) types |= static_cast<TypeSet>(1u << i);
    }
  }
  return types != 0 && FormatTypes(types) == text ? types : 0;
}

int SaturatingAdd(int a, int b) { return a > INT_MAX - b ? INT_MAX : a + b; }

const Entry* Find(const PathMap& paths, std::string_view path) {
  const auto it = paths.find(path);
  return it == paths.end() ? nullptr : &it->second;
}

// "" for the root, else the path without its last token.
std::string_view Parent(std::string_view path) { return path.substr(0, path.rfind('/')); }

// Appends `key` as a JSON Pointer reference token ("~" -> "~0", "/" -> "~1").
void AppendToken(std::string& path, const std::string& key) {
  if (key.find_first_of("~/") == std::string::npos) {
    path += key;
    return;
  }
  for (char c : key) {
    if (c == '~') {
      path += "~0";
    } else if (c == '/') {
      path += "~1";
    } else {
      path += c;
    }
  }
}

using Node = PathMap::value_type;

// A value still to walk: its members have not been recorded yet.
struct Pending {
  const Var* value;  // inside the document, which outlives the walk
  Node* node;        // its path's entry; std::map nodes never move
  int depth;
};

// Breadth-first walk of one document into `paths` (see the bounds in shape.h).
class Walker {
 public:
  explicit Walker(PathMap& paths) : paths_(paths) {}

  void Run(const Var& root) {
    Record(*paths_.try_emplace(std::string()).first, root, 0);
    while (!queue_.empty()) {
      const Pending next = queue_.front();
      queue_.pop_front();
      Visit(next);
    }
  }

 private:
  void Visit(const Pending& p) {
    std::string& path = path_;  // reused: no allocation per member
    path = p.node->first;
    path += '/';
    const std::size_t base = path.size();
    if (p.value->type() == typeid(ObjectPtr)) {
      const ObjectPtr& object = p.value->extract<ObjectPtr>();
      if (object->size() == 0 || AtDepthBound(p)) return;
      for (const auto& [key, member] : *object) {
        path.resize(base);
        AppendToken(path, key);
        if (Node* child = Slot(p, path)) Record(*child, member, p.depth + 1);
      }
    } else {
      const ArrayPtr& array = p.value->extract<ArrayPtr>();
      if (array->size() == 0 || AtDepthBound(p)) return;
      path += '*';
      Node* items = Slot(p, path);
      if (items == nullptr) return;
      for (const Var& item : *array) Record(*items, item, p.depth + 1);
    }
  }

  // True (and `p` marked partial) when the members of `p` lie beyond kMaxDepth.
  bool AtDepthBound(const Pending& p) {
    if (p.depth < kMaxDepth) return false;
    p.node->second.partial = true;
    return true;
  }

  // The entry for a member path, or nullptr (and the parent marked partial) past a bound.
  Node* Slot(const Pending& parent, const std::string& path) {
    auto it = paths_.find(path);
    if (it != paths_.end()) return &*it;
    if (paths_.size() >= kMaxPaths || path.size() > kMaxPathBytes) {
      parent.node->second.partial = true;
      return nullptr;
    }
    return &*paths_.emplace(path, Entry{}).first;
  }

  void Record(Node& node, const Var& value, int depth) {
    const JsonType type = TypeOf(value);
    node.second.types |= Bit(type);
    node.second.seen = 1;
    if (type == JsonType::kObject || type == JsonType::kArray) {
      queue_.push_back(Pending{&value, &node, depth});
    }
  }

  PathMap& paths_;
  std::deque<Pending> queue_;
  std::string path_;
};

}  // namespace

Shape Shape::Of(const Var& json) {
  Shape shape;
  shape.samples_ = 1;
  Walker(shape.paths_).Run(json);
  return shape;
}

void Shape::Merge(const Shape& other) {
  samples_ = SaturatingAdd(samples_, other.samples_);
  // Sorted order visits a parent before its members, so a dropped path's parent is known.
  for (const auto& [path, theirs] : other.paths_) {
    auto it = paths_.find(path);
    if (it == paths_.end()) {
      if (paths_.size() >= kMaxPaths) {
        const auto parent = paths_.find(Parent(path));
        if (!path.empty() && parent != paths_.end()) parent->second.partial = true;
        continue;
      }
      it = paths_.emplace(path, Entry{}).first;
    }
    Entry& mine = it->second;
    mine.types |= theirs.types;
    mine.seen = SaturatingAdd(mine.seen, theirs.seen);
    mine.partial = mine.partial || theirs.partial;
  }
}

bool Shape::truncated() const {
  return std::any_of(paths_.begin(), paths_.end(), [](const auto& p) { return p.second.partial; });
}

std::string Shape::TypesAt(std::string_view path) const {
  const Entry* entry = Find(paths_, path);
  return entry == nullptr ? std::string() : FormatTypes(entry->types);
}

int Shape::SeenAt(std::string_view path) const {
  const Entry* entry = Find(paths_, path);
  return entry == nullptr ? 0 : entry->seen;
}

std::string Shape::ToJson() const {
  Poco::JSON::Object::Ptr paths = new Poco::JSON::Object();  // keys sorted: stable output
  for (const auto& [path, entry] : paths_) {
    Poco::JSON::Object::Ptr e = new Poco::JSON::Object();
    e->set("types", FormatTypes(entry.types));
    e->set("seen", entry.seen);
    if (entry.partial) e->set("partial", true);
    paths->set(path, e);
  }
  Poco::JSON::Object root;
  root.set("version", 1);
  root.set("samples", samples_);
  root.set("paths", paths);
  std::ostringstream out;
  root.stringify(out, 0);
  return out.str();
}

namespace {

using Error = core::Result<Shape>;

bool HasOnlyKeys(const Poco::JSON::Object& object, std::initializer_list<std::string_view> keys) {
  return std::all_of(object.begin(), object.end(), [&](const auto& member) {
    return std::find(keys.begin(), keys.end(), member.first) != keys.end();
  });
}

std::optional<int64_t> IntegerAt(const Poco::JSON::Object& object, const std::string& key) {
  if (!object.has(key) || TypeOf(object.get(key)) != JsonType::kInteger) return std::nullopt;
  return object.get(key).convert<int64_t>();
}

// A path as ToJson writes it: "" or "/token..." with only "~0" and "~1" escapes.
bool ValidPath(const std::string& path) {
  if (path.size() > kMaxPathBytes || (!path.empty() && path[0] != '/')) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '~' && (i + 1 == path.size() || (path[i + 1] != '0' && path[i + 1] != '1'))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> ReadEntry(const std::string& path, const Var& value, int samples,
                                     Entry& entry) {
  const std::string where = "path \"" + core::Printable(path, 80) + "\": ";
  if (!ValidPath(path)) return where + "not a JSON Pointer";
  if (TypeOf(value) != JsonType::kObject) return where + "not an object";
  const Poco::JSON::Object& e = *value.extract<ObjectPtr>();
  if (!HasOnlyKeys(e, {"types", "seen", "partial"})) return where + "unknown key";
  const Var types = e.get("types");
  if (TypeOf(types) != JsonType::kString) return where + "types missing";
  entry.types = ParseTypes(types.extract<std::string>());
  if (entry.types == 0) return where + "bad types";
  const std::optional<int64_t> seen = IntegerAt(e, "seen");
  if (!seen || *seen < 1 || *seen > samples) return where + "seen out of range";
  entry.seen = static_cast<int>(*seen);
  if (e.has("partial")) {
    if (TypeOf(e.get("partial")) != JsonType::kBoolean) return where + "partial not a boolean";
    entry.partial = e.get("partial").extract<bool>();
  }
  return std::nullopt;
}

}  // namespace

core::Result<Shape> Shape::FromJson(std::string_view text) {
  const core::Result<Var> parsed = ParseJson(text);
  if (!parsed.ok()) return Error::Error("shape: " + parsed.message());
  if (TypeOf(*parsed) != JsonType::kObject) return Error::Error("shape: not an object");
  const Poco::JSON::Object& root = *parsed->extract<ObjectPtr>();
  if (!HasOnlyKeys(root, {"version", "samples", "paths"})) {
    return Error::Error("shape: unknown key");
  }
  if (IntegerAt(root, "version") != 1) return Error::Error("shape: unsupported version");
  const std::optional<int64_t> samples = IntegerAt(root, "samples");
  if (!samples || *samples < 0 || *samples > INT_MAX) return Error::Error("shape: bad samples");
  if (!root.has("paths") || TypeOf(root.get("paths")) != JsonType::kObject) {
    return Error::Error("shape: paths missing");
  }
  const Poco::JSON::Object& paths = *root.get("paths").extract<ObjectPtr>();
  if (paths.size() > kMaxPaths) return Error::Error("shape: too many paths");
  Shape shape;
  shape.samples_ = static_cast<int>(*samples);
  for (const auto& [path, value] : paths) {
    Entry entry;
    if (auto error = ReadEntry(path, value, shape.samples_, entry)) {
      return Error::Error("shape: " + *error);
    }
    if (!path.empty() && shape.paths_.count(Parent(path)) == 0) {
      return Error::Error("shape: path \"" + core::Printable(path, 80) + "\" without its parent");
    }
    shape.paths_.emplace(path, entry);
  }
  if ((shape.samples_ > 0) != (shape.paths_.count("") == 1)) {
    return Error::Error("shape: samples and root disagree");
  }
  return shape;
}

// ---- Diff

namespace {

// Whether `now` holds a type never seen in `learned` (integer is fine where number was seen).
bool Retyped(TypeSet learned, TypeSet now) {
  const TypeSet allowed = learned | ((learned & kNumberBit) ? kIntegerBit : 0);
  return (now & ~allowed) != 0;
}

bool IsItemPath(std::string_view path) {
  return path.size() >= 2 && path.substr(path.size() - 2) == "/*";
}

// For a path on one side only: whether it is the root of a subtree worth reporting, i.e. not
// an array item, and its parent is on both sides, not retyped, and complete on the other side.
bool ReportSubtree(const Shape& baseline, const Shape& current, std::string_view path, bool added) {
  if (IsItemPath(path)) return false;
  const Entry* learned = Find(baseline.paths(), Parent(path));
  const Entry* now = Find(current.paths(), Parent(path));
  if (learned == nullptr || now == nullptr || Retyped(learned->types, now->types)) return false;
  return added ? !learned->partial : !now->partial;
}

// The change at one path, if any. Either entry may be null (never both).
std::optional<Change> ChangeAt(const Shape& baseline, const Shape& current, const std::string& path,
                               const Entry* learned, const Entry* now) {
  if (learned != nullptr && now != nullptr) {
    if (!Retyped(learned->types, now->types)) return std::nullopt;
    return Change{Change::Kind::kRetyped, path, FormatTypes(learned->types),
                  FormatTypes(now->types)};
  }
  if (now != nullptr) {
    if (!ReportSubtree(baseline, current, path, /*added=*/true)) return std::nullopt;
    return Change{Change::Kind::kAdded, path, "", FormatTypes(now->types)};
  }
  if (learned->seen < baseline.samples() ||
      !ReportSubtree(baseline, current, path, /*added=*/false)) {
    return std::nullopt;
  }
  return Change{Change::Kind::kRemoved, path, FormatTypes(learned->types), ""};
}

}  // namespace

std::vector<Change> Diff(const Shape& baseline, const Shape& current, std::size_t max_changes,
                         std::size_t* total) {
  std::vector<Change> changes;
  std::size_t count = 0;
  if (baseline.samples() > 0 && current.samples() > 0) {
    // A merge walk over both sorted maps, so the result comes out sorted by path.
    auto b = baseline.paths().begin();
    auto c = current.paths().begin();
    while (b != baseline.paths().end() || c != current.paths().end()) {
      const bool take_b =
          c == current.paths().end() || (b != baseline.paths().end() && b->first <= c->first);
      const bool take_c =
          b == baseline.paths().end() || (c != current.paths().end() && c->first <= b->first);
      const std::string& path = take_b ? b->first : c->first;
      std::optional<Change> change = ChangeAt(
          baseline, current, path, take_b ? &b->second : nullptr, take_c ? &c->second : nullptr);
      if (take_b) ++b;
      if (take_c) ++c;
      if (!change) continue;
      ++count;
      if (changes.size() < max_changes) changes.push_back(std::move(*change));
    }
  }
  if (total != nullptr) *total = count;
  return changes;
}

std::string Describe(const std::vector<Change>& changes, std::size_t total) {
  std::string out;
  for (const Change& c : changes) {
    if (!out.empty()) out += "; ";
    const std::string path = c.path.empty() ? "(root)" : core::Printable(c.path, 120);
    switch (c.kind) {
      case Change::Kind::kAdded:
        out += "added " + path + " (" + c.after + ")";
        break;
      case Change::Kind::kRemoved:
        out += "removed " + path + " (" + c.before + ")";
        break;
      case Change::Kind::kRetyped:
        out += path + ": " + c.before + " -> " + c.after;
        break;
    }
  }
  if (total > changes.size()) {
    out += (out.empty() ? "" : "; ") + std::string("and ") +
           std::to_string(total - changes.size()) + " more";
  }
  return out;
}

}  // namespace vigil::probes::shape
