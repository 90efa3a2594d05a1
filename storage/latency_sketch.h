// LatencySketch: a mergeable summary of latencies in milliseconds with a bounded relative
// error, after DDSketch (Masson, Rim, Lee; VLDB 2019) with one fixed logarithmic bucket layout:
// bucket i holds the values in (γ^(i-1), γ^i], γ = (1+α)/(1-α), α = kRelativeError. Because the
// layout is fixed, two sketches merge by adding their bucket counts, so an hour's sketch is the
// sum of its minutes' and 400 days of them merge into one answer.
//
// Contract: Quantile(q) returns an estimate within kRelativeError (1%) of the exact nearest-rank
// q-quantile of the values added (the ceil(q·n)-th smallest), for values in [kMinMs, kMaxMs];
// values outside are clamped to that range first. Storage is sparse: one (index, count) pair per
// non-empty bucket, and Encode() writes them as varints (a few bytes per distinct latency).
// A plain value; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::storage {

class LatencySketch {
 public:
  static constexpr double kRelativeError = 0.01;
  static constexpr double kMinMs = 0.001;
  static constexpr double kMaxMs = 1e7;

  void Add(double ms, uint64_t count = 1);
  void Merge(const LatencySketch& other);
  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // q in [0, 1]; nullopt when empty.
  std::optional<double> Quantile(double q) const;

  // Compact binary form (varints); Decode() of anything else is an error, never a crash.
  std::string Encode() const;
  void EncodeTo(std::string& out) const;
  static std::optional<LatencySketch> Decode(std::string_view bytes);
  // Reads one sketch from the front of `in` and advances it; false when malformed.
  static bool DecodeFrom(std::string_view& in, LatencySketch& out);

  bool operator==(const LatencySketch& other) const = default;

 private:
  std::vector<std::pair<int32_t, uint64_t>> buckets_;  // by index, ascending; counts > 0
  uint64_t count_ = 0;
};

// Varints (LEB128) and zigzag, shared by the rollup encodings.
void PutVarint(std::string& out, uint64_t v);
bool GetVarint(std::string_view& in, uint64_t& v);

}  // namespace vigil::storage
