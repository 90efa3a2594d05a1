// Build and library versions for `vigil version` and the User-Agent.
#pragma once

#include <string>

namespace vigil::core {

const char* VersionString();     // "0.1.0"
std::string UserAgent();         // "vigil/0.1.0"

}  // namespace vigil::core
