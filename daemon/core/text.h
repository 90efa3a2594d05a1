// Small, pure string functions shared by every module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::core {

std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// Stable 64-bit FNV-1a: used where a value must not change between runs (scheduling jitter).
uint64_t Fnv1a64(std::string_view s);
// Cuts `s` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view s, std::size_t max_bytes);
// Replaces control bytes and invalid UTF-8 so the text is safe in a one-line message.
std::string Printable(std::string_view s, std::size_t max_bytes);
// An RFC 9110 token (header field names, methods).
bool IsHttpToken(std::string_view s);
// Edit distance, for "did you mean" hints.
std::size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace vigil::core
