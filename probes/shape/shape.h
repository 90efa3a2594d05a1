// Shape: the learned structure of a JSON response, for `shape_drift` findings (SPEC §2, §3).
// A Shape maps each JSON path to the set of JSON types seen there and to the number of learned
// samples in which the path was present, so optional paths are known. Diff() then names what a
// new response added, removed or retyped against the learned baseline.
//
// Paths are JSON Pointers (RFC 6901, "~0" for '~', "~1" for '/') with every array index merged
// into "*": "/available/*/amount". The root is "". The items of every element of an array are
// merged under "/path/*"; an empty array contributes only the array type at "/path". (An object
// key that is literally "*" shares the item path; the parent's type tells them apart.)
// Types: object, array, string, integer, number, boolean, null; a number as the parser gives it:
// written without fraction or exponent (42) it is `integer`, otherwise (42.0, 4e1) `number`.
//
// Bounds, so hostile or huge documents cost bounded memory and never recurse:
//   * at most kMaxPaths distinct paths, kept breadth-first (shallow paths win);
//   * at most kMaxDepth levels below the root: a value at that depth keeps its type but its
//     members are not walked;
//   * at most kMaxPathBytes bytes per path (a long key makes its own path too long).
// Whatever a bound cuts off is summarized: the last recorded path above it is marked partial
// ("its members were not all recorded"), and Diff never reports a member of a partial path as
// added or removed. The walk uses an explicit queue, so depth costs no stack.
//
// Thread-safety: a Shape is a plain value. Const methods may be called concurrently; Merge needs
// exclusive access. Every function here is pure and never throws on any input.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/status.h"

namespace vigil::probes::shape {

inline constexpr std::size_t kMaxPaths = 2000;
inline constexpr int kMaxDepth = 64;
inline constexpr std::size_t kMaxPathBytes = 1024;

class Shape {
 public:
  // The empty shape: no samples, no paths. Merging into it is how learning starts.
  Shape() = default;

  // The shape of one document (samples() == 1).
  static Shape Of(const Poco::Dynamic::Var& json);

  // Learning: the union of paths and types, presence counts and samples added, partial marks
  // kept. Paths of `other` beyond kMaxPaths are dropped and their parent marked partial.
  void Merge(const Shape& other);

  int samples() const { return samples_; }
  std::size_t size() const { return paths_.size(); }
  // True when some bound cut something off (some path is partial).
  bool truncated() const;

  // "integer|null" for a recorded path (types in the order object, array, string, integer,
  // number, boolean, null); "" when the path was never seen.
  std::string TypesAt(std::string_view path) const;
  // In how many samples the path was present; 0 when never seen.
  int SeenAt(std::string_view path) const;

  // Compact, stable (keys sorted) JSON for storage:
  // {"paths":{"":{"seen":2,"types":"object"},"/a":{"partial":true,"seen":1,"types":"array"}},
  //  "samples":2,"version":1}
  std::string ToJson() const;
  // Strict inverse of ToJson: any deviation (bad JSON, unknown key or type name, a count out of
  // range, a path without its parent, more than kMaxPaths paths) is an error naming it.
  static core::Result<Shape> FromJson(std::string_view text);

  bool operator==(const Shape& other) const = default;

  // A read-only view of what was learned, for Diff and for display.
  using TypeSet = uint8_t;  // one bit per JSON type
  struct Entry {
    TypeSet types = 0;
    int seen = 0;          // samples in which the path was present
    bool partial = false;  // some members were not recorded (a bound was hit)
    bool operator==(const Entry& other) const = default;
  };
  using PathMap = std::map<std::string, Entry, std::less<>>;
  const PathMap& paths() const { return paths_; }

 private:
  int samples_ = 0;
  PathMap paths_;
};

struct Change {
  enum class Kind { kAdded, kRemoved, kRetyped };
  Kind kind;
  std::string path;
  std::string before;  // e.g. "integer", "integer|null"; empty for kAdded
  std::string after;   // e.g. "string"; empty for kRemoved
  bool operator==(const Change& other) const = default;
};

// Differences of `current` against the learned `baseline`, sorted by path:
//   * added: a path never seen while learning, reported at the root of the new subtree only,
//     and not when its parent is retyped now or partial in the baseline;
//   * removed: a path present in EVERY learned sample and missing now (optional paths are not),
//     reported at the root of the missing subtree only, and not when its parent is retyped or
//     partial now;
//   * retyped: a type seen now that was never seen while learning (null only where null was
//     seen; integer is accepted where number was seen). Only the retyped path is reported, not
//     the members its new or old type adds or removes.
// Array items ("/x/*") themselves are never added or removed: an array that was always empty
// while learning and has items now, or the reverse, is data, not shape. Paths inside items are
// compared as usual, and so are the item types once items were seen.
// No changes when either shape has no samples. At most `max_changes` are returned; `total`
// (when given) receives how many there are in all.
std::vector<Change> Diff(const Shape& baseline, const Shape& current, std::size_t max_changes,
                         std::size_t* total = nullptr);

// One line: "added /environment (string); removed /livemode (boolean);
// /available/*/amount: integer -> string", then "; and N more" when total exceeds the list.
// Paths are made printable and cut to 120 bytes each. "" for no changes.
std::string Describe(const std::vector<Change>& changes, std::size_t total);

}  // namespace vigil::probes::shape
