#include "daemon/core/version.h"

namespace vigil::core {

const char* VersionString() { return VIGIL_VERSION; }
std::string UserAgent() { return std::string("vigil/") + VIGIL_VERSION; }

}  // namespace vigil::core
