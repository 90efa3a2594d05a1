#include "storage/latency_sketch.h"

#include <algorithm>
#include <cmath>

namespace vigil::storage {
namespace {

const double kGamma = (1 + LatencySketch::kRelativeError) / (1 - LatencySketch::kRelativeError);
const double kLogGamma = std::log(kGamma);
// Indices of kMinMs and kMaxMs: a decoded index outside them is corrupt.
const int32_t kMinIndex = static_cast<int32_t>(std::ceil(std::log(LatencySketch::kMinMs) / kLogGamma));
const int32_t kMaxIndex = static_cast<int32_t>(std::ceil(std::log(LatencySketch::kMaxMs) / kLogGamma));

int32_t IndexOf(double ms) {
  if (!(ms >= LatencySketch::kMinMs)) ms = LatencySketch::kMinMs;  // also NaN
  ms = std::min(ms, LatencySketch::kMaxMs);
  return std::clamp(static_cast<int32_t>(std::ceil(std::log(ms) / kLogGamma)), kMinIndex, kMaxIndex);
}

// The value that represents bucket i: its relative distance to both ends is α.
double ValueOf(int32_t i) { return 2 * std::pow(kGamma, i) / (kGamma + 1); }

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

void LatencySketch::Add(double ms, uint64_t count) {
  if (count == 0) return;
  const int32_t i = IndexOf(ms);
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), i,
                             [](const auto& b, int32_t index) { return b.first < index; });
  if (it != buckets_.end() && it->first == i) {
    it->second += count;
  } else {
    buckets_.insert(it, {i, count});
  }
  count_ += count;
}

void LatencySketch::Merge(const LatencySketch& other) {
  if (other.empty()) return;
  if (empty()) {
    *this = other;
    return;
  }
  std::vector<std::pair<int32_t, uint64_t>> merged;
  merged.reserve(buckets_.size() + other.buckets_.size());
  auto a = buckets_.cbegin();
  auto b = other.buckets_.cbegin();
  while (a != buckets_.cend() || b != other.buckets_.end()) {
    if (b == other.buckets_.end() || (a != buckets_.cend() && a->first < b->first)) {
      merged.push_back(*a++);
    } else if (a == buckets_.cend() || b->first < a->first) {
      merged.push_back(*b++);
    } else {
      merged.emplace_back(a->first, a->second + b->second);
      ++a;
      ++b;
    }
  }
  buckets_ = std::move(merged);
  count_ += other.count_;
}

std::optional<double> LatencySketch::Quantile(double q) const {
  if (empty()) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (const auto& [index, n] : buckets_) {
    seen += n;
    if (seen >= rank) return ValueOf(index);
  }
  return ValueOf(buckets_.back().first);
}

void LatencySketch::EncodeTo(std::string& out) const {
  PutVarint(out, buckets_.size());
  int64_t previous = 0;
  for (const auto& [index, n] : buckets_) {
    PutVarint(out, ZigZag(index - previous));
    PutVarint(out, n);
    previous = index;
  }
}

std::string LatencySketch::Encode() const {
  std::string out;
  EncodeTo(out);
  return out;
}

bool LatencySketch::DecodeFrom(std::string_view& in, LatencySketch& out) {
  out = LatencySketch();
  uint64_t size = 0;
  if (!GetVarint(in, size) || size > static_cast<uint64_t>(kMaxIndex - kMinIndex + 1)) return false;
  out.buckets_.reserve(size);
  int64_t index = 0;
  for (uint64_t k = 0; k < size; ++k) {
    uint64_t delta = 0, n = 0;
    if (!GetVarint(in, delta) || !GetVarint(in, n) || n == 0) return false;
    index += UnZigZag(delta);
    if (index < kMinIndex || index > kMaxIndex) return false;
    if (!out.buckets_.empty() && index <= out.buckets_.back().first) return false;
    if (out.count_ + n < out.count_) return false;  // overflow
    out.buckets_.emplace_back(static_cast<int32_t>(index), n);
    out.count_ += n;
  }
  return true;
}

std::optional<LatencySketch> LatencySketch::Decode(std::string_view bytes) {
  LatencySketch s;
  if (!DecodeFrom(bytes, s) || !bytes.empty()) return std::nullopt;
  return s;
}

}  // namespace vigil::storage
