// BaselineBook: what each check has learned about its provider's responses — the response
// shape (from the first kLearnSamples JSON responses, then compared against) and the last value
// of every tracked header (a change is reported once, then adopted). Runtime state that outlives
// config reloads; loaded from storage at start, and every change is handed out (TakeUpdate) to
// be stored with the result that caused it, so a restart keeps what was learned.
// Keys are "provider/check". Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "probes/shape/shape.h"

namespace vigil::probes::shape {

// A baseline as stored: the shape (JSON, empty when nothing learned yet) and tracked headers.
struct StoredBaseline {
  std::string provider;
  std::string check;
  std::string shape_json;
  std::string headers_json;  // {"api-version": "2024-06-20"}
};

struct HeaderChange {
  std::string header;
  std::string before;  // "" when it was absent
  std::string after;   // "" when it is absent now
};

class BaselineBook {
 public:
  static constexpr int kLearnSamples = 3;

  // Adopts what storage kept; malformed rows are skipped (and relearned).
  void Load(const std::vector<StoredBaseline>& stored);

  struct ShapeVerdict {
    bool learning = false;  // still learning: nothing to compare yet
    int samples = 0;
    std::vector<Change> changes;
    std::size_t total = 0;  // all changes, of which `changes` lists the first few
  };
  ShapeVerdict ObserveShape(const std::string& key, const Shape& current);
  // Changes of the tracked headers since the last response; the first one is only recorded.
  std::vector<HeaderChange> ObserveHeaders(const std::string& key, const std::vector<std::string>& tracked,
                                           const config::Headers& headers);
  // The baseline to store after the latest observation of `key`, when it changed.
  std::optional<StoredBaseline> TakeUpdate(const std::string& key);
  // Forgets what one check (or, with `check` empty, every check of `provider`) learned.
  void Reset(const std::string& provider, const std::string& check);

 private:
  struct Entry {
    std::optional<Shape> shape;
    std::map<std::string, std::string> headers;  // lower-case name -> last value ("" = absent)
    bool dirty = false;
  };
  static std::string HeadersJson(const std::map<std::string, std::string>& headers);

  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace vigil::probes::shape
