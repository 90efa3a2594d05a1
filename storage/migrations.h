// The schema, as an ordered list of migrations: migration i moves the database from
// version i to i+1 (PRAGMA user_version). Append only; never edit a released step.
#pragma once

#include <string>
#include <vector>

namespace vigil::storage {

const std::vector<std::vector<std::string>>& Migrations();

}  // namespace vigil::storage
