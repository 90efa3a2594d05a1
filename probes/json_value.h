// Reading parsed JSON (Poco::Dynamic::Var as produced by Poco::JSON::Parser): RFC 6901 pointer
// evaluation, JSON type names, literal comparison and short descriptions for messages.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "daemon/core/json_pointer.h"
#include "daemon/core/status.h"

namespace vigil::probes {

// Parses any JSON text, top-level scalars included (Poco's parser rejects those on its own).
core::Result<Poco::Dynamic::Var> ParseJson(std::string_view text);
std::optional<Poco::Dynamic::Var> Resolve(const Poco::Dynamic::Var& root, const core::JsonPointer& p);
config::JsonType TypeOf(const Poco::Dynamic::Var& v);
bool HasType(const Poco::Dynamic::Var& v, config::JsonType t);  // integer is also a number
bool LiteralEquals(const config::Literal& literal, const Poco::Dynamic::Var& v);
std::optional<double> AsNumber(const Poco::Dynamic::Var& v);
std::optional<std::size_t> ItemCount(const Poco::Dynamic::Var& v);  // arrays only
// "\"balance\"", "42", "true", "null", "an object", "an array of 3 items"
std::string Describe(const Poco::Dynamic::Var& v);

}  // namespace vigil::probes
