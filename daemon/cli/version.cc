#include <Poco/Version.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>

#include <iostream>

#include "daemon/cli/commands.h"
#include "daemon/core/version.h"

namespace vigil::cli {
namespace {

int Run(const ParsedArgs&) {
  std::cout << "vigil " << core::VersionString() << "\n"
            << "  built     " << __DATE__ << " " << __TIME__ << " with g++ " << __VERSION__ << "\n"
            << "  Poco      " << (POCO_VERSION >> 24) << "." << ((POCO_VERSION >> 16) & 0xff) << "."
            << ((POCO_VERSION >> 8) & 0xff) << "\n"
            << "  OpenSSL   " << OPENSSL_VERSION_TEXT << "\n"
            << "  SQLite    " << sqlite3_libversion() << "\n";
  return kExitOk;
}

}  // namespace

Command VersionCommand() {
  return {{"version", "", "Print the version, build and library versions.", "", {}, 0, 0}, &Run};
}

}  // namespace vigil::cli
