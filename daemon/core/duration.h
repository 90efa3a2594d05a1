// Parsers and formatters for the human units used in config files and messages:
// durations ("250ms", "10s", "1m30s", "2h", "14d"), percentages ("20%", "0.5%") and byte
// sizes ("4096", "64KiB", "1MiB", "1MB"). Pure functions; errors say what was wrong and what
// is accepted, ready to be put after "KEY: " in a config error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "daemon/core/clock.h"
#include "daemon/core/status.h"

namespace vigil::core {

inline constexpr Millis kYear{366LL * 86'400'000};
// At most `max` (a year unless a key says otherwise).
Result<Millis> ParseDuration(std::string_view text, Millis max = kYear);
// 1500ms -> "1.5s", 90000ms -> "1m30s", 250ms -> "250ms", 0 -> "0s".
std::string FormatDuration(Millis d);
// Milliseconds as a short human figure: 0.42 -> "0.42ms", 1234.5 -> "1.23s".
std::string FormatMillis(double ms);

// "20%" -> 0.20. Accepts 0% to 100%.
Result<double> ParsePercent(std::string_view text);

Result<std::size_t> ParseByteSize(std::string_view text);
// 1048576 -> "1 MiB", 1536 -> "1.5 KiB", 12 -> "12 B".
std::string FormatBytes(std::size_t n);

}  // namespace vigil::core
