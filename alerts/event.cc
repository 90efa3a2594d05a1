#include "alerts/event.h"

#include <openssl/rand.h>

#include <random>

namespace vigil::alerts {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int64_t kMaxUlidMillis = (int64_t{1} << 48) - 1;

struct EventTypeEntry {
  EventType type;
  const char* name;
};
constexpr EventTypeEntry kEventTypes[] = {
    {EventType::kDown, "provider.down"}, {EventType::kDegraded, "provider.degraded"},
    {EventType::kUp, "provider.up"},     {EventType::kReminder, "provider.reminder"},
    {EventType::kTest, "test"},         {EventType::kAttention, "provider.attention"},
};

// Appends the low `chars * 5` bits of `value` as `chars` base32 digits, most significant first.
void AppendBase32(uint64_t value, int chars, std::string& out) {
  for (int i = chars - 1; i >= 0; --i) out += kCrockford[(value >> (5 * i)) & 0x1F];
}

uint64_t BigEndian40(const uint8_t* bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 5; ++i) v = (v << 8) | bytes[i];
  return v;
}

}  // namespace

const char* EventTypeName(EventType t) {
  for (const auto& e : kEventTypes) {
    if (e.type == t) return e.name;
  }
  return "unknown";
}

bool ParseEventType(std::string_view text, EventType& out) {
  for (const auto& e : kEventTypes) {
    if (text == e.name) {
      out = e.type;
      return true;
    }
  }
  return false;
}

std::string FormatEventId(core::WallTime now, const std::array<uint8_t, 10>& random) {
  int64_t ms = core::ToUnixMillis(now);
  if (ms < 0) ms = 0;
  if (ms > kMaxUlidMillis) ms = kMaxUlidMillis;
  std::string out;
  out.reserve(26);
  AppendBase32(static_cast<uint64_t>(ms), 10, out);  // 50 bits: the top two are zero
  AppendBase32(BigEndian40(random.data()), 8, out);
  AppendBase32(BigEndian40(random.data() + 5), 8, out);
  return out;
}

std::string NewEventId(core::WallTime now) {
  std::array<uint8_t, 10> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    // OpenSSL's CSPRNG failing is near impossible; an id must still be produced.
    std::random_device device;
    for (auto& b : random) b = static_cast<uint8_t>(device());
  }
  return FormatEventId(now, random);
}

}  // namespace vigil::alerts
