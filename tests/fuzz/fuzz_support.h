// Shared by the libFuzzer targets: a contract check that traps (so libFuzzer records the input)
// and header-line splitting. Each target states its parser's contract at its top.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::fuzz {

inline void Check(bool ok) {
  if (!ok) __builtin_trap();
}

inline std::string_view Text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// "name: value" lines (a line without a colon is a name with an empty value).
inline std::vector<std::pair<std::string, std::string>> HeaderLines(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      out.emplace_back(std::string(line), "");
    } else {
      out.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  return out;
}

}  // namespace vigil::fuzz
